# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plan_hugepage_pools: the pages per host and NUMA node that let a fleet be placed, as the
hugepages role takes them, and the memory the plan strands."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet, plan_hugepage_pools
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from vmpod_placement_data import HOSTS, VMIS, dedicated_vmi, host_data

GI, MI2 = 1 << 30, 2 << 20


def with_planned_pools(hosts, plan):
    """The hosts with exactly the planned pools, from the role variables the plan gives."""
    result = {}
    for name, data in hosts.items():
        changed = copy.deepcopy(data)
        for node in changed["nodes"]:
            node["hugepages"] = {}
        for entry in plan["hosts"][name]["hugepages_pages"]:
            node = next(n for n in changed["nodes"] if n["id"] == entry["node"])
            node["hugepages"][entry["size"]] = {"total": entry["count"], "free": entry["count"]}
        result[name] = changed
    return result


def test_pages_per_node_for_pinned_guests():
    # three 4Gi guests on 1Gi pages, two pinned cores each, on a host of two 4-core nodes:
    # pack puts two on node 0's cores and the third on node 1; each takes its pages locally
    vms = [dedicated_vmi(cores=2, memory="4Gi", page="1Gi", name="vm-%d" % i) for i in range(3)]
    plan = plan_hugepage_pools(vms, {"h": host_data(sockets=2, cores=4, threads=1, pages_1g=0)})
    assert plan["unplaced"] == {} and plan["warnings"] == []
    assert plan["hosts"]["h"]["hugepages_pages"] == [
        {"size": "1Gi", "count": 8, "node": 0}, {"size": "1Gi", "count": 4, "node": 1}]
    assert plan["hosts"]["h"]["nodes"]["0"]["1Gi"] == {"pages": 8, "used": 8, "stranded": 0}
    assert plan["stranded"] == 0


def test_headroom_rounds_up_and_is_stranded_memory():
    vms = [dedicated_vmi(cores=2, memory="3Gi", page="1Gi", name="a")]
    plan = plan_hugepage_pools(vms, {"h": host_data(sockets=1, cores=4, threads=1)}, headroom=0.1)
    [entry] = plan["hosts"]["h"]["hugepages_pages"]
    assert entry == {"size": "1Gi", "count": 4, "node": 0}  # ceil(3 * 1.1)
    assert plan["stranded"] == GI and plan["stranded_readable"] == "1Gi"


def test_the_example_fleet_places_on_its_planned_pools_as_place_fleet_says():
    plan = plan_hugepage_pools(list(VMIS.values()), HOSTS, headroom=0.05)
    again = place_fleet(list(VMIS.values()), with_planned_pools(HOSTS, plan))
    assert again["placements"] == plan["placements"]
    # what the fleet placement leaves out on the hosts as they are, it leaves out here too
    assert set(plan["unplaced"]) <= set(place_fleet(list(VMIS.values()), HOSTS)["unplaced"])
    sizes = {entry["size"] for host in plan["hosts"].values() for entry in host["hugepages_pages"]}
    assert sizes == {"2Mi", "1Gi"}


def test_a_guest_larger_than_any_node_stays_unplaced():
    small = host_data(sockets=1, cores=8, threads=1)
    small["nodes"][0]["memory"] = "6Gi"
    plan = plan_hugepage_pools([dedicated_vmi(cores=2, memory="8Gi", page="1Gi", name="big")],
                               {"h": small})
    assert plan["placements"] == {"big": None}


@pytest.mark.parametrize("headroom", [-0.1, "10%", True, float("nan"), float("inf"), 11, 10 ** 400])
def test_bad_headroom_is_named(headroom):
    with pytest.raises(VmpodInputError) as err:
        plan_hugepage_pools([], {"h": host_data()}, headroom=headroom)
    assert err.value.path == "headroom"


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from([1, 2, 4]), st.sampled_from(["2Mi", "1Gi", None]),
                          st.sampled_from(["1Gi", "2Gi", "3Gi"])), min_size=1, max_size=8),
       st.sampled_from([0.0, 0.25]))
def test_every_page_a_placed_vm_takes_is_planned(shapes, headroom):
    vms = [dedicated_vmi(cores=cores, memory=memory, page=page, name="vm-%d" % index)
           for index, (cores, page, memory) in enumerate(shapes)]
    hosts = {"a": host_data(sockets=2, cores=4, threads=2), "b": host_data(sockets=1, cores=4)}
    plan = plan_hugepage_pools(vms, hosts, headroom=headroom)
    for name, host in plan["hosts"].items():
        for sizes in host["nodes"].values():
            for pool in sizes.values():
                assert 0 <= pool["used"] <= pool["pages"]
                assert pool["pages"] <= max(pool["used"], int(pool["used"] * (1 + headroom)) + 1)
    assert place_fleet(vms, with_planned_pools(hosts, plan))["placements"] == plan["placements"]
