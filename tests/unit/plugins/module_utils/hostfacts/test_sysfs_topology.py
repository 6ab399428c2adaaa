# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host topology from sysfs file contents: hand-built trees whose numbering follows the kernel's
(Documentation/ABI/stable/sysfs-devices-system-cpu, sysfs-devices-node), and this machine's /sys."""

import os
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.sysfs import (
    SYSFS_FILES,
    host_from_sysfs,
    page_size_name,
)
from ansible_collections.vmpod.core.plugins.modules.host_topology_info import gather_sysfs

CPU = "sys/devices/system/cpu"
NODE = "sys/devices/system/node"
CPU_NODE_LINK = re.compile(CPU + r"/cpu\d+/node\d+$")


def intel_cpus(sockets, cores, threads, nodes_per_socket=1):
    """(id, socket, core_id, node) as Linux numbers an Intel host: the first thread of every core
    of every socket, then the second threads (siblings N and N + sockets * cores)."""
    total_cores = sockets * cores
    result = []
    for thread in range(threads):
        for socket in range(sockets):
            for core in range(cores):
                node = socket * nodes_per_socket + core * nodes_per_socket // cores
                result.append((thread * total_cores + socket * cores + core, socket, core, node))
    return result


def sysfs_files(cpus, nodes=None, online=None, isolated="", meminfo_kib=8388608, pools=None):
    """The sysfs file contents of a host.

    ``cpus``: (id, socket, core_id, node) of every present CPU; siblings share socket and core_id.
    ``nodes``: node id -> {"memory_kib", "distances", "pools": {kB: (total, free)}}; None for a
    kernel without NUMA (then ``meminfo_kib`` and ``pools`` are the machine's).
    ``online``: the online CPU ids (all when None).
    """
    online = set(cpu[0] for cpu in cpus) if online is None else set(online)
    files = {CPU + "/online": format_cpuset(online) + "\n", CPU + "/isolated": isolated + "\n"}
    for cpu_id, socket, core, node in cpus:
        if cpu_id not in online:
            continue  # the kernel removes an offline CPU's topology directory
        siblings = format_cpuset(i for i, s, c, _n in cpus if (s, c) == (socket, core))
        base = "%s/cpu%d" % (CPU, cpu_id)
        files[base + "/topology/physical_package_id"] = "%d\n" % socket
        files[base + "/topology/core_id"] = "%d\n" % core
        files[base + "/topology/core_cpus_list"] = siblings + "\n"
        files[base + "/topology/thread_siblings_list"] = siblings + "\n"
        if nodes is not None:
            files["%s/node%d" % (base, node)] = "../../node/node%d" % node
    if nodes is None:
        files["proc/meminfo"] = "MemTotal:       %d kB\nMemFree:        1024 kB\n" % meminfo_kib
        for size_kib, (total, free) in (pools or {}).items():
            base = "sys/kernel/mm/hugepages/hugepages-%dkB" % size_kib
            files[base + "/nr_hugepages"] = "%d\n" % total
            files[base + "/free_hugepages"] = "%d\n" % free
        return files
    files["proc/meminfo"] = "MemTotal:       %d kB\n" % sum(n["memory_kib"] for n in nodes.values())
    for node_id, node in nodes.items():
        base = "%s/node%d" % (NODE, node_id)
        cpulist = format_cpuset(c[0] for c in cpus if c[3] == node_id and c[0] in online)
        files[base + "/cpulist"] = cpulist + "\n"
        files[base + "/meminfo"] = (
            "Node %d MemTotal:       %d kB\nNode %d MemFree:        %d kB\n"
            "Node %d HugePages_Total:     0\n" % (node_id, node["memory_kib"], node_id, 1024, node_id))
        files[base + "/distance"] = " ".join(str(d) for d in node["distances"]) + "\n"
        for size_kib, (total, free) in node.get("pools", {}).items():
            pool = "%s/hugepages/hugepages-%dkB" % (base, size_kib)
            files[pool + "/nr_hugepages"] = "%d\n" % total
            files[pool + "/free_hugepages"] = "%d\n" % free
            files[pool + "/surplus_hugepages"] = "0\n"  # present in sysfs, not read
    return files


TWO_NODES = {
    0: {"memory_kib": 67108864, "distances": [10, 21],
        "pools": {2048: (1024, 1000), 1048576: (8, 8)}},
    1: {"memory_kib": 67108864, "distances": [21, 10],
        "pools": {2048: (512, 512), 1048576: (8, 2)}},
}


def test_two_sockets_two_nodes_with_smt():
    # 2 sockets x 2 cores x 2 threads: Linux numbers siblings 0/4, 1/5, 2/6, 3/7
    files = sysfs_files(intel_cpus(2, 2, 2), TWO_NODES, isolated="1-3,5-7")
    host = host_from_sysfs(files)
    assert host == {
        "cpus": [
            {"id": 0, "socket": 0, "core": 0, "node": 0},
            {"id": 1, "socket": 0, "core": 1, "node": 0},
            {"id": 2, "socket": 1, "core": 0, "node": 1},
            {"id": 3, "socket": 1, "core": 1, "node": 1},
            {"id": 4, "socket": 0, "core": 0, "node": 0},
            {"id": 5, "socket": 0, "core": 1, "node": 0},
            {"id": 6, "socket": 1, "core": 0, "node": 1},
            {"id": 7, "socket": 1, "core": 1, "node": 1},
        ],
        "nodes": [
            {"id": 0, "memory": "64Gi", "distances": [10, 21],
             "hugepages": {"2Mi": {"total": 1024, "free": 1000}, "1Gi": {"total": 8, "free": 8}}},
            {"id": 1, "memory": "64Gi", "distances": [21, 10],
             "hugepages": {"2Mi": {"total": 512, "free": 512}, "1Gi": {"total": 8, "free": 2}}},
        ],
        "isolated_cpus": "1-3,5-7",
    }
    parsed = read_host(host)
    assert parsed.siblings(0) == (0, 4)
    assert parsed.siblings(7) == (3, 7)
    assert parsed.nodes[1].cpus == (2, 3, 6, 7)
    assert parsed.nodes[0].hugepages[2 << 20].free == 1000
    assert parsed.isolated == frozenset((1, 2, 3, 5, 6, 7))


def test_pools_are_listed_by_size_whatever_the_file_order():
    files = sysfs_files(intel_cpus(2, 2, 2), TWO_NODES)
    shuffled = dict(reversed(list(files.items())))
    assert list(host_from_sysfs(shuffled)["nodes"][0]["hugepages"]) == ["2Mi", "1Gi"]


def test_no_numa_kernel_is_one_node_with_the_machine_memory_and_global_pools():
    # CONFIG_NUMA=n: no /sys/devices/system/node, no cpuN/nodeM links
    files = sysfs_files(intel_cpus(1, 4, 2), None, meminfo_kib=16314236,
                        pools={2048: (256, 200), 1048576: (0, 0)})
    assert not any(path.startswith(NODE) for path in files)
    host = host_from_sysfs(files)
    assert [cpu["node"] for cpu in host["cpus"]] == [0] * 8
    assert host["nodes"] == [{
        "id": 0, "memory": "16314236Ki", "distances": [10],
        "hugepages": {"2Mi": {"total": 256, "free": 200}, "1Gi": {"total": 0, "free": 0}},
    }]
    assert read_host(host).siblings(1) == (1, 5)


def test_offline_cpus_are_left_out_everywhere():
    # cpu5 (sibling of cpu1) and cpu6 offline: gone from the CPUs, from cpu1's siblings, from
    # the isolated set and from node cpulists
    files = sysfs_files(intel_cpus(2, 2, 2), TWO_NODES, online=[0, 1, 2, 3, 4, 7],
                        isolated="1-7")
    files[CPU + "/cpu1/topology/core_cpus_list"] = "1,5\n"  # as written before cpu5 went down
    host = host_from_sysfs(files)
    assert [cpu["id"] for cpu in host["cpus"]] == [0, 1, 2, 3, 4, 7]
    assert host["isolated_cpus"] == "1-4,7"
    parsed = read_host(host)
    assert parsed.siblings(1) == (1,)
    assert parsed.siblings(0) == (0, 4)


def test_offline_cpu_with_a_topology_directory_is_still_left_out():
    # some architectures keep cpuN/topology of an offline CPU: cpu/online decides
    files = sysfs_files(intel_cpus(1, 2, 2), {0: {"memory_kib": 1048576, "distances": [10]}})
    files[CPU + "/online"] = "0-2\n"
    assert [cpu["id"] for cpu in host_from_sysfs(files)["cpus"]] == [0, 1, 2]


def test_without_cpu_online_every_cpu_with_a_topology_is_online():
    files = sysfs_files(intel_cpus(1, 2, 1), {0: {"memory_kib": 1048576, "distances": [10]}})
    del files[CPU + "/online"]
    assert [cpu["id"] for cpu in host_from_sysfs(files)["cpus"]] == [0, 1]


def test_node_from_the_cpu_links_when_cpulist_is_missing():
    files = sysfs_files(intel_cpus(2, 2, 1), TWO_NODES)
    for node_id in (0, 1):
        del files["%s/node%d/cpulist" % (NODE, node_id)]
    assert [cpu["node"] for cpu in host_from_sysfs(files)["cpus"]] == [0, 0, 1, 1]


def test_node_from_cpulist_when_the_links_are_missing():
    files = sysfs_files(intel_cpus(2, 2, 1), TWO_NODES)
    files = {path: text for path, text in files.items() if not CPU_NODE_LINK.match(path)}
    assert [cpu["node"] for cpu in host_from_sysfs(files)["cpus"]] == [0, 0, 1, 1]


def test_sub_numa_clustering_splits_a_socket_into_nodes():
    # one socket, 8 cores, SNC-2: cores 0-3 on node 0, 4-7 on node 1
    nodes = {0: {"memory_kib": 33554432, "distances": [10, 11]},
             1: {"memory_kib": 33554432, "distances": [11, 10]}}
    host = host_from_sysfs(sysfs_files(intel_cpus(1, 8, 2, nodes_per_socket=2), nodes))
    by_node = read_host(host).nodes
    assert by_node[0].cpus == (0, 1, 2, 3, 8, 9, 10, 11)
    assert by_node[1].cpus == (4, 5, 6, 7, 12, 13, 14, 15)
    assert {cpu["socket"] for cpu in host["cpus"]} == {0}


def test_memory_only_node_has_no_cpus():
    # a CXL or PMEM node: memory, distances, no CPUs
    nodes = {0: {"memory_kib": 16777216, "distances": [10, 20]},
             1: {"memory_kib": 33554432, "distances": [20, 10]}}
    host = host_from_sysfs(sysfs_files(intel_cpus(1, 2, 2), nodes))
    assert host["nodes"][1]["memory"] == "32Gi"
    assert read_host(host).nodes[1].cpus == ()


def test_core_ids_repeated_across_dies_are_renumbered_by_lowest_sibling():
    # two dies in one package, each numbering its cores from 0: (socket, core_id) no longer
    # names one core, so each core takes its lowest CPU id
    cpus = [(0, 0, 0, 0), (1, 0, 1, 0), (2, 0, 0, 0), (3, 0, 1, 0)]
    files = sysfs_files(cpus, {0: {"memory_kib": 1048576, "distances": [10]}})
    for cpu_id in range(4):
        files["%s/cpu%d/topology/core_cpus_list" % (CPU, cpu_id)] = "%d\n" % cpu_id
    host = host_from_sysfs(files)
    assert [cpu["core"] for cpu in host["cpus"]] == [0, 1, 2, 3]
    assert all(len(read_host(host).siblings(i)) == 1 for i in range(4))


def test_siblings_with_different_core_ids_share_a_core():
    # AMD Bulldozer modules: cpu0 and cpu1 have core ids 0 and 1 but are siblings (virt-manager
    # tests/data/capabilities/lxc.xml, from a Fedora 22 host, shows the same numbering)
    cpus = [(0, 0, 0, 0), (1, 0, 1, 0), (2, 0, 2, 0), (3, 0, 3, 0)]
    files = sysfs_files(cpus, {0: {"memory_kib": 1048576, "distances": [10]}})
    for cpu_id, siblings in ((0, "0-1"), (1, "0-1"), (2, "2-3"), (3, "2-3")):
        files["%s/cpu%d/topology/core_cpus_list" % (CPU, cpu_id)] = siblings + "\n"
    host = host_from_sysfs(files)
    assert [cpu["core"] for cpu in host["cpus"]] == [0, 0, 2, 2]
    assert read_host(host).siblings(1) == (0, 1)


def test_older_kernels_give_only_thread_siblings_list():
    files = sysfs_files(intel_cpus(1, 2, 2), {0: {"memory_kib": 1048576, "distances": [10]}})
    files = {p: t for p, t in files.items() if not p.endswith("core_cpus_list")}
    assert read_host(host_from_sysfs(files)).siblings(0) == (0, 2)


def test_unknown_package_id_reads_as_socket_zero():
    files = sysfs_files(intel_cpus(1, 2, 1), {0: {"memory_kib": 1048576, "distances": [10]}})
    files[CPU + "/cpu1/topology/physical_package_id"] = "-1\n"
    assert [cpu["socket"] for cpu in host_from_sysfs(files)["cpus"]] == [0, 0]


@pytest.mark.parametrize("size_kib, name", [
    # x86-64: 2M and 1G; arm64 with 4K granule: 64K (contiguous PTEs), 2M, 32M, 1G
    # (Documentation/arch/arm64/hugetlbpage.rst); ppc64 hash MMU: 16M and 16G
    (64, "64Ki"), (2048, "2Mi"), (32768, "32Mi"), (1048576, "1Gi"), (16384, "16Mi"),
    (16777216, "16Gi"),
])
def test_page_size_names_are_canonical_binary_quantities(size_kib, name):
    assert page_size_name(size_kib) == name


def test_node_memory_is_a_canonical_quantity():
    nodes = {0: {"memory_kib": 131811156, "distances": [10]}}
    host = host_from_sysfs(sysfs_files(intel_cpus(1, 1, 1), nodes))
    assert host["nodes"][0]["memory"] == "131811156Ki"


def test_isolated_file_absent_gives_no_isolated_cpus():
    files = sysfs_files(intel_cpus(1, 2, 1), {0: {"memory_kib": 1048576, "distances": [10]}})
    del files[CPU + "/isolated"]
    assert "isolated_cpus" not in host_from_sysfs(files)


@pytest.mark.parametrize("path, text, message", [
    (CPU + "/cpu1/topology/core_id", "one\n",
     "sys/devices/system/cpu/cpu1/topology/core_id: 'one' is not an integer"),
    (CPU + "/online", "\n", "sys/devices/system/cpu/online: '' lists no online CPU"),
    (CPU + "/online", "0-x\n", "sys/devices/system/cpu/online: '0-x' is not a CPU set"),
    (NODE + "/node0/meminfo", "Node 0 MemFree: 1 kB\n",
     "sys/devices/system/node/node0/meminfo: 'Node 0 MemFree: 1 kB' has no MemTotal line"),
    (NODE + "/node0/meminfo", "Node 0 MemTotal: lots\n",
     "sys/devices/system/node/node0/meminfo: 'Node 0 MemTotal: lots' is not a MemTotal line"),
    (NODE + "/node0/distance", "10 far\n",
     "sys/devices/system/node/node0/distance: '10 far' is not a list of integers"),
    (NODE + "/node0/hugepages/hugepages-2048kB/free_hugepages", "9\n",
     "hugepages-2048kB/free_hugepages: 9 is not between 0 and nr_hugepages (4)"),
    (NODE + "/node0/cpulist", "0\n", "sys/devices/system/node: '1' are online CPUs that no node lists"),
])
def test_bad_files_are_named(path, text, message):
    nodes = {0: {"memory_kib": 1048576, "distances": [10], "pools": {2048: (4, 4)}}}
    files = sysfs_files(intel_cpus(1, 2, 1), nodes)
    files = {p: t for p, t in files.items() if not CPU_NODE_LINK.match(p)}
    files[path] = text
    with pytest.raises(VmpodInputError) as error:
        host_from_sysfs(files)
    assert message in str(error.value)


def test_missing_node_meminfo_is_named():
    files = sysfs_files(intel_cpus(1, 1, 1), {0: {"memory_kib": 1048576, "distances": [10]}})
    del files[NODE + "/node0/meminfo"]
    with pytest.raises(VmpodInputError, match="node0/meminfo is required"):
        host_from_sysfs(files)


@given(sockets=st.integers(1, 4), cores=st.integers(1, 12), threads=st.integers(1, 2),
       nodes_per_socket=st.sampled_from([1, 2]), data=st.data())
def test_any_intel_shape_reads_back_as_that_shape(sockets, cores, threads, nodes_per_socket,
                                                  data):
    if nodes_per_socket > cores:
        nodes_per_socket = 1
    node_count = sockets * nodes_per_socket
    nodes = {n: {"memory_kib": 1048576 * (n + 1),
                 "distances": [10 if m == n else 21 for m in range(node_count)],
                 "pools": {2048: (n, 0)}} for n in range(node_count)}
    cpus = intel_cpus(sockets, cores, threads, nodes_per_socket)
    online = data.draw(st.sets(st.sampled_from([c[0] for c in cpus]), min_size=1))
    host = read_host(host_from_sysfs(sysfs_files(cpus, nodes, online=online)))
    assert [cpu.id for cpu in host.cpus] == sorted(online)
    for cpu_id, socket, core, node in cpus:
        if cpu_id in online:
            assert (host.cpu_by_id[cpu_id].socket, host.cpu_by_id[cpu_id].node) == (socket, node)
            assert host.siblings(cpu_id) == tuple(
                i for i, s, c, _n in sorted(cpus) if (s, c) == (socket, core) and i in online)
    assert [node.memory for node in host.nodes] == [(n + 1) << 30 for n in range(node_count)]


# -- this machine --------------------------------------------------------------------------

def _read(path):
    with open(path) as handle:
        return handle.read().strip()


@pytest.mark.skipif(not os.path.isfile("/sys/devices/system/cpu/online"),
                    reason="needs a Linux /sys")
def test_this_machine_reads_as_sysfs_says():
    files = gather_sysfs("/")
    host = host_from_sysfs(files)
    parsed = read_host(host)

    online = parse_cpuset(_read("/sys/devices/system/cpu/online"))
    assert [cpu.id for cpu in parsed.cpus] == sorted(online)
    offline = "/sys/devices/system/cpu/offline"
    if not os.path.exists(offline) or _read(offline) == "":
        assert len(parsed.cpus) == os.cpu_count()
    for cpu in parsed.cpus:
        topology = "/sys/devices/system/cpu/cpu%d/topology/" % cpu.id
        assert cpu.socket == max(int(_read(topology + "physical_package_id")), 0)
        siblings = parse_cpuset(_read(topology + "thread_siblings_list")) & online
        assert set(parsed.siblings(cpu.id)) == siblings

    if os.path.isdir("/sys/devices/system/node"):
        node_dirs = sorted(int(name[4:]) for name in os.listdir("/sys/devices/system/node")
                           if name.startswith("node") and name[4:].isdigit())
        assert [node.id for node in parsed.nodes] == node_dirs
        for node in parsed.nodes:
            base = "/sys/devices/system/node/node%d/" % node.id
            assert set(node.cpus) == parse_cpuset(_read(base + "cpulist")) & online
            memtotal = [line.split()[3] for line in _read(base + "meminfo").splitlines()
                        if line.split()[2] == "MemTotal:"]
            assert node.memory == int(memtotal[0]) * 1024
            assert list(node.distances) == [int(d) for d in _read(base + "distance").split()]
            for size, pool in node.hugepages.items():
                pool_dir = base + "hugepages/hugepages-%dkB/" % (size // 1024)
                assert pool.total == int(_read(pool_dir + "nr_hugepages"))
    else:
        assert len(parsed.nodes) == 1
    sizes = sorted(int(name[len("hugepages-"):-2]) * 1024
                   for name in os.listdir("/sys/kernel/mm/hugepages"))
    assert sorted(parsed.nodes[0].hugepages) == sizes


def test_every_pattern_reads_from_below_the_root():
    assert all(not pattern.startswith("/") for pattern in SYSFS_FILES)
