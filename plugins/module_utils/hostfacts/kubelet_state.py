# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kubelet has handed out on a node, from its checkpoint files (no I/O here: the
module reads ``<kubelet root>/cpu_manager_state`` and ``memory_manager_state``).

Facts from Kubernetes ``pkg/kubelet/cm/cpumanager/state/checkpoint.go`` (``policyName``,
``defaultCpuSet``, ``entries``: Pod UID -> container -> the CPU set it holds exclusively) and
``pkg/kubelet/cm/memorymanager/state/checkpoint.go`` (``machineState``: NUMA node -> its
``memoryMap``, per resource ``total``, ``systemReserved``, ``allocatable``, ``reserved`` and
``free`` in bytes). So a host's plan can start from the pinned CPUs and hugepages that running
Pods hold instead of hand-typed sets.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

HUGEPAGES_PREFIX = "hugepages-"


def _document(text, path):
    try:
        data = json.loads(text)
    except ValueError as err:
        raise VmpodInputError(path, None, "is not a kubelet checkpoint (JSON: %s)" % err)
    if not isinstance(data, dict):
        raise VmpodInputError(path, None, "is not a kubelet checkpoint (a JSON object)")
    return data


def cpu_manager_used(text, path="cpu_manager_state"):
    """The CPUs the static CPU manager gave containers exclusively (a frozenset; empty for the
    none policy)."""
    data = _document(text, path)
    entries = data.get("entries") or {}
    if not isinstance(entries, dict):
        raise VmpodInputError(path + ".entries", entries, "must map Pod UIDs to containers")
    used = set()
    for pod, containers in entries.items():
        if not isinstance(containers, dict):
            raise VmpodInputError("%s.entries[%r]" % (path, pod), containers,
                                  "must map container names to CPU sets")
        for container, cpus in containers.items():
            used |= parse_cpuset(cpus, "%s.entries[%r][%r]" % (path, pod, container))
    return frozenset(used)


def memory_manager_reserved(text, path="memory_manager_state"):
    """{NUMA node id: {page size text (``2Mi``): bytes reserved for containers}} from the
    memory manager's machine state (empty for the None policy)."""
    data = _document(text, path)
    machine = data.get("machineState") or {}
    if not isinstance(machine, dict):
        raise VmpodInputError(path + ".machineState", machine, "must map NUMA nodes to their state")
    found = {}
    for node, state in machine.items():
        where = "%s.machineState[%r]" % (path, node)
        try:
            node_id = int(node, 10) if isinstance(node, str) else None
        except ValueError:
            node_id = None
        if node_id is None or node_id < 0 or not isinstance(state, dict):
            raise VmpodInputError(where, state, "must be a NUMA node number with its state")
        memory_map = state.get("memoryMap") or {}
        if not isinstance(memory_map, dict):
            raise VmpodInputError(where + ".memoryMap", memory_map, "must map resources to tables")
        for resource, table in memory_map.items():
            if not (isinstance(resource, str) and resource.startswith(HUGEPAGES_PREFIX)):
                continue
            reserved = table.get("reserved", 0) if isinstance(table, dict) else None
            if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 0:
                raise VmpodInputError("%s.memoryMap[%r].reserved" % (where, resource), reserved,
                                      "must be a number of bytes")
            found.setdefault(node_id, {})[resource[len(HUGEPAGES_PREFIX):]] = reserved
    return found


def apply_kubelet_state(host, used_cpus, cpu_manager=None, memory_manager=None):
    """``used_cpus`` (a cpuset text or None) with the CPU manager's exclusive CPUs added, as the
    text ``host_topology_info`` returns; ``host``'s hugepage pools (host data, changed in place)
    with the memory manager's reserved pages taken from their free ones. ``cpu_manager`` and
    ``memory_manager``: (checkpoint text, its path), or None when the file does not exist."""
    if cpu_manager is not None:
        pinned = cpu_manager_used(*cpu_manager)
        if pinned:
            used_cpus = format_cpuset(parse_cpuset(used_cpus, "used_cpus") | pinned)
    if memory_manager is not None:
        reserved = memory_manager_reserved(*memory_manager)
        for node in host["nodes"]:
            for size, pool in node.get("hugepages", {}).items():
                taken = reserved.get(node["id"], {}).get(size, 0) // parse_quantity(size).value()
                pool["free"] = max(0, min(pool["free"], pool["total"] - taken))
    return used_cpus
