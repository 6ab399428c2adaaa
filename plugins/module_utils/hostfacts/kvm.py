# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host can do for KVM, from the texts the kernel and libvirt print: the CPU's
virtualisation extension (``vmx`` Intel VT-x, ``svm`` AMD-V), the KVM module that drives it, the
module's ``nested`` parameter, libvirt's version."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

KVM_MODULES = {"vmx": "kvm_intel", "svm": "kvm_amd"}
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


def kvm_module(extension):
    """The KVM module for an extension, None without one."""
    return KVM_MODULES.get(extension)


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


def kvm_facts(cpu, loaded_modules, nested_parameter, dev_kvm, libvirt_version, qemu_version):
    """The facts the kvm_host role reports (``vmpod_kvm_host_facts``)."""
    extension = virtualization(cpu["flags"])
    module = kvm_module(extension)
    return {
        "cpu_vendor": cpu["vendor"],
        "cpu_model": cpu["model"],
        "virtualization": extension,
        "kvm_module": module,
        "kvm_module_loaded": module in loaded_modules if module else False,
        "kvm_usable": bool(extension and dev_kvm),
        "dev_kvm": dev_kvm,
        "nested": nested_enabled(nested_parameter),
        "libvirt_version": libvirt_version,
        "qemu_version": qemu_version,
    }


def loaded_module_names(proc_modules):
    """Module names from ``/proc/modules``."""
    return frozenset(line.split(None, 1)[0] for line in proc_modules.splitlines() if line.strip())
