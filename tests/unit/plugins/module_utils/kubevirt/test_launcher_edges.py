# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Edges of KubeVirt's behaviour that the main tables do not reach: permitted host devices,
Go's integer and float text rules, label selectors, and the inputs KubeVirt reads strictly."""

import math

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.gofloat import format_g, int64, parse_float
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import selector_matches
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_exact, parse_quantity
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi


def vmi(domain, **spec):
    spec["domain"] = domain
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "edge", "namespace": "ns"}, "spec": spec}


GPU = {"devices": {"gpus": [{"name": "g", "deviceName": "nvidia.com/GA102"}]}}


def test_permitted_host_devices_allow_listed_names():
    config = {"permittedHostDevices": {"pciHostDevices": [{"pciVendorSelector": "10DE:2236",
                                                           "resourceName": "nvidia.com/GA102"}]}}
    got = launcher_resources(vmi(GPU), config=config)
    assert got["limits"]["nvidia.com/GA102"] == "1"


def test_permitted_host_devices_refuse_others_like_kubevirt():
    # renderresources.go validatePermittedHostDevices: KubeVirt fails to render the Pod.
    config = {"permittedHostDevices": {"mediatedDevices": [{"mdevNameSelector": "GRID T4-1Q",
                                                            "resourceName": "nvidia.com/GRID_T4-1Q"}]}}
    with pytest.raises(VmpodInputError) as err:
        launcher_resources(vmi(GPU), config=config)
    assert str(err.value) == ("spec.domain.devices.gpus[0].deviceName: 'nvidia.com/GA102' "
                              "is not permitted by config.permittedHostDevices")


def test_permitted_host_devices_skip_dra_claims_while_the_gate_is_on():
    dra = {"devices": {"hostDevices": [{"name": "h", "claimName": "c", "requestName": "r"}]}}
    config = {"permittedHostDevices": {}}
    assert launcher_resources(vmi(dra), config=config)["claims"] == [{"name": "c", "request": "r"}]
    off = dict(config, developerConfiguration={"disabledFeatureGates": ["HostDevicesWithDRA"]})
    with pytest.raises(VmpodInputError, match="hostDevices\\[0\\].deviceName: ''"):
        launcher_resources(vmi(dra), config=off)


@pytest.mark.parametrize("cpu, field, message", [
    # hw_utils.go GetNumberOfVCPUs multiplies uint32 fields, so 65536 x 65536 wraps to 0 there;
    # no guest runs with that many: refused before anything is sized or built per vCPU
    ({"sockets": 65536, "cores": 65536}, "sockets", "gives 4294967296 vCPUs (sockets 65536 x cores 65536 x threads 1)"),
    ({"cores": 1, "maxSockets": 4294967295}, "maxSockets", "gives 4294967295 vCPUs (maxSockets 4294967295 x cores 1"),
    ({"cores": 4097}, "cores", "gives 4097 vCPUs"),
    ({"threads": 8, "cores": 8, "sockets": 2, "maxSockets": 65}, "maxSockets", "gives 4160 vCPUs"),
])
def test_more_vcpus_than_a_guest_can_have_are_refused(cpu, field, message):
    with pytest.raises(VmpodInputError) as err:
        read_vmi(vmi({"cpu": cpu}))
    assert str(err.value).startswith("spec.domain.cpu.%s: " % field)
    assert message in str(err.value) and "at most 4096" in str(err.value)


def test_the_most_vcpus_a_guest_can_have():
    assert read_vmi(vmi({"cpu": {"sockets": 4, "cores": 64, "threads": 16}})).cpu.vcpus() == 4096
    assert read_vmi(vmi({"cpu": {"sockets": 1, "cores": 64, "threads": 2, "maxSockets": 32}})).cpu.vcpus() == 128


def test_page_size_with_blanks_is_not_a_memory_request():
    # WithMemoryRequests parses the page size with ParseQuantity, which trims nothing.
    got = launcher_resources(vmi({"memory": {"hugepages": {"pageSize": " 2Mi"}}}))
    assert got["requests"]["hugepages- 2Mi"] == "0"
    got = launcher_resources(vmi({"memory": {"hugepages": {"pageSize": "2Mi"}}}))
    assert got["requests"]["hugepages-2Mi"] == "2Mi"


def test_parse_exact_is_go_parse_quantity():
    assert str(parse_exact("2Mi")) == "2Mi"
    assert parse_exact(" 2Mi") is None
    assert parse_exact("2Qi") is None
    assert parse_exact(2) is None


def test_enormous_exponents_are_refused_not_computed():
    with pytest.raises(VmpodInputError, match="is not a quantity"):
        parse_quantity("1e999999999", "x")
    assert parse_quantity("1e18").value() == 10 ** 18


@pytest.mark.parametrize("value, text", [
    (2 / 7, "0.2857142857142857"), (2 / 7 * 1000, "285.7142857142857"), (1.0, "1"),
    (0.1, "0.1"), (2.5, "2.5"), (123456.0, "123456"), (1234567.0, "1.234567e+06"),
    (2e6, "2e+06"), (1e-05, "1e-05"), (0.0001, "0.0001"), (1e21, "1e+21"), (0.0, "0"),
    (-0.0, "-0"), (-2.5, "-2.5"), (100.0, "100"), (1 / 3 * 1000, "333.3333333333333"),
])
def test_format_g_matches_go_sprintf(value, text):
    # fmt %g with the shortest precision switches to an exponent at 1e+06 and below 1e-04
    assert format_g(value) == text


@pytest.mark.parametrize("text, value", [
    ("1.5", 1.5), ("2", 2.0), ("+1e2", 100.0), (".5", 0.5), ("5.", 5.0), ("0x1p-2", 0.25),
    ("Inf", float("inf")), ("-infinity", float("-inf")),
    (" 1.5", None), ("1_0", None), ("1e400", None), ("", None), ("1.5x", None), (None, None),
])
def test_parse_float_matches_go_parse_float(text, value):
    assert parse_float(text) == value


def test_parse_float_nan():
    assert math.isnan(parse_float("NaN"))


@pytest.mark.parametrize("value, result", [
    (2.9, 2), (-2.9, -2), (1e300, -(1 << 63)), (float("nan"), -(1 << 63)), (2.0 ** 62, 1 << 62),
])
def test_int64_conversion_truncates_like_go_on_amd64(value, result):
    assert int64(value) == result


@pytest.mark.parametrize("selector, labels, matches", [
    ({}, {"a": "b"}, True),
    ({"matchLabels": {"a": "b"}}, {"a": "b"}, True),
    ({"matchLabels": {"a": "b"}}, {"a": "c"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["b", "c"]}]}, {"a": "c"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["b"]}]}, {}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["b"]}]}, {"a": "b"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": ""}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}, {"a": ""}, False),
    ({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}, {"a": "2"}, False),
])
def test_label_selector(selector, labels, matches):
    assert selector_matches(selector, labels) is matches


def test_auto_cpu_limit_from_namespace_selector():
    # template.go doesVMIRequireAutoCPULimits: a namespace matching the cluster's selector gets a
    # CPU limit equal to the vCPU count.
    config = {"autoCPULimitNamespaceLabelSelector": {"matchLabels": {"autocpulimit": "true"}}}
    namespace = {"metadata": {"name": "ns", "labels": {"autocpulimit": "true"}}}
    got = launcher_resources(vmi({"cpu": {"cores": 3}}), config=config, namespace=namespace)
    assert got["limits"]["cpu"] == "3"
    assert got["requests"]["cpu"] == "300m"
    other = {"metadata": {"name": "ns", "labels": {}}}
    assert "cpu" not in launcher_resources(vmi({"cpu": {"cores": 3}}), config=config,
                                           namespace=other)["limits"]


def test_resource_quota_of_another_namespace_does_not_count():
    quota = {"metadata": {"name": "q", "namespace": "elsewhere"},
             "spec": {"hard": {"limits.memory": "10Gi"}}}
    got = launcher_resources(vmi({"resources": {"requests": {"memory": "1Gi"}}}),
                             resource_quotas=[quota])
    assert "memory" not in got["limits"]
    quota["metadata"]["namespace"] = "ns"
    got = launcher_resources(vmi({"resources": {"requests": {"memory": "1Gi"}}}),
                             resource_quotas=[quota])
    assert got["limits"]["memory"] == str(parse_quantity(got["requests"]["memory"]).mul(2))


def test_k8s_info_result_is_accepted_for_objects():
    quota = {"metadata": {"name": "q", "namespace": "ns"}, "spec": {"hard": {"limits.cpu": "4"}}}
    got = launcher_resources(vmi({"cpu": {"cores": 2}}), resource_quotas={"resources": [quota]})
    assert got["limits"]["cpu"] == "2"
