# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``read_disks``: the plain disk's fast read gives what the full, checked read of the disk
gives (``read_disk``), for the shapes it takes and those it leaves to the full read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt import vmi_devices
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

DISKS = [
    {"name": "rootdisk", "disk": {"bus": "virtio"}},
    {"name": "rootdisk", "disk": {}},
    {"name": "rootdisk", "disk": {"bus": "scsi"}, "dedicatedIOThread": True},
    {"name": "rootdisk", "disk": {"bus": "sata"}, "dedicatedIOThread": False},
    {"name": "iso", "cdrom": {}},
    {"name": "iso", "cdrom": {}, "dedicatedIOThread": True},
    # left to the full read
    {"name": "iso", "cdrom": {"tray": "open"}},
    {"name": "iso", "cdrom": {"bus": "scsi", "readonly": False}},
    {"name": "rootdisk", "disk": {"bus": ""}},
    {"name": "rootdisk", "disk": {"bus": None}},
    {"name": "rootdisk", "disk": {"readonly": True}},
    {"name": "rootdisk", "disk": {"bus": "virtio"}, "dedicatedIOThread": None},
    {"name": "rootdisk", "disk": {"bus": "virtio"}, "bootOrder": 1},
    {"name": "rootdisk", "disk": None, "cdrom": {}},
    {"name": "rootdisk", "lun": {"reservation": True}},
    {"name": "rootdisk"},
]


@pytest.mark.parametrize("item", DISKS)
def test_a_disk_reads_as_the_full_read_reads_it(item):
    vmi_devices.read_disk(item, "spec.domain.devices.disks[0]")  # (its name now seen valid)
    devices = {"disks": [item]}
    assert vmi_devices.read_disks(devices, "spec.domain.devices") == (
        vmi_devices.read_disk(item, "spec.domain.devices.disks[0]"),)


@pytest.mark.parametrize("item", [{"name": "rootdisk", "disk": {"bus": "ide"}},
                                  {"name": "rootdisk", "disk": {"bus": "virtio"},
                                   "dedicatedIOThread": "yes"},
                                  {"name": "Root", "disk": {}}])
def test_a_bad_disk_is_named_by_its_path(item):
    vmi_devices.read_disk({"name": "rootdisk"}, "p")
    with pytest.raises(VmpodInputError) as caught:
        vmi_devices.read_disks({"disks": [{"name": "rootdisk", "disk": {}}, item]},
                               "spec.domain.devices")
    assert caught.value.path.startswith("spec.domain.devices.disks[1]")
