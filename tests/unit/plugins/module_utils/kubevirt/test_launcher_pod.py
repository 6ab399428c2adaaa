# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The virt-launcher Pod: KubeVirt's template facts, the API server's resource rules, and the
YAML template that lays the Pod out (any name or annotation survives it).

Expectations marked template_test.go come from KubeVirt's
pkg/virt-controller/services/template_test.go (at d923fdb8).
"""

import glob
import os

import jinja2
import kubernetes_validate
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.validation import resource_rule_errors
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod, vmi_id
from ansible_collections.vmpod.core.plugins.module_utils.output.yaml_flow import yaml_flow

from vmpod_examples import ROOT
VMI_FILES = sorted(glob.glob(os.path.join(ROOT, "examples", "vmis", "*.yaml")))
KUBERNETES_VERSION = "1.33.0"  # schemas shipped in the pinned kubernetes-validate, offline


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def render(pod):
    """templates/launcher_pod.yaml.j2 with the options vmpod.core.render_vmis uses."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROOT, "templates")),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["vmpod.core.yaml_flow"] = yaml_flow
    return env.get_template("launcher_pod.yaml.j2").render(pod=pod)


def make_vmi(**spec):
    body = {"domain": {"devices": {}}}
    body.update(spec)
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "testvmi", "namespace": "testns", "uid": "1234",
                         "annotations": {"test": "shouldBeInPod"}},
            "spec": body}


# -- template_test.go ------------------------------------------------------------------------

def test_the_launcher_pod_of_template_test():
    pod = launcher_pod(make_vmi(architecture="amd64"), options={"image": "kubevirt/virt-launcher"})
    meta, spec = pod["metadata"], pod["spec"]
    assert meta["generateName"] == "virt-launcher-testvmi-"
    assert meta["labels"] == {"kubevirt.io": "virt-launcher", "kubevirt.io/created-by": "1234",
                              "vm.kubevirt.io/name": "testvmi", "vmi.kubevirt.io/id": "testvmi"}
    for key, value in (("kubevirt.io/domain", "testvmi"), ("test", "shouldBeInPod"),
                       ("kubevirt.io/migrationTransportUnix", "true"),
                       ("kubectl.kubernetes.io/default-container", "compute"),
                       ("descheduler.alpha.kubernetes.io/request-evict-only", "")):
        assert meta["annotations"][key] == value
    assert "kubevirt.io/memory-overhead-bytes" in meta["annotations"]
    assert meta["ownerReferences"] == [{"apiVersion": "kubevirt.io/v1",
                                        "kind": "VirtualMachineInstance", "name": "testvmi",
                                        "uid": "1234", "controller": True,
                                        "blockOwnerDeletion": True}]
    assert spec["nodeSelector"] == {"kubevirt.io/schedulable": "true",
                                    "kubernetes.io/arch": "amd64"}
    [compute] = spec["containers"]
    assert compute["image"] == "kubevirt/virt-launcher"
    assert compute["command"] == ["/usr/bin/virt-launcher-monitor"]
    args = compute["args"]
    assert args[args.index("--name") + 1] == "testvmi"
    assert args[args.index("--uid") + 1] == "1234"
    assert args[args.index("--namespace") + 1] == "testns"
    assert args[args.index("--grace-period-seconds") + 1] == "45"
    assert args[args.index("--ovmf-path") + 1] == "/usr/share/edk2/ovmf"  # DefaultARCHOVMFPath
    assert args[args.index("--disk-memory-limit") + 1] == str(2000 * 1024 * 1024)
    assert spec["terminationGracePeriodSeconds"] == 60
    assert spec["hostname"] == "testvmi" and "subdomain" not in spec
    assert {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}} \
        in compute["env"]
    assert spec["automountServiceAccountToken"] is False
    assert spec["readinessGates"] == [{"conditionType": "kubevirt.io/virtual-machine-unpaused"}]


def test_a_stable_label_for_a_long_name():
    # template_test.go "Should have a stable label to select virt-launcher pods"
    name = "a-very-very-long-virtual-machine-instance-name-used-for-testing-this-logic"
    assert vmi_id(name) == "a-very-very-long-virtual-machine-instance-name-used-fo-88ed080c"
    assert vmi_id("testvmi") == "testvmi"


def test_hostname_and_subdomain():
    # template_test.go: Hostname and Subdomain come from the VMI
    pod = launcher_pod(make_vmi(hostname="myhost", subdomain="mydomain"))
    assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == ("myhost", "mydomain")
    # dns.SanitizeHostname: the name up to its first dot
    dotted = make_vmi()
    dotted["metadata"]["name"] = "web.example"
    assert launcher_pod(dotted)["spec"]["hostname"] == "web"


def test_dedicated_cpus_select_cpu_manager_nodes():
    # template_test.go: NodeSelector HaveKeyWithValue(v1.CPUManager, "true")
    vmi = make_vmi()
    vmi["spec"]["domain"]["cpu"] = {"cores": 2, "dedicatedCpuPlacement": True}
    vmi["spec"]["domain"]["resources"] = {"requests": {"memory": "1Gi"}}
    assert launcher_pod(vmi)["spec"]["nodeSelector"]["kubevirt.io/cpumanager"] == "true"
    assert "kubevirt.io/cpumanager" not in launcher_pod(make_vmi())["spec"]["nodeSelector"]


@pytest.mark.parametrize("page", ["2Mi", "1Gi"])
def test_hugepage_volumes(page):
    # template_test.go "with hugepages constraints" and rendervolumes.go withHugepages: two
    # emptyDirs of medium HugePages mounted at /dev/hugepages and /dev/hugepages/libvirt/qemu
    vmi = make_vmi()
    vmi["spec"]["domain"]["memory"] = {"hugepages": {"pageSize": page}}
    vmi["spec"]["domain"]["resources"] = {"requests": {"memory": "2Gi"}}
    pod = launcher_pod(vmi)
    volumes = [volume for volume in pod["spec"]["volumes"] if "medium" in volume["emptyDir"]]
    assert volumes == [{"name": "hugepages", "emptyDir": {"medium": "HugePages"}},
                       {"name": "hugetblfs-dir", "emptyDir": {"medium": "HugePages"}}]
    mounts = pod["spec"]["containers"][0]["volumeMounts"]
    for mount in ({"name": "hugepages", "mountPath": "/dev/hugepages"},
                  {"name": "hugetblfs-dir", "mountPath": "/dev/hugepages/libvirt/qemu"}):
        assert mount in mounts


def test_scheduling_fields_are_carried_over():
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["a"]}]}]}}}
    vmi = make_vmi(tolerations=[{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
                   affinity=affinity, priorityClassName="vm-high", schedulerName="vm-scheduler",
                   nodeSelector={"disk": "ssd"}, terminationGracePeriodSeconds=10)
    spec = launcher_pod(vmi)["spec"]
    assert spec["tolerations"] == vmi["spec"]["tolerations"]
    # setNodeAffinityForHostModelCpuModel: every term also refuses nodes whose host-model CPU
    # is obsolete (the VMI's CPU model is unset, so host-model)
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"] == [{"matchExpressions": [
        {"key": "zone", "operator": "In", "values": ["a"]},
        {"key": "node-labeller.kubevirt.io/obsolete-host-model", "operator": "DoesNotExist"}]}]
    assert vmi["spec"]["affinity"] == affinity  # the VMI is not changed
    assert (spec["priorityClassName"], spec["schedulerName"]) == ("vm-high", "vm-scheduler")
    assert spec["nodeSelector"]["disk"] == "ssd"
    assert spec["terminationGracePeriodSeconds"] == 10 + 30  # grace + 2 * 15 s padding


def test_kubectl_annotations_stay_off_the_pod():
    # filterVMIAnnotationsForPod
    vmi = make_vmi()
    vmi["metadata"]["annotations"].update({
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "kubevirt.io/latest-observed-api-version": "v1"})
    annotations = launcher_pod(vmi)["metadata"]["annotations"]
    assert "kubectl.kubernetes.io/last-applied-configuration" not in annotations
    assert "kubevirt.io/latest-observed-api-version" not in annotations


def test_the_vmis_own_annotations_go_over_the_domain_name_but_not_over_the_fixed_ones():
    # generatePodAnnotations: kubevirt.io/domain first, the VMI's copied over it, then
    # default-container, migrationTransportUnix and the evict-only annotation over those
    vmi = make_vmi()
    vmi["metadata"]["annotations"].update({
        "kubevirt.io/domain": "renamed", "kubevirt.io/migrationTransportUnix": "false"})
    annotations = launcher_pod(vmi)["metadata"]["annotations"]
    assert annotations["kubevirt.io/domain"] == "renamed"
    assert annotations["kubevirt.io/migrationTransportUnix"] == "true"
    assert list(annotations) == sorted(annotations)


def test_without_a_uid_there_is_no_owner_but_a_stable_stand_in():
    vmi = make_vmi()
    del vmi["metadata"]["uid"]
    pod = launcher_pod(vmi)
    assert "ownerReferences" not in pod["metadata"]
    assert pod["metadata"]["labels"]["kubevirt.io/created-by"] == \
        launcher_pod(vmi)["metadata"]["labels"]["kubevirt.io/created-by"]


@pytest.mark.parametrize("path", VMI_FILES, ids=os.path.basename)
def test_compute_resources_are_launcher_resources(path):
    vmi = load(path)
    pod = launcher_pod(vmi)
    resources = launcher_resources(vmi)
    compute = pod["spec"]["containers"][0]["resources"]
    assert (compute["requests"], compute["limits"]) == (resources["requests"],
                                                        resources["limits"])
    overhead = pod["metadata"]["annotations"]["kubevirt.io/memory-overhead-bytes"]
    assert int(overhead) > 0


@pytest.mark.parametrize("options, path", [
    ({"image_pull_policy": "Sometimes"}, "pod_options.image_pull_policy"),
    ({"colour": "red"}, "pod_options.colour"),
    ({"qemu_timeout": 0}, "pod_options.qemu_timeout"),
])
def test_bad_options_name_the_option(options, path):
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(make_vmi(), options=options)
    assert err.value.path == path


# -- the API server's resource rules -----------------------------------------------------------

def pod_with(requests, limits):
    return {"spec": {"containers": [{"name": "c", "resources": {"requests": requests,
                                                                "limits": limits}}]}}


@pytest.mark.parametrize("requests, limits, messages", [
    ({"cpu": "1", "memory": "1Gi"}, {"cpu": "2", "memory": "1Gi"}, []),
    ({"cpu": "2"}, {"cpu": "1"}, ["requests.cpu: '2' must be less than or equal to limits.cpu"]),
    ({"memory": "1Gi", "hugepages-2Mi": "2Gi"}, {"hugepages-2Mi": "1Gi"},
     ["requests.hugepages-2Mi: '2Gi' must be less than or equal to limits.hugepages-2Mi",
      "requests.hugepages-2Mi: '2Gi' must equal limits.hugepages-2Mi"]),
    ({"memory": "1Gi", "hugepages-1Gi": "1Gi"}, {}, ["limits.hugepages-1Gi: must be set"]),
    ({"hugepages-2Mi": "1Gi"}, {"hugepages-2Mi": "1Gi"}, ["hugepages require cpu or memory"]),
    ({}, {"devices.kubevirt.io/kvm": "500m"},
     ["limits.devices.kubevirt.io/kvm: '500m' must be a whole number"]),
    ({"nvidia.com/gpu": "1"}, {}, ["limits.nvidia.com/gpu: must be set"]),
    ({"nvidia.com/gpu": "1"}, {"nvidia.com/gpu": "2"},
     ["requests.nvidia.com/gpu: '1' must equal limits.nvidia.com/gpu"]),
    ({"cpu": "lots"}, {}, ["requests.cpu: 'lots' is not a quantity"]),
])
def test_resource_rules(requests, limits, messages):
    errors = resource_rule_errors(pod_with(requests, limits))
    assert len(errors) == len(messages), errors
    for error, message in zip(errors, messages):
        assert error.startswith("spec.containers[0].resources")
        assert message in error


@pytest.mark.parametrize("path", VMI_FILES, ids=os.path.basename)
def test_every_example_pod_obeys_the_resource_rules_and_the_schema(path):
    pod = launcher_pod(load(path))
    assert resource_rule_errors(pod) == []
    rendered = yaml.safe_load(render(pod))
    assert rendered == pod
    kubernetes_validate.validate(rendered, KUBERNETES_VERSION, strict=True)


# -- the template: any string survives -------------------------------------------------------

HOSTILE = [
    "plain", "", "a: b", "- x", "#c", "'quoted'", '"double"', "back\\slash", "{{ x }}",
    "{% raw %}", "line\nbreak", "tab\tand\r", "\x00\x1f\x7f", "\x85 nel", "\u2028\u2029",
    "\ufeff bom", "\ud7ff\ue000\ufffd", "😀 émoji", "--- \n...", "null", "true", "1e3",
    "@!&*|>%",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_yaml_flow_round_trips(text):
    assert yaml.safe_load("v: " + yaml_flow(text))["v"] == text


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text())
def test_yaml_flow_round_trips_any_text(text):
    assert yaml.safe_load("v: " + yaml_flow(text))["v"] == text


def test_hostile_labels_and_annotations_survive_the_template():
    vmi = make_vmi(tolerations=[{"key": "example.com/k", "operator": "Exists"}])
    vmi["metadata"]["labels"] = {"app": "a-b.c", "example.com/y": ""}
    vmi["metadata"]["annotations"] = {"note-%d" % index: text for index, text in enumerate(HOSTILE)}
    vmi["metadata"]["annotations"]["x/y"] = "{{ lookup('pipe', 'id') }}"
    pod = launcher_pod(vmi)
    assert yaml.safe_load(render(pod)) == pod


@pytest.mark.parametrize("labels, path, problem", [
    ({"app": "a'b\"c"}, "metadata.labels.app", "is not a label value"),
    ({"x/y": "{{ lookup('pipe', 'id') }}"}, "metadata.labels.x/y", "is not a label value"),
    ({"app": "x" * 64}, "metadata.labels.app", "is not a label value"),
    ({"bad key": "v"}, "metadata.labels['bad key']", "is not a qualified name"),
    ({"Example.com/app": "v"}, "metadata.labels.Example.com/app", "is not a qualified name"),
    ({"/app": "v"}, "metadata.labels./app", "is not a qualified name"),
    ({1: "v"}, "metadata.labels[1]", "is not a qualified name"),
    ({None: "v"}, "metadata.labels[None]", "is not a qualified name"),
])
def test_labels_are_checked_as_the_api_server_checks_them(labels, path, problem):
    vmi = make_vmi()
    vmi["metadata"]["labels"] = labels
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(vmi)
    assert err.value.path == path and problem in str(err.value)


@pytest.mark.parametrize("field, value, problem", [
    ("name", "../etc", "is not a DNS-1123 subdomain"), ("name", "Web", "is not a DNS-1123 subdomain"),
    ("name", "a\udcff", "is not a DNS-1123 subdomain"), ("name", "web\n", "is not a DNS-1123 subdomain"),
    ("name", "a" * 254, "is not a DNS-1123 subdomain"), ("namespace", "a.b", "is not a DNS-1123 label"),
    ("namespace", "\ud800", "is not a DNS-1123 label"), ("namespace", "n" * 64, "is not a DNS-1123 label"),
])
def test_names_are_checked_as_the_api_server_checks_them(field, value, problem):
    vmi = make_vmi()
    vmi["metadata"][field] = value
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(vmi)
    assert err.value.path == "metadata." + field and problem in str(err.value)


@pytest.mark.parametrize("field, value, path, problem", [
    ("tolerations", [{"key": "k\"'\n", "operator": "Exists"}], "spec.tolerations[0].key", "is not a qualified name"),
    ("tolerations", [{"key": "k", "operator": "Equal", "value": "a b"}], "spec.tolerations[0].value", "is not a label value"),
    ("tolerations", [{"key": "k", "operator": "Exists", "value": "v"}], "spec.tolerations[0].value", "must be empty"),
    ("tolerations", [{"key": "k", "operator": "In"}], "spec.tolerations[0].operator", "must be Exists or Equal"),
    ("tolerations", [{"key": "k", "effect": "Never"}], "spec.tolerations[0].effect", "must be NoSchedule"),
    ("nodeSelector", {"disk": "fast\n"}, "spec.nodeSelector.disk", "is not a label value"),
    ("hostname", "web\n", "spec.hostname", "is not a DNS-1123 label"),
    ("subdomain", "a.b", "spec.subdomain", "is not a DNS-1123 label"),
    ("priorityClassName", "High", "spec.priorityClassName", "is not a DNS-1123 subdomain"),
    ("schedulerName", "my scheduler", "spec.schedulerName", "is not a DNS-1123 subdomain"),
])
def test_pod_fields_are_checked_as_the_api_server_checks_them(field, value, path, problem):
    vmi = make_vmi()
    vmi["spec"][field] = value
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(vmi)
    assert err.value.path == path and problem in str(err.value)


def test_annotations_are_text_of_at_most_256_kib():
    vmi = make_vmi()
    vmi["metadata"]["annotations"] = {"a": "\udc80"}
    with pytest.raises(VmpodInputError, match="^metadata.annotations.a: .* lone surrogate"):
        launcher_pod(vmi)
    vmi["metadata"]["annotations"] = {"a": "x" * (256 * 1024)}
    with pytest.raises(VmpodInputError, match=r"^metadata.annotations: '\(262145 bytes\)' are larger"):
        launcher_pod(vmi)
    vmi["metadata"]["annotations"] = {"example.com/" + "k" * 64: "v"}
    with pytest.raises(VmpodInputError, match="is not a qualified name"):
        launcher_pod(vmi)
    vmi["metadata"]["annotations"] = {"example.com/" + "k" * 63: "x" * 1000, "a.b/c_d-e.f": ""}
    assert launcher_pod(vmi)["metadata"]["annotations"]["a.b/c_d-e.f"] == ""


def test_pod_without_limits_renders_empty_limits():
    vmi = make_vmi()
    vmi["spec"]["domain"]["devices"] = {"autoattachPodInterface": False}
    pod = launcher_pod(vmi, config={"developerConfiguration": {"useEmulation": True}})
    assert pod["spec"]["containers"][0]["resources"]["limits"] == {}
    assert yaml.safe_load(render(pod)) == pod
