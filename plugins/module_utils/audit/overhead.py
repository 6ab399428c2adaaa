# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The memory a running VM really uses beyond guest RAM, against the overhead KubeVirt's rules
computed for it (``launcher_resources.memory_overhead`` in its ``plan.json``).

What is counted, per VM:

* **process**: the QEMU process's resident pages (``Rss`` summed over ``/proc/<pid>/smaps``,
  which is ``VmRSS``: anonymous, file and shmem pages; hugetlb pages are never in it) minus the
  resident pages of the guest RAM mappings (the mapping of exactly the guest's size, see
  ``procfs.process_memory``). Shared libraries count whole: in a launcher Pod they are the
  container image's and charged to the Pod.
* **cgroup**: the peak usage of the VM's memory cgroup (libvirt's ``machine-qemu…scope`` or
  ``qemu-N-….libvirt-qemu``, a launcher Pod's ``pod<uid>``: ``memory.peak`` /
  ``memory.max_usage_in_bytes``) minus the guest RAM resident now. It adds what ``Rss`` misses -
  kernel memory charged to the VM (KVM's page tables, vhost, slab), page cache - and on a
  Kubernetes node every process of the Pod (virt-launcher, virtqemud). Hugetlb pages are not
  charged to the memory controller (unless the kernel mounts cgroup v2 with
  ``memory_hugetlb_accounting``), so hugepage-backed guest RAM is not in it.

The measured overhead is the larger of the two: it is what the Pod's memory limit must hold.
On a bare libvirt host the daemons (libvirtd, virtlogd) serve all domains and are not counted;
KubeVirt's overhead also covers virt-launcher and virtqemud in the Pod, so a libvirt host shows
a margin a Pod does not have.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

MIB = 1024 * 1024
# below this share of the computed overhead left unused, the margin is thin
THIN_MARGIN = 0.10
HIGH = "high"
MEDIUM = "medium"
LOW = "low"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Measured:
    """What was read of one running VM: its domain name, guest RAM (bytes), its process's
    ``procfs.ProcessMemory`` (None when unreadable), its memory cgroup path, usage and peak in
    bytes (None when unknown), and QEMU's accelerator (``kvm``, ``tcg``; None when unknown)."""

    domain: str
    guest_bytes: int
    process: object = None
    cgroup: str = None
    cgroup_current: int = None
    cgroup_peak: int = None
    accelerator: str = None


def measured_overhead(measured):
    """``(bytes, what was counted)``, the larger of the process and cgroup views; ``(None,
    reason)`` when neither could be read."""
    views = []
    guest_resident = measured.process.guest_rss * 1024 if measured.process else 0
    if measured.process is not None:
        views.append((measured.process.overhead * 1024, "process"))
    peak = measured.cgroup_peak if measured.cgroup_peak is not None else measured.cgroup_current
    if peak is not None:
        views.append((max(0, peak - guest_resident), "cgroup"))
    if not views:
        return None, "nothing readable"
    return max(views)


def oom_risk(computed, measured):
    """``high`` when the VM already uses more than was computed (its Pod would be OOM-killed at
    its limit), ``medium`` when less than ``THIN_MARGIN`` of it is left, else ``low``."""
    if computed is None or measured is None:
        return UNKNOWN
    if measured > computed:
        return HIGH
    if computed - measured < computed * THIN_MARGIN:
        return MEDIUM
    return LOW


def vm_class(measured, planned):
    """The plan's class of VM (CPUs, memory backing), with ``TCG`` for an emulated guest: its
    translation cache is overhead KubeVirt's rules do not count (they assume KVM)."""
    if planned is None:
        return None
    if measured.accelerator == "tcg":
        return planned.vm_class + ", TCG"
    return planned.vm_class


def overhead_row(measured, planned):
    """One VM's row: sizes in bytes, the margin (computed minus measured), the OOM risk."""
    value, counted = measured_overhead(measured)
    computed = planned.memory_overhead if planned is not None else None
    process = measured.process
    return {
        "domain": measured.domain,
        "class": vm_class(measured, planned),
        "accelerator": measured.accelerator,
        "guest_memory": measured.guest_bytes,
        "computed_overhead": computed,
        "measured_overhead": value,
        "counted": counted,
        "margin": computed - value if computed is not None and value is not None else None,
        "oom_risk": oom_risk(computed, value),
        "process": None if process is None else {
            "rss": process.rss * 1024, "guest_resident": process.guest_rss * 1024,
            "hugetlb": process.hugetlb * 1024, "overhead": process.overhead * 1024,
            "guest_ram_found": process.guest_mappings > 0},
        "cgroup": None if measured.cgroup is None else {
            "path": measured.cgroup, "current": measured.cgroup_current,
            "peak": measured.cgroup_peak},
    }


def _ceil_mib(value):
    return -(-value // MIB)


def recommendations(rows, safety=0.10):
    """Per class of VM: the worst measured / computed overhead, and, when some VM needs more
    than was computed plus ``safety``, the ``additionalGuestMemoryOverheadRatio`` factor (to
    multiply the ratio the plans were made with) and the ``reservedOverhead.addedOverhead`` that
    would cover it."""
    classes = {}
    for row in rows:
        if row["computed_overhead"] and row["measured_overhead"] is not None:
            classes.setdefault(row["class"], []).append(row)
    result = []
    for name in sorted(classes):
        members = classes[name]
        worst = max(members, key=lambda r: r["measured_overhead"] / r["computed_overhead"])
        ratio = worst["measured_overhead"] / worst["computed_overhead"]
        needed = int(worst["measured_overhead"] * (1 + safety))
        added = max(0, max(int(r["measured_overhead"] * (1 + safety)) - r["computed_overhead"]
                           for r in members))
        factor = max(1.0, -(-needed * 100 // worst["computed_overhead"]) / 100.0)
        result.append({
            "class": name,
            "vms": len(members),
            "worst_domain": worst["domain"],
            "measured_to_computed": round(ratio, 3),
            "additionalGuestMemoryOverheadRatio": None if factor <= 1.0 else "%.2f" % factor,
            "addedOverhead": None if added == 0 else "%dMi" % _ceil_mib(added),
            "advice": ("the computed overhead covers the measured one with %d%% to spare"
                       % int(round((1 - ratio) * 100)) if not added else
                       "raise the overhead: multiply additionalGuestMemoryOverheadRatio by %.2f "
                       "or set reservedOverhead.addedOverhead to %dMi" % (factor, _ceil_mib(added))),
        })
    return result


def overhead(measurements, planned_vms, safety=0.10):
    """``{rows, recommendations}`` for the running VMs measured (``Measured``), with the
    computed overhead of their plans (``{domain: PlannedVm}``)."""
    rows = [overhead_row(m, planned_vms.get(m.domain)) for m in
            sorted(measurements, key=lambda m: m.domain)]
    return {"rows": rows, "recommendations": recommendations(rows, safety)}
