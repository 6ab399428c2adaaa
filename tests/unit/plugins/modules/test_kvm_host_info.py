# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.kvm_host_info on fake /proc, /sys and /dev trees (no libvirt, no QEMU installed); the
KVM ioctls on the fake /dev/kvm answer as the kernel does (API 12, a VM file descriptor) or fail
as it can."""

import errno
import os
from unittest import mock

from ansible.module_utils import basic

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts import kvm_device
from ansible_collections.vmpod.core.plugins.modules import kvm_host_info

from vmpod_modules import module_result


class FakeKvm:
    """``fcntl.ioctl`` of a /dev/kvm that works, or fails KVM_CREATE_VM with ``create_error``."""

    def __init__(self, create_error=None):
        self.create_error = create_error
        self.calls = []

    def __call__(self, fd, request, arg=0):
        self.calls.append(request)
        if request == 0xAE00:
            return 12
        if request == 0xAE01:
            if self.create_error:
                raise OSError(self.create_error, os.strerror(self.create_error))
            return os.open(os.devnull, os.O_RDONLY)  # the VM's descriptor: the module closes it
        raise OSError(errno.ENOTTY, os.strerror(errno.ENOTTY))


def run_module(capsys, kvm=None, **args):
    return module_result(kvm_host_info.main, capsys, args, patches=[
        mock.patch.object(kvm_device.fcntl, "ioctl", kvm or FakeKvm()),
        mock.patch.object(basic.AnsibleModule, "get_bin_path", lambda *a, **k: None)])


def tree(root, flags, loaded=(), nested=None, dev_kvm=False):
    (root / "proc").mkdir()
    (root / "proc/cpuinfo").write_text(
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nflags\t\t: %s\n\n" % flags)
    (root / "proc/modules").write_text("".join("%s 1 0 - Live 0x0\n" % m for m in loaded))
    if nested is not None:
        (root / "sys/module/kvm_intel/parameters").mkdir(parents=True)
        (root / "sys/module/kvm_intel/parameters/nested").write_text(nested)
    if dev_kvm:
        (root / "dev").mkdir()
        (root / "dev/kvm").write_text("")
    return str(root)


def test_a_kvm_host(capsys, tmp_path):
    kvm = FakeKvm()
    result = run_module(capsys, kvm, root=tree(tmp_path, "fpu vmx", ["kvm_intel", "kvm"], "Y\n",
                                               True))
    assert not result["changed"]
    assert result["kvm_host"] == {
        "cpu_vendor": "GenuineIntel", "cpu_model": "Xeon", "virtualization": "vmx",
        "kvm_module": "kvm_intel", "kvm_module_loaded": True, "kvm_usable": True, "dev_kvm": True,
        "kvm_problem": None, "kvm_api_version": 12,
        "nested": True, "libvirt_version": None, "qemu_version": None}
    assert kvm.calls == [0xAE00, 0xAE01]


def test_kvm_without_the_cpu_flag_is_usable(capsys, tmp_path):
    # a guest of a hypervisor that runs KVM through kvm_pvm: no vmx/svm, built into the kernel
    root = tree(tmp_path, "fpu hypervisor", dev_kvm=True)
    (tmp_path / "sys/module/kvm_pvm/parameters").mkdir(parents=True)
    facts = run_module(capsys, root=root)["kvm_host"]
    assert facts["virtualization"] is None
    assert facts["kvm_usable"] is True and facts["kvm_module"] == "kvm_pvm"
    assert facts["kvm_module_loaded"] is True


def test_the_cpu_flag_without_a_working_dev_kvm_is_not_usable(capsys, tmp_path):
    root = tree(tmp_path, "fpu vmx", ["kvm_intel", "kvm"], "N\n", True)
    facts = run_module(capsys, FakeKvm(create_error=errno.EBUSY), root=root)["kvm_host"]
    assert facts["virtualization"] == "vmx" and facts["kvm_usable"] is False
    assert facts["kvm_problem"].startswith("KVM_CREATE_VM on %s/dev/kvm: [Errno 16]" % root)


def test_no_virtualization_is_a_fact_not_a_failure(capsys, tmp_path):
    result = run_module(capsys, root=tree(tmp_path, "fpu pdpe1gb"))
    assert not result.get("failed")
    facts = result["kvm_host"]
    assert facts["virtualization"] is None and not facts["kvm_usable"] and facts["nested"] is None
