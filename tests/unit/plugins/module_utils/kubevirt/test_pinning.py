# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for ``pinning``: vCPU, emulator and IOThread pins and passthrough NUMA cells.

Expected values are NOT produced by the engine. They are transcribed from KubeVirt's tests
(kubevirt/kubevirt at d923fdb8; each case names its upstream test), or, where marked
"rule:", worked by hand from the Go code named in the comment.

KubeVirt's ``vcpu_test.go`` builds hosts with ``hostTopology(cellCount, threadsPerCore,
threads...)``: CPUs in the listed (unsorted) order, cut into cores of ``threadsPerCore`` and into
cells. The pool depends only on that order and on which CPUs the Pod has, while ``read_host``
(like libvirt) lists a cell's CPUs by id. ``kubevirt_host`` therefore renames the CPU at position
``i`` of the list to id ``2 * i``: order and cores are kept, and no two siblings get consecutive
ids (libvirt would print those as a range KubeVirt drops, see the siblings tests). Expected pins
are renamed the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import EVEN_PARITY_ANNOTATION
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.guest_numa import passthrough_cells
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.iothreads import iothread_count as _iothread_count
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.cpu_pool import CpuPool, _cores_per_cell, _cores_per_cell_walked
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pinning import (
    VcpuPins, cputune, emulator_cpu_count, emulator_cpus, iothread_pins, pin_vcpus)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi

MI = 1048576
THREADS = (1, 7, 0, 6, 2, 8, 3, 9, 4, 10, 5, 11)  # vcpu_test.go defaultArgs().threads
VCPU_TEST = "vcpu/vcpu_test.go"
CONVERTER_TEST = "converter/converter_test.go"
NUMA_TEST = "vcpu/numa_placement_test.go"


def iothread_count(obj):
    """The domain's IOThreads of a VMI given as data."""
    return _iothread_count(read_vmi(obj))


def kubevirt_host(cell_count, threads_per_core, threads=THREADS):
    """vcpu_test.go hostTopology as host data; returns (host, rename)."""
    rename = dict((cpu, 2 * index) for index, cpu in enumerate(threads))
    per_cell = len(threads) // cell_count
    per_cell -= per_cell % threads_per_core
    cpus = []
    cell = assigned = 0
    for core, start in enumerate(range(0, len(threads), threads_per_core)):
        for cpu in threads[start:start + threads_per_core]:
            cpus.append({"id": rename[cpu], "socket": cell, "core": core, "node": cell})
            assigned += 1
        if assigned >= per_cell:
            assigned = 0
            cell = (cell + 1) % cell_count
    nodes = [{"id": node} for node in range(cell_count)]
    return read_host({"cpus": cpus, "nodes": nodes}), rename


def flat_host(cpu_ids, node=0):
    """A one-cell host whose CPUs list no siblings (the converter tests' topologies)."""
    return read_host({"cpus": [{"id": cpu, "node": node} for cpu in cpu_ids],
                      "nodes": [{"id": node}]})


def two_socket_host(cores_per_socket=32):
    """2 sockets x N cores x 2 threads, Linux numbering: cpu c and c + 2N are siblings."""
    total = 2 * cores_per_socket
    cpus = []
    for cpu in range(2 * total):
        core = cpu % total
        socket = core // cores_per_socket
        cpus.append({"id": cpu, "socket": socket, "core": core, "node": socket})
    nodes = [{"id": 0, "memory": "256Gi", "distances": [10, 21]},
             {"id": 1, "memory": "256Gi", "distances": [21, 10]}]
    return read_host({"cpus": cpus, "nodes": nodes})


# ---------------------------------------------------------------------------------------------
# vCPU pinning: vcpu_test.go

# (host threads per core, cells, vCPU cores, vCPU threads per core, CPUTuneThreads or None for
# the default, which is THREADS itself); generated for NewRelaxedCPUPool and NewStrictCPUPool
BOTH_POOLS = [
    (1, 1, 12, 1, None), (1, 2, 12, 1, None), (1, 3, 12, 1, None), (1, 4, 12, 1, None),
    (1, 1, 6, 2, None), (1, 2, 6, 2, None), (1, 3, 6, 2, None),
    (1, 1, 4, 3, None), (1, 2, 4, 3, None),
    (2, 1, 12, 1, None), (2, 2, 12, 1, None), (2, 3, 12, 1, None),
    (2, 4, 12, 1, [1, 7, 4, 10, 0, 6, 5, 11, 2, 8, 3, 9]),
    (2, 1, 6, 2, None), (2, 2, 6, 2, None), (2, 3, 6, 2, None),
    (2, 1, 4, 3, None), (2, 2, 4, 3, None),
    (3, 1, 12, 1, None), (3, 2, 12, 1, None),
    (3, 3, 12, 1, [1, 7, 0, 10, 5, 11, 6, 2, 8, 3, 9, 4]),
    (3, 4, 12, 1, None),
    (3, 1, 6, 2, [1, 7, 6, 2, 3, 9, 10, 5, 0, 8, 4, 11]),
    (3, 2, 6, 2, [1, 7, 6, 2, 3, 9, 10, 5, 0, 8, 4, 11]),
    (3, 1, 4, 3, None), (3, 2, 4, 3, None),
    (3, 3, 4, 3, [1, 7, 0, 10, 5, 11, 6, 2, 8, 3, 9, 4]),
]
RELAXED_ONLY = [
    (1, 3, 4, 3, [1, 7, 0, 2, 8, 3, 4, 10, 5, 6, 9, 11]),
    (2, 3, 4, 3, [1, 7, 0, 2, 8, 3, 4, 10, 5, 6, 9, 11]),
    (3, 3, 6, 2, [1, 7, 10, 5, 6, 2, 3, 9, 0, 11, 8, 4]),
]
STRICT_FAILS = [(1, 3, 4, 3), (2, 3, 4, 3), (3, 3, 6, 2)]

POSITIVE = (
    [pytest.param(case, strict, id="%s generatePositiveCPUPinningTests %s %s entry %d"
                  % (VCPU_TEST, "strict" if strict else "relaxed", case[:4], index))
     for strict in (False, True) for index, case in enumerate(BOTH_POOLS)]
    + [pytest.param(case, False, id="%s generatePositiveCPUPinningTests NewRelaxedCPUPool %s"
                    % (VCPU_TEST, case[:4])) for case in RELAXED_ONLY])


@pytest.mark.parametrize("case, strict", POSITIVE)
def test_vcpus_follow_host_cores(case, strict):
    host_threads, cells, cores, threads, expected = case
    host, rename = kubevirt_host(cells, host_threads)
    pins = pin_vcpus(host, sorted(rename.values()), 1, cores, threads, strict=strict)
    assert pins == [rename[cpu] for cpu in (expected or THREADS)]


@pytest.mark.parametrize("case", [
    pytest.param(case, id="%s generateNegativeCPUPinningTests NewStrictCPUPool %s"
                 % (VCPU_TEST, case)) for case in STRICT_FAILS])
def test_strict_pool_keeps_guest_cores_in_one_cell(case):
    host_threads, cells, cores, threads = case
    host, rename = kubevirt_host(cells, host_threads)
    with pytest.raises(NoFit, match="without crossing numa cell boundaries"):
        pin_vcpus(host, sorted(rename.values()), 1, cores, threads, strict=True)


def test_host_listing_order_decides_not_the_cpuset_order():
    # vcpu_test.go "should depend on the host topology reporting order for stable results with
    # random shuffled cpusets"
    threads = [1, 7, 0, 6, 2, 8, 3, 9, 4, 10, 5, 11]
    host, rename = kubevirt_host(1, 2, threads)
    for seed in range(10):
        pod = list(rename.values())
        random.Random(seed).shuffle(pod)
        assert pin_vcpus(host, pod, 1, 12, 1) == [rename[cpu] for cpu in threads]


def test_too_few_pod_cpus():
    # vcpu_test.go "should fail assigning vCPUs if there are not enough cores reserved"
    host, rename = kubevirt_host(1, 2)
    with pytest.raises(NoFit, match=r"not enough exclusive threads provided, could not fit 1 "
                                    r"core\(s\): 12 vCPUs .* 11 pCPUs"):
        pin_vcpus(host, [rename[cpu] for cpu in range(11)], 1, 12, 1)


def test_strict_pool_refuses_a_core_across_cells():
    # vcpu_test.go "should fail assigning vCPUs with the strict policy if cores can't fully be
    # place on a numa node"
    host, rename = kubevirt_host(2, 3, [1, 7, 0, 6, 2, 8])
    with pytest.raises(NoFit, match=r"could not fit 1 core\(s\) without crossing numa cell "
                                    r"boundaries for individual cores"):
        pin_vcpus(host, sorted(rename.values()), 1, 3, 2, strict=True)


def test_relaxed_pool_lets_a_core_cross_cells():
    # vcpu_test.go "should pass assigning vCPUs with the relaxed policy if cores can't fully be
    # place on a numa node" (upstream's cpuset also names 0-11 absent from the topology, which
    # cpuChunksToCells ignores; here the Pod names only host CPUs)
    host, rename = kubevirt_host(2, 3, [1, 7, 0, 6, 2, 8])
    pins = pin_vcpus(host, sorted(rename.values()), 1, 3, 2)
    assert pins == [rename[cpu] for cpu in [1, 7, 6, 2, 0, 8]]


@pytest.mark.parametrize("host_threads, pod, expected", [
    pytest.param(1, list(range(12)), [1, 7, 0, 6, 2, 8, 3, 9, 4, 10, 5, 11],
                 id=VCPU_TEST + " should pick individual threads: 1 thread per host cpu"),
    pytest.param(2, list(range(2, 12)), [7, 6, 2, 8, 3, 9, 4, 10, 5, 11],
                 id=VCPU_TEST + " should pick individual threads: missing CPUs (1, 0)"),
])
def test_fit_thread_takes_loose_threads_first(host_threads, pod, expected):
    host, rename = kubevirt_host(2, host_threads)
    pool = CpuPool(host, [rename[cpu] for cpu in pod], cores=1, threads=2)
    taken = []
    thread = pool.fit_thread()
    while thread is not None:
        taken.append(thread)
        thread = pool.fit_thread()
    assert taken == [rename[cpu] for cpu in expected]


# ---------------------------------------------------------------------------------------------
# Siblings as KubeVirt reads them from libvirt, and other rules found only in the code

def test_consecutive_siblings_are_lost_in_libvirts_range_text():
    # rule: libvirt prints siblings {0,1} as "0-1"; virt-handler options.go
    # convertListOfIntStringToSlice drops items that are not one integer, so vcpu.go
    # cpuChunksToCells sees every thread as its own core: the loose threads are taken in id order
    paired = read_host({"cpus": [{"id": cpu, "core": cpu // 2} for cpu in range(6)],
                        "nodes": [{"id": 0}]})
    assert pin_vcpus(paired, [0, 1, 3, 4, 5], 1, 2, 2) == [0, 1, 3, 4]
    # the same cores numbered 0/3, 1/4, 2/5 ("0,3") keep their siblings: whole cores go first
    spread = read_host({"cpus": [{"id": cpu, "core": cpu % 3} for cpu in range(6)],
                        "nodes": [{"id": 0}]})
    assert pin_vcpus(spread, [0, 3, 4, 2, 5], 1, 2, 2) == [0, 3, 2, 5]


def test_mixed_sibling_text_follows_kubevirts_walk():
    # rule: siblings {0,1,4} print as "0-1,4": KubeVirt keeps [4] for CPUs 0, 1 and 4, so CPU 0
    # meets core [4], CPU 1 (not visited) meets [4] again, and 0 and 1 are never offered
    host = read_host({"cpus": [{"id": 0, "core": 0}, {"id": 1, "core": 0}, {"id": 4, "core": 0},
                               {"id": 2, "core": 1}, {"id": 3, "core": 2}],
                      "nodes": [{"id": 0}]})
    assert _cores_per_cell(host, frozenset([0, 1, 2, 3, 4])) == [[[4], [4], [2], [3]]]


def test_relaxed_pool_leaves_the_last_vcpus_unpinned_when_short_of_whole_cores():
    # rule: vcpu.go fitUnbound returns the missing threads divided by threadsPerCore, rounded
    # down; 1 thread missing of a 2-thread core counts as 0 cores, so FitCores succeeds with 3
    # pins for 4 vCPUs and vCPU 3 keeps no vcpupin
    host = flat_host(range(3))
    pins = pin_vcpus(host, [0, 1, 2], 1, 2, 2)
    assert pins == [0, 1, 2] and pins.vcpus() == 4
    with pytest.raises(NoFit, match=r"could not fit 1 core\(s\)"):
        pin_vcpus(host, [0, 1], 1, 2, 2)  # 2 threads missing make a whole core


def test_fast_grouping_matches_kubevirts_walk():
    # invariant: the Pod-only grouping equals cpuChunksToCells walked over every host CPU
    rng = random.Random(7)
    for trial in range(200):
        threads_per_core = rng.choice([1, 2, 4])
        nodes = rng.choice([1, 2, 4])
        cores = nodes * rng.randint(1, 6)
        consecutive = rng.random() < 0.5
        cpus = []
        for core in range(cores):
            for thread in range(threads_per_core):
                cpu = core * threads_per_core + thread if consecutive else thread * cores + core
                cpus.append({"id": cpu, "core": core, "node": core * nodes // cores})
        host = read_host({"cpus": cpus, "nodes": [{"id": node} for node in range(nodes)]})
        pod = frozenset(cpu["id"] for cpu in cpus if rng.random() < 0.6)
        walked = [[core for core in cell if core] for cell in _cores_per_cell_walked(host, pod)]
        assert _cores_per_cell(host, pod) == [cell for cell in walked if cell], trial


def test_pins_are_distinct_pod_cpus_and_emulator_stays_apart():
    # invariant of FitCores / FitThread: every pCPU is handed out once
    host = two_socket_host(8)
    rng = random.Random(3)
    for trial in range(100):
        threads = rng.choice([1, 2])
        cores = rng.randint(1, 6)
        pod = rng.sample(range(32), cores * threads + 2)
        try:
            plan = cputune(host, pod, 1, cores, threads, strict=rng.random() < 0.5,
                           isolate_emulator=True, even_parity=True)
        except NoFit:
            continue
        used = list(plan["vcpus"]) + list(plan["emulator"])
        assert len(set(used)) == len(used) and set(used) <= set(pod), trial


# ---------------------------------------------------------------------------------------------
# Emulator thread and IOThreads: converter_test.go, vcpu_test.go

SUPPLEMENTAL = "Correctly handle supplementalPool with dedicated cpus: "


@pytest.mark.parametrize("parity, isolate, vcpus, iothreads, vcpu_pins, io_pins, emulator", [
    pytest.param(False, False, 2, 2, [5, 6], {1: (7,), 2: (8,)}, (),
                 id=CONVERTER_TEST + " " + SUPPLEMENTAL + "no emulator thread isolation"),
    pytest.param(False, True, 2, 2, [5, 6], {1: (7,), 2: (8,)}, (9,),
                 id=CONVERTER_TEST + " " + SUPPLEMENTAL + "parity disabled, one extra CPU"),
    pytest.param(True, True, 3, 2, [5, 6, 7], {1: (8,), 2: (9,)}, (10,),
                 id=CONVERTER_TEST + " " + SUPPLEMENTAL + "parity enabled, odd CPUs"),
    pytest.param(True, True, 2, 2, [5, 6], {1: (7,), 2: (8,)}, (9, 10),
                 id=CONVERTER_TEST + " " + SUPPLEMENTAL + "parity enabled, even CPUs"),
    pytest.param(True, True, 1, 1, [5], {1: (6,)}, (7, 8),
                 id=CONVERTER_TEST + " " + SUPPLEMENTAL + "parity enabled, even with io+cpu"),
])
def test_supplemental_pool_takes_pcpus_before_the_emulator(parity, isolate, vcpus, iothreads,
                                                           vcpu_pins, io_pins, emulator):
    host = flat_host(range(5, 13))
    plan = cputune(host, "5-12", vcpus, 1, 1, isolate_emulator=isolate, even_parity=parity,
                   iothreads=iothreads, policy="supplementalPool")
    assert plan == {"vcpus": vcpu_pins, "emulator": emulator, "iothreads": io_pins}
    # the same through the one-rule functions, with the pool pin_vcpus kept and replayed
    kept = pin_vcpus(host, "5-12", vcpus, 1, 1)
    replayed = VcpuPins(list(kept), kept.cores, kept.threads, kept.strict)
    for pins in (kept, replayed):
        assert iothread_pins(host, "5-12", pins, iothreads, "supplementalPool") == io_pins
        if isolate:
            count = emulator_cpu_count(vcpus, iothreads, parity)
            assert emulator_cpus(host, "5-12", pins, count, iothreads) == emulator


EMULATOR = "Correctly handle IsolateEmulatorThread with dedicated cpus: "


@pytest.mark.parametrize("cores, pod, parity, expected", [
    # upstream checks the count and that it misses the vCPUs; the pCPU is the rule's next one
    pytest.param(2, [5, 6, 7], False, (7,),
                 id=CONVERTER_TEST + " " + EMULATOR + "parity disabled, one extra CPU"),
    pytest.param(5, list(range(5, 11)), True, (10,),
                 id=CONVERTER_TEST + " " + EMULATOR + "parity enabled, odd CPUs"),
    pytest.param(6, list(range(5, 13)), True, (11, 12),
                 id=CONVERTER_TEST + " " + EMULATOR + "parity enabled, even CPUs"),
])
def test_emulator_takes_the_next_pcpus(cores, pod, parity, expected):
    host = flat_host(pod)
    pins = pin_vcpus(host, pod, 1, cores, 1)
    count = emulator_cpu_count(cores, even_parity=parity)
    assert emulator_cpus(host, pod, pins, count) == expected


@pytest.mark.parametrize("cores, pod, parity, message", [
    pytest.param(2, [5, 6], False, "no CPU allocated for the emulation thread",
                 id=CONVERTER_TEST + " " + EMULATOR + "parity disabled, not enough CPUs"),
    pytest.param(3, [5, 6, 7], True, "no CPU allocated for the emulation thread",
                 id=CONVERTER_TEST + " " + EMULATOR + "parity enabled, not enough (odd CPUs)"),
    pytest.param(2, [5, 6, 7], True, "no second CPU allocated for the emulation thread",
                 id=CONVERTER_TEST + " " + EMULATOR + "parity enabled, not enough (even CPUs)"),
])
def test_emulator_without_a_spare_pcpu(cores, pod, parity, message):
    host = flat_host(pod)
    pins = pin_vcpus(host, pod, 1, cores, 1)
    count = emulator_cpu_count(cores, even_parity=parity)
    with pytest.raises(NoFit, match=message):
        emulator_cpus(host, pod, pins, count)


def test_iothreads_split_the_vcpus_pcpus_in_runs():
    # converter_test.go "assigns a set of cpus per iothread, if there are more vcpus than
    # iothreads"
    host = flat_host(range(5, 21))
    pins = pin_vcpus(host, "5-20", 1, 16, 1)
    assert iothread_pins(host, "5-20", pins, 6) == {
        1: (5, 6, 7), 2: (8, 9, 10), 3: (11, 12, 13), 4: (14, 15, 16), 5: (17, 18), 6: (19, 20)}


def test_iothreads_wrap_over_the_vcpus_pcpus():
    # converter_test.go "should pack iothreads equally on available vcpus, if there are more
    # iothreads than vcpus"
    host = flat_host([5, 6])
    pins = pin_vcpus(host, [5, 6], 1, 2, 1)
    expected = {1: (6,), 2: (5,), 3: (6,), 4: (5,), 5: (6,), 6: (5,)}
    assert iothread_pins(host, [5, 6], pins, 6) == expected
    assert iothread_pins(host, [5, 6], [5, 6], 6) == expected  # a plain list does here


def test_iothread_and_emulator_share_the_isolated_pcpu():
    # converter_test.go "Should place io and emulator threads on the same pcpu with auto
    # ioThreadsPolicy": 2 IOThreads, only IOThread 1 pinned, to the emulator's pCPU
    vmi = {"spec": {"domain": {
        "ioThreadsPolicy": "auto",
        "cpu": {"cores": 1, "dedicatedCpuPlacement": True, "isolateEmulatorThread": True},
        "devices": {"disks": [{"name": "disk0"}, {"name": "disk1"},
                              {"name": "ded2", "dedicatedIOThread": True}]}}}}
    assert iothread_count(vmi) == 2
    plan = cputune(flat_host([0, 1]), [0, 1], 1, 1, 1, isolate_emulator=True,
                   iothreads=2, policy="auto")
    assert plan == {"vcpus": [0], "emulator": (1,), "iothreads": {1: (1,)}}


def test_dedicated_iothread_without_isolation_gets_all_vcpu_pcpus():
    # vcpu_test.go "should pin IOThreads with dedicatedIOThread and dedicatedCPU but without
    # isolateEmulatorThread": one IOThreadPin, no EmulatorPin (its cpuset by the run rule)
    vmi = {"spec": {"domain": {
        "cpu": {"sockets": 8, "cores": 1, "threads": 1, "dedicatedCpuPlacement": True},
        "devices": {"disks": [{"name": "rootdisk", "dedicatedIOThread": True,
                               "disk": {"bus": "virtio"}}]}}}}
    count = iothread_count(vmi)
    plan = cputune(flat_host(range(8)), "0-7", 8, 1, 1, iothreads=count)
    assert plan["emulator"] == () and plan["iothreads"] == {1: tuple(range(8))}


def test_iothreads_need_a_domain_iothread_count():
    # rule: vcpu.go FormatDomainIOThreadPin fails "domain is missing IOThreads" when the VMI has
    # an ioThreadsPolicy (HasIOThreads) but no disk, so GetIOThreadsCountType gave 0
    host = flat_host([0, 1])
    with pytest.raises(NoFit, match="domain is missing IOThreads"):
        cputune(host, [0, 1], 1, 2, 1, iothreads=0, policy="shared")
    assert cputune(host, [0, 1], 1, 2, 1)["iothreads"] == {}


def test_supplemental_iothread_without_a_spare_pcpu():
    # rule: vcpu.go formatDomainIOThreadSupplementalPin, FitThread fails
    with pytest.raises(NoFit, match="no CPU allocated for the iothread"):
        cputune(flat_host([0, 1, 2]), [0, 1, 2], 1, 2, 1, iothreads=2,
                policy="supplementalPool")


def test_replay_needs_the_pins_pin_vcpus_made():
    host = flat_host(range(4))
    with pytest.raises(TypeError):
        emulator_cpus(host, "0-3", [0, 1], 1)
    with pytest.raises(ValueError):
        emulator_cpus(host, "0-3", VcpuPins([2, 3], 2, 1, False), 1)


def test_even_parity_annotation_name():
    # staging/src/kubevirt.io/api/core/v1/types.go EmulatorThreadCompleteToEvenParity
    assert EVEN_PARITY_ANNOTATION == "alpha.kubevirt.io/EmulatorThreadCompleteToEvenParity"


# ---------------------------------------------------------------------------------------------
# IOThread count: converter_test.go, iothreads_test.go

SEVEN_DISKS = ([{"name": "dedicated", "dedicatedIOThread": True},
                {"name": "shared", "dedicatedIOThread": False}]
               + [{"name": "omitted%d" % index} for index in range(1, 6)])
SIX_DISKS = ([{"name": "disk0", "dedicatedIOThread": True},
              {"name": "ded2", "dedicatedIOThread": True}]
             + [{"name": "shr%d" % index} for index in range(1, 5)])


def vmi_with(disks, policy=None, cpu=None, supplemental=None):
    domain = {"devices": {"disks": disks}}
    if policy:
        domain["ioThreadsPolicy"] = policy
    if cpu is not None:
        domain["resources"] = {"requests": {"cpu": cpu}}
    if supplemental is not None:
        domain["ioThreads"] = {"supplementalPoolThreadCount": supplemental}
    return {"spec": {"domain": domain}}


USE_POLICIES = CONVERTER_TEST + " Should use correct IOThreads policies: "
HONOR_AUTO = CONVERTER_TEST + " should honor auto ioThreadPolicy "


@pytest.mark.parametrize("vmi, expected", [
    pytest.param(vmi_with(SEVEN_DISKS, "shared", "1"), 2, id=USE_POLICIES + "shared 1 CPU"),
    pytest.param(vmi_with(SEVEN_DISKS, "shared", "2"), 2, id=USE_POLICIES + "shared 2 CPUs"),
    pytest.param(vmi_with(SEVEN_DISKS, "shared", "2"), 2, id=USE_POLICIES + "shared 3 CPUs"),
    pytest.param(vmi_with(SEVEN_DISKS, "auto", "1"), 2, id=USE_POLICIES + "auto 1 CPU"),
    pytest.param(vmi_with(SEVEN_DISKS, "auto", "2"), 4, id=USE_POLICIES + "auto 2 CPUs"),
    pytest.param(vmi_with(SEVEN_DISKS, "auto", "3"), 6, id=USE_POLICIES + "auto 3 CPUs"),
    pytest.param(vmi_with(SEVEN_DISKS, "auto", "4"), 7, id=USE_POLICIES + "auto 4 CPUs"),
    pytest.param(vmi_with(SEVEN_DISKS, "auto", "5"), 7, id=USE_POLICIES + "auto 5 CPUs"),
    pytest.param(vmi_with([{"name": "dedicated", "dedicatedIOThread": True},
                           {"name": "shared", "dedicatedIOThread": False},
                           {"name": "incompatible", "disk": {"bus": "sata"}}]), 2,
                 id=CONVERTER_TEST + " Should not add IOThreads to non-virtio disks"),
    pytest.param(vmi_with([{"name": "disk0", "dedicatedIOThread": True}], "supplementalPool",
                          supplemental=4), 4,
                 id=CONVERTER_TEST + " Should set the iothread pool with the supplementalPool"),
    pytest.param(vmi_with([{"name": "disk0"}], "shared"), 1,
                 id=CONVERTER_TEST + " Should honor shared ioThreadsPolicy for single disk"),
    pytest.param(vmi_with([{"name": "disk0", "dedicatedIOThread": True}, {"name": "shr1"},
                           {"name": "shr2"}], "shared"), 2,
                 id=CONVERTER_TEST + " Should honor a mix of shared and dedicated"),
    pytest.param(vmi_with(SIX_DISKS, "auto", "1"), 3, id=HONOR_AUTO + "for one CPU"),
    pytest.param(vmi_with(SIX_DISKS, "auto", "2"), 4, id=HONOR_AUTO + "for two CPUs"),
    pytest.param(vmi_with(SIX_DISKS, "auto", "3"), 6, id=HONOR_AUTO + "for three CPUs"),
    pytest.param(vmi_with(SIX_DISKS, "auto", "4"), 6, id=HONOR_AUTO + "for four CPUs"),
    pytest.param(vmi_with([{"name": "disk0", "dedicatedIOThread": True}], "supplementalPool"),
                 2, id="iothreads/iothreads_test.go supplementalPool but IOThreads is nil"),
    pytest.param(vmi_with([{"name": "disk0"}]), 0,
                 id="rule: iothreads.go HasIOThreads false, no policy, no dedicated disk"),
])
def test_iothread_count(vmi, expected):
    assert iothread_count(vmi) == expected


# ---------------------------------------------------------------------------------------------
# Guest NUMA passthrough cells: numa_placement_test.go

def numa_host(extra_node=False, distances=None, cell_ids=(0, 4)):
    """numa_placement_test.go givenTopology: cell 0 has CPUs 10, 20; cell 4 has 30, 50."""
    cpus = [{"id": 10, "node": 0}, {"id": 20, "node": 0},
            {"id": 30, "node": 4}, {"id": 50, "node": 4}]
    if extra_node:
        cpus.append({"id": 40, "node": 5})
    nodes = [{"id": node} for node in cell_ids]
    for node, row in zip(nodes, distances or ()):
        node["distances"] = row
    return read_host({"cpus": cpus, "nodes": nodes})


GIVEN_PINS = {0: 10, 1: 20, 3: 30}  # givenSpec.CPUTune.VCPUPin (no vCPU 2)
PINS_WITH_CELL_5 = {0: 10, 1: 20, 3: 30, 4: 40}  # the tests that append {VCPU: 4, CPUSet: "40"}


def test_cells_split_hugepages_equally():
    # numa_placement_test.go "should detect hugepages and map them equally to nodes"
    assert passthrough_cells(numa_host(), GIVEN_PINS, 64 * MI, 2 * MI) == [
        {"id": 0, "vcpus": [0, 1], "memory_bytes": 32 * MI, "host_node": 0, "distances": {}},
        {"id": 1, "vcpus": [3], "memory_bytes": 32 * MI, "host_node": 4, "distances": {}}]


def test_remainder_pages_go_to_the_first_cells():
    # numa_placement_test.go "should detect not divisable hugepages and shuffle the memory"
    # (the VMI's guest memory stays 64Mi: 32 pages over 3 cells)
    host = numa_host(True, cell_ids=(0, 4, 5))
    cells = passthrough_cells(host, PINS_WITH_CELL_5, 64 * MI, 2 * MI)
    assert [(c["id"], c["vcpus"], c["memory_bytes"], c["host_node"]) for c in cells] == [
        (0, [0, 1], 22 * MI, 0), (1, [3], 22 * MI, 4), (2, [4], 20 * MI, 5)]


def test_distances_between_passed_through_cells():
    # numa_placement_test.go "should pass through NUMA distances with three nodes"
    host = numa_host(True, [[10, 20, 30], [20, 10, 20], [30, 20, 10]], (0, 4, 5))
    cells = passthrough_cells(host, PINS_WITH_CELL_5, 64 * MI, 2 * MI)
    assert [c["distances"] for c in cells] == [
        {0: 10, 1: 20, 2: 30}, {0: 20, 1: 10, 2: 20}, {0: 30, 1: 20, 2: 10}]


def test_distances_to_unused_nodes_are_dropped():
    # numa_placement_test.go "should filter out non-mapped host NUMA distances" (host node 2
    # has no vCPU)
    host = numa_host(False, [[10, 15, 20], [15, 10, 15], [20, 15, 10]], (0, 2, 4))
    cells = passthrough_cells(host, GIVEN_PINS, 64 * MI, 2 * MI)
    assert cells == [
        {"id": 0, "vcpus": [0, 1], "memory_bytes": 32 * MI, "host_node": 0,
         "distances": {0: 10, 1: 20}},
        {"id": 1, "vcpus": [3], "memory_bytes": 32 * MI, "host_node": 4,
         "distances": {0: 20, 1: 10}}]


@pytest.mark.parametrize("pins, memory, page, message", [
    pytest.param(GIVEN_PINS, 64 * MI, None, "restricted to VMIs with hugepages enabled",
                 id=NUMA_TEST + " should not map the numa topology without hugepages requested"),
    pytest.param(PINS_WITH_CELL_5, 64 * MI, 2 * MI, "not existing host cpu",
                 id=NUMA_TEST + " should detect invalid cpu pinning"),
    pytest.param(GIVEN_PINS, 2 * MI, 2 * MI, "not enough memory requested",
                 id=NUMA_TEST + " should detect if not enough memory is requested"),
    pytest.param(GIVEN_PINS, 65 * MI, 2 * MI, "can't be divided through the numa page size",
                 id="rule: vcpu.go numaMapping memory not a whole number of pages"),
])
def test_passthrough_refusals(pins, memory, page, message):
    with pytest.raises(NoFit, match=message):
        passthrough_cells(numa_host(), pins, memory, page)


# ---------------------------------------------------------------------------------------------
# A 32-vCPU passthrough VM on a 2-socket, 128-thread host

def test_passthrough_vm_on_two_sockets():
    # rule: vcpu.go FitCores, strict pool: 16 guest cores of 2 threads on host cores (c, c+64)
    # of node 0 first, in core order; the emulator takes the next whole core's first thread
    host = two_socket_host()
    pod = "0-16,64-80"
    plan = cputune(host, pod, 1, 16, 2, strict=True, isolate_emulator=True)
    expected = [cpu for core in range(16) for cpu in (core, core + 64)]
    assert plan["vcpus"] == expected
    assert plan["emulator"] == (16,)
    cells = passthrough_cells(host, plan["vcpus"], 32 * 1024 * MI, 1024 * MI)
    assert cells == [{"id": 0, "vcpus": list(range(32)), "memory_bytes": 32 * 1024 * MI,
                      "host_node": 0, "distances": {0: 10}}]
    # spread over both sockets: 8 guest cores per node, guest cells 0 and 1
    plan = cputune(host, "0-7,32-39,64-71,96-103", 1, 16, 2, strict=True)
    cells = passthrough_cells(host, plan["vcpus"], 3 * 1024 * MI, 1024 * MI)
    assert [(c["host_node"], c["vcpus"], c["memory_bytes"]) for c in cells] == [
        (0, list(range(16)), 2048 * MI), (1, list(range(16, 32)), 1024 * MI)]
    assert cells[0]["distances"] == {0: 10, 1: 21}
