# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``read_domain_section``'s volumes: the plain shape's fast read gives what the full, checked
read of each volume gives, and any other shape is left to the full read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt import vmi_domain
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

PLAIN = [
    {"name": "rootdisk", "containerDisk": {"image": "quay.io/containerdisks/fedora"}},
    {"name": "data", "persistentVolumeClaim": {"claimName": "data", "readOnly": True}},
    {"name": "iso", "dataVolume": {"name": "iso"}},
    {"name": "cloudinitdisk", "cloudInitNoCloud": {"userData": "#cloud-config\n"}},
    {"name": "cfg", "cloudInitConfigDrive": {"userData": "", "networkData": "version: 2\n"}},
    {"name": "cm", "configMap": {"name": "app-config", "volumeLabel": "CFG"}},
    {"name": "sec", "secret": {"secretName": "app-secret"}},
    {"name": "sa", "serviceAccount": {"serviceAccountName": "default"}},
    {"name": "ephemeral", "ephemeral": {"persistentVolumeClaim": {"claimName": "base"}}},
    {"name": "metrics", "downwardMetrics": {}},
    {"name": "dump", "memoryDump": {"claimName": "dump"}},
    {"name": "image", "containerDisk": {"image": None}},
    {"name": "x", "containerDisk": {"image": "quay.io/é"}},
]
FULL_READ = [
    {"name": "scratch", "emptyDisk": {"capacity": "2Gi"}},
    {"name": "host", "hostDisk": {"path": "/data/disk.img", "type": "Disk"}},
    {"name": "two", "containerDisk": {"image": "a"}, "dataVolume": {"name": "b"}},
    {"name": "b64", "cloudInitNoCloud": {"userDataBase64": "I2Nsb3VkLWNvbmZpZwo="}},
    {"name": "ref", "cloudInitNoCloud": {"secretRef": {"name": "user-data"}}},
    {"name": 7, "containerDisk": {"image": "a"}},
    {"name": "tab\x01", "containerDisk": {"image": "a"}},
    {"name": "bad", "containerDisk": {"image": "a\x00"}},
    {"name": "bad", "configMap": {"name": "a", "volumeLabel": 3}},
    {"name": "bad", "persistentVolumeClaim": "data"},
    {"name": "bad", "cloudInitNoCloud": {"userData": 5}},
]


@pytest.mark.parametrize("item", PLAIN)
def test_the_plain_shape_reads_as_the_full_read_reads_it(item):
    assert vmi_domain._plain_volume(item) == vmi_domain._volume(item, "spec.volumes[0]")


@pytest.mark.parametrize("item", FULL_READ)
def test_any_other_shape_is_left_to_the_full_read(item):
    assert vmi_domain._plain_volume(item) is None


def test_a_volume_named_twice_keeps_its_first_place_and_its_last_source():
    spec = {"volumes": [{"name": "a", "containerDisk": {"image": "one"}},
                        {"name": "b", "dataVolume": {"name": "b"}},
                        {"name": "a", "containerDisk": {"image": "two"}}]}
    volumes = vmi_domain._volumes(spec, "spec")
    assert list(volumes) == ["a", "b"] and volumes["a"].ref == "two"


def test_a_bad_volume_is_named_by_its_path():
    spec = {"volumes": [{"name": "ok", "containerDisk": {"image": "a"}},
                        {"name": "bad", "containerDisk": {"image": "a\x00"}}]}
    with pytest.raises(VmpodInputError) as caught:
        vmi_domain._volumes(spec, "spec")
    assert caught.value.path == "spec.volumes[1].containerDisk.image"
