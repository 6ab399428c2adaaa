# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's usage after a fleet placement, in the shape ``place_fleet`` returns per host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import ordinary_memory
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import BINARY_SI, Quantity

# The seeds' rules of thumb: above these a host is worth a second look.
VCPUS_PER_PCPU_WARNING = 10
MEMORY_PERCENT_WARNING = 150


def host_usage(state, cfg):
    """What a host has after the placement: CPUs, memory and hugepages per NUMA node, with
    warnings past the seeds' rules of thumb."""
    pristine, host = state.pristine, state.host
    exclusive = frozenset().union(*state.pinned.values()) if state.pinned else frozenset()
    shared_pcpus = len(host.cpus) - len(pristine.reserved) - len(host.used)
    ratio = state.shared_vcpus / shared_pcpus if shared_pcpus > 0 else None
    overcommit = (100.0 * state.vm_memory / state.memory_allocatable
                  if state.memory_allocatable else None)
    nodes = []
    for node, before in zip(host.nodes, pristine.nodes):
        cpus = frozenset(node.cpus)
        memory = ordinary_memory(node)
        nodes.append({
            "id": node.id,
            "cpus": {"total": len(cpus), "reserved": len(cpus & pristine.reserved),
                     "used": len(cpus & host.used), "free": len(cpus & host.free),
                     "used_before": format_cpuset(cpus & pristine.used),
                     "pinned": format_cpuset(cpus & exclusive),
                     "free_cpus": format_cpuset(cpus & host.free)},
            "memory": {"total": memory, "used": state.node_memory[node.id],
                       "free": max(0, memory - state.node_memory[node.id])},
            "hugepages": dict((size_text(size), {
                "total": pool.total, "used_before": pool.total - before.hugepages[size].free,
                "used": pool.total - pool.free, "free": pool.free})
                for size, pool in sorted(node.hugepages.items())),
        })
    usage = {
        "vmis": list(state.vms),
        "pinned": dict((name, format_cpuset(cpus)) for name, cpus in state.pinned.items()),
        "cpu": {
            "pcpus": len(host.cpus), "reserved": len(pristine.reserved),
            "used_before": len(pristine.used), "exclusive": len(exclusive),
            "allocatable": cores_text(state.cpu_allocatable),
            "requested": cores_text(state.cpu_requested),
            "requested_percent": _percent(state.cpu_requested, state.cpu_allocatable),
            "shared_vcpus": state.shared_vcpus, "shared_pcpus": max(0, shared_pcpus),
            "vcpus_per_pcpu": round(ratio, 2) if ratio is not None else None,
            "cpu_allocation_ratio": cfg.cpu_allocation_ratio,
        },
        "memory": {
            "allocatable": state.memory_allocatable, "requested": state.memory_requested,
            "requested_percent": _percent(state.memory_requested, state.memory_allocatable),
            "vm_memory": state.vm_memory,
            "overcommit_percent": round(overcommit, 1) if overcommit is not None else None,
            "memory_overcommit": cfg.memory_overcommit,
        },
        "nodes": nodes,
        # extended resources the host states or the VMs request (device plugins, GPUs, pods)
        "extended": dict((name, {"allocatable": state.extended_allocatable.get(name),
                                 "requested": state.extended_requested.get(name, 0)})
                         for name in sorted(set(state.extended_requested) | set(pristine.extended or ()))),
    }
    usage["warnings"] = _warnings(usage)
    return usage


def _warnings(usage):
    cpu, memory = usage["cpu"], usage["memory"]
    warnings = []
    if cpu["shared_vcpus"] and cpu["vcpus_per_pcpu"] is None:
        warnings.append("%d shared vCPUs and no shared pCPU left" % cpu["shared_vcpus"])
    elif cpu["vcpus_per_pcpu"] is not None and cpu["vcpus_per_pcpu"] > VCPUS_PER_PCPU_WARNING:
        warnings.append("%s vCPUs per pCPU on the shared CPUs (%d vCPUs on %d pCPUs), above %d"
                        % (cpu["vcpus_per_pcpu"], cpu["shared_vcpus"], cpu["shared_pcpus"],
                           VCPUS_PER_PCPU_WARNING))
    if memory["overcommit_percent"] is not None and \
            memory["overcommit_percent"] > MEMORY_PERCENT_WARNING:
        warnings.append("the VMs may use %s%% of the memory outside hugepage pools (%s of %s), "
                        "above %d%%" % (memory["overcommit_percent"], readable_bytes(memory["vm_memory"]),
                                        readable_bytes(memory["allocatable"]), MEMORY_PERCENT_WARNING))
    return warnings


def _percent(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def cores_text(millicores):
    return str(Quantity(millicores, -3).canonical()) if millicores % 1000 else str(
        millicores // 1000)


def readable_bytes(value):
    """A byte count to read, to a tenth of its largest binary unit: ``193.1Gi``, ``8Gi``."""
    for unit, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if abs(value) >= size:
            whole, tenth = divmod((abs(value) * 10 + size // 2) // size, 10)  # (ints of any size)
            return "%s%d%s%s" % ("-" if value < 0 else "", whole, ".%d" % tenth if tenth else "", unit)
    return str(value)


def size_text(size):
    return str(Quantity(size, 0, BINARY_SI).canonical())
