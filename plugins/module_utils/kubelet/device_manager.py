# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubelet's device manager as the Topology Manager sees it: the NUMA hints of one device
plugin resource, and which of its devices a container gets.

Rewritten from kubernetes/kubernetes ``pkg/kubelet/cm/devicemanager/topology_hints.go``
(``GetTopologyHints``, ``deviceHasTopologyAlignment``, ``generateDeviceTopologyHints``) and
``manager.go`` (``filterByAffinity``: devices of the affinity first, then those without NUMA
information, then the rest). KubeVirt's device plugin gives a PCI device the NUMA node of its
``numa_node`` file, none when that is -1 (``device-manager/pci_device.go``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

from ansible_collections.vmpod.core.plugins.module_utils.kubelet.topology_manager import TopologyHint

MAX_HINT_NODES = 16  # as cpu_manager: every set of nodes is enumerated


def device_hints(node_ids, all_nodes, available_nodes, request):
    """``generateDeviceTopologyHints`` for a resource.

    ``node_ids``: the host's NUMA nodes; ``all_nodes``: the node of each of the resource's
    devices (-1: unknown), ``available_nodes``: the same for the devices still free; ``request``:
    how many the container asks.  None when no device has a node (``deviceHasTopologyAlignment``:
    no preference); ``[TopologyHint(None, False)]`` when too few are free (the kubelet's empty
    list: fits nowhere); else a hint for every set of nodes whose free devices number at least
    ``request``, preferred when the set is as small as the smallest holding ``request`` devices
    free or not.
    """
    if request <= 0 or all(node < 0 for node in all_nodes):
        return None
    if len(available_nodes) < request:
        return [TopologyHint(None, False)]
    nodes = sorted(node_ids)[:MAX_HINT_NODES]
    min_affinity = len(nodes)
    fitting = []
    for width in range(1, len(nodes) + 1):  # bitmask.IterateBitMasks order
        for mask in itertools.combinations(nodes, width):
            members = frozenset(mask)
            if width < min_affinity and sum(1 for node in all_nodes if node in members) >= request:
                min_affinity = width
            if sum(1 for node in available_nodes if node in members) >= request:
                fitting.append(members)
    if not fitting:
        return [TopologyHint(None, False)]
    return [TopologyHint(mask, len(mask) == min_affinity) for mask in fitting]


def devices_in_order(devices, affinity):
    """``filterByAffinity``: the devices (each with a ``numa_node``) of the affinity's nodes
    first, then those of unknown node, then the rest, each group in the order given."""
    if not affinity:
        return list(devices)
    return ([d for d in devices if d.numa_node in affinity]
            + [d for d in devices if d.numa_node < 0]
            + [d for d in devices if d.numa_node >= 0 and d.numa_node not in affinity])
