# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Numbers no VM holds, in every form: refused as input errors naming the field, never a foreign
exception (each case below raised one: ValueError, OverflowError, KeyError)."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement
from ansible_collections.vmpod.core.plugins.module_utils.planning.usage import readable_bytes
from ansible_collections.vmpod.core.plugins.module_utils.domain.plan_view import read_plan
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

from vmpod_placement_data import HOSTS


def vmi(cpu=None, memory="1Gi"):
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "x", "namespace": "lab"},
            "spec": {"domain": {"cpu": cpu if cpu is not None else {"cores": 2},
                                "memory": {"guest": memory}, "devices": {}}}}


@pytest.mark.parametrize("value, problem", [
    ("9" * 5000, "longer than 100 characters"),  # int() of over 4,300 digits raised ValueError
    ("10 ** 5000", "is too large a number"),  # str() of it raised ValueError (made in the test)
    ("1" + "0" * 101 + "Gi", "longer than 100 characters"),
    ("\u0663Gi", "is not a quantity"), ("1\u00b2Gi", "is not a quantity"), ("1e400", None),
    (float("inf"), "is not a quantity"), (float("nan"), "is not a quantity"),
])
def test_quantities_no_vm_holds(value, problem):
    if value == "10 ** 5000":
        value = 10 ** 5000
    if problem is None:  # "1e400" is a quantity to Kubernetes (10^400 bytes): it just fits nowhere
        assert parse_quantity(value).value() == 10 ** 400
        return
    with pytest.raises(VmpodInputError) as err:
        parse_quantity(value, "spec.domain.memory.guest")
    assert str(err.value).startswith("spec.domain.memory.guest: ") and problem in str(err.value)


@pytest.mark.parametrize("memory", ["1e400", "10E", str(1 << 63)])
def test_more_memory_than_an_int64_holds_is_refused(memory):
    # a guest of 10^400 bytes reached the fleet report, where readable_bytes raised OverflowError;
    # libvirt's <memory> and KubeVirt's Quantity.Value() hold an int64 of bytes at most
    with pytest.raises(VmpodInputError) as err:
        place_fleet([vmi(memory=memory)], {"h": HOSTS["dual-socket-server"]})
    assert err.value.path == "vmis[0].spec.domain.memory.guest"
    assert "is more memory than a VM can have" in str(err.value)
    assert launcher_resources(vmi(memory=str((1 << 63) - 1)))["requests"]["memory"]


def test_readable_bytes_of_any_size():
    assert readable_bytes(10 ** 400).endswith("Ti") and readable_bytes(3 * 2 ** 29) == "1.5Gi"
    assert readable_bytes(193 * 2 ** 30 + 2 ** 30 // 10) == "193.1Gi" and readable_bytes(-1536) == "-1.5Ki"


def test_dedicated_cpus_without_a_topology_name_the_field():
    # KubeVirt renders no CPU request without one: the plan stopped on KeyError 'cpu'
    obj = vmi(cpu={"dedicatedCpuPlacement": True})
    assert "cpu" not in launcher_resources(obj)["requests"]
    with pytest.raises(VmpodInputError) as err:
        plan_placement(obj, HOSTS["dual-socket-server"])
    assert err.value.path == "spec.domain.cpu.dedicatedCpuPlacement"
    assert "needs a CPU topology" in str(err.value)
    obj["spec"]["domain"]["resources"] = {"requests": {"cpu": "2"}}
    assert plan_placement(obj, HOSTS["dual-socket-server"])["pcpus"] == 2


@pytest.mark.parametrize("key", ["\u00b2", "\u0663", "-1", "0"])
def test_iothread_keys_of_a_given_plan_are_plain_numbers(key):
    plan = {"fits": True, "reasons": [], "cpuset": "1", "vcpupin": [1], "emulatorpin": None,
            "iothreadpin": {key: "1"}, "numa_cells": [], "pcpus": 1, "hugepages": None}
    with pytest.raises(VmpodInputError):
        read_plan(plan)
