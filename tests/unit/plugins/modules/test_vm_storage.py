# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.vm_storage in a temporary directory with the real qemu-img: present makes the
overlays and empty disks (each once) after every image and disk was found; a missing one makes
nothing; absent removes only what deploy makes, never an image or a file it did not make."""

import os
import shutil

import pytest

from ansible_collections.vmpod.core.plugins.modules import vm_storage

from vmpod_modules import module_result

pytestmark = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")


def run_module(capsys, check_mode=False, **args):
    return module_result(vm_storage.main, capsys, args, check_mode=True if check_mode else None)


@pytest.fixture
def host(tmp_path):
    image = tmp_path / "images" / "base.raw"
    image.parent.mkdir()
    image.write_bytes(b"\0" * 65536)
    claim = tmp_path / "claim.img"
    claim.write_bytes(b"data")
    directory = str(tmp_path / "vms" / "lab_web")
    vm = {"domain": "lab_web", "directory": directory, "items": [
        {"kind": "overlay", "volume": "root", "path": directory + "/root.qcow2",
         "base": str(image), "base_format": "raw"},
        {"kind": "empty", "volume": "scratch", "path": directory + "/scratch.qcow2", "size": 1 << 30},
        {"kind": "seed", "volume": "seed", "path": directory + "/seed.iso", "file": "seed.iso",
         "label": "cidata"},
        {"kind": "existing", "volume": "data", "path": str(claim), "block": False},
    ]}
    return {"vm": vm, "image": image, "claim": claim, "directory": directory}


def test_present_makes_each_file_once_and_absent_removes_only_them(capsys, host):
    vm, directory = host["vm"], host["directory"]
    checked = run_module(capsys, check_mode=True, vms=[vm])
    assert checked["changed"] and not os.path.exists(directory)
    made = run_module(capsys, vms=[vm])
    assert made["changed"] and made["created_directories"] == [directory]
    assert sorted(os.listdir(directory)) == ["root.qcow2", "scratch.qcow2"]
    with open(directory + "/root.qcow2", "rb") as handle:
        assert handle.read(4) == b"QFI\xfb"
    assert run_module(capsys, vms=[vm])["changed"] is False
    # a file deploy did not make, where a seed would be, is left alone, and so the directory
    with open(directory + "/seed.iso", "wb") as handle:
        handle.write(b"not an ISO")
    gone = run_module(capsys, vms=[vm], state="absent")
    assert sorted(gone["made"]) == [directory + "/root.qcow2", directory + "/scratch.qcow2"]
    assert os.listdir(directory) == ["seed.iso"]
    os.unlink(directory + "/seed.iso")
    assert run_module(capsys, vms=[vm], state="absent")["made"] == [directory]
    assert not os.path.exists(directory)
    assert host["image"].read_bytes() == b"\0" * 65536 and host["claim"].read_bytes() == b"data"


def test_a_missing_image_or_disk_makes_nothing(capsys, host):
    host["image"].unlink()
    host["claim"].unlink()
    failed = run_module(capsys, vms=[host["vm"]])
    assert failed["failed"]
    assert "lab_web: volume root: the image %s is not a file" % host["image"] in failed["msg"]
    assert "lab_web: volume data: %s is not on this host" % host["claim"] in failed["msg"]
    assert not os.path.exists(host["directory"])


def test_own_files_stay_in_the_vm_directory(capsys, host):
    vm = host["vm"]
    vm["items"][2]["path"] = "/etc/passwd"
    failed = run_module(capsys, vms=[vm], state="absent")
    assert failed["failed"] and "vms[0](lab_web).items[2].path" in failed["msg"]
    assert os.path.exists("/etc/passwd")


def test_a_failed_qemu_img_leaves_nothing(capsys, host):
    vm = host["vm"]
    vm["items"][1]["size"] = 1 << 70  # more than qemu-img makes
    failed = run_module(capsys, vms=[vm])
    assert failed["failed"] and "removed" in failed["msg"]
    assert not os.path.exists(host["directory"])


def test_a_pci_device_the_host_lacks_makes_nothing(capsys, host):
    vm = host["vm"]
    vm["items"].append({"kind": "pci", "volume": "gpu1", "path": "/sys/bus/pci/devices/0000:ff:1f.7"})
    failed = run_module(capsys, vms=[vm])
    assert failed["failed"]
    assert "lab_web: device gpu1: 0000:ff:1f.7 is not a PCI device of this host" in failed["msg"]
    assert not os.path.exists(host["directory"])
    vm["items"][-1]["path"] = "/etc"
    failed = run_module(capsys, vms=[vm])
    assert failed["failed"] and "must be under /sys/bus/pci/devices/" in failed["msg"]


def test_a_disk_or_create_host_disk_is_made_sparse_once_and_kept(capsys, host, tmp_path):
    disks = tmp_path / "disks"
    disks.mkdir()
    wanted = str(disks / "web.img")
    vm = host["vm"]
    vm["items"].append({"kind": "host_disk", "volume": "host", "path": wanted, "size": 1 << 30})
    assert run_module(capsys, check_mode=True, vms=[vm])["changed"] and not os.path.exists(wanted)
    made = run_module(capsys, vms=[vm])
    assert wanted in made["made"]
    done = os.stat(wanted)
    assert done.st_size == 1 << 30 and done.st_blocks == 0  # sparse: nothing written
    with open(wanted, "r+b") as handle:  # the guest's data ...
        handle.write(b"guest data")
    assert run_module(capsys, vms=[vm])["changed"] is False
    gone = run_module(capsys, vms=[vm], state="absent")
    assert wanted not in gone["made"]
    with open(wanted, "rb") as handle:  # ... outlives the VM, as KubeVirt keeps a host disk
        assert handle.read(10) == b"guest data"


def test_a_host_disk_without_its_directory_or_over_a_directory_makes_nothing(capsys, host, tmp_path):
    vm = host["vm"]
    vm["items"].append({"kind": "host_disk", "volume": "host", "path": str(tmp_path / "nowhere" / "web.img"),
                        "size": 1 << 20})
    failed = run_module(capsys, vms=[vm])
    assert failed["failed"] and "lab_web: volume host: the directory of" in failed["msg"]
    vm["items"][-1]["path"] = str(tmp_path)
    failed = run_module(capsys, vms=[vm])
    assert failed["failed"] and "is there but is not a file" in failed["msg"]
    assert not os.path.exists(host["directory"])
    vm["items"][-1]["size"] = 0
    failed = run_module(capsys, vms=[vm])
    assert failed["failed"] and "items[4].size" in failed["msg"]


def test_a_host_disk_made_before_a_failing_overlay_is_removed_again(capsys, host, tmp_path):
    wanted = str(tmp_path / "web.img")
    vm = host["vm"]
    vm["items"].insert(0, {"kind": "host_disk", "volume": "host", "path": wanted, "size": 1 << 20})
    vm["items"][2]["size"] = 1 << 70  # the empty disk's qemu-img fails after the host disk was made
    failed = run_module(capsys, vms=[vm])
    assert failed["failed"] and "removed" in failed["msg"]
    assert not os.path.exists(wanted) and not os.path.exists(host["directory"])


def test_rolling_back_a_run_removes_the_host_disks_it_made_and_no_other(capsys, host, tmp_path):
    vm = host["vm"]
    old, new = str(tmp_path / "old.img"), str(tmp_path / "new.img")
    with open(old, "wb") as handle:
        handle.write(b"kept")
    vm["items"] += [{"kind": "host_disk", "volume": "old", "path": old, "size": 1 << 20},
                    {"kind": "host_disk", "volume": "new", "path": new, "size": 1 << 20}]
    made = run_module(capsys, vms=[vm])
    assert new in made["made"] and old not in made["made"]
    # the rescue of a run that failed later: what it made goes, the older disk stays
    gone = run_module(capsys, vms=[vm], state="absent", only_new=made["created_directories"],
                      made_files=made["made"] + [old + ".not-made"])
    assert new in gone["made"] and not os.path.exists(new)
    with open(old, "rb") as handle:
        assert handle.read() == b"kept"
    assert not os.path.exists(host["directory"])
