# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Launcher sizing for many VMIs at once, with what a summary table shows of each."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.defaults import apply_vmi_defaults
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.guest import guest_memory, guest_vcpus
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.launcher_envelope import (
    launcher_envelope)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import (
    read_namespace_context, read_namespace_contexts)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import size_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError, each_item
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import printed


def size_vmis(vmis, config=None, arch="amd64", namespace=None, resource_quotas=(),
              network_attachment_definitions=(), apply_defaults=False, namespaces=()):
    """``launcher_resources`` for each VMI, with a summary and the whole Pod's envelope
    (``launcher_envelope``: ``requests``, ``limits``, ``qos``, ``qos_reason``); errors name the
    VMI's index and name.

    ``namespace``: one Namespace object for every VMI; or ``namespaces``: the VMIs' Namespace
    objects, each VMI sized in its own (``kubevirt.namespace.NamespaceContexts``). The cluster
    configuration, quotas and NetworkAttachmentDefinitions are read once for the whole list.
    """
    if isinstance(vmis, dict):
        vmis = [vmis]
    cfg = read_config(config)
    contexts = None
    if namespaces:
        if namespace is not None:
            raise VmpodInputError("namespace", namespace.get("metadata", {}).get("name")
                                  if isinstance(namespace, dict) else namespace,
                                  "give one namespace for every VMI or namespaces, not both")
        contexts = read_namespace_contexts(namespaces, resource_quotas,
                                           network_attachment_definitions)

    def size_one(obj):
        if apply_defaults:
            obj = apply_vmi_defaults(obj, cfg, arch)
        vmi = read_vmi(obj, arch, with_pod=True)
        context = contexts.context(vmi.namespace) if contexts is not None else \
            read_namespace_context(vmi, namespace, resource_quotas, network_attachment_definitions)
        sized = size_vmi(vmi, cfg, context)
        requests, limits, qos, reason = launcher_envelope(sized, cfg)
        memory = guest_memory(vmi)
        entry = {
            "name": vmi.name,
            "namespace": vmi.namespace,
            "kind": vmi.kind,
            "architecture": vmi.architecture,
            "vcpus": guest_vcpus(vmi),
            "guest_memory": str(memory) if memory is not None else None,
        }
        entry.update(sized.as_dict())
        entry["envelope"] = {"requests": printed(requests), "limits": printed(limits), "qos": qos,
                             "qos_reason": reason}
        return entry
    return each_item(vmis, size_one)
