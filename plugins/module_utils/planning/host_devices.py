# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VM's GPUs and host devices on a host that lists its PCI devices: which devices they get and
on which NUMA node those sit.

Each ``deviceName`` is a device plugin resource; the KubeVirt CR's
``permittedHostDevices.pciHostDevices`` maps it to PCI vendor:device ids (``config.PciResource``).
KubeVirt's own device plugin advertises only the devices of those ids bound to vfio-pci
(``device-manager/pci_device.go``), each with its ``numa_node``; an external provider's devices
count whatever their driver. The kubelet's device manager then gives the Topology Manager its hints
(``kubelet.device_manager``). Nothing here runs when the host data has no ``pci_devices``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.vmpod.core.plugins.module_utils.kubelet.device_manager import (
    device_hints, devices_in_order)
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import free_pages

VFIO_DRIVER = "vfio-pci"

DeviceDemand = namedtuple("DeviceDemand", "resource asks pci matching eligible available")
DeviceDemand.__doc__ = """One resource the VM's devices name: ``asks`` its (list, Device) pairs
(``gpus`` or ``hostDevices``); ``pci`` the cluster's PciResource or None (not mapped to PCI ids);
``matching`` the host's devices of those ids, ``eligible`` those its device plugin advertises,
``available`` those no running VM holds."""


def device_demands(sized, host):
    """The VM's device resources resolved on the host, in the order the VMI names them; None when
    the host lists no PCI devices or the VM has no GPU or host device (a DRA claim is not
    counted)."""
    if host.pci_devices is None or sized.pci_resources is None:
        return None
    vmi = sized.vmi
    asks = {}
    for source, items in (("gpus", vmi.gpus), ("hostDevices", vmi.host_devices)):
        for device in items:
            if device.device_name:
                asks.setdefault(device.device_name, []).append((source, device))
    demands = []
    for resource, pairs in asks.items():
        pci = sized.pci_resources.get(resource)
        if pci is None:
            demands.append(DeviceDemand(resource, tuple(pairs), None, (), (), ()))
            continue
        matching = tuple(d for d in host.pci_devices if (d.vendor, d.device) in pci.ids)
        eligible = tuple(d for d in matching if pci.external or d.driver in (None, VFIO_DRIVER))
        available = tuple(d for d in eligible if not d.used)
        demands.append(DeviceDemand(resource, tuple(pairs), pci, matching, eligible, available))
    return demands or None


def shortage_reasons(demands):
    """A reason for each resource with fewer free devices on the host than the VM asks."""
    reasons = []
    for demand in demands:
        if demand.pci is None or len(demand.available) >= len(demand.asks):
            continue
        ids = ", ".join(sorted("%s:%s" % pair for pair in demand.pci.ids))
        detail = "%d with PCI id %s" % (len(demand.matching), ids)
        unbound = len(demand.matching) - len(demand.eligible)
        if unbound:
            detail += ", %d of them not bound to %s" % (unbound, VFIO_DRIVER)
        held = len(demand.eligible) - len(demand.available)
        if held:
            detail += ", %d held by running VMs" % held
        reasons.append("%s: the VM asks %d, the host has %d free (%s)" % (
            demand.resource, len(demand.asks), len(demand.available), detail))
    return reasons


def unmapped_notes(demands):
    return ["%s: config.permittedHostDevices.pciHostDevices gives it no pciVendorSelector, so "
            "its devices' NUMA node is unknown and nothing is aligned with it" % demand.resource
            for demand in demands if demand.pci is None]


def demand_hints(demands, host):
    """The device manager's hint list for each mapped resource (``merge_hints`` input)."""
    node_ids = [node.id for node in host.nodes]
    lists = []
    for demand in demands:
        if demand.pci is None:
            continue
        hints = device_hints(node_ids, [d.numa_node for d in demand.eligible],
                             [d.numa_node for d in demand.available], len(demand.asks))
        if hints is not None:
            lists.append(hints)
    return lists


def choose_devices(demands, affinity):
    """``plan.devices``: for each of the VM's devices (mapped ones), the host device it gets,
    those of the affinity's nodes first (``devices_in_order``)."""
    chosen = []
    for demand in demands:
        if demand.pci is None:
            continue
        ordered = devices_in_order(demand.available, affinity)
        for (source, device), pci_device in zip(demand.asks, ordered):
            chosen.append({"name": device.name, "source": source, "resource": demand.resource,
                           "address": pci_device.address, "vendor": pci_device.vendor,
                           "device": pci_device.device, "numa_node": pci_device.numa_node})
    return chosen


def alignment_reason(policy, host, demands, available_cpus, count, need):
    """Why the Topology Manager refuses the Pod under ``policy``: for each node holding the VM's
    free devices, what it lacks of the exclusive CPUs and hugepages."""
    parts = []
    for demand in demands:
        if demand.pci is None:
            continue
        for node_id in sorted({d.numa_node for d in demand.available if d.numa_node >= 0}):
            addresses = ", ".join(d.address for d in demand.available if d.numa_node == node_id)
            node = host.node_by_id[node_id]
            lacks = []
            free_cpus = len(available_cpus & frozenset(node.cpus))
            if free_cpus < count:
                lacks.append("%d free CPUs of the %d exclusive CPUs needed" % (free_cpus, count))
            if need is not None:
                pages = free_pages(host, node_id, need.size)
                if pages < need.pages:
                    lacks.append("%d free %s hugepages of the %d needed" % (pages, need.size_text,
                                                                            need.pages))
            what = ("has only " + " and ".join(lacks)) if lacks else \
                "has room, but the other resources cannot share one node with it"
            parts.append("%s %s is on NUMA node %d, which %s" % (demand.resource, addresses,
                                                                 node_id, what))
    if not parts:
        return None
    return "topology manager policy %s: %s" % (policy, "; ".join(parts))


def alignment_notes(policy, host, devices, cpus, page_nodes):
    """A note for each chosen device whose node is not that of all the VM's pinned CPUs and
    hugepages (or whose node is unknown)."""
    notes = []
    cpu_nodes = sorted({host.cpu_by_id[cpu].node for cpu in cpus or ()})
    for device in devices:
        where = "%s %s (%s %s)" % (device["resource"], device["address"], device["source"],
                                   device["name"])
        node = device["numa_node"]
        if node < 0:
            notes.append("%s has no known NUMA node (numa_node -1): nothing aligned with it" % where)
            continue
        elsewhere = [n for n in cpu_nodes if n != node]
        pages_elsewhere = [n for n in page_nodes if n != node]
        if not elsewhere and not pages_elsewhere:
            continue
        text = "%s is on NUMA node %d" % (where, node)
        if elsewhere:
            text += ", the pinned CPUs on node %s" % _nodes_text(cpu_nodes)
        if pages_elsewhere:
            text += ", hugepages on node %s" % _nodes_text(sorted(page_nodes))
        if policy == "none":
            text += " (topology manager policy none aligns nothing)"
        else:
            text += " (topology manager policy %s could not align them)" % policy
        notes.append(text)
    return notes


def _nodes_text(nodes):
    return ", ".join(str(node) for node in nodes)
