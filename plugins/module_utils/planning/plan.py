# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One VM's plan on one host: the ``Plan`` value and ``place``, which makes it from a sized VMI.

The order follows what happens to a KubeVirt VM: the launcher Pod asks for its resources
(``kubevirt.resources``), the kubelet's Topology Manager admits it and its static CPU manager
picks the exclusive CPUs (``kubelet``), then virt-launcher pins vCPUs, the emulator thread and
IOThreads inside that cpuset and lays out guest NUMA (``kubevirt.pinning``); shared-CPU VMs only
need memory and hugepages (here), dedicated ones are pinned in ``planning.dedicated``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.guest import guest_memory, guest_vcpus
from ansible_collections.vmpod.core.plugins.module_utils.planning.dedicated import cell_dict, place_dedicated, place_explicit_layout
from ansible_collections.vmpod.core.plugins.module_utils.planning.host_devices import (
    alignment_notes, choose_devices, device_demands, shortage_reasons, unmapped_notes)
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import (
    free_pages, host_ordinary_memory, ordinary_memory, page_need, pages_short_reason, spread_pages)
from ansible_collections.vmpod.core.plugins.module_utils.planning.numa_layout import fit_cells, guest_cells
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


class Plan:
    """The result under construction; ``as_dict`` is what callers get."""

    def __init__(self):
        self.reasons = []
        self.cpuset = None
        self.vcpupin = None
        self.emulatorpin = None
        self.iothreadpin = {}
        self.numa_cells = []
        self.hugepages = None
        self.page_bytes = None  # the hugepage size behind ``hugepages``, in bytes
        self.pcpus = 0
        self.nodes_with_room = None
        self.affinity = None  # the Topology Manager's NUMA affinity (node ids), when it merged hints
        self.devices = None  # the host PCI devices the VM's GPUs and host devices get, when known
        self.notes = []  # what fits but is worth knowing (devices not aligned with the CPUs)

    def copy(self):
        """An equal plan that shares no list or dict with this one (for a VM of its own)."""
        twin = Plan.__new__(Plan)
        twin.__dict__.update((name, _fresh(value)) for name, value in self.__dict__.items())
        return twin

    def as_dict(self):
        result = {
            "fits": not self.reasons,
            "reasons": list(self.reasons),
            "cpuset": format_cpuset(self.cpuset) if self.cpuset is not None else None,
            "vcpupin": self.vcpupin,
            "emulatorpin": format_cpuset(self.emulatorpin) if self.emulatorpin else None,
            "iothreadpin": {str(k): format_cpuset(v) for k, v in sorted(self.iothreadpin.items())}
            if self.iothreadpin else {},
            "numa_cells": self.numa_cells,
            "hugepages": self.hugepages,
            "pcpus": self.pcpus,
        }
        if self.nodes_with_room is not None:
            result["nodes_with_room"] = self.nodes_with_room
        if self.devices is not None:
            result["devices"] = self.devices
        if self.notes:
            result["notes"] = list(self.notes)
        return result


def _fresh(value):
    """``value`` with new lists and dicts all the way down (the rest is immutable)."""
    if value.__class__ is list:
        return [_fresh(item) for item in value]
    if value.__class__ is dict:
        return dict((key, _fresh(item)) for key, item in value.items())
    return value


def place(sized, host, opts):
    """The plan of a sized VMI (``kubevirt.resources.size_vmi``) on a read host, with read
    options: every engine path that plans calls this (the fleet placer for every host)."""
    vmi = sized.vmi
    plan = Plan()
    if host.architecture is not None and host.architecture != vmi.architecture:
        plan.reasons.append("the VM is %s, the host %s" % (vmi.architecture, host.architecture))
        return plan
    need = None
    if vmi.hugepage_size is not None:
        need = page_need(vmi, sized.requests["hugepages-" + vmi.hugepage_size],
                         vmi.spec_path + ".domain")
        plan.hugepages = {"page_size": need.size_text, "per_node": {}}
        plan.page_bytes = need.size
    if vmi.cpu.numa_passthrough and not (vmi.cpu.dedicated and need is not None):
        raise VmpodInputError(vmi.spec_path + ".domain.cpu.numa.guestMappingPassthrough", {},
                              "needs dedicatedCpuPlacement and hugepages (KubeVirt refuses it)")
    memory = need.memory if need is not None else placed_memory(sized)
    vcpus = guest_vcpus(vmi)
    cells = guest_cells(opts.layout, vcpus, memory, need.size if need else None) \
        if opts.layout else None  # no layout options: no explicit guest NUMA
    if vmi.cpu.numa_passthrough and cells is not None:
        raise VmpodInputError("options.numa_nodes", opts.layout.get("numa_nodes"),
                              "cannot be combined with guestMappingPassthrough")
    if opts.thread_policy != "prefer" and not vmi.cpu.dedicated:
        raise VmpodInputError("options.thread_policy", opts.thread_policy,
                              "applies to dedicated CPUs only (dedicatedCpuPlacement)")
    # memory outside hugepages: the guest's (unless in hugepages) and the launcher's overhead
    ordinary = sized.overhead.value()
    if need is None:
        ordinary += memory
    demands = device_demands(sized, host)
    if demands:
        plan.notes.extend(unmapped_notes(demands))
        plan.reasons.extend(shortage_reasons(demands))
        if plan.reasons:
            return plan
    if not vmi.cpu.dedicated:
        _place_shared(plan, vmi, host, need, ordinary, cells,
                      bool(opts.layout.get("numa_share_host_nodes")))
    elif cells is not None:
        place_explicit_layout(plan, sized, host, opts, need, cells)
    else:
        place_dedicated(plan, sized, host, opts, need, memory, demands)
    if demands and not plan.reasons:
        _place_devices(plan, host, demands, opts.topology_policy)
    host_memory = host_ordinary_memory(host)
    if host_memory < ordinary:
        plan.reasons.append("the host has %d bytes of memory outside hugepage pools, the VM "
                            "needs %d (guest and launcher overhead)" % (host_memory, ordinary))
    return plan


def _place_devices(plan, host, demands, policy):
    """``plan.devices`` from the Topology Manager's affinity, else from the nodes of the pinned
    CPUs; a note for each device not on the node of the VM's CPUs and hugepages."""
    affinity = plan.affinity
    if not affinity and plan.cpuset:
        affinity = frozenset(host.cpu_by_id[cpu].node for cpu in plan.cpuset)
    plan.devices = choose_devices(demands, affinity)
    if plan.cpuset:  # dedicated CPUs: a shared-CPU VM's threads float over the host
        per_node = plan.hugepages["per_node"] if plan.hugepages else {}
        page_nodes = [int(node) for node, pages in per_node.items() if pages]
        plan.notes.extend(alignment_notes(policy, host, plan.devices, plan.cpuset, page_nodes))


def placed_memory(sized):
    """The guest memory ``place`` counts in bytes: ``guest.guest_memory``, else the launcher's
    memory request."""
    memory = guest_memory(sized.vmi)
    if memory is not None:
        return memory.value()
    return sized.requests["memory"].value() if "memory" in sized.requests else 0


# -- shared CPUs: no pinning, only memory and hugepages ------------------------------------------


def _place_shared(plan, vmi, host, need, ordinary, cells, shared=False):
    room = []
    for node in host.nodes:
        if need is not None and free_pages(host, node.id, need.size) < need.pages:
            continue
        if ordinary_memory(node) >= ordinary:
            room.append(node.id)
    plan.nodes_with_room = room
    if cells is not None:
        assignment, reasons = fit_cells(host, cells, host.available(), False,
                                        need.size if need else None, shared)
        if reasons:
            plan.reasons.extend(reasons)
            return
        plan.numa_cells = [cell_dict(cell, node) for cell, node in zip(cells, assignment)]
        if need is not None:
            for cell, node in zip(cells, assignment):
                key = str(node)
                plan.hugepages["per_node"][key] = plan.hugepages["per_node"].get(key, 0) + \
                    cell.memory // need.size
        return
    if need is not None:
        per_node, left = spread_pages(host, need, [node.id for node in host.nodes])
        if left:
            plan.reasons.append(pages_short_reason(host, need))
            return
        plan.hugepages["per_node"] = {str(k): v for k, v in sorted(per_node.items())}
