# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PCI devices from sysfs file contents: hand-built trees laid out as the kernel's
Documentation/ABI/testing/sysfs-bus-pci describes them (links given by their targets)."""

import os

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.pci_devices import (
    PCI_FILES,
    device_kind,
    pci_devices_from_sysfs,
)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.modules.host_topology_info import gather_sysfs

PCI = "sys/bus/pci/devices"


def pci_files(address, vendor, device, pci_class, numa_node="-1", driver=None, **extra):
    base = "%s/%s/" % (PCI, address)
    files = {base + "vendor": "0x%s\n" % vendor, base + "device": "0x%s\n" % device,
             base + "class": pci_class + "\n", base + "numa_node": numa_node + "\n"}
    if driver is not None:
        files[base + "driver"] = "../../../../bus/pci/drivers/" + driver
    for name, text in extra.items():
        files[base + name] = text
    return files


def two_node_host_files():
    """An A10 GPU on node 1 bound to vfio-pci, an E810 NIC on node 0 with 8 of 128 VFs enabled
    (one VF shown, bound to vfio-pci), a root port (a bridge), an NVMe drive of unknown node."""
    files = {}
    files.update(pci_files("0000:3b:00.0", "10de", "2236", "0x030200", "1", "vfio-pci"))
    files.update(pci_files("0000:5e:00.0", "8086", "1592", "0x020000", "0", "ice",
                           sriov_totalvfs="128\n", sriov_numvfs="8\n"))
    files.update(pci_files("0000:5e:01.0", "8086", "1889", "0x020000", "0", "vfio-pci",
                           physfn="../0000:5e:00.0"))
    files.update(pci_files("0000:00:01.0", "8086", "2030", "0x060400", "0", "pcieport"))
    files.update(pci_files("0000:d8:00.0", "144d", "a80a", "0x010802", "-1"))
    return files


def test_devices_with_kind_node_driver_and_sriov():
    assert pci_devices_from_sysfs(two_node_host_files()) == [
        {"address": "0000:3b:00.0", "vendor": "10de", "device": "2236", "class": "0x030200",
         "kind": "gpu", "numa_node": 1, "driver": "vfio-pci"},
        {"address": "0000:5e:00.0", "vendor": "8086", "device": "1592", "class": "0x020000",
         "kind": "nic", "numa_node": 0, "driver": "ice", "sriov_totalvfs": 128, "sriov_numvfs": 8},
        {"address": "0000:5e:01.0", "vendor": "8086", "device": "1889", "class": "0x020000",
         "kind": "nic", "numa_node": 0, "driver": "vfio-pci", "physfn": "0000:5e:00.0"},
        # numa_node -1: the firmware gives no proximity; no driver bound
        {"address": "0000:d8:00.0", "vendor": "144d", "device": "a80a", "class": "0x010802",
         "kind": "other", "numa_node": -1, "driver": None},
    ]


@pytest.mark.parametrize("pci_class, kind", [
    (0x030000, "gpu"), (0x030200, "gpu"), (0x020000, "nic"), (0x020700, "nic"),
    (0x010802, "other"), (0x120000, "other")])
def test_kind_follows_the_base_class(pci_class, kind):
    assert device_kind(pci_class) == kind


def test_without_numa_node_file_the_node_is_unknown():
    files = pci_files("0000:01:00.0", "10de", "2236", "0x030200")
    del files[PCI + "/0000:01:00.0/numa_node"]
    assert pci_devices_from_sysfs(files)[0]["numa_node"] == -1


@pytest.mark.parametrize("name, text, problem", [
    ("vendor", "0xzz\n", "is not a hexadecimal number"),
    ("class", "0x1000000\n", "is out of range"),
    ("numa_node", "one\n", "is not an integer"),
    ("sriov_numvfs", "-1\n", "is not a count"),
])
def test_bad_file_names_the_file(name, text, problem):
    files = pci_files("0000:01:00.0", "10de", "2236", "0x030200", "0", sriov_totalvfs="4\n",
                      sriov_numvfs="0\n")
    files["%s/0000:01:00.0/%s" % (PCI, name)] = text
    with pytest.raises(VmpodInputError) as err:
        pci_devices_from_sysfs(files)
    assert err.value.path == "%s/0000:01:00.0/%s" % (PCI, name)
    assert problem in str(err.value)


def test_more_vfs_enabled_than_the_device_has_is_refused():
    files = pci_files("0000:01:00.0", "8086", "1592", "0x020000", "0", sriov_totalvfs="4\n",
                      sriov_numvfs="8\n")
    with pytest.raises(VmpodInputError, match="exceeds sriov_totalvfs"):
        pci_devices_from_sysfs(files)


def test_gathered_from_a_tree_on_disk_with_links(tmp_path):
    """The module's reader follows the same layout: driver and physfn are links."""
    for path, text in two_node_host_files().items():
        if path.endswith("/driver") or path.endswith("/physfn"):
            continue
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    os.symlink("../../../../bus/pci/drivers/vfio-pci", str(tmp_path / PCI / "0000:3b:00.0/driver"))
    os.symlink("../0000:5e:00.0", str(tmp_path / PCI / "0000:5e:01.0/physfn"))
    devices = pci_devices_from_sysfs(gather_sysfs(str(tmp_path), PCI_FILES))
    by_address = dict((device["address"], device) for device in devices)
    assert by_address["0000:3b:00.0"]["driver"] == "vfio-pci"
    assert by_address["0000:3b:00.0"]["numa_node"] == 1
    assert by_address["0000:5e:01.0"]["physfn"] == "0000:5e:00.0"
    assert by_address["0000:5e:00.0"]["driver"] is None
