# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``renamed_vmi``: a read VMI under another name, namespace or uid is what reading the renamed
object gives, its identity checked as ``read_vmi`` checks it (the fleet reads copies so)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi, renamed_vmi
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from vmpod_placement_data import VMIS


def renamed(obj, **metadata):
    twin = copy.deepcopy(obj)
    twin["metadata"].update(metadata)
    return twin


@pytest.mark.parametrize("name", sorted(VMIS))
@pytest.mark.parametrize("identity", [
    {"name": "other"},
    {"name": "other", "namespace": "elsewhere"},
    {"uid": "0d4f3c2e-1b6a-4e8f-9c7d-5a3b2e1f0c9d"},
])
def test_a_renamed_example_reads_as_the_renamed_object(name, identity):
    obj = VMIS[name]
    first = read_vmi(obj, with_pod=True)
    assert renamed_vmi(first, renamed(obj, **identity)) == read_vmi(renamed(obj, **identity), with_pod=True)
    assert renamed_vmi(first, obj) == first


def test_a_bad_new_name_is_refused_as_reading_it_refuses_it():
    obj = VMIS[sorted(VMIS)[0]]
    bad = renamed(obj, name="Not_A_Name")
    with pytest.raises(VmpodInputError) as read_error:
        read_vmi(bad, with_pod=True)
    with pytest.raises(VmpodInputError) as renamed_error:
        renamed_vmi(read_vmi(obj, with_pod=True), bad)
    assert str(renamed_error.value) == str(read_error.value)


def test_a_domain_section_is_read_again_not_renamed():
    obj = VMIS[sorted(VMIS)[0]]
    with pytest.raises(ValueError):
        renamed_vmi(read_vmi(obj, with_domain=True), obj)
