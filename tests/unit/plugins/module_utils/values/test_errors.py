# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input errors: the field path, a short excerpt of the value, never a secret."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NO_VALUE, VmpodInputError


def test_the_path_the_value_and_the_problem():
    assert str(VmpodInputError("spec.domain.memory.guest", "12Qi", "is not a quantity")) == \
        "spec.domain.memory.guest: '12Qi' is not a quantity"
    assert str(VmpodInputError("vmis.yaml", NO_VALUE, "is not YAML")) == "vmis.yaml is not YAML"


def test_a_huge_or_aliased_value_is_shown_short_without_walking_it():
    shared = ["x"] * 9
    for _level in range(40):  # 9**40 values if it were walked
        shared = [shared] * 9
    message = str(VmpodInputError("spec.domain.devices.disks", shared, "is bad"))
    assert message.startswith("spec.domain.devices.disks: [[[[...], ")
    assert len(message) <= len("spec.domain.devices.disks: ") + 120 + len(" is bad")
    assert len(str(VmpodInputError("a", "x" * 10 ** 6, "is bad"))) < 140
    assert len(str(VmpodInputError("a", 10 ** 4000, "is bad"))) < 140


@pytest.mark.parametrize("path", [
    "spec.volumes[0].cloudInitNoCloud.userData", "spec.volumes[2].cloudInitConfigDrive.userDataBase64",
    "spec.volumes[0].cloudInitNoCloud.networkData", "vmpod_pod_options.registry_token", "x.password",
])
def test_the_value_of_a_secret_field_is_never_shown(path):
    message = str(VmpodInputError(path, "#cloud-config\npassword: hunter2", "is not text"))
    assert "hunter2" not in message
    assert message == "%s: (value not shown: a secret) is not text" % path


def test_secret_keys_of_a_shown_mapping_are_left_out():
    volume = {"name": "cloudinit", "cloudInitNoCloud": {"userData": "password: hunter2", "networkData": "x"}}
    message = str(VmpodInputError("spec.volumes[0]", volume, "is bad"))
    assert "hunter2" not in message
    assert "'userData': (not shown)" in message and "'name': 'cloudinit'" in message


def test_a_value_whose_repr_fails_is_named_by_its_type():
    class Broken:
        def __repr__(self):
            raise RuntimeError("no")
    assert str(VmpodInputError("a", Broken(), "is bad")).startswith("a: <Broken instance at 0x")


def test_hide_in_yaml_leaves_out_the_values_of_secret_keys_only():
    from ansible_collections.vmpod.core.plugins.module_utils.values.secrets import hide_in_yaml
    text = ('metadata:\n  annotations:\n    "example.com/api-token": "abc"\n    plain: "keep"\n'
            '    password: hunter2\n  - userData: x\nspec: {}\n')
    assert hide_in_yaml(text) == (
        'metadata:\n  annotations:\n    "example.com/api-token": (not shown: a secret)\n    plain: "keep"\n'
        '    password: (not shown: a secret)\n  - userData: (not shown: a secret)\nspec: {}\n')
    assert hide_in_yaml("a: 1\n") == "a: 1\n"
