# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exclusive CPUs as the kubelet's static CPU manager picks them, and NUMA admission as its
Topology Manager decides it, for one container on one host.

Rewritten from kubernetes/kubernetes ``pkg/kubelet/cm/`` (default options, the ``packed`` CPU
sorting strategy):

* ``cpumanager/cpu_assignment.go`` ``takeByTopologyNUMAPacked``: whole NUMA nodes or sockets
  (the larger of the two first), then whole cores, then single threads; every level sorted
  "fullest first" (fewest free CPUs), ties by id      -> ``take_by_topology``
* ``cpumanager/policy_static.go`` ``allocateCPUs`` (NUMA-aligned CPUs first, then the rest),
  ``enforceSMTAlignment`` (``full-pcpus-only``), ``generateCPUTopologyHints``
  -> ``allocate``, ``cpu_hints``
* ``cpumanager/topology/topology.go`` ``Discover``: a core's id is its lowest thread id
* ``topologymanager/policy.go`` (``filterProvidersHints``, ``mergePermutation``,
  ``HintMerger.compare``), ``policy_{none,best_effort,restricted,single_numa_node}.go``,
  ``numa_info.go`` (``Narrowest``, ``Closest``), ``bitmask/bitmask.go`` -> ``merge_hints``

Not reproduced: the ``distribute-cpus-across-numa``, ``distribute-cpus-across-cores``,
``align-by-socket`` and ``prefer-align-cpus-by-uncorecache`` options, CPU reuse between init and
app containers, and the pod scope.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import itertools

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit, VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import Host, read_host

POLICIES = ("none", "best-effort", "restricted", "single-numa-node")

# A NUMA affinity: ``nodes`` a frozenset of node ids, or None for "any node" (the kubelet's nil
# bitmask); ``preferred`` whether the resource would sit on as few nodes as it could.
TopologyHint = collections.namedtuple("TopologyHint", ["nodes", "preferred"])

# generateCPUTopologyHints enumerates every subset of NUMA nodes: refuse hosts where that explodes
# (the Topology Manager itself refuses more than 8 nodes unless max-allowable-numa-nodes is set).
MAX_HINT_NODES = 16


class SMTAlignmentError(NoFit):
    """policy_static.go ``SMTAlignmentError``: ``full-pcpus-only`` cannot give whole cores."""

    def __init__(self, reason, requested, cpus_per_core, available_physical=None):
        super(SMTAlignmentError, self).__init__(reason)
        self.requested = requested
        self.cpus_per_core = cpus_per_core
        self.available_physical = available_physical  # set when caused by too few whole cores


# -- the kubelet's view of the host (topology.go CPUTopology / CPUDetails) ------------------------

class _Topology:
    """Static per-host indexes, built once per Host object (see ``_topology``)."""

    __slots__ = ("all_cpus", "node_of", "socket_of", "core_of", "core_cpus", "node_cpus",
                 "socket_cpus", "node_sets", "socket_sets", "nodes", "sockets", "cpus_per_core",
                 "cpus_per_socket", "numa_first", "nested", "whole_cores", "whole_sockets",
                 "cores_of_socket", "cores_of_node", "sockets_of_node", "nodes_of_socket",
                 "node_ids", "node_index", "distances")

    def __init__(self, host):
        self.all_cpus = frozenset(host.cpu_by_id)
        self.node_of = {cpu.id: cpu.node for cpu in host.cpus}
        self.socket_of = {cpu.id: cpu.socket for cpu in host.cpus}
        # topology.go getUniqueCoreID: a core is named by its lowest thread id, unique host-wide.
        self.core_of = {cpu.id: host.siblings(cpu.id)[0] for cpu in host.cpus}
        core_cpus, node_cpus, socket_cpus = {}, {}, {}
        for cpu in host.cpus:
            core_cpus.setdefault(self.core_of[cpu.id], []).append(cpu.id)
            node_cpus.setdefault(cpu.node, []).append(cpu.id)
            socket_cpus.setdefault(cpu.socket, []).append(cpu.id)
        self.core_cpus = {core: tuple(ids) for core, ids in core_cpus.items()}
        self.node_cpus = {node: tuple(ids) for node, ids in node_cpus.items()}
        self.socket_cpus = {socket: tuple(ids) for socket, ids in socket_cpus.items()}
        self.node_sets = {node: frozenset(ids) for node, ids in node_cpus.items()}
        self.socket_sets = {socket: frozenset(ids) for socket, ids in socket_cpus.items()}
        self.nodes = tuple(sorted(node_cpus))  # CPUDetails.NUMANodes(): nodes that have CPUs
        self.sockets = tuple(sorted(socket_cpus))
        num_cpus = len(self.all_cpus)
        self.cpus_per_core = num_cpus // len(core_cpus)  # CPUTopology.CPUsPerCore
        self.cpus_per_socket = num_cpus // len(socket_cpus)  # CPUTopology.CPUsPerSocket
        # Whether a core (socket) counted free by CPUsPerCore (CPUsPerSocket) has all its CPUs
        # free: not on hybrid hosts (cores of 1 and 2 threads) or with uneven sockets.
        self.whole_cores = all(len(ids) == self.cpus_per_core for ids in core_cpus.values())
        self.whole_sockets = all(len(ids) == self.cpus_per_socket
                                 for ids in socket_cpus.values())
        # cpu_assignment.go newCPUAccumulator: NumSockets >= NumNUMANodes -> numaFirst.
        self.numa_first = len(self.sockets) >= len(self.nodes)
        pairs = {(cpu.socket, cpu.node) for cpu in host.cpus}
        self.sockets_of_node = {n: tuple(sorted(s for s, m in pairs if m == n)) for n in self.nodes}
        self.nodes_of_socket = {s: tuple(sorted(m for t, m in pairs if t == s))
                                for s in self.sockets}
        # Each socket inside one node, or each node inside one socket: then "has free CPUs in
        # this socket and node" is just "has free CPUs", with no per-pair count.
        self.nested = (all(len(v) == 1 for v in self.nodes_of_socket.values())
                       or all(len(v) == 1 for v in self.sockets_of_node.values()))
        cores_of_socket, cores_of_node = {}, {}
        for core in sorted(self.core_cpus):
            # A core sits where its lowest thread does (on hardware, where all its threads do).
            cores_of_socket.setdefault(self.socket_of[core], []).append(core)
            cores_of_node.setdefault(self.node_of[core], []).append(core)
        self.cores_of_socket = {k: tuple(v) for k, v in cores_of_socket.items()}
        self.cores_of_node = {k: tuple(v) for k, v in cores_of_node.items()}
        self.node_ids = tuple(node.id for node in host.nodes)  # NUMAInfo.Nodes: every node
        self.node_index = {node_id: index for index, node_id in enumerate(self.node_ids)}
        self.distances = {node.id: node.distances for node in host.nodes}


def _topology(host):
    """The ``_Topology`` of a Host, built once and kept with the (read-only) Host."""
    topo = host.derived.get("kubelet")
    if topo is None:
        topo = host.derived["kubelet"] = _Topology(host)
    return topo


def _host_topology(host):
    if not isinstance(host, Host):
        host = read_host(host)
    return _topology(host)


# -- takeByTopologyNUMAPacked ----------------------------------------------------------------------

def _sorted_by_free(ids, free_count):
    """cpu_assignment.go ``sort``: fewest free CPUs first ("fullest first"), ties by id.  ``ids``
    come in ascending order and the sort is stable, so the count alone is the key."""
    return sorted(ids, key=free_count.__getitem__)


class _Accumulator:
    """cpu_assignment.go ``cpuAccumulator``: the CPUs still free, those taken, and the count
    still needed.  Free counts per node, socket and core are recomputed when a sort needs them
    after a take (upstream recounts ``details`` on every comparison)."""

    def __init__(self, topo, free, needed):
        self.topo = topo
        self.free = set(free)
        self.needed = needed
        self.result = []
        self._counts = None

    def counts(self):
        """Free CPUs per node, per socket (every one, 0 included) and per core (only cores
        with free CPUs are keys)."""
        if self._counts is None:
            topo, free = self.topo, self.free
            self._counts = ({n: len(free.intersection(s)) for n, s in topo.node_sets.items()},
                            {k: len(free.intersection(s)) for k, s in topo.socket_sets.items()},
                            collections.Counter(map(topo.core_of.__getitem__, free)))
        return self._counts

    def take(self, cpus):
        self.result.extend(cpus)
        self.free.difference_update(cpus)
        self.needed -= len(cpus)
        self._counts = None

    # The sorts: numaFirst / socketsFirst sortAvailableNUMANodes, sortAvailableSockets,
    # sortAvailableCores, sortAvailableCPUsPacked.  A group listed under two parents (only on
    # topologies where a socket and a NUMA node overlap without nesting) is kept once.

    def sorted_nodes(self):
        node_free = self.counts()[0]
        if self.topo.numa_first:
            return _sorted_by_free([n for n in self.topo.nodes if node_free[n]], node_free)
        return self._children(self.sorted_sockets(), self.topo.nodes_of_socket, node_free, True)

    def sorted_sockets(self):
        socket_free = self.counts()[1]
        if not self.topo.numa_first:
            return _sorted_by_free([s for s in self.topo.sockets if socket_free[s]], socket_free)
        return self._children(self.sorted_nodes(), self.topo.sockets_of_node, socket_free, False)

    def _children(self, parents, children_of, child_free, parents_are_sockets):
        """Per parent in order, its children with free CPUs *in that parent*, fullest first."""
        pairs = None
        if not self.topo.nested:
            topo = self.topo
            pairs = collections.Counter((topo.socket_of[c], topo.node_of[c]) for c in self.free)
        result, seen = [], set()
        for parent in parents:
            children = []
            for child in children_of[parent]:
                if child in seen:
                    continue
                if pairs is None:
                    has_free = child_free[child]
                else:
                    has_free = pairs[(parent, child) if parents_are_sockets else (child, parent)]
                if has_free:
                    children.append(child)
            seen.update(children)
            result.extend(_sorted_by_free(children, child_free))
        return result

    def iter_cores(self):
        """sortAvailableCores, one parent's cores sorted at a time (the takes stop early)."""
        core_free = self.counts()[2]
        if self.topo.numa_first:
            parents, cores_of = self.sorted_sockets(), self.topo.cores_of_socket
        else:
            parents, cores_of = self.sorted_nodes(), self.topo.cores_of_node
        for parent in parents:
            yield from _sorted_by_free(filter(core_free.__contains__, cores_of.get(parent, ())),
                                       core_free)

    def iter_cpus(self):
        """sortAvailableCPUsPacked: core by core in sortAvailableCores order, ids ascending."""
        free, core_cpus = self.free, self.topo.core_cpus
        for core in self.iter_cores():
            for cpu in core_cpus[core]:
                if cpu in free:
                    yield cpu

    def iter_free_cores(self):
        core_free, per_core = self.counts()[2], self.topo.cpus_per_core
        return (core for core in self.iter_cores() if core_free[core] == per_core)

    def free_cpus(self):
        return list(self.iter_cpus())

    def free_nodes(self):
        """freeNUMANodes: nodes all of whose CPUs are free."""
        node_free = self.counts()[0]
        node_cpus = self.topo.node_cpus
        return [n for n in self.sorted_nodes() if node_free[n] == len(node_cpus[n])]

    def free_sockets(self):
        """freeSockets: isSocketFree compares with CPUsPerSocket (NumCPUs / NumSockets)."""
        socket_free = self.counts()[1]
        return [s for s in self.sorted_sockets() if socket_free[s] == self.topo.cpus_per_socket]

    def free_cores(self):
        """freeCores: isCoreFree compares with CPUsPerCore (NumCPUs / NumCores)."""
        return list(self.iter_free_cores())

    # The takes (takeFullNUMANodes, takeFullSockets, takeFullCores, takeRemainingCPUs): each walks
    # a list made before its first take, taking a whole group while at least its size is needed.

    def take_whole(self, groups, cpus_of, all_free):
        needed, taken, free = self.needed, [], self.free
        smallest = min(len(cpus) for cpus in cpus_of.values())
        for group in groups:
            cpus = cpus_of[group]
            if needed >= len(cpus):
                if not all_free:
                    # Upstream takes the group's every CPU; where "free" compares with a
                    # host-wide average (CPUsPerCore on hybrid P/E-core hosts, CPUsPerSocket)
                    # one of them can be busy: take the free ones only.
                    cpus = [cpu for cpu in cpus if cpu in free]
                needed -= len(cpus)
                taken.extend(cpus)
                if needed < smallest:
                    break  # no group left could be taken
        if taken:
            self.take(taken)

    def take_full_nodes(self):
        if self.needed >= min(len(self.topo.node_cpus[n]) for n in self.topo.nodes):
            self.take_whole(self.free_nodes(), self.topo.node_cpus, True)

    def take_full_sockets(self):
        if self.needed >= min(len(self.topo.socket_cpus[s]) for s in self.topo.sockets):
            self.take_whole(self.free_sockets(), self.topo.socket_cpus, self.topo.whole_sockets)

    def take_full_cores(self):
        if self.needed >= self.topo.cpus_per_core:
            self.take_whole(self.iter_free_cores(), self.topo.core_cpus, self.topo.whole_cores)

    def take_remaining(self):
        self.take(list(itertools.islice(self.iter_cpus(), self.needed)))


def _take_packed(topo, free, count):
    """takeByTopologyNUMAPacked on CPUs ``free`` (already limited to the host's CPUs)."""
    acc = _Accumulator(topo, free, count)
    if acc.needed <= 0:
        return ()
    if acc.needed > len(acc.free):
        raise NoFit(_too_few(count, acc.free))
    # 1. whole NUMA nodes and sockets, the larger of the two first
    steps = ((acc.take_full_nodes, acc.take_full_sockets) if topo.numa_first
             else (acc.take_full_sockets, acc.take_full_nodes))
    for step in steps + (acc.take_full_cores, acc.take_remaining):  # 2. cores  3. threads
        step()
        if acc.needed <= 0:
            break
    return tuple(acc.result)


def _too_few(count, free):
    if not free:
        return "needs %d exclusive CPUs, none available" % count
    return "needs %d exclusive CPUs, only %d available (host CPUs %s)" % (
        count, len(free), format_cpuset(free))


def _usable(topo, available, count, full_pcpus_only):
    """The CPUs to take from: ``available`` on this host; with ``full-pcpus-only`` only those
    whose whole core is available, after policy_static.go ``enforceSMTAlignment``."""
    free = topo.all_cpus.intersection(available)
    if not full_pcpus_only or topo.cpus_per_core == 1 or count <= 0:
        return free
    per_core = topo.cpus_per_core
    if count % per_core:
        raise SMTAlignmentError(
            "needs %d exclusive CPUs, not a multiple of the %d threads per core that "
            "full-pcpus-only hands out as whole cores" % (count, per_core), count, per_core)
    # The kubelet counts whole free cores (free CPUs less the reserved CPUs' siblings) and takes
    # from the free CPUs; taking from whole cores only keeps the NUMA-aligned first pass of
    # allocate() on whole cores too.
    core_cpus = topo.core_cpus
    physical = set()
    for core, free_threads in collections.Counter(map(topo.core_of.__getitem__, free)).items():
        if free_threads == len(core_cpus[core]):
            physical.update(core_cpus[core])
    if count > len(physical):
        raise SMTAlignmentError(
            "needs %d exclusive CPUs as whole cores (full-pcpus-only), only %d CPUs are on fully "
            "free cores%s" % (count, len(physical), " (host CPUs %s)" % format_cpuset(physical)
                              if physical else ""),
            count, per_core, len(physical))
    return physical


def take_by_topology(host, available, count, full_pcpus_only=False):
    """The ``count`` CPUs of ``available`` (a set of CPU ids) that the kubelet's static CPU
    manager would give a container, in the order it takes them (each whole group ascending).

    Raises ``NoFit`` when ``available`` has too few CPUs and ``SMTAlignmentError`` (a ``NoFit``)
    when ``full_pcpus_only`` cannot be met.  CPU ids the host does not have are ignored, as the
    kubelet's ``CPUDetails.KeepOnly`` does; a ``count`` of 0 or less takes nothing.
    """
    topo = _host_topology(host)
    return _take_packed(topo, _usable(topo, available, count, full_pcpus_only), count)


def allocate(host, available, count, numa_affinity=None, full_pcpus_only=False):
    """policy_static.go ``allocateCPUs``: the CPUs of ``available`` on the NUMA nodes of
    ``numa_affinity`` (node ids, or None for no alignment) first, as many as there are up to
    ``count``, then the rest from all of ``available``; both by ``take_by_topology``."""
    topo = _host_topology(host)
    free = _usable(topo, available, count, full_pcpus_only)
    if count > len(free):
        raise NoFit(_too_few(count, free))
    first = ()
    if numa_affinity is not None:
        aligned = set()
        for node in numa_affinity:
            aligned.update(topo.node_cpus.get(node, ()))
        aligned &= free
        first = _take_packed(topo, aligned, min(count, len(aligned)))
    rest = _take_packed(topo, free.difference(first), count - len(first))
    return first + rest


# -- generateCPUTopologyHints ----------------------------------------------------------------------

def cpu_hints(host, available, count):
    """policy_static.go ``generateCPUTopologyHints`` (no reusable CPUs): a ``TopologyHint`` for
    every set of NUMA nodes (those with CPUs; smallest sets first, then in id order) whose CPUs
    in ``available`` number at least ``count``; preferred when the set is as small as the
    smallest set whose CPUs, free or not, could hold ``count``.

    An empty list when ``count`` is 0 or less (the kubelet gives no hints: no preference) and
    also when no set has enough available CPUs; in that second case the kubelet's Topology Manager
    reads the empty list as ``[TopologyHint(None, False)]``, which is what to pass to
    ``merge_hints`` to get its verdict (an empty list there means "no preference").
    """
    topo = _host_topology(host)
    if count <= 0:
        return []
    nodes = topo.nodes
    if len(nodes) > MAX_HINT_NODES:
        raise VmpodInputError("host.nodes", len(nodes), "are more NUMA nodes with CPUs than %d, "
                              "too many to enumerate every set of them" % MAX_HINT_NODES)
    available = topo.all_cpus.intersection(available)
    free_in = {n: len(available.intersection(topo.node_sets[n])) for n in nodes}.__getitem__
    size_of = {n: len(topo.node_cpus[n]) for n in nodes}.__getitem__
    min_affinity = len(nodes)
    fitting = []
    for width in range(1, len(nodes) + 1):  # bitmask.IterateBitMasks order
        for mask in itertools.combinations(nodes, width):
            if width < min_affinity and sum(map(size_of, mask)) >= count:
                min_affinity = width
            if sum(map(free_in, mask)) >= count:
                fitting.append(mask)
    return [TopologyHint(frozenset(mask), len(mask) == min_affinity) for mask in fitting]


# -- the Topology Manager's merge ------------------------------------------------------------------

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
