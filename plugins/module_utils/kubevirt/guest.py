# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the guest gets, one rule each: its vCPUs, its memory, its hugepage size.

Sizing, placement, the Pod and the domain all ask these questions of a read VMI; each has one
answer here. (KubeVirt's overhead counts vCPUs by a rule of its own, ``overhead.overhead_vcpus``,
which differs for a cpu section of zeros.)
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


def guest_vcpus(vmi):
    """The guest's vCPUs: its CPU topology (GetNumberOfVCPUs), else its CPU limit, else its CPU
    request (rounded up), else 1 - what KubeVirt's converter enables (``configureCPUTopology``)."""
    count = vmi.cpu.vcpu_count if vmi.cpu.present else 0
    if count:
        return count
    for table in (vmi.limits, vmi.requests):
        if "cpu" in table:
            return max(1, table["cpu"].value())
    return 1


def guest_memory(vmi):
    """The guest's memory as a Quantity (GetVirtualMemory): memory.guest, else the memory limit
    when there is no memory request, else the request; zero values count as unset. None when the
    VMI says none of them."""
    if vmi.guest is not None and not vmi.guest.is_zero():
        return vmi.guest
    request = vmi.requests.get("memory")
    limit = vmi.limits.get("memory")
    if (request is None or request.is_zero()) and limit is not None and not limit.is_zero():
        return limit
    if request is not None and not request.is_zero():
        return request
    return None


def guest_memory_field(vmi):
    """The path of the field ``guest_memory`` takes its value from (for errors)."""
    if vmi.guest is not None and not vmi.guest.is_zero():
        return vmi.spec_path + ".domain.memory.guest"
    request = vmi.requests.get("memory")
    if request is None or request.is_zero():
        return vmi.spec_path + ".domain.resources.limits.memory"
    return vmi.spec_path + ".domain.resources.requests.memory"


def page_size(vmi):
    """The hugepage size in bytes, None without hugepages; a size that is not a whole number of
    KiB is refused, naming the field."""
    if vmi.hugepage_size is None:
        return None
    size = vmi.page_size
    if size is None or size.value() <= 0 or size.value() % 1024:
        raise VmpodInputError(vmi.spec_path + ".domain.memory.hugepages.pageSize",
                              vmi.hugepage_size, "is not a page size")
    return size.value()
