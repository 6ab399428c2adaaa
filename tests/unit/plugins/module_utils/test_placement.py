# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plan_placement: one VM on one host, end to end (kubelet CPU choice, KubeVirt pinning, guest
NUMA, hugepages), its invariants on random hosts, and bad input."""


import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    plan_placement, plan_placements)

from vmpod_placement_data import (
    GI, HOSTS, VMIS, check_invariants, dedicated_vmi, host_data, hosts, vms)


@pytest.mark.parametrize("host_name", sorted(HOSTS))
@pytest.mark.parametrize("vmi_name", sorted(VMIS))
def test_every_example_on_every_example_host(host_name, vmi_name):
    plan = plan_placement(VMIS[vmi_name], HOSTS[host_name])
    check_invariants(VMIS[vmi_name], HOSTS[host_name], plan)


def test_kubelet_takes_the_fullest_node_whole_cores_first():
    # dual-socket-server: reserved 0,8,16,24 and used 1-4,17-20 leave node 0 three whole cores
    # (5/21, 6/22, 7/23) and node 1 seven; 6 CPUs fit node 0 exactly: takeByTopologyNUMAPacked
    # prefers the fullest NUMA node that can hold them, whole cores first.
    plan = plan_placement(VMIS["latency-critical"], HOSTS["dual-socket-server"])
    assert plan["fits"] and plan["pcpus"] == 6
    assert plan["cpuset"] == "5-7,21-23"
    # 2 cores x 2 threads: each guest core on one host core, its threads on the siblings
    assert plan["vcpupin"] == [5, 21, 6, 22]
    # the emulator gets the remaining core (even parity: 4 vCPUs + 1 would be odd -> 2 pCPUs)
    assert plan["emulatorpin"] == "7,23"


def test_passthrough_cells_follow_the_host_nodes_of_the_pins():
    host = host_data(sockets=2, cores=4, threads=2, pages_1g=8)
    vmi = dedicated_vmi(cores=6, threads=1, memory="6Gi", page="1Gi", passthrough=True)
    plan = plan_placement(vmi, host)
    assert plan["fits"], plan["reasons"]
    nodes = {read_host(host).cpu_by_id[p].node for p in plan["vcpupin"]}
    assert {cell["host_node"] for cell in plan["numa_cells"]} == nodes
    for cell in plan["numa_cells"]:
        for vcpu in cell["vcpus"]:
            assert read_host(host).cpu_by_id[plan["vcpupin"][vcpu]].node == cell["host_node"]
    assert sum(cell["memory_bytes"] for cell in plan["numa_cells"]) == 6 * GI
    assert sum(plan["hugepages"]["per_node"].values()) == 6


def test_single_numa_node_refuses_what_needs_two_nodes():
    host = host_data(sockets=2, cores=4, threads=2)
    vmi = dedicated_vmi(cores=10)  # 10 exclusive CPUs, a node has 8
    plan = plan_placement(vmi, host, options={"topology_policy": "single-numa-node"})
    assert not plan["fits"]
    assert "single-numa-node" in plan["reasons"][0]
    assert plan_placement(vmi, host, options={"topology_policy": "best-effort"})["fits"]


def test_hugepages_decide_the_node_under_restricted():
    host = host_data(sockets=2, cores=4, threads=2, pages_1g=0)
    host["nodes"][1]["hugepages"]["1Gi"] = {"total": 8, "free": 8}
    vmi = dedicated_vmi(cores=2, memory="4Gi", page="1Gi")
    plan = plan_placement(vmi, host, options={"topology_policy": "restricted"})
    assert plan["fits"], plan["reasons"]
    assert plan["hugepages"]["per_node"] == {"1": 4}
    assert {read_host(host).cpu_by_id[c].node for c in parse_cpuset(plan["cpuset"])} == {1}


def test_not_enough_pages_is_a_reason_with_numbers():
    host = host_data(sockets=1, cores=4, threads=1, pages_1g=2)
    plan = plan_placement(dedicated_vmi(cores=1, memory="4Gi", page="1Gi"), host)
    assert not plan["fits"]
    assert plan["reasons"] == ["the host has 2 free 1Gi hugepages (node 0: 2), the VM needs 4"]


def test_not_enough_cpus_is_a_reason_with_numbers():
    host = host_data(sockets=1, cores=2, threads=2, reserved="0")
    plan = plan_placement(dedicated_vmi(cores=4), host)
    assert not plan["fits"]
    assert plan["reasons"] == ["needs 4 exclusive CPUs, only 3 available (host CPUs 1-3)"]


def test_full_pcpus_only_refuses_odd_counts_on_smt():
    host = host_data(sockets=1, cores=4, threads=2)
    plan = plan_placement(dedicated_vmi(cores=3), host, options={"full_pcpus_only": True})
    assert not plan["fits"]
    assert plan_placement(dedicated_vmi(cores=4), host, options={"full_pcpus_only": True})["fits"]


def test_thread_policies():
    host = host_data(sockets=1, cores=8, threads=2)
    topo = read_host(host)
    isolate = plan_placement(dedicated_vmi(cores=3), host, options={"thread_policy": "isolate"})
    assert isolate["fits"] and isolate["pcpus"] == 6
    cores = [topo.siblings(p) for p in isolate["vcpupin"]]
    assert len(set(cores)) == 3  # one vCPU per core
    assert all(set(core) <= parse_cpuset(isolate["cpuset"]) for core in cores)  # siblings held
    require = plan_placement(dedicated_vmi(cores=4), host, options={"thread_policy": "require"})
    assert require["fits"]
    pins = require["vcpupin"]
    assert len({topo.siblings(p) for p in pins}) == 2  # vCPUs on sibling threads
    no_smt = host_data(sockets=1, cores=8, threads=1)
    refused = plan_placement(dedicated_vmi(cores=4), no_smt, options={"thread_policy": "require"})
    assert not refused["fits"] and "hyper-threads" in refused["reasons"][0]


def test_explicit_layout_puts_each_cell_on_its_own_node():
    host = host_data(sockets=2, cores=4, threads=2, pages_1g=8)
    vmi = dedicated_vmi(cores=4, memory="4Gi", page="1Gi")
    plan = plan_placement(vmi, host, options={"numa_nodes": 2, "numa_cpus": {0: "0", 1: "1-3"},
                                              "numa_mem": {0: "1Gi", 1: "3Gi"}})
    assert plan["fits"], plan["reasons"]
    topo = read_host(host)
    assert [cell["vcpus"] for cell in plan["numa_cells"]] == [[0], [1, 2, 3]]
    assert plan["hugepages"]["per_node"] == {"0": 1, "1": 3}
    for cell in plan["numa_cells"]:
        for vcpu in cell["vcpus"]:
            assert topo.cpu_by_id[plan["vcpupin"][vcpu]].node == cell["host_node"]


def test_shared_cpu_vm_has_no_pinning_and_names_nodes_with_room():
    host = host_data(sockets=2, cores=4, threads=2, pages_1g=8)
    host["nodes"][0]["hugepages"]["1Gi"]["free"] = 2
    vmi = {"metadata": {"name": "s"}, "spec": {"domain": {
        "cpu": {"cores": 2}, "memory": {"hugepages": {"pageSize": "1Gi"}},
        "resources": {"requests": {"memory": "4Gi"}}}}}
    plan = plan_placement(vmi, host)
    assert plan["fits"] and plan["cpuset"] is None and plan["vcpupin"] is None
    assert plan["nodes_with_room"] == [1]


def test_plans_for_a_list_name_each_vmi():
    plans = plan_placements([VMIS["latency-critical"], VMIS["plain-fedora"]],
                            HOSTS["dual-socket-server"])
    assert [p["name"] for p in plans] == ["latency-critical", "plain-fedora"]


@pytest.mark.parametrize("host_change, vmi, message", [
    ({"reserved_cpus": "0-99"}, dedicated_vmi(), "host.reserved_cpus: '0-99' names CPUs the host does not have"),
    ({"reserved_cpus": "0-1", "used_cpus": "1-2"}, dedicated_vmi(), "overlaps reserved_cpus"),
    ({"nodes": []}, dedicated_vmi(), "host.nodes: [] must list at least one NUMA node"),
    ({}, dedicated_vmi(memory="3Gi", page="2Gi"), "is not a whole number of 2Gi pages"),
    ({}, dedicated_vmi(memory="1025Mi", page="2Mi"),
     "spec.domain.resources.requests.memory: '1025Mi' is not a whole number of 2Mi pages"),
])
def test_bad_input_names_the_field(host_change, vmi, message):
    host = host_data()
    host.update(host_change)
    with pytest.raises(VmpodInputError) as err:
        plan_placement(vmi, host)
    assert message in str(err.value)


@pytest.mark.parametrize("options, message", [
    ({"topology_policy": "strict"}, "options.topology_policy: 'strict' must be one of"),
    ({"thread_policy": "dedicated"}, "options.thread_policy: 'dedicated' must be one of"),
    ({"full_pcpus_only": "yes"}, "options.full_pcpus_only: 'yes' must be true or false"),
    ({"numa": 2}, "options.numa: 2 is not an option"),
    ({1: 2, "a": 3}, r"options\[1\]: 2 is not an option"),  # keys of any type: no traceback
])
def test_bad_options_name_the_option(options, message):
    with pytest.raises(VmpodInputError, match=message):
        plan_placement(dedicated_vmi(), host_data(), options=options)


def test_passthrough_needs_dedicated_cpus_and_hugepages():
    vmi = dedicated_vmi(passthrough=True)  # no hugepages
    with pytest.raises(VmpodInputError, match="guestMappingPassthrough"):
        plan_placement(vmi, host_data())


# -- properties over random hosts and VMs -------------------------------------------------------

@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(host=hosts(), vmi=vms(),
       policy=st.sampled_from(["none", "best-effort", "restricted", "single-numa-node"]),
       full=st.booleans(), threads=st.sampled_from(["prefer", "isolate", "require"]))
def test_plans_are_valid_on_random_hosts(host, vmi, policy, full, threads):
    plan = plan_placement(vmi, host, options={"topology_policy": policy, "full_pcpus_only": full,
                                              "thread_policy": threads})
    check_invariants(vmi, host, plan)
    topo = read_host(host)
    if plan["fits"] and vmi["spec"]["domain"]["cpu"].get("numa") and threads != "isolate":
        # strict mode never crosses nodes within a guest cell
        for cell in plan["numa_cells"]:
            assert {topo.cpu_by_id[plan["vcpupin"][v]].node for v in cell["vcpus"]} == {
                cell["host_node"]}
    if plan["fits"]:
        cpu = vmi["spec"]["domain"]["cpu"]
        assert len(plan["vcpupin"]) == cpu["cores"] * cpu["threads"]


@settings(max_examples=200, deadline=None)
@given(sockets=st.integers(1, 2), cores=st.integers(2, 8), guest_cores=st.integers(1, 3),
       used=st.sets(st.integers(0, 31), max_size=6))
def test_guest_threads_sit_on_host_siblings(sockets, cores, guest_cores, used):
    # With whole host cores (full_pcpus_only) and two threads per core on both sides, KubeVirt's
    # first pass places every guest core on one host core.
    host = host_data(sockets, cores, 2)
    host["used_cpus"] = ",".join(str(c) for c in sorted(used) if c < sockets * cores * 2)
    topo = read_host(host)
    plan = plan_placement(dedicated_vmi(cores=guest_cores, threads=2), host,
                          options={"full_pcpus_only": True})
    free_cores = {topo.siblings(c) for c in topo.available()
                  if set(topo.siblings(c)) <= topo.available()}
    assert plan["fits"] == (len(free_cores) >= guest_cores)
    pins = plan["vcpupin"] or []
    for index in range(0, len(pins), 2):
        assert topo.siblings(pins[index]) == topo.siblings(pins[index + 1])


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(host=hosts(), vmi=vms())
def test_a_vm_that_cannot_fit_says_why(host, vmi):
    topo = read_host(host)
    plan = plan_placement(vmi, host)
    if plan["pcpus"] > len(topo.available()):
        assert not plan["fits"] and plan["reasons"]


def with_architecture(obj, arch):
    """The VMI (or the VirtualMachine's template) with ``spec.architecture`` set."""
    if obj.get("kind") == "VirtualMachine":
        template = obj["spec"]["template"]
        return dict(obj, spec=dict(obj["spec"], template=dict(template, spec=with_architecture(template, arch)["spec"])))
    return dict(obj, spec=dict(obj["spec"], architecture=arch))


@pytest.mark.parametrize("vmi_name", sorted(VMIS))
def test_a_host_takes_only_vms_of_its_architecture(vmi_name):
    # every example host states amd64: an arm64 VM does not fit, whatever its size
    host = HOSTS["dual-socket-server"]
    assert host["architecture"] == "amd64"
    amd, arm = with_architecture(VMIS[vmi_name], "amd64"), with_architecture(VMIS[vmi_name], "arm64")
    plan = plan_placement(arm, host)
    assert not plan["fits"]
    assert plan["reasons"] == ["the VM is arm64, the host amd64"]
    assert plan["pcpus"] == 0 and plan["vcpupin"] is None
    # the kernel's name of the host's architecture reads as KubeVirt's
    assert plan_placement(arm, dict(host, architecture="aarch64")) == plan_placement(amd, host)
    # a host that does not say takes any VM the placement allows
    unstated = dict((key, value) for key, value in host.items() if key != "architecture")
    assert plan_placement(arm, unstated) == plan_placement(amd, unstated)


def test_the_cluster_architecture_is_that_of_a_vmi_that_does_not_say():
    plan = plan_placement(VMIS["plain-fedora"], HOSTS["dual-socket-server"], arch="arm64")
    assert plan["reasons"] == ["the VM is arm64, the host amd64"]


@pytest.mark.parametrize("value", ["ppc64le", ["amd64"], 7, "AMD64"])
def test_a_bad_host_architecture_names_the_field(value):
    with pytest.raises(VmpodInputError) as err:
        plan_placement(VMIS["plain-fedora"], dict(HOSTS["dual-socket-server"], architecture=value))
    assert str(err.value).startswith("host.architecture: ")
    assert "is not amd64, arm64 or s390x" in str(err.value)
