# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The launcher filters: thin over the engine, whole lists in one call, one error type out."""

import glob
import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.filter.launcher import FilterModule
from ansible_collections.vmpod.core.plugins.filter.quantity import FilterModule as QuantityFilters
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from vmpod_examples import ROOT

FILTERS = FilterModule().filters()
QUANTITY = QuantityFilters().filters()


def example_vmis():
    vmis = []
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "vmis", "*.yaml"))):
        with open(path) as handle:
            vmis.extend(doc for doc in yaml.safe_load_all(handle) if doc)
    return vmis


def test_examples_are_the_documented_set():
    names = [vmi["metadata"]["name"] for vmi in example_vmis()]
    assert len(names) >= 12
    assert len(set(names)) == len(names)


def test_one_vmi_gives_the_engine_result():
    vmi = example_vmis()[0]
    assert FILTERS["launcher_resources"](vmi) == launcher_resources(vmi)


def test_a_list_is_sized_in_one_call_with_a_summary():
    vmis = example_vmis()
    sized = FILTERS["launcher_resources"](vmis)
    assert [entry["name"] for entry in sized] == [vmi["metadata"]["name"] for vmi in vmis]
    for entry, vmi in zip(sized, vmis):
        expected = launcher_resources(vmi)
        for key in ("requests", "limits", "claims", "memory_overhead"):
            assert entry[key] == expected[key]


def test_the_list_keeps_keyword_arguments():
    vmi = {"metadata": {"name": "a"}, "spec": {"domain": {"cpu": {"cores": 3}}}}
    config = {"developerConfiguration": {"cpuAllocationRatio": 3}}
    [entry] = FILTERS["launcher_resources"]([vmi], config=config)
    assert entry["requests"]["cpu"] == "1"  # 3 vCPUs / ratio 3


def test_summary_fields_of_a_virtual_machine():
    vm = [v for v in example_vmis() if v["kind"] == "VirtualMachine"][0]
    [entry] = FILTERS["launcher_resources"]([vm])
    assert entry["kind"] == "VirtualMachine"
    assert entry["guest_memory"] == "12Gi"
    assert entry["vcpus"] == 4


def test_table_has_a_line_per_vmi_with_the_numbers():
    vmis = example_vmis()
    sized = FILTERS["launcher_resources"](vmis)
    table = FILTERS["resources_table"](sized)
    lines = table.splitlines()
    assert len(lines) == len(vmis) + 2
    assert lines[0].split()[0] == "VMI"
    plain = [line for line in lines if line.startswith("plain-fedora ")][0]
    entry = [e for e in sized if e["name"] == "plain-fedora"][0]
    assert entry["requests"]["memory"] in plain
    assert entry["memory_overhead"] in plain


def test_table_rejects_what_is_not_a_sizing():
    with pytest.raises(AnsibleFilterError, match="resources_table"):
        FILTERS["resources_table"]([{"name": "x"}])


def test_memory_overhead_filter_over_a_list():
    vmis = example_vmis()[:3]
    assert FILTERS["memory_overhead"](vmis) == [FILTERS["memory_overhead"](v) for v in vmis]


@pytest.mark.parametrize("bad, path", [
    ({"spec": {"domain": {"resources": {"requests": {"memory": "12Qi"}}}}},
     "spec.domain.resources.requests.memory: '12Qi' is not a quantity"),
    ({"spec": {}}, "spec.domain is required"),
    ({"spec": {"domain": {"cpu": {"cores": "4"}}}}, "spec.domain.cpu.cores: '4' must be an integer"),
    ({"spec": {"domain": {"resources": {"limits": {"cpu": "-1"}}}}},
     "spec.domain.resources.limits.cpu: '-1' must not be negative"),
])
def test_bad_input_is_an_ansible_filter_error_naming_the_field(bad, path):
    with pytest.raises(AnsibleFilterError) as err:
        FILTERS["launcher_resources"](bad)
    assert path in str(err.value)


def test_an_error_in_a_list_names_the_vmi():
    vmis = example_vmis()[:2] + [{"metadata": {"name": "broken"},
                                  "spec": {"domain": {"memory": {"guest": "x1"}}}}]
    with pytest.raises(AnsibleFilterError) as err:
        FILTERS["launcher_resources"](vmis)
    assert "vmis[2](broken).spec.domain.memory.guest: 'x1' is not a quantity" in str(err.value)


def test_unknown_architecture_is_named():
    with pytest.raises(AnsibleFilterError, match="arch: 'mips' is not a supported architecture"):
        FILTERS["launcher_resources"]({"spec": {"domain": {}}}, arch="mips")


def test_unknown_keyword_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="unexpected keyword"):
        FILTERS["launcher_resources"]({"spec": {"domain": {}}}, color="red")


@pytest.mark.parametrize("value, as_bytes, cores, millicores, canonical", [
    ("1.5Gi", 1610612736, 1610612736.0, 1610612736000, "1536Mi"),
    ("500m", 1, 0.5, 500, "500m"),
    ("0.1", 1, 0.1, 100, "100m"),
    (2, 2, 2.0, 2000, "2"),
    ("1024Mi", 1073741824, 1073741824.0, 1073741824000, "1Gi"),
    ("1e3", 1000, 1000.0, 1000000, "1e3"),
    ("+1", 1, 1.0, 1000, "1"),
])
def test_quantity_filters(value, as_bytes, cores, millicores, canonical):
    assert QUANTITY["quantity_to_bytes"](value) == as_bytes
    assert QUANTITY["quantity_to_cores"](value) == cores
    assert QUANTITY["quantity_to_millicores"](value) == millicores
    assert QUANTITY["quantity_canonical"](value) == canonical


@pytest.mark.parametrize("name", ["quantity_to_bytes", "quantity_to_cores",
                                  "quantity_to_millicores", "quantity_canonical"])
def test_quantity_filters_reject_non_quantities(name):
    with pytest.raises(AnsibleFilterError, match="quantity: '12Qi' is not a quantity"):
        QUANTITY[name]("12Qi")


# -- fuzzing: random VMIs, valid and not, through the filters -------------------------------

QUANTITY_TEXT = st.one_of(
    st.sampled_from(["1", "0", "64Mi", "1.5Gi", "100m", "2", "1e3", "12Qi", "-1", "1.7Gi", "",
                     " 2Gi ", "0.5", "1Ei", "9Ei", "3n", "abc", "1E", "+4", "2Mi", "1Gi", ".5"]),
    st.integers(min_value=-10, max_value=10 ** 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
)
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-5, 5000), st.text(max_size=5),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                      st.integers(), max_size=2))


def maybe(strategy):
    return st.one_of(strategy, JUNK)


RESOURCE_LIST = maybe(st.dictionaries(
    st.sampled_from(["cpu", "memory", "ephemeral-storage", "nvidia.com/gpu", "hugepages-2Mi"]),
    QUANTITY_TEXT, max_size=3))
CPU = maybe(st.fixed_dictionaries({}, optional={
    "cores": maybe(st.integers(0, 64)), "sockets": maybe(st.integers(0, 4)),
    "threads": maybe(st.integers(0, 2)), "dedicatedCpuPlacement": maybe(st.booleans()),
    "isolateEmulatorThread": maybe(st.booleans()), "model": maybe(st.text(max_size=8)),
    "numa": maybe(st.fixed_dictionaries({"guestMappingPassthrough": maybe(st.just({}))})),
}))
MEMORY = maybe(st.fixed_dictionaries({}, optional={
    "guest": QUANTITY_TEXT,
    "hugepages": maybe(st.fixed_dictionaries({"pageSize": maybe(st.sampled_from(
        ["2Mi", "1Gi", "x", ""]))})),
    "reservedOverhead": maybe(st.fixed_dictionaries({"addedOverhead": QUANTITY_TEXT})),
}))
INTERFACE = maybe(st.fixed_dictionaries({"name": maybe(st.text(max_size=4))}, optional={
    "model": maybe(st.sampled_from(["virtio", "e1000", ""])), "sriov": maybe(st.just({})),
    "passtBinding": maybe(st.just({})), "masquerade": maybe(st.just({})),
    "binding": maybe(st.fixed_dictionaries({"name": maybe(st.text(max_size=4))})),
}))
DEVICE = maybe(st.fixed_dictionaries({"name": st.text(max_size=3)}, optional={
    "deviceName": maybe(st.text(max_size=8)),
    "claimRequest": maybe(st.fixed_dictionaries({"claimName": maybe(st.text(max_size=3)),
                                                 "requestName": maybe(st.text(max_size=3))})),
}))
DEVICES = maybe(st.fixed_dictionaries({}, optional={
    "interfaces": maybe(st.lists(INTERFACE, max_size=3)),
    "gpus": maybe(st.lists(DEVICE, max_size=2)),
    "hostDevices": maybe(st.lists(DEVICE, max_size=2)),
    "tpm": maybe(st.fixed_dictionaries({}, optional={"enabled": maybe(st.booleans())})),
    "autoattachGraphicsDevice": maybe(st.booleans()),
    "autoattachPodInterface": maybe(st.booleans()),
    "autoattachVSOCK": maybe(st.booleans()),
}))
DOMAIN = maybe(st.fixed_dictionaries({}, optional={
    "resources": maybe(st.fixed_dictionaries({}, optional={
        "requests": RESOURCE_LIST, "limits": RESOURCE_LIST,
        "overcommitGuestOverhead": maybe(st.booleans())})),
    "cpu": CPU, "memory": MEMORY, "devices": DEVICES,
    "ioThreadsPolicy": maybe(st.sampled_from(["auto", "shared", "supplementalPool"])),
    "ioThreads": maybe(st.fixed_dictionaries({}, optional={
        "supplementalPoolThreadCount": maybe(st.integers(0, 8))})),
    "launchSecurity": maybe(st.fixed_dictionaries({}, optional={
        "sev": maybe(st.just({})), "snp": maybe(st.just({})), "tdx": maybe(st.just({}))})),
}))
SPEC = maybe(st.fixed_dictionaries({}, optional={
    "domain": DOMAIN,
    "architecture": maybe(st.sampled_from(["amd64", "arm64", "s390x", "mips"])),
    "networks": maybe(st.lists(maybe(st.fixed_dictionaries({"name": st.text(max_size=3)}, optional={
        "pod": st.just({}), "multus": maybe(st.fixed_dictionaries(
            {"networkName": maybe(st.text(max_size=4))}))})), max_size=2)),
    "volumes": maybe(st.lists(maybe(st.fixed_dictionaries({"name": st.text(max_size=3)}, optional={
        "downwardMetrics": maybe(st.just({}))})), max_size=2)),
    "livenessProbe": maybe(st.fixed_dictionaries({}, optional={"exec": maybe(st.just({}))})),
}))
VMI = st.one_of(
    st.fixed_dictionaries({"kind": st.just("VirtualMachineInstance"), "spec": SPEC}, optional={
        "metadata": maybe(st.fixed_dictionaries({}, optional={
            "name": maybe(st.text(max_size=5)),
            "annotations": maybe(st.dictionaries(st.text(max_size=5), maybe(st.just(""))))}))}),
    st.fixed_dictionaries({"kind": st.just("VirtualMachine"),
                           "spec": maybe(st.fixed_dictionaries({"template": maybe(
                               st.fixed_dictionaries({"spec": SPEC}))}))}),
    JUNK,
)
CONFIG = st.one_of(st.none(), maybe(st.fixed_dictionaries({}, optional={
    "developerConfiguration": maybe(st.fixed_dictionaries({}, optional={
        "cpuAllocationRatio": maybe(st.integers(-1, 20)),
        "memoryOvercommit": maybe(st.integers(-1, 300)),
        "useEmulation": maybe(st.booleans()),
        "featureGates": maybe(st.lists(st.sampled_from(["IOMMUFD", "NetworkDevicesWithDRA"]))),
        "disabledFeatureGates": maybe(st.lists(st.sampled_from(
            ["ExternalNetResourceInjection", "GPUsWithDRA"])))})),
    "additionalGuestMemoryOverheadRatio": maybe(st.sampled_from(["1.5", "abc", "NaN", "0.5", ""])),
})))


def _well_formed(result):
    assert set(result) == {"requests", "limits", "claims", "memory_overhead"}
    for table in (result["requests"], result["limits"]):
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in table.items())
    QUANTITY["quantity_to_bytes"](result["memory_overhead"])


@settings(max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck))
@given(vmi=VMI, config=CONFIG, arch=st.sampled_from(["amd64", "arm64", "s390x", "mips"]),
       defaults=st.booleans())
def test_fuzz_only_filter_errors_escape(vmi, config, arch, defaults):
    try:
        result = FILTERS["launcher_resources"](vmi, config=config, arch=arch,
                                               apply_defaults=defaults)
    except AnsibleFilterError as err:
        assert str(err)
        return
    if isinstance(vmi, list):  # a list is sized item by item
        assert len(result) == len(vmi)
        return
    _well_formed(result)
    try:
        FILTERS["memory_overhead"](vmi, config=config, arch=arch)
    except AnsibleFilterError:
        pytest.fail("memory_overhead failed where launcher_resources did not")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(vmis=st.lists(VMI, max_size=4))
def test_fuzz_lists_only_filter_errors_escape(vmis):
    try:
        sized = FILTERS["launcher_resources"](vmis)
    except AnsibleFilterError:
        return
    assert len(sized) == len(vmis)
    FILTERS["resources_table"](sized)
