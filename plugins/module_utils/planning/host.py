# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's CPU and memory topology, read once from the plain ``host`` data.

The data is what ``vmpod.core.host_topology_info`` returns, or what a user writes by hand::

    cpus:  [{id: 0, socket: 0, core: 0, node: 0}, ...]   # one per online logical CPU
    nodes: [{id: 0, memory: 64Gi, distances: [10, 21],
             hugepages: {2Mi: {total: 1024, free: 1000}, 1Gi: {total: 8, free: 8}}}]
    reserved_cpus: "0-1"     # optional: never given to VMs (kubelet reservedSystemCPUs)
    used_cpus: "4-7"         # optional: already taken exclusively
    isolated_cpus: "2-15"    # optional: the kernel's isolcpus (reported, not a constraint)
    architecture: amd64      # optional: amd64, arm64 or s390x (x86_64, aarch64 read as those)
    pci_devices:             # optional: PCI devices and their NUMA node (-1: unknown)
      - {address: "0000:3b:00.0", vendor: 10de, device: "2236", class: "0x030200", kind: gpu,
         numa_node: 1, driver: vfio-pci, used: false}

Logical CPUs with the same ``socket`` and ``core`` are hyper-thread siblings. A host that
states its architecture takes only VMs of that architecture (``planning.plan.place``). A host
that lists its PCI devices gives a VM's GPUs and host devices their NUMA node
(``planning.host_devices``); ``used: true`` marks a device a running VM holds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.architecture import kernel_architecture
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import MAX_CPU_ID, parse_cpuset, short_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity


class HostCpu:
    __slots__ = ("id", "socket", "core", "node")

    def __init__(self, cpu_id, socket, core, node):
        self.id = cpu_id
        self.socket = socket
        self.core = core
        self.node = node

    def __repr__(self):
        return "HostCpu(id=%d, socket=%d, core=%d, node=%d)" % (
            self.id, self.socket, self.core, self.node)


class HugepagePool:
    __slots__ = ("size", "total", "free")

    def __init__(self, size, total, free):
        self.size = size  # bytes per page
        self.total = total
        self.free = free


class HostNode:
    __slots__ = ("id", "memory", "distances", "hugepages", "cpus")

    def __init__(self, node_id, memory, distances, hugepages):
        self.id = node_id
        self.memory = memory  # bytes
        self.distances = distances  # tuple, by node index in Host.nodes
        self.hugepages = hugepages  # page size in bytes -> HugepagePool
        self.cpus = ()  # ids of this node's logical CPUs, ascending


def host_architecture(host, path="host"):
    """The optional ``architecture`` of host data (``amd64``, ``arm64``, ``s390x``; the kernel's
    ``x86_64`` and ``aarch64`` read as those), or None when the data does not say."""
    value = host.get("architecture") if isinstance(host, dict) else None
    if value is None or value == "":
        return None
    architecture = kernel_architecture(value)
    if architecture is None:
        raise VmpodInputError(path + ".architecture", value,
                              "is not amd64, arm64 or s390x (or x86_64, aarch64)")
    return architecture


class Host:
    """Read-only host topology."""

    __slots__ = ("name", "architecture", "cpus", "cpu_by_id", "nodes", "node_by_id", "reserved", "used",
                 "isolated", "_siblings", "_available", "_threads_per_core", "derived", "extended",
                 "pci_devices")

    def siblings(self, cpu_id):
        """The logical CPUs of ``cpu_id``'s physical core (itself included), ascending."""
        return self._siblings[cpu_id]

    def available(self):
        """CPUs that may still be given to a VM: not reserved, not used."""
        return self._available

    def threads_per_core(self):
        return self._threads_per_core

    def sockets(self):
        return sorted({cpu.socket for cpu in self.cpus})


def read_host(data, path="host"):
    """Check and read host topology data; every error names its field."""
    if isinstance(data, Host):
        return data
    if not isinstance(data, dict):
        raise VmpodInputError(path, data, "must be a host topology mapping (cpus, nodes)")
    host = Host()
    host.name = f.string(data, "name", path)
    host.architecture = host_architecture(data, path)

    node_items = f.mappings(data, "nodes", path)
    if not node_items:
        raise VmpodInputError(f.join(path, "nodes"), data.get("nodes"),
                              "must list at least one NUMA node")
    host.nodes = tuple(sorted((_read_node(item, p, len(node_items)) for p, item in node_items),
                              key=lambda node: node.id))
    host.node_by_id = {}
    for node, (item_path, _item) in zip(host.nodes, node_items):
        if node.id in host.node_by_id:
            raise VmpodInputError(f.join(item_path, "id"), node.id, "is a duplicate node id")
        host.node_by_id[node.id] = node

    cpu_items = f.mappings(data, "cpus", path)
    if not cpu_items:
        raise VmpodInputError(f.join(path, "cpus"), data.get("cpus"),
                              "must list at least one logical CPU")
    host.cpu_by_id = {}
    for item_path, item in cpu_items:
        cpu = _fast_cpu(item, host.node_by_id) or _checked_cpu(item, item_path, host.node_by_id)
        if cpu.id in host.cpu_by_id:
            raise VmpodInputError(f.join(item_path, "id"), cpu.id, "is a duplicate CPU id")
        host.cpu_by_id[cpu.id] = cpu
    host.cpus = tuple(host.cpu_by_id[i] for i in sorted(host.cpu_by_id))

    if host.cpus[-1].id > MAX_CPU_ID:
        cpu = host.cpus[-1]
        raise VmpodInputError(f.join(path, "cpus"), cpu.id, "names CPU %d; Linux numbers at most %d CPUs "
                              "(ids 0-%d)" % (cpu.id, MAX_CPU_ID + 1, MAX_CPU_ID))
    cores = {}
    core_node = {}
    for cpu in host.cpus:
        cores.setdefault((cpu.socket, cpu.core), []).append(cpu.id)
        first = core_node.setdefault((cpu.socket, cpu.core), cpu)
        if first.node != cpu.node:  # hyper-thread siblings share one core, so one node
            raise VmpodInputError(f.join(path, "cpus"), "socket %d core %d" % (cpu.socket, cpu.core),
                                  "has CPU %d on node %d and CPU %d on node %d: hyper-thread siblings "
                                  "share one core and so one node" % (first.id, first.node, cpu.id, cpu.node))
    host._siblings = {}
    for ids in cores.values():
        group = tuple(ids)
        for cpu_id in ids:
            host._siblings[cpu_id] = group
    by_node = {}
    for cpu in host.cpus:
        by_node.setdefault(cpu.node, []).append(cpu.id)
    for node in host.nodes:
        node.cpus = tuple(by_node.get(node.id, ()))

    host.reserved = _host_cpuset(data, "reserved_cpus", path, host)
    host.used = _host_cpuset(data, "used_cpus", path, host)
    host.isolated = _host_cpuset(data, "isolated_cpus", path, host)
    host.extended = extended_resources(data, path)
    host.pci_devices = pci_devices(data, path, host.node_by_id)
    overlap = host.reserved & host.used
    if overlap:
        raise VmpodInputError(f.join(path, "used_cpus"), data.get("used_cpus"),
                              "overlaps reserved_cpus on CPUs %s" % short_cpuset(overlap))
    host._available = frozenset(host.cpu_by_id) - host.reserved - host.used
    host._threads_per_core = max(len(group) for group in host._siblings.values())
    host.derived = {}  # what other modules build from this host once (kubelet, kubevirt.cpu_pool, hugepages)
    return host


def extended_resources(data, path):
    """``extended_resources``: what the node offers of each extended resource (a Node's
    ``status.allocatable`` beyond cpu, memory and hugepages: ``nvidia.com/GA102``,
    ``devices.kubevirt.io/sev``, ``pods``, ...), whole numbers; None when the data does not say."""
    raw = data.get("extended_resources")
    if raw is None:
        return None
    where = f.join(path, "extended_resources")
    if not isinstance(raw, dict):
        raise VmpodInputError(where, raw, "must map resource names to whole numbers")
    found = {}
    for name, amount in raw.items():
        item = f.join(where, name) if isinstance(name, str) else where
        if not isinstance(name, str) or not name:
            raise VmpodInputError(where, name, "is not a resource name")
        if isinstance(amount, bool) or not isinstance(amount, (int, str)):
            raise VmpodInputError(item, amount, "must be a whole number")
        value = parse_quantity(amount, item) if isinstance(amount, str) else None
        if value is not None:
            if value.unscaled < 0 or value.milli_value() % 1000:
                raise VmpodInputError(item, amount, "must be a whole number")
            amount = value.value()
        if amount < 0:
            raise VmpodInputError(item, amount, "must not be negative")
        found[name] = amount
    return found


PciDevice = namedtuple("PciDevice", "address vendor device pci_class kind numa_node driver "
                                    "sriov_totalvfs sriov_numvfs physfn used")
PciDevice.__doc__ = """One PCI device of the host: ``vendor`` and ``device`` four lower-case hex
digits, ``numa_node`` -1 when unknown (no NUMA affinity), ``driver`` None when the data does not
say and "" when no driver is bound, the SR-IOV fields None unless given, ``used`` whether a
running VM holds it."""

PCI_KINDS = ("gpu", "nic", "other")
_PCI_ADDRESS = re.compile(r"^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$")
_PCI_ID = re.compile(r"^(0x)?[0-9a-f]{4}$")
_PCI_CLASS = re.compile(r"^(0x)?[0-9a-f]{6}$")


def pci_devices(data, path, nodes):
    """``pci_devices``: a tuple of PciDevice ascending by address, or None when the data does not
    list the host's PCI devices (then plans know nothing of them, as before)."""
    if data.get("pci_devices") is None:
        return None
    found = {}
    for item_path, item in f.mappings(data, "pci_devices", path):
        device = _pci_device(item, item_path, nodes)
        if device.address in found:
            raise VmpodInputError(f.join(item_path, "address"), device.address,
                                  "names a PCI device listed before")
        found[device.address] = device
    return tuple(found[address] for address in sorted(found))


def _pci_device(item, path, nodes):
    address = _pci_text(item, "address", path, _PCI_ADDRESS, "is not a PCI address (0000:3b:00.0)")
    vendor = _pci_text(item, "vendor", path, _PCI_ID, "is not a PCI vendor id (four hex digits, 10de)")
    device = _pci_text(item, "device", path, _PCI_ID, "is not a PCI device id (four hex digits, 2236)")
    pci_class = None
    if item.get("class") is not None:
        pci_class = _pci_text(item, "class", path, _PCI_CLASS, "is not a PCI class code (0x030200)")
        pci_class = "0x" + pci_class[-6:]
    kind = item.get("kind")
    if kind is None:
        kind = _kind_of_class(pci_class)
    elif kind not in PCI_KINDS:
        raise VmpodInputError(f.join(path, "kind"), kind, "must be one of %s" % ", ".join(PCI_KINDS))
    numa_node = f.integer(item, "numa_node", path, -1, -1)
    if numa_node != -1 and numa_node not in nodes:
        raise VmpodInputError(f.join(path, "numa_node"), numa_node,
                              "names no node in nodes (-1: unknown)")
    driver = None
    if "driver" in item:
        driver = f.string(item, "driver", path)
    totalvfs = f.integer(item, "sriov_totalvfs", path, None, 0)
    numvfs = f.integer(item, "sriov_numvfs", path, None, 0)
    if numvfs is not None and numvfs > (totalvfs or 0):
        raise VmpodInputError(f.join(path, "sriov_numvfs"), numvfs,
                              "exceeds sriov_totalvfs (%d)" % (totalvfs or 0))
    physfn = None
    if item.get("physfn") is not None:
        physfn = _pci_text(item, "physfn", path, _PCI_ADDRESS, "is not a PCI address (0000:3b:00.0)")
    used = f.boolean(item, "used", path, False)
    return PciDevice(address, vendor[-4:], device[-4:], pci_class, kind, numa_node, driver,
                     totalvfs, numvfs, physfn, used)


def _pci_text(item, key, path, pattern, problem):
    value = item.get(key)
    if value is None:
        raise VmpodInputError(f.join(path, key), None, "is required")
    if value.__class__ is int and 1000 <= value <= 9999:  # YAML reads an unquoted 8086 as a number
        value = str(value)
    if not isinstance(value, str) or not pattern.match(value.lower()):
        raise VmpodInputError(f.join(path, key), value, problem)
    return value.lower()


def _kind_of_class(pci_class):
    """gpu for a display controller (0x03...), nic for a network controller (0x02...)."""
    if pci_class is None:
        return "other"
    return {"0x03": "gpu", "0x02": "nic"}.get(pci_class[:4], "other")


def _fast_cpu(item, nodes):
    """The common case, read without per-field calls: all four fields plain non-negative ints."""
    cpu_id, socket, core, node = (item.get("id"), item.get("socket", 0), item.get("core"),
                                  item.get("node", 0))
    if (isinstance(cpu_id, int) and isinstance(socket, int) and isinstance(core, int)
            and isinstance(node, int) and cpu_id >= 0 and socket >= 0 and core >= 0
            and node in nodes and not isinstance(cpu_id, bool) and not isinstance(core, bool)
            and not isinstance(socket, bool) and not isinstance(node, bool)):
        return HostCpu(cpu_id, socket, core, node)
    return None


def _checked_cpu(item, item_path, nodes):
    cpu = HostCpu(f.integer(item, "id", item_path, None, 0),
                  f.integer(item, "socket", item_path, 0, 0),
                  f.integer(item, "core", item_path, None, 0),
                  f.integer(item, "node", item_path, 0, 0))
    if cpu.id is None:
        raise VmpodInputError(f.join(item_path, "id"), None, "is required")
    if cpu.core is None:
        cpu.core = cpu.id  # no core given: every CPU its own core (no SMT)
    if cpu.node not in nodes:
        raise VmpodInputError(f.join(item_path, "node"), cpu.node, "names no node in nodes")
    return cpu


def _host_cpuset(data, key, path, host):
    cpus = parse_cpuset(data.get(key), f.join(path, key))
    unknown = cpus - set(host.cpu_by_id)
    if unknown:
        raise VmpodInputError(f.join(path, key), data.get(key),
                              "names CPUs the host does not have: %s" % short_cpuset(unknown))
    return cpus


def _read_node(item, path, node_count):
    node_id = f.integer(item, "id", path, None, 0)
    if node_id is None:
        raise VmpodInputError(f.join(path, "id"), None, "is required")
    memory = f.quantity(item, "memory", path)
    distances = tuple(f.sequence(item, "distances", path))
    for index, distance in enumerate(distances):
        # ACPI's SLIT: 10 is a node's distance to itself, 11-255 to the others (0-9 are reserved)
        if isinstance(distance, bool) or not isinstance(distance, int) or not 10 <= distance <= 255:
            raise VmpodInputError("%s.distances[%d]" % (path, index), distance,
                                  "must be an integer from 10 (the node itself) to 255 (ACPI SLIT)")
    if distances and len(distances) != node_count:
        raise VmpodInputError(f.join(path, "distances"), list(distances),
                              "must have one distance per node (%d)" % node_count)
    pools = {}
    pages_path = f.join(path, "hugepages")
    for size_text, pool in f.mapping(item, "hugepages", path).items():
        where = f.join(pages_path, size_text)
        size = parse_quantity(size_text, where)
        pages = size.value()
        if pages < 4096 or pages & (pages - 1):  # a power of two, at least the 4Ki base page
            raise VmpodInputError(where, size_text, "is not a page size (a power of two, at least 4Ki)")
        if not isinstance(pool, dict):
            raise VmpodInputError(where, pool, "must be a mapping with total and free")
        total = f.integer(pool, "total", where, 0, 0)
        free = f.integer(pool, "free", where, total, 0)
        if free > total:
            raise VmpodInputError(f.join(where, "free"), free, "exceeds total (%d)" % total)
        pools[size.value()] = HugepagePool(size.value(), total, free)
    return HostNode(node_id, memory.value() if memory is not None else 0, distances, pools)
