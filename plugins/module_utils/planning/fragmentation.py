# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fragmentation: a VM that no host takes although the fleet's free totals would hold it, and
the fewest moves of placed VMs that would free one host for it.

A VM left unplaced is *fragmented* when every resource it needs is free in the fleet in total
(on the hosts it could take when empty) - the pCPUs of a dedicated VM, the Pod's CPU and memory
requests, hugepages of its page size, every extended resource - but no single piece holds it:
no host, or, for a dedicated VM under the Topology Manager's ``single-numa-node`` policy, no
NUMA node for its pCPUs and pages. Otherwise the fleet lacks room, or no host takes the VM even
empty, and no move helps.

For a fragmented VM the moves are searched greedily and bounded: the hosts closest to holding
it first (at most ``MAX_HOSTS``), on each the placed VMs whose removal leaves the least missing
first, each moved to the first other host that takes it (under the caller's rules: a fleet
placement's, or a live migration's for a drain), until the VM itself lands there (at most
``MAX_MOVES`` moves); the host with the fewest moves wins. Every proposal is checked after the
fact: the touched hosts rebuilt with the moves made and the VM placed, none over-committed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.vmpod.core.plugins.module_utils.planning.dedicated import exclusive_cpus
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import page_need
from ansible_collections.vmpod.core.plugins.module_utils.planning.packing import (
    empty_like, fits_empty, take)
from ansible_collections.vmpod.core.plugins.module_utils.planning.usage import cores_text, readable_bytes

MAX_HOSTS = 8  # candidate hosts tried per stuck VM
MAX_MOVES = 4  # moves tried per candidate host
MAX_SHAPES = 20  # stuck VM shapes whose moves are searched; the others are classified only
MAX_TRIES = 20000  # plans tried (a VM on a host) per stuck VM shape, over all its candidates

PCPUS, CPU, MEMORY = "pcpus", "cpu_millicores", "memory_bytes"


class Need:
    """One resource a VM needs: its key, the amount, and whether one NUMA node must hold it."""

    __slots__ = ("key", "amount", "per_node", "page")

    def __init__(self, key, amount, per_node=False, page=None):
        self.key = key
        self.amount = amount
        self.per_node = per_node
        self.page = page  # the page size in bytes, for hugepages


def needs_of(vm, opts):
    """What ``vm`` takes from a host, resource by resource."""
    numa = vm.dedicated and opts.topology_policy == "single-numa-node"
    needs = []
    if vm.dedicated:
        needs.append(Need(PCPUS, exclusive_cpus(vm.sized), numa))
    needs.append(Need(CPU, vm.cpu_request))
    needs.append(Need(MEMORY, vm.memory_request))
    vmi = vm.vmi
    if vmi.hugepage_size is not None:
        need = page_need(vmi, vm.sized.requests["hugepages-" + vmi.hugepage_size],
                         vmi.spec_path + ".domain")
        needs.append(Need("hugepages_%s" % need.size_text, need.pages, numa, need.size))
    needs.extend(Need(name, amount) for name, amount in vm.extended)
    return needs


def free_of(state, need):
    """``(total, per node)`` free on the host as it stands (per node only for NUMA needs)."""
    host = state.host
    if need.key == PCPUS:
        free = host.free
        if not need.per_node:
            return len(free), None
        return len(free), [sum(1 for cpu in node.cpus if cpu in free) for node in host.nodes]
    if need.page is not None:
        nodes = [node.hugepages[need.page].free if need.page in node.hugepages else 0
                 for node in host.nodes]
        return sum(nodes), nodes
    if need.key == CPU:
        return state.cpu_allocatable - state.cpu_requested, None
    if need.key == MEMORY:
        return state.memory_allocatable - state.memory_requested, None
    offered = state.extended_allocatable.get(need.key)
    if offered is None:
        offered = need.amount if need.key == "pods" else 0  # no stated Pod capacity: no limit
        return offered, None
    return offered - state.extended_requested.get(need.key, 0), None


def piece(need, free):
    """The largest piece that must hold ``need`` alone: one node's, or the host's."""
    total, nodes = free
    return max(nodes) if need.per_node and nodes else total


class Mover:
    """How a VM may land on a host: ``land(state, vm, source)`` gives its plan there or None;
    ``source`` is ``(state, plan)`` where the VM is now, or None for a VM not placed yet.
    ``order``: host names in the order a moved VM tries them; ``allowed``: those that may take
    VMs."""

    __slots__ = ("land", "order", "allowed")

    def __init__(self, land, order, allowed):
        self.land = land
        self.order = tuple(order)
        self.allowed = frozenset(allowed)


def fragmentation(stuck, states, entries, opts, mover, sources=None):
    """``{vm name: report}`` for the VMs of ``stuck`` (FleetVms no host took). ``states``: the
    hosts as they stand; ``entries``: host name -> ``[(vm, plan)]`` of the VMs placed there (the
    states hold exactly these); ``sources``: vm name -> ``(state, plan)`` of a stuck VM that
    runs somewhere (a drain's blocker), else it is placed anew."""
    sources = sources or {}
    reports, by_shape = {}, {}
    searched = 0
    for vm in stuck:
        key = (vm.shape, vm.name if vm.name in sources else None)
        first, report = by_shape.get(key, (None, None))
        if report is None:
            search = searched < MAX_SHAPES
            report = _report(vm, states, entries, opts, mover, sources.get(vm.name), search)
            searched += 1
            first = vm.name
            by_shape[key] = first, report
        plans = copy.deepcopy(report["plans"])
        if first in plans:  # (a look-alike of the VM the moves were searched for)
            plans[vm.name] = dict(plans.pop(first), name=vm.name)
        reports[vm.name] = dict(
            report, summary="%s: %s" % (vm.name, report["summary"]), plans=plans,
            moves=[dict(move) for move in report["moves"]],
            needed=dict(report["needed"]), largest_free=dict(report["largest_free"]),
            free_total=dict(report["free_total"]))
    return reports


def _report(vm, states, entries, opts, mover, source, search):
    """One stuck VM's report: whether it is fragmented, the numbers, and the moves found."""
    memo = {}
    hosts = [state for state in states if state.name in mover.allowed
             and fits_empty(state, vm, opts, memo)]
    if not hosts:  # (its needs are not read: a VM no host would plan is not checked further)
        reason = ("fits none of the %d hosts even with no VM of this placement on them: no move "
                  "makes room" % len([s for s in states if s.name in mover.allowed]))
        return {"fragmented": False, "host": None, "moves": [], "plans": {}, "bound_hit": False,
                "piece": "host", "needed": {}, "largest_free": {}, "free_total": {},
                "reason": reason, "summary": reason}
    needs = [need for need in needs_of(vm, opts) if need.key != "pods"
             or any("pods" in (state.pristine.extended or ()) for state in hosts)]
    report = {"fragmented": False, "host": None, "moves": [], "plans": {}, "bound_hit": False,
              "piece": "NUMA node" if any(need.per_node for need in needs) else "host",
              "needed": dict((need.key, need.amount) for need in needs),
              "largest_free": {}, "free_total": {}}
    free = dict((state.name, [free_of(state, need) for need in needs]) for state in hosts)
    _classify(report, needs, [free[state.name] for state in hosts])
    report["summary"] = report["reason"]
    if not report["fragmented"]:
        return report
    if not search:
        report["bound_hit"] = True
        report["summary"] += "; moves not searched (more than %d kinds of stuck VMs)" % MAX_SHAPES
        return report
    ranked = sorted(hosts, key=lambda state: (_missing(needs, free[state.name]), state.index))
    _search(report, vm, ranked, needs, states, entries, mover, source)
    return report


def _classify(report, needs, free):
    """The free totals and largest free pieces (``free``: per host, per need), and whether the
    VM is fragmented (the totals hold it) or the fleet lacks room, with the reason."""
    for index, need in enumerate(needs):
        report["free_total"][need.key] = sum(host[index][0] for host in free)
        report["largest_free"][need.key] = max(piece(need, host[index]) for host in free)
    short = _named([need for need in needs if report["free_total"][need.key] < need.amount], report)
    if short:
        report["reason"] = "the fleet lacks room: " + "; ".join(
            "it has %s in total, the VM needs %s" % (
                _amount(need, report["free_total"][need.key]), _number(need, need.amount))
            for need in short)
        return
    report["fragmented"] = True
    tight = _named([need for need in needs if report["largest_free"][need.key] < need.amount], report)
    report["reason"] = "; ".join(
        "the fleet has %s in total but at most %s on one %s, the VM needs %s" % (
            _amount(need, report["free_total"][need.key]),
            _number(need, report["largest_free"][need.key]),
            "NUMA node" if need.per_node else "host", _number(need, need.amount))
        for need in tight) or ("the fleet has all it needs free in total, and each resource on "
                               "some host, but no host has all of it free at once in the layout "
                               "its plan needs")


def _search(report, vm, ranked, needs, states, entries, mover, source):
    """The fewest moves found that free one of the ``ranked`` hosts (closest first) for ``vm``,
    into the report."""
    by_name = dict((state.name, state) for state in states)
    best, budget = None, _Budget(MAX_TRIES)
    for state in ranked[:MAX_HOSTS]:
        limit = MAX_MOVES if best is None else len(best[1]) - 1
        if limit < 1 or not budget.left:
            break
        found = _free_host(vm, state, needs, by_name, entries, mover, source, limit, budget)
        if found is not None and (best is None or len(found[1]) < len(best[1])):
            best = found
    report["bound_hit"] = not budget.left or (
        len(ranked) > MAX_HOSTS and (best is None or len(best[1]) > 1))
    if best is None:
        report["summary"] += "; no %d moves or fewer free one of the %d hosts tried" % (
            MAX_MOVES, min(len(ranked), MAX_HOSTS))
        return
    report["host"], report["moves"] = best[0], best[1]
    for name, host, plan in best[2]:
        report["plans"][name] = dict(plan.as_dict(), name=name, host=host)
    report["summary"] += "; moving %s frees %s" % (", ".join(
        "%s (%s -> %s)" % (move["vmi"], move["source"], move["target"]) for move in best[1]),
        best[0])


def _named(needs, report):
    """The needs a sentence names: a dedicated VM's CPU request is its pCPUs, named once unless
    the CPU left to allocate is the scarcer (shared VMs' requests hold CPU, not pCPUs)."""
    if any(need.key == PCPUS for need in needs) and all(
            report[field].get(CPU, 0) >= 1000 * report[field].get(PCPUS, 0)
            for field in ("free_total", "largest_free")):
        return [need for need in needs if need.key != CPU]
    return needs


def _number(need, value):
    return _amount(need, value).split(" ", 1)[0]


def _amount(need, value):
    if need.key == PCPUS:
        return "%d free pCPUs" % value
    if need.key == CPU:
        return "%s CPU allocatable" % cores_text(value)
    if need.key == MEMORY:
        return "%s memory allocatable" % readable_bytes(value)
    if need.page is not None:
        return "%d free %s" % (value, need.key.replace("_", " "))
    return "%d free %s" % (value, need.key)


def _missing(needs, free):
    """How far a host is from holding the VM: the share of each need it lacks, summed."""
    return sum(max(0, need.amount - piece(need, pair)) / need.amount
               for need, pair in zip(needs, free) if need.amount)


# -- the moves that free one host -----------------------------------------------------------------

def rebuilt(state, entries):
    """A fresh state of ``state``'s host holding ``entries`` (``[(vm, plan)]``)."""
    fresh = empty_like(state)
    for vm, plan in entries:
        take(fresh, vm, plan)
    return fresh


class _Budget:
    """The plans a search may still try; ``land`` through it counts each."""

    __slots__ = ("left",)

    def __init__(self, tries):
        self.left = tries

    def land(self, mover, state, vm, source):
        if not self.left:
            return None
        self.left -= 1
        return mover.land(state, vm, source)


def _free_host(vm, state, needs, by_name, entries, mover, source, limit, budget):
    """``(host name, moves, [(vm name, host name, plan)])``: at most ``limit`` moves of
    ``state``'s VMs to other hosts after which ``vm`` lands there (the plans of the moved VMs on
    their targets and of ``vm``), checked; or None."""
    left = list(entries.get(state.name, ()))
    work = {}  # host name -> its working state and entries, once it takes a moved VM
    moves, plans, current, unmovable = [], [], state, set()
    while len(moves) < limit:
        order = sorted((item for item in left if item[0].shape not in unmovable),
                       key=lambda item: (_missing(needs, _freed(current, needs, item)),
                                         item[0].memory_request, item[0].index))
        moved = None
        for item in order:
            if item[0].shape in unmovable:  # (a look-alike found no target: none will)
                continue
            target = _target(item, current, by_name, entries, work, mover, state.name, budget)
            if target is not None:
                moved = item, target
                break
            unmovable.add(item[0].shape)
        if moved is None:
            return None
        (resident, plan), (target_name, target_plan) = moved
        target_state, target_entries = work[target_name]
        take(target_state, resident, target_plan)
        target_entries.append((resident, target_plan))
        left.remove((resident, plan))
        moves.append({"vmi": resident.name, "source": state.name, "target": target_name})
        plans.append((resident.name, target_name, target_plan))
        current = rebuilt(state, left)
        landed = budget.land(mover, current, vm, source)
        if landed is not None:
            touched = dict((name, pair[1]) for name, pair in work.items())
            touched[state.name] = left + [(vm, landed)]
            if not _sound(touched, by_name):
                return None
            plans.append((vm.name, state.name, landed))
            return state.name, moves, plans
    return None


def _freed(current, needs, item):
    """The host's free pieces with ``item`` (``(vm, plan)``) taken off it."""
    resident, plan = item
    host = current.host
    result = []
    for need in needs:
        total, nodes = free_of(current, need)
        nodes = list(nodes) if nodes is not None else None
        if need.key == PCPUS:
            for cpu in plan.cpuset or ():
                total += 1
                if nodes is not None:
                    nodes[host.nodes.index(host.node_by_id[host.cpu_by_id[cpu].node])] += 1
        elif need.page is not None:
            if plan.hugepages and plan.page_bytes == need.page:
                for node, count in plan.hugepages["per_node"].items():
                    total += count
                    nodes[host.nodes.index(host.node_by_id[int(node)])] += count
        elif need.key == CPU:
            total += max(resident.cpu_request, 1000 * len(plan.cpuset or ()))
        elif need.key == MEMORY:
            total += resident.memory_request
        else:
            total += dict(resident.extended).get(need.key, 0)
        result.append((total, nodes))
    return result


def _target(item, current, by_name, entries, work, mover, source_name, budget):
    """``(host name, plan)`` of the first other host that takes ``item``'s VM, or None; the
    host's working state is made on first use."""
    resident, plan = item
    for name in mover.order:
        if name == source_name or name not in mover.allowed:
            continue
        pair = work.get(name)
        state = pair[0] if pair is not None else by_name[name]
        landed = budget.land(mover, state, resident, (current, plan))
        if landed is not None:
            if pair is None:
                held = list(entries.get(name, ()))
                work[name] = (rebuilt(state, held), held)
            return name, landed
    return None


def _sound(touched, by_name):
    """The touched hosts rebuilt from scratch with their VMs: none over-committed."""
    for name, held in touched.items():
        state = rebuilt(by_name[name], held)
        if overcommitted(state):
            return False
    return True


def overcommitted(state):
    """Why a host holds more than it has, or None: requests past allocatable, a pCPU pinned
    twice, a page pool below zero."""
    if state.cpu_requested > state.cpu_allocatable:
        return "CPU requests past allocatable"
    if state.memory_requested > state.memory_allocatable:
        return "memory requests past allocatable"
    for name, amount in state.extended_requested.items():
        offered = state.extended_allocatable.get(name)
        if offered is not None and amount > offered:
            return "%s past allocatable" % name
    pinned = list(state.pinned.values())
    if sum(len(cpus) for cpus in pinned) != len(frozenset().union(*pinned)):
        return "a pCPU pinned twice"
    if frozenset().union(*pinned) & (state.pristine.reserved | state.pristine.used):
        return "a reserved or used pCPU pinned"
    for node in state.host.nodes:
        for pool in node.hugepages.values():
            if pool.free < 0:
                return "node %d's %d-byte pages over-committed" % (node.id, pool.size)
    return None
