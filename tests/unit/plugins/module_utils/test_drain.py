# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""fleet.simulate_drain: where the VMs of a drained host can go, blockers with numbers, waves
within KubeVirt's limits, and the fleet afterwards never over-committed."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.filter.fleet import simulate_drain as drain_filter
from ansible_collections.vmpod.core.plugins.module_utils.fleet import simulate_drain
from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement
from ansible_collections.vmpod.core.plugins.module_utils.planning.drain import waves
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


def host(cpus=8, memory="64Gi", pages=1024, nodes=1):
    per_node = cpus // nodes
    return {"nodes": [{"id": node, "memory": memory, "hugepages": {"2Mi": {"total": pages, "free": pages}}}
                      for node in range(nodes)],
            "cpus": [{"id": cpu, "socket": cpu // per_node, "core": cpu // 2, "node": cpu // per_node}
                     for cpu in range(cpus)]}


def vmi(name, node=None, dedicated=False, cores=2, memory="4Gi", hugepages=False, console=False):
    """A VMI; without the console log sidecar unless asked, so that its Pod is its compute
    container and the CPU arithmetic below stays whole (test_fleet counts the sidecar)."""
    domain = {"cpu": {"cores": cores}, "resources": {"requests": {"memory": memory}}}
    if not console:
        domain["devices"] = {"autoattachSerialConsole": False}
    if dedicated:
        domain["cpu"]["dedicatedCpuPlacement"] = True
    if hugepages:
        domain["memory"] = {"hugepages": {"pageSize": "2Mi"}}
    item = {"kind": "VirtualMachineInstance", "metadata": {"name": name}, "spec": {"domain": domain}}
    if node:
        item["status"] = {"nodeName": node}
    return item


def test_shared_vms_move_in_one_wave_and_the_fleet_after_holds_them():
    result = simulate_drain([vmi("a", "h1"), vmi("b", "h1"), vmi("c", "h2")], {"h1": host(), "h2": host()}, "h1")
    assert result["safe"] and result["blockers"] == {}
    assert result["waves"] == [[{"vmi": "a", "source": "h1", "target": "h2"},
                                {"vmi": "b", "source": "h1", "target": "h2"}]]
    assert result["placements"] == {"a": "h2", "b": "h2", "c": "h2"}
    assert result["before"]["placements"] == {"a": "h1", "b": "h1", "c": "h2"}
    assert result["hosts"]["h1"]["vmis"] == [] and sorted(result["hosts"]["h2"]["vmis"]) == ["a", "b", "c"]
    assert sorted(result["before"]["hosts"]["h1"]["vmis"]) == ["a", "b"]


def test_pinned_vms_without_room_are_blockers_with_numbers_and_stay():
    vms = [vmi("p%d" % index, "h1", dedicated=True) for index in range(4)]
    result = simulate_drain(vms, {"h1": host(), "h2": host(cpus=4)}, "h1")
    assert not result["safe"]
    assert sorted(result["blockers"]) == ["p2", "p3"]
    assert result["blockers"]["p2"] == ["h2: the Pod requests 2 CPU, 0 of the host's 4 allocatable CPU are left"]
    assert result["placements"] == {"p0": "h2", "p1": "h2", "p2": "h1", "p3": "h1"}


def test_the_console_log_sidecar_counts_on_the_target():
    # two 2-CPU pinned VMs fill a 4-CPU target by their compute containers, but each Pod also
    # holds the guest-console-log sidecar (15m, Guaranteed): the second no longer fits
    vms = [vmi("p%d" % index, "h1", dedicated=True, console=True) for index in range(2)]
    result = simulate_drain(vms, {"h1": host(), "h2": host(cpus=4)}, "h1")
    assert not result["safe"]
    assert result["blockers"]["p1"] == [
        "h2: the Pod requests 2015m CPU, 1985m of the host's 4 allocatable CPU are left"]


def test_the_hardest_vms_move_first():
    vms = [vmi("small", "h1"), vmi("pinned-pages", "h1", dedicated=True, memory="1Gi", hugepages=True),
           vmi("pinned", "h1", dedicated=True)]
    result = simulate_drain(vms, {"h1": host(), "h2": host()}, "h1")
    assert [move["vmi"] for wave in result["waves"] for move in wave] == ["pinned-pages", "pinned", "small"]


def test_a_target_that_would_change_the_guest_layout_is_refused():
    """A 4-vCPU pinned guest on a host with hyper-threads keeps sibling pairs; a target without
    them would split them (check_migration's rule), so it is no target."""
    source = host(cpus=8)
    no_smt = {"nodes": [{"id": 0, "memory": "64Gi"}],
              "cpus": [{"id": cpu, "socket": 0, "core": cpu, "node": 0} for cpu in range(8)]}
    guest = vmi("g", "h1", dedicated=True, cores=2)
    guest["spec"]["domain"]["cpu"]["threads"] = 2
    result = simulate_drain([guest], {"h1": source, "h2": no_smt}, "h1")
    assert not result["safe"], result["placements"]
    assert "keep their 2 threads on one host core on the source but not on the target" in result["blockers"]["g"][0]


def test_draining_every_host_leaves_no_target():
    result = simulate_drain([vmi("a", "h1")], {"h1": host()}, ["h1"])
    assert result["blockers"] == {"a": ["no host is left once h1 is drained"]}


def test_vms_without_a_node_are_placed_by_the_policy_first():
    result = simulate_drain([vmi("a"), vmi("b", "h2")], {"h1": host(), "h2": host()}, "h1")
    assert result["before"]["placements"] == {"a": "h1", "b": "h2"}
    assert result["placements"] == {"a": "h2", "b": "h2"}
    result = simulate_drain([vmi("a", "elsewhere")], {"h1": host(), "h2": host()}, "h2")
    assert result["warnings"][0].startswith("a runs on elsewhere, which is not a host of the fleet")


@pytest.mark.parametrize("drain, message", [
    ("h9", "drain: 'h9' is not a host of the fleet (h1, h2)"),
    (["h1", 3], "drain[1]: 3 is not a host of the fleet"),
    ([], "drain: [] must name a host of the fleet"),
])
def test_a_drain_of_a_host_not_in_the_fleet_is_an_error(drain, message):
    with pytest.raises(VmpodInputError) as err:
        simulate_drain([vmi("a")], {"h1": host(), "h2": host()}, drain)
    assert str(err.value).startswith(message)
    with pytest.raises(Exception, match=re.escape("vmpod.core.simulate_drain: " + message)):
        drain_filter([vmi("a")], {"h1": host(), "h2": host()}, drain)


def test_waves_keep_kubevirts_limits():
    moves = [{"vmi": "v%d" % index, "source": "h%d" % (index % 3), "target": "t"} for index in range(12)]
    result = waves(moves)
    assert [len(wave) for wave in result] == [5, 5, 2]
    for wave in result:
        sources = [move["source"] for move in wave]
        assert max(sources.count(name) for name in set(sources)) <= 2
    one_node = waves([{"vmi": "v%d" % index, "source": "h", "target": "t"} for index in range(5)])
    assert [len(wave) for wave in one_node] == [2, 2, 1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["h1", "h2", "h3", None]), st.booleans(), st.integers(1, 3),
                          st.sampled_from(["1Gi", "4Gi", "16Gi"])), min_size=1, max_size=10),
       st.sampled_from(["h1", "h2", "h3"]), st.sampled_from(["pack", "spread"]))
def test_after_a_drain_no_host_is_overcommitted_and_every_moved_plan_is_valid(specs, drained, policy):
    hosts = {"h1": host(), "h2": host(cpus=12, nodes=2), "h3": host(cpus=4, memory="16Gi")}
    vms = [vmi("v%d" % index, node, dedicated, cores, memory)
           for index, (node, dedicated, cores, memory) in enumerate(specs)]
    result = simulate_drain(vms, hosts, drained, policy=policy)
    moved = [move for wave in result["waves"] for move in wave]
    assert all(move["source"] == drained and move["target"] != drained for move in moved)
    assert result["safe"] == (not result["blockers"])
    for name, usage in result["hosts"].items():
        assert usage["cpu"]["exclusive"] <= usage["cpu"]["pcpus"] - usage["cpu"]["reserved"], name
        assert usage["memory"]["requested"] <= usage["memory"]["allocatable"], name
        pinned = [cpu for cpus in usage["pinned"].values() for cpu in cpus.split(",")]
        assert len(pinned) == len(set(pinned)), name  # no pCPU given twice
    by_name = dict((vm["metadata"]["name"], vm) for vm in vms)
    for move in moved:  # each moved VM's plan holds on its new host as it was before the moves
        alone = plan_placement(by_name[move["vmi"]], hosts[move["target"]])
        assert alone["fits"], (move, alone["reasons"])
        assert result["plans"][move["vmi"]]["host"] == move["target"]
