"""KVM capabilities from /proc/cpuinfo (x86 flags `vmx`, `svm`: arch/x86/include/asm/cpufeatures.h),
the KVM module parameters and --version outputs."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm import (
    cpu_info,
    kvm_facts,
    kvm_module,
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


def test_no_virtualization_is_reported_not_raised():
    cpu = cpu_info(TCG)
    facts = kvm_facts(cpu, frozenset(), None, False, "9.0.0", None)
    assert facts["virtualization"] is None and facts["kvm_module"] is None
    assert facts["kvm_usable"] is False and facts["nested"] is None
    assert facts["cpu_vendor"] == "AuthenticAMD"


def test_usable_needs_dev_kvm():
    cpu = cpu_info(INTEL)
    assert kvm_facts(cpu, frozenset(["kvm_intel"]), "Y\n", True, None, None)["kvm_usable"]
    assert not kvm_facts(cpu, frozenset(), None, False, None, None)["kvm_usable"]


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
