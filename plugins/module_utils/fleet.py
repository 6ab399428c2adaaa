# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Public entry point: many VMs onto many hosts (``planning.packing``), what every host has left
(``planning.usage``) and why a VM goes nowhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.nodes import hosts_from_nodes
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.cluster_vms import cluster_vmis
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import (
    read_namespace_contexts)
from ansible_collections.vmpod.core.plugins.module_utils.planning import drain as drains
from ansible_collections.vmpod.core.plugins.module_utils.planning import fragmentation
from ansible_collections.vmpod.core.plugins.module_utils.planning.options import read_options
from ansible_collections.vmpod.core.plugins.module_utils.planning.fleet_vms import read_fleet_vmis
from ansible_collections.vmpod.core.plugins.module_utils.planning.host_order import (
    Packer, RoomIndex, Spreader)
from ansible_collections.vmpod.core.plugins.module_utils.planning.packing import (
    collector_paused, read_fleet_hosts, take, try_place,
    unplaced_reasons)
from ansible_collections.vmpod.core.plugins.module_utils.planning import pool_plan
from ansible_collections.vmpod.core.plugins.module_utils.planning.usage import host_usage, readable_bytes
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

__all__ = ("place_fleet", "simulate_drain", "plan_hugepage_pools", "hosts_from_nodes", "cluster_vmis",
           "POLICIES")

POLICIES = ("pack", "spread")


@collector_paused()
def place_fleet(vmis, hosts, config=None, policy="pack", options=None, arch="amd64", namespaces=(),
                resource_quotas=(), network_attachment_definitions=()):
    """Place every VMI on a host, or leave it unplaced with the reason from each host.

    ``vmis``: a list of VMIs (or VirtualMachines), names unique. ``hosts``: host name -> host
    data (as ``plan_placement`` takes it, optionally with ``architecture``), or a list of host
    data each with its ``name``. ``config``: the KubeVirt CR's ``spec.configuration``
    (``cpuAllocationRatio``, ``memoryOvercommit``). ``policy``: ``pack`` or ``spread``.
    ``options``: placement options for every VM (``plan_placement``'s). ``arch``: the cluster
    architecture for VMIs that do not name theirs. ``namespaces``, ``resource_quotas``,
    ``network_attachment_definitions``: the objects of the VMIs' namespaces, as
    ``kubernetes.core.k8s_info`` returns them, each VMI sized in its own namespace as
    ``launcher_resources`` sizes it (``kubevirt.namespace.NamespaceContexts``): automatic limits
    from quotas and labels, and the device each Multus network's NetworkAttachmentDefinition asks
    for, which the host must offer.

    Returns ``{placements: {vmi: host or None}, unplaced: {vmi: [reasons]}, hosts: {name:
    usage}, plans: {vmi: plan}, warnings: [..], policy}``.
    """
    if policy not in POLICIES:
        raise VmpodInputError("policy", policy, "must be one of %s" % ", ".join(POLICIES))
    cfg = read_config(config)
    opts = read_options(options)
    states = read_fleet_hosts(hosts)
    vms = read_fleet_vmis(vmis, cfg, arch, read_namespace_contexts(
        namespaces, resource_quotas, network_attachment_definitions))
    picker = Packer(states, RoomIndex(states)) if policy == "pack" else Spreader(states)
    placements, unplaced, plans, placed = {}, {}, {}, []
    nowhere = {}  # shape -> reasons, for shapes no host took
    for vm in vms:
        if vm.shape in nowhere:
            placements[vm.name] = None
            unplaced[vm.name] = list(nowhere[vm.shape])
            continue
        state, plan = picker.place(vm, lambda state, vm=vm: try_place(state, vm, opts))
        if state is None:
            reasons = unplaced_reasons(vm, states, opts)
            nowhere[vm.shape] = reasons
            placements[vm.name] = None
            unplaced[vm.name] = list(reasons)
            continue
        take(state, vm, plan)
        picker.taken(state)
        placed.append((vm, state.name, plan))
        placements[vm.name] = state.name
        result = plan.as_dict()
        result["name"] = vm.name
        result["host"] = state.name
        plans[vm.name] = result
    usage = dict((state.name, host_usage(state, cfg)) for state in states)
    warnings = ["%s: %s" % (name, warning) for name, host in usage.items()
                for warning in host["warnings"]]
    warnings.extend(not_pinned_warnings(vms))
    fragmented = {}
    if unplaced:  # (only then: a fleet that fits pays nothing for the analysis)
        names = [state.name for state in states]
        fragmented = fragmentation.fragmentation(
            [vm for vm in vms if placements[vm.name] is None], states, entries_by_host(placed),
            opts, fragmentation.Mover(lambda state, vm, _source: try_place(state, vm, opts),
                                      names, names))
    return {"placements": placements, "unplaced": unplaced, "hosts": usage, "plans": plans,
            "warnings": warnings, "policy": policy, "fragmentation": fragmented}


def entries_by_host(placed):
    """``[(vm, host name, plan)]`` as host name -> ``[(vm, plan)]``, in placement order."""
    entries = {}
    for vm, name, plan in placed:
        entries.setdefault(name, []).append((vm, plan))
    return entries


def not_pinned_warnings(vms):
    """Dedicated-CPU VMs whose launcher Pod would not be Guaranteed: the kubelet's static CPU
    manager pins only Guaranteed Pods, so they would run on shared CPUs (the reason names the
    container)."""
    return ["%s: dedicated CPUs, but its launcher Pod would be %s (%s): the kubelet gives it "
            "shared CPUs" % (vm.name, vm.qos, vm.qos_reason)
            for vm in vms if vm.dedicated and vm.qos != "Guaranteed"]


@collector_paused()
def simulate_drain(vmis, hosts, drain, config=None, policy="pack", options=None, arch="amd64",
                   namespaces=(), resource_quotas=(), network_attachment_definitions=()):
    """Can every VM on the host ``drain`` (a host name, or a list of them) move to the rest of
    the fleet, as a live migration would move it? (``planning.drain``)

    ``vmis``, ``hosts``, ``config``, ``policy``, ``options``, ``arch``, ``namespaces``,
    ``resource_quotas`` and ``network_attachment_definitions`` as ``place_fleet`` takes them; a
    VMI whose ``status.nodeName`` names a host runs there, the others are placed
    by the policy first. Each VM of a drained host is re-planned on the other hosts under
    ``check_migration``'s rules (the target's own overhead; the vCPU count, siblings, guest NUMA
    cells and page size kept), hardest first.

    Returns ``{safe, blockers: {vmi: [reasons]}, waves: [[{vmi, source, target}]], placements:
    {vmi: host or None}, hosts: {name: usage}, plans: {vmi: plan}, before: {placements, hosts},
    warnings, policy}``: ``placements``, ``hosts`` and ``plans`` as the fleet would be after
    the drain (a blocked VM stays where it was), in ``place_fleet``'s shapes; ``waves`` within
    KubeVirt's default limits of 2 migrations out of a node and 5 in the cluster at once.
    """
    if policy not in POLICIES:
        raise VmpodInputError("policy", policy, "must be one of %s" % ", ".join(POLICIES))
    cfg = read_config(config)
    opts = read_options(options)
    states = read_fleet_hosts(hosts)
    drained = drains.read_drain(drain, states)
    vms = read_fleet_vmis(vmis, cfg, arch, read_namespace_contexts(
        namespaces, resource_quotas, network_attachment_definitions))
    by_name = dict((state.name, state) for state in states)
    raw = vmis if isinstance(vmis, (list, tuple)) else [vmis]
    warnings = []
    # 1. where the fleet stands: the VMs whose node is known first, then the policy's choice
    where = {}  # vm name -> (state, plan)
    pinned = [(vm, drains.running_on(raw[vm.index])) for vm in vms]
    for vm, node in pinned:
        if node is None:
            continue
        if node not in by_name:
            warnings.append("%s runs on %s, which is not a host of the fleet: placed as the "
                            "policy places it" % (vm.name, node))
            continue
        plan = try_place(by_name[node], vm, opts)
        if plan is None:
            warnings.append("%s runs on %s, but its plan there does not fit (%s): left out" % (
                vm.name, node, by_name[node].refused.get(vm.shape)))
            continue
        take(by_name[node], vm, plan)
        where[vm.name] = (by_name[node], plan)
    picker = Packer(states) if policy == "pack" else Spreader(states)
    for vm, node in pinned:
        if vm.name in where or (node is not None and node in by_name):
            continue
        state, plan = picker.place(vm, lambda state, vm=vm: try_place(state, vm, opts))
        if state is None:
            warnings.append("%s fits no host even before the drain: left out" % vm.name)
            continue
        take(state, vm, plan)
        picker.taken(state)
        where[vm.name] = (state, plan)
    before = {"placements": dict((vm.name, where[vm.name][0].name if vm.name in where else None) for vm in vms),
              "hosts": dict((state.name, host_usage(state, cfg)) for state in states)}
    # 2. the VMs of the drained hosts, hardest first, onto the others
    targets = frozenset(state.name for state in states) - drained
    moving = sorted((vm for vm in vms if vm.name in where and where[vm.name][0].name in drained),
                    key=drains.difficulty)
    moves, blockers, after = [], {}, dict(where)
    for vm in moving:
        source_state, plan = where[vm.name]
        picker = Packer(states) if policy == "pack" else Spreader(states)
        state, found = drains.move(vm, plan, source_state, targets, picker, opts)
        if state is None:
            blockers[vm.name] = found
            continue
        take(state, vm, found)
        after[vm.name] = (state, found)
        moves.append({"vmi": vm.name, "source": source_state.name, "target": state.name})
    # 3. the fleet afterwards: every host as it would hold its VMs once the moves are made
    fresh = drains.retake(read_fleet_hosts(hosts), [
        (vm, after[vm.name][0].name, after[vm.name][1]) for vm in vms if vm.name in after])
    plans = {}
    for vm in vms:
        if vm.name in after:
            result = after[vm.name][1].as_dict()
            result.update(name=vm.name, host=after[vm.name][0].name)
            plans[vm.name] = result
    usage = dict((state.name, host_usage(state, cfg)) for state in fresh)
    warnings.extend("%s: %s" % (name, warning) for name, host in usage.items() for warning in host["warnings"])
    fragmented = {}
    if blockers:  # could moving other VMs off one target make room for a blocked one?
        by_fresh = dict((state.name, state) for state in fresh)
        stuck = [vm for vm in vms if vm.name in blockers]
        fragmented = fragmentation.fragmentation(
            stuck, fresh, entries_by_host((vm, after[vm.name][0].name, after[vm.name][1])
                                          for vm in vms if vm.name in after),
            opts, fragmentation.Mover(drains.migration_land(opts),
                                      [state.name for state in fresh], targets),
            dict((vm.name, (by_fresh[after[vm.name][0].name], after[vm.name][1])) for vm in stuck))
    return {"safe": not blockers, "blockers": blockers, "waves": drains.waves(moves),
            "placements": dict((vm.name, after[vm.name][0].name if vm.name in after else None) for vm in vms),
            "hosts": usage, "plans": plans, "before": before, "warnings": warnings, "policy": policy,
            "fragmentation": fragmented}


def plan_hugepage_pools(vmis, hosts, headroom=0.0, config=None, policy="pack", options=None,
                        arch="amd64", namespaces=(), resource_quotas=(),
                        network_attachment_definitions=()):
    """The 2Mi and 1Gi pages each NUMA node of each host needs so that every VM can be placed
    (``planning.pool_plan``): the fleet placed first on hosts whose nodes could give all their
    memory as pages (their memory outside the pools kept), the pages taken plus ``headroom`` (a fraction: 0.1 is 10% more,
    rounded up) per node and size, then the whole fleet placed on exactly those pools.

    ``vmis``, ``hosts``, ``config``, ``policy``, ``options``, ``arch``, ``namespaces``,
    ``resource_quotas`` and ``network_attachment_definitions`` as ``place_fleet`` takes them (the
    hosts' own pools are replaced by the plan). Returns ``{hosts: {name:
    {hugepages_pages, nodes: {node id: {size: {pages, used, stranded}}}, stranded}},
    stranded, stranded_readable, placements, unplaced, warnings, headroom}``:
    ``hugepages_pages`` is the ``vmpod.core.hugepages`` role's variable for the host, ``stranded``
    the bytes of pages the fleet leaves unused (headroom included).
    """
    if policy not in POLICIES:
        raise VmpodInputError("policy", policy, "must be one of %s" % ", ".join(POLICIES))
    headroom = pool_plan.read_headroom(headroom)
    items = pool_plan.host_items(hosts)
    vmi_list = list(vmis) if isinstance(vmis, (list, tuple)) else [vmis]
    sizes = pool_plan.page_sizes(vmi_list, arch)
    size_bytes = dict((text, size) for size, text in sizes.items())

    def generous(node):
        pools = dict((text, node.memory // size) for size, text in sizes.items())
        return pools, sum(count * size_bytes[text] for text, count in pools.items())
    generous_hosts = dict((name, pool_plan.pools_like(data, topo, generous))
                          for name, data, topo in items)
    context = (namespaces, resource_quotas, network_attachment_definitions)
    first = place_fleet(vmi_list, generous_hosts, config, policy, options, arch, *context)
    planned, warnings = pool_plan.planned_pools(items, sizes, pool_plan.used_pages(first), headroom)
    second = place_fleet(vmi_list, dict(
        (name, pool_plan.pools_like(data, topo, lambda node, name=name: (planned[name][node.id], 0)))
        for name, data, topo in items), config, policy, options, arch, *context)
    used = pool_plan.used_pages(second)
    result_hosts, stranded_total = {}, 0
    for name, _data, topo in items:
        nodes, pages, stranded_host = {}, [], 0
        for node in topo.nodes:
            per_size = {}
            for text, count in planned[name][node.id].items():
                taken = used.get(name, {}).get(node.id, {}).get(text, 0)
                stranded = (count - taken) * size_bytes[text]
                stranded_host += stranded
                per_size[text] = {"pages": count, "used": taken, "stranded": stranded}
                if count:
                    pages.append({"size": text, "count": count, "node": node.id})
            nodes[str(node.id)] = per_size
        stranded_total += stranded_host
        result_hosts[name] = {"hugepages_pages": pages, "nodes": nodes, "stranded": stranded_host}
    return {"hosts": result_hosts, "stranded": stranded_total,
            "stranded_readable": readable_bytes(stranded_total),
            "placements": second["placements"], "unplaced": second["unplaced"],
            "warnings": warnings + second["warnings"], "headroom": headroom}
