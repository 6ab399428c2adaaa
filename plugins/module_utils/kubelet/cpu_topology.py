# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubelet's view of a host's CPUs: which node, socket and core each CPU sits on, and the
groups the static CPU manager and the Topology Manager count in.

Rules from kubernetes/kubernetes ``pkg/kubelet/cm/cpumanager/topology/topology.go``
(``Discover``, ``CPUTopology``, ``CPUDetails``): a core's id is its lowest thread id, unique
host-wide; ``CPUsPerCore`` and ``CPUsPerSocket`` are host-wide averages. Everything here is
static topology, built once per read Host and kept in ``Host.derived`` (shared, unchanged, with
the fleet placer's copies of the Host, whose free CPUs and pages change but whose CPUs do not).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.planning.host import Host, read_host


class _Topology:
    """Static per-host indexes, built once per Host object (see ``_topology``)."""

    __slots__ = ("all_cpus", "node_of", "socket_of", "core_of", "core_cpus", "node_cpus",
                 "socket_cpus", "node_sets", "socket_sets", "nodes", "sockets", "cpus_per_core",
                 "cpus_per_socket", "numa_first", "nested", "whole_cores", "whole_sockets",
                 "cores_of_socket", "cores_of_node", "sockets_of_node", "nodes_of_socket",
                 "node_ids", "node_index", "distances", "cores", "core_sets",
                 "smallest_node", "smallest_socket", "smallest_core", "node_sizes",
                 "_last_counts")

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
        self.cores = tuple(sorted(core_cpus))
        self.core_sets = tuple(frozenset(core_cpus[core]) for core in self.cores)
        num_cpus = len(self.all_cpus)
        self.cpus_per_core = num_cpus // len(core_cpus)  # CPUTopology.CPUsPerCore
        self.cpus_per_socket = num_cpus // len(socket_cpus)  # CPUTopology.CPUsPerSocket
        self.node_sizes = {node: len(ids) for node, ids in node_cpus.items()}
        self.smallest_node = min(self.node_sizes.values())
        self.smallest_socket = min(len(ids) for ids in socket_cpus.values())
        self.smallest_core = min(len(ids) for ids in core_cpus.values())
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
        for core in self.cores:
            # A core sits where its lowest thread does (on hardware, where all its threads do).
            cores_of_socket.setdefault(self.socket_of[core], []).append(core)
            cores_of_node.setdefault(self.node_of[core], []).append(core)
        self.cores_of_socket = {k: tuple(v) for k, v in cores_of_socket.items()}
        self.cores_of_node = {k: tuple(v) for k, v in cores_of_node.items()}
        self.node_ids = tuple(node.id for node in host.nodes)  # NUMAInfo.Nodes: every node
        self.node_index = {node_id: index for index, node_id in enumerate(self.node_ids)}
        self.distances = {node.id: node.distances for node in host.nodes}
        self._last_counts = None  # (free set, its counts): most plans start from the same set

    def free_counts(self, free):
        """Free CPUs of the set ``free`` per node, per socket and per core (every one, 0
        included), as three new dicts.  The last set's counts are kept, keyed by its value:
        plans on one host start from its available CPUs (the fleet placer's from fewer)."""
        last = self._last_counts
        if last is None or (last[0] is not free and last[0] != free):
            last = self._last_counts = (frozenset(free), self._count_free(free))
        node_free, socket_free, core_free = last[1]
        return node_free.copy(), socket_free.copy(), core_free.copy()

    def _count_free(self, free):
        return (dict(zip(self.node_sets, map(len, map(free.intersection,
                                                      self.node_sets.values())))),
                dict(zip(self.socket_sets, map(len, map(free.intersection,
                                                        self.socket_sets.values())))),
                dict(zip(self.cores, map(len, map(free.intersection, self.core_sets)))))


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
