# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""output.checks: rendered files read back as a reader would, faults named."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.output.checks import (
    domain_text_errors, first_difference, pod_text_errors)

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"generateName": "virt-launcher-vm-", "namespace": "lab",
                    "annotations": {"kubevirt.io/domain": "vm"}},
       "spec": {"containers": [{"name": "compute", "resources": {
           "requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {}}}]}}
POD_TEXT = """apiVersion: v1
kind: Pod
metadata:
  generateName: virt-launcher-vm-
  namespace: lab
  annotations: {"kubevirt.io/domain": "vm"}
spec:
  containers:
  - name: compute
    resources: {requests: {cpu: 100m, memory: 1Gi}, limits: {}}
"""


def test_first_difference_names_the_path():
    assert first_difference(POD, POD) is None
    changed = {"metadata": {"annotations": {"kubevirt.io/domain": "vm\n"}}}
    assert first_difference(changed, {"metadata": {"annotations": {"kubevirt.io/domain": "vm"}}}) == \
        "metadata.annotations.kubevirt.io/domain"
    assert first_difference({"a": [1, 2]}, {"a": [1]}) == "a[1]"
    assert first_difference({"a": True}, {"a": 1}) == "a"  # equal in Python, not in YAML
    assert first_difference({"a": 1}, {"b": 1}) == "a"
    assert first_difference([1], (1,)) is None  # a model may hold tuples


def test_a_pod_that_reads_back_as_its_model_passes():
    assert pod_text_errors(POD_TEXT, POD, exact=True) == []


@pytest.mark.parametrize("text, exact, message", [
    (POD_TEXT.replace("cpu: 100m", "cpu: 100m\n  bad: [\n"), False, "the YAML is not YAML: while parsing"),
    (POD_TEXT + "---\nkind: Pod\n", False, "holds 2 YAML documents, not one Pod"),
    ("", False, "holds 0 YAML documents, not one Pod"),
    (POD_TEXT.replace('"kubevirt.io/domain": "vm"', '"kubevirt.io/domain": "vm2"'), True,
     "does not read back as the Pod it was rendered from: metadata.annotations.kubevirt.io/domain differs"),
    (POD_TEXT.replace("kind: Pod", "kind: Deployment"), False, "is not a v1 Pod (apiVersion 'v1', kind 'Deployment')"),
    (POD_TEXT.replace("virt-launcher-vm-", "Virt_Launcher-"), False, "metadata.generateName: 'Virt_Launcher' is not"),
    (POD_TEXT.replace("namespace: lab", "namespace: a.b"), False, "metadata.namespace: 'a.b' is not"),
    (POD_TEXT.replace("memory: 1Gi}, limits: {}", "memory: 1Gi}, limits: {memory: 512Mi}"), False,
     "requests.memory: '1Gi' must be less than or equal to limits.memory"),
])
def test_pod_faults_are_named(text, exact, message):
    errors = pod_text_errors(text, POD, exact)
    assert errors and any(message in error for error in errors), errors


def test_a_named_pod_is_checked_by_its_name():
    text = POD_TEXT.replace("generateName: virt-launcher-vm-", "name: " + "x" * 300)
    assert pod_text_errors(text, POD, exact=False)[0].startswith("metadata.name: 'xxx")
    assert pod_text_errors(POD_TEXT.replace("generateName: virt-launcher-vm-", "name: vm"), POD, False) == []


@pytest.mark.parametrize("text, message", [
    ("<domain type='kvm'><name>vm</name></domain>", None),
    ("<domain type='kvm'><name>vm & co</name></domain>", "is not XML: not well-formed"),
    ("<domain type='kvm'><name>vm</name>", "is not XML: no element found"),
    ("<pool><name>vm</name></pool>", "has <pool> at its root, not <domain>"),
    ("<domain type='kvm'><name>other</name></domain>", "names the domain 'other', not 'vm'"),
    ("<domain type='kvm'><name>vm\x01</name></domain>", "is not XML"),
])
def test_domain_faults_are_named(text, message):
    errors = domain_text_errors(text, "vm")
    if message is None:
        assert errors == []
    else:
        assert len(errors) == 1 and errors[0].startswith(message), errors


def test_a_picture_of_a_host_whose_name_xml_cannot_hold_is_still_xml():
    from xml.etree import ElementTree

    from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet
    from ansible_collections.vmpod.core.plugins.module_utils.output.picture import host_pictures
    host = {"nodes": [{"id": 0, "memory": "8Gi"}],
            "cpus": [{"id": cpu, "socket": 0, "core": cpu, "node": 0} for cpu in range(2)]}
    name = "rack\x01<b>&\ud800"
    vmi = {"metadata": {"name": "vm"}, "spec": {"domain": {"resources": {"requests": {"memory": "1Gi"}}}}}
    pictures = host_pictures(place_fleet([vmi], {name: host}), {name: host})
    root = ElementTree.fromstring(pictures[name].encode("utf-8", "surrogatepass"))
    assert root.findtext("{http://www.w3.org/2000/svg}title").startswith("rack\ufffd<b>&\ufffd")
