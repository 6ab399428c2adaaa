# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""check_migration: the VM re-planned on a target host and held to what a live migration cannot
change.

libvirt refuses a migration whose target domain differs from the source in its guest ABI
(``virDomainDefCheckABIStability``, src/conf/domain_conf.c): the vCPU count and CPU topology, and
through ``virDomainNumaCheckABIStability`` (src/conf/numa_conf.c) the guest NUMA cells - "Target
NUMA node count '%zu' doesn't match source", each cell's processor mask and size. The kubelet on
the target picks the pCPUs and hugepages anew, which is where the two can differ.
"""

import copy

import pytest
from hypothesis import HealthCheck, given, settings

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet
from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    check_migration, plan_placement)
from vmpod_placement_data import HOSTS, VMIS, dedicated_vmi, host_data, hosts, vms

DUAL = HOSTS["dual-socket-server"]


@pytest.mark.parametrize("vmi, target, reasons", [
    # the same state on the target: the kubelet and virt-launcher choose the same
    ("latency-critical", "dual-socket-server", []),
    ("latency-critical", "epyc-4-node", []),
    # no hyper-threads: the guest's 2 threads per core land on two host cores
    ("latency-critical", "no-smt", [
        "2 of 2 guest cores keep their 2 threads on one host core on the source but not on the "
        "target (the target has 1 thread per core): guest core 0 (vCPUs 0-1) on pCPUs 1,2, "
        "guest core 1 (vCPUs 2-3) on pCPUs 9,10"]),
    # NUMA passthrough: the kubelet packs the 18 pCPUs into node 1 of the EPYC, so the guest
    # would see one NUMA cell where it had two
    ("numa-passthrough", "epyc-4-node", [
        "the guest has 2 NUMA cell(s) on the source, the target plan 1 (on host NUMA node 1): a "
        "running guest keeps its NUMA topology"]),
    # every obstacle, not just the first the plan meets
    ("numa-passthrough", "no-smt", [
        "needs 18 exclusive CPUs, only 10 available (host CPUs 1-7,9-11)",
        "the host has 0 free 1Gi hugepages (node 0: 0, node 1: 0), the VM needs 32"]),
    ("packet-gateway", "no-smt", [
        "the host has 0 free 1Gi hugepages (node 0: 0, node 1: 0), the VM needs 8"]),
    ("db-hugepages-2mi", "asymmetric", [
        "the host has 3072 free 2Mi hugepages (node 0: 2048, node 1: 1024), the VM needs 4096"]),
    ("plain-fedora", "this-machine", []),
])
def test_example_vms_from_the_dual_socket_server(vmi, target, reasons):
    source_plan = plan_placement(VMIS[vmi], DUAL)
    assert source_plan["fits"]
    result = check_migration(VMIS[vmi], source_plan, HOSTS[target], source_host=DUAL)
    assert result["reasons"] == reasons
    assert result["fits"] == (not reasons)
    assert result["target_plan"] == plan_placement(VMIS[vmi], HOSTS[target])
    assert result["target_memory_overhead"] == launcher_resources(VMIS[vmi])["memory_overhead"]


def test_the_target_overhead_is_the_targets_own():
    # KubeVirt adds 128Mi for the arm64 UEFI firmware (pflash) to the overhead: the same VM
    # sized for an arm64 cluster has a larger envelope.
    vmi = VMIS["plain-fedora"]
    result = check_migration(vmi, plan_placement(vmi, DUAL), HOSTS["no-smt"], arch="arm64")
    expected = launcher_resources(vmi, arch="arm64")["memory_overhead"]
    assert result["target_memory_overhead"] == expected != launcher_resources(vmi)[
        "memory_overhead"]


def test_a_target_of_another_architecture_is_refused():
    target = dict(HOSTS["no-smt"], architecture="aarch64")
    vmi = VMIS["plain-fedora"]
    result = check_migration(vmi, plan_placement(vmi, DUAL), target)
    assert result["reasons"] == ["the VM is amd64, the target host arm64"]


def test_siblings_are_compared_with_the_source_when_its_topology_is_given():
    # On a host without SMT the source already splits each guest core over two host cores: a
    # target without SMT keeps that; without the source's topology the split is assumed new.
    vmi = dedicated_vmi(cores=2, threads=2)
    source = host_data(sockets=1, cores=8, threads=1)
    plan = plan_placement(vmi, source)
    assert check_migration(vmi, plan, source, source_host=source)["fits"]
    assumed = check_migration(vmi, plan, source)
    assert not assumed["fits"] and "2 of 2 guest cores keep their 2 threads" in (
        assumed["reasons"][0])


def test_a_different_guest_numa_layout_names_each_cell():
    # Nova's hw:numa_cpus / hw:numa_mem: the same 4 vCPUs and 4 1Gi pages split 1+3 on the
    # source and 2+2 on the target
    vmi = dedicated_vmi(cores=4, memory="4Gi", page="1Gi")
    host = host_data(sockets=2, cores=4, threads=2, pages_1g=8)
    source = plan_placement(vmi, host, options={
        "numa_nodes": 2, "numa_cpus": {0: "0", 1: "1-3"}, "numa_mem": {0: "1Gi", 1: "3Gi"}})
    result = check_migration(vmi, source, host, options={"numa_nodes": 2}, source_host=host)
    assert result["reasons"] == [
        "guest NUMA cell 0 holds vCPUs 0 on the source, 0-1 on the target",
        "guest NUMA cell 0 has 1 1Gi pages on the source, 2 on the target",
        "guest NUMA cell 1 holds vCPUs 1-3 on the source, 2-3 on the target",
        "guest NUMA cell 1 has 3 1Gi pages on the source, 2 on the target"]


def test_a_plan_of_another_vm_differs_in_vcpus_and_pages():
    host = host_data(sockets=2, cores=8, threads=2, pages_1g=16)
    bigger = plan_placement(dedicated_vmi(cores=8, memory="16Gi", page="1Gi"), host)
    result = check_migration(dedicated_vmi(cores=4, memory="8Gi", page="1Gi"), bigger, host)
    assert result["reasons"] == ["the source pins 8 vCPUs, the target plan 4",
                                 "the guest has 16 1Gi pages on the source, 8 on the target"]


def test_a_source_plan_that_does_not_fit_is_no_placement_to_keep():
    vmi = VMIS["latency-critical"]
    source = plan_placement(vmi, HOSTS["this-machine"])
    result = check_migration(vmi, source, DUAL)
    assert result["reasons"] == [
        "the source plan does not fit its host (needs 6 exclusive CPUs, only 2 available (host "
        "CPUs 0-1); the host has %s): there is no placement to keep"
        % source["reasons"][1][len("the host has "):]]
    assert result["target_plan"]["fits"]


@pytest.mark.parametrize("source_plan, target, message", [
    ("plan", DUAL, "source_plan: 'plan' must be the plan that plan_placement returned"),
    ({"fits": "yes"}, DUAL, "source_plan: {'fits': 'yes'} must be the plan"),
    ({"fits": True, "vcpupin": ["5"]}, DUAL, "source_plan.vcpupin: ['5'] must be a list of pCPU"),
    ({"fits": True, "numa_cells": [{"vcpus": [0]}]}, DUAL,
     "source_plan.numa_cells[0]: {'vcpus': [0]} must be a mapping with vcpus and memory_bytes"),
    ({"fits": True, "hugepages": {"page_size": "1Gi", "per_node": {"0": "8"}}}, DUAL,
     "source_plan.hugepages: "),
    ({"fits": True}, dict(DUAL, nodes=[]), "target_host.nodes: [] must list at least one"),
    ({"fits": True}, dict(DUAL, architecture="ppc64le"), "target_host.architecture: 'ppc64le'"),
])
def test_bad_input_names_the_field(source_plan, target, message):
    with pytest.raises(VmpodInputError) as err:
        check_migration(VMIS["latency-critical"], source_plan, target)
    assert message in str(err.value)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(host=hosts(), vmi=vms())
def test_a_host_in_the_same_state_always_takes_the_vm(host, vmi):
    # the kubelet and virt-launcher are deterministic: the same free CPUs and pages give the
    # same plan, so a VM that fits its source fits a twin of it, and nothing else would
    plan = plan_placement(vmi, host)
    result = check_migration(vmi, plan, copy.deepcopy(host), source_host=host)
    assert result["target_plan"] == plan
    # and the twin admits the whole launcher Pod, pinned, exactly when the fleet would place
    # the VM there with no warning that its dedicated CPUs would be shared
    fleet = place_fleet([vmi], {"twin": copy.deepcopy(host)})
    placed = fleet["placements"]["vm"] == "twin" and not any(
        "dedicated CPUs, but" in warning for warning in fleet["warnings"])
    assert result["fits"] == placed, (result["reasons"], fleet["unplaced"], fleet["warnings"])
    if not plan["fits"]:
        assert result["reasons"][0].startswith("the source plan does not fit its host")


def test_the_target_must_admit_the_whole_launcher_pod():
    # a 3-core dedicated VM: its pCPUs fit a target with 3 allocatable CPUs, but its launcher
    # Pod requests 3 CPUs for compute and 15m for the guest-console-log sidecar (requests equal
    # to limits in a dedicated Pod): kube-scheduler there would not admit it
    def host(cpus, reserved):
        return {"cpus": [{"id": i, "socket": 0, "core": i, "node": 0} for i in range(cpus)],
                "nodes": [{"id": 0, "memory": "64Gi"}], "reserved_cpus": reserved}
    vmi = dedicated_vmi(cores=3, name="db")
    source = plan_placement(vmi, host(8, "0"))
    assert source["fits"]
    tight = check_migration(vmi, source, host(4, "0"))
    assert tight["target_plan"]["fits"]  # the pins alone would fit
    assert tight["reasons"] == ["the target would not admit the launcher Pod: the Pod requests "
                                "3015m CPU, 3 of the host's 3 allocatable CPU are left"]
    assert tight["target_envelope"]["requests"]["cpu"] == "3015m"
    assert tight["target_envelope"]["qos"] == "Guaranteed"
    roomy = check_migration(vmi, source, host(5, "0"))
    assert roomy["fits"] and roomy["reasons"] == []
