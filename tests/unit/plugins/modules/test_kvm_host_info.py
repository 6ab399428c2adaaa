"""vmpod.core.kvm_host_info on fake /proc, /sys and /dev trees (no libvirt, no QEMU installed)."""

import json
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.vmpod.core.plugins.modules import kvm_host_info


def run_module(capsys, **args):
    payload = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    with mock.patch.object(basic, "_ANSIBLE_ARGS", payload), \
            mock.patch.object(basic, "_ANSIBLE_PROFILE", "legacy", create=True), \
            mock.patch.object(basic.AnsibleModule, "get_bin_path", lambda *a, **k: None):
        with pytest.raises(SystemExit):
            kvm_host_info.main()
    out, _err = capsys.readouterr()
    return json.loads(out)


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
    result = run_module(capsys, root=tree(tmp_path, "fpu vmx", ["kvm_intel", "kvm"], "Y\n", True))
    assert not result["changed"]
    assert result["kvm_host"] == {
        "cpu_vendor": "GenuineIntel", "cpu_model": "Xeon", "virtualization": "vmx",
        "kvm_module": "kvm_intel", "kvm_module_loaded": True, "kvm_usable": True, "dev_kvm": True,
        "nested": True, "libvirt_version": None, "qemu_version": None}


def test_no_virtualization_is_a_fact_not_a_failure(capsys, tmp_path):
    result = run_module(capsys, root=tree(tmp_path, "fpu pdpe1gb"))
    assert not result.get("failed")
    facts = result["kvm_host"]
    assert facts["virtualization"] is None and not facts["kvm_usable"] and facts["nested"] is None
