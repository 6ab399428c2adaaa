# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``launcher_resources(..., apply_defaults=True)``: KubeVirt's VMI webhook defaulting first.

Only the effect on the compute container is tested, through the public API.  The defaulting facts
come from KubeVirt's ``pkg/defaults/defaults.go`` (SetDefaultVirtualMachineInstanceSpec:
setDefaultResourceRequests, setGuestMemory, SetDefaultGuestCPUTopology, SetDefaultNetworkInterface)
and ``pkg/network/vmispec/defaults.go``; each case names the function it exercises, and is paired
with the same VMI rendered without defaults so the difference is visible.  Expected numbers are
hand-computed from KubeVirt's overhead rules (``pkg/hypervisor/kvm``; arithmetic in the comments; ``FIXED`` =
240Mi, IOThreads 8Mi, video 32Mi, 8Mi per vCPU, ``PT(m)`` = floor(ceil(m/1000)*1000/512)).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from vmpod_examples import vmi_dict

KVM = "devices.kubevirt.io/kvm"
TUN = "devices.kubevirt.io/tun"
VHOST = "devices.kubevirt.io/vhost-net"


def vmi(domain=None, namespace="default", **spec):
    return vmi_dict(domain, namespace=namespace, **spec)


def exp(requests, limits, overhead):
    return {"requests": requests, "limits": limits, "memory_overhead": overhead, "claims": []}


def req(memory, cpu="100m", **extra):
    out = {"ephemeral-storage": "50M", "memory": memory}
    if cpu is not None:
        out["cpu"] = cpu
    out.update(extra)
    return out


def lim(vhost=True, tun=True, kvm=True, **extra):
    out = {}
    if kvm:
        out[KVM] = "1"
    if tun:
        out[TUN] = "1"
    if vhost:
        out[VHOST] = "1"
    out.update(extra)
    return out


def check(got, expected):
    assert got["requests"] == expected["requests"]
    assert got["limits"] == expected["limits"]
    assert got["memory_overhead"] == expected["memory_overhead"]
    assert [dict(c) for c in got["claims"]] == expected["claims"]


# (vmi, extra kwargs, expected with apply_defaults=True, expected with apply_defaults=False)
CASES = [
    # SetDefaultNetworkInterface: no interfaces and no networks -> a "default" bridge interface
    # on the pod network.  Its model is empty, i.e. virtio -> vhost-net.  sockets 1 -> 100m.
    # OH 240 + 8 + 8 + 32 = 288Mi.
    pytest.param(vmi({}), {},
                 exp(req("288Mi"), lim(), "288Mi"),
                 exp(req("288Mi"), lim(vhost=False), "288Mi"), id="default-interface-vhost-net"),
    # ... masquerade when the cluster's default network interface is masquerade: still virtio.
    pytest.param(vmi({}), {"config": {"network": {"defaultNetworkInterface": "masquerade"}}},
                 exp(req("288Mi"), lim(), "288Mi"),
                 exp(req("288Mi"), lim(vhost=False), "288Mi"), id="default-masquerade-interface"),
    # ... not when autoattachPodInterface is false: no interface, no tun, no vhost-net.
    pytest.param(vmi({"devices": {"autoattachPodInterface": False}}), {},
                 exp(req("288Mi"), lim(vhost=False, tun=False), "288Mi"),
                 exp(req("288Mi"), lim(vhost=False, tun=False), "288Mi"), id="no-pod-interface"),
    # ... not when networks are given (only when nothing is specified): tun stays (pod interface
    # not disabled), no vhost-net.
    pytest.param(vmi({}, networks=[{"name": "net1", "multus": {"networkName": "n"}}]), {},
                 exp(req("288Mi"), lim(vhost=False), "288Mi"),
                 exp(req("288Mi"), lim(vhost=False), "288Mi"), id="networks-without-interfaces"),
    # ... not when interfaces are given: an e1000 interface stays the only one -> no vhost-net.
    pytest.param(vmi({"devices": {"interfaces": [{"name": "default", "masquerade": {}, "model": "e1000"}]}},
                     networks=[{"name": "default", "pod": {}}]), {},
                 exp(req("288Mi"), lim(vhost=False), "288Mi"),
                 exp(req("288Mi"), lim(vhost=False), "288Mi"), id="user-interface-kept"),
    # With useEmulation the default interface gets no vhost-net and there is no kvm.
    pytest.param(vmi({}), {"config": {"developerConfiguration": {"useEmulation": True}}},
                 exp(req("288Mi"), lim(vhost=False, kvm=False), "288Mi"),
                 exp(req("288Mi"), lim(vhost=False, kvm=False), "288Mi"), id="default-interface-emulation"),
    # setDefaultResourceRequests: CPU request := CPU limit.  SetDefaultGuestCPUTopology: no topology
    # -> sockets = limit 2, cores = threads = 1.  Memory request 1Gi == limit 1Gi and now CPU
    # request 2 == limit 2 -> Guaranteed QoS -> +100Mi.
    #   with defaults:    OH = PT(1Gi) 2Mi + 240 + 2*8 + 8 + 32 + 100 = 398Mi = 417333248;
    #                     memory 1Gi + 398Mi = 1422Mi (request and limit); cpu 2 / 2.
    #   without defaults: CPU request 1/10 = 100m (calculated), limit 2; not Guaranteed;
    #                     OH = 2 + 240 + 16 + 8 + 32 = 298Mi = 312475648 -> 1Gi + 298Mi = 1322Mi.
    pytest.param(vmi({"resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "1Gi", "cpu": "2"}}}), {},
                 exp(req("1422Mi", cpu="2"), lim(cpu="2", memory="1422Mi"), "417333248"),
                 exp(req("1322Mi"), lim(vhost=False, cpu="2", memory="1322Mi"), "312475648"),
                 id="cpu-request-from-limit-guaranteed"),
    # SetDefaultGuestCPUTopology also fills an all-zero topology (cpu.model only): limit 4 ->
    # sockets 4, and the request defaults to the limit.
    #   with defaults:    OH = 240 + 4*8 + 8 + 32 = 312Mi; cpu request 4, limit 4.
    #   without defaults: domain.cpu has 0 vCPUs -> overhead counts 1 (288Mi) and no CPU request
    #                     is rendered at all; the user's limit 4 stays.
    pytest.param(vmi({"cpu": {"model": "host-passthrough"}, "resources": {"limits": {"cpu": "4"}}}), {},
                 exp(req("312Mi", cpu="4"), lim(cpu="4"), "312Mi"),
                 exp(req("288Mi", cpu=None), lim(vhost=False, cpu="4"), "288Mi"),
                 id="zero-topology-filled-from-limit"),
    # Fractional limit: request := 500m; sockets = ceil(0.5) = 1.
    #   with defaults: cpu request 500m, limit 500m.  without: request 100m, limit 500m.
    pytest.param(vmi({"resources": {"limits": {"cpu": "500m"}}}), {},
                 exp(req("288Mi", cpu="500m"), lim(cpu="500m"), "288Mi"),
                 exp(req("288Mi"), lim(vhost=False, cpu="500m"), "288Mi"), id="fractional-cpu-limit"),
    # Request only, 2500m: sockets = ceil(2.5) = 3 -> OH 240 + 24 + 8 + 32 = 304Mi; the user's
    # request wins over 3/10.  Without defaults the overhead also uses ceil(requests.cpu) = 3.
    pytest.param(vmi({"resources": {"requests": {"cpu": "2500m"}}}), {},
                 exp(req("304Mi", cpu="2500m"), lim(), "304Mi"),
                 exp(req("304Mi", cpu="2500m"), lim(vhost=False), "304Mi"), id="cpu-request-sockets"),
    # A partly given topology is left alone: cores 2 -> 2 vCPUs either way.  200m; OH 296Mi.
    pytest.param(vmi({"cpu": {"cores": 2}}), {},
                 exp(req("296Mi", cpu="200m"), lim(), "296Mi"),
                 exp(req("296Mi", cpu="200m"), lim(vhost=False), "296Mi"), id="partial-topology-kept"),
    # Dedicated CPUs with only a CPU limit: defaults give request 4 and sockets 4, so the pinning
    # rule sees 4 vCPUs: request = limit = 4.
    #   with defaults:    OH = 240 + 32 + 8 + 32 + 100 = 412Mi.
    #   without defaults: 0 vCPUs in domain.cpu -> limit 4 kept, no CPU request; OH 388Mi.
    pytest.param(vmi({"cpu": {"dedicatedCpuPlacement": True}, "resources": {"limits": {"cpu": "4"}}}), {},
                 exp(req("412Mi", cpu="4"), lim(cpu="4"), "412Mi"),
                 exp(req("388Mi", cpu=None), lim(vhost=False, cpu="4"), "388Mi"),
                 id="dedicated-topology-from-limit"),
    # setGuestMemory copies requests.memory into memory.guest: no visible change in the memory
    # numbers.  OH = 290Mi = 304087040; request 1Gi + 290Mi = 1314Mi.
    pytest.param(vmi({"resources": {"requests": {"memory": "1Gi"}}}), {},
                 exp(req("1314Mi"), lim(), "304087040"),
                 exp(req("1314Mi"), lim(vhost=False), "304087040"), id="guest-from-request"),
    # ... nor with hugepages: hugepages-2Mi = 1Gi, memory request = OH 304087040.
    pytest.param(vmi({"resources": {"requests": {"memory": "1Gi"}}, "memory": {"hugepages": {"pageSize": "2Mi"}}}),
                 {},
                 exp(req("304087040", **{"hugepages-2Mi": "1Gi"}), lim(**{"hugepages-2Mi": "1Gi"}), "304087040"),
                 exp(req("304087040", **{"hugepages-2Mi": "1Gi"}), lim(vhost=False, **{"hugepages-2Mi": "1Gi"}),
                     "304087040"), id="guest-from-request-hugepages"),
    # setDefaultResourceRequests: a cluster cpuRequest other than the default 100m becomes the
    # VMI's CPU request when it has none; as a user request it wins over 4/10 = 400m.
    # OH = 240 + 4*8 + 8 + 32 = 312Mi.
    pytest.param(vmi({"cpu": {"cores": 4}}), {"config": {"cpuRequest": "250m"}},
                 exp(req("312Mi", cpu="250m"), lim(), "312Mi"),
                 exp(req("312Mi", cpu="400m"), lim(vhost=False), "312Mi"), id="cluster-cpu-request"),
    # ... a cluster cpuRequest equal to the default (100m == 0.1) is not copied: 400m.
    pytest.param(vmi({"cpu": {"cores": 4}}), {"config": {"cpuRequest": "0.1"}},
                 exp(req("312Mi", cpu="400m"), lim(), "312Mi"),
                 exp(req("312Mi", cpu="400m"), lim(vhost=False), "312Mi"), id="cluster-cpu-request-default"),
    # ... nor for a dedicated-CPU VMI: cores 2 -> 2 / 2.  OH = 240 + 16 + 8 + 32 + 100 = 396Mi.
    pytest.param(vmi({"cpu": {"cores": 2, "dedicatedCpuPlacement": True}}), {"config": {"cpuRequest": "250m"}},
                 exp(req("396Mi", cpu="2"), lim(cpu="2"), "396Mi"),
                 exp(req("396Mi", cpu="2"), lim(vhost=False, cpu="2"), "396Mi"), id="cluster-cpu-request-dedicated"),
    # ... nor when the VMI has a CPU request: 1 stays.  OH (defaults: sockets 1) 288Mi.
    pytest.param(vmi({"resources": {"requests": {"cpu": "1"}}}), {"config": {"cpuRequest": "250m"}},
                 exp(req("288Mi", cpu="1"), lim(), "288Mi"),
                 exp(req("288Mi", cpu="1"), lim(vhost=False), "288Mi"), id="cluster-cpu-request-user-wins"),
    # arm64 defaults (CPU model, EFI bootloader) do not change resources: OH 288 + 128 = 416Mi.
    pytest.param(vmi({}), {"arch": "arm64"},
                 exp(req("416Mi"), lim(), "416Mi"),
                 exp(req("416Mi"), lim(vhost=False), "416Mi"), id="arm64"),
]


@pytest.mark.parametrize("the_vmi, kwargs, with_defaults, without_defaults", CASES)
def test_apply_defaults(the_vmi, kwargs, with_defaults, without_defaults):
    before = copy.deepcopy(the_vmi)
    check(launcher_resources(the_vmi, apply_defaults=True, **kwargs), with_defaults)
    assert the_vmi == before, "apply_defaults must work on a copy"
    check(launcher_resources(the_vmi, apply_defaults=False, **kwargs), without_defaults)
    assert the_vmi == before


def test_default_is_no_defaulting():
    got = launcher_resources(vmi({}))
    assert VHOST not in got["limits"]


def test_apply_defaults_on_virtual_machine():
    # The VM's template is defaulted the same way: same as "cpu-request-from-limit-guaranteed".
    vm = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
          "metadata": {"name": "vm", "namespace": "default"},
          "spec": {"runStrategy": "Always", "template": {"metadata": {}, "spec": {"domain": {
              "resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "1Gi", "cpu": "2"}}}}}}}
    before = copy.deepcopy(vm)
    got = launcher_resources(vm, apply_defaults=True)
    check(got, exp(req("1422Mi", cpu="2"), lim(cpu="2", memory="1422Mi"), "417333248"))
    assert vm == before


def test_apply_defaults_still_validates():
    with pytest.raises(VmpodInputError) as err:
        launcher_resources(vmi({"resources": {"limits": {"cpu": "12Qi"}}}), apply_defaults=True)
    assert "spec.domain.resources.limits.cpu" in str(err.value)
    assert "'12Qi'" in str(err.value)


@pytest.mark.parametrize("spec, path, message", [
    ({"volumes": [{"name": "d", "containerDisk": True}]}, "spec.volumes[0].containerDisk", "must be a mapping"),
    ({"volumes": [{"name": "d", "containerDisk": {"image": 5}}]}, "spec.volumes[0].containerDisk.image",
     "must be a string"),
    ({"readinessProbe": {"periodSeconds": "x", "exec": {"command": ["true"]}}},
     "spec.readinessProbe.periodSeconds", "must be an integer"),
])
def test_apply_defaults_reads_what_it_defaults_first(spec, path, message):
    # the pull-policy and probe defaults read the volumes and probes: bad ones are the reader's
    # input errors, for the resources as for the Pod (found by the hostile-input fuzz test)
    the_vmi = vmi({})
    the_vmi["spec"].update(copy.deepcopy(spec))
    for call in (launcher_pod, launcher_resources):
        with pytest.raises(VmpodInputError, match="^%s: .* %s" % (re.escape(path), message)):
            call(the_vmi, apply_defaults=True)


def test_apply_defaults_leaves_a_volume_without_a_name_to_the_reader():
    # the webhook's default disk is named for its volume: a nameless volume is an input error
    # naming the field, with defaults as without them (found by the hostile-input fuzz test)
    the_vmi = vmi({})
    the_vmi["spec"]["volumes"] = [{"containerDisk": {"image": "quay.io/containerdisks/fedora:41"}}]
    for defaults in (False, True):
        with pytest.raises(VmpodInputError, match=r"^spec\.volumes\[0\]\.name: '' is required"):
            launcher_pod(the_vmi, apply_defaults=defaults)


@pytest.mark.parametrize("image, policy, expected", [
    # defaults.go setDefaultPullPoliciesOnContainerDisks
    ("quay.io/containerdisks/fedora:latest", None, "Always"),
    ("quay.io/containerdisks/fedora", None, "Always"),
    ("quay.io/containerdisks/fedora:41", None, "IfNotPresent"),
    ("quay.io/containerdisks/fedora@sha256:" + "0" * 64, None, "IfNotPresent"),
    ("registry.local:5000/fedora", None, "IfNotPresent"),  # a colon anywhere counts, as in Go
    ("quay.io/containerdisks/fedora:latest", "Never", "Never"),  # the VMI's own wins
])
def test_apply_defaults_gives_container_disks_a_pull_policy(image, policy, expected):
    disk = {"image": image}
    if policy:
        disk["imagePullPolicy"] = policy
    obj = vmi({"devices": {"disks": [{"name": "root", "disk": {}}]},
               "resources": {"requests": {"memory": "1Gi"}}},
              volumes=[{"name": "root", "containerDisk": disk}])
    before = copy.deepcopy(obj)
    for config in (None, {"developerConfiguration": {"disabledFeatureGates": ["ImageVolume"]}}):
        pod = launcher_pod(obj, config, apply_defaults=True)["spec"]
        pulled = [volume["image"]["pullPolicy"] for volume in pod["volumes"]
                  if volume["name"] == "root"] if config is None else [
            container["imagePullPolicy"] for container in pod["containers"] + pod["initContainers"]
            if container["name"] in ("volumeroot", "volumeroot-init")]
        assert pulled and set(pulled) == {expected}
    # without defaults, the object as given: no policy where it names none
    [image_volume] = [volume["image"] for volume in launcher_pod(obj)["spec"]["volumes"]
                      if volume["name"] == "root"]
    assert image_volume.get("pullPolicy") == policy
    assert obj == before


def test_apply_defaults_fills_in_the_probes():
    # api/core/v1/defaults.go SetDefaults_Probe: timeout 1, period 10, success 1, failure 3 for
    # each below 1; what is set stays
    from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.defaults import apply_vmi_defaults
    obj = vmi({"resources": {"requests": {"memory": "1Gi"}}},
              readinessProbe={"httpGet": {"port": 80}, "periodSeconds": 0},
              livenessProbe={"tcpSocket": {"port": 22}, "failureThreshold": 5, "timeoutSeconds": 4})
    spec = apply_vmi_defaults(obj)["spec"]
    assert {key: spec["readinessProbe"][key] for key in (
        "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold")} == {
        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert spec["livenessProbe"]["failureThreshold"] == 5 and spec["livenessProbe"]["timeoutSeconds"] == 4
    assert "timeoutSeconds" not in obj["spec"]["readinessProbe"]


def test_apply_defaults_defaults_negative_probe_timings_the_reader_refuses_without():
    # SetDefaults_Probe turns a timing below 1 into its default, so virt-api takes a negative
    # one (the Pod would refuse it); without defaults the reader names it. Rendered the same
    # by KubeVirt's webhook and RenderLaunchManifest.
    obj = vmi({"resources": {"requests": {"memory": "1Gi"}}},
              readinessProbe={"httpGet": {"port": 80}, "periodSeconds": -5, "timeoutSeconds": -1})
    probe = launcher_pod(obj, apply_defaults=True)["spec"]["containers"][0]["readinessProbe"]
    assert (probe["periodSeconds"], probe["timeoutSeconds"]) == (10, 1)
    with pytest.raises(VmpodInputError, match=r"^spec\.readinessProbe\.timeoutSeconds: -1 must be at least 0"):
        launcher_pod(obj)
    assert obj["spec"]["readinessProbe"]["periodSeconds"] == -5


def _defaulted(domain, config=None, **spec):
    from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.defaults import apply_vmi_defaults
    body = {"resources": {"requests": {"memory": "1Gi"}}}
    body.update(domain)
    return apply_vmi_defaults(vmi(body, **spec), config)


def test_apply_defaults_turns_on_the_features_that_say_nothing():
    # SetDefaults_FeatureState and kin (zz_generated.defaults.go): ACPI always; what is there and
    # says nothing is on; spinlocks retry 4096 times; an explicit false stays
    domain = _defaulted({"features": {"smm": {}, "hyperv": {
        "relaxed": {}, "vapic": {"enabled": False}, "spinlocks": {}, "synictimer": {"direct": {}},
        "tlbflush": {"extended": {}}}}, "clock": {"timer": {"hpet": {}, "rtc": {"enabled": False}}}})["spec"]["domain"]
    features = domain["features"]
    assert features["acpi"] == {"enabled": True} and features["smm"] == {"enabled": True}
    hyperv = features["hyperv"]
    assert hyperv["relaxed"] == {"enabled": True} and hyperv["vapic"] == {"enabled": False}
    assert hyperv["spinlocks"] == {"enabled": True, "spinlocks": 4096}
    assert hyperv["synictimer"] == {"enabled": True, "direct": {"enabled": True}}
    assert hyperv["tlbflush"] == {"enabled": True, "extended": {"enabled": True}}
    assert domain["clock"]["timer"] == {"hpet": {"enabled": True}, "rtc": {"enabled": False}}


@pytest.mark.parametrize("hyperv, expected, vmx", [
    # pkg/defaults/hyperv.go getHypervFeatureDependencies: synictimer -> synic -> vpindex,
    # ipi and tlbflush -> vpindex, evmcs -> vapic and the vmx CPU feature
    ({"synictimer": {}}, {"synictimer", "synic", "vpindex"}, False),
    ({"ipi": {}, "tlbflush": {}}, {"ipi", "tlbflush", "vpindex"}, False),
    ({"evmcs": {}}, {"evmcs", "vapic"}, True),
    ({"evmcs": {"enabled": False}}, set(), False),
    # a requirement turned off stops the rest (the validating webhook refuses that VMI)
    ({"evmcs": {}, "vapic": {"enabled": False}, "ipi": {}}, {"evmcs", "ipi"}, False),  # no vpindex
])
def test_apply_defaults_turns_on_what_a_hyperv_feature_needs(hyperv, expected, vmx):
    domain = _defaulted({"features": {"hyperv": hyperv},
                         "cpu": {"features": [{"name": "vmx", "policy": "forbid"}]}})["spec"]["domain"]
    enabled = {key for key, value in domain["features"]["hyperv"].items() if value.get("enabled")}
    assert enabled == expected
    assert ({"name": "vmx", "policy": "require"} in domain["cpu"]["features"]) is vmx
    assert len([item for item in domain["cpu"]["features"] if item["name"] == "vmx"]) == 1


def test_apply_defaults_gives_a_tdx_guest_the_quote_generation_socket():
    # ApplyNewVMIMutations: GetQGSSocketPath, virt-config's DefaultQGSSocketPath unless the CR
    # names another (or none)
    tdx = {"launchSecurity": {"tdx": {}}, "firmware": {"bootloader": {"efi": {"secureBoot": False}}}}
    key = "kubevirt.io/qgs-socket-path"
    assert _defaulted(tdx)["metadata"]["annotations"][key] == "/var/run/tdx-qgs/qgs.socket"
    own = {"confidentialCompute": {"tdx": {"attestation": {"qgsSocketPath": "/run/qgs.sock"}}}}
    assert _defaulted(tdx, own)["metadata"]["annotations"][key] == "/run/qgs.sock"
    none = {"confidentialCompute": {"tdx": {"attestation": {"qgsSocketPath": ""}}}}
    assert key not in _defaulted(tdx, none)["metadata"]["annotations"]
    assert key not in _defaulted({})["metadata"]["annotations"]
    with pytest.raises(VmpodInputError) as err:
        _defaulted(tdx, {"confidentialCompute": {"tdx": {"attestation": {"qgsSocketPath": 5}}}})
    assert err.value.path == "config.confidentialCompute.tdx.attestation.qgsSocketPath"
