# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift of running domains and of the kubelet's checkpoints from the plans. The plans are
plan.json files as playbooks/render.yml writes them (examples/vmis/06 on
examples/hosts/dual-socket-server.yaml, 16-pinned-small on a 2-CPU host); the live pinning is in
the shapes libvirt_domain reads back (libvirt/domain_xml.placement_from_libvirt); the checkpoints
as the kubelet writes them (pkg/kubelet/cm/cpumanager/state/checkpoint.go,
memorymanager/state/checkpoint.go)."""

import json

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.audit.drift import (
    KubeletState, LiveDomain, drift, planned_numatune)
from ansible_collections.vmpod.core.plugins.module_utils.audit.plans import read_planned_vms
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

LATENCY_CRITICAL = {
    "cpuset": "5-7,21-23", "emulatorpin": "7,23", "fits": True, "host": "dual-socket-server",
    "hugepages": None, "iothreadpin": {"1": "7,23"}, "kind": "VirtualMachineInstance",
    "launcher_resources": {"memory_overhead": "448790528"}, "name": "latency-critical",
    "namespace": "telco", "numa_cells": [], "pcpus": 6, "reasons": [], "vcpupin": [5, 21, 6, 22]}
PINNED_SMALL = {
    "cpuset": "0", "emulatorpin": None, "fits": True, "host": "localhost",
    "hugepages": {"page_size": "2Mi", "per_node": {"0": 64}}, "iothreadpin": {},
    "kind": "VirtualMachineInstance", "launcher_resources": {"memory_overhead": "373555200"},
    "name": "pinned-small", "namespace": "lab", "numa_cells": [], "pcpus": 1, "reasons": [],
    "vcpupin": [0]}
NO_FIT = dict(PINNED_SMALL, name="too-big", fits=False, reasons=["needs 18 exclusive CPUs"])
CPU_NODES = dict([(cpu, 0) for cpu in range(8)] + [(cpu, 1) for cpu in range(16, 24)])


def live_as_planned():
    return [
        LiveDomain("telco_latency-critical", {
            "source": "live", "vcpupin": [5, 21, 6, 22], "vcpu_cpusets": ["5", "21", "6", "22"],
            "emulatorpin": "7,23", "iothreadpin": {"1": "7,23"},
            "numatune": {"mode": "strict", "nodeset": "0-1"}, "memnodes": {}}, {}),
        LiveDomain("lab_pinned-small", {
            "source": "live", "vcpupin": [0], "vcpu_cpusets": ["0"], "emulatorpin": "0-1",
            "iothreadpin": {}, "numatune": {"mode": "strict", "nodeset": "0"},
            "memnodes": {"0": {"mode": "strict", "nodeset": "0"}}}, {(0, 2048): 64}),
    ]


def planned():
    return read_planned_vms([LATENCY_CRITICAL, PINNED_SMALL, NO_FIT])


def by_subject(found):
    return dict((f["subject"], f) for f in found)


def test_plans_read_by_domain_name_without_the_ones_that_did_not_fit():
    vms = planned()
    assert sorted(vms) == ["lab_pinned-small", "telco_latency-critical"]
    small = vms["lab_pinned-small"]
    assert small.hugepages == {(0, 2048): 64}
    assert small.memory_overhead == 373555200
    assert small.vm_class == "dedicated CPUs, hugepages-2Mi"
    assert vms["telco_latency-critical"].vm_class == "dedicated CPUs, regular memory"


def test_planned_numatune_follows_the_domain_builder():
    vms = planned()
    # hugepage nodes for pinned-small; the pinned pCPUs' nodes for latency-critical
    assert planned_numatune(vms["lab_pinned-small"], {}) == {"mode": "strict", "nodeset": "0"}
    assert planned_numatune(vms["telco_latency-critical"], CPU_NODES) == {"mode": "strict", "nodeset": "0-1"}
    assert planned_numatune(vms["telco_latency-critical"], {}) is None


def test_domains_as_planned_have_no_drift():
    found = drift(planned(), live_as_planned(), KubeletState(), CPU_NODES)
    result = dict((f["subject"], f["status"]) for f in found)
    assert result == {
        "lab_pinned-small vcpupin": "ok", "lab_pinned-small emulatorpin": "skip",
        "lab_pinned-small hugepages": "ok", "lab_pinned-small numatune": "ok",
        "telco_latency-critical vcpupin": "ok", "telco_latency-critical emulatorpin": "ok",
        "telco_latency-critical iothreadpin": "ok", "telco_latency-critical numatune": "ok",
        "kubelet": "skip"}


def test_moved_pins_pages_and_numatune_are_drift():
    live = live_as_planned()
    moved = dict(live[0].placement, vcpu_cpusets=["5", "21", "6", "7"], emulatorpin="0-23",
                 iothreadpin={"1": "0-23"}, numatune=None)
    live[0] = LiveDomain(live[0].name, moved, {})
    live[1] = LiveDomain(live[1].name, live[1].placement, {(0, 2048): 32, (1, 2048): 32})
    found = by_subject(drift(planned(), live, KubeletState(), CPU_NODES))
    for part in ("vcpupin", "emulatorpin", "iothreadpin", "numatune"):
        assert found["telco_latency-critical " + part]["status"] == "fail", part
    pages = found["lab_pinned-small hugepages"]
    assert pages["status"] == "fail"
    assert pages["actual"] == {"node 0 2Mi": 32, "node 1 2Mi": 32}
    assert pages["wanted"] == {"node 0 2Mi": 64}
    assert "vcpupin: ['5', '21', '6', '7'], planned ['5', '21', '6', '22']" in \
        found["telco_latency-critical vcpupin"]["message"]


def test_planned_but_stopped_and_running_unplanned():
    live = [LiveDomain("vmpod-exp", {"vcpu_cpusets": ["0-1"]}, {})]
    found = by_subject(drift(planned(), live, KubeletState()))
    assert found["lab_pinned-small"]["status"] == "warn"
    assert "planned but not running" in found["lab_pinned-small"]["message"]
    assert found["vmpod-exp"]["status"] == "skip"


CPU_STATE = json.dumps({
    "policyName": "static", "defaultCpuSet": "0-4,8-20,24-31",
    "entries": {"4c1b0e2a-7d7e-4f43-9c55-2f1e8a3b6d10": {"compute": "5-7,21-23"},
                "9f8e7d6c-5b4a-4321-8765-0a1b2c3d4e5f": {"app": "30"}},
    "checksum": 1234})
MEMORY_STATE = json.dumps({
    "policyName": "Static",
    "machineState": {"0": {"memoryMap": {
        "hugepages-2Mi": {"total": 1073741824, "systemReserved": 0, "allocatable": 1073741824,
                          "reserved": 134217728, "free": 939524096},
        "memory": {"total": 67108864000, "reserved": 1073741824}}}},
    "checksum": 5678})


def test_kubelet_checkpoints_against_the_plans():
    state = KubeletState((CPU_STATE, "/var/lib/kubelet/cpu_manager_state"),
                         (MEMORY_STATE, "/var/lib/kubelet/memory_manager_state"))
    found = by_subject(drift(planned(), live_as_planned(), state, CPU_NODES))
    assert found["telco_latency-critical cpu_manager_state"]["status"] == "ok"
    # pinned-small's pCPU 0 is the kubelet's default set: not given to a container
    assert found["lab_pinned-small cpu_manager_state"]["status"] == "fail"
    assert "has not given pCPUs 0" in found["lab_pinned-small cpu_manager_state"]["message"]
    assert found["cpu_manager_state"]["status"] == "warn"
    assert found["cpu_manager_state"]["actual"] == "30"
    memory = found["memory_manager_state"]
    assert (memory["status"], memory["wanted"], memory["actual"]) == (
        "ok", {"node 0 2Mi": 134217728}, {"node 0 2Mi": 134217728})


def test_a_broken_checkpoint_is_a_finding():
    state = KubeletState(("{not json", "/var/lib/kubelet/cpu_manager_state"), None)
    found = by_subject(drift(planned(), [], state))
    assert found["/var/lib/kubelet/cpu_manager_state"]["status"] == "fail"


@pytest.mark.parametrize("plans, message", [
    ({"name": "x"}, "plans: {'name': 'x'} is not a list"),
    ([dict(PINNED_SMALL, name="")], "plans[0].name"),
    ([PINNED_SMALL, PINNED_SMALL], "plans[1]: 'lab_pinned-small' is planned twice"),
    ([dict(PINNED_SMALL, hugepages={"page_size": "2Mi", "per_node": {"zero": 64}})],
     "plans[0].hugepages.per_node.zero"),
    ([dict(PINNED_SMALL, launcher_resources={"memory_overhead": "lots"})],
     "plans[0].launcher_resources.memory_overhead"),
])
def test_bad_plans_name_the_field(plans, message):
    with pytest.raises(VmpodInputError) as err:
        read_planned_vms(plans)
    assert message in str(err.value)
