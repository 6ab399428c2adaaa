# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt and QEMU on this machine take the PCIe layout that puts passthrough devices next to
their guest NUMA cells: a domain rendered for two GPUs on host nodes 0 and 1 of a two-node host
(examples/hosts/dual-socket-server.yaml), with two guest NUMA cells, is defined and started
(under TCG) with a pcie-expander-bus per cell and a root port per device behind it.

This machine has no device to pass through and not the example host's CPUs or nodes, so the
domain keeps its guest NUMA cells and its buses and loses what only the example host has: the
vCPU pinning and numatune; each ``<hostdev>`` becomes a virtio RNG at the same guest address, a
stand-in that holds the root port as the device would. QEMU gets ``pxb-pcie`` with each cell's
``numa_node``, and the guest's firmware numbers each expander's buses from its ``busNr`` up,
with the stand-in on the bus behind its root port.
"""

import os
import re
import time
import xml.etree.ElementTree as ET

import jinja2
import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models

from vmpod_libvirt import NEEDS_KVM, ROOT, libvirt_for_tests

libvirt = pytest.importorskip("libvirt")
libvirt_qemu = pytest.importorskip("libvirt_qemu")

pytestmark = [NEEDS_KVM]

PREFIX = "pxbtest-"
NAME = PREFIX + "layout"
GPU = "nvidia.com/GA102GL_A10"


@pytest.fixture(scope="module")
def connection():
    yield from libvirt_for_tests(PREFIX, 0)


def domain_xml():
    """The rendered domain (template and all) with only this machine's stand-ins."""
    with open(os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")) as handle:
        host = yaml.safe_load(handle)
    vmi = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
           "metadata": {"name": "layout", "namespace": "pxbtest"},
           "spec": {"domain": {
               "cpu": {"cores": 1, "sockets": 2, "dedicatedCpuPlacement": True},
               "memory": {"guest": "256Mi"},
               "devices": {"gpus": [{"name": "gpu0", "deviceName": GPU},
                                    {"name": "gpu1", "deviceName": GPU}]}}}}
    target = {"host_devices": {GPU: [{"address": "0000:65:00.0", "numa_node": 0},
                                     {"address": "0000:ca:00.0", "numa_node": 1}]}}
    domain = render_models([vmi], host=host, host_target=target,
                           domain_options={"domain_type": "qemu"},
                           placement_options={"numa_nodes": 2})[0]["domain"]
    assert [cell["host_node"] for cell in domain["cpu"]["numa_cells"]] == [0, 1]
    domain = dict(domain, name=NAME, cputune=None, numatune=None)
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROOT, "templates")),
                                     trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    root = ET.fromstring(environment.get_template("domain.xml.j2").render(domain=domain))
    devices = root.find("devices")
    for hostdev in devices.findall("hostdev"):
        stand_in = ET.SubElement(devices, "rng", model="virtio")
        ET.SubElement(stand_in, "backend", model="random").text = "/dev/urandom"
        stand_in.append(hostdev.find("address"))
        devices.remove(hostdev)
    return ET.tostring(root, encoding="unicode")


def pci_controllers(xml):
    """{index: (model, busNr, node, bus of its own address)} of the PCI controllers."""
    result = {}
    for item in ET.fromstring(xml).iter("controller"):
        if item.get("type") != "pci" or item.get("model") == "pcie-root":
            continue
        target, address = item.find("target"), item.find("address")
        node = target.find("node") if target is not None else None
        result[int(item.get("index"))] = (
            item.get("model"), target.get("busNr") if target is not None else None,
            node.text if node is not None else None, int(address.get("bus"), 16))
    return result


def guest_buses(domain):
    """The HMP ``info pci`` text once the guest's firmware has numbered the expanders' buses."""
    deadline = time.monotonic() + 60
    while True:
        text = libvirt_qemu.qemuMonitorCommand(domain, "info pci",
                                               libvirt_qemu.VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)
        if "Bus 255," in text and "Bus 253," in text or time.monotonic() > deadline:
            return text
        time.sleep(1)


def test_libvirt_and_qemu_take_an_expander_bus_per_guest_cell(connection):
    domain = connection.defineXML(domain_xml())
    try:
        defined = domain.XMLDesc(0)
        buses = pci_controllers(defined)
        assert buses[1][:3] == ("pcie-expander-bus", "254", "0")
        assert buses[2][0] == "pcie-root-port" and buses[2][3] == 1
        assert buses[3][:3] == ("pcie-expander-bus", "252", "1")
        assert buses[4][0] == "pcie-root-port" and buses[4][3] == 3
        stand_ins = [int(item.find("address").get("bus"), 16)
                     for item in ET.fromstring(defined).iter("rng")]
        assert sorted(stand_ins) == [2, 4]
        domain.create()
        with open("/run/libvirt/qemu/%s.pid" % NAME) as handle:
            with open("/proc/%d/cmdline" % int(handle.read().strip()), "rb") as cmdline:
                arguments = cmdline.read().decode()
        expanders = re.findall(r'"driver":"pxb-pcie","bus_nr":(\d+),[^}]*"numa_node":(\d+)', arguments)
        assert sorted(expanders) == [("252", "1"), ("254", "0")], arguments
        text = guest_buses(domain)
        # the firmware numbered each expander's root-port bus right above its busNr, and the
        # stand-in (virtio RNG, 1af4:1044) sits there
        for bus in (253, 255):
            section = text.split("Bus %d," % bus, 1)
            assert len(section) == 2 and "1af4:1044" in section[1].split("Bus ", 1)[0], text
    finally:
        if domain.isActive():
            domain.destroy()
        domain.undefine()
