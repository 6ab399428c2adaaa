# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Can the target host's CPU run the migrating guest's CPU? (``check_migration``'s CPU part)

The hosts' CPUs are what ``vmpod.core.host_cpu_info`` reads from libvirt's domain capabilities:
the host-model CPU (a named model and the features libvirt adds or removes) and, in custom mode,
which named models this host can run (``usable``). A live migration keeps the guest's CPU as the
source started it, so QEMU on the target must offer every feature of it; otherwise libvirt
refuses with "guest CPU doesn't match specification: missing features: ...". Facts from
libvirt's formatdomain ("CPU model and topology") and KubeVirt's node labeller, which labels
nodes with the usable models and host-model features that the same rules need:

* ``host-model`` (KubeVirt's default CPU model): libvirt expands it on the source to the
  source's host-model CPU - its model plus its features - and migrates that expansion; the
  target must run the model and offer every feature the source enabled.
* ``host-passthrough``: the guest sees the source's CPU as is; the target's must offer at least
  what the source's host-model does.
* a named model (``Haswell-noTSX``): the target must list the model as usable, and offer the
  features the VMI requires (policy ``require``, ``force`` or none).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

_ENABLING = ("require", "force", "optional")
_REQUIRING = ("", "require", "force")


class HostCpu:
    """A host's CPU as ``host_cpu_info`` gives it, read."""

    __slots__ = ("model", "supported", "features", "usable")

    def __init__(self, model, supported, features, usable):
        self.model = model  # the host-model base model, or None
        self.supported = supported  # whether libvirt gives host-model here
        self.features = features  # frozenset of the features host-model enables
        self.usable = usable  # frozenset of the custom models this host runs, or None (unknown)


def read_host_cpu(data, path):
    """``host_cpu_info``'s ``host_cpu`` (or None, for a host whose CPU is unknown)."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise VmpodInputError(path, data, "must be the host_cpu that vmpod.core.host_cpu_info returns")
    features = set()
    for where, item in f.mappings(data, "features", path):
        name = f.string(item, "name", where)
        if not name:
            raise VmpodInputError(f.join(where, "name"), name, "is required")
        if f.string(item, "policy", where, "require") in _ENABLING:
            features.add(name)
    usable = None
    if data.get("usable_models") is not None:
        usable = frozenset(f.strings(data, "usable_models", path))
    supported = f.boolean(data, "host_model_supported", path, True)
    return HostCpu(f.string(data, "model", path) or None, bool(supported), frozenset(features), usable)


def cpu_reasons(vmi, source, target):
    """Why ``target`` (a HostCpu) cannot run the guest CPU ``vmi`` started with on ``source``
    (a HostCpu or None): ``[]`` when it can, or when what it needs to know is unknown."""
    if target is None:
        return []
    model = vmi.cpu.model or "host-model"
    reasons = []
    if model == "host-model":
        if not target.supported:
            reasons.append("the target's libvirt cannot give a host-model CPU")
        if source is None:
            return reasons
        if source.model and target.usable is not None and source.model not in target.usable \
                and source.model != target.model:
            reasons.append("the target cannot run the CPU model %s that host-model gave the guest "
                           "on the source" % source.model)
        missing = source.features - target.features
    elif model == "host-passthrough":
        if source is None:
            return reasons
        missing = source.features - target.features
        if source.model and target.model and source.model != target.model:
            reasons.append("host-passthrough: the source's CPU is %s, the target's %s"
                           % (source.model, target.model))
    else:
        if target.usable is not None and model not in target.usable:
            reasons.append("the target cannot run CPU model %s (not usable there)" % model)
        missing = set(feature["name"] for feature in vmi.cpu.features
                      if feature["policy"] in _REQUIRING) - target.features
    if missing:
        reasons.append("the target's CPU lacks %d feature%s the guest uses (%s mode): %s"
                       % (len(missing), "" if len(missing) == 1 else "s", model,
                          ", ".join(sorted(missing))))
    return reasons
