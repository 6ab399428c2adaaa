# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KVM capabilities from /proc/cpuinfo (x86 flags `vmx`, `svm`: arch/x86/include/asm/cpufeatures.h),
the KVM module parameters and --version outputs; KVM usable when /dev/kvm created a VM
(include/uapi/linux/kvm.h: KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_API_VERSION 12)."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm import (
    KVM_CREATE_VM,
    KVM_GET_API_VERSION,
    KvmCheck,
    cpu_info,
    kvm_facts,
    kvm_module,
    kvm_problem,
    kvm_usable,
    loaded_module_names,
    nested_enabled,
    program_version,
    virtualization,
)

INTEL = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
flags\t\t: fpu vme de pse vmx ept pdpe1gb

processor\t: 1
vendor_id\t: GenuineIntel
model name\t: other
flags\t\t: fpu
"""
TCG = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: QEMU TCG CPU version 2.5+
flags\t\t: fpu vme de pse pdpe1gb
"""


def test_intel():
    cpu = cpu_info(INTEL)
    assert cpu["model"] == "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"
    assert virtualization(cpu["flags"]) == "vmx"
    assert kvm_module("vmx") == "kvm_intel"


WORKS = KvmCheck(True, 12, vm_created=True)


def test_the_ioctl_numbers_are_the_kernels():
    # _IO(KVMIO, 0x00) and _IO(KVMIO, 0x01), KVMIO = 0xAE
    assert (KVM_GET_API_VERSION, KVM_CREATE_VM) == (0xAE00, 0xAE01)


def test_no_virtualization_is_reported_not_raised():
    cpu = cpu_info(TCG)
    facts = kvm_facts(cpu, frozenset(), None, KvmCheck(False), "9.0.0", None)
    assert facts["virtualization"] is None and facts["kvm_module"] is None
    assert facts["kvm_usable"] is False and facts["nested"] is None
    assert facts["kvm_problem"] == "/dev/kvm is missing"
    assert facts["cpu_vendor"] == "AuthenticAMD"


def test_usable_is_what_dev_kvm_says_not_the_flags():
    intel = cpu_info(INTEL)
    assert kvm_facts(intel, frozenset(["kvm_intel"]), "Y\n", WORKS, None, None)["kvm_usable"]
    refused = KvmCheck(True, 12, error="KVM_CREATE_VM on /dev/kvm: [Errno 16] busy")
    facts = kvm_facts(intel, frozenset(["kvm_intel"]), "Y\n", refused, None, None)
    assert not facts["kvm_usable"] and facts["kvm_problem"] == refused.error
    # a guest of a hypervisor: no svm in cpuinfo, KVM from the kvm_pvm backend
    guest = cpu_info(TCG)
    facts = kvm_facts(guest, frozenset(["kvm", "kvm_pvm"]), None, WORKS, None, None)
    assert facts["kvm_usable"] and facts["virtualization"] is None
    assert facts["kvm_module"] == "kvm_pvm" and facts["kvm_module_loaded"]
    assert facts["kvm_problem"] is None and facts["kvm_api_version"] == 12


@pytest.mark.parametrize("check, problem", [
    (KvmCheck(False), "/dev/kvm is missing"),
    (KvmCheck(True, error="open /dev/kvm: [Errno 13] Permission denied"),
     "open /dev/kvm: [Errno 13] Permission denied"),
    (KvmCheck(True, 11, vm_created=True), "/dev/kvm speaks KVM API 11, not 12"),
    (KvmCheck(True, 12), "/dev/kvm created no VM"),
    (WORKS, None),
])
def test_why_kvm_is_not_usable(check, problem):
    assert kvm_problem(check) == problem
    assert kvm_usable(check) is (problem is None)


@pytest.mark.parametrize("extension, loaded, module", [
    ("vmx", frozenset(), "kvm_intel"), ("svm", frozenset(["kvm_pvm"]), "kvm_amd"),
    (None, frozenset(["kvm", "kvm_pvm"]), "kvm_pvm"), (None, frozenset(["kvm"]), None),
])
def test_the_kvm_module(extension, loaded, module):
    assert kvm_module(extension, loaded) == module


@pytest.mark.parametrize("text, value", [("Y\n", True), ("1\n", True), ("N\n", False), ("0", False),
                                         (None, None)])
def test_nested(text, value):
    assert nested_enabled(text) is value


@pytest.mark.parametrize("output, version", [
    ("libvirtd (libvirt) 9.0.0\n", "9.0.0"),
    ("QEMU emulator version 7.2.15 (Debian 1:7.2+dfsg-7+deb12u13)\nCopyright", "7.2.15"),
    ("virtqemud (libvirt) 10.5.0", "10.5.0"), ("", None),
])
def test_program_version(output, version):
    assert program_version(output) == version


def test_loaded_modules():
    assert loaded_module_names("kvm_amd 155648 0 - Live 0x0\nkvm 1 1 kvm_amd, Live\n") == {
        "kvm_amd", "kvm"}
    # built into the kernel: only /sys/module shows it
    assert loaded_module_names("", ["kvm", "kvm_pvm"]) == {"kvm", "kvm_pvm"}
