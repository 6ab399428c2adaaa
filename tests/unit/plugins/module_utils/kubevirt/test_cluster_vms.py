# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cluster_vmis: a cluster's VMIs, and its VirtualMachines that have none, in one ordered list."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.fleet import cluster_vmis
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


def obj(kind, namespace, name):
    return {"apiVersion": "kubevirt.io/v1", "kind": kind,
            "metadata": {"namespace": namespace, "name": name}}


def names(objects):
    return [(o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects]


def test_a_running_vm_counts_through_its_vmi_and_a_stopped_one_as_itself():
    vmis = [obj("VirtualMachineInstance", "lab", "web"), obj("VirtualMachineInstance", "app", "db")]
    vms = [obj("VirtualMachine", "lab", "web"), obj("VirtualMachine", "lab", "Batch"),
           obj("VirtualMachine", "app", "web")]  # same name, other namespace: another VM
    assert names(cluster_vmis(vmis, vms)) == [
        ("VirtualMachineInstance", "app", "db"), ("VirtualMachine", "app", "web"),
        ("VirtualMachine", "lab", "Batch"), ("VirtualMachineInstance", "lab", "web")]


def test_without_vms_the_vmis_alone_ordered_and_not_changed():
    vmis = [obj("VirtualMachineInstance", "b", "x"), obj("VirtualMachineInstance", "a", "y")]
    result = cluster_vmis(vmis)
    assert names(result) == [("VirtualMachineInstance", "a", "y"), ("VirtualMachineInstance", "b", "x")]
    assert result[0] is vmis[1]
    assert cluster_vmis([], []) == []


@pytest.mark.parametrize("vmis, vms, where", [
    ("web", None, "vmis: 'web'"),
    ([{"metadata": {"namespace": "lab"}}], None, "vmis[0].metadata.name is required"),
    ([obj("VirtualMachineInstance", "lab", "web")], [["x"]], "vms[0]: ['x']"),
    ([obj("VirtualMachineInstance", "lab", "web")], [{"kind": "VirtualMachine"}], "vms[0].metadata is required"),
])
def test_bad_input_names_the_item(vmis, vms, where):
    with pytest.raises(VmpodInputError) as error:
        cluster_vmis(vmis, vms)
    assert where in str(error.value)
