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
    ({"reserved_cpus": "0-9"}, "host.reserved_cpus: '0-9' names CPUs the host does not have: 8-9"),
    ({"reserved_cpus": "0-1", "used_cpus": "1-2"}, "overlaps reserved_cpus on CPUs 1"),
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


# Hosts no machine can be: each was planned on without a word.

def test_siblings_on_two_nodes_are_refused():
    host = two_node_host()
    host["cpus"][0] = dict(host["cpus"][0], core=host["cpus"][-1]["core"], socket=host["cpus"][-1]["socket"])
    with pytest.raises(VmpodInputError, match="hyper-thread siblings share one core and so one node"):
        read_host(host)


@pytest.mark.parametrize("distance", [0, 9, 256, -1, 1.5, True])
def test_distances_are_acpi_slit_values(distance):
    host = two_node_host()
    host["nodes"][0]["distances"] = [10, distance]
    with pytest.raises(VmpodInputError) as err:
        read_host(host)
    assert err.value.path == "host.nodes[0].distances[1]" and "from 10 (the node itself) to 255" in str(err.value)


@pytest.mark.parametrize("size", ["3", "1k", "6Ki", "0", "3Mi"])
def test_page_sizes_are_powers_of_two_of_at_least_4ki(size):
    host = two_node_host()
    host["nodes"][0]["hugepages"] = {size: {"total": 1, "free": 1}}
    with pytest.raises(VmpodInputError, match="is not a page size"):
        read_host(host)


def test_cpu_ids_beyond_what_linux_numbers_are_refused():
    host = two_node_host()
    host["cpus"].append({"id": 10 ** 9, "socket": 0, "core": 99, "node": 0})
    with pytest.raises(VmpodInputError, match="names CPU 1000000000; Linux numbers at most 8192 CPUs"):
        read_host(host)
