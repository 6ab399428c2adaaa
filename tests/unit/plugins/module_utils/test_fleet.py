# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""place_fleet: VMs onto hosts as the scheduler admits the launcher Pods and the kubelet and
virt-launcher place them; per-host usage; bad input; properties over random fleets."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.fleet import not_pinned_warnings, place_fleet
from ansible_collections.vmpod.core.plugins.module_utils.output.fleet_markdown import fleet_markdown
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import ordinary_memory
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_envelope
from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity
from vmpod_placement_data import HOSTS, VMIS, check_invariants, dedicated_vmi, host_data

GI = 2 ** 30


def shared_vmi(name, cores=2, memory="4Gi", guest=None, cpu_request=None, console=True):
    domain = {"cpu": {"cores": cores}}
    if not console:
        domain["devices"] = {"autoattachSerialConsole": False}
    if memory:
        domain["resources"] = {"requests": {"memory": memory}}
    if cpu_request:
        domain.setdefault("resources", {}).setdefault("requests", {})["cpu"] = cpu_request
    if guest:
        domain["memory"] = {"guest": guest}
    return {"kind": "VirtualMachineInstance", "metadata": {"name": name},
            "spec": {"domain": domain}}


def small_host(cpus=2, reserved="", memory="64Gi", pages_1g=0):
    """One socket, one node, ``cpus`` cores without SMT."""
    return {"cpus": [{"id": i, "socket": 0, "core": i, "node": 0} for i in range(cpus)],
            "nodes": [{"id": 0, "memory": memory,
                       "hugepages": {"1Gi": {"total": pages_1g, "free": pages_1g}}}],
            "reserved_cpus": reserved}


# -- facts --------------------------------------------------------------------------------------

def test_shared_vms_fill_a_host_by_their_cpu_requests():
    # KubeVirt renderresources.go: a shared-CPU VM's compute container requests vCPUs /
    # cpuAllocationRatio of CPU (default ratio 10: 2 vCPUs -> 200m); its guest-console-log
    # sidecar adds 5m, and the scheduler counts the whole Pod: 205m. It admits Pods while the
    # requests fit the allocatable CPU (here 2 CPUs less 1 reserved = 1 CPU: 4 x 205m).
    vmis = [shared_vmi("web-%d" % i) for i in range(6)]
    result = place_fleet(vmis, {"h": small_host(cpus=2, reserved="0")})
    assert [result["placements"]["web-%d" % i] for i in range(6)] == ["h"] * 4 + [None] * 2
    assert result["unplaced"]["web-5"][1] == (
        "h: the Pod requests 205m CPU, 180m of the host's 1 allocatable CPU are left")
    usage = result["hosts"]["h"]
    assert usage["cpu"]["requested"] == "820m" and usage["cpu"]["shared_vcpus"] == 8
    assert usage["cpu"]["vcpus_per_pcpu"] == 8.0
    assert usage["warnings"] == []
    # without the console log (autoattachSerialConsole false) the Pod is compute alone: 5 fit
    quiet = [shared_vmi("web-%d" % i, console=False) for i in range(6)]
    result = place_fleet(quiet, {"h": small_host(cpus=2, reserved="0")})
    assert [result["placements"]["web-%d" % i] for i in range(6)] == ["h"] * 5 + [None]
    assert result["hosts"]["h"]["cpu"]["vcpus_per_pcpu"] == 10.0


@pytest.mark.parametrize("ratio, placed", [
    (1, 0),    # 2 vCPUs request 2 CPUs: more than the host's one
    (4, 2),    # 500m each
    (20, 10),  # 100m each: 20 vCPUs on one pCPU
])
def test_cpu_allocation_ratio_decides_how_many_share_a_pcpu(ratio, placed):
    # compute alone (no console log sidecar), so the ratio's arithmetic shows
    config = {"developerConfiguration": {"cpuAllocationRatio": ratio}}
    vmis = [shared_vmi("vm-%02d" % i, console=False) for i in range(12)]
    result = place_fleet(vmis, {"h": small_host(cpus=1)}, config=config)
    assert sum(1 for host in result["placements"].values() if host) == placed
    assert result["hosts"]["h"]["cpu"]["shared_vcpus"] == 2 * placed


def test_more_than_ten_vcpus_per_pcpu_warns():
    config = {"developerConfiguration": {"cpuAllocationRatio": 20}}
    vmis = [shared_vmi("vm-%d" % i, console=False) for i in range(10)]
    result = place_fleet(vmis, {"h": small_host(cpus=1)}, config=config)
    assert result["hosts"]["h"]["cpu"]["vcpus_per_pcpu"] == 20.0
    assert result["warnings"] == [
        "h: 20.0 vCPUs per pCPU on the shared CPUs (20 vCPUs on 1 pCPUs), above 10"]


def test_memory_overcommit_scales_the_request_and_warns_above_150_percent():
    # KubeVirt: with memory.guest and no request, request = guest * 100 / memoryOvercommit
    # (+ overhead). At 200%, two 16Gi guests request 8Gi + overhead each: both fit in 20Gi, and
    # the VMs may then use more than 150% of the host's memory.
    config = {"developerConfiguration": {"memoryOvercommit": 200, "cpuAllocationRatio": 10}}
    vmis = [shared_vmi("vm-%d" % i, memory=None, guest="16Gi") for i in range(3)]
    result = place_fleet(vmis, {"h": small_host(cpus=8, memory="20Gi")}, config=config)
    assert result["placements"] == {"vm-0": "h", "vm-1": "h", "vm-2": None}
    memory = result["hosts"]["h"]["memory"]
    request = parse_quantity(launcher_envelope(vmis[0], config)["requests"]["memory"]).value()
    assert memory["requested"] == 2 * request
    assert 150 < memory["overcommit_percent"] <= 200
    assert "above 150%" in result["warnings"][0]


def test_dedicated_vms_take_disjoint_pcpus_and_pack_fills_the_first_host():
    hosts = {"a": host_data(sockets=1, cores=4, threads=2), "b": host_data(1, 4, 2)}
    vmis = [dedicated_vmi(cores=2, threads=2, name="vm-%d" % i) for i in range(3)]
    for vmi in vmis:  # without the console log sidecar's 15m two 4-CPU Pods fill 8 CPUs exactly
        vmi["spec"]["domain"].setdefault("devices", {})["autoattachSerialConsole"] = False
    result = place_fleet(vmis, hosts)
    assert result["placements"] == {"vm-0": "a", "vm-1": "a", "vm-2": "b"}
    pins = [parse_cpuset(result["plans"]["vm-%d" % i]["cpuset"]) for i in range(2)]
    assert not pins[0] & pins[1] and len(pins[0] | pins[1]) == 8
    assert result["hosts"]["a"]["nodes"][0]["cpus"]["free"] == 0
    assert result["hosts"]["a"]["pinned"] == {"vm-0": format_cpuset(pins[0]),
                                              "vm-1": format_cpuset(pins[1])}


def test_isolated_vcpus_hold_their_idle_siblings():
    # Nova's isolate thread policy: each vCPU alone on a physical core, the sibling thread held
    # idle for the VM; the fleet counts those siblings as taken (and as requested CPU).
    vmis = [dedicated_vmi(cores=2, name=name) for name in ("a", "b", "c")]
    result = place_fleet(vmis, {"h": host_data(sockets=1, cores=4, threads=2)},
                         options={"thread_policy": "isolate"})
    assert result["placements"] == {"a": "h", "b": "h", "c": None}
    assert result["hosts"]["h"]["cpu"]["exclusive"] == 8
    assert result["hosts"]["h"]["cpu"]["requested"] == "8"


def test_spread_gives_each_vm_to_the_least_loaded_host():
    hosts = {"a": small_host(cpus=4), "b": small_host(cpus=4), "c": small_host(cpus=4)}
    vmis = [shared_vmi("vm-%d" % i) for i in range(5)]
    assert list(place_fleet(vmis, hosts, policy="spread")["placements"].values()) == [
        "a", "b", "c", "a", "b"]
    assert set(place_fleet(vmis, hosts, policy="pack")["placements"].values()) == {"a"}


def test_hugepages_are_taken_from_the_pools_as_vms_land():
    host = host_data(sockets=1, cores=8, threads=1, pages_1g=8)
    vmis = [dedicated_vmi(cores=1, memory="4Gi", page="1Gi", name="vm-%d" % i) for i in range(3)]
    result = place_fleet(vmis, {"h": host})
    assert result["placements"]["vm-2"] is None
    assert result["unplaced"]["vm-2"] == [
        "no host has room left for it (h could take it before this placement's VMs)",
        "h: the host has 0 free 1Gi hugepages (node 0: 0), the VM needs 4"]
    assert result["hosts"]["h"]["nodes"][0]["hugepages"]["1Gi"] == {
        "total": 8, "used_before": 0, "used": 8, "free": 0}


def test_cpus_and_pages_held_before_count_as_taken():
    # dual-socket-server: CPUs 1-4,17-20 used and 16 of node 0's 1Gi pages taken before
    result = place_fleet([], {"s": HOSTS["dual-socket-server"]})
    usage = result["hosts"]["s"]
    assert usage["cpu"]["used_before"] == 8 and usage["cpu"]["requested"] == "8"
    assert usage["nodes"][0]["cpus"]["used_before"] == "1-4,17-20"
    assert usage["nodes"][0]["hugepages"]["1Gi"]["used_before"] == 16
    assert usage["cpu"]["allocatable"] == "28"  # 32 CPUs less the 4 reserved


def test_a_vm_too_big_for_any_host_says_so():
    hosts = {"a": small_host(cpus=4), "b": small_host(cpus=2)}
    result = place_fleet([dedicated_vmi(cores=8, name="huge")], hosts)
    assert result["placements"] == {"huge": None}
    assert result["unplaced"]["huge"][0] == (
        "fits none of the 2 hosts even with no VM of this placement on them")
    # 8 pinned CPUs for compute and 15m for the console log sidecar (Guaranteed, like compute)
    assert result["unplaced"]["huge"][1].startswith("a: the Pod requests 8015m CPU, 4 of the host's")


def test_architecture_keeps_vms_off_other_hosts():
    arm = copy.deepcopy(VMIS["arm-builder"])
    hosts = [dict(small_host(cpus=8), name="x86", architecture="x86_64"),
             dict(small_host(cpus=8), name="arm", architecture="aarch64")]
    result = place_fleet([arm, shared_vmi("web")], hosts)
    assert result["placements"] == {"arm-builder": "arm", "web": "x86"}


def test_every_example_vmi_on_the_example_hosts():
    result = place_fleet(list(VMIS.values()), HOSTS)
    assert set(result["placements"]) == set(VMIS)
    for name, host in result["placements"].items():
        if host is not None:
            assert result["plans"][name]["fits"] and result["plans"][name]["host"] == host
    markdown = fleet_markdown(result)
    assert markdown.startswith("# Capacity: %d VMIs on %d hosts (policy pack)" % (
        len(VMIS), len(HOSTS)))
    for host in HOSTS:
        assert "\n| %s | " % host in markdown


def test_host_names_in_the_markdown_are_text_not_html_nor_table_syntax():
    result = place_fleet([shared_vmi("web")], {"<script>alert(1)</script>|x\ny": small_host()})
    markdown = fleet_markdown(result)
    assert "<script>" not in markdown and "\n| &lt;script>alert(1)&lt;/script>\\|x y | 1 |" in markdown


# -- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("vmis, hosts, kwargs, message", [
    ([], {"h": dict(small_host(), nodes=[])}, {},
     "hosts.h.nodes: [] must list at least one NUMA node"),
    ([shared_vmi("a"), shared_vmi("a")], {"h": small_host()}, {},
     "vmis[1].metadata.name: 'a' is a duplicate of vmis[0] in namespace default"),
    ([shared_vmi("")], {"h": small_host()}, {},
     "vmis[0].metadata.name is required: placements are keyed by VMI name"),
    ([shared_vmi("a", memory="12Qi")], {"h": small_host()}, {},
     "vmis[0].spec.domain.resources.requests.memory: '12Qi' is not a quantity"),
    ([], {}, {}, "hosts: {} must name at least one host"),
    ([], "h", {}, "hosts: 'h' must map host names to host data"),
    ([], [small_host()], {}, "hosts[0].name is required: a host list names each host"),
    ([], [dict(small_host(), name="h"), dict(small_host(), name="h")], {},
     "hosts[1].name: 'h' is a duplicate of hosts[0]"),
    ([], {"h": dict(small_host(), architecture="sparc")}, {},
     "hosts.h.architecture: 'sparc' is not amd64, arm64 or s390x"),
    ([], {"h": small_host()}, {"policy": "fill"}, "policy: 'fill' must be one of pack, spread"),
    ({"a": 1}, {"h": small_host()}, {}, "vmis[0]"),
    ([dedicated_vmi(passthrough=True)], {"h": small_host(cpus=4)}, {},
     "vmis[0].spec.domain.cpu.numa.guestMappingPassthrough"),
    ([shared_vmi("a")], {"h": small_host()}, {"options": {"topology": 1}},
     "options.topology: 1 is not an option"),
])
def test_bad_input_names_the_field(vmis, hosts, kwargs, message):
    with pytest.raises(VmpodInputError) as err:
        place_fleet(vmis, hosts, **kwargs)
    assert message in str(err.value)


# -- properties over random fleets --------------------------------------------------------------

@st.composite
def fleets(draw):
    hosts = {}
    for index in range(draw(st.integers(1, 3))):
        sockets, cores = draw(st.integers(1, 2)), draw(st.integers(1, 6))
        data = host_data(sockets, cores, draw(st.integers(1, 2)),
                         draw(st.sampled_from([1, 2])) if cores % 2 == 0 else 1,
                         pages_1g=draw(st.integers(0, 8)), pages_2m=draw(st.integers(0, 3072)))
        for node in data["nodes"]:
            node["memory"] = "%dGi" % draw(st.integers(16, 48))
        ids = [cpu["id"] for cpu in data["cpus"]]
        taken = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids) // 3))
        split = draw(st.integers(0, len(taken)))
        data["reserved_cpus"] = format_cpuset(taken[:split])
        data["used_cpus"] = format_cpuset(taken[split:])
        hosts["h%d" % index] = data
    vmis = []
    for index in range(draw(st.integers(1, 10))):
        name = "vm-%d" % index
        if draw(st.booleans()):
            page = draw(st.sampled_from([None, "2Mi", "1Gi", "1Gi"]))
            vmis.append(dedicated_vmi(
                cores=draw(st.integers(1, 2)), threads=draw(st.integers(1, 2)),
                memory="%dGi" % draw(st.integers(1, 3)), page=page,
                passthrough=page is not None and draw(st.booleans()),
                emulator=draw(st.booleans()), name=name))
        elif draw(st.booleans()):
            vmis.append(shared_vmi(name, cores=draw(st.integers(1, 8)),
                                   memory="%dGi" % draw(st.integers(1, 8))))
        else:
            vmis.append(shared_vmi(name, cores=draw(st.integers(1, 8)), memory=None,
                                   guest="%dGi" % draw(st.integers(1, 8))))
    config = {"developerConfiguration": {
        "cpuAllocationRatio": draw(st.sampled_from([1, 2, 10])),
        "memoryOvercommit": draw(st.sampled_from([100, 150]))}}
    return vmis, hosts, config


def reference_placement(vmis, hosts, config, policy="pack"):
    """The policy without the engine's mutable host state, shared reads or memos: every VM
    tries the hosts in the policy's order (``pack``: as given; ``spread``: least loaded first,
    ties as given), planned with plan_placement on host data rewritten after each placement.
    Returns (placements, plans)."""
    state = dict((name, {"data": copy.deepcopy(data), "cpu": 0, "memory": 0})
                 for name, data in hosts.items())
    for entry in state.values():
        topo = read_host(entry["data"])
        entry["cpu"] = 1000 * len(topo.used)
        entry["cpu_allocatable"] = 1000 * (len(topo.cpus) - len(topo.reserved))
        entry["memory_allocatable"] = sum(ordinary_memory(node) for node in topo.nodes)
    placements, plans = {}, {}
    for vmi in vmis:
        requests = launcher_envelope(vmi, config)["requests"]
        cpu = parse_quantity(requests["cpu"]).milli_value()
        memory = parse_quantity(requests["memory"]).value()
        placements[vmi["metadata"]["name"]] = None
        order = list(state)
        if policy == "spread":
            order.sort(key=lambda name: max(
                state[name]["cpu"] / state[name]["cpu_allocatable"]
                if state[name]["cpu_allocatable"] else 1.0,
                state[name]["memory"] / state[name]["memory_allocatable"]
                if state[name]["memory_allocatable"] else 1.0))  # (a stable sort: ties as given)
        for name in order:
            entry = state[name]
            topo = read_host(entry["data"])
            if entry["cpu"] + cpu > entry["cpu_allocatable"]:
                continue
            if entry["memory"] + memory > entry["memory_allocatable"]:
                continue
            plan = plan_placement(vmi, entry["data"], config)
            if not plan["fits"]:
                continue
            if plan["cpuset"]:
                taken = parse_cpuset(plan["cpuset"])
                entry["data"]["used_cpus"] = format_cpuset(topo.used | taken)
                cpu = max(cpu, 1000 * len(taken))
            if plan["hugepages"]:
                for node_id, count in plan["hugepages"]["per_node"].items():
                    pools = entry["data"]["nodes"][int(node_id)]["hugepages"]
                    pools[plan["hugepages"]["page_size"]]["free"] -= count
            entry["cpu"] += cpu
            entry["memory"] += memory
            placements[vmi["metadata"]["name"]] = name
            plans[vmi["metadata"]["name"]] = dict(plan, name=vmi["metadata"]["name"], host=name)
            break
    return placements, plans


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(fleet=fleets(), policy=st.sampled_from(["pack", "spread"]))
def test_each_policy_places_and_plans_as_trying_every_host_in_its_order_would(fleet, policy):
    vmis, hosts, config = fleet
    result = place_fleet(vmis, hosts, config, policy=policy)
    assert (result["placements"], result["plans"]) == reference_placement(vmis, hosts, config, policy)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(fleet=fleets(), policy=st.sampled_from(["pack", "spread"]))
def test_no_host_is_overcommitted_and_every_plan_is_valid(fleet, policy):
    vmis, hosts, config = fleet
    result = place_fleet(vmis, hosts, config, policy=policy)
    by_name = dict((vmi["metadata"]["name"], vmi) for vmi in vmis)
    ratio = config["developerConfiguration"]["cpuAllocationRatio"]
    overcommit = config["developerConfiguration"]["memoryOvercommit"]
    assert set(result["placements"]) == set(by_name)
    assert set(result["unplaced"]) == set(n for n, h in result["placements"].items() if h is None)
    for name, host_name in result["placements"].items():
        if host_name is not None:
            check_invariants(by_name[name], hosts[host_name], result["plans"][name])
    for host_name, usage in result["hosts"].items():
        topo = read_host(hosts[host_name])
        plans = [result["plans"][name] for name in usage["vmis"]]
        pinned = [parse_cpuset(plan["cpuset"]) for plan in plans if plan["cpuset"]]
        assert sum(map(len, pinned)) == len(frozenset().union(*pinned)), "a pCPU given twice"
        for node in topo.nodes:
            for size, pool in node.hugepages.items():
                taken = sum(plan["hugepages"]["per_node"].get(str(node.id), 0) for plan in plans
                            if plan["hugepages"] and parse_quantity(
                                plan["hugepages"]["page_size"]).value() == size)
                assert taken <= pool.free, "node %d's pool over-committed" % node.id
        # the scheduler's rule: requests within what is allocatable
        cpu_requests = 1000 * len(topo.used) + sum(
            max(parse_quantity(launcher_envelope(by_name[name], config)["requests"]["cpu"])
                .milli_value(), 1000 * len(parse_cpuset(plan["cpuset"])))
            for name, plan in zip(usage["vmis"], plans))
        assert cpu_requests <= 1000 * (len(topo.cpus) - len(topo.reserved))
        memory = sum(parse_quantity(launcher_envelope(by_name[name], config)["requests"][
            "memory"]).value() for name in usage["vmis"])
        allocatable = sum(ordinary_memory(node) for node in topo.nodes)
        assert memory == usage["memory"]["requested"] <= allocatable
        # and so the configured ratios hold
        if usage["cpu"]["vcpus_per_pcpu"] is not None:
            assert usage["cpu"]["vcpus_per_pcpu"] <= ratio
        if usage["memory"]["overcommit_percent"] is not None:
            assert usage["memory"]["overcommit_percent"] <= overcommit + 0.1
        for node in usage["nodes"]:
            cpus = node["cpus"]
            assert cpus["free"] + cpus["used"] + cpus["reserved"] == cpus["total"]
        assert sum(node["memory"]["used"] for node in usage["nodes"]) == memory


def test_one_name_in_two_namespaces_is_two_vms_keyed_by_namespace():
    """KubeVirt allows it: a shared name is keyed namespace/name, a name of its own stays plain."""
    first, second, third = shared_vmi("db"), shared_vmi("db"), shared_vmi("web")
    first["metadata"]["namespace"] = "shop"
    second["metadata"]["namespace"] = "blog"
    result = place_fleet([first, second, third], {"h": small_host(cpus=8)})
    assert sorted(result["placements"]) == ["blog/db", "shop/db", "web"]
    assert set(result["placements"].values()) == {"h"}
    assert sorted(result["hosts"]["h"]["vmis"]) == ["blog/db", "shop/db", "web"]
    assert result["plans"]["shop/db"]["name"] == "shop/db"
    # no namespace reads as default: the same name there twice is one object twice
    default = shared_vmi("db")
    default["metadata"]["namespace"] = "default"
    with pytest.raises(VmpodInputError, match=r"vmis\[1\]\.metadata\.name: 'db' is a duplicate of vmis\[0\] in namespace default"):
        place_fleet([shared_vmi("db"), default], {"h": small_host()})


def test_dedicated_vms_have_guaranteed_pods_and_others_are_findings():
    # KubeVirt's rules make a dedicated-CPU launcher Pod Guaranteed through every container
    # (compute's memory limit follows its request, the sidecars' requests their limits), so
    # the example fleet has no finding; a Pod that is not (the kubelet would not pin it) is one.
    varied = [dedicated_vmi(cores=2, name="tight")]
    varied[0]["spec"]["domain"]["resources"] = {"requests": {"memory": "2Gi"},
                                                "limits": {"memory": "4Gi"}}
    assert launcher_envelope(varied[0])["qos"] == "Guaranteed"
    result = place_fleet(list(VMIS.values()) + varied, HOSTS)
    assert not [w for w in result["warnings"] if "dedicated CPUs" in w]

    class Loose:
        name, dedicated, qos = "loose", True, "Burstable"
        qos_reason = "init container x has no cpu limit"
    assert not_pinned_warnings([Loose()]) == [
        "loose: dedicated CPUs, but its launcher Pod would be Burstable (init container x has "
        "no cpu limit): the kubelet gives it shared CPUs"]


def gpu_vmi(name):
    vmi = shared_vmi(name)
    vmi["spec"]["domain"]["devices"] = {"gpus": [{"name": "gpu", "deviceName": "nvidia.com/A10"}]}
    return vmi


def test_extended_resources_are_counted_as_kube_scheduler_counts_them():
    # a GPU VM's launcher Pod requests nvidia.com/A10: a host that does not offer it leaves the
    # Pod Pending ("Insufficient nvidia.com/A10"), and one GPU goes to one Pod
    plain = small_host(cpus=8)
    with_gpu = dict(small_host(cpus=8), extended_resources={"nvidia.com/A10": 1, "pods": 3})
    result = place_fleet([gpu_vmi("g1"), gpu_vmi("g2")], {"plain": plain, "gpu": with_gpu})
    assert result["placements"] == {"g1": "gpu", "g2": None}
    assert "plain: the Pod requests 1 nvidia.com/A10, 0 of the host's 0 are left (kube-scheduler: " \
           "Insufficient nvidia.com/A10)" in result["unplaced"]["g2"]
    assert result["hosts"]["gpu"]["extended"]["nvidia.com/A10"] == {"allocatable": 1, "requested": 1}
    # KubeVirt's own device plugins are on every node (1000 each) unless the host says otherwise
    assert result["hosts"]["gpu"]["extended"]["devices.kubevirt.io/kvm"] == {
        "allocatable": 1000, "requested": 1}
    # the Pod count, where the host states it
    vms = [shared_vmi("vm-%d" % i, cores=1) for i in range(5)]
    result = place_fleet(vms, {"gpu": with_gpu})
    assert sum(1 for host in result["placements"].values() if host) == 3
    assert "the Pod requests 1 pods, 0 of the host's 3 are left" in result["unplaced"]["vm-3"][1]


@pytest.mark.parametrize("extended, message", [
    ({"x.io/a": -1}, "must not be negative"),
    ({"x.io/a": "1500m"}, "must be a whole number"),
    ({"x.io/a": True}, "must be a whole number"),
    ([1], "must map resource names"),
])
def test_bad_extended_resources_name_the_field(extended, message):
    with pytest.raises(VmpodInputError) as err:
        place_fleet([], {"h": dict(small_host(), extended_resources=extended)})
    assert err.value.path.startswith("hosts.h.extended_resources") or \
        err.value.path.startswith("h.extended_resources"), err.value.path
    assert message in str(err.value)


# -- a fleet of look-alikes ---------------------------------------------------------------------

def look_alike_fleet():
    """60 VMIs of five shapes (in a fixed shuffled order) on 9 hosts of three models, interleaved:
    more than fits, so some stay unplaced."""
    shapes = [lambda name: shared_vmi(name, cores=2, memory="4Gi"),
              lambda name: shared_vmi(name, cores=4, memory=None, guest="8Gi"),
              lambda name: dedicated_vmi(cores=2, threads=2, memory="8Gi", name=name),
              lambda name: dedicated_vmi(cores=2, memory="4Gi", page="2Mi", name=name),
              lambda name: dedicated_vmi(cores=2, threads=2, memory="8Gi", page="1Gi",
                                         emulator=True, passthrough=True, name=name)]
    order = [(index * 7) % 5 if index % 3 else (index * 3) % 5 for index in range(60)]
    vmis = [shapes[shape]("vm-%02d" % index) for index, shape in enumerate(order)]
    models = [host_data(sockets=2, cores=4, threads=2, pages_1g=8, pages_2m=2048),
              host_data(sockets=1, cores=8, threads=2, pages_1g=4, reserved="0,8"),
              host_data(sockets=2, cores=2, threads=1, pages_1g=0, used="1")]
    hosts = dict(("host-%d" % index, copy.deepcopy(models[index % 3])) for index in range(9))
    return vmis, hosts


@pytest.mark.parametrize("policy", ["pack", "spread"])
def test_look_alikes_are_placed_as_the_same_vms_and_hosts_told_apart_would_be(policy):
    # Identical VMIs share their sizing and identical hosts their read; told apart (a label of
    # their own for each VMI, each host read on its own) they must land and plan the same.
    vmis, hosts = look_alike_fleet()
    config = {"developerConfiguration": {"cpuAllocationRatio": 4}}
    given = copy.deepcopy((vmis, hosts))
    result = place_fleet(vmis, hosts, config, policy=policy)
    assert (vmis, hosts) == given  # the input is left as it was
    assert place_fleet(vmis, hosts, config, policy=policy) == result
    apart = copy.deepcopy(vmis)
    for index, vmi in enumerate(apart):
        vmi["metadata"]["labels"] = {"index": str(index)}
    read_apart = dict((name, read_host(data)) for name, data in hosts.items())
    assert place_fleet(apart, read_apart, config, policy=policy) == result
    placed = [name for name, host in result["placements"].items() if host]
    assert 0 < len(placed) < len(vmis) and len(set(result["placements"].values()) - {None}) >= 8


def test_spread_past_many_hosts_refusing_a_shape_places_as_the_reference():
    """Hosts without 1Gi pages refuse every 1Gi VM and stay the least loaded: after more than
    a few refusals such a shape gets a heap of its own (host_order.Spreader), which must choose
    exactly what trying every host, least loaded first, chooses; shared VMs still use them."""
    hosts = {}
    for index in range(24):
        hosts["host-%02d" % index] = small_host(cpus=8, memory="32Gi", pages_1g=0 if index % 3 else 8)
    vmis = []
    for index in range(40):
        if index % 4 == 3:
            vmis.append(shared_vmi("shared-%02d" % index, cores=2, memory="2Gi"))
        else:
            vmis.append(dedicated_vmi(cores=2, memory="2Gi", page="1Gi", name="paged-%02d" % index))
    config = {"developerConfiguration": {"cpuAllocationRatio": 10}}
    result = place_fleet(vmis, hosts, config, policy="spread")
    assert (result["placements"], result["plans"]) == reference_placement(vmis, hosts, config, "spread")
    on_paged_hosts = set(name for vmi, name in result["placements"].items()
                         if vmi.startswith("paged") and name)
    assert on_paged_hosts and all(int(name[-2:]) % 3 == 0 for name in on_paged_hosts)
    assert sum(1 for name in result["placements"].values() if name is None) > 0  # pools run out
