# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hugepages a VM needs, where a host's pools can supply them, and the Topology Manager hints
the kubelet's memory manager (Static policy) gives for them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from itertools import combinations

from ansible_collections.vmpod.core.plugins.module_utils.kubelet.topology_manager import TopologyHint
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import (
    BINARY_SI, Quantity, parse_exact)


class PageNeed:
    """How many pages of which size the guest memory takes."""

    __slots__ = ("size", "size_text", "pages", "memory")

    def __init__(self, size, size_text, pages, memory):
        self.size = size  # bytes per page
        self.size_text = size_text  # canonical, e.g. "2Mi"
        self.pages = pages
        self.memory = memory  # bytes


def page_need(vmi, hugepage_request, path):
    """The pages behind the launcher's ``hugepages-<size>`` request; memory must be whole pages."""
    size = parse_exact(vmi.hugepage_size)
    if size is None or size.value() <= 0:
        raise VmpodInputError(path + ".memory.hugepages.pageSize", vmi.hugepage_size,
                              "is not a page size")
    memory = hugepage_request.value()
    if memory % size.value():
        where = path + (".memory.guest" if vmi.guest is not None else ".resources.requests.memory")
        raise VmpodInputError(where, str(hugepage_request),
                              "is not a whole number of %s pages" % vmi.hugepage_size)
    canonical = str(Quantity(size.value(), 0, BINARY_SI))
    return PageNeed(size.value(), canonical, memory // size.value(), memory)


def free_pages(host, node_id, size):
    pool = host.node_by_id[node_id].hugepages.get(size)
    return pool.free if pool is not None else 0


def total_pages(host, node_id, size):
    pool = host.node_by_id[node_id].hugepages.get(size)
    return pool.total if pool is not None else 0


def hugepage_hints(host, need):
    """Memory manager hints: every set of nodes whose free pages suffice; preferred when as small
    as the smallest set whose pools (total pages) could hold the request."""
    ids = [node.id for node in host.nodes]
    smallest = None
    for size in range(1, len(ids) + 1):
        if any(sum(total_pages(host, n, need.size) for n in mask) >= need.pages
               for mask in combinations(ids, size)):
            smallest = size
            break
    hints = []
    for size in range(1, len(ids) + 1):
        for mask in combinations(ids, size):
            if sum(free_pages(host, n, need.size) for n in mask) >= need.pages:
                hints.append(TopologyHint(frozenset(mask), size == smallest))
    return hints


def ordinary_memory(node):
    """A node's memory outside its hugepage pools (MemTotal counts the pools)."""
    pooled = 0
    for pool in node.hugepages.values():
        pooled += pool.total * pool.size
    return max(0, node.memory - pooled)


def host_ordinary_memory(host):
    """``ordinary_memory`` of every node of the host, summed: static (node memory and pool
    sizes), so counted once and kept in ``Host.derived`` (the fleet placer's copies of a Host
    change free pages only)."""
    total = host.derived.get("ordinary_memory")
    if total is None:
        total = host.derived["ordinary_memory"] = sum(map(ordinary_memory, host.nodes))
    return total


def spread_pages(host, need, nodes):
    """Pages taken from ``nodes`` in order, each pool to its free count; the rest unplaced."""
    per_node = {}
    left = need.pages
    for node_id in nodes:
        if not left:
            break
        take = min(left, free_pages(host, node_id, need.size))
        if take:
            per_node[node_id] = take
            left -= take
    return per_node, left


def shortfall_reasons(host, need, per_node):
    """A sentence for every node asked for more pages than it has free."""
    reasons = []
    for node_id in sorted(per_node):
        wanted = per_node[node_id]
        free = free_pages(host, node_id, need.size)
        if wanted > free:
            reasons.append("NUMA node %d has %d free %s hugepages, the VM needs %d there"
                           % (node_id, free, need.size_text, wanted))
    return reasons


def pages_short_reason(host, need):
    free = ["node %d: %d" % (node.id, free_pages(host, node.id, need.size)) for node in host.nodes]
    total = sum(free_pages(host, node.id, need.size) for node in host.nodes)
    return "the host has %d free %s hugepages (%s), the VM needs %d" % (
        total, need.size_text, ", ".join(free), need.pages)
