# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sidecars of network binding plugins in the launcher Pod. Facts from KubeVirt's
pkg/network/netbinding/netbinding.go (NetBindingPluginSidecarList, which virt-controller registers
as a sidecar creator in watch/application.go), pkg/virt-controller/services/template.go
(newSidecarContainerRenderer, the network-info volume) and pkg/network/vmispec/interface.go
(BindingPluginNetworkWithDeviceInfoExist), at d923fdb8."""

import json

import kubernetes_validate
import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.validation import resource_rule_errors
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_envelope, pod_envelope
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

PASST_IMAGE = "quay.io/kubevirt/network-passt-binding:v1.6.0"
CONFIG = {"network": {"binding": {
    "passt": {"sidecarImage": PASST_IMAGE, "networkAttachmentDefinition": "default/netbindingpasst"},
    "vdpa": {"downwardAPI": "device-info"},
    "mybind": {"sidecarImage": "quay.io/example/mybind:1", "downwardAPI": "device-info"},
    "aaa": {"sidecarImage": "quay.io/example/aaa:1"}}}}


def make_vmi(*bindings, annotations=None, non_root=True):
    interfaces = [{"name": "default", "binding": {"name": bindings[0]}}]
    networks = [{"name": "default", "pod": {}}]
    for index, binding in enumerate(bindings[1:]):
        interfaces.append({"name": "n%d" % index, "binding": {"name": binding}})
        networks.append({"name": "n%d" % index, "multus": {"networkName": "net%d" % index}})
    vmi = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
           "metadata": {"name": "testvmi", "namespace": "testns", "uid": "1234",
                        "annotations": annotations or {}},
           "spec": {"domain": {"devices": {"interfaces": interfaces},
                               "resources": {"requests": {"memory": "1Gi"}}},
                    "networks": networks}}
    if non_root:
        vmi["status"] = {"runtimeUser": 107}
    return vmi


def valid(pod):
    assert resource_rule_errors(pod) == []
    kubernetes_validate.validate(pod, "1.33.0", strict=True)
    return pod


def compute_args(pod):
    return pod["spec"]["containers"][0]["args"]


def test_a_binding_plugin_with_a_sidecar_image_gets_its_hook_sidecar():
    pod = valid(launcher_pod(make_vmi("passt"), CONFIG))
    compute, sidecar = pod["spec"]["containers"]
    args = compute_args(pod)
    assert args[args.index("--hook-sidecars") + 1] == "1"
    assert {"name": "hook-sidecar-sockets", "mountPath": "/var/run/kubevirt-hooks"} in compute["volumeMounts"]
    assert {"name": "hook-sidecar-sockets", "emptyDir": {}} in pod["spec"]["volumes"]
    assert sidecar["name"] == "hook-sidecar-0" and sidecar["image"] == PASST_IMAGE
    assert sidecar["imagePullPolicy"] == "IfNotPresent"  # the CR's, by default
    assert [item["name"] for item in sidecar["env"]][-2:] == ["CONTAINER_NAME", "NETWORK_BINDING_PLUGIN_NAME"]
    assert sidecar["env"][-1]["value"] == "passt"
    assert sidecar["volumeMounts"] == [{"name": "hook-sidecar-sockets", "mountPath": "/var/run/kubevirt-hooks",
                                        "subPath": "hook-sidecar-0"}]
    assert sidecar["securityContext"]["runAsNonRoot"] is True
    # the CR's pull policy, as for every image the CR names
    pulled = launcher_pod(make_vmi("passt"), dict(CONFIG, imagePullPolicy="Always"))
    assert pulled["spec"]["containers"][1]["imagePullPolicy"] == "Always"


def test_device_info_brings_the_network_info_volume_with_or_without_a_sidecar():
    network_info = {"name": "network-info-annotation", "mountPath": "/etc/podinfo"}
    pod = valid(launcher_pod(make_vmi("passt", "vdpa"), CONFIG))
    assert network_info in pod["spec"]["containers"][0]["volumeMounts"]
    [volume] = [v for v in pod["spec"]["volumes"] if v["name"] == "network-info-annotation"]
    assert volume["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"] == \
        "metadata.annotations['kubevirt.io/network-info']"
    assert [c["name"] for c in pod["spec"]["containers"]] == ["compute", "hook-sidecar-0"]
    mine = valid(launcher_pod(make_vmi("mybind", non_root=False), CONFIG))
    sidecar = mine["spec"]["containers"][1]
    assert sidecar["volumeMounts"][1] == network_info  # after its socket
    assert sidecar["securityContext"] == {"runAsUser": 0, "runAsNonRoot": False}
    assert network_info in mine["spec"]["containers"][0]["volumeMounts"]
    plain = launcher_pod(make_vmi("passt"), CONFIG)
    assert "network-info-annotation" not in [v["name"] for v in plain["spec"]["volumes"]]


def test_hooks_first_then_each_plugin_once_by_name():
    hooks = {"hooks.kubevirt.io/hookSidecars": json.dumps([{"image": "hook:1", "args": ["--version", "v1alpha2"]}])}
    vmi = make_vmi("passt", "mybind", "aaa", "passt", annotations=hooks)
    pod = valid(launcher_pod(vmi, CONFIG))
    images = [(c["name"], c["image"]) for c in pod["spec"]["containers"][1:]]
    assert images == [("hook-sidecar-0", "hook:1"), ("hook-sidecar-1", "quay.io/example/aaa:1"),
                      ("hook-sidecar-2", "quay.io/example/mybind:1"), ("hook-sidecar-3", PASST_IMAGE)]
    args = compute_args(pod)
    assert args[args.index("--hook-sidecars") + 1] == "4"
    assert "NETWORK_BINDING_PLUGIN_NAME" not in [e["name"] for e in pod["spec"]["containers"][1]["env"]]


def test_a_dedicated_cpu_pod_stays_guaranteed_and_the_envelope_counts_the_sidecar():
    vmi = make_vmi("passt")
    vmi["spec"]["domain"]["cpu"] = {"cores": 2, "dedicatedCpuPlacement": True}
    pod = valid(launcher_pod(vmi, CONFIG))
    sidecar = pod["spec"]["containers"][1]
    assert sidecar["resources"] == {"requests": {"cpu": "200m", "memory": "64M"},
                                    "limits": {"cpu": "200m", "memory": "64M"}}
    envelope = pod_envelope(pod)
    assert envelope["qos"] == "Guaranteed"
    # the envelope computed without rendering the Pod counts the sidecar too
    found = launcher_envelope(vmi, config=CONFIG)
    assert (found["requests"], found["limits"], found["qos"]) == (
        envelope["requests"], envelope["limits"], envelope["qos"])
    no_image = {"network": {"binding": {"passt": {}}}}  # the same plugin without a sidecar
    without = launcher_envelope(vmi, config=no_image)["requests"]
    assert parse_quantity(found["requests"]["cpu"]) - parse_quantity(without["cpu"]) == parse_quantity("200m")


def test_a_binding_the_cluster_does_not_have_and_a_bad_downward_api_are_errors():
    with pytest.raises(VmpodInputError, match="binding plugin the cluster does not have"):
        launcher_pod(make_vmi("other"), CONFIG)
    bad = {"network": {"binding": {"passt": {"sidecarImage": PASST_IMAGE, "downwardAPI": "everything"}}}}
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(make_vmi("passt"), bad)
    assert err.value.path == "config.network.binding.passt.downwardAPI"
