# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPUs and host devices on a libvirt host target: the host map's ``host_devices`` (PCI
addresses per ``deviceName``, each with its host NUMA node where the map gives it) read once,
and PCI passthrough (``<hostdev managed='yes'>``) of those addresses, given out in order across
the VMs of one render; ``domain.pcie_numa`` then puts each device next to its guest NUMA cell.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.domain.pcie_numa import host_numa_node
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

PCI_ADDRESS = re.compile(r"([0-9a-f]{4}):([0-9a-f]{2}):([0-1][0-9a-f])\.([0-7])\Z")
MAX_NUMA_NODE = 1023  # Linux's MAX_NUMNODES at its largest (NODES_SHIFT 10)


def read_host_devices(section, path):
    """``section``: the map's ``host_devices`` (``path``), ``{deviceName: [PCI address or
    {address, numa_node}, ...]}``; returns ``({device name: (PCI address, ...)}, {PCI address:
    host NUMA node the map gives})``."""
    result, nodes = {}, {}
    for name, entry in section.items():
        ep = f.join(path, name)
        if isinstance(entry, (str, dict)):
            entry = [entry]
        if not isinstance(entry, list) or not entry:
            raise VmpodInputError(ep, entry, "must be a list of PCI addresses")
        addresses = []
        for index, item in enumerate(entry):
            ip = "%s[%d]" % (ep, index)
            address, node = _device_address(item, ip)
            if address in addresses:
                raise VmpodInputError(ip, item, "is listed twice")
            addresses.append(address)
            if node is not None:
                nodes[address] = node
        result[name] = tuple(addresses)
    seen = {}
    for name, addresses in result.items():
        for address in addresses:
            if address in seen:
                raise VmpodInputError(path, address, "is listed under both %s and %s"
                                      % (seen[address], name))
            seen[address] = name
    return result, nodes


def _device_address(item, path):
    """A PCI address and its host NUMA node (None when not given): ``"0000:65:00.0"`` or
    ``{address: "0000:65:00.0", numa_node: 0}``."""
    address, where, node = item, path, None
    if isinstance(item, dict):
        f.option_map(item, path, ("address", "numa_node"))
        address, where = item.get("address"), f.join(path, "address")
        node = f.integer(item, "numa_node", path, None, minimum=0, maximum=MAX_NUMA_NODE)
    text = address.lower() if isinstance(address, str) else address
    if not isinstance(text, str) or not PCI_ADDRESS.match(text):
        raise VmpodInputError(where, address, "is not a PCI address such as 0000:65:00.0")
    return text, node


def passthrough(vmi, target, storage, path, taken, known_nodes=None):
    """``(hostdevs, nodes, names)``: PCI passthrough of each GPU and host device of ``vmi``,
    from the addresses ``target`` (a ``HostTarget``) maps its deviceName to (KubeVirt's aliases:
    ``ua-gpu-<name>``, ``ua-hostdevice-<name>``), each device's host NUMA node (the map's, else
    ``known_nodes``' {address: node} from the host's facts, else None) and its name for notes.
    ``storage`` gets a ``pci`` entry per device (deploy checks the address is there); ``taken``:
    {device name: count} earlier VMs of the render took (updated)."""
    result, nodes, names = [], [], []
    for kind, alias, items in (("gpus", "ua-gpu-", vmi.gpus), ("hostDevices", "ua-hostdevice-", vmi.host_devices)):
        for device in items:
            where = "%s.domain.devices.%s(%s).deviceName" % (path, kind, device.name)
            addresses = (target.host_devices or {}).get(device.device_name)
            if not addresses:
                raise VmpodInputError(where, device.device_name or None,
                                      "has no entry in the host map's host_devices: list the PCI "
                                      "addresses of that device on the host")
            used = taken.get(device.device_name, 0)
            if used >= len(addresses):
                raise VmpodInputError(where, device.device_name, "all %d addresses the host map "
                                      "lists for it are taken by earlier VMs" % len(addresses))
            taken[device.device_name] = used + 1
            domain, bus, slot, function = PCI_ADDRESS.match(addresses[used]).groups()
            result.append({"alias": alias + device.name, "domain": "0x" + domain, "bus": "0x" + bus,
                           "slot": "0x" + slot, "function": "0x" + function})
            storage.append({"kind": "pci", "volume": device.name,
                            "path": "/sys/bus/pci/devices/" + addresses[used]})
            nodes.append(host_numa_node(addresses[used], target.pci_numa_nodes, known_nodes))
            names.append("%s %s (%s)" % ("GPU" if kind == "gpus" else "host device", device.name,
                                         addresses[used]))
    return result, nodes, names
