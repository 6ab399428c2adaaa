# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A containerDisk image kept as a libvirt storage-pool volume, on this machine's libvirtd:
vmpod.core.vm_storage asks libvirt for the volume's path and format and makes the VM's qcow2
overlay over it (the volume only read); a pool or volume libvirt lacks makes nothing; absent
removes the overlay and leaves the volume."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from ansible_collections.vmpod.core.plugins.modules import vm_storage
from vmpod_libvirt import NEEDS_KVM, URI, libvirt_for_tests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "unit"))
from vmpod_modules import module_result  # noqa: E402  (the unit tests' module runner)

libvirt = pytest.importorskip("libvirt")
pytestmark = [NEEDS_KVM, pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")]

POOL = "vmpod-test-pool-images"
INACTIVE = "vmpod-test-pool-inactive"


@pytest.fixture(scope="module")
def connection():
    yield from libvirt_for_tests("vmpod-test-pool", 0)


@pytest.fixture
def pool(connection, tmp_path):
    """A directory pool holding a 1 MiB qcow2 volume, and a defined pool that is not started."""
    pools = []
    for name, directory in ((POOL, tmp_path / "pool"), (INACTIVE, tmp_path / "inactive")):
        directory.mkdir()
        made = connection.storagePoolDefineXML(
            "<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>"
            % (name, directory), 0)
        pools.append(made)
    pools[0].create(0)
    volume = pools[0].createXML(
        "<volume><name>debian.qcow2</name><capacity unit='MiB'>1</capacity>"
        "<target><format type='qcow2'/></target></volume>", 0)
    with open(volume.path(), "rb") as handle:
        before = handle.read()
    yield {"volume": volume, "before": before, "directory": str(tmp_path / "vms" / "lab_web")}
    for made in pools:
        if made.isActive():
            for vol in made.listAllVolumes(0):
                vol.delete(0)
            made.destroy()
        made.undefine()


def run_module(capsys, check_mode=False, **args):
    return module_result(vm_storage.main, capsys, args, check_mode=True if check_mode else None)


def storage(directory, pool_name=POOL, volume="debian.qcow2"):
    return {"domain": "lab_web", "directory": directory, "items": [
        {"kind": "overlay", "volume": "root", "path": directory + "/root.qcow2",
         "base_pool": pool_name, "base_volume": volume}]}


def test_the_overlay_sits_on_the_pool_volume_which_stays_untouched(capsys, pool):
    directory = pool["directory"]
    checked = run_module(capsys, check_mode=True, vms=[storage(directory)], uri=URI)
    assert checked["changed"] and not os.path.exists(directory), checked
    made = run_module(capsys, vms=[storage(directory)], uri=URI)
    assert made["made"] == [directory + "/root.qcow2"], made
    info = json.loads(subprocess.run(
        ["qemu-img", "info", "--output=json", "-U", directory + "/root.qcow2"],
        stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout)
    assert info["format"] == "qcow2"
    assert info["backing-filename"] == pool["volume"].path()
    assert info.get("backing-filename-format") == "qcow2"
    assert run_module(capsys, vms=[storage(directory)], uri=URI)["changed"] is False
    gone = run_module(capsys, vms=[storage(directory)], uri=URI, state="absent")
    assert gone["made"] == [directory + "/root.qcow2", directory]
    with open(pool["volume"].path(), "rb") as handle:
        assert handle.read() == pool["before"]


@pytest.mark.parametrize("pool_name, volume, message", [
    ("vmpod-test-pool-nowhere", "debian.qcow2", "storage pool vmpod-test-pool-nowhere is not defined in libvirt"),
    (INACTIVE, "debian.qcow2", "storage pool %s is not active" % INACTIVE),
    (POOL, "fedora.qcow2", "storage pool %s has no volume fedora.qcow2" % POOL),
])
def test_a_pool_or_volume_libvirt_lacks_makes_nothing(capsys, pool, pool_name, volume, message):
    failed = run_module(capsys, vms=[storage(pool["directory"], pool_name, volume)], uri=URI)
    assert failed["failed"] and "lab_web: volume root: " + message in failed["msg"], failed["msg"]
    assert failed["msg"].startswith("nothing made")
    assert not os.path.exists(pool["directory"])
