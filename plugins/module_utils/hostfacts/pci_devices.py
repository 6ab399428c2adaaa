# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Linux host's PCI devices and their NUMA nodes from the contents of its sysfs files.

No I/O here, as in ``hostfacts.sysfs``: the caller reads the files ``PCI_FILES`` names and passes
``{relative path: text}``, a symbolic link (``driver``, ``physfn``) given by its target.
``pci_devices_from_sysfs`` returns the host data's ``pci_devices``::

    [{"address": "0000:3b:00.0", "vendor": "10de", "device": "2236", "class": "0x030200",
      "kind": "gpu", "numa_node": 1, "driver": "vfio-pci"},
     {"address": "0000:5e:00.0", "vendor": "8086", "device": "1592", "class": "0x020000",
      "kind": "nic", "numa_node": 0, "driver": "ice", "sriov_totalvfs": 128, "sriov_numvfs": 8},
     {"address": "0000:5e:01.0", "vendor": "8086", "device": "1889", "class": "0x020000",
      "kind": "nic", "numa_node": 0, "driver": "vfio-pci", "physfn": "0000:5e:00.0"}]

The kernel's ABI: Documentation/ABI/testing/sysfs-bus-pci (``vendor``, ``device``, ``class``,
``numa_node``: -1 when the platform does not say, ``sriov_totalvfs``, ``sriov_numvfs``,
``physfn``) and the PCI class codes of the PCI SIG (0x03 display, 0x02 network, 0x06 bridge).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

PCI_DIR = "sys/bus/pci/devices"

# Every file pci_devices_from_sysfs reads, as glob patterns relative to the file system's root.
PCI_FILES = tuple(PCI_DIR + "/*/" + name for name in (
    "vendor", "device", "class", "numa_node", "driver", "sriov_totalvfs", "sriov_numvfs", "physfn"))

# domain:bus:device.function, as the kernel names the directories (lower-case hex)
PCI_ADDRESS = re.compile(r"^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$")
UNKNOWN_NODE = -1  # the kernel's numa_node when the firmware gives the device no proximity
BRIDGE_CLASS = 0x06  # host, PCI and other bridges: never passed through, left out

_DEVICE_FILE = re.compile(r"^" + PCI_DIR + r"/([^/]+)/vendor$")


def device_kind(pci_class):
    """``gpu`` for a display controller (class 0x03: VGA, 3D), ``nic`` for a network controller
    (class 0x02: Ethernet, InfiniBand, other), ``other`` for the rest."""
    base = pci_class >> 16
    if base == 0x03:
        return "gpu"
    if base == 0x02:
        return "nic"
    return "other"


def pci_devices_from_sysfs(files):
    """The host data's ``pci_devices``, ascending by address, bridges left out."""
    devices = []
    for address in sorted(m.group(1) for m in map(_DEVICE_FILE.match, files) if m):
        base = "%s/%s" % (PCI_DIR, address)
        if not PCI_ADDRESS.match(address):
            raise VmpodInputError(base, address, "is not a PCI address (0000:3b:00.0)")
        pci_class = _hex(files, base + "/class", 0xffffff)
        if pci_class >> 16 == BRIDGE_CLASS:
            continue
        device = {
            "address": address,
            "vendor": "%04x" % _hex(files, base + "/vendor", 0xffff),
            "device": "%04x" % _hex(files, base + "/device", 0xffff),
            "class": "0x%06x" % pci_class,
            "kind": device_kind(pci_class),
            "numa_node": _numa_node(files, base + "/numa_node"),
            "driver": _link_name(files.get(base + "/driver")),
        }
        for name in ("sriov_totalvfs", "sriov_numvfs"):
            if base + "/" + name in files:
                device[name] = _count(files, base + "/" + name)
        if device.get("sriov_numvfs", 0) > device.get("sriov_totalvfs", 0):
            raise VmpodInputError(base + "/sriov_numvfs", device["sriov_numvfs"],
                                  "exceeds sriov_totalvfs (%d)" % device.get("sriov_totalvfs", 0))
        physfn = _link_name(files.get(base + "/physfn"))
        if physfn is not None:
            if not PCI_ADDRESS.match(physfn):
                raise VmpodInputError(base + "/physfn", files[base + "/physfn"],
                                      "does not lead to a PCI address")
            device["physfn"] = physfn
        devices.append(device)
    return devices


def _link_name(target):
    """The last part of a link's target (``../../../bus/pci/drivers/vfio-pci`` -> ``vfio-pci``);
    None when there is no link (no driver bound, not a virtual function)."""
    if target is None:
        return None
    name = target.strip().rstrip("/").rsplit("/", 1)[-1]
    return name or None


def _hex(files, path, largest):
    text = files.get(path)
    if text is None:
        raise VmpodInputError(path, None, "is required")
    try:
        value = int(text.strip(), 16)
    except ValueError:
        raise VmpodInputError(path, text.strip(), "is not a hexadecimal number")
    if not 0 <= value <= largest:
        raise VmpodInputError(path, text.strip(), "is out of range (0-0x%x)" % largest)
    return value


def _numa_node(files, path):
    """The device's node; -1 (unknown: no NUMA affinity) when the kernel says so or has no NUMA."""
    text = files.get(path)
    if text is None:
        return UNKNOWN_NODE
    try:
        value = int(text.strip())
    except ValueError:
        raise VmpodInputError(path, text.strip(), "is not an integer")
    return value if value >= 0 else UNKNOWN_NODE


def _count(files, path):
    text = files[path].strip()
    if not (text.isascii() and text.isdigit()):
        raise VmpodInputError(path, text, "is not a count")
    return int(text)
