# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""planning.fragmentation through place_fleet and simulate_drain: an unplaced VM the fleet's
free totals would hold but no host (or NUMA node) can, and the fewest moves that free a host,
checked by placing the fleet again as the moves leave it."""

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet, simulate_drain
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_envelope
from ansible_collections.vmpod.core.plugins.module_utils.output.fleet_markdown import fleet_markdown
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import ordinary_memory
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity
from vmpod_placement_data import check_invariants, host_data


def vmi(name, cores, dedicated=True, memory="2Gi", page=None, node=None):
    """Without the console log sidecar, so that a dedicated VM's Pod requests exactly its
    pCPUs and the arithmetic stays whole."""
    cpu = {"cores": cores}
    if dedicated:
        cpu["dedicatedCpuPlacement"] = True
    domain = {"cpu": cpu, "resources": {"requests": {"memory": memory}},
              "devices": {"autoattachSerialConsole": False}}
    if page:
        domain["memory"] = {"hugepages": {"pageSize": page}}
    item = {"kind": "VirtualMachineInstance", "metadata": {"name": name}, "spec": {"domain": domain}}
    if node:
        item["status"] = {"nodeName": node}
    return item


def flat_host(cpus, pages_1g=0):
    """One socket, one NUMA node, ``cpus`` cores without SMT."""
    return {"cpus": [{"id": i, "socket": 0, "core": i, "node": 0} for i in range(cpus)],
            "nodes": [{"id": 0, "memory": "64Gi",
                       "hugepages": {"1Gi": {"total": pages_1g, "free": pages_1g}}}]}


def fleet_after(result, report, stuck):
    """VM name -> host once the report's moves are made and the stuck VM placed."""
    final = dict(result["placements"])
    for move in report["moves"]:
        assert final[move["vmi"]] == move["source"]
        final[move["vmi"]] = move["target"]
    assert report["plans"][stuck]["host"] == report["host"]
    final[stuck] = report["host"]
    return final


def placed_again(vmis, hosts, final, order, options=None):
    """Each host placed again from scratch with the VMs the moves leave on it, in ``order``:
    every one of them is placed."""
    by_name = dict((item["metadata"]["name"], item) for item in vmis)
    for host_name in set(final.values()) - {None}:
        members = [name for name in order if final[name] == host_name]
        again = place_fleet([by_name[name] for name in members], {host_name: hosts[host_name]},
                            options=options)
        assert again["unplaced"] == {}, (host_name, again["unplaced"])


# -- scenarios ------------------------------------------------------------------------------------

def test_two_hosts_with_two_free_pcpus_each_take_a_four_pcpu_vm_once_one_vm_moves():
    # spread puts a on h1 and b on h2: 2 free pCPUs on each, 4 in all, the 4-pCPU VM fits none
    vmis = [vmi("a", 2), vmi("b", 2), vmi("big", 4)]
    hosts = {"h1": flat_host(4), "h2": flat_host(4)}
    result = place_fleet(vmis, hosts, policy="spread")
    assert result["placements"] == {"a": "h1", "b": "h2", "big": None}
    assert set(result["fragmentation"]) == {"big"}
    report = result["fragmentation"]["big"]
    assert report["fragmented"] is True and report["piece"] == "host"
    assert (report["needed"]["pcpus"], report["largest_free"]["pcpus"],
            report["free_total"]["pcpus"]) == (4, 2, 4)
    assert report["moves"] == [{"vmi": "a", "source": "h1", "target": "h2"}]
    assert report["host"] == "h1" and report["bound_hit"] is False
    assert report["summary"] == ("big: the fleet has 4 free pCPUs in total but at most 2 on one "
                                 "host, the VM needs 4; moving a (h1 -> h2) frees h1")
    assert parse_cpuset(report["plans"]["big"]["cpuset"]) == {0, 1, 2, 3}
    # the move verified: both hosts placed again as it leaves them take all their VMs
    final = fleet_after(result, report, "big")
    assert final == {"a": "h2", "b": "h2", "big": "h1"}
    placed_again(vmis, hosts, final, ["b", "a", "big"])


def test_a_vm_too_big_for_the_free_totals_is_not_fragmented():
    vmis = [vmi("a", 6), vmi("b", 6), vmi("big", 6)]
    result = place_fleet(vmis, {"h1": flat_host(8), "h2": flat_host(8)})
    report = result["fragmentation"]["big"]
    assert report["fragmented"] is False and report["moves"] == [] and report["host"] is None
    assert report["free_total"]["pcpus"] == 4 and report["needed"]["pcpus"] == 6
    assert report["reason"] == ("the fleet lacks room: it has 4 free pCPUs in total, the VM needs 6")


def test_a_vm_no_host_takes_even_empty_is_not_fragmented():
    result = place_fleet([vmi("huge", 10)], {"h1": flat_host(8), "h2": flat_host(8)})
    report = result["fragmentation"]["huge"]
    assert report["fragmented"] is False and report["moves"] == []
    assert report["reason"].startswith("fits none of the 2 hosts even with no VM")


def test_a_vm_of_another_architecture_is_not_fragmented_and_not_an_error():
    # no CPU request: planning it would be an input error, but no host of its architecture
    # plans it, so it is unplaced as before, and its report reads nothing more of it
    item = {"kind": "VirtualMachineInstance", "metadata": {"name": "x"}, "spec": {"domain": {
        "cpu": {"dedicatedCpuPlacement": True}, "resources": {"requests": {"memory": "1Gi"}}}}}
    result = place_fleet([item], {"h": dict(flat_host(2), architecture="arm64")})
    report = result["fragmentation"]["x"]
    assert report["fragmented"] is False and report["needed"] == {}
    assert report["reason"].startswith("fits none of the 1 hosts")


def test_hugepages_split_across_numa_nodes_under_single_numa_node():
    # h1: 2 NUMA nodes of 8 pCPUs and 4 1Gi pages each. a and b (3 pages each) land one per
    # node, leaving 1 page on each: 2 in all, but single-numa-node wants c's 2 pages on one node.
    # h2 (2 pCPUs, 3 pages) cannot take c (4 pCPUs) but can take a.
    options = {"topology_policy": "single-numa-node"}
    hosts = {"h1": host_data(sockets=2, cores=8, threads=1, pages_1g=4),
             "h2": host_data(sockets=1, cores=2, threads=1, pages_1g=3)}
    vmis = [vmi("a", 2, memory="3Gi", page="1Gi"), vmi("b", 2, memory="3Gi", page="1Gi"),
            vmi("c", 4, memory="2Gi", page="1Gi")]
    result = place_fleet(vmis, hosts, options=options)
    assert result["placements"] == {"a": "h1", "b": "h1", "c": None}
    report = result["fragmentation"]["c"]
    assert report["fragmented"] is True and report["piece"] == "NUMA node"
    assert (report["needed"]["hugepages_1Gi"], report["largest_free"]["hugepages_1Gi"],
            report["free_total"]["hugepages_1Gi"]) == (2, 1, 2)
    assert "the fleet has 2 free hugepages 1Gi in total but at most 1 on one NUMA node" in report["reason"]
    assert len(report["moves"]) == 1 and report["moves"][0]["target"] == "h2"
    assert report["host"] == "h1"
    final = fleet_after(result, report, "c")
    moved = report["moves"][0]["vmi"]
    placed_again(vmis, hosts, final, [name for name in ("a", "b") if name != moved] + [moved, "c"],
                 options)
    plan = report["plans"]["c"]
    assert len(plan["hugepages"]["per_node"]) == 1  # one node, as the policy asks


def test_the_report_says_when_the_search_stopped_at_its_bounds():
    # ten hosts with 1 free pCPU each: 10 in all for a 4-pCPU VM, but no 3-pCPU VM finds another
    # host, so no move frees one; the search tries 8 of the 10 hosts and says so
    vmis = [vmi("vm-%d" % index, 3) for index in range(10)] + [vmi("big", 4)]
    result = place_fleet(vmis, dict(("h%d" % index, flat_host(4)) for index in range(10)),
                         policy="spread")
    report = result["fragmentation"]["big"]
    assert report["fragmented"] is True and report["moves"] == [] and report["host"] is None
    assert report["bound_hit"] is True
    assert report["summary"] == ("big: the fleet has 10 free pCPUs in total but at most 1 on one "
                                 "host, the VM needs 4; no 4 moves or fewer free one of the 8 "
                                 "hosts tried")


def test_look_alikes_get_the_same_report_under_their_own_names():
    vmis = [vmi("a", 2), vmi("b", 2), vmi("big-1", 4), vmi("big-2", 4)]
    result = place_fleet(vmis, {"h1": flat_host(4), "h2": flat_host(4)}, policy="spread")
    first, second = result["fragmentation"]["big-1"], result["fragmentation"]["big-2"]
    assert first["moves"] == second["moves"]
    assert second["summary"].startswith("big-2: ") and "big-2" in second["plans"]
    assert "big-1" not in second["plans"]


def test_a_fleet_that_fits_has_no_fragmentation():
    result = place_fleet([vmi("a", 2)], {"h1": flat_host(4)})
    assert result["unplaced"] == {} and result["fragmentation"] == {}


def test_a_drain_blocker_is_fragmentation_when_another_vm_can_migrate_away():
    vmis = [vmi("big", 4, node="h1"), vmi("a", 2, node="h2"), vmi("b", 2, node="h3")]
    hosts = {"h1": flat_host(4), "h2": flat_host(4), "h3": flat_host(4)}
    result = simulate_drain(vmis, hosts, "h1")
    assert result["safe"] is False and set(result["blockers"]) == {"big"}
    report = result["fragmentation"]["big"]
    assert report["fragmented"] is True
    assert report["moves"] == [{"vmi": "a", "source": "h2", "target": "h3"}]
    assert report["host"] == "h2"  # never the drained host
    placed_again(vmis, hosts, {"a": "h3", "b": "h3", "big": "h2"}, ["b", "a", "big"])


def test_a_safe_drain_has_no_fragmentation():
    vmis = [vmi("a", 2, node="h1")]
    result = simulate_drain(vmis, {"h1": flat_host(4), "h2": flat_host(4)}, "h1")
    assert result["safe"] is True and result["fragmentation"] == {}


# -- property: proposed moves always leave a sound fleet -------------------------------------------

@st.composite
def fleets(draw):
    hosts = {}
    for index in range(draw(st.integers(2, 4))):
        sockets, cores = draw(st.integers(1, 2)), draw(st.sampled_from([2, 4, 6]))
        data = host_data(sockets, cores, draw(st.integers(1, 2)), draw(st.sampled_from([1, 2])),
                         pages_1g=draw(st.integers(0, 6)), pages_2m=0)
        for node in data["nodes"]:
            node["memory"] = "%dGi" % draw(st.integers(12, 32))
        hosts["h%d" % index] = data
    vmis = []
    # small VMs first, that split the room up, then larger ones that may find it split
    sizes = [draw(st.integers(1, 2)) for small in range(draw(st.integers(2, 10)))]
    sizes += [draw(st.integers(2, 6)) for large in range(draw(st.integers(1, 3)))]
    for index, cores in enumerate(sizes):
        dedicated = draw(st.booleans()) or cores > 2
        page = draw(st.sampled_from([None, "1Gi"])) if dedicated else None
        vmis.append(vmi("vm-%d" % index, cores, dedicated, "%dGi" % draw(st.integers(1, 4)), page))
    policy = draw(st.sampled_from(["pack", "spread", "spread"]))
    options = {"topology_policy": draw(st.sampled_from(["none", "single-numa-node"]))}
    return vmis, hosts, policy, options


def assert_sound(vmis, hosts, result, stuck, options):
    """Every host as the moves leave it: valid plans, no pCPU twice, no pool, CPU or memory
    past what the host has; every moved VM's plan valid on its target."""
    report = result["fragmentation"][stuck]
    by_name = dict((item["metadata"]["name"], item) for item in vmis)
    final = fleet_after(result, report, stuck)
    plans = dict(result["plans"])
    plans.update(report["plans"])
    for move in report["moves"]:
        assert report["plans"][move["vmi"]]["host"] == move["target"]
    for host_name, data in hosts.items():
        members = [name for name, where in final.items() if where == host_name]
        topo = read_host(data)
        for name in members:
            check_invariants(by_name[name], data, plans[name])
            assert plans[name]["fits"]
        pinned = [parse_cpuset(plans[name]["cpuset"]) for name in members if plans[name]["cpuset"]]
        assert sum(map(len, pinned)) == len(frozenset().union(*pinned)), "a pCPU pinned twice"
        for node in topo.nodes:
            for size, pool in node.hugepages.items():
                taken = sum(plans[name]["hugepages"]["per_node"].get(str(node.id), 0)
                            for name in members if plans[name]["hugepages"]
                            and parse_quantity(plans[name]["hugepages"]["page_size"]).value() == size)
                assert taken <= pool.free, "node %d's pool over-committed" % node.id
        cpu = sum(max(parse_quantity(launcher_envelope(by_name[name])["requests"]["cpu"]).milli_value(),
                      1000 * len(parse_cpuset(plans[name]["cpuset"]) if plans[name]["cpuset"] else ()))
                  for name in members)
        assert cpu <= 1000 * (len(topo.cpus) - len(topo.reserved))
        memory = sum(parse_quantity(launcher_envelope(by_name[name])["requests"]["memory"]).value()
                     for name in members)
        assert memory <= sum(ordinary_memory(node) for node in topo.nodes)
        if options["topology_policy"] == "single-numa-node":
            for name in members:
                if plans[name]["cpuset"]:
                    nodes = {topo.cpu_by_id[cpu].node for cpu in parse_cpuset(plans[name]["cpuset"])}
                    assert len(nodes) == 1, "single-numa-node broken by %s" % name


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(fleet=fleets())
def test_proposed_moves_leave_no_host_overcommitted_and_every_plan_valid(fleet):
    vmis, hosts, policy, options = fleet
    result = place_fleet(vmis, hosts, policy=policy, options=options)
    assert set(result["fragmentation"]) == set(result["unplaced"])
    for name, report in result["fragmentation"].items():
        assert report["summary"].startswith(name + ": ")
        if not report["fragmented"]:
            assert report["moves"] == [] and report["host"] is None
            continue
        for key, needed in report["needed"].items():
            assert report["free_total"][key] >= needed
        event("moves proposed" if report["moves"] else "fragmented, no moves found")
        if report["moves"]:
            assert 1 <= len(report["moves"]) <= 4
            assert_sound(vmis, hosts, result, name, options)


def test_the_markdown_report_names_the_moves():
    vmis = [vmi("a", 2), vmi("b", 2), vmi("big", 4)]
    result = place_fleet(vmis, {"h1": flat_host(4), "h2": flat_host(4)}, policy="spread")
    text = fleet_markdown(result)
    assert "## Fragmentation" in text
    assert ("- big: the fleet has 4 free pCPUs in total but at most 2 on one host, the VM needs 4; "
            "moving a (h1 -> h2) frees h1\n") in text
    # a VM the fleet lacks room for is unplaced, not fragmented
    text = fleet_markdown(place_fleet([vmi("huge", 10)], {"h1": flat_host(8)}))
    assert "## Unplaced" in text and "## Fragmentation" not in text


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(fleet=fleets())
def test_moves_proposed_for_a_drain_blocker_leave_no_host_overcommitted(fleet):
    vmis, hosts, policy, options = fleet
    drained = sorted(hosts)[0]
    result = simulate_drain(vmis, hosts, drained, policy=policy, options=options)
    assert set(result["fragmentation"]) == set(result["blockers"])
    for name, report in result["fragmentation"].items():
        event("drain: moves proposed" if report["moves"] else "drain: no moves")
        if report["moves"]:
            assert report["host"] != drained
            assert all(move["target"] != drained for move in report["moves"])
            assert_sound(vmis, hosts, result, name, options)
