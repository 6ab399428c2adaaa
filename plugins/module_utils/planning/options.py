# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The placement options, read once: kubelet policies, Nova's thread policy and NUMA layout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass
from types import MappingProxyType

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

TOPOLOGY_POLICIES = ("none", "best-effort", "restricted", "single-numa-node")
THREAD_POLICIES = ("prefer", "isolate", "require")
_OPTION_KEYS = ("full_pcpus_only", "numa_cpus", "numa_mem", "numa_nodes", "numa_share_host_nodes",
                "thread_policy", "topology_policy")


@dataclass(frozen=True)
class PlacementOptions:
    """``topology_policy``: the kubelet Topology Manager's; ``full_pcpus_only``: the static CPU
    manager's option; ``thread_policy``: Nova's (prefer, isolate, require); ``layout``: the
    explicit guest NUMA layout options (``numa_nodes``, ``numa_cpus``, ``numa_mem``), checked
    against each VM's vCPUs and memory when it is planned (``numa_layout.guest_cells``), and
    ``numa_share_host_nodes`` (guest cells may share a host node: libvirt allows it, Nova not)."""

    topology_policy: str = "none"
    full_pcpus_only: bool = False
    thread_policy: str = "prefer"
    layout: object = None


DEFAULT_PLACEMENT_OPTIONS = PlacementOptions("none", False, "prefer", MappingProxyType({}))


def read_options(options):
    if options is None or options == {}:  # (a falsy non-mapping is still refused below)
        return DEFAULT_PLACEMENT_OPTIONS
    options = f.option_map(options, "options", _OPTION_KEYS)
    topology_policy = options.get("topology_policy") or "none"
    if topology_policy not in TOPOLOGY_POLICIES:
        raise VmpodInputError("options.topology_policy", topology_policy,
                              "must be one of %s" % ", ".join(TOPOLOGY_POLICIES))
    full_pcpus_only = options.get("full_pcpus_only", False)
    if not isinstance(full_pcpus_only, bool):
        raise VmpodInputError("options.full_pcpus_only", full_pcpus_only,
                              "must be true or false")
    thread_policy = options.get("thread_policy") or "prefer"
    if thread_policy not in THREAD_POLICIES:
        raise VmpodInputError("options.thread_policy", thread_policy,
                              "must be one of %s" % ", ".join(THREAD_POLICIES))
    layout = {key: options[key] for key in ("numa_nodes", "numa_cpus", "numa_mem")
              if key in options}
    shared = options.get("numa_share_host_nodes", False)
    if not isinstance(shared, bool):
        raise VmpodInputError("options.numa_share_host_nodes", shared, "must be true or false")
    if shared:
        layout["numa_share_host_nodes"] = True
    return PlacementOptions(topology_policy, full_pcpus_only, thread_policy, layout)
