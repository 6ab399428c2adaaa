# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kernel says about a running VM's QEMU process, read from the texts of
``/proc/<pid>/smaps``, ``numa_maps``, ``cgroup`` and ``/proc/mounts`` (no I/O here: the module
reads them).

Guest RAM is told apart from QEMU's own memory by its mapping: QEMU maps each RAM backend in one
piece of exactly the guest's memory size (``pc.ram``, ``/memfd:memory-backend-memfd``); a
hugepage backend is hugetlb memory, which ``Rss`` never counts (``Private_Hugetlb`` and
``Shared_Hugetlb`` do, as ``HugetlbPages`` in ``/proc/<pid>/status``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_MAPPING = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")
_FIELD = re.compile(r"^([A-Za-z_]+):\s+(\d+) kB$")
_NODE_PAGES = re.compile(r"^N(\d+)=(\d+)$")
# libvirt's systemd scope, libvirt's cgroupfs directory, a Kubernetes Pod's cgroup
_VM_CGROUP = (re.compile(r"^machine-qemu.*\.scope$"), re.compile(r"^qemu-\d+-.*\.libvirt-qemu$"),
              re.compile(r"^(kubepods-.*)?pod[0-9a-f]{8}[-_][0-9a-f]{4}[-_].*?(\.slice)?$"))


class Mapping:
    """One mapping of ``/proc/<pid>/smaps``: its name and size, and its ``Rss`` and hugetlb
    pages (KiB)."""

    __slots__ = ("name", "size_kib", "rss_kib", "hugetlb_kib")

    def __init__(self, name, size_kib=0, rss_kib=0, hugetlb_kib=0):
        self.name = name
        self.size_kib = size_kib
        self.rss_kib = rss_kib
        self.hugetlb_kib = hugetlb_kib


def smaps_mappings(text):
    """The mappings of an ``smaps`` text, in order."""
    mappings = []
    for line in text.splitlines():
        if _MAPPING.match(line):
            fields = line.split(None, 5)
            mappings.append(Mapping(fields[5] if len(fields) > 5 else ""))
            continue
        match = _FIELD.match(line)
        if match is None or not mappings:
            continue
        name, kib = match.group(1), int(match.group(2))
        current = mappings[-1]
        if name == "Size":
            current.size_kib = kib
        elif name == "Rss":
            current.rss_kib = kib
        elif name in ("Private_Hugetlb", "Shared_Hugetlb"):
            current.hugetlb_kib += kib
    return mappings


class ProcessMemory:
    """A QEMU process's memory, in KiB: ``rss`` (every mapping's resident pages, hugetlb
    excluded, as the kernel counts ``VmRSS``), ``guest_rss`` (the resident pages of the guest
    RAM mappings), ``hugetlb`` (hugetlb pages mapped), ``guest_mappings`` (how many mappings
    were taken as guest RAM)."""

    __slots__ = ("rss", "guest_rss", "hugetlb", "guest_mappings")

    def __init__(self, rss, guest_rss, hugetlb, guest_mappings):
        self.rss = rss
        self.guest_rss = guest_rss
        self.hugetlb = hugetlb
        self.guest_mappings = guest_mappings

    @property
    def overhead(self):
        """What QEMU holds beyond guest RAM: resident pages outside the guest RAM mappings."""
        return self.rss - self.guest_rss


def process_memory(smaps_text, guest_kib):
    """The ``ProcessMemory`` of a QEMU process whose guest has ``guest_kib`` KiB of RAM: guest
    RAM is the mapping(s) of exactly that size; when QEMU split RAM over several backends (guest
    NUMA cells), the largest mappings that together make that size."""
    mappings = smaps_mappings(smaps_text)
    guest = [m for m in mappings if m.size_kib == guest_kib][:1]
    if not guest:
        total = 0
        for mapping in sorted(mappings, key=lambda m: -m.size_kib):
            if total + mapping.size_kib > guest_kib or mapping.size_kib < 1024:
                continue
            guest.append(mapping)
            total += mapping.size_kib
            if total == guest_kib:
                break
        if total != guest_kib:
            guest = []
    return ProcessMemory(
        rss=sum(m.rss_kib for m in mappings),
        guest_rss=sum(m.rss_kib for m in guest),
        hugetlb=sum(m.hugetlb_kib for m in mappings),
        guest_mappings=len(guest),
    )


def hugetlb_pages_per_node(numa_maps_text):
    """``{(node, page KiB): pages}`` of the hugetlb mappings of a ``numa_maps`` text (the
    ``huge`` lines: ``N0=64 kernelpagesize_kB=2048``)."""
    pages = {}
    for line in numa_maps_text.splitlines():
        fields = line.split()
        if "huge" not in fields:
            continue
        size = None
        counts = []
        for field in fields:
            if field.startswith("kernelpagesize_kB="):
                size = int(field.split("=", 1)[1])
            match = _NODE_PAGES.match(field)
            if match:
                counts.append((int(match.group(1)), int(match.group(2))))
        if size is None:
            continue
        for node, count in counts:
            pages[(node, size)] = pages.get((node, size), 0) + count
    return pages


class VmCgroup:
    """The memory cgroup a VM is charged to: ``version`` (1 or 2) and its ``path`` (from the
    cgroup root, ``/machine/qemu-1-lab_vm.libvirt-qemu``)."""

    __slots__ = ("version", "path")

    def __init__(self, version, path):
        self.version = version
        self.path = path

    def files(self):
        """The files holding the usage now and its peak, relative to ``/sys/fs/cgroup``."""
        if self.version == 2:
            return (self.path + "/memory.current", self.path + "/memory.peak")
        return ("memory" + self.path + "/memory.usage_in_bytes",
                "memory" + self.path + "/memory.max_usage_in_bytes")


def vm_cgroup(cgroup_text):
    """The VM's memory cgroup from a ``/proc/<pid>/cgroup`` text: the ancestor of the process's
    cgroup that is the whole VM (libvirt's ``machine-qemu…scope`` or ``qemu-N-name.libvirt-qemu``,
    a Kubernetes ``pod<uid>`` cgroup), not its ``emulator`` or ``vcpuN`` child; the v1
    ``memory`` controller's when there is one, else the v2 one. None when there is none."""
    found = {}
    for line in cgroup_text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            found.setdefault(2, parts[2])
        elif "memory" in parts[1].split(","):
            found[1] = parts[2]
    for version in (1, 2):
        path = found.get(version)
        if not path:
            continue
        components = [c for c in path.split("/") if c]
        for index in range(len(components) - 1, -1, -1):
            if any(pattern.match(components[index]) for pattern in _VM_CGROUP):
                return VmCgroup(version, "/" + "/".join(components[:index + 1]))
    return None


def hugetlbfs_mounts(mounts_text):
    """``[(mount point, page KiB or None)]`` of the hugetlbfs lines of ``/proc/mounts``; None
    when the line names no ``pagesize`` (the default size)."""
    found = []
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[2] != "hugetlbfs":
            continue
        size = None
        for option in fields[3].split(","):
            if option.startswith("pagesize="):
                size = _size_kib(option.split("=", 1)[1])
        found.append((fields[1].replace("\\040", " "), size))
    return found


def _size_kib(text):
    """KiB of a hugetlbfs ``pagesize`` option: ``2M``, ``1024M``, ``1G`` (bytes without a
    suffix)."""
    match = re.match(r"^(\d+)([KMG]?)$", text)
    if not match:
        return None
    if not match.group(2):
        return int(match.group(1)) // 1024
    return int(match.group(1)) * {"K": 1, "M": 1024, "G": 1024 * 1024}[match.group(2)]


_MEMORY = re.compile(r"^(?:size=)?(\d+)([kKmMgGtT]?)(?:,.*)?$")
_MEMORY_KIB = {"": 1024, "k": 1, "m": 1024, "g": 1024 ** 2, "t": 1024 ** 3}


def qemu_guest(arguments):
    """``(guest name, guest RAM in KiB)`` of a QEMU command line (``/proc/<pid>/cmdline`` split
    at NUL bytes): ``-name guest=<name>,...`` (a comma in the name doubled) and ``-m 128`` or
    ``-m size=131072k`` (MiB without a suffix); None when it is not a QEMU system emulator or
    names no guest."""
    if not arguments or "qemu-system" not in arguments[0].rsplit("/", 1)[-1] \
            and "qemu-kvm" not in arguments[0]:
        return None
    name = memory = None
    for option, value in zip(arguments, arguments[1:]):
        if option == "-name":
            first = value.replace(",,", "\0").split(",", 1)[0].replace("\0", ",")
            name = first[len("guest="):] if first.startswith("guest=") else first
        elif option == "-m":
            match = _MEMORY.match(value)
            if match:
                memory = int(match.group(1)) * _MEMORY_KIB[match.group(2).lower()]
    if not name or memory is None:
        return None
    return name, memory


def qemu_accelerator(arguments):
    """``kvm`` or ``tcg`` (QEMU's emulation, whose translation cache adds hundreds of MiB) from
    ``-accel <name>`` or ``-machine ...,accel=<name>``; ``kvm`` for ``-enable-kvm``; None when the
    command line does not say."""
    for option, value in zip(arguments, arguments[1:]):
        if option == "-accel":
            return value.split(",", 1)[0]
        if option == "-machine":
            for part in value.split(","):
                if part.startswith("accel="):
                    return part[len("accel="):].split(":", 1)[0]
    return "kvm" if "-enable-kvm" in arguments else None


_VCPU_THREAD = re.compile(r"^CPU (\d+)/KVM$")
_IOTHREAD = re.compile(r"^IO iothread(\d+)$")


def _status_field(status_text, name):
    for line in status_text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def thread_placement(pid, threads):
    """The pinning the kernel applies to a QEMU process's threads, in the shape of
    ``libvirt/domain_xml.placement_from_libvirt`` (``source``: ``threads``), for a domain whose
    libvirt cannot be asked (a Kubernetes node: libvirt runs inside the launcher Pod).

    ``threads``: ``[(tid, comm, status text)]`` of ``/proc/<pid>/task``. QEMU names its threads
    when libvirt starts it with ``debug-threads=on`` (always): ``CPU <n>/KVM`` for vCPU n,
    ``IO iothread<n>`` for IOThread n; the emulator's pinning is the main thread's (libvirt's
    emulatorpin covers every other thread). The memory nodes are ``Mems_allowed_list``, the
    cgroup's ``cpuset.mems`` that a strict numatune sets; the mode itself is not visible there,
    so it is given as ``strict``. None when no vCPU thread is named."""
    vcpus = {}
    iothreads = {}
    emulator = mems = None
    for tid, comm, status in threads:
        cpus = _status_field(status, "Cpus_allowed_list")
        if cpus is None:
            continue
        vcpu = _VCPU_THREAD.match(comm.strip())
        iothread = _IOTHREAD.match(comm.strip())
        if vcpu:
            vcpus[int(vcpu.group(1))] = cpus
        elif iothread:
            iothreads[iothread.group(1)] = cpus
        elif tid == pid:
            emulator = cpus
            mems = _status_field(status, "Mems_allowed_list")
    if not vcpus:
        return None
    cpusets = [vcpus.get(index, "") for index in range(max(vcpus) + 1)]
    single = all(cpus.isdigit() for cpus in cpusets)
    return {
        "source": "threads",
        "vcpupin": [int(cpus) for cpus in cpusets] if single else None,
        "vcpu_cpusets": cpusets,
        "emulatorpin": emulator,
        "iothreadpin": iothreads,
        "numatune": {"mode": "strict", "nodeset": mems} if mems else None,
        "memnodes": {},
    }
