# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dedicated CPUs: the kubelet's choice of exclusive pCPUs (``kubelet``), KubeVirt's pinning of
vCPUs, emulator thread and IOThreads inside them (``kubevirt.pinning``), Nova's isolate thread
policy, and explicit guest NUMA layouts. Each step writes into the ``planning.plan.Plan``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubelet import cpu_manager, topology_manager
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt import pinning
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.guest_numa import passthrough_cells
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.iothreads import iothread_count
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.guest import guest_vcpus
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import EVEN_PARITY_ANNOTATION
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import (
    hugepage_hints, pages_short_reason, shortfall_reasons, spread_pages)
from ansible_collections.vmpod.core.plugins.module_utils.planning.host_devices import (
    alignment_reason, demand_hints)
from ansible_collections.vmpod.core.plugins.module_utils.planning.numa_layout import fit_cells
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit, VmpodInputError


def exclusive_cpus(sized):
    """The pCPUs the kubelet gives the Pod: its (whole) CPU request."""
    request = sized.requests.get("cpu")
    if request is None:  # KubeVirt renders none for dedicated CPUs without a topology
        vmi = sized.vmi
        raise VmpodInputError(vmi.spec_path + ".domain.cpu.dedicatedCpuPlacement", True,
                              "needs a CPU topology (cores, sockets or threads) or "
                              "resources.requests.cpu: KubeVirt renders no CPU request without "
                              "one, and the kubelet then pins nothing")
    return request.value()


def cell_dict(cell, host_node):
    return {"id": cell.id, "vcpus": list(cell.vcpus), "memory_bytes": cell.memory,
            "host_node": host_node}


def place_dedicated(plan, sized, host, opts, need, memory, demands=None):
    """The kubelet's exclusive CPUs, then KubeVirt's pinning inside them (or Nova's isolate
    policy), then guest NUMA under passthrough and hugepages. ``demands``: the VM's GPUs and host
    devices resolved on the host (``planning.host_devices``), whose device manager hints join the
    Topology Manager's merge; the NUMA affinity it picks is kept in ``plan.affinity``."""
    vmi = sized.vmi
    count = exclusive_cpus(sized)
    full_cores = opts.full_pcpus_only
    if opts.thread_policy == "require":
        if host.threads_per_core() < 2:
            plan.reasons.append("thread_policy require needs a host with hyper-threads; this "
                                "host has 1 thread per core")
            return
        full_cores = True  # vCPUs on sibling threads: whole cores only
    elif opts.thread_policy == "isolate":
        count *= host.threads_per_core()  # every pCPU on its own core, the siblings kept idle
        full_cores = True
    plan.pcpus = count
    available = host.available()
    affinity = None
    if opts.topology_policy != "none":
        hint_lists = [cpu_manager.cpu_hints(host, available, count)]
        if need is not None:
            hint_lists.append(hugepage_hints(host, need))
        if demands:
            hint_lists.extend(demand_hints(demands, host))
        best, admitted = topology_manager.merge_hints(opts.topology_policy, hint_lists, host)
        if not admitted:
            reason = alignment_reason(opts.topology_policy, host, demands, available, count,
                                      need) if demands else None
            plan.reasons.append(reason or _topology_reason(opts.topology_policy, count, need))
            return
        affinity = best.nodes if best is not None else None
        plan.affinity = affinity
    try:
        chosen = cpu_manager.allocate(host, available, count, affinity, full_cores)
    except NoFit as err:
        plan.reasons.append(str(err))
        return
    try:
        if opts.thread_policy == "isolate":
            _pin_isolated(plan, vmi, host, chosen)
        else:
            _pin_like_kubevirt(plan, vmi, host, chosen)
    except NoFit as err:
        plan.reasons.append(str(err))
        return
    if vmi.cpu.numa_passthrough:
        try:
            plan.numa_cells = passthrough_cells(host, plan.vcpupin, memory, need.size)
        except NoFit as err:
            plan.reasons.append(str(err))
            return
        per_node = {}
        for cell in plan.numa_cells:
            node = cell["host_node"]
            per_node[node] = per_node.get(node, 0) + cell["memory_bytes"] // need.size
        _account_pages(plan, host, need, per_node)
    else:
        _place_pages(plan, host, need, affinity)


def _pin_like_kubevirt(plan, vmi, host, chosen):
    """virt-launcher's vCPU, emulator thread and IOThread pinning inside the Pod's cpuset."""
    plan.cpuset = frozenset(chosen)
    cpu = vmi.cpu
    sockets, cores, threads = _guest_topology(vmi)
    tune = pinning.cputune(host, plan.cpuset, sockets, cores, threads,
                           strict=cpu.numa_passthrough,
                           isolate_emulator=cpu.isolate_emulator_thread,
                           even_parity=EVEN_PARITY_ANNOTATION in vmi.annotations,
                           iothreads=iothread_count(vmi),
                           policy=vmi.io_threads_policy)
    plan.vcpupin = list(tune["vcpus"])
    plan.emulatorpin = frozenset(tune["emulator"]) or None
    plan.iothreadpin = dict(tune["iothreads"])


def _place_pages(plan, host, need, affinity):
    """No guest NUMA: the pages come from the Pod's NUMA affinity (memory manager), else from
    the nodes of its pCPUs first and any other node after them."""
    if need is None:
        return
    nodes = _nodes_in_order(host, plan.cpuset, affinity)
    per_node, left = spread_pages(host, need, nodes)
    if left:
        plan.reasons.append(pages_short_reason(host, need))
    plan.hugepages["per_node"] = {str(k): v for k, v in sorted(per_node.items())}


def _pin_isolated(plan, vmi, host, chosen):
    """Nova's isolate thread policy: each vCPU (and the emulator and IOThread pCPUs) alone on a
    physical core, its sibling threads held idle for this VM."""
    plan.cpuset = frozenset(chosen)
    cores = sorted({host.siblings(cpu) for cpu in chosen})
    firsts = [core[0] for core in cores]
    vcpus = guest_vcpus(vmi)
    plan.vcpupin = firsts[:vcpus]
    spare = firsts[vcpus:]
    supplemental = _supplemental(vmi) if vmi.io_threads_policy == "supplementalPool" else 0
    plan.iothreadpin = {index + 1: (pcpu,) for index, pcpu in enumerate(spare[:supplemental])}
    spare = spare[supplemental:]
    if vmi.cpu.isolate_emulator_thread and spare:
        plan.emulatorpin = frozenset(spare)
    if not supplemental:
        plan.iothreadpin = dict(pinning.iothread_pins(
            host, sorted(firsts), plan.vcpupin, iothread_count(vmi),
            vmi.io_threads_policy, tuple(sorted(plan.emulatorpin or ()))))


def _guest_topology(vmi):
    cpu = vmi.cpu
    if cpu.vcpu_count:
        return cpu.sockets or 1, cpu.cores or 1, cpu.threads or 1
    return guest_vcpus(vmi), 1, 1


def _supplemental(vmi):
    """IOThread pCPUs in the Pod's CPU count (KubeVirt counts them whatever the policy)."""
    return vmi.supplemental_pool_thread_count or 0


def _nodes_in_order(host, cpus, affinity):
    """Nodes to take hugepages from: the affinity, else the nodes of the pCPUs, then the rest."""
    first = sorted(affinity) if affinity else sorted({host.cpu_by_id[c].node for c in cpus})
    return first + [node.id for node in host.nodes if node.id not in first]


def _account_pages(plan, host, need, per_node):
    plan.reasons.extend(shortfall_reasons(host, need, per_node))
    plan.hugepages["per_node"] = {str(k): v for k, v in sorted(per_node.items())}


def _topology_reason(policy, count, need):
    what = "%d exclusive CPUs" % count
    if need is not None:
        what += " and %d %s hugepages" % (need.pages, need.size_text)
    if policy == "single-numa-node":
        return "topology manager policy single-numa-node: no single NUMA node has %s" % what
    return ("topology manager policy %s: %s cannot be aligned on the smallest possible set of "
            "NUMA nodes" % (policy, what))


# -- an explicit guest NUMA layout -------------------------------------------

def place_explicit_layout(plan, sized, host, opts, need, cells):
    """Nova-style explicit guest NUMA cells, each on its own host node, pinned there."""
    vmi = sized.vmi
    count = exclusive_cpus(sized)
    plan.pcpus = count
    available = host.available()
    assignment, reasons = fit_cells(host, cells, available, True, need.size if need else None,
                                    bool(opts.layout.get("numa_share_host_nodes")))
    if reasons:
        plan.reasons.extend(reasons)
        return
    if opts.topology_policy == "single-numa-node" and len(set(assignment)) > 1:
        plan.reasons.append("topology manager policy single-numa-node admits no Pod spanning "
                            "%d NUMA nodes" % len(set(assignment)))
        return
    chosen = set()
    vcpupin = [None] * sum(len(cell.vcpus) for cell in cells)
    try:
        for cell, node_id in zip(cells, assignment):
            node_cpus = (available - chosen) & frozenset(host.node_by_id[node_id].cpus)
            picked = cpu_manager.take_by_topology(host, node_cpus, len(cell.vcpus),
                                                  opts.full_pcpus_only)
            ordered = sorted(picked, key=lambda c: (host.cpu_by_id[c].socket,
                                                    host.cpu_by_id[c].core, c))
            for vcpu, pcpu in zip(cell.vcpus, ordered):
                vcpupin[vcpu] = pcpu
            chosen.update(picked)
        extra = count - len(chosen)
        if extra > 0:
            first = frozenset(host.node_by_id[assignment[0]].cpus)
            rest = available - chosen
            local = cpu_manager.take_by_topology(host, rest & first, min(extra, len(rest & first)))
            chosen.update(local)
            if extra > len(local):
                chosen.update(cpu_manager.take_by_topology(host, available - chosen,
                                                           extra - len(local)))
    except NoFit as err:
        plan.reasons.append(str(err))
        return
    plan.cpuset = frozenset(chosen)
    plan.vcpupin = vcpupin
    spare = sorted(chosen - set(vcpupin))
    supplemental = _supplemental(vmi) if vmi.io_threads_policy == "supplementalPool" else 0
    pool_pins = {index + 1: (pcpu,) for index, pcpu in enumerate(spare[:supplemental])}
    spare = spare[supplemental:]
    if vmi.cpu.isolate_emulator_thread and spare:
        plan.emulatorpin = frozenset(spare[:max(count - len(vcpupin) - _supplemental(vmi), 1)])
    if supplemental:
        plan.iothreadpin = pool_pins
    else:
        plan.iothreadpin = dict(pinning.iothread_pins(
            host, sorted(chosen), vcpupin, iothread_count(vmi), vmi.io_threads_policy,
            tuple(sorted(plan.emulatorpin or ()))))
    plan.numa_cells = [cell_dict(cell, node) for cell, node in zip(cells, assignment)]
    if need is not None:
        per_node = {}
        for cell, node in zip(cells, assignment):
            per_node[node] = per_node.get(node, 0) + cell.memory // need.size
        _account_pages(plan, host, need, per_node)
