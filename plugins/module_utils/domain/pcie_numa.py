# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PCI passthrough devices next to their guest NUMA cell: with guest NUMA cells tied to host
nodes (``<numatune><memnode>``), each device whose host NUMA node is known goes behind a
``pcie-expander-bus`` on the guest cell whose memory is on that node, through a
``pcie-root-port`` of its own, so the guest's ACPI tables (``_PXM``) put the device where its
DMA and interrupts really land. KubeVirt's VEP 115 ("PCIe NUMA Topology Awareness") does the
same with QEMU's ``pxb-pcie``.

libvirt ``formatdomain`` (Controllers): ``pcie-expander-bus`` exists on q35 machines only; its
``<target busNr>`` (1-254) is the bus number of the expander's own bus, and the buses behind
it (one per root port) take the numbers above it, up to the next expander's ``busNr``; its
``<target><node>`` must be a cell of ``<cpu><numa>``. The expander has 32 slots (0-31) and
takes only root ports (or bridges); a root port's index is its bus in a device's address.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset

LAST_BUS = 255  # the highest PCI bus number
LAST_INDEX = 255  # the highest PCI controller index libvirt gives a bus
EXPANDER_SLOTS = 32


def host_numa_node(address, given, known=None):
    """The host NUMA node of the PCI device at ``address``: the host map's (``given``:
    {address: node}), else the host's own facts (``known``: {address: node}, as sysfs
    ``numa_node`` reads; its -1, no node, counts as unknown), else None."""
    node = (given or {}).get(address)
    if node is None:
        node = (known or {}).get(address)
    if node is None or node < 0:
        return None
    return node


def guest_cell_of_host_node(model):
    """{host NUMA node: guest cell id}: for each host node, the guest cell (the lowest id when
    several) whose ``<memnode>`` nodeset holds it; empty without guest NUMA cells."""
    cells = {cell["id"] for cell in (model.get("cpu") or {}).get("numa_cells") or ()}
    memnodes = (model.get("numatune") or {}).get("memnodes") or ()
    result = {}
    for memnode in sorted(memnodes, key=lambda item: item["cellid"]):
        if memnode["cellid"] in cells:
            for node in sorted(parse_cpuset(memnode["nodeset"])):
                result.setdefault(node, memnode["cellid"])
    return result


def place_near_cells(model, hostdevs, nodes, names):
    """``(controllers, hostdevs, notes)``: the PCI controllers to add to ``model``'s, its
    host devices (``hostdevs``, each on host node ``nodes[i]`` or None when unknown; named
    ``names[i]`` in notes) with guest addresses behind their cell's expander bus, and a note
    for each device left on the default root bus. A domain without guest NUMA cells, or
    devices on no known node, get nothing new."""
    if not (model.get("cpu") or {}).get("numa_cells") or all(node is None for node in nodes):
        return [], list(hostdevs), []
    near = guest_cell_of_host_node(model)
    notes = []
    by_cell = {}
    for position, node in enumerate(nodes):
        if node is None:
            continue
        cell = near.get(node)
        if cell is None:
            notes.append("%s on host NUMA node %d is not next to any guest NUMA cell (their "
                         "memory is on host nodes %s): it stays on the default root bus"
                         % (names[position], node, _nodes_text(near)))
        elif len(by_cell.setdefault(cell, [])) < EXPANDER_SLOTS:
            by_cell[cell].append(position)
        else:
            notes.append("%s: guest cell %d's expander bus has no free slot left (%d): it "
                         "stays on the default root bus" % (names[position], cell,
                                                            EXPANDER_SLOTS))
    if not by_cell:
        return [], list(hostdevs), notes
    placed = [position for cell in sorted(by_cell) for position in by_cell[cell]]
    first = _first_free_index(model)
    if "q35" not in (model["os"].get("machine") or ""):
        reason = "the machine type is not q35 (pcie-expander-bus is q35's)"
    elif first + len(by_cell) + len(placed) - 1 > LAST_INDEX:
        reason = "the domain has no free PCI controller index left"
    else:
        controllers, result = _expander_buses(hostdevs, by_cell, first)
        return controllers, result, notes
    notes.extend("%s: left on the default root bus, not next to its guest NUMA cell: %s"
                 % (names[position], reason) for position in placed)
    return [], list(hostdevs), notes


def _expander_buses(hostdevs, by_cell, index):
    """One expander bus per guest cell (in cell order, bus numbers descending from the top so
    each expander keeps one bus for itself and one per root port), a root port per device."""
    controllers, result = [], list(hostdevs)
    bus_nr = LAST_BUS + 1
    for cell in sorted(by_cell):
        positions = by_cell[cell]
        bus_nr -= 1 + len(positions)
        expander = index
        controllers.append({"type": "pci", "index": expander, "model": "pcie-expander-bus",
                            "driver": None, "pcihole64": None,
                            "target": {"bus_nr": bus_nr, "node": cell}})
        for slot, position in enumerate(positions):
            index += 1
            controllers.append({"type": "pci", "index": index, "model": "pcie-root-port",
                                "driver": None, "pcihole64": None,
                                "address": _pci_address(expander, slot)})
            result[position] = dict(result[position], address=_pci_address(index, 0))
        index += 1
    return controllers, result


def _first_free_index(model):
    """The PCI controller index after every one the domain uses: its PCI controllers' and the
    buses its devices' fixed addresses name (libvirt fills the indexes below with root ports)."""
    devices = model["devices"]
    used = {0}
    used.update(item["index"] for item in devices["controllers"] if item["type"] == "pci")
    for item in list(devices["disks"]) + list(devices["interfaces"]):
        address = item.get("address")
        if address and address.get("type") == "pci":
            used.add(int(address["bus"], 16))
    return max(used) + 1


def _pci_address(bus, slot):
    return {"type": "pci", "domain": "0x0000", "bus": "0x%02x" % bus, "slot": "0x%02x" % slot,
            "function": "0x0"}


def _nodes_text(near):
    return ", ".join(str(node) for node in sorted(near)) or "none"
