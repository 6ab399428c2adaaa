# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for ``cpu_assignment``: the kubelet's exclusive CPU choice and Topology Manager merge.

Expected values are transcribed from kubernetes/kubernetes tests, each case naming its source:

* ``cpu_assignment_test.go``  (pkg/kubelet/cm/cpumanager): TestCPUAccumulatorFree{Sockets,
  NUMANodes,SocketsAndNUMANodes,Cores,CPUs}, commonTakeByTopologyTestCases,
  TestTakeByTopologyNUMAPacked
* ``policy_static_test.go``: TestStaticPolicyAdd (optionsInsensitive, defaultOptions,
  smtalignOption, alignBySocketOption test cases)
* ``topology_hints_test.go``: returnTestCases, TestGetPodTopologyHintsWithPolicyOptions
* ``policy_test.go`` (pkg/kubelet/cm/topologymanager): commonPolicyMergeTestCases,
  mergeTestCases, mergeTestCasesNoPolicies, mergeTestCasesClosestNUMA, TestMaxOfMinAffinityCounts,
  TestCompareHintsNarrowest; ``policy_*_test.go`` for admission

The test topologies are the upstream ones (``cpumanager/policy_test.go``) written as host data.
Upstream compares CPU sets, so most cases do too; the order facts come from the tests that check
order (TestCPUAccumulatorFree*) and from the take order documented in cpu_assignment.go.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.kubelet import cpu_manager as ca
from ansible_collections.vmpod.core.plugins.module_utils.kubelet import cpu_topology
from ansible_collections.vmpod.core.plugins.module_utils.kubelet import topology_manager as tm
from ansible_collections.vmpod.core.plugins.module_utils.kubelet.cpu_manager import (
    SMTAlignmentError, allocate, cpu_hints, take_by_topology)
from ansible_collections.vmpod.core.plugins.module_utils.kubelet.topology_manager import (
    TopologyHint, merge_hints)
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit, VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host


# -- test topologies (cpumanager/policy_test.go) ------------------------------------------------

def host_data(rows, distances=None):
    """Host data from (cpu, socket, core, node) rows; Linux core ids only need to group siblings
    within a socket, so the upstream CoreID is used as is."""
    node_ids = sorted({row[3] for row in rows})
    nodes = []
    for index, node_id in enumerate(node_ids):
        node = {"id": node_id, "memory": "1Gi"}
        if distances is not None:
            node["distances"] = list(distances[index])
        nodes.append(node)
    return {"cpus": [{"id": cpu, "socket": socket, "core": core, "node": node}
                     for cpu, socket, core, node in rows], "nodes": nodes}


def cpus(text):
    return set(parse_cpuset(text))


# topoSingleSocketHT: 8 CPUs, 4 cores (i, i+4), 1 socket, 1 node
SINGLE_SOCKET_HT = read_host(host_data([(i, 0, i % 4, 0) for i in range(8)]))
# topoDualSocketHT: 12 CPUs, core i%6 = (i, i+6), socket and node i%2
DUAL_SOCKET_HT = read_host(host_data([(i, i % 2, i % 6, i % 2) for i in range(12)]))
# topoDualSocketNoHT: 8 CPUs, 0-3 socket/node 0, 4-7 socket/node 1
DUAL_SOCKET_NO_HT = read_host(host_data([(i, i // 4, i, i // 4) for i in range(8)]))
# topoTripleSocketHT ("fake"): cores (0,1)..(16,17); CPUs 0-5 socket/node 1, 6-11 socket/node 0,
# 12-17 socket/node 2
TRIPLE_SOCKET_HT = read_host(host_data(
    [(i, (1, 0, 2)[i // 6], i // 2, (1, 0, 2)[i // 6]) for i in range(18)]))
# topoDualSocketMultiNumaPerSocketHT (dual Xeon Gold 6230): 80 CPUs, core i%40 = (i, i+40),
# 2 sockets (cores 0-19, 20-39), 4 nodes (cores 0-9, 10-19, 20-29, 30-39)
DUAL_SOCKET_MULTI_NUMA_HT = read_host(host_data(
    [(i, (i % 40) // 20, i % 40, (i % 40) // 10) for i in range(80)]))
# fakeTopoMultiSocketDualSocketPerNumaHT: the same with sockets and nodes flipped: 4 sockets of
# 10 cores, 2 nodes of 20
FAKE_MULTI_SOCKET_PER_NUMA_HT = read_host(host_data(
    [(i, (i % 40) // 10, i % 40, (i % 40) // 20) for i in range(80)]))
# topology_hints_test.go returnMachineInfo: node 0 = socket 0 cores (0,6) (1,7) (2,8),
# node 1 = socket 1 cores (3,9) (4,10) (5,11)
HINTS_MACHINE = read_host(host_data([(i, (i % 6) // 3, i % 6, (i % 6) // 3) for i in range(12)]))

# topoQuadSocketFourWayHT (KNL SNC4, 288 CPUs, 4 threads per core): per socket (= node), its
# cores as thread tuples, in the order of the upstream table.
QUAD_CORES = {
    0: [(0, 169, 109, 229), (50, 170, 110, 230), (1, 25, 13, 38), (2, 26, 14, 39),
        (9, 33, 21, 46), (10, 34, 22, 47), (57, 177, 117, 237), (58, 178, 118, 238),
        (71, 191, 131, 251), (72, 192, 132, 252), (79, 199, 139, 259), (80, 200, 140, 260),
        (87, 207, 147, 267), (88, 208, 148, 268), (95, 215, 155, 275), (96, 216, 156, 276),
        (103, 223, 163, 283), (104, 224, 164, 284)],
    1: [(3, 27, 15, 40), (4, 28, 16, 41), (11, 35, 23, 48), (12, 36, 24, 49),
        (51, 171, 111, 231), (52, 172, 112, 232), (59, 179, 119, 239), (60, 180, 120, 240),
        (65, 185, 125, 245), (66, 186, 126, 246), (73, 193, 133, 253), (74, 194, 134, 254),
        (81, 201, 141, 261), (82, 202, 142, 262), (89, 209, 149, 269), (90, 210, 150, 270),
        (97, 217, 157, 277), (98, 218, 158, 278)],
    2: [(5, 29, 17, 42), (6, 30, 18, 43), (53, 173, 113, 233), (54, 174, 114, 234),
        (61, 181, 121, 241), (62, 182, 122, 242), (67, 187, 127, 247), (68, 188, 128, 248),
        (75, 195, 135, 255), (76, 196, 136, 256), (83, 203, 143, 263), (84, 204, 144, 264),
        (91, 211, 151, 271), (92, 212, 152, 272), (99, 219, 159, 279), (100, 220, 160, 280),
        (105, 225, 165, 285), (106, 226, 166, 286)],
    3: [(7, 31, 19, 44), (8, 32, 20, 45), (37, 168, 108, 228), (107, 227, 167, 287),
        (55, 175, 115, 235), (56, 176, 116, 236), (63, 183, 123, 243), (64, 184, 124, 244),
        (69, 189, 129, 249), (70, 190, 130, 250), (77, 197, 137, 257), (78, 198, 138, 258),
        (85, 205, 145, 265), (86, 206, 146, 266), (93, 213, 153, 273), (94, 214, 154, 274),
        (101, 221, 161, 281), (102, 222, 162, 282)],
}
QUAD_SOCKET_FOUR_WAY_HT = read_host(host_data(
    [(cpu, socket, core, socket) for socket, cores in QUAD_CORES.items()
     for core, threads in enumerate(cores) for cpu in threads]))
QUAD_ALL = set(range(288))
QUAD_SOCKET = {socket: {cpu for core in cores for cpu in core}
               for socket, cores in QUAD_CORES.items()}

# A 2-socket, 2-node host with 64 cores and 128 threads (siblings i and i+64), for properties.
TWO_SOCKET_128 = read_host(host_data(
    [(i, (i % 64) // 32, i % 32, (i % 64) // 32) for i in range(128)]))

# commonNUMAInfoEightNodes (topologymanager/policy_test.go): distances for prefer-closest
EIGHT_NODE_DISTANCES = [
    [10, 11, 12, 12, 30, 30, 30, 30],
    [11, 10, 12, 12, 30, 30, 30, 30],
    [12, 12, 10, 11, 30, 30, 30, 30],
    [12, 12, 11, 10, 30, 30, 30, 30],
    [30, 30, 30, 30, 10, 11, 12, 12],
    [30, 30, 30, 30, 11, 10, 12, 12],
    [30, 30, 30, 30, 12, 12, 10, 11],
    [30, 30, 30, 30, 12, 12, 13, 10],
]
EIGHT_NODES = read_host(host_data([(i, i, i, i) for i in range(8)], EIGHT_NODE_DISTANCES))


def test_quad_socket_table_matches_the_upstream_lscpu_lists():
    # The socket lists in the comment above topoQuadSocketFourWayHT guard the transcription.
    expected = {
        0: "0-2,9-10,13-14,21-22,25-26,33-34,38-39,46-47,50,57-58,71-72,79-80,87-88,95-96,"
           "103-104,109-110,117-118,131-132,139-140,147-148,155-156,163-164,169-170,177-178,"
           "191-192,199-200,207-208,215-216,223-224,229-230,237-238,251-252,259-260,267-268,"
           "275-276,283-284",
        1: "3-4,11-12,15-16,23-24,27-28,35-36,40-41,48-49,51-52,59-60,65-66,73-74,81-82,89-90,"
           "97-98,111-112,119-120,125-126,133-134,141-142,149-150,157-158,171-172,179-180,"
           "185-186,193-194,201-202,209-210,217-218,231-232,239-240,245-246,253-254,261-262,"
           "269-270,277-278",
        2: "5-6,17-18,29-30,42-43,53-54,61-62,67-68,75-76,83-84,91-92,99-100,105-106,113-114,"
           "121-122,127-128,135-136,143-144,151-152,159-160,165-166,173-174,181-182,187-188,"
           "195-196,203-204,211-212,219-220,225-226,233-234,241-242,247-248,255-256,263-264,"
           "271-272,279-280,285-286",
        3: "7-8,19-20,31-32,37,44-45,55-56,63-64,69-70,77-78,85-86,93-94,101-102,107-108,"
           "115-116,123-124,129-130,137-138,145-146,153-154,161-162,167-168,175-176,183-184,"
           "189-190,197-198,205-206,213-214,221-222,227-228,235-236,243-244,249-250,257-258,"
           "265-266,273-274,281-282,287",
    }
    for socket, text in expected.items():
        assert QUAD_SOCKET[socket] == cpus(text)
    assert len(QUAD_SOCKET_FOUR_WAY_HT.cpus) == 288
    assert QUAD_SOCKET_FOUR_WAY_HT.threads_per_core() == 4


def accumulator(host, available):
    return ca._Accumulator(cpu_topology._topology(host), set(available) & cpu_topology._topology(host).all_cpus, 0)


# -- the accumulator's orders (cpu_assignment_test.go) ---------------------------------------

# TestCPUAccumulatorFreeSockets (upstream sorts the result before comparing)
FREE_SOCKETS = [
    ("single socket HT, 1 socket free", SINGLE_SOCKET_HT, "0-7", [0]),
    ("single socket HT, 0 sockets free", SINGLE_SOCKET_HT, "1-7", []),
    ("dual socket HT, 2 sockets free", DUAL_SOCKET_HT, "0-11", [0, 1]),
    ("dual socket HT, 1 socket free", DUAL_SOCKET_HT, "0-9,11", [1]),
    ("dual socket HT, 0 sockets free", DUAL_SOCKET_HT, "0,2-9,11", []),
    ("dual socket, multi numa per socket, HT, 2 sockets free", DUAL_SOCKET_MULTI_NUMA_HT,
     "0-79", [0, 1]),
    ("dual socket, multi numa per socket, HT, 1 sockets free", DUAL_SOCKET_MULTI_NUMA_HT,
     "1-79", [1]),
    ("dual socket, multi numa per socket, HT, 0 sockets free", DUAL_SOCKET_MULTI_NUMA_HT,
     "1-78", []),
    ("dual numa, multi socket per per socket, HT, 4 sockets free",
     FAKE_MULTI_SOCKET_PER_NUMA_HT, "0-79", [0, 1, 2, 3]),
    ("dual numa, multi socket per per socket, HT, 3 sockets free",
     FAKE_MULTI_SOCKET_PER_NUMA_HT, "0-19,21-79", [0, 1, 3]),
    ("dual numa, multi socket per per socket, HT, 2 sockets free",
     FAKE_MULTI_SOCKET_PER_NUMA_HT, "0-59,61-78", [0, 1]),
    ("dual numa, multi socket per per socket, HT, 1 sockets free",
     FAKE_MULTI_SOCKET_PER_NUMA_HT, "1-19,21-38,41-60,61-78", [1]),
    ("dual numa, multi socket per per socket, HT, 0 sockets free",
     FAKE_MULTI_SOCKET_PER_NUMA_HT, "0-40,42-49,51-68,71-79", []),
]


@pytest.mark.parametrize("host,available,expected", [c[1:] for c in FREE_SOCKETS],
                         ids=[c[0] for c in FREE_SOCKETS])
def test_free_sockets(host, available, expected):
    assert sorted(accumulator(host, cpus(available)).free_sockets()) == expected


# TestCPUAccumulatorFreeNUMANodes (order compared as is)
FREE_NUMA_NODES = [
    ("single socket HT, 1 NUMA node free", SINGLE_SOCKET_HT, "0-7", [0]),
    ("single socket HT, 0 NUMA Node free", SINGLE_SOCKET_HT, "1-7", []),
    ("dual socket HT, 2 NUMA Node free", DUAL_SOCKET_HT, "0-11", [0, 1]),
    ("dual socket HT, 1 NUMA Node free", DUAL_SOCKET_HT, "0-9,11", [1]),
    ("dual socket HT, 0 NUMA node free", DUAL_SOCKET_HT, "0,2-9,11", []),
    ("dual socket, multi numa per socket, HT, 4 NUMA Node free", DUAL_SOCKET_MULTI_NUMA_HT,
     "0-79", [0, 1, 2, 3]),
    ("dual socket, multi numa per socket, HT, 3 NUMA node free", DUAL_SOCKET_MULTI_NUMA_HT,
     "1-79", [1, 2, 3]),
    ("dual socket, multi numa per socket, HT, 2 NUMA node free", DUAL_SOCKET_MULTI_NUMA_HT,
     "1-9,11-79", [2, 3]),
    ("dual socket, multi numa per socket, HT, 1 NUMA node free", DUAL_SOCKET_MULTI_NUMA_HT,
     "1-9,11-59,61-79", [3]),
    ("dual socket, multi numa per socket, HT, 0 NUMA node free", DUAL_SOCKET_MULTI_NUMA_HT,
     "1-9,11-59,61-78", []),
    ("dual numa, multi socket per per socket, HT, 2 NUMA node free",
     FAKE_MULTI_SOCKET_PER_NUMA_HT, "0-79", [0, 1]),
    ("dual numa, multi socket per per socket, HT, 1 NUMA node free",
     FAKE_MULTI_SOCKET_PER_NUMA_HT, "0-9,11-79", [1]),
    ("dual numa, multi socket per per socket, HT, 0 sockets free",
     FAKE_MULTI_SOCKET_PER_NUMA_HT, "0-9,11-59,61-79", []),
]


@pytest.mark.parametrize("host,available,expected", [c[1:] for c in FREE_NUMA_NODES],
                         ids=[c[0] for c in FREE_NUMA_NODES])
def test_free_numa_nodes(host, available, expected):
    assert accumulator(host, cpus(available)).free_nodes() == expected


# TestCPUAccumulatorFreeSocketsAndNUMANodes
FREE_SOCKETS_AND_NODES = [
    ("2 Socket/4 NUMA Node free", "0-79", [0, 1], [0, 1, 2, 3]),
    ("1 Socket/3 NUMA node free", "1-79", [1], [1, 2, 3]),
    ("1 Socket/ 2 NUMA node free", "1-9,11-79", [1], [2, 3]),
    ("0 Socket/ 2 NUMA node free", "1-59,61-79", [], [1, 3]),
]


@pytest.mark.parametrize("available,sockets,nodes", [c[1:] for c in FREE_SOCKETS_AND_NODES],
                         ids=[c[0] for c in FREE_SOCKETS_AND_NODES])
def test_free_sockets_and_numa_nodes(available, sockets, nodes):
    acc = accumulator(DUAL_SOCKET_MULTI_NUMA_HT, cpus(available))
    assert acc.free_nodes() == nodes
    assert acc.free_sockets() == sockets


# TestCPUAccumulatorFreeCores (core ids are the lowest thread ids)
FREE_CORES = [
    ("single socket HT, 4 cores free", SINGLE_SOCKET_HT, "0-7", [0, 1, 2, 3]),
    ("single socket HT, 3 cores free", SINGLE_SOCKET_HT, "0-2,4-6", [0, 1, 2]),
    ("single socket HT, 3 cores free (1 partially consumed)", SINGLE_SOCKET_HT, "0-6",
     [0, 1, 2]),
    ("single socket HT, 0 cores free", SINGLE_SOCKET_HT, "", []),
    ("single socket HT, 0 cores free (4 partially consumed)", SINGLE_SOCKET_HT, "0-3", []),
    ("dual socket HT, 6 cores free", DUAL_SOCKET_HT, "0-11", [0, 2, 4, 1, 3, 5]),
    ("dual socket HT, 5 cores free (1 consumed from socket 0)", DUAL_SOCKET_HT,
     "1-5,7-11", [2, 4, 1, 3, 5]),
    ("dual socket HT, 4 cores free (1 consumed from each socket)", DUAL_SOCKET_HT,
     "2-5,8-11", [2, 4, 3, 5]),
]


@pytest.mark.parametrize("host,available,expected", [c[1:] for c in FREE_CORES],
                         ids=[c[0] for c in FREE_CORES])
def test_free_cores(host, available, expected):
    assert accumulator(host, cpus(available)).free_cores() == expected


# TestCPUAccumulatorFreeCPUs: the order single threads are handed out in
FREE_CPUS = [
    ("single socket HT, 8 cpus free", SINGLE_SOCKET_HT, "0-7", [0, 4, 1, 5, 2, 6, 3, 7]),
    ("single socket HT, 5 cpus free", SINGLE_SOCKET_HT, "3-7", [4, 5, 6, 3, 7]),
    ("dual socket HT, 12 cpus free", DUAL_SOCKET_HT, "0-11",
     [0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11]),
    ("dual socket HT, 11 cpus free", DUAL_SOCKET_HT, "1-11",
     [6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11]),
    ("dual socket HT, 10 cpus free", DUAL_SOCKET_HT, "1-5,7-11",
     [2, 8, 4, 10, 1, 7, 3, 9, 5, 11]),
    ("triple socket HT, 12 cpus free", TRIPLE_SOCKET_HT, "0-3,6-13",
     [12, 13, 0, 1, 2, 3, 6, 7, 8, 9, 10, 11]),
]


@pytest.mark.parametrize("host,available,expected", [c[1:] for c in FREE_CPUS],
                         ids=[c[0] for c in FREE_CPUS])
def test_free_cpus_order(host, available, expected):
    assert accumulator(host, cpus(available)).free_cpus() == expected


# -- takeByTopologyNUMAPacked (cpu_assignment_test.go) ----------------------------------------

TAKE_BY_TOPOLOGY = [
    # commonTakeByTopologyTestCases
    ("take zero cpus from single socket with HT", SINGLE_SOCKET_HT, "0-7", 0, ""),
    ("take one cpu from single socket with HT", SINGLE_SOCKET_HT, "0-7", 1, "0"),
    ("take one cpu from single socket with HT, some cpus are taken", SINGLE_SOCKET_HT,
     "1,3,5-7", 1, "6"),
    ("take two cpus from single socket with HT", SINGLE_SOCKET_HT, "0-7", 2, "0,4"),
    ("take all cpus from single socket with HT", SINGLE_SOCKET_HT, "0-7", 8, "0-7"),
    ("take two cpus from single socket with HT, only one core totally free", SINGLE_SOCKET_HT,
     "0-3,6", 2, "2,6"),
    ("take a socket of cpus from dual socket with HT", DUAL_SOCKET_HT, "0-11", 6,
     "0,2,4,6,8,10"),
    ("take a socket of cpus from dual socket with multi-numa-per-socket with HT",
     DUAL_SOCKET_MULTI_NUMA_HT, "0-79", 40, "0-19,40-59"),
    ("take a NUMA node of cpus from dual socket with multi-numa-per-socket with HT",
     DUAL_SOCKET_MULTI_NUMA_HT, "0-79", 20, "0-9,40-49"),
    ("take a NUMA node of cpus from dual socket with multi-numa-per-socket with HT, with 1 NUMA "
     "node already taken", DUAL_SOCKET_MULTI_NUMA_HT, "10-39,50-79", 20, "10-19,50-59"),
    ("take a socket and a NUMA node of cpus from dual socket with multi-numa-per-socket with HT",
     DUAL_SOCKET_MULTI_NUMA_HT, "0-79", 60, "0-29,40-69"),
    ("take a socket and a NUMA node of cpus from dual socket with multi-numa-per-socket with HT, "
     "a core taken", DUAL_SOCKET_MULTI_NUMA_HT, "1-39,41-79", 60, "10-39,50-79"),
    # TestTakeByTopologyNUMAPacked
    ("take one cpu from dual socket with HT - core from Socket 0", DUAL_SOCKET_HT,
     "1-5,7-11", 1, "2"),
    ("allocate 4 full cores with 3 coming from the first NUMA node (filling it up) and 1 coming "
     "from the second NUMA node", DUAL_SOCKET_HT, "0-11", 8, "0,6,2,8,4,10,1,7"),
    ("allocate 32 full cores with 30 coming from the first 3 NUMA nodes (filling them up) and 2 "
     "coming from the fourth NUMA node", DUAL_SOCKET_MULTI_NUMA_HT, "0-79", 64,
     "0-29,40-69,30,31,70,71"),
]


@pytest.mark.parametrize("host,available,count,expected", [c[1:] for c in TAKE_BY_TOPOLOGY],
                         ids=[c[0] for c in TAKE_BY_TOPOLOGY])
def test_take_by_topology_packed(host, available, count, expected):
    result = take_by_topology(host, cpus(available), count)
    assert len(result) == count
    assert set(result) == cpus(expected)


def test_take_by_topology_more_than_available():
    # commonTakeByTopologyTestCases "take more cpus than are available from single socket with
    # HT": upstream "not enough cpus available to satisfy request: requested=5, available=4"
    with pytest.raises(NoFit) as err:
        take_by_topology(SINGLE_SOCKET_HT, {0, 2, 4, 6}, 5)
    assert err.value.reason == "needs 5 exclusive CPUs, only 4 available (host CPUs 0,2,4,6)"
    assert not isinstance(err.value, SMTAlignmentError)


def test_no_fit_message_names_the_numbers():
    with pytest.raises(NoFit, match=r"^needs 6 exclusive CPUs, only 4 available "
                                    r"\(host CPUs 2-5\)$"):
        take_by_topology(SINGLE_SOCKET_HT, {2, 3, 4, 5}, 6)
    with pytest.raises(NoFit, match="^needs 2 exclusive CPUs, none available$"):
        take_by_topology(SINGLE_SOCKET_HT, set(), 2)


@pytest.mark.parametrize("host,available,count,expected", [
    # cpu_assignment.go: whole NUMA nodes, then whole cores (fullest first), then threads;
    # each whole group ascending.  Cases of TestTakeByTopologyNUMAPacked, in take order.
    (DUAL_SOCKET_HT, "0-11", 8, (0, 2, 4, 6, 8, 10, 1, 7)),
    (DUAL_SOCKET_MULTI_NUMA_HT, "0-79", 64,
     tuple(sorted(cpus("0-19,40-59"))) + tuple(sorted(cpus("20-29,60-69"))) + (30, 70, 31, 71)),
    # "take two cpus ..., only one core totally free": the free core, not threads of others
    (SINGLE_SOCKET_HT, "0-3,6", 2, (2, 6)),
    # 3 CPUs from an idle single socket: core 0 whole, then the first thread of core 1
    (SINGLE_SOCKET_HT, "0-7", 3, (0, 4, 1)),
])
def test_take_order(host, available, count, expected):
    assert take_by_topology(host, cpus(available), count) == expected


def test_unknown_cpu_ids_are_ignored():
    # CPUDetails.KeepOnly keeps only the CPUs the topology has
    assert take_by_topology(SINGLE_SOCKET_HT, {0, 4, 99}, 2) == (0, 4)
    with pytest.raises(NoFit, match="only 2 available"):
        take_by_topology(SINGLE_SOCKET_HT, {0, 4, 99}, 3)


def test_host_data_is_accepted_as_well_as_a_host():
    data = host_data([(i, i % 2, i % 6, i % 2) for i in range(12)])
    assert take_by_topology(data, set(range(12)), 6) == (0, 2, 4, 6, 8, 10)


# -- policy_static.go: Allocate / allocateCPUs ------------------------------------------------

# TestStaticPolicyAdd; ``available`` is the test's stDefaultCPUSet less the reserved CPUs, which
# NewStaticPolicy takes with takeByTopology (numReservedCPUs 1 -> CPU 0 on these topologies).
# optionsInsensitiveTestCases: the same CPUs with and without FullPCPUsOnlyOption.
OPTIONS_INSENSITIVE = [
    ("GuPodMultipleCores, SingleSocketHT, ExpectAllocOneCore", SINGLE_SOCKET_HT, "1,4,5", 2,
     "1,5"),
    ("GuPodMultipleCores, DualSocketHT, ExpectAllocOneSocket", DUAL_SOCKET_HT, "1,3-11", 6,
     "1,3,5,7,9,11"),
    ("GuPodMultipleCores, DualSocketHT, ExpectAllocThreeCores", DUAL_SOCKET_HT, "2-4,6-11", 6,
     "2,3,4,8,9,10"),
    ("GuPodMultipleCores, DualSocketNoHT, ExpectAllocOneSocket", DUAL_SOCKET_NO_HT, "1,3-7", 4,
     "4-7"),
    ("GuPodMultipleCores, DualSocketNoHT, ExpectAllocFourCores", DUAL_SOCKET_NO_HT, "1,3,6,7", 4,
     "1,3,6,7"),
    ("GuPodMultipleCores, DualSocketHT, ExpectAllocOneSocketOneCore", DUAL_SOCKET_HT,
     "1,3-11", 8, "1,3,4,5,7,9,10,11"),
    ("GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocSock0", QUAD_SOCKET_FOUR_WAY_HT,
     QUAD_ALL - {3, 11, 4, 5, 6, 7}, 72, QUAD_SOCKET[0]),
    ("GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocAllFullCoresFromThreeSockets",
     QUAD_SOCKET_FOUR_WAY_HT, {1, 25, 13, 38, 2, 9, 11, 35, 23, 48, 12, 51, 53, 173, 113, 233, 54,
                               61}, 12, {1, 25, 13, 38, 11, 35, 23, 48, 53, 173, 113, 233}),
    ("GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocAllSock1+FullCore",
     QUAD_SOCKET_FOUR_WAY_HT, QUAD_SOCKET[1] | {10, 34, 22, 47, 53, 173, 61, 181, 108, 228, 115,
                                                235}, 76, QUAD_SOCKET[1] | {10, 34, 22, 47}),
]
# defaultOptionsTestCases that allocate
DEFAULT_OPTIONS = [
    ("GuPodSingleCore, SingleSocketHT, ExpectAllocOneCPU (sibling of partial core)",
     SINGLE_SOCKET_HT, "1-7", 1, "4"),
    ("GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocCPUs", QUAD_SOCKET_FOUR_WAY_HT,
     {10, 11, 53, 67, 52}, 5, {10, 11, 53, 67, 52}),
]


def as_set(value):
    return cpus(value) if isinstance(value, str) else value


@pytest.mark.parametrize("host,available,count,expected", [c[1:] for c in OPTIONS_INSENSITIVE],
                         ids=[c[0] for c in OPTIONS_INSENSITIVE])
@pytest.mark.parametrize("full_pcpus_only", [False, True])
def test_static_policy_add_options_insensitive(host, available, count, expected,
                                               full_pcpus_only):
    result = allocate(host, as_set(available), count, full_pcpus_only=full_pcpus_only)
    assert len(result) == count
    assert set(result) == as_set(expected)


@pytest.mark.parametrize("host,available,count,expected", [c[1:] for c in DEFAULT_OPTIONS],
                         ids=[c[0] for c in DEFAULT_OPTIONS])
def test_static_policy_add_default_options(host, available, count, expected):
    assert set(allocate(host, as_set(available), count)) == as_set(expected)


@pytest.mark.parametrize("host,available,count,message", [
    # TestStaticPolicyAdd defaultOptionsTestCases, upstream
    # "not enough cpus available to satisfy request: requested=N, available=M"
    (SINGLE_SOCKET_HT, "1-7", 8, "needs 8 exclusive CPUs, only 7 available (host CPUs 1-7)"),
    (DUAL_SOCKET_HT, "4-11", 10, "needs 10 exclusive CPUs, only 8 available (host CPUs 4-11)"),
    (SINGLE_SOCKET_HT, "7", 2, "needs 2 exclusive CPUs, only 1 available (host CPUs 7)"),
    (QUAD_SOCKET_FOUR_WAY_HT, "10,11,37,52,53,55,67", 76,
     "needs 76 exclusive CPUs, only 7 available (host CPUs 10-11,37,52-53,55,67)"),
])
def test_static_policy_add_not_enough(host, available, count, message):
    with pytest.raises(NoFit) as err:
        allocate(host, cpus(available), count)
    assert err.value.reason == message


# TestStaticPolicyAdd smtalignOptionTestCases (FullPCPUsOnlyOption "true")
def test_full_pcpus_only_refuses_a_partial_core():
    # "GuPodSingleCore, SingleSocketHT, ExpectAllocOneCPU": SMTAlignmentError{1, 2}
    with pytest.raises(SMTAlignmentError) as err:
        allocate(SINGLE_SOCKET_HT, cpus("1-7"), 1, full_pcpus_only=True)
    assert (err.value.requested, err.value.cpus_per_core) == (1, 2)
    assert err.value.available_physical is None
    assert "not a multiple of the 2 threads per core" in err.value.reason


def test_full_pcpus_only_smt_level_four():
    # "GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocOneCPUs": 15 CPUs, SMT 4
    with pytest.raises(SMTAlignmentError) as err:
        take_by_topology(QUAD_SOCKET_FOUR_WAY_HT, QUAD_ALL, 15, full_pcpus_only=True)
    assert (err.value.requested, err.value.cpus_per_core) == (15, 4)


def test_full_pcpus_only_counts_whole_free_cores():
    # "GuPodManyCores, topoDualSocketHT, ExpectDoNotAllocPartialCPU": reserved 1,6, default
    # 0,2-5,7-11: SMTAlignmentError{10, 2, AvailablePhysicalCPUs: 8, CausedByPhysicalCPUs}
    with pytest.raises(SMTAlignmentError) as err:
        allocate(DUAL_SOCKET_HT, cpus("0,2-5,7-11"), 10, full_pcpus_only=True)
    assert (err.value.requested, err.value.cpus_per_core, err.value.available_physical) == \
        (10, 2, 8)
    assert err.value.reason == ("needs 10 exclusive CPUs as whole cores (full-pcpus-only), only "
                                "8 CPUs are on fully free cores (host CPUs 2-5,8-11)")


def test_full_pcpus_only_takes_all_whole_cores():
    # "GuPodManyCores, topoDualSocketHT, AutoReserve, ExpectAllocAllCPUs" (reserved 0,6 taken by
    # takeByTopology) and "... ExpectAllocAllCPUs" (reservedCPUs 0,6 given): default 1-5,7-11
    assert set(allocate(DUAL_SOCKET_HT, cpus("1-5,7-11"), 10, full_pcpus_only=True)) == \
        cpus("1-5,7-11")


def test_full_pcpus_only_takes_whole_cores_in_the_aligned_pass():
    # Node 1 (odd CPUs) has core 1,7 free and a lone thread 3 (9 reserved, 5 and 11 in use).
    # allocateCPUs takes min(count, aligned) = 3 aligned CPUs, which the kubelet would make
    # 1,7 and the lone 3; with whole cores only, node 1 gives 1,7 and node 0 the core 0,6.
    available = cpus("0-4,6-8,10")
    assert allocate(DUAL_SOCKET_HT, available, 4, numa_affinity={1}) == (1, 7, 3, 0)
    assert allocate(DUAL_SOCKET_HT, available, 4, numa_affinity={1},
                    full_pcpus_only=True) == (1, 7, 0, 6)


def test_allocate_numa_affinity_first():
    # alignBySocketOptionTestCases "Align by socket: false, cpu's are taken strictly from NUMA
    # nodes in hint": default 2,11,21,22 (reserved 0), hint {0,2}, 2 CPUs -> 2,21
    result = allocate(DUAL_SOCKET_MULTI_NUMA_HT, {2, 11, 21, 22}, 2, numa_affinity={0, 2})
    assert set(result) == {2, 21}


def test_allocate_takes_the_rest_outside_the_affinity():
    # allocateCPUs: all 6 CPUs of node 0 first, then 2 more from node 1 (its core 1 whole)
    result = allocate(DUAL_SOCKET_HT, set(range(12)), 8, numa_affinity={0})
    assert result == (0, 2, 4, 6, 8, 10, 1, 7)
    # an affinity naming no node with free CPUs aligns nothing
    assert allocate(DUAL_SOCKET_HT, set(range(12)), 2, numa_affinity=set()) == (0, 6)


def test_allocate_reports_the_whole_shortfall():
    with pytest.raises(NoFit, match="needs 13 exclusive CPUs, only 12 available"):
        allocate(DUAL_SOCKET_HT, set(range(12)), 13, numa_affinity={0})


def test_zero_cpus_take_nothing():
    assert take_by_topology(DUAL_SOCKET_HT, set(), 0) == ()
    assert allocate(DUAL_SOCKET_HT, set(), 0, numa_affinity={0}) == ()
    assert take_by_topology(DUAL_SOCKET_HT, set(), 0, full_pcpus_only=True) == ()


# -- generateCPUTopologyHints (topology_hints_test.go) -----------------------------------------

def hint(nodes, preferred):
    return TopologyHint(None if nodes is None else frozenset(nodes), preferred)


CPU_HINTS = [
    # returnTestCases on returnMachineInfo: 4 CPUs free on node 0, 6 on node 1
    ("Request 2 CPUs, 4 available on NUMA 0, 6 available on NUMA 1", HINTS_MACHINE, "2-11", 2,
     [hint({0}, True), hint({1}, True), hint({0, 1}, False)]),
    ("Request 5 CPUs, 4 available on NUMA 0, 6 available on NUMA 1", HINTS_MACHINE, "2-11", 5,
     [hint({1}, True), hint({0, 1}, False)]),
    ("Request 7 CPUs, 4 available on NUMA 0, 6 available on NUMA 1", HINTS_MACHINE, "2-11", 7,
     [hint({0, 1}, True)]),
    ("Request 11 CPUs, 4 available on NUMA 0, 6 available on NUMA 1", HINTS_MACHINE, "2-11", 11,
     []),
    ("Request 2 CPUs, 1 available on NUMA 0, 1 available on NUMA 1", HINTS_MACHINE, "0,3", 2,
     [hint({0, 1}, False)]),
    ("Request more CPUs than available", HINTS_MACHINE, "0-3", 5, []),
    # "Regenerate ... if already allocated": the allocated CPUs are the available ones
    ("Regenerate Single-Node NUMA Hints if already allocated 1/2", HINTS_MACHINE, "0,6", 2,
     [hint({0}, True), hint({0, 1}, False)]),
    ("Regenerate Single-Node NUMA Hints if already allocated 2/2", HINTS_MACHINE, "3,9", 2,
     [hint({1}, True), hint({0, 1}, False)]),
    ("Regenerate Cross-NUMA Hints if already allocated", HINTS_MACHINE, "0-10", 11,
     [hint({0, 1}, True)]),
    # TestGetPodTopologyHintsWithPolicyOptions "AlignBySocket:false, Preferred hints does not
    # contains socket aligned hints": 4 nodes, every mask holding node 0 (CPUs 2,3) fits
    ("AlignBySocket:false", DUAL_SOCKET_MULTI_NUMA_HT, "2,3,11", 2,
     [hint({0}, True), hint({0, 1}, False), hint({0, 2}, False), hint({0, 3}, False),
      hint({0, 1, 2}, False), hint({0, 1, 3}, False), hint({0, 2, 3}, False),
      hint({0, 1, 2, 3}, False)]),
]


@pytest.mark.parametrize("host,available,count,expected", [c[1:] for c in CPU_HINTS],
                         ids=[c[0] for c in CPU_HINTS])
def test_cpu_hints(host, available, count, expected):
    # bitmask.IterateBitMasks order: narrower masks first, then lexicographic
    assert cpu_hints(host, cpus(available), count) == expected


def test_cpu_hints_preference_uses_all_cpus_not_free_ones():
    # minAffinitySize counts every CPU of a mask: node 1 has 6 CPUs in all, so a 5-CPU request
    # prefers one node even when no single node has 5 free.
    assert cpu_hints(HINTS_MACHINE, cpus("0-3,9-11"), 5) == [hint({0, 1}, False)]


def test_cpu_hints_no_request_no_preference():
    # GetTopologyHints returns nil for a container without exclusive CPUs
    assert cpu_hints(HINTS_MACHINE, cpus("0-11"), 0) == []


# -- the Topology Manager merge (topologymanager/policy_test.go) -------------------------------

NO_PREFERENCE = []  # a provider with no hints (upstream: nil hints map, or a nil resource list)
NOWHERE = [hint(None, False)]  # upstream: an empty, non-nil resource list

# commonPolicyMergeTestCases: the same verdict under best-effort, restricted, single-numa-node
COMMON_MERGE = [
    ("Two providers, 1 hint each, same mask, both preferred 1/2",
     [[hint({0}, True)], [hint({0}, True)]], hint({0}, True)),
    ("Two providers, 1 hint each, same mask, both preferred 2/2",
     [[hint({1}, True)], [hint({1}, True)]], hint({1}, True)),
    ("Two providers, 1 no hints, 1 single hint preferred 1/2",
     [NO_PREFERENCE, [hint({0}, True)]], hint({0}, True)),
    ("Two providers, 1 no hints, 1 single hint preferred 2/2",
     [NO_PREFERENCE, [hint({1}, True)]], hint({1}, True)),
    ("Two providers, 1 with 2 hints, 1 with single hint matching 1/2",
     [[hint({0}, True), hint({1}, True)], [hint({0}, True)]], hint({0}, True)),
    ("Two providers, 1 with 2 hints, 1 with single hint matching 2/2",
     [[hint({0}, True), hint({1}, True)], [hint({1}, True)]], hint({1}, True)),
    ("Two providers, both with 2 hints, matching narrower preferred hint from both",
     [[hint({0}, True), hint({1}, True)], [hint({0}, True), hint({0, 1}, False)]],
     hint({0}, True)),
    ("Ensure less narrow preferred hints are chosen over narrower non-preferred hints",
     [[hint({1}, True), hint({0, 1}, False)],
      [hint({0}, True), hint({1}, True), hint({0, 1}, False)]], hint({1}, True)),
    ("Multiple resources, same provider",
     [[hint({1}, True), hint({0, 1}, False)],
      [hint({0}, True), hint({1}, True), hint({0, 1}, False)]], hint({1}, True)),
]

# bestEffortPolicy.mergeTestCases (also restrictedPolicy's); ALL = the host's every node
ALL = "all"
BEST_EFFORT_MERGE = [
    ("Two providers, 2 hints each, same mask (some with different bits), same preferred",
     [[hint({0, 1}, True), hint({0, 2}, True)], [hint({0, 1}, True), hint({0, 2}, True)]],
     ({0, 1}, True)),
    ("TopologyHint not set", [], (ALL, True)),
    ("HintProvider returns empty non-nil map[string][]TopologyHint", [NO_PREFERENCE],
     (ALL, True)),
    ("HintProvider returns empty non-nil map[string][]TopologyHint from provider", [NOWHERE],
     (ALL, False)),
    ("Single TopologyHint with Preferred as true and NUMANodeAffinity as nil",
     [[hint(None, True)]], (ALL, True)),
    ("Single TopologyHint with Preferred as false and NUMANodeAffinity as nil",
     [[hint(None, False)]], (ALL, False)),
    ("Two providers, 1 hint each, no common mask", [[hint({0}, True)], [hint({1}, True)]],
     (ALL, False)),
    ("Two providers, 1 hint each, same mask, 1 preferred, 1 not 1/2",
     [[hint({0}, True)], [hint({0}, False)]], ({0}, False)),
    ("Two providers, 1 hint each, same mask, 1 preferred, 1 not 2/2",
     [[hint({1}, True)], [hint({1}, False)]], ({1}, False)),
    ("Two providers, 1 hint each, 1 wider mask, both preferred 1/2",
     [[hint({0}, True)], [hint({0, 1}, True)]], ({0}, False)),
    ("Two providers, 1 with 2 hints, 1 with single non-preferred hint matching",
     [[hint({0}, True), hint({1}, True)], [hint({0, 1}, False)]], ({0}, False)),
    ("Two providers, 1 hint each, 1 wider mask, both preferred 2/2",
     [[hint({1}, True)], [hint({0, 1}, True)]], ({1}, False)),
    ("bestNonPreferredAffinityCount (1)",
     [[hint({0, 1, 2, 3}, False), hint({0, 1}, False)], [hint({0, 1}, False)]],
     ({0, 1}, False)),
    ("bestNonPreferredAffinityCount (2)",
     [[hint({0, 1, 2, 3}, False), hint({0, 1}, False)], [hint({0, 3}, False)]],
     ({0, 3}, False)),
    ("bestNonPreferredAffinityCount (3)",
     [[hint({0, 1, 2, 3}, False), hint({0, 1}, False)], [hint({1, 2}, False)]],
     ({1, 2}, False)),
    ("bestNonPreferredAffinityCount (4)",
     [[hint({0, 1, 2, 3}, False), hint({0, 1}, False)], [hint({2, 3}, False)]],
     ({2, 3}, False)),
]

# bestEffortPolicy.mergeTestCasesNoPolicies: narrowest wins without prefer-closest-numa-nodes
NO_POLICY_OPTIONS_MERGE = [
    ("bestNonPreferredAffinityCount (5)",
     [[hint({0, 1, 2, 3}, False), hint({0, 1}, False)],
      [hint({1, 2}, False), hint({2, 3}, False)]], ({1, 2}, False)),
    ("bestNonPreferredAffinityCount (6)",
     [[hint({0, 1, 2, 3}, False), hint({0, 1}, False)],
      [hint({1, 2, 3}, False), hint({1, 2}, False), hint({1, 3}, False), hint({2, 3}, False)]],
     ({1, 2}, False)),
]

# bestEffortPolicy.mergeTestCasesClosestNUMA, on commonNUMAInfoEightNodes
CLOSEST_NUMA_MERGE = [
    ("Two providers, 2 hints each, same mask (some with different bits), same preferred",
     [[hint({0, 4}, True), hint({0, 2}, True)], [hint({0, 4}, True), hint({0, 2}, True)]],
     ({0, 2}, True)),
    ("Two providers, 2 hints each, different mask",
     [[hint({4}, True), hint({0, 2}, True)], [hint({4}, True), hint({0, 2}, True)]],
     ({4}, True)),
    ("bestNonPreferredAffinityCount (5)", NO_POLICY_OPTIONS_MERGE[0][1], ({2, 3}, False)),
    ("bestNonPreferredAffinityCount (6)", NO_POLICY_OPTIONS_MERGE[1][1], ({2, 3}, False)),
]

# singleNumaNodePolicy.mergeTestCases (None: the kubelet's nil affinity, "any node")
SINGLE_NUMA_MERGE = [
    ("TopologyHint not set", [], hint(None, True)),
    ("HintProvider returns empty non-nil map[string][]TopologyHint", [NO_PREFERENCE],
     hint(None, True)),
    ("HintProvider returns empty non-nil map[string][]TopologyHint from provider", [NOWHERE],
     hint(None, False)),
    ("Single TopologyHint with Preferred as true and NUMANodeAffinity as nil",
     [[hint(None, True)]], hint(None, True)),
    ("Single TopologyHint with Preferred as false and NUMANodeAffinity as nil",
     [[hint(None, False)]], hint(None, False)),
    ("Two providers, 1 hint each, no common mask", [[hint({0}, True)], [hint({1}, True)]],
     hint(None, False)),
    ("Two providers, 1 hint each, same mask, 1 preferred, 1 not 1/2",
     [[hint({0}, True)], [hint({0}, False)]], hint(None, False)),
    ("Two providers, 1 hint each, same mask, 1 preferred, 1 not 2/2",
     [[hint({1}, True)], [hint({1}, False)]], hint(None, False)),
    ("Two providers, 1 with 2 hints, 1 with single non-preferred hint matching",
     [[hint({0}, True), hint({1}, True)], [hint({0, 1}, False)]], hint(None, False)),
    ("Single NUMA hint generation",
     [[hint({0, 1}, True)], [hint({0}, True), hint({1}, True), hint({0, 1}, False)]],
     hint(None, False)),
    ("One no-preference provider",
     [[hint({0}, True), hint({1}, True), hint({0, 1}, False)], NO_PREFERENCE],
     hint({0}, True)),
]

FOUR_NODES = [0, 1, 2, 3]  # commonNUMAInfoFourNodes


def expected_hint(expected, nodes):
    node_set, preferred = expected
    return hint(set(nodes) if node_set == ALL else node_set, preferred)


@pytest.mark.parametrize("policy", ["best-effort", "restricted", "single-numa-node"])
@pytest.mark.parametrize("hint_lists,expected", [c[1:] for c in COMMON_MERGE],
                         ids=[c[0] for c in COMMON_MERGE])
def test_merge_common(policy, hint_lists, expected):
    assert merge_hints(policy, hint_lists, FOUR_NODES) == (expected, expected.preferred)


@pytest.mark.parametrize("policy", ["best-effort", "restricted"])
@pytest.mark.parametrize("hint_lists,expected", [c[1:] for c in BEST_EFFORT_MERGE],
                         ids=[c[0] for c in BEST_EFFORT_MERGE])
@pytest.mark.parametrize("closest", [False, True])
def test_merge_best_effort_and_restricted(policy, hint_lists, expected, closest):
    # TestPolicy{BestEffort,Restricted}Merge (4 nodes) and ...MergeClosestNUMA (8 nodes)
    nodes = EIGHT_NODES if closest else FOUR_NODES
    ids = range(8) if closest else FOUR_NODES
    best, admitted = merge_hints(policy, hint_lists, nodes, prefer_closest_numa=closest)
    assert best == expected_hint(expected, ids)
    # canAdmitPodResult: best-effort always; restricted only a preferred hint
    assert admitted is (True if policy == "best-effort" else best.preferred)


@pytest.mark.parametrize("policy", ["best-effort", "restricted"])
@pytest.mark.parametrize("hint_lists,expected", [c[1:] for c in NO_POLICY_OPTIONS_MERGE],
                         ids=[c[0] for c in NO_POLICY_OPTIONS_MERGE])
def test_merge_narrowest_without_options(policy, hint_lists, expected):
    assert merge_hints(policy, hint_lists, FOUR_NODES)[0] == expected_hint(expected, FOUR_NODES)
    # the option is ignored when the host gives no distances
    assert merge_hints(policy, hint_lists, FOUR_NODES, prefer_closest_numa=True)[0] == \
        expected_hint(expected, FOUR_NODES)


@pytest.mark.parametrize("policy", ["best-effort", "restricted"])
@pytest.mark.parametrize("hint_lists,expected", [c[1:] for c in CLOSEST_NUMA_MERGE],
                         ids=[c[0] for c in CLOSEST_NUMA_MERGE])
def test_merge_prefer_closest_numa_nodes(policy, hint_lists, expected):
    best = merge_hints(policy, hint_lists, EIGHT_NODES, prefer_closest_numa=True)[0]
    assert best == expected_hint(expected, range(8))


@pytest.mark.parametrize("hint_lists,expected", [c[1:] for c in SINGLE_NUMA_MERGE],
                         ids=[c[0] for c in SINGLE_NUMA_MERGE])
def test_merge_single_numa_node(hint_lists, expected):
    # TestPolicySingleNumaNodeMerge; canAdmitPodResult: only a preferred hint
    assert merge_hints("single-numa-node", hint_lists, FOUR_NODES) == (expected,
                                                                       expected.preferred)


def test_merge_single_numa_node_ignores_prefer_closest():
    # NewHintMerger: Closest only when the policy is not single-numa-node
    lists = [[hint({4}, True), hint({0}, True)]]
    assert merge_hints("single-numa-node", lists, EIGHT_NODES, prefer_closest_numa=True) == \
        (hint({0}, True), True)


def test_merge_policy_none_admits_without_affinity():
    # policy_none.go: TopologyHint{} and admit
    assert merge_hints("none", [[hint({0}, False)]]) == (None, True)


def test_merge_unknown_policy():
    with pytest.raises(VmpodInputError, match="is not a Topology Manager policy"):
        merge_hints("strict", [])


def test_merge_with_a_host_uses_all_its_nodes():
    data = host_data([(0, 0, 0, 0), (1, 0, 1, 1)])
    data["nodes"].append({"id": 2, "memory": "1Gi"})  # a memory-only node: in NUMAInfo.Nodes
    assert merge_hints("best-effort", [[hint({0}, True)], [hint({1}, True)]], data) == \
        (hint({0, 1, 2}, False), True)
    assert merge_hints("restricted", [NO_PREFERENCE], read_host(data)) == \
        (hint({0, 1, 2}, True), True)


def test_merge_without_nodes_uses_the_nodes_the_hints_name():
    # the CPU hints always include their widest mask, so it stands in for the host's nodes
    lists = [cpu_hints(HINTS_MACHINE, cpus("2-11"), 7)]
    assert merge_hints("restricted", lists) == (hint({0, 1}, True), True)
    lists = [[hint({0}, True)], [hint({1}, True)]]
    assert merge_hints("restricted", lists) == (hint({0, 1}, False), False)
    assert merge_hints("single-numa-node", lists) == (hint(None, False), False)
    # nothing names a node: "any node", preferred unless a resource fits nowhere
    assert merge_hints("restricted", [NO_PREFERENCE, [hint(None, True)]]) == \
        (hint(None, True), True)
    assert merge_hints("restricted", [NO_PREFERENCE, NOWHERE]) == (hint(None, False), False)
    assert merge_hints("best-effort", [NOWHERE]) == (hint(None, False), True)
    assert merge_hints("single-numa-node", []) == (hint(None, True), True)


@pytest.mark.parametrize("hints,expected", [
    # TestMaxOfMinAffinityCounts
    ([], 0),
    ([[(0, True)]], 0),
    ([[({0}, True)]], 1),
    ([[({0, 1}, True)]], 2),
    ([[({0, 1}, True), ({0, 1, 2}, True)]], 2),
    ([[({0, 1}, True), ({0, 1, 2}, True)], [({0, 1, 2}, True)]], 3),
    ([[({0, 1}, True), ({0, 1, 2}, True)], [({0, 1, 2}, True), ({0, 1, 2, 3}, True)]], 3),
])
def test_max_of_min_affinity_counts(hints, expected):
    masks = [[(mask if isinstance(mask, int) else tm._bits(mask), preferred)
              for mask, preferred in provider] for provider in hints]
    assert tm._max_of_min_affinity_counts(masks) == expected


COMPARE_NARROWEST = [
    # TestCompareHintsNarrowest: (best non-preferred count, current, candidate, winner)
    ("candidate.NUMANodeAffinity.Count() == 0 (1)", -1, None, (set(), False), "current"),
    ("candidate.NUMANodeAffinity.Count() == 0 (2)", -1, (set(), True), (set(), False), "current"),
    ("current == nil (1)", -1, None, ({0}, True), "candidate"),
    ("current == nil (2)", -1, None, ({0}, False), "candidate"),
    ("!current.Preferred && candidate.Preferred", -1, ({0}, False), ({0}, True), "candidate"),
    ("current.Preferred && !candidate.Preferred", -1, ({0}, True), ({0}, False), "current"),
    ("current.Preferred && candidate.Preferred (1)", -1, ({0}, True), ({0}, True), "current"),
    ("current.Preferred && candidate.Preferred (2)", -1, ({0, 1}, True), ({0}, True),
     "candidate"),
    ("current.Preferred && candidate.Preferred (3)", -1, ({0}, True), ({0, 1}, True), "current"),
    ("(1.1)", 1, ({0, 1}, False), ({0, 1}, False), "current"),
    ("(1.2)", 1, ({1, 2}, False), ({0, 1}, False), "candidate"),
    ("(1.3)", 1, ({0, 1}, False), ({1, 2}, False), "current"),
    ("(2.1)", 2, ({0, 1}, False), ({0}, False), "current"),
    ("(2.2)", 2, ({0, 1}, False), ({0, 1}, False), "current"),
    ("(2.3)", 2, ({1, 2}, False), ({0, 1}, False), "candidate"),
    ("(2.4)", 2, ({0, 1}, False), ({1, 2}, False), "current"),
    ("(3a)", 2, ({0}, False), ({0, 1, 2}, False), "current"),
    ("(3b)", 2, ({0}, False), ({0, 1}, False), "candidate"),
    ("(3ca.1)", 3, ({0}, False), ({0, 1}, False), "candidate"),
    ("(3ca.2)", 3, ({0}, False), ({1, 2}, False), "candidate"),
    ("(3ca.3)", 4, ({0, 1}, False), ({1, 2, 3}, False), "candidate"),
    ("(3cb)", 4, ({1, 2, 3}, False), ({0, 1}, False), "current"),
    ("(3cc.1)", 4, ({0, 1, 2}, False), ({0, 1, 2}, False), "current"),
    ("(3cc.2)", 4, ({0, 1, 2}, False), ({1, 2, 3}, False), "current"),
    ("(3cc.3)", 4, ({1, 2, 3}, False), ({0, 1, 2}, False), "candidate"),
]


@pytest.mark.parametrize("best,current,candidate,winner", [c[1:] for c in COMPARE_NARROWEST],
                         ids=[c[0] for c in COMPARE_NARROWEST])
def test_compare_hints_narrowest(best, current, candidate, winner):
    merger = tm._HintMerger(0, [], tm._narrowest)
    merger.best_non_preferred = best
    current = None if current is None else (tm._bits(current[0]), current[1])
    candidate = (tm._bits(candidate[0]), candidate[1])
    result = merger.compare(current, candidate)
    assert result is (current if winner == "current" else candidate)


# -- properties -------------------------------------------------------------------------------

AVAILABLE_128 = st.sets(st.integers(0, 127), min_size=1)


@settings(max_examples=150, deadline=None)
@given(AVAILABLE_128, st.data())
def test_takes_exactly_count_distinct_available_cpus(available, data):
    count = data.draw(st.integers(0, len(available)))
    result = take_by_topology(TWO_SOCKET_128, available, count)
    assert len(result) == count == len(set(result))
    assert set(result) <= available


# A hybrid host: P-cores (0,1) (2,3) with two threads, E-cores 4-7 with one; the kubelet's
# CPUsPerCore is 8 // 6 = 1.
HYBRID = read_host(host_data([(0, 0, 0, 0), (1, 0, 0, 0), (2, 0, 1, 0), (3, 0, 1, 0),
                              (4, 0, 4, 0), (5, 0, 5, 0), (6, 0, 6, 0), (7, 0, 7, 0)]))
# Sockets and nodes overlapping without nesting: socket 0 = CPUs 0-3, socket 1 = 4-7,
# node 0 = 0,1,4,5, node 1 = 2,3,6,7 (siblings i, i+8).
CROSSED = read_host(host_data([(i, (i % 8) // 4, i % 8, (i % 4) // 2) for i in range(16)]))


def test_hybrid_host_never_hands_out_a_busy_thread():
    # isCoreFree counts core 0 "free" with one thread (CPUsPerCore 1) and takeFullCores then takes
    # CPUsInCores(0) = 0,1 although 1 is busy; only its free thread is taken here.
    assert take_by_topology(HYBRID, set(range(8)) - {1}, 2) == (0, 4)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([HYBRID, CROSSED, TRIPLE_SOCKET_HT, FAKE_MULTI_SOCKET_PER_NUMA_HT]),
       st.data())
def test_odd_topologies_take_count_available_cpus(host, data):
    available = data.draw(st.sets(st.sampled_from(sorted(host.cpu_by_id)), min_size=1))
    count = data.draw(st.integers(0, len(available)))
    result = take_by_topology(host, available, count)
    assert len(result) == count == len(set(result)) and set(result) <= available


def test_crossed_sockets_and_nodes():
    # numaFirst (2 sockets >= 2 nodes), CPU 12 busy: node 0 (7 free) before node 1 (8); its
    # sockets fullest first, socket 1 (7 free) before socket 0 (8); in socket 1 core 4 is
    # partial, so whole cores 5,13 and 6,14.  (Upstream lists each socket once per node it
    # spans; the first picks are the same.)
    assert take_by_topology(CROSSED, set(range(16)) - {12}, 4) == (5, 13, 6, 14)


@settings(max_examples=150, deadline=None)
@given(AVAILABLE_128, st.data())
def test_full_pcpus_only_takes_whole_cores(available, data):
    whole = {c for c in available if {c % 64, c % 64 + 64} <= available}
    count = 2 * data.draw(st.integers(0, len(whole) // 2))
    result = set(allocate(TWO_SOCKET_128, available, count,
                          numa_affinity=data.draw(st.sampled_from([None, {0}, {1}])),
                          full_pcpus_only=True))
    assert len(result) == count
    assert all({c % 64, c % 64 + 64} <= result for c in result)


@settings(max_examples=150, deadline=None)
@given(AVAILABLE_128, st.sampled_from([{0}, {1}, {0, 1}]), st.data())
def test_allocate_fills_the_affinity_first(available, affinity, data):
    count = data.draw(st.integers(0, len(available)))
    aligned = {c for c in available if (c % 64) // 32 in affinity}
    result = allocate(TWO_SOCKET_128, available, count, numa_affinity=affinity)
    assert len(result) == count and set(result) <= available
    first = min(count, len(aligned))
    assert set(result[:first]) <= aligned
    assert len(set(result) & aligned) == first


@settings(max_examples=100, deadline=None)
@given(AVAILABLE_128, st.integers(1, 130))
def test_cpu_hints_are_the_masks_that_fit(available, count):
    hints = cpu_hints(TWO_SOCKET_128, available, count)
    free = {0: len([c for c in available if (c % 64) // 32 == 0])}
    free[1] = len(available) - free[0]
    fitting = [m for m in ({0}, {1}, {0, 1}) if sum(free[n] for n in m) >= count]
    assert [set(h.nodes) for h in hints] == fitting
    narrowest = 1 if count <= 64 else 2  # each node has 64 CPUs in all
    assert [h.preferred for h in hints] == [len(m) == narrowest for m in fitting]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.tuples(st.one_of(st.none(), st.sets(st.integers(0, 3), min_size=1)),
                                   st.booleans()), max_size=4), max_size=3),
       st.sampled_from(["best-effort", "restricted", "single-numa-node"]))
def test_merge_admits_as_its_policy_says(lists, policy):
    hint_lists = [[hint(nodes, preferred) for nodes, preferred in provider] for provider in lists]
    best, admitted = merge_hints(policy, hint_lists, FOUR_NODES)
    assert admitted is (True if policy == "best-effort" else best.preferred)
    if best.nodes is not None:
        assert best.nodes and best.nodes <= set(FOUR_NODES)
    if policy == "single-numa-node" and best.nodes is not None:
        assert len(best.nodes) == 1
