# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exclusive CPUs as the kubelet's static CPU manager picks them for one container on one host,
and the NUMA hints it gives the Topology Manager (``kubelet.topology_manager``) about them.

Rewritten from kubernetes/kubernetes ``pkg/kubelet/cm/cpumanager/`` (default options, the
``packed`` CPU sorting strategy):

* ``cpu_assignment.go`` ``takeByTopologyNUMAPacked``: whole NUMA nodes or sockets (the larger of
  the two first), then whole cores, then single threads; every level sorted "fullest first"
  (fewest free CPUs), ties by id                                  -> ``take_by_topology``
* ``policy_static.go`` ``allocateCPUs`` (NUMA-aligned CPUs first, then the rest),
  ``enforceSMTAlignment`` (``full-pcpus-only``), ``generateCPUTopologyHints``
  -> ``allocate``, ``cpu_hints``
* ``topology/topology.go`` ``Discover``: a core's id is its lowest thread id (``kubelet.cpu_topology``)

Not reproduced: the ``distribute-cpus-across-numa``, ``distribute-cpus-across-cores``,
``align-by-socket`` and ``prefer-align-cpus-by-uncorecache`` options, CPU reuse between init and
app containers, and the pod scope.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import itertools

from ansible_collections.vmpod.core.plugins.module_utils.kubelet.cpu_topology import _host_topology
from ansible_collections.vmpod.core.plugins.module_utils.kubelet.topology_manager import TopologyHint
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit, VmpodInputError

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


# -- takeByTopologyNUMAPacked ----------------------------------------------------------------------

def _sorted_by_free(ids, free_count):
    """cpu_assignment.go ``sort``: fewest free CPUs first ("fullest first"), ties by id.  ``ids``
    come in ascending order and the sort is stable, so the count alone is the key."""
    return sorted(ids, key=free_count.__getitem__)


class _Accumulator:
    """cpu_assignment.go ``cpuAccumulator``: the CPUs still free, those taken, and the count
    still needed.  Free counts per node, socket and core (every one, 0 included) are counted
    once and kept up to date as CPUs are taken (upstream recounts ``details`` on every
    comparison: the same numbers)."""

    def __init__(self, topo, free, needed):
        self.topo = topo
        self.free = set(free)
        self.needed = needed
        self.result = []
        self.node_free, self.socket_free, self.core_free = topo.free_counts(free)

    def take(self, cpus):
        self.result.extend(cpus)
        self.needed -= len(cpus)
        free, topo = self.free, self.topo
        node_of, socket_of, core_of = topo.node_of, topo.socket_of, topo.core_of
        node_free, socket_free, core_free = self.node_free, self.socket_free, self.core_free
        for cpu in cpus:
            if cpu in free:
                free.remove(cpu)
                node_free[node_of[cpu]] -= 1
                socket_free[socket_of[cpu]] -= 1
                core_free[core_of[cpu]] -= 1

    # The sorts: numaFirst / socketsFirst sortAvailableNUMANodes, sortAvailableSockets,
    # sortAvailableCores, sortAvailableCPUsPacked.  A group listed under two parents (only on
    # topologies where a socket and a NUMA node overlap without nesting) is kept once.

    def sorted_nodes(self):
        node_free = self.node_free
        if self.topo.numa_first:
            return _sorted_by_free(filter(node_free.__getitem__, self.topo.nodes), node_free)
        return self._children(self.sorted_sockets(), self.topo.nodes_of_socket, node_free, True)

    def sorted_sockets(self):
        socket_free = self.socket_free
        if not self.topo.numa_first:
            return _sorted_by_free(filter(socket_free.__getitem__, self.topo.sockets),
                                   socket_free)
        return self._children(self.sorted_nodes(), self.topo.sockets_of_node, socket_free, False)

    def _children(self, parents, children_of, child_free, parents_are_sockets):
        """Per parent in order, its children with free CPUs *in that parent*, fullest first."""
        topo = self.topo
        if topo.nested:
            # every child under one parent only: "free in that parent" is "free"
            result = []
            for parent in parents:
                children = children_of[parent]
                if len(children) == 1:  # one socket per node (or node per socket): no sort
                    if child_free[children[0]]:
                        result.append(children[0])
                else:
                    result.extend(_sorted_by_free(filter(child_free.__getitem__, children),
                                                  child_free))
            return result
        pairs = collections.Counter((topo.socket_of[c], topo.node_of[c]) for c in self.free)
        result, seen = [], set()
        for parent in parents:
            children = []
            for child in children_of[parent]:
                if child in seen:
                    continue
                if pairs[(parent, child) if parents_are_sockets else (child, parent)]:
                    children.append(child)
            seen.update(children)
            result.extend(_sorted_by_free(children, child_free))
        return result

    def _core_parents(self):
        """sortAvailableCores' outer order: the sorted sockets (numaFirst) or NUMA nodes, and
        the cores of each (ascending)."""
        if self.topo.numa_first:
            return self.sorted_sockets(), self.topo.cores_of_socket
        return self.sorted_nodes(), self.topo.cores_of_node

    def iter_cores(self):
        """sortAvailableCores, one parent's cores sorted at a time (the takes stop early)."""
        core_free = self.core_free
        parents, cores_of = self._core_parents()
        has_free = core_free.__getitem__
        for parent in parents:
            yield from _sorted_by_free(filter(has_free, cores_of.get(parent, ())), core_free)

    def iter_cpus(self):
        """sortAvailableCPUsPacked: core by core in sortAvailableCores order, ids ascending."""
        free, core_cpus = self.free, self.topo.core_cpus
        for core in self.iter_cores():
            for cpu in core_cpus[core]:
                if cpu in free:
                    yield cpu

    def iter_free_cores(self):
        """``iter_cores`` less the cores with fewer than CPUsPerCore free.  The sort by free
        count is stable, so the cores left keep their parent's (ascending) order: none to sort."""
        core_free, per_core = self.core_free, self.topo.cpus_per_core
        parents, cores_of = self._core_parents()
        for parent in parents:
            for core in cores_of.get(parent, ()):
                if core_free[core] == per_core:
                    yield core

    def free_cpus(self):
        return list(self.iter_cpus())

    def free_nodes(self):
        """freeNUMANodes: nodes all of whose CPUs are free."""
        node_free, node_sizes = self.node_free, self.topo.node_sizes
        return [n for n in self.sorted_nodes() if node_free[n] == node_sizes[n]]

    def free_sockets(self):
        """freeSockets: isSocketFree compares with CPUsPerSocket (NumCPUs / NumSockets)."""
        socket_free, per_socket = self.socket_free, self.topo.cpus_per_socket
        return [s for s in self.sorted_sockets() if socket_free[s] == per_socket]

    def free_cores(self):
        """freeCores: isCoreFree compares with CPUsPerCore (NumCPUs / NumCores)."""
        return list(self.iter_free_cores())

    # The takes (takeFullNUMANodes, takeFullSockets, takeFullCores, takeRemainingCPUs): each walks
    # a list made before its first take, taking a whole group while at least its size is needed.

    def take_whole(self, groups, cpus_of, all_free, smallest):
        """``smallest``: the size of the smallest group in ``cpus_of``."""
        needed, taken, free = self.needed, [], self.free
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
        topo = self.topo
        if self.needed >= topo.smallest_node:
            self.take_whole(self.free_nodes(), topo.node_cpus, True, topo.smallest_node)

    def take_full_sockets(self):
        topo = self.topo
        if self.needed >= topo.smallest_socket:
            self.take_whole(self.free_sockets(), topo.socket_cpus, topo.whole_sockets,
                            topo.smallest_socket)

    def take_full_cores(self):
        topo = self.topo
        if self.needed >= topo.cpus_per_core:
            self.take_whole(self.iter_free_cores(), topo.core_cpus, topo.whole_cores,
                            topo.smallest_core)

    def take_remaining(self):
        self.take(list(itertools.islice(self.iter_cpus(), self.needed)))


def _take_packed(topo, free, count):
    """takeByTopologyNUMAPacked on CPUs ``free`` (already limited to the host's CPUs)."""
    if count <= 0:
        return ()
    if count > len(free):
        raise NoFit(_too_few(count, free))
    acc = _Accumulator(topo, free, count)
    # 1. whole NUMA nodes and sockets, the larger of the two first
    if topo.numa_first:
        acc.take_full_nodes()
        if acc.needed > 0:
            acc.take_full_sockets()
    else:
        acc.take_full_sockets()
        if acc.needed > 0:
            acc.take_full_nodes()
    if acc.needed > 0:
        acc.take_full_cores()  # 2. whole cores
        if acc.needed > 0:
            acc.take_remaining()  # 3. single threads
    return tuple(acc.result)


def _too_few(count, free):
    if not free:
        return "needs %d exclusive CPUs, none available" % count
    return "needs %d exclusive CPUs, only %d available (host CPUs %s)" % (
        count, len(free), format_cpuset(free))


def _usable(topo, available, count, full_pcpus_only):
    """The CPUs to take from: ``available`` on this host; with ``full-pcpus-only`` only those
    whose whole core is available, after policy_static.go ``enforceSMTAlignment``."""
    all_cpus = topo.all_cpus
    # most callers pass the host's own available CPUs: kept as they are (no new set)
    free = available if available.__class__ is frozenset and all_cpus.issuperset(available) \
        else all_cpus.intersection(available)
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
    rest = _take_packed(topo, free.difference(first) if first else free, count - len(first))
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
    size_of = topo.node_sizes.__getitem__
    min_affinity = len(nodes)
    fitting = []
    for width in range(1, len(nodes) + 1):  # bitmask.IterateBitMasks order
        for mask in itertools.combinations(nodes, width):
            if width < min_affinity and sum(map(size_of, mask)) >= count:
                min_affinity = width
            if sum(map(free_in, mask)) >= count:
                fitting.append(mask)
    return [TopologyHint(frozenset(mask), len(mask) == min_affinity) for mask in fitting]
