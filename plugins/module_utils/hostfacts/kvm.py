# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host can do for KVM, from the texts the kernel and libvirt print: the CPU's
virtualisation extension (``vmx`` Intel VT-x, ``svm`` AMD-V), the KVM module that drives it, the
module's ``nested`` parameter, libvirt's version; and whether ``/dev/kvm`` really creates a VM.

Whether KVM works is decided by ``/dev/kvm`` itself (``KVM_CREATE_VM``), never by the CPU flags:
a guest of a hypervisor may run KVM without ``vmx``/``svm`` in its ``/proc/cpuinfo`` (for
example with the ``kvm_pvm`` module, which needs no hardware extension), and a CPU with the flag
may have it disabled by the firmware. The module does the ioctls; the numbers and the verdict are
here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

KVM_MODULES = {"vmx": "kvm_intel", "svm": "kvm_amd"}
# KVM's backend modules, in the order a loaded one is named when the CPU flags name none
KVM_BACKENDS = ("kvm_intel", "kvm_amd", "kvm_pvm", "kvm_hv")

KVMIO = 0xAE
# KVM's API version since Linux 2.6.22 (include/uapi/linux/kvm.h: KVM_API_VERSION)
KVM_API_VERSION = 12


def _io(kind, number):
    """The ``_IO(type, nr)`` ioctl number (include/uapi/asm-generic/ioctl.h): no data."""
    return (kind << 8) | number


KVM_GET_API_VERSION = _io(KVMIO, 0x00)
KVM_CREATE_VM = _io(KVMIO, 0x01)
_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")


def cpu_info(cpuinfo):
    """``{vendor, model, flags}`` of the first processor in ``/proc/cpuinfo``."""
    fields = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break  # the first processor only
            continue
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip(), value.strip())
    return {
        "vendor": fields.get("vendor_id", ""),
        "model": fields.get("model name", fields.get("cpu model", "")),
        "flags": sorted(set(fields.get("flags", "").split())),
    }


def virtualization(flags):
    """``vmx``, ``svm`` or None: the hardware extension KVM needs."""
    for flag in ("vmx", "svm"):
        if flag in flags:
            return flag
    return None


def kvm_module(extension, loaded_modules=frozenset()):
    """The KVM module for an extension; without one, the KVM backend module that is loaded (or
    built in); None when there is neither."""
    if extension in KVM_MODULES:
        return KVM_MODULES[extension]
    for name in KVM_BACKENDS:
        if name in loaded_modules:
            return name
    return None


class KvmCheck:
    """What opening ``/dev/kvm`` and asking it for a VM gave: ``exists``, ``api_version`` (None
    when not read), ``vm_created``, and ``error`` (the failed step and the kernel's reason)."""

    __slots__ = ("exists", "api_version", "vm_created", "error")

    def __init__(self, exists, api_version=None, vm_created=False, error=None):
        self.exists = exists
        self.api_version = api_version
        self.vm_created = vm_created
        self.error = error


def kvm_usable(check):
    """KVM works when ``/dev/kvm`` speaks the stable API and created a VM."""
    return bool(check.exists and check.vm_created and check.api_version == KVM_API_VERSION)


def kvm_problem(check):
    """Why KVM is not usable, in a line; None when it is."""
    if kvm_usable(check):
        return None
    if not check.exists:
        return "/dev/kvm is missing"
    if check.error:
        return check.error
    if check.api_version != KVM_API_VERSION:
        return "/dev/kvm speaks KVM API %s, not %d" % (check.api_version, KVM_API_VERSION)
    return "/dev/kvm created no VM"


def nested_enabled(parameter):
    """The kvm_intel / kvm_amd ``nested`` parameter as a bool (``Y``/``1`` or ``N``/``0``);
    None when unknown (module not loaded)."""
    if parameter is None:
        return None
    return parameter.strip() in ("Y", "y", "1")


def program_version(output):
    """The first dotted version in a ``--version`` output (``libvirtd (libvirt) 9.0.0``)."""
    match = _VERSION.search(output or "")
    return match.group(1) if match else None


def kvm_facts(cpu, loaded_modules, nested_parameter, check, libvirt_version, qemu_version):
    """The facts the kvm_host role reports (``vmpod_kvm_host_facts``); ``check`` is the
    ``KvmCheck`` of ``/dev/kvm``."""
    extension = virtualization(cpu["flags"])
    module = kvm_module(extension, loaded_modules)
    return {
        "cpu_vendor": cpu["vendor"],
        "cpu_model": cpu["model"],
        "virtualization": extension,
        "kvm_module": module,
        "kvm_module_loaded": module in loaded_modules if module else False,
        "kvm_usable": kvm_usable(check),
        "kvm_problem": kvm_problem(check),
        "kvm_api_version": check.api_version,
        "dev_kvm": check.exists,
        "nested": nested_enabled(nested_parameter),
        "libvirt_version": libvirt_version,
        "qemu_version": qemu_version,
    }


def loaded_module_names(proc_modules, sys_modules=()):
    """Module names from ``/proc/modules``, and the ``/sys/module`` entries (``sys_modules``):
    those also show modules built into the kernel, which ``/proc/modules`` does not list."""
    names = set(line.split(None, 1)[0] for line in proc_modules.splitlines() if line.strip())
    return frozenset(names | set(sys_modules))
