# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain's memory: its size, guest NUMA cells, numatune, memory backing and memtune.

KubeVirt ``compute/memory.go`` and ``vcpu/vcpu.go`` ``GetVirtualMemory`` / ``QuantityToByte``
(guest memory in bytes), ``compute/memory_backing.go`` (hugepages, memfd, shared access),
``compute/cpu.go`` (the synthetic NUMA cell memfd needs) and ``vcpu/vcpu.go`` ``numaMapping``
(strict numatune, memnodes, a page size per guest cell). Beyond KubeVirt: immediate allocation
and a page size for every hugepage-backed guest, numatune for every pinned VM (KubeVirt relies
on the Pod's hugetlbfs mount and cpuset.mems) and an optional ``<memtune>`` hard limit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.guest import (
    guest_memory, guest_memory_field, page_size)
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

MEMFD_ANNOTATION = "kubevirt.io/memfd"  # "false" keeps hugepages on hugetlbfs files


def guest_memory_bytes(vmi):
    """``guest.guest_memory`` as QuantityToByte gives it: a fractional quantity loses one byte."""
    value = guest_memory(vmi)
    if value is None:
        raise VmpodInputError(vmi.spec_path + ".domain.memory.guest", None,
                              "is required: the VMI sets no guest memory, memory request or "
                              "limit")
    rounded, exact = value.round_up(0)  # (Go's RoundUp: whole bytes, and whether exactly)
    size = rounded.value() if exact else rounded.value() - 1
    if size <= 0:
        raise VmpodInputError(guest_memory_field(vmi), str(value), "is not a guest memory size")
    return size


def page_size_bytes(vmi, memory):
    """``guest.page_size``, which must divide the guest memory into whole pages."""
    size = page_size(vmi)
    if size is not None and memory % size:
        raise VmpodInputError(vmi.spec_path + ".domain.memory.hugepages.pageSize",
                              vmi.hugepage_size, "does not divide the guest memory of %d bytes "
                              "into whole pages" % memory)
    return size


def memfd_required(vmi, shared):
    """isMemfdRequired: hugepages (unless kubevirt.io/memfd is "false"), or shared access
    (``shared``: virtiofs or passt)."""
    if vmi.hugepage_size is not None and vmi.annotations.get(MEMFD_ANNOTATION) != "false":
        return True
    return shared


def shared_access_required(vmi):
    """Guest memory other processes map: virtiofs filesystems or a passt interface."""
    if vmi.domain.filesystems:
        return True
    for interface in vmi.interfaces:
        if interface.uses_passt:
            return True
    return False


def guest_numa_cells(vmi, view, memory, vcpus, memfd):
    """The plan's guest NUMA cells (passthrough or an explicit layout); else, when memfd backs
    the memory (``memfd``: ``memfd_required``), configureSyntheticNUMA's single cell of all vCPUs
    and memory (in KiB)."""
    if view.cells:
        return [{"id": cell["id"], "cpus": cell["cpus"], "memory": cell["memory_bytes"],
                 "unit": "b", "distances": [dict(item) for item in cell["distances"]],
                 "host_node": cell["host_node"]}
                for cell in view.cells]
    if memfd and not vmi.cpu.has_numa and vmi.architecture != "s390x":
        return [{"id": 0, "cpus": "0-%d" % (vcpus - 1),  # "0-0" for one vCPU, as KubeVirt
                 "memory": memory // 1024, "unit": "KiB", "distances": [], "host_node": None}]
    return []


def numatune(view, host, cells):
    """Strict memory on the plan's host nodes: each guest cell's own node (``numaMapping``);
    without planned guest cells, the nodes the plan takes hugepages from, else the nodes of the
    pinned pCPUs (KubeVirt leaves both to the Pod's cpuset.mems; a bare libvirt host needs them
    said). None when the plan places neither (shared CPUs without hugepages, no plan)."""
    if not (view.cells or view.page_nodes or view.cpuset):
        return None
    planned = [cell for cell in cells if cell["host_node"] is not None]
    if planned:
        nodes = sorted({cell["host_node"] for cell in planned})
        memnodes = [{"cellid": cell["id"], "nodeset": str(cell["host_node"])} for cell in planned]
        return {"mode": "strict", "nodeset": format_cpuset(nodes), "memnodes": memnodes}
    nodes = view.page_nodes
    if not nodes and host is not None and view.cpuset:
        by_id = host.cpu_by_id
        nodes = {by_id[cpu].node for cpu in view.cpuset if cpu in by_id}
    if not nodes:
        return None
    nodeset = format_cpuset(nodes)
    return {"mode": "strict", "nodeset": nodeset,
            "memnodes": [{"cellid": cell["id"], "nodeset": nodeset} for cell in cells]}


def memory_backing(vmi, page, cells, memfd, shared):
    """hugepages (a page size per guest cell), nosharepages for realtime, memfd (``memfd``),
    shared access (``shared``: ``shared_access_required``), and immediate allocation of
    hugepages; None when nothing applies."""
    realtime = vmi.cpu.realtime
    if page is None and not (realtime or memfd or shared):
        return None
    hugepages = []
    if page is not None:
        size_kib = page // 1024
        if cells:
            hugepages = [{"size_kib": size_kib, "nodeset": str(cell["id"])} for cell in cells]
        else:
            hugepages = [{"size_kib": size_kib, "nodeset": None}]
    return {"hugepages": hugepages, "nosharepages": realtime,
            "source": "memfd" if memfd else None, "access": "shared" if shared else None,
            "allocation": "immediate" if page is not None else None}


def memtune(sized, opts):
    """``<memtune><hard_limit>``: the launcher Pod's memory limit (else request) - the cgroup
    limit of QEMU and its overhead, as Virtlet's notes describe it - when asked for."""
    if not opts.memory_hard_limit:
        return None
    quantity = sized.limits.get("memory") or sized.requests.get("memory")
    if quantity is None:
        return None
    return {"hard_limit_bytes": quantity.value()}
