# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Measured memory overhead against the computed one, with the numbers of two real QEMU 7.2
guests on this machine (libvirt 9.0, cgroup v1): a pinned 128Mi guest in 2Mi hugepages whose
plan computes 373555200 bytes of overhead, and a 1Gi TCG guest (two 512Mi RAM backends) whose
translation caches take some 630Mi."""

import json

from ansible_collections.vmpod.core.plugins.module_utils.audit.drift import KubeletState
from ansible_collections.vmpod.core.plugins.module_utils.audit.overhead import (
    Measured, measured_overhead, oom_risk, overhead, recommendations)
from ansible_collections.vmpod.core.plugins.module_utils.audit.plans import read_planned_vms
from ansible_collections.vmpod.core.plugins.module_utils.audit.procfs import ProcessMemory
from ansible_collections.vmpod.core.plugins.module_utils.audit.readiness import HostFacts
from ansible_collections.vmpod.core.plugins.module_utils.audit.report import host_report, markdown
from ansible_collections.vmpod.core.plugins.module_utils.audit.wanted import read_wanted

MIB = 1024 * 1024
PINNED_SMALL = {
    "cpuset": "0", "emulatorpin": None, "fits": True, "vcpupin": [0], "iothreadpin": {},
    "hugepages": {"page_size": "2Mi", "per_node": {"0": 64}}, "numa_cells": [],
    "launcher_resources": {"memory_overhead": "373555200"}, "name": "pinned-small",
    "namespace": "lab"}
TCG_GUEST = {
    "cpuset": None, "emulatorpin": None, "fits": True, "vcpupin": None, "iothreadpin": {},
    "hugepages": None, "numa_cells": [], "launcher_resources": {"memory_overhead": "240Mi"},
    "name": "tcg", "namespace": "lab"}
SMALL = Measured("lab_pinned-small", 128 * MIB, ProcessMemory(37072, 0, 131072, 1),
                 "/machine/qemu-4-lab_pinned-small.libvirt-qemu", 16818176, 23244800)
TCG = Measured("lab_tcg", 1024 * MIB, ProcessMemory(991580, 348160, 0, 2),
               "/machine/qemu-3-lab_tcg.libvirt-qemu", 1020477440, 1020751872, "tcg")


def test_the_larger_view_counts():
    # hugepage guest: its Rss (libraries included) is above the cgroup's peak (libraries were
    # charged to the cgroup that first read them)
    assert measured_overhead(SMALL) == (37072 * 1024, "process")
    # TCG guest: the cgroup's peak minus the resident guest RAM is above the process view
    assert measured_overhead(TCG) == (1020751872 - 348160 * 1024, "cgroup")
    assert measured_overhead(Measured("x", MIB)) == (None, "nothing readable")


def test_oom_risk():
    assert oom_risk(100, 120) == "high"
    assert oom_risk(100, 95) == "medium"
    assert oom_risk(100, 50) == "low"
    assert oom_risk(None, 50) == "unknown"


def test_rows_and_advice_per_class():
    vms = read_planned_vms([PINNED_SMALL, TCG_GUEST])
    section = overhead([TCG, SMALL], vms)
    small, tcg = section["rows"]
    assert small["domain"] == "lab_pinned-small"
    assert (small["computed_overhead"], small["measured_overhead"], small["margin"]) == (
        373555200, 37961728, 373555200 - 37961728)
    assert small["oom_risk"] == "low"
    assert small["process"]["hugetlb"] == 128 * MIB
    assert tcg["oom_risk"] == "high"
    assert tcg["margin"] < 0
    advice = dict((item["class"], item) for item in section["recommendations"])
    assert advice["dedicated CPUs, hugepages-2Mi"]["additionalGuestMemoryOverheadRatio"] is None
    assert advice["dedicated CPUs, hugepages-2Mi"]["addedOverhead"] is None
    assert tcg["class"] == "shared CPUs, regular memory, TCG"
    shared = advice["shared CPUs, regular memory, TCG"]
    needed = int(tcg["measured_overhead"] * 1.1)
    assert shared["addedOverhead"] == "%dMi" % -(-(needed - 240 * MIB) // MIB)
    assert float(shared["additionalGuestMemoryOverheadRatio"]) * 240 * MIB >= needed
    assert "raise the overhead" in shared["advice"]


def test_recommendations_skip_rows_without_a_plan():
    rows = overhead([TCG], {})["rows"]
    assert rows[0]["oom_risk"] == "unknown" and rows[0]["class"] is None
    assert recommendations(rows) == []


def test_host_report_sections_and_markdown():
    facts = HostFacts(cmdline="ro quiet", online=frozenset((0, 1)), isolated="\n",
                      kvm={"usable": True, "problem": None})
    vms = read_planned_vms([PINNED_SMALL])
    report = host_report("kvm-07", facts, read_wanted({}), vms, [], [SMALL], KubeletState(),
                         libvirt_problem="libvirt at qemu:///system cannot be reached: no socket")
    assert set(report) == {"host", "verdict", "counts", "overhead", "drift", "readiness"}
    json.dumps(report)  # plain data
    assert report["drift"]["findings"][0]["message"].startswith("libvirt at qemu:///system")
    assert report["overhead"]["rows"][0]["oom_risk"] == "low"
    text = markdown(report)
    assert text.startswith("# Audit of kvm-07: ")
    for heading in ("## Overhead", "## Drift: ", "## Readiness: "):
        assert heading in text
    assert "| lab_pinned-small | dedicated CPUs, hugepages-2Mi | 128.0 | 356.2 | 36.2 | process |" in text
