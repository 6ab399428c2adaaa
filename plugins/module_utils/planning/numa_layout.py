# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An explicit guest NUMA layout, as OpenStack Nova's ``hw:numa_nodes``, ``hw:numa_cpus.N`` and
``hw:numa_mem.N`` describe one, and its fit onto distinct host NUMA nodes.

Facts from Nova ``nova/virt/hardware.py`` (_get_numa_topology_auto / _get_numa_topology_manual,
numa_fit_instance_to_host): a symmetric layout splits vCPUs and memory evenly (both must divide);
an asymmetric one names every node's vCPUs (each vCPU exactly once) and memory (summing to the
guest's); guest cells go to distinct host nodes, host nodes tried in order, the first fit wins.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from itertools import permutations, product

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import free_pages, ordinary_memory
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

_MAX_PERMUTATIONS = 50000  # 8 host nodes, 5 guest cells; beyond that the first fits are tried


class GuestCell:
    __slots__ = ("id", "vcpus", "memory")

    def __init__(self, cell_id, vcpus, memory):
        self.id = cell_id
        self.vcpus = vcpus  # guest vCPU ids, ascending
        self.memory = memory  # bytes


def guest_cells(options, vcpus, memory, page_size=None):
    """The guest cells ``options`` asks for, or None when it asks for no explicit layout."""
    nodes = options.get("numa_nodes")
    if nodes is None:
        if options.get("numa_cpus") or options.get("numa_mem"):
            raise VmpodInputError("options.numa_nodes", None,
                                  "is required with numa_cpus / numa_mem")
        return None
    if isinstance(nodes, bool) or not isinstance(nodes, int) or nodes < 1:
        raise VmpodInputError("options.numa_nodes", nodes, "must be a positive integer")
    if nodes > vcpus:
        raise VmpodInputError("options.numa_nodes", nodes,
                              "is more guest NUMA nodes than the VM's %d vCPUs" % vcpus)
    cpus_by_node = _per_node(options, "numa_cpus", nodes)
    mem_by_node = _per_node(options, "numa_mem", nodes)
    if cpus_by_node is None and mem_by_node is None:
        cells = _symmetric(nodes, vcpus, memory)
    elif cpus_by_node is None or mem_by_node is None:
        missing = "numa_cpus" if cpus_by_node is None else "numa_mem"
        raise VmpodInputError("options." + missing, None,
                              "is required for every node of an asymmetric layout")
    else:
        cells = _asymmetric(nodes, vcpus, memory, cpus_by_node, mem_by_node)
    if page_size:
        for cell in cells:
            if cell.memory % page_size:
                raise VmpodInputError("options.numa_mem.%d" % cell.id, cell.memory,
                                      "bytes are not a whole number of %d-byte hugepages"
                                      % page_size)
    return cells


def _per_node(options, key, nodes):
    raw = options.get(key)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise VmpodInputError("options." + key, raw, "must map guest node numbers to values")
    found = {}
    for name, value in raw.items():
        # a node number: an integer, or its ASCII digits (YAML and Jinja give keys as text)
        if isinstance(name, int) and not isinstance(name, bool):
            node = name
        elif isinstance(name, str) and name.isascii() and name.isdigit() and len(name) <= 4:
            node = int(name)
        else:
            node = -1
        if node < 0 or node >= nodes:
            raise VmpodInputError("options.%s" % key, name,
                                  "is not a guest node number below numa_nodes (%d)" % nodes)
        found[node] = value
    missing = sorted(set(range(nodes)) - set(found))
    if missing:
        raise VmpodInputError("options.%s.%d" % (key, missing[0]), None, "is required")
    return found


def _symmetric(nodes, vcpus, memory):
    if vcpus % nodes:
        raise VmpodInputError("options.numa_nodes", nodes,
                              "does not divide the VM's %d vCPUs evenly" % vcpus)
    if memory % nodes:
        raise VmpodInputError("options.numa_nodes", nodes,
                              "does not divide the guest memory (%d bytes) evenly" % memory)
    per_cpu, per_mem = vcpus // nodes, memory // nodes
    return [GuestCell(i, tuple(range(i * per_cpu, (i + 1) * per_cpu)), per_mem)
            for i in range(nodes)]


def _asymmetric(nodes, vcpus, memory, cpus_by_node, mem_by_node):
    cells = []
    seen = {}
    for node in range(nodes):
        where = "options.numa_cpus.%d" % node
        ids = parse_cpuset(cpus_by_node[node], where)
        if not ids:
            raise VmpodInputError(where, cpus_by_node[node], "names no vCPU")
        beyond = sorted(i for i in ids if i >= vcpus)
        if beyond:
            raise VmpodInputError(where, cpus_by_node[node],
                                  "names vCPUs the VM does not have (it has 0-%d)" % (vcpus - 1))
        for vcpu in ids:
            if vcpu in seen:
                raise VmpodInputError(where, cpus_by_node[node], "repeats vCPU %d of guest node %d"
                                      % (vcpu, seen[vcpu]))
            seen[vcpu] = node
        mem = parse_quantity(mem_by_node[node], "options.numa_mem.%d" % node)
        if mem.sign() <= 0:
            raise VmpodInputError("options.numa_mem.%d" % node, mem_by_node[node],
                                  "must be positive")
        cells.append(GuestCell(node, tuple(sorted(ids)), mem.value()))
    unassigned = sorted(set(range(vcpus)) - set(seen))
    if unassigned:
        raise VmpodInputError("options.numa_cpus", format_cpuset(unassigned),
                              "vCPUs are in no guest node")
    total = sum(cell.memory for cell in cells)
    if total != memory:
        raise VmpodInputError("options.numa_mem", total,
                              "bytes in all do not equal the guest memory (%d bytes)" % memory)
    return cells


def fit_cells(host, cells, available, dedicated, page_size, shared=False):
    """(host node of each cell, None) for the first fitting assignment, or (None, reasons).
    ``shared``: cells may share a host node (then each node must hold all its cells)."""
    node_ids = [node.id for node in host.nodes]
    if len(cells) > len(node_ids) and not shared:
        return None, ["the layout has %d guest NUMA nodes, the host %d (numa_share_host_nodes "
                      "lets guest nodes share a host node)" % (len(cells), len(node_ids))]

    def room(node_id):
        node = host.node_by_id[node_id]
        cpus = len(available & frozenset(node.cpus)) if dedicated else len(node.cpus)
        memory = free_pages(host, node_id, page_size) * page_size if page_size else ordinary_memory(node)
        return cpus, memory

    def fits(cell, node_id):
        cpus, memory = room(node_id)
        return cpus >= len(cell.vcpus) and memory >= cell.memory

    def all_fit(assignment):
        wanted = {}
        for cell, node_id in zip(cells, assignment):
            cpus, memory = wanted.get(node_id, (0, 0))
            wanted[node_id] = (cpus + len(cell.vcpus), memory + cell.memory)
        return all(cpus <= room(node_id)[0] and memory <= room(node_id)[1]
                   for node_id, (cpus, memory) in wanted.items())

    checked = 0
    candidates = product(node_ids, repeat=len(cells)) if shared else permutations(node_ids, len(cells))
    for assignment in candidates:
        if all_fit(assignment):
            return list(assignment), None
        checked += 1
        if checked >= _MAX_PERMUTATIONS:
            break
    reasons = []
    for cell in cells:
        places = [n for n in node_ids if fits(cell, n)]
        if not places:
            reasons.append("guest NUMA node %d (%d vCPUs, %d bytes) fits on no host NUMA node"
                           % (cell.id, len(cell.vcpus), cell.memory))
    if not reasons:
        reasons.append("no assignment of the %d guest NUMA nodes to distinct host nodes fits"
                       % len(cells))
    return None, reasons
