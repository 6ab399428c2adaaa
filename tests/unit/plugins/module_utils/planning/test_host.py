# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host topology data: read, checked, and the questions placement asks of it."""

import glob
import os

import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host

from vmpod_examples import ROOT


def two_node_host(**extra):
    """2 sockets x 2 cores x 2 threads, Intel numbering: siblings are N and N+4."""
    cpus = [{"id": i, "socket": (i % 4) // 2, "core": i % 2, "node": (i % 4) // 2} for i in range(8)]
    data = {"cpus": cpus, "nodes": [
        {"id": 0, "memory": "16Gi", "distances": [10, 21],
         "hugepages": {"2Mi": {"total": 512, "free": 500}, "1Gi": {"total": 4, "free": 4}}},
        {"id": 1, "memory": "16Gi", "distances": [21, 10], "hugepages": {"2Mi": {"total": 512}}}]}
    data.update(extra)
    return data


def test_siblings_and_nodes():
    host = read_host(two_node_host())
    assert host.siblings(0) == (0, 4)
    assert host.siblings(6) == (2, 6)
    assert host.threads_per_core() == 2
    assert host.node_by_id[1].cpus == (2, 3, 6, 7)
    assert host.node_by_id[0].memory == 16 * 2 ** 30
    assert host.node_by_id[0].hugepages[2 * 2 ** 20].free == 500
    assert host.node_by_id[1].hugepages[2 * 2 ** 20].free == 512  # free defaults to total
    assert host.sockets() == [0, 1]


def test_available_excludes_reserved_and_used():
    host = read_host(two_node_host(reserved_cpus="0,4", used_cpus=[1, 5]))
    assert host.available() == frozenset({2, 3, 6, 7})


@pytest.mark.parametrize("change, message", [
    ({"reserved_cpus": "0-9"}, "host.reserved_cpus: '0-9' names CPUs the host does not have: [8, 9]"),
    ({"reserved_cpus": "0-1", "used_cpus": "1-2"}, "overlaps reserved_cpus on CPUs [1]"),
    ({"nodes": []}, "host.nodes: [] must list at least one NUMA node"),
    ({"cpus": []}, "host.cpus: [] must list at least one logical CPU"),
    ({"used_cpus": "x"}, "host.used_cpus: 'x' is not a CPU set"),
])
def test_bad_hosts_name_the_field(change, message):
    with pytest.raises(VmpodInputError) as err:
        read_host(two_node_host(**change))
    assert message in str(err.value)


def test_cpu_on_a_missing_node():
    data = two_node_host()
    data["cpus"][3]["node"] = 7
    with pytest.raises(VmpodInputError, match=r"host.cpus\[3\].node: 7 names no node"):
        read_host(data)


def test_duplicate_cpu_and_bad_pool():
    data = two_node_host()
    data["cpus"][1]["id"] = 0
    with pytest.raises(VmpodInputError, match="duplicate CPU id"):
        read_host(data)
    data = two_node_host()
    data["nodes"][0]["hugepages"]["2Mi"]["free"] = 600
    with pytest.raises(VmpodInputError, match=r"host.nodes\[0\].hugepages.2Mi.free: 600 exceeds total"):
        read_host(data)
    data = two_node_host()
    data["nodes"][0]["distances"] = [10]
    with pytest.raises(VmpodInputError, match="one distance per node"):
        read_host(data)


def test_every_example_host_reads():
    paths = sorted(glob.glob(os.path.join(ROOT, "examples", "hosts", "*.yaml")))
    for path in paths:
        with open(path) as handle:
            host = read_host(yaml.safe_load(handle))
        assert host.cpus and host.nodes
