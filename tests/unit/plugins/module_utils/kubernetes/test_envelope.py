# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""pod_envelope: the Pod's resources as kube-scheduler counts them and its QoS class, with cases
from Kubernetes' rules (component-helpers resource.PodRequests / PodLimits, qos.GetPodQOS)."""

import glob
import os

import pytest

from ansible_collections.vmpod.core.plugins.filter.launcher import pod_envelope as envelope_filter
from ansible_collections.vmpod.core.plugins.module_utils.launcher import pod_envelope
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity
from ansible_collections.vmpod.core.plugins.module_utils.values.yaml_data import load_documents

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))))


def container(name, requests=None, limits=None, sidecar=False):
    item = {"name": name, "resources": {}}
    if requests is not None:
        item["resources"]["requests"] = requests
    if limits is not None:
        item["resources"]["limits"] = limits
    if sidecar:
        item["restartPolicy"] = "Always"
    return item


def pod(containers, init=(), overhead=None):
    spec = {"containers": list(containers)}
    if init:
        spec["initContainers"] = list(init)
    if overhead:
        spec["overhead"] = overhead
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


@pytest.mark.parametrize("containers, init, requests", [
    # regular containers are summed
    ([container("a", {"cpu": "1", "memory": "1Gi"}), container("b", {"cpu": "500m", "memory": "256Mi"})], (),
     {"cpu": "1500m", "memory": "1280Mi"}),
    # an init container runs alone: the Pod needs the larger of it and the sum
    ([container("a", {"cpu": "1"}), container("b", {"cpu": "1"})], [container("i", {"cpu": "3"})], {"cpu": "3"}),
    ([container("a", {"cpu": "1"}), container("b", {"cpu": "1"})], [container("i", {"cpu": "1500m"})], {"cpu": "2"}),
    # a sidecar runs beside the regular containers and beside every init container after it
    ([container("c", {"cpu": "1"})], [container("s", {"cpu": "1"}, sidecar=True), container("i", {"cpu": "2"})],
     {"cpu": "3"}),
    # ... but not beside one before it
    ([container("c", {"cpu": "1"})], [container("i", {"cpu": "2"}), container("s", {"cpu": "1"}, sidecar=True)],
     {"cpu": "2"}),
    # KubeVirt's guest-console-log sidecar beside compute
    ([container("compute", {"cpu": "100m", "memory": "1312Mi"})],
     [container("guest-console-log", {"cpu": "5m", "memory": "35M"}, sidecar=True)],
     {"cpu": "105m", "memory": "1410731712"}),  # 1312Mi + 35M, printed as Go prints the sum
    # a limit without a request is the request too (API defaulting)
    ([container("a", limits={"cpu": "2", "memory": "1Gi"}), container("b", {"cpu": "1"})], (),
     {"cpu": "3", "memory": "1Gi"}),
])
def test_requests_are_counted_as_the_scheduler_counts_them(containers, init, requests):
    assert pod_envelope(pod(containers, init))["requests"] == requests


def test_overhead_adds_to_requests_and_to_the_limits_the_pod_has():
    found = pod_envelope(pod([container("a", {"cpu": "1", "memory": "1Gi"}, {"memory": "2Gi"})],
                             overhead={"cpu": "250m", "memory": "120Mi"}))
    assert found["requests"] == {"cpu": "1250m", "memory": "1144Mi"}
    assert found["limits"] == {"memory": "2168Mi"}  # no CPU limit: none made by the overhead


def test_limits_follow_the_same_rules():
    found = pod_envelope(pod([container("c", {"cpu": "1"}, {"cpu": "1", "devices.kubevirt.io/kvm": "1"})],
                             [container("s", {"cpu": "1"}, {"cpu": "1"}, sidecar=True),
                              container("i", {"cpu": "4"}, {"cpu": "4"})]))
    assert found["limits"] == {"cpu": "5", "devices.kubevirt.io/kvm": "1"}


GUARANTEED = {"cpu": "2", "memory": "2Gi"}


@pytest.mark.parametrize("containers, init, qos, reason", [
    ([container("a")], (), "BestEffort", "no container requests or limits CPU or memory"),
    ([container("a", {"devices.kubevirt.io/kvm": "1"}, {"devices.kubevirt.io/kvm": "1"})], (), "BestEffort", None),
    ([container("a", limits=GUARANTEED)], (), "Guaranteed", None),
    ([container("a", GUARANTEED, GUARANTEED)], [container("s", {"cpu": "5m", "memory": "35M"}, sidecar=True)],
     "Burstable", "init container s has no cpu or memory limit"),
    ([container("a", GUARANTEED, GUARANTEED)],
     [container("s", {"cpu": "15m", "memory": "60M"}, {"cpu": "15m", "memory": "60M"}, sidecar=True)],
     "Guaranteed", None),
    ([container("a", {"cpu": "1", "memory": "2Gi"}, GUARANTEED)], (), "Burstable",
     "the Pod's requests differ from its limits (cpu: requests 1, limits 2)"),
    ([container("a", GUARANTEED, {"cpu": "2"})], (), "Burstable", "container a has no memory limit"),
])
def test_qos_class_as_the_kubelet_decides_it(containers, init, qos, reason):
    found = pod_envelope(pod(containers, init))
    assert found["qos"] == qos
    if reason:
        assert found["qos_reason"] == reason


def test_the_containers_are_listed_after_defaulting():
    found = pod_envelope(pod([container("a", limits={"cpu": "1"})], [container("s", sidecar=True)]))
    assert found["containers"] == [
        {"name": "s", "kind": "initContainers", "sidecar": True, "requests": {}, "limits": {}},
        {"name": "a", "kind": "containers", "sidecar": False, "requests": {"cpu": "1"}, "limits": {"cpu": "1"}}]


@pytest.mark.parametrize("bad, message", [
    ({"kind": "Pod"}, "pod.spec is required"),
    (pod([]), "pod.spec.containers: [] must hold at least one container"),
    (pod([dict(container("a"), restartPolicy="Always")]), "pod.spec.containers[0].restartPolicy: 'Always' is only"),
    (pod([container("a")], [dict(container("i"), restartPolicy="Never")]),
     "pod.spec.initContainers[0].restartPolicy: 'Never' must be Always"),
    (pod([container("a", {"cpu": "lots"})]), "pod.spec.containers[0].resources.requests.cpu: 'lots' is not a quantity"),
])
def test_bad_pods_name_the_field(bad, message):
    with pytest.raises(VmpodInputError) as err:
        pod_envelope(bad)
    assert str(err.value).startswith(message)


def test_the_example_launcher_pods():
    """The launcher Pods of the examples: the envelope holds the compute container and more (the
    guest console log sidecar at least), and the dedicated-CPU ones are Guaranteed."""
    vmis = []
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "vmis", "*.yaml"))):
        with open(path) as handle:
            vmis.extend(load_documents(handle.read(), path))
    for model in render_models(vmis):
        if not model["pod"]:
            continue
        found = pod_envelope(model["pod"])
        # device plugin resources come as limits only; the API server makes them requests too
        compute = dict(model["resources"]["limits"], **model["resources"]["requests"])
        assert set(found["requests"]) == set(compute), model["name"]
        for name, text in compute.items():
            more = parse_quantity(found["requests"][name]).cmp(parse_quantity(text))
            assert more >= 0 if name in ("cpu", "memory") else more == 0, (model["name"], name)
        sidecars = [c["name"] for c in model["pod"]["spec"].get("initContainers", ())]
        if "guest-console-log" in sidecars:
            assert parse_quantity(found["requests"]["memory"]).cmp(
                parse_quantity(compute["memory"])) > 0, model["name"]
        dedicated = "cpu" in model["resources"]["limits"] and \
            model["resources"]["requests"].get("cpu") == model["resources"]["limits"].get("cpu")
        if dedicated and model["resources"]["requests"].get("memory") == model["resources"]["limits"].get("memory"):
            assert found["qos"] == "Guaranteed", (model["name"], found["qos_reason"])
    assert envelope_filter([pod([container("a", GUARANTEED)])])[0]["qos"] == "Burstable"
