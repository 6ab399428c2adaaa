# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Passthrough devices next to their guest NUMA cell on a libvirt host target: a
pcie-expander-bus per used guest cell with the cell as its <node>, a root port per device
behind it (libvirt formatdomain, "Controllers": pcie-expander-bus, busNr, node; KubeVirt VEP
115 "PCIe NUMA Topology Awareness"), the default root bus and a note otherwise."""

import copy
import os

import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.domain.host_target import read_host_target
from ansible_collections.vmpod.core.plugins.module_utils.domain.pcie_numa import (
    guest_cell_of_host_node, host_numa_node, place_near_cells)
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from vmpod_domain_xml import HAS_SCHEMA, assert_valid, domain_xml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 5))
GPU = "nvidia.com/GA102GL_A10"


def load(path):
    with open(os.path.join(ROOT, path)) as stream:
        return yaml.safe_load(stream)


HOST = load("examples/hosts/dual-socket-server.yaml")  # two nodes, 8 cores x 2 threads each


def numa_vmi(cores=8, memory="32Gi", gpus=2):
    """examples/vmis/07: guest NUMA passthrough of its dedicated pCPUs, with GPUs."""
    vmi = load("examples/vmis/07-numa-passthrough.yaml")
    domain = vmi["spec"]["domain"]
    domain["cpu"]["cores"] = cores
    domain["resources"]["requests"]["memory"] = memory
    domain["devices"]["gpus"] = [{"name": "gpu%d" % i, "deviceName": GPU} for i in range(gpus)]
    return vmi


def target(*addresses):
    return {"claims": {"hpc-root": "/srv/claims/hpc-root.img"}, "host_devices": {GPU: list(addresses)}}


def render(vmi, host_target, host=HOST):
    return render_models([vmi], host=host, host_target=host_target)[0]["domain"]


def pci(bus, slot=0):
    return {"type": "pci", "domain": "0x0000", "bus": "0x%02x" % bus, "slot": "0x%02x" % slot,
            "function": "0x0"}


def test_two_cells_two_gpus_each_behind_its_cells_expander_bus():
    domain = render(numa_vmi(), target({"address": "0000:65:00.0", "numa_node": 0},
                                       {"address": "0000:CA:00.0", "numa_node": 1}))
    assert [cell["host_node"] for cell in domain["cpu"]["numa_cells"]] == [0, 1]
    buses = [item for item in domain["devices"]["controllers"] if item["type"] == "pci"]
    # one bus number for each expander and one for each root port behind it, from the top
    assert buses == [
        {"type": "pci", "index": 1, "model": "pcie-expander-bus", "driver": None,
         "pcihole64": None, "target": {"bus_nr": 254, "node": 0}},
        {"type": "pci", "index": 2, "model": "pcie-root-port", "driver": None,
         "pcihole64": None, "address": pci(1)},
        {"type": "pci", "index": 3, "model": "pcie-expander-bus", "driver": None,
         "pcihole64": None, "target": {"bus_nr": 252, "node": 1}},
        {"type": "pci", "index": 4, "model": "pcie-root-port", "driver": None,
         "pcihole64": None, "address": pci(3)},
    ]
    first, second = domain["devices"]["hostdevs"]
    assert (first["bus"], first["address"]) == ("0x65", pci(2))
    assert (second["bus"], second["address"]) == ("0xca", pci(4))
    assert not [note for note in domain["omitted"] if "NUMA" in note]


def test_two_devices_of_one_cell_share_its_expander_on_their_own_ports():
    domain = render(numa_vmi(gpus=3), target({"address": "0000:65:00.0", "numa_node": 1},
                                             "0000:66:00.0",
                                             {"address": "0000:ca:00.0", "numa_node": 1}))
    buses = [item for item in domain["devices"]["controllers"] if item["type"] == "pci"]
    assert [(item["index"], item["model"], item.get("target"), item.get("address")) for item in buses] == [
        (1, "pcie-expander-bus", {"bus_nr": 253, "node": 1}, None),
        (2, "pcie-root-port", None, pci(1, 0)),
        (3, "pcie-root-port", None, pci(1, 1)),
    ]
    gpu0, gpu1, gpu2 = domain["devices"]["hostdevs"]
    assert gpu0["address"] == pci(2) and gpu2["address"] == pci(3)
    assert "address" not in gpu1  # no node known: libvirt places it, as before


def test_a_device_on_a_node_the_vm_is_not_on_stays_on_the_root_bus_with_a_note():
    domain = render(numa_vmi(cores=2, memory="4Gi", gpus=1),
                    target({"address": "0000:ca:00.0", "numa_node": 1}))
    assert [cell["host_node"] for cell in domain["cpu"]["numa_cells"]] == [0]
    assert not [item for item in domain["devices"]["controllers"] if item["type"] == "pci"]
    assert "address" not in domain["devices"]["hostdevs"][0]
    assert "GPU gpu0 (0000:ca:00.0) on host NUMA node 1 is not next to any guest NUMA cell " \
        "(their memory is on host nodes 0): it stays on the default root bus" in domain["omitted"]


def test_plain_addresses_and_no_guest_numa_change_nothing():
    plain = render(numa_vmi(), target("0000:65:00.0", "0000:ca:00.0"))
    assert not [item for item in plain["devices"]["controllers"] if item["type"] == "pci"]
    assert plain["devices"]["hostdevs"] == [
        {"alias": "ua-gpu-gpu0", "domain": "0x0000", "bus": "0x65", "slot": "0x00", "function": "0x0"},
        {"alias": "ua-gpu-gpu1", "domain": "0x0000", "bus": "0xca", "slot": "0x00", "function": "0x0"}]
    vmi = numa_vmi()
    del vmi["spec"]["domain"]["cpu"]["numa"]  # dedicated CPUs, no guest NUMA
    vmi["spec"]["domain"]["memory"] = {}
    without = render(vmi, target("0000:65:00.0", "0000:ca:00.0"))
    assert without == render(vmi, target({"address": "0000:65:00.0", "numa_node": 0},
                                         {"address": "0000:ca:00.0", "numa_node": 1}))


@pytest.mark.parametrize("entry, where, message", [
    ({"address": "0000:65:00.0", "numa_node": -1}, r"\[0\]\.numa_node: -1", "at least 0"),
    ({"address": "0000:65:00.0", "numa_node": "1"}, r"\[0\]\.numa_node: '1'", "must be an integer"),
    ({"address": "0000:65:00.0", "numa_node": True}, r"\[0\]\.numa_node: True", "must be an integer"),
    ({"address": "0000:65:00.0", "numa_node": 4096}, r"\[0\]\.numa_node: 4096", "at most 1023"),
    ({"address": "65:00.0", "numa_node": 0}, r"\[0\]\.address: '65:00.0'", "is not a PCI address"),
    ({"numa_node": 0}, r"\[0\]\.address: None", "is not a PCI address"),
    ({"address": "0000:65:00.0", "node": 0}, r"\[0\]", "node"),
])
def test_a_bad_numa_node_or_address_names_the_field(entry, where, message):
    with pytest.raises(VmpodInputError, match=r"host_target\.host_devices\.%s%s.*%s"
                       % (GPU.replace(".", r"\."), where, message)):
        read_host_target({"host_devices": {GPU: [entry]}})


def test_the_map_gives_the_node_else_the_hosts_facts():
    read = read_host_target({"host_devices": {GPU: ["0000:65:00.0", {"address": "0000:CA:00.0", "numa_node": 1}]}})
    assert read.host_devices == {GPU: ("0000:65:00.0", "0000:ca:00.0")}
    assert read.pci_numa_nodes == {"0000:ca:00.0": 1}
    facts = {"0000:65:00.0": 0, "0000:ca:00.0": 0, "0000:17:00.0": -1}  # sysfs numa_node
    assert host_numa_node("0000:65:00.0", read.pci_numa_nodes, facts) == 0
    assert host_numa_node("0000:ca:00.0", read.pci_numa_nodes, facts) == 1  # the map wins
    assert host_numa_node("0000:17:00.0", read.pci_numa_nodes, facts) is None
    assert host_numa_node("0000:65:00.0", read.pci_numa_nodes) is None


def model(machine="q35", cells=(0, 1), nodesets=("0", "1"), controllers=(), interfaces=()):
    return {"os": {"machine": machine},
            "cpu": {"numa_cells": [{"id": cell} for cell in cells]},
            "numatune": {"memnodes": [{"cellid": cell, "nodeset": nodeset}
                                      for cell, nodeset in zip(cells, nodesets)]},
            "devices": {"controllers": list(controllers), "disks": [],
                        "interfaces": list(interfaces)}}


def test_the_lowest_cell_on_a_node_takes_its_devices():
    assert guest_cell_of_host_node(model(cells=(0, 1, 2), nodesets=("0-1", "1", "2"))) == {0: 0, 1: 0, 2: 2}


def test_indexes_clear_the_domains_controllers_and_fixed_addresses():
    interface = {"address": {"type": "pci", "domain": "0x0000", "bus": "0x09", "slot": "0x00", "function": "0x0"}}
    controllers = [{"type": "pci", "index": 0, "model": "pcie-root"}, {"type": "usb", "index": 12}]
    buses, hostdevs, notes = place_near_cells(model(controllers=controllers, interfaces=[interface]),
                                              [{"alias": "a"}], [1], ["GPU a"])
    assert [item["index"] for item in buses] == [10, 11] and hostdevs[0]["address"] == pci(11)
    assert notes == []


def test_a_machine_without_expander_buses_leaves_devices_on_the_root_with_a_note():
    buses, hostdevs, notes = place_near_cells(model(machine="pc-i440fx-8.2"), [{"alias": "a"}], [0], ["GPU a"])
    assert buses == [] and hostdevs == [{"alias": "a"}]
    assert notes == ["GPU a: left on the default root bus, not next to its guest NUMA cell: the "
                     "machine type is not q35 (pcie-expander-bus is q35's)"]


@pytest.mark.skipif(not HAS_SCHEMA, reason="needs libvirt's schema and xmllint")
def test_the_expander_bus_layout_passes_libvirts_schema(tmp_path):
    domain = render(numa_vmi(), target({"address": "0000:65:00.0", "numa_node": 0},
                                       {"address": "0000:ca:00.0", "numa_node": 1}))
    text = domain_xml(domain)
    assert "<controller type='pci' index='3' model='pcie-expander-bus'>\n" \
        "      <target busNr='252'>\n        <node>1</node>\n      </target>\n" in text
    assert "      <alias name='ua-gpu-gpu1'/>\n      <address type='pci' domain='0x0000' " \
        "bus='0x04' slot='0x00' function='0x0'/>\n    </hostdev>" in text
    assert_valid(text, tmp_path)


def test_an_unplaced_domain_keeps_todays_output():
    vmi = copy.deepcopy(numa_vmi())
    entries = target({"address": "0000:65:00.0", "numa_node": 0}, {"address": "0000:ca:00.0", "numa_node": 1})
    assert render(vmi, entries, host=None) == render(vmi, target("0000:65:00.0", "0000:ca:00.0"), host=None)


def test_render_takes_the_nodes_the_hosts_pci_facts_give():
    """Plain addresses in the map, the nodes from the host's pci_devices (host_topology_info's
    sysfs facts): the same layout as when the map gives them."""
    host = copy.deepcopy(HOST)
    host["pci_devices"] = [
        {"address": "0000:65:00.0", "vendor": "10de", "device": "2236", "numa_node": 0},
        {"address": "0000:ca:00.0", "vendor": "10de", "device": "2236", "numa_node": 1}]
    from_facts = render(numa_vmi(), target("0000:65:00.0", "0000:ca:00.0"), host=host)
    from_map = render(numa_vmi(), target({"address": "0000:65:00.0", "numa_node": 0},
                                         {"address": "0000:ca:00.0", "numa_node": 1}), host=host)
    assert from_facts["devices"]["hostdevs"] == from_map["devices"]["hostdevs"]
    assert from_facts["devices"]["controllers"] == from_map["devices"]["controllers"]
    assert [c["target"]["node"] for c in from_facts["devices"]["controllers"]
            if c.get("model") == "pcie-expander-bus"] == [0, 1]
