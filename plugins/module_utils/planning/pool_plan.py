# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hugepage pools for a fleet: how many 2Mi and 1Gi pages each NUMA node of each host needs so
that every VM can be placed (``fleet.plan_hugepage_pools``).

Two passes of the fleet placement (``fleet.place_fleet``'s rules):

1. every VM, on hosts whose every node could give all of its memory as pages of each size in
   use (the node's ordinary memory kept as it is, so that the launcher Pods' own memory
   requests still count): where the hugepage-backed VMs land and which node's pages each takes
   (guest NUMA cells, pinned CPUs and the topology policy decide that, as they do for real);
2. every VM, on the hosts with exactly the planned pools (the pages taken in pass 1, plus the
   headroom, rounded up): the check that the plan holds with the memory the pools take from the
   others, and the pages it leaves unused - the memory the plan strands.

A node whose planned pages would take more memory than it has is a warning, and pass 2 then
shows which VMs no longer fit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import math

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.planning.packing import read_fleet_hosts
from ansible_collections.vmpod.core.plugins.module_utils.planning.usage import readable_bytes, size_text
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError, each_item

MAX_HEADROOM = 10.0


def read_headroom(headroom):
    # (a comparison is false for NaN, and exact for an integer of any size: math.isnan
    # raised OverflowError on 10 ** 5000)
    if isinstance(headroom, bool) or not isinstance(headroom, (int, float)) or \
            not 0 <= headroom <= MAX_HEADROOM:
        raise VmpodInputError("headroom", headroom, "must be a fraction of the pages in use, 0 to %g "
                              "(0.1: 10%% more pages than the VMs take)" % MAX_HEADROOM)
    return float(headroom)


def host_items(hosts):
    """(name, host data) of each host, in order, after the fleet's checks of them."""
    states = read_fleet_hosts(hosts)
    if isinstance(hosts, dict):
        return [(state.name, hosts[state.name], state.pristine) for state in states]
    return [(state.name, data, state.pristine) for state, data in zip(states, hosts)]


def page_sizes(vmis, arch):
    """The page sizes (bytes -> text) the VMs use."""
    sizes = {}
    for vmi in each_item(vmis, lambda obj: read_vmi(obj, arch), named=False):
        if vmi.hugepage_size is not None and vmi.page_size is not None:
            sizes[vmi.page_size.value()] = size_text(vmi.page_size.value())
    return sizes


def pools_like(data, topo, pools_of):
    """A copy of host ``data`` whose nodes' hugepage pools are ``pools_of(node)`` ({size text:
    pages}) and whose memory is the node's memory plus ``extra(node)``."""
    changed = copy.deepcopy(data)
    by_id = dict((node.id, node) for node in topo.nodes)
    for node in changed["nodes"]:
        pools, extra = pools_of(by_id[node["id"]])
        node["hugepages"] = dict((size, {"total": count, "free": count}) for size, count in pools.items())
        node["memory"] = by_id[node["id"]].memory + extra
    return changed


def used_pages(result):
    """{host: {node id: {size text: pages}}} that the plans of a place_fleet result take."""
    used = {}
    for plan in result["plans"].values():
        pages = plan.get("hugepages")
        if not pages:
            continue
        for node, count in pages["per_node"].items():
            sizes = used.setdefault(plan["host"], {}).setdefault(int(node), {})
            sizes[pages["page_size"]] = sizes.get(pages["page_size"], 0) + count
    return used


def planned_pools(items, sizes, used, headroom):
    """Pages per host, node and size: those taken plus the headroom, rounded up; and warnings
    for nodes that cannot hold them."""
    planned, warnings = {}, []
    size_bytes = dict((text, size) for size, text in sizes.items())
    for name, _data, topo in items:
        for node in topo.nodes:
            wanted = {}
            for text in sorted(sizes.values(), key=lambda t: size_bytes[t]):
                taken = used.get(name, {}).get(node.id, {}).get(text, 0)
                wanted[text] = int(math.ceil(taken * (1 + headroom))) if taken else 0
            total = sum(count * size_bytes[text] for text, count in wanted.items())
            if total > node.memory:
                warnings.append("%s node %d: the planned pools take %s, the node has %s" % (
                    name, node.id, readable_bytes(total), readable_bytes(node.memory)))
            planned.setdefault(name, {})[node.id] = wanted
    return planned, warnings
