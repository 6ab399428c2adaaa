# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Explicit guest NUMA layouts with Nova's hw:numa_nodes / hw:numa_cpus.N / hw:numa_mem.N rules
(nova/virt/hardware.py _get_numa_topology_auto, _get_numa_topology_manual), and their fit onto
distinct host nodes (numa_fit_instance_to_host: host cells in order, the first fit wins)."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.numa_layout import fit_cells, guest_cells

GI = 2 ** 30


def cells_of(options, vcpus=4, memory=4 * GI, page=None):
    return [(c.id, c.vcpus, c.memory) for c in guest_cells(options, vcpus, memory, page)]


def test_no_layout_asked():
    assert guest_cells({}, 4, 4 * GI) is None


def test_symmetric_split_is_contiguous():
    # Nova: hw:numa_nodes=2 on 4 vCPUs / 4 GiB -> cell 0 vCPUs 0-1, cell 1 vCPUs 2-3, 2 GiB each
    assert cells_of({"numa_nodes": 2}) == [(0, (0, 1), 2 * GI), (1, (2, 3), 2 * GI)]


def test_asymmetric_layout():
    options = {"numa_nodes": 2, "numa_cpus": {0: "0", "1": "1-3"}, "numa_mem": {0: "1Gi", 1: "3Gi"}}
    assert cells_of(options) == [(0, (0,), GI), (1, (1, 2, 3), 3 * GI)]


@pytest.mark.parametrize("options, vcpus, memory, message", [
    ({"numa_nodes": 3}, 4, 3 * GI, "does not divide the VM's 4 vCPUs evenly"),
    ({"numa_nodes": 2}, 4, 3 * GI + 1, "does not divide the guest memory"),
    ({"numa_nodes": 0}, 4, GI, "must be a positive integer"),
    ({"numa_nodes": 5}, 4, GI, "more guest NUMA nodes than the VM's 4 vCPUs"),
    ({"numa_cpus": {0: "0-3"}}, 4, GI, "options.numa_nodes is required"),
    ({"numa_nodes": 2, "numa_cpus": {0: "0-1", 1: "2-3"}}, 4, GI, "options.numa_mem is required"),
    ({"numa_nodes": 2, "numa_cpus": {0: "0-1", 1: "1-3"}, "numa_mem": {0: "1Gi", 1: "3Gi"}}, 4, 4 * GI,
     "repeats vCPU 1 of guest node 0"),
    ({"numa_nodes": 2, "numa_cpus": {0: "0", 1: "1-2"}, "numa_mem": {0: "1Gi", 1: "3Gi"}}, 4, 4 * GI,
     "vCPUs are in no guest node"),
    ({"numa_nodes": 2, "numa_cpus": {0: "0-1", 1: "2-5"}, "numa_mem": {0: "1Gi", 1: "3Gi"}}, 4, 4 * GI,
     "names vCPUs the VM does not have"),
    ({"numa_nodes": 2, "numa_cpus": {0: "0-1", 1: "2-3"}, "numa_mem": {0: "1Gi", 1: "2Gi"}}, 4, 4 * GI,
     "do not equal the guest memory"),
    ({"numa_nodes": 2, "numa_cpus": {0: "0-1", 2: "2-3"}, "numa_mem": {0: "1Gi", 1: "3Gi"}}, 4, 4 * GI,
     "is not a guest node number"),
])
def test_bad_layouts_name_the_option(options, vcpus, memory, message):
    with pytest.raises(VmpodInputError) as err:
        guest_cells(options, vcpus, memory)
    assert message in str(err.value)
    assert str(err.value).startswith("options.")


def test_cell_memory_must_be_whole_pages():
    with pytest.raises(VmpodInputError, match="options.numa_mem.0"):
        guest_cells({"numa_nodes": 2}, 2, 3 * GI, page_size=2 * GI)


def host(free_pages=(8, 8), cpus_per_node=4):
    cpus = [{"id": i, "socket": i // cpus_per_node, "core": i % cpus_per_node,
             "node": i // cpus_per_node} for i in range(2 * cpus_per_node)]
    return read_host({"cpus": cpus, "nodes": [
        {"id": n, "memory": "16Gi", "hugepages": {"1Gi": {"total": 8, "free": free_pages[n]}}}
        for n in range(2)]})


def test_fit_takes_the_first_host_nodes_in_order():
    topo = host()
    cells = guest_cells({"numa_nodes": 2}, 4, 4 * GI, GI)
    assert fit_cells(topo, cells, topo.available(), True, GI) == ([0, 1], None)


def test_fit_moves_a_cell_to_the_node_with_pages():
    topo = host(free_pages=(1, 8))
    cells = guest_cells({"numa_nodes": 2, "numa_cpus": {0: "0-1", 1: "2-3"},
                         "numa_mem": {0: "3Gi", 1: "1Gi"}}, 4, 4 * GI, GI)
    assert fit_cells(topo, cells, topo.available(), True, GI) == ([1, 0], None)


def test_no_fit_names_the_cell():
    topo = host(free_pages=(1, 1))
    cells = guest_cells({"numa_nodes": 2}, 4, 8 * GI, GI)
    assignment, reasons = fit_cells(topo, cells, topo.available(), True, GI)
    assert assignment is None
    assert reasons[0].startswith("guest NUMA node 0 (2 vCPUs, 4294967296 bytes) fits on no host")


def test_dedicated_cells_count_available_cpus_only():
    topo = host()
    cells = guest_cells({"numa_nodes": 2}, 8, 2 * GI, GI)
    available = topo.available() - {0}
    assignment, reasons = fit_cells(topo, cells, available, True, GI)
    assert assignment is None and reasons
    assert fit_cells(topo, cells, available, False, GI) == ([0, 1], None)


def test_shared_host_nodes_hold_all_their_cells():
    topo = host(free_pages=(8, 0))
    cells = guest_cells({"numa_nodes": 2}, 4, 4 * GI, GI)
    # distinct nodes (Nova): node 1 has no pages, so no fit
    assert fit_cells(topo, cells, topo.available(), True, GI)[0] is None
    # shared: both cells on node 0, which holds 4 vCPUs and 4 pages
    assert fit_cells(topo, cells, topo.available(), True, GI, shared=True) == ([0, 0], None)
    # but not more than the node holds together: 3 pages for 2 cells of 2 GiB each
    small = host(free_pages=(3, 0))
    assignment, reasons = fit_cells(small, cells, small.available(), True, GI, shared=True)
    assert assignment is None and reasons


def test_more_cells_than_host_nodes_needs_sharing():
    one = read_host({"cpus": [{"id": i, "socket": 0, "core": i, "node": 0} for i in range(2)],
                     "nodes": [{"id": 0, "memory": "8Gi",
                                "hugepages": {"2Mi": {"total": 600, "free": 600}}}]})
    cells = guest_cells({"numa_nodes": 2}, 2, GI, 2 * 1024 * 1024)
    assignment, reasons = fit_cells(one, cells, one.available(), True, 2 * 1024 * 1024)
    assert assignment is None and "numa_share_host_nodes" in reasons[0]
    assert fit_cells(one, cells, one.available(), True, 2 * 1024 * 1024, shared=True) == ([0, 0], None)


def test_a_shared_layout_plans_and_pins_on_one_node():
    from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement
    one = {"cpus": [{"id": i, "socket": 0, "core": i, "node": 0} for i in range(2)],
           "nodes": [{"id": 0, "memory": "8Gi", "hugepages": {"2Mi": {"total": 600, "free": 600}}}]}
    vmi = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
           "metadata": {"name": "two-cells", "namespace": "lab"},
           "spec": {"domain": {"cpu": {"cores": 1, "sockets": 2, "dedicatedCpuPlacement": True},
                               "memory": {"guest": "1Gi", "hugepages": {"pageSize": "2Mi"}}}}}
    plan = plan_placement(vmi, one, options={"numa_nodes": 2, "numa_share_host_nodes": True})
    assert plan["fits"], plan["reasons"]
    assert sorted(plan["vcpupin"]) == [0, 1]
    assert [cell["host_node"] for cell in plan["numa_cells"]] == [0, 0]
    assert plan["hugepages"]["per_node"] == {"0": 512}
    with pytest.raises(VmpodInputError, match="numa_share_host_nodes"):
        plan_placement(vmi, one, options={"numa_nodes": 2, "numa_share_host_nodes": "yes"})
