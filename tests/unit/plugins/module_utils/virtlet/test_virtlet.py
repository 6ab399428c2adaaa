# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtlet VM pods as inputs, and Virtlet's CPU rule (seed 002).

Facts from Mirantis/virtlet (1659b8a4): pkg/metadata/types/annotations.go (annotation names,
VirtletVCPUCount default 1 and maximum 255, VirtletCPUModel "" or host-model, the <cpu> YAML of
VirtletLibvirtCPUSetting, VirtletSystemUUID) and pkg/libvirttools/virtualization.go (memory =
container limit or 1024 MiB; quota = container quota / vCPUs; host-model = fallback forbid + vmx;
domain name virtlet-<uuid[:13]>-<container>). kubelet's pkg/kubelet/cm/helpers_linux.go for
MilliCPUToShares / MilliCPUToQuota.
"""

import copy
import glob
import os

import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.virtlet import pod as virtlet
from ansible_collections.vmpod.core.plugins.module_utils.domain.model import domain_model
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from vmpod_examples import ROOT
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "examples", "virtlet", "*.yaml")))


def pod(annotations=None, limits=None, requests=None, name="vm"):
    notes = {"kubernetes.io/target-runtime": "virtlet.cloud"}
    notes.update(annotations or {})
    resources = {}
    if limits:
        resources["limits"] = limits
    if requests:
        resources["requests"] = requests
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "ns", "annotations": notes},
            "spec": {"containers": [{"name": name + "-c", "image": "virtlet.cloud/cirros",
                                     "resources": resources}]}}


def example(name):
    with open(os.path.join(ROOT, "examples", "virtlet", name)) as handle:
        return yaml.safe_load(handle)


# -- annotations -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, count", [
    (None, 1),  # applyDefaults: VCPUCount <= 0 -> 1
    ("2", 2),
    ("0", 1),
    ("-3", 1),
    ("+4", 4),  # strconv.Atoi takes a sign
    ("255", 255),  # maxVCPUCount
])
def test_vcpu_count(text, count):
    assert virtlet.vcpu_count(text, "p") == count


@pytest.mark.parametrize("text, problem", [
    ("256", "maximum of 255"),
    ("two", "not an integer"),
    ("1.5", "not an integer"),
    ("", "not an integer"),
])
def test_bad_vcpu_count_names_the_annotation(text, problem):
    with pytest.raises(VmpodInputError, match=problem) as err:
        virtlet.read_virtlet_pod(pod({"VirtletVCPUCount": text}))
    assert err.value.path == "metadata.annotations.VirtletVCPUCount"


@pytest.mark.parametrize("text, model", [(None, ""), ("", ""), ("host-model", "host-model")])
def test_cpu_model(text, model):
    assert virtlet.cpu_model(text, "p") == model


def test_cpu_model_other_than_host_model_is_refused():
    # annotations.go validate(): "Must be empty or host-model"
    with pytest.raises(VmpodInputError, match="must be empty or 'host-model'"):
        virtlet.cpu_model("host-passthrough", "p")


def test_system_uuid_is_canonical_and_checked():
    assert virtlet.system_uuid("53008994-44C0-4017-AD44-9C49758083DA", "p") == \
        "53008994-44c0-4017-ad44-9c49758083da"
    with pytest.raises(VmpodInputError, match="is not a UUID"):
        virtlet.system_uuid("not-a-uuid", "p")


@pytest.mark.parametrize("limits, expected", [
    (None, 1024 * 1024 * 1024),  # virtualization.go: defaultMemory 1024 MiB
    ({"memory": "0"}, 1024 * 1024 * 1024),
    ({"memory": "160Mi"}, 160 * 1024 * 1024),  # examples/cirros-vm.yaml
    ({"memory": "1G"}, 10 ** 9),
])
def test_memory_is_the_container_limit(limits, expected):
    assert virtlet.read_virtlet_pod(pod(limits=limits)).memory_bytes == expected


def test_seed_cpu_setting():
    # seed 002's example of VirtletLibvirtCPUSetting
    text = "mode: custom\nmodel:\n  value: Westmere\nfeatures:\n- name: avx\n  policy: disable\n"
    setting = virtlet.cpu_setting(text, 1, "p")
    assert setting["mode"] == "custom"
    assert setting["model"] == "Westmere"
    assert setting["features"] == [{"name": "avx", "policy": "disable"}]
    assert setting["topology"] is None


def test_cpu_setting_keys_ignore_case_as_go_json_does():
    setting = virtlet.cpu_setting("Mode: host-passthrough\nFeatures:\n- Name: vmx\n", 1, "p")
    assert setting["mode"] == "host-passthrough"
    assert setting["features"] == [{"name": "vmx", "policy": "require"}]


@pytest.mark.parametrize("text, path, problem", [
    ("mode: [", "p", "is not YAML"),
    ("- a", "p", "must be a mapping"),
    ("mode: hostmodel", "p.mode", "must be one of"),
    ("colour: red", "p.colour", "is not a field of a libvirt <cpu>"),
    ("features:\n- name: avx\n  policy: maybe", "p.features[0].policy", "must be one of"),
    ("features:\n- policy: disable", "p.features[0].name", "is required"),
    ("topology: {sockets: 2, cores: 2}", "p.topology", "gives 4 vCPUs, VirtletVCPUCount gives 2"),
    ("topology: {sockets: 0}", "p.topology.sockets", "positive integer"),
])
def test_bad_cpu_setting_names_the_field(text, path, problem):
    with pytest.raises(VmpodInputError, match=problem) as err:
        virtlet.cpu_setting(text, 2, "p")
    assert err.value.path == path


def test_only_virtlet_pods_are_read():
    other = pod()
    other["metadata"]["annotations"] = {}
    with pytest.raises(VmpodInputError, match="must be 'virtlet.cloud'") as err:
        virtlet.read_virtlet_pod(other)
    assert err.value.path == "metadata.annotations.kubernetes.io/target-runtime"


# -- the CPU rule ------------------------------------------------------------------------------

@pytest.mark.parametrize("request_m, limit_m, vcpus, expected", [
    # MilliCPUToShares: milli * 1024 / 1000, at least 2
    (500, None, 1, {"shares": 512, "quota": None}),
    (1000, None, 4, {"shares": 1024, "quota": None}),
    (1, None, 1, {"shares": 2, "quota": None}),
    # Virtlet: container quota (milli * 100000 / 1000) divided by the vCPU count
    (500, 1000, 2, {"shares": 512, "period": 100000, "quota": 50000,
                    "emulator_quota": 100000, "global_quota": 100000}),
    (None, 2000, 4, {"shares": None, "quota": 50000, "emulator_quota": 200000}),
    (100, 100, 4, {"quota": 2500, "emulator_quota": 10000}),
    # MilliCPUToQuota's minimum of 1000 us; libvirt's minimum <quota> is 1000 too
    (1, 1, 1, {"quota": 1000, "emulator_quota": 1000}),
    (1000, 1000, 255, {"quota": 1000, "emulator_quota": 100000}),
])
def test_cpu_bandwidth(request_m, limit_m, vcpus, expected):
    bandwidth = virtlet.cpu_bandwidth(request_m, limit_m, vcpus)
    for key, value in expected.items():
        assert bandwidth[key] == value, key


def test_the_vcpu_threads_together_never_exceed_the_pod_limit():
    for limit in (100, 250, 1000, 1500, 3000, 7000):
        for vcpus in range(1, 17):
            bandwidth = virtlet.cpu_bandwidth(limit, limit, vcpus)
            whole = bandwidth["global_quota"]
            if bandwidth["quota"] > virtlet.MIN_QUOTA_US:
                assert bandwidth["quota"] * vcpus <= whole
            assert bandwidth["emulator_quota"] == whole


# -- Virtlet pods as domains --------------------------------------------------------------------

def test_domain_name_and_uuid():
    fixed = pod({"VirtletSystemUUID": "53008994-44c0-4017-ad44-9c49758083da"})
    model = domain_model(fixed)
    assert model["uuid"] == "53008994-44c0-4017-ad44-9c49758083da"
    assert model["name"] == "virtlet-53008994-44c0-vm-c"
    assert model["sysinfo"] == [{"name": "uuid", "value": "53008994-44c0-4017-ad44-9c49758083da"}]
    assert model["os"]["smbios"] == "sysinfo"
    derived = domain_model(pod())
    assert derived["uuid"] == domain_model(copy.deepcopy(pod()))["uuid"]  # stable
    assert derived["sysinfo"] == []


def test_host_model_annotation_requires_vmx_with_fallback_forbid():
    cpu = domain_model(pod({"VirtletCPUModel": "host-model"}))["cpu"]
    assert (cpu["mode"], cpu["model_fallback"]) == ("host-model", "forbid")
    assert cpu["features"] == [{"name": "vmx", "policy": "require"}]


def test_cpu_setting_wins_over_cpu_model():
    cpu = domain_model(pod({"VirtletCPUModel": "host-model",
                            "VirtletLibvirtCPUSetting": "mode: host-passthrough"}))["cpu"]
    assert cpu["mode"] == "host-passthrough"
    assert cpu["features"] == []


def test_no_cpu_annotation_leaves_libvirts_default_cpu():
    assert domain_model(pod())["cpu"] is None


def test_renderer_cpu_features_join_a_virtlet_cpu():
    options = {"cpu_features": [{"name": "arch-capabilities", "policy": "disable"}]}
    cpu = domain_model(pod({"VirtletLibvirtCPUSetting": "mode: host-passthrough"}),
                       options=options)["cpu"]
    assert cpu["features"] == [{"name": "arch-capabilities", "policy": "disable"}]


def test_default_vcpu_and_memory_and_bandwidth():
    model = domain_model(pod(limits={"cpu": "1", "memory": "160Mi"}, requests={"cpu": "500m"},
                             annotations={"VirtletVCPUCount": "2"}))
    assert (model["vcpu"], model["memory_bytes"]) == (2, 160 * 1024 * 1024)
    tune = model["cputune"]
    assert (tune["shares"], tune["period"], tune["quota"]) == (512, 100000, 50000)
    assert (tune["emulator_period"], tune["emulator_quota"]) == (100000, 100000)
    bare = domain_model(pod())["cputune"]
    assert (bare["shares"], bare["quota"]) == (2, None)  # the kubelet's 2 shares, no limit


def test_plan_of_a_virtlet_pod_is_that_of_its_equivalent_vmi():
    with open(os.path.join(ROOT, "examples", "hosts", "no-smt.yaml")) as handle:
        host = yaml.safe_load(handle)
    [model] = render_models([example("01-cirros-vm.yaml")], host)
    assert model["pod"] is None and model["kind"] == "Pod"
    assert model["plan"]["fits"] and model["plan"]["cpuset"] is None
    assert model["resources"]["limits"]["cpu"] == "1"


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_examples_render(path):
    with open(path) as handle:
        model = domain_model(yaml.safe_load(handle))
    assert model["name"].startswith("virtlet-")
