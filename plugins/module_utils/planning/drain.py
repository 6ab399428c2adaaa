# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A node drain, simulated (``fleet.simulate_drain``): where the fleet stands, then every VM of
the drained hosts re-planned on the others under ``check_migration``'s rules, and the migrations
ordered in waves that KubeVirt's limits of parallel migrations allow.

Where the fleet stands: a VMI whose ``status.nodeName`` names a host of the fleet runs there (as
``kubectl get vmi`` shows it); the others are placed as ``place_fleet`` would place them.

A VM moves only to a host whose plan keeps what a live migration cannot change (the vCPU count,
hyper-thread siblings, guest NUMA cells, the page size: ``planning.migration``), with the
target's own overhead. VMs are moved hardest first (dedicated CPUs with hugepages, dedicated CPUs,
then by memory), so that the large ones find room before the small ones split it up.

Waves: KubeVirt runs at most ``parallelOutboundMigrationsPerNode`` (default 2) migrations out of
one node and ``parallelMigrationsPerCluster`` (default 5) in the cluster at once
(``pkg/virt-controller/watch/migration``, the MigrationConfiguration defaults). Every target was
chosen with all moves made, so a target never holds more during the waves than after them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.planning.migration import (
    migration_reasons, read_source_plan)
from ansible_collections.vmpod.core.plugins.module_utils.planning.packing import take, try_place
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

PER_NODE = 2  # parallelOutboundMigrationsPerNode
PER_CLUSTER = 5  # parallelMigrationsPerCluster
_LISTED_HOSTS = 5


def read_drain(drain, states):
    """The names of the hosts to drain (a name or a list of names), each a host of the fleet."""
    names = [drain] if isinstance(drain, str) else drain
    if not isinstance(names, (list, tuple)) or not names:
        raise VmpodInputError("drain", drain, "must name a host of the fleet, or list hosts")
    known = set(state.name for state in states)
    for index, name in enumerate(names):
        where = "drain" if isinstance(drain, str) else "drain[%d]" % index
        if not isinstance(name, str) or name not in known:
            raise VmpodInputError(where, name, "is not a host of the fleet (%s)" % ", ".join(
                sorted(known)[:_LISTED_HOSTS] + (["..."] if len(known) > _LISTED_HOSTS else [])))
    return frozenset(names)


def running_on(obj):
    """``status.nodeName`` of a VMI (or of a VirtualMachine's ``status``), or None."""
    status = obj.get("status") if isinstance(obj, dict) else None
    node = status.get("nodeName") if isinstance(status, dict) else None
    return node if isinstance(node, str) and node else None


def difficulty(vm):
    """Hardest first: dedicated CPUs with hugepages, dedicated CPUs, hugepages, then larger."""
    hugepages = vm.vmi.hugepage_size is not None
    return (not (vm.dedicated and hugepages), not vm.dedicated, not hugepages, -vm.vcpus,
            -vm.memory_request, vm.index)


def move(vm, plan, source_state, targets, picker, opts):
    """The target state and plan of ``vm`` (its ``plan`` on ``source_state``), or ``(None,
    reasons)`` with the refusal of each host. ``picker`` is new for each VM (the order of the
    policy over all hosts; only ``targets`` are tried): a refusal here can be the VM's own (its
    source layout), not its shape's."""
    source = read_source_plan(plan.as_dict())
    refusals = []

    def attempt(state):
        if state.name not in targets:
            return None
        found = try_place(state, vm, opts)
        if found is None:
            refusals.append((state.name, state.refused.get(vm.shape, "no room")))
            return None
        reasons = migration_reasons(vm.sized, found, found.as_dict(), source, source_state.pristine,
                                    state.host, state.architecture, opts)
        if reasons:
            refusals.append((state.name, "; ".join(reasons)))
            return None
        return found

    state, found = picker.place(vm, attempt)
    if state is not None:
        return state, found
    if not targets:
        return None, ["no host is left once %s is drained" % source_state.name]
    shown = ["%s: %s" % pair for pair in refusals[:_LISTED_HOSTS]]
    if len(refusals) > _LISTED_HOSTS:
        shown.append("and %d more hosts" % (len(refusals) - _LISTED_HOSTS))
    return None, shown or ["no host of the fleet takes it"]


def migration_land(opts):
    """How a VM lands on a host when it is live-migrated there (a fragmentation ``Mover``'s
    ``land``): its plan on the host as it stands, held to what the migration keeps of its plan
    on its source (``source``: ``(state, plan)``; None for a VM that is not running)."""
    def land(state, vm, source):
        found = try_place(state, vm, opts)
        if found is None or source is None:
            return found
        source_state, plan = source
        reasons = migration_reasons(vm.sized, found, found.as_dict(), read_source_plan(plan.as_dict()),
                                    source_state.pristine, state.host, state.architecture, opts)
        return None if reasons else found
    return land


def waves(moves, per_node=PER_NODE, per_cluster=PER_CLUSTER):
    """``moves`` (``{vmi, source, target}`` in the order chosen) in waves: each wave at most
    ``per_node`` out of one source and ``per_cluster`` in all, every move as early as it can."""
    result, left = [], list(moves)
    while left:
        wave, out, later = [], {}, []
        for item in left:
            if len(wave) < per_cluster and out.get(item["source"], 0) < per_node:
                wave.append(item)
                out[item["source"]] = out.get(item["source"], 0) + 1
            else:
                later.append(item)
        result.append(wave)
        left = later
    return result


def retake(states, placed):
    """Fresh host states holding ``placed`` (``[(vm, host name, plan)]``), in that order."""
    by_name = dict((state.name, state) for state in states)
    for vm, name, plan in placed:
        take(by_name[name], vm, plan)
    return states
