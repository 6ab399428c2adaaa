# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Linux host's CPU and memory topology from the contents of its sysfs files.

No I/O here: the caller reads the files named by ``SYSFS_FILES`` (glob patterns relative to the
file system root) and passes ``{relative path: text}``; a symbolic link is given by its target.
``host_from_sysfs`` returns the host data that ``host.read_host`` reads::

    {"cpus": [{"id": 0, "socket": 0, "core": 0, "node": 0}, ...],
     "nodes": [{"id": 0, "memory": "64Gi", "distances": [10, 21],
                "hugepages": {"2Mi": {"total": 1024, "free": 1000}}}, ...],
     "isolated_cpus": "2-15"}

The kernel's ABI for these files: Documentation/ABI/stable/sysfs-devices-system-cpu (topology),
Documentation/ABI/stable/sysfs-devices-node (node cpulist, meminfo, distance, hugepages) and
Documentation/admin-guide/mm/hugetlbpage.rst (the global hugepage pools).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import BINARY_SI, Quantity

CPU_DIR = "sys/devices/system/cpu"
NODE_DIR = "sys/devices/system/node"
GLOBAL_HUGEPAGES_DIR = "sys/kernel/mm/hugepages"
PROC_MEMINFO = "proc/meminfo"

# Every file host_from_sysfs reads, as glob patterns relative to the root of the file system.
SYSFS_FILES = (
    CPU_DIR + "/online",
    CPU_DIR + "/isolated",
    CPU_DIR + "/cpu[0-9]*/topology/physical_package_id",
    CPU_DIR + "/cpu[0-9]*/topology/core_id",
    CPU_DIR + "/cpu[0-9]*/topology/core_cpus_list",
    CPU_DIR + "/cpu[0-9]*/topology/thread_siblings_list",
    CPU_DIR + "/cpu[0-9]*/node[0-9]*",
    NODE_DIR + "/node[0-9]*/cpulist",
    NODE_DIR + "/node[0-9]*/meminfo",
    NODE_DIR + "/node[0-9]*/distance",
    NODE_DIR + "/node[0-9]*/hugepages/hugepages-*kB/nr_hugepages",
    NODE_DIR + "/node[0-9]*/hugepages/hugepages-*kB/free_hugepages",
    GLOBAL_HUGEPAGES_DIR + "/hugepages-*kB/nr_hugepages",
    GLOBAL_HUGEPAGES_DIR + "/hugepages-*kB/free_hugepages",
    PROC_MEMINFO,
)

# The ACPI SLIT distance of a node to itself: what a single-node host reports.
LOCAL_DISTANCE = 10

_CPU_TOPOLOGY = re.compile(r"^" + CPU_DIR + r"/cpu(\d+)/topology/")
_CPU_NODE_LINK = re.compile(r"^" + CPU_DIR + r"/cpu(\d+)/node(\d+)$")
_NODE = re.compile(r"^" + NODE_DIR + r"/node(\d+)/")
_POOL = re.compile(r"^(.*)/hugepages-(\d+)kB/nr_hugepages$")

LogicalCpu = namedtuple("LogicalCpu", "id socket core_id siblings node")
LogicalCpu.__doc__ = """One online logical CPU as the kernel describes it.

``core_id`` is the kernel's (unique within a socket on most machines, not on all); ``siblings`` the
frozenset of online CPUs sharing its core, itself included, or None when unknown."""


def host_from_sysfs(files):
    """The host data (``cpus``, ``nodes``, ``isolated_cpus``) from sysfs file contents.

    Only online CPUs are listed. Without ``sys/devices/system/node`` (a kernel built without
    NUMA) the host is one node 0 holding every CPU, with the memory of ``/proc/meminfo`` and the
    pools of ``/sys/kernel/mm/hugepages``.
    """
    online = online_cpus(files)
    node_ids = sorted({int(m.group(1)) for m in map(_NODE.match, files) if m})
    node_of = cpu_nodes(files, online, node_ids)
    cpus = [LogicalCpu(cpu_id, package_id(files, cpu_id), core_id(files, cpu_id),
                       core_siblings(files, cpu_id, online), node_of[cpu_id])
            for cpu_id in sorted(online)]
    if node_ids:
        nodes = [numa_node(files, node_id) for node_id in node_ids]
    else:
        nodes = [whole_machine_node(files)]
    host = {"cpus": host_cpus(cpus), "nodes": nodes}
    isolated = files.get(CPU_DIR + "/isolated")
    if isolated is not None:
        # isolcpus may name CPUs that are offline or absent: only the host's count
        host["isolated_cpus"] = format_cpuset(
            _cpuset(isolated, CPU_DIR + "/isolated") & online)
    return host


# -- CPUs -------------------------------------------------------------------------------------

def online_cpus(files):
    """The online CPUs: ``cpu/online``, or every CPU with a topology directory when it is absent."""
    path = CPU_DIR + "/online"
    if path in files:
        online = _cpuset(files[path], path)
    else:
        online = frozenset(int(m.group(1)) for m in map(_CPU_TOPOLOGY.match, files) if m)
    if not online:
        if path not in files:
            raise VmpodInputError(path, None, "is required")
        raise VmpodInputError(path, files[path].strip(), "lists no online CPU")
    return online


def package_id(files, cpu_id):
    """The socket: ``physical_package_id`` (-1, "unknown" on some platforms, reads as 0)."""
    value = _integer(files, "%s/cpu%d/topology/physical_package_id" % (CPU_DIR, cpu_id), 0)
    return max(value, 0)


def core_id(files, cpu_id):
    value = _integer(files, "%s/cpu%d/topology/core_id" % (CPU_DIR, cpu_id), cpu_id)
    return value if value >= 0 else cpu_id


def core_siblings(files, cpu_id, online):
    """The online CPUs of ``cpu_id``'s core: ``core_cpus_list``, or its older name
    ``thread_siblings_list``; None when neither is there."""
    for name in ("core_cpus_list", "thread_siblings_list"):
        path = "%s/cpu%d/topology/%s" % (CPU_DIR, cpu_id, name)
        if path in files:
            return (_cpuset(files[path], path) & online) | frozenset((cpu_id,))
    return None


def cpu_nodes(files, online, node_ids):
    """CPU id -> node id, from the ``cpuN/nodeM`` links, else from each node's ``cpulist``."""
    if not node_ids:
        return dict.fromkeys(online, 0)
    node_of = {}
    for node_id in node_ids:
        path = "%s/node%d/cpulist" % (NODE_DIR, node_id)
        for cpu_id in _cpuset(files.get(path, ""), path) & online:
            node_of[cpu_id] = node_id
    for match in map(_CPU_NODE_LINK.match, files):
        if match and int(match.group(1)) in online:
            node_of[int(match.group(1))] = int(match.group(2))
    homeless = sorted(online - set(node_of))
    if homeless:
        raise VmpodInputError(NODE_DIR, format_cpuset(homeless),
                              "are online CPUs that no node lists")
    return node_of


def host_cpus(cpus):
    """The host data's ``cpus`` from ``LogicalCpu`` values, ascending by id.

    ``core`` is the kernel's core id when each (socket, core id) pair names exactly one set of
    siblings, as on most machines. When it does not (core ids repeated across the dies of one
    package, or different within one set of siblings, as on AMD Bulldozer modules), each core is
    numbered by its lowest CPU id instead, so that siblings still share socket and core.
    """
    cpus = sorted(cpus, key=lambda cpu: cpu.id)
    groups = {}
    for cpu in cpus:
        groups.setdefault((cpu.socket, cpu.core_id), set()).add(cpu.id)
    consistent = all(cpu.siblings is None or groups[(cpu.socket, cpu.core_id)] == cpu.siblings
                     for cpu in cpus)
    return [{"id": cpu.id,
             "socket": cpu.socket,
             "core": cpu.core_id if consistent or cpu.siblings is None else min(cpu.siblings),
             "node": cpu.node}
            for cpu in cpus]


# -- memory -----------------------------------------------------------------------------------

def numa_node(files, node_id):
    base = "%s/node%d" % (NODE_DIR, node_id)
    return {
        "id": node_id,
        "memory": memory_quantity(_meminfo_kib(files, base + "/meminfo") * 1024),
        "distances": _integers(files.get(base + "/distance", ""), base + "/distance"),
        "hugepages": hugepage_pools(files, base + "/hugepages"),
    }


def whole_machine_node(files):
    """Node 0 of a kernel without NUMA: all memory, the global hugepage pools."""
    return {
        "id": 0,
        "memory": memory_quantity(_meminfo_kib(files, PROC_MEMINFO) * 1024),
        "distances": [LOCAL_DISTANCE],
        "hugepages": hugepage_pools(files, GLOBAL_HUGEPAGES_DIR),
    }


def hugepage_pools(files, directory):
    """Page size ("2Mi") -> {total, free} for the ``hugepages-<kB>kB`` pools under ``directory``,
    ascending by size. Every size the kernel supports is listed, empty pools too."""
    pools = []
    for path in files:
        match = _POOL.match(path)
        if not match or match.group(1) != directory:
            continue
        size_kib = int(match.group(2))
        total = _integer(files, path, None)
        free_path = path[:-len("nr_hugepages")] + "free_hugepages"
        free = _integer(files, free_path, total)
        if total < 0 or not 0 <= free <= total:
            raise VmpodInputError(free_path, free, "is not between 0 and nr_hugepages (%d)" % total)
        pools.append((size_kib, {"total": total, "free": free}))
    return dict((page_size_name(size_kib), pool) for size_kib, pool in sorted(pools))


def page_size_name(size_kib):
    """A page size in KiB as the canonical binary quantity Kubernetes uses: 2048 -> "2Mi"."""
    return memory_quantity(size_kib * 1024)


def memory_quantity(size_bytes):
    """Bytes as a canonical binary quantity string: 68719476736 -> "64Gi"."""
    return str(Quantity.from_int(size_bytes, BINARY_SI))


# -- file contents ----------------------------------------------------------------------------

def _meminfo_kib(files, path):
    """``MemTotal`` in KiB from ``/proc/meminfo`` or a node's ``meminfo`` ("Node 0 MemTotal: ...")."""
    text = files.get(path)
    if text is None:
        raise VmpodInputError(path, None, "is required")
    for line in text.splitlines():
        label, _sep, value = line.partition(":")
        if label.split()[-1:] == ["MemTotal"]:
            fields = value.split()
            if fields and fields[0].isascii() and fields[0].isdigit() and fields[1:] in ([], ["kB"]):
                return int(fields[0])
            raise VmpodInputError(path, line.strip(), "is not a MemTotal line in kB")
    first_line = (text.strip().splitlines() or [""])[0]
    raise VmpodInputError(path, first_line, "has no MemTotal line")


def _integer(files, path, default):
    text = files.get(path)
    if text is None:
        if default is None:
            raise VmpodInputError(path, None, "is required")
        return default
    try:
        return int(text.strip())
    except ValueError:
        raise VmpodInputError(path, text.strip(), "is not an integer")


def _integers(text, path):
    try:
        return [int(word) for word in text.split()]
    except ValueError:
        raise VmpodInputError(path, text.strip(), "is not a list of integers")


def _cpuset(text, path):
    return parse_cpuset(text.strip(), path)
