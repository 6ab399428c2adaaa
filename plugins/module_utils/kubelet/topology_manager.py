# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NUMA admission as the kubelet's Topology Manager decides it for one container: the merge of
every resource's ``TopologyHint`` list into one affinity, and the policy's verdict on it.

Rewritten from kubernetes/kubernetes ``pkg/kubelet/cm/topologymanager/``: ``policy.go``
(``filterProvidersHints``, ``mergePermutation``, ``HintMerger.compare``),
``policy_{none,best_effort,restricted,single_numa_node}.go``, ``numa_info.go`` (``Narrowest``,
``Closest``) and ``bitmask/bitmask.go`` -> ``merge_hints``. The CPU manager's hints come from
``kubelet.cpu_manager.cpu_hints``, the memory manager's from ``planning.hugepages``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import itertools

from ansible_collections.vmpod.core.plugins.module_utils.kubelet.cpu_topology import _host_topology
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import Host
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

POLICIES = ("none", "best-effort", "restricted", "single-numa-node")

# A NUMA affinity: ``nodes`` a frozenset of node ids, or None for "any node" (the kubelet's nil
# bitmask); ``preferred`` whether the resource would sit on as few nodes as it could.
TopologyHint = collections.namedtuple("TopologyHint", ["nodes", "preferred"])


def _bits(nodes):
    mask = 0
    for node in nodes:
        mask |= 1 << node
    return mask


def _count(mask):
    return bin(mask).count("1")


def _node_set(mask):
    return frozenset(i for i in range(mask.bit_length()) if mask >> i & 1)


def _narrower(m1, m2):
    """bitmask.IsNarrowerThan: fewer nodes, or as many and the lower number (IsLessThan)."""
    c1, c2 = _count(m1), _count(m2)
    return m1 < m2 if c1 == c2 else c1 < c2


def _narrowest(m1, m2):
    """numa_info.go ``Narrowest``."""
    return m1 if _narrower(m1, m2) else m2


def _closest(distances):
    """numa_info.go ``Closest`` (the ``prefer-closest-numa-nodes`` option): as narrow as can be,
    then the lower average distance between the nodes, then the lower mask."""

    def average(mask):
        nodes = _node_set(mask)
        return sum(distances(a, b) for a in nodes for b in nodes) / float(len(nodes) ** 2)

    def closest(m1, m2):
        if _count(m1) != _count(m2):
            return _narrowest(m1, m2)
        d1, d2 = average(m1), average(m2)
        if d1 == d2:
            return m1 if m1 < m2 else m2
        return m1 if d1 < d2 else m2

    return closest


class _HintMerger:
    """policy.go ``HintMerger``: hints are (mask, preferred) with mask an int or None."""

    def __init__(self, default, hints, best_of):
        self.default = default
        self.hints = hints
        self.best_of = best_of
        self.best_non_preferred = _max_of_min_affinity_counts(hints)

    def compare_masks(self, current, candidate):
        if candidate[0] == current[0]:
            return current
        return current if self.best_of(current[0], candidate[0]) == current[0] else candidate

    def compare(self, current, candidate):
        """HintMerger.compare, case by case as upstream."""
        if not candidate[0]:
            return current
        if current is None:
            return candidate
        if not current[1] and candidate[1]:
            return candidate
        if current[1] and not candidate[1]:
            return current
        if current[1] and candidate[1]:
            return self.compare_masks(current, candidate)
        best = self.best_non_preferred
        current_count, candidate_count = _count(current[0]), _count(candidate[0])
        if current_count > best:  # case 1
            return self.compare_masks(current, candidate)
        if current_count == best:  # case 2
            return self.compare_masks(current, candidate) if candidate_count == best else current
        if candidate_count > best:  # case 3a
            return current
        if candidate_count == best:  # case 3b
            return candidate
        if candidate_count != current_count:  # cases 3ca, 3cb
            return candidate if candidate_count > current_count else current
        return self.compare_masks(current, candidate)  # case 3cc

    def merge(self):
        best = None
        for permutation in itertools.product(*self.hints):
            best = self.compare(best, _merge_permutation(self.default, permutation))
        return best if best is not None else (self.default, False)


def _merge_permutation(default, permutation):
    """policy.go ``mergePermutation``: AND of the masks; preferred when every hint is and all
    the masks given are equal."""
    preferred = True
    merged = default
    first = None
    for mask, hint_preferred in permutation:
        if mask is not None:
            if first is None:
                first = mask
            elif mask != first:
                preferred = False
            merged &= mask
        if not hint_preferred:
            preferred = False
    return merged, preferred


def _max_of_min_affinity_counts(hints):
    """policy.go ``maxOfMinAffinityCounts``: the widest of the providers' narrowest masks."""
    widest = 0
    for provider in hints:
        masks = [mask for mask, preferred in provider if mask is not None]
        if masks:
            narrowest = masks[0]
            for mask in masks[1:]:
                if _narrower(mask, narrowest):
                    narrowest = mask
            widest = max(widest, _count(narrowest))
    return widest


def _filter_single_numa(hints):
    """policy_single_numa_node.go ``filterSingleNumaHints``: preferred "any node" hints and
    preferred one-node hints only."""
    return [[(mask, preferred) for mask, preferred in provider
             if preferred and (mask is None or _count(mask) == 1)] for provider in hints]


def _node_info(nodes, hint_lists):
    """(all node ids, distance function or None) from ``nodes`` (a Host, host data or node ids);
    without it, the nodes the hints name."""
    if nodes is None:
        ids = set()
        for hints in hint_lists:
            for hint in hints or ():
                ids.update(hint[0] or ())
        return sorted(ids), None
    if isinstance(nodes, (Host, dict)):
        topo = _host_topology(nodes)
        index, table = topo.node_index, topo.distances
        if all(len(table[n]) == len(index) for n in topo.node_ids):
            return list(topo.node_ids), lambda a, b: table[a][index[b]]
        return list(topo.node_ids), None
    return sorted(set(nodes)), None


def merge_hints(policy, hint_lists, nodes=None, prefer_closest_numa=False):
    """The Topology Manager's verdict on one container: ``(best hint, admitted)``.

    ``policy``: ``none``, ``best-effort``, ``restricted`` or ``single-numa-node``.
    ``hint_lists``: one list of ``TopologyHint`` per resource; an empty list (or None) means the
    resource has no NUMA preference.  A resource that fits nowhere is ``[TopologyHint(None,
    False)]`` (what the kubelet makes of a provider's empty list).
    ``nodes``: the host (Host or host data) or its NUMA node ids; the kubelet's default affinity
    is every node of the host.  Without it, the nodes the hints name stand in for the host's.
    ``prefer_closest_numa``: the ``prefer-closest-numa-nodes`` option (needs ``nodes`` as a host
    with distances; without distances masks are compared by narrowness, as without the option).

    ``none`` gives ``(None, True)``.  ``single-numa-node`` gives ``TopologyHint(None, ...)`` when
    the best affinity is every node.  ``best-effort`` always admits; ``restricted`` and
    ``single-numa-node`` admit only a preferred hint.
    """
    if policy not in POLICIES:
        raise VmpodInputError("topology_manager_policy", policy,
                              "is not a Topology Manager policy (%s)" % ", ".join(POLICIES))
    if policy == "none":
        return None, True
    node_ids, distances = _node_info(nodes, hint_lists)
    if not node_ids:
        # No node known (no host given, no hint names one): every hint is "any node", so the
        # merge is the default affinity, preferred when each resource has a preferred hint.
        preferred = all(not hints or any(hint[1] for hint in hints) for hints in hint_lists)
        return TopologyHint(None, preferred), preferred or policy == "best-effort"
    default = _bits(node_ids)
    hints = []
    for provider in hint_lists:
        if not provider:
            hints.append([(None, True)])  # filterProvidersHints: no preference
        else:
            hints.append([(None if hint[0] is None else _bits(hint[0]), bool(hint[1]))
                          for hint in provider])
    if policy == "single-numa-node":
        hints = _filter_single_numa(hints)
    best_of = _narrowest
    if prefer_closest_numa and policy != "single-numa-node" and distances is not None:
        best_of = _closest(distances)
    mask, preferred = _HintMerger(default, hints, best_of).merge()
    if policy == "single-numa-node" and mask == default:
        return TopologyHint(None, preferred), preferred
    return TopologyHint(_node_set(mask), preferred), preferred or policy == "best-effort"
