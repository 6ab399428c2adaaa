# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What virt-controller's own settings and two rarer switches add to the launcher Pod: its
``--image-pull-secret``, the CrossArchitectureVirtualization gate and the fail-fast annotation
(KubeVirt pkg/virt-controller/services/template.go renderLaunchManifest, at d923fdb8), and the
deprecated DockerSELinuxMCSWorkaround gate (alignPodMultiCategorySecurity)."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


def make_vmi(volumes=None, annotations=None):
    spec = {"domain": {"devices": {}, "resources": {"requests": {"memory": "1Gi"}}}}
    if volumes:
        spec["volumes"] = volumes
    metadata = {"name": "testvmi", "namespace": "testns", "uid": "1234"}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": metadata, "spec": spec}


def disk(secret):
    return {"name": "rootdisk", "containerDisk": {"image": "registry.example/os:1",
                                                  "imagePullSecret": secret}}


def test_the_controllers_pull_secret_comes_last_and_once():
    options = {"image_pull_secret": "controller-pull"}
    assert launcher_pod(make_vmi(), options=options)["spec"]["imagePullSecrets"] == [
        {"name": "controller-pull"}]
    pod = launcher_pod(make_vmi([disk("disk-pull")]), options=options)
    assert pod["spec"]["imagePullSecrets"] == [{"name": "disk-pull"}, {"name": "controller-pull"}]
    pod = launcher_pod(make_vmi([disk("controller-pull")]), options=options)
    assert pod["spec"]["imagePullSecrets"] == [{"name": "controller-pull"}]
    assert "imagePullSecrets" not in launcher_pod(make_vmi())["spec"]


def test_a_bad_pull_secret_option_names_the_field():
    with pytest.raises(VmpodInputError) as error:
        launcher_pod(make_vmi(), options={"image_pull_secret": "No Secret"})
    assert str(error.value).startswith("pod_options.image_pull_secret:")


def test_cross_architecture_virtualization_extends_the_command():
    config = {"developerConfiguration": {"featureGates": ["CrossArchitectureVirtualization"]}}
    compute = launcher_pod(make_vmi(), config)["spec"]["containers"][0]
    assert compute["command"] == ["/usr/bin/virt-launcher-monitor", "--allow-cross-arch-emulation"]
    assert "--allow-cross-arch-emulation" not in compute["args"]
    plain = launcher_pod(make_vmi())["spec"]["containers"][0]
    assert plain["command"] == ["/usr/bin/virt-launcher-monitor"]


def test_the_fail_fast_annotation_simulates_a_crash():
    annotations = {"kubevirt.io/func-test-virt-launcher-fail-fast": "",
                   "kubevirt.io/keep-launcher-alive-after-failure": "true"}
    args = launcher_pod(make_vmi(annotations=annotations))["spec"]["containers"][0]["args"]
    assert args[-2:] == ["--keep-after-failure", "--simulate-crash"]
    assert "--simulate-crash" not in launcher_pod(make_vmi())["spec"]["containers"][0]["args"]


def test_cross_architecture_virtualization_prefers_and_selects_the_vmis_architecture():
    config = {"developerConfiguration": {"featureGates": ["CrossArchitectureVirtualization"]}}
    vmi = make_vmi()
    vmi["spec"]["architecture"] = "arm64"
    vmi["spec"]["affinity"] = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 5, "preference": {"matchExpressions": [
            {"key": "zone", "operator": "In", "values": ["a"]}]}}]}}
    spec = launcher_pod(vmi, config)["spec"]
    assert spec["nodeSelector"]["kubevirt.io/vm-arch-arm64"] == "true"
    # WithoutNativeArchSelector: the VMI's own arch selector goes too, for the vm-arch label
    assert "kubernetes.io/arch" not in spec["nodeSelector"]
    vmi["spec"]["nodeSelector"] = {"kubernetes.io/arch": "arm64", "zone": "a"}
    selector = launcher_pod(vmi, config)["spec"]["nodeSelector"]
    assert "kubernetes.io/arch" not in selector and selector["zone"] == "a"
    assert launcher_pod(vmi)["spec"]["nodeSelector"]["kubernetes.io/arch"] == "arm64"
    preferred = spec["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert [term["weight"] for term in preferred] == [5, 100]
    assert preferred[1]["preference"] == {"matchExpressions": [
        {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}]}
    # without the gate, or without an architecture in the spec: neither
    plain = launcher_pod(vmi)["spec"]
    assert "kubevirt.io/vm-arch-arm64" not in plain["nodeSelector"]
    assert len(plain["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]) == 1
    unnamed = launcher_pod(make_vmi(), config)["spec"]
    assert not any(key.startswith("kubevirt.io/vm-arch-") for key in unnamed["nodeSelector"])
    assert "preferredDuringSchedulingIgnoredDuringExecution" not in unnamed["affinity"]["nodeAffinity"]


@pytest.mark.parametrize("custom, expected", [
    ({"localhostProfile": "kubevirt/kubevirt.json"},
     {"type": "Localhost", "localhostProfile": "kubevirt/kubevirt.json"}),
    ({"runtimeDefaultProfile": True}, {"type": "RuntimeDefault"}),
    ({"runtimeDefaultProfile": False}, None),
    ({}, None),
])
def test_the_clusters_seccomp_profile(custom, expected):
    config = {"seccompConfiguration": {"virtualMachineInstanceProfile": {"customProfile": custom}}}
    context = launcher_pod(make_vmi(), config)["spec"]["securityContext"]
    assert context.get("seccompProfile") == expected
    assert "seccompProfile" not in launcher_pod(make_vmi())["spec"]["securityContext"]


def test_the_clusters_selinux_launcher_type():
    config = {"selinuxLauncherType": "virt_launcher.process"}
    context = launcher_pod(make_vmi(), config)["spec"]["securityContext"]
    assert context["seLinuxOptions"] == {"type": "virt_launcher.process"}
    assert context["fsGroup"] == 107 and context["runAsUser"] == 0


def test_the_docker_selinux_mcs_workaround_levels_every_container_but_compute():
    # alignPodMultiCategorySecurity: Containers only (not init containers), compute untouched
    vmi = make_vmi([{"name": "rootdisk", "containerDisk": {"image": "registry.example/os:1"}}])
    vmi["spec"]["domain"]["devices"]["disks"] = [{"name": "rootdisk", "disk": {}}]
    config = {"developerConfiguration": {"featureGates": ["DockerSELinuxMCSWorkaround"],
                                         "disabledFeatureGates": ["ImageVolume"]}}
    for extra, level in (({}, {"level": "s0"}),
                         ({"selinuxLauncherType": "spc_t"}, {"type": "spc_t", "level": "s0"})):
        pod = launcher_pod(vmi, dict(config, **extra))
        compute, disk_container = pod["spec"]["containers"]
        assert disk_container["name"] == "volumerootdisk"
        assert disk_container["securityContext"]["seLinuxOptions"] == level
        assert disk_container["securityContext"]["runAsNonRoot"] is True
        assert "seLinuxOptions" not in compute["securityContext"]
        assert all("seLinuxOptions" not in item.get("securityContext", {})
                   for item in pod["spec"]["initContainers"])
    plain = launcher_pod(vmi, {"developerConfiguration": {"disabledFeatureGates": ["ImageVolume"]}})
    assert all("seLinuxOptions" not in item["securityContext"] for item in plain["spec"]["containers"])


@pytest.mark.parametrize("config, path", [
    ({"selinuxLauncherType": 5}, "config.selinuxLauncherType"),
    ({"seccompConfiguration": {"virtualMachineInstanceProfile": {"customProfile": {
        "runtimeDefaultProfile": "perhaps"}}}},
     "config.seccompConfiguration.virtualMachineInstanceProfile.customProfile.runtimeDefaultProfile"),
    ({"imagePullPolicy": "Sometimes"}, "config.imagePullPolicy"),  # validateConfig
    # both reach the domain XML, which cannot carry a control character
    ({"ovmfPath": "/usr/share/\x01OVMF"}, "config.ovmfPath"),
    ({"architectureConfiguration": {"arm64": {"ovmfPath": "/opt\x1b"}}},
     "config.architectureConfiguration.arm64.ovmfPath"),
    ({"architectureConfiguration": {"amd64": {"machineType": "q35\x00"}}},
     "config.architectureConfiguration.amd64.machineType"),
])
def test_bad_cluster_settings_name_the_field(config, path):
    with pytest.raises(VmpodInputError) as error:
        launcher_pod(make_vmi(), config)
    assert str(error.value).startswith(path + ":")


def argument(pod, flag):
    args = pod["spec"]["containers"][0]["args"]
    return args[args.index(flag) + 1]


def with_arch(arch):
    vmi = make_vmi()
    if arch:
        vmi["spec"]["architecture"] = arch
    return vmi


@pytest.mark.parametrize("arch, expected", [
    ("amd64", "/usr/share/edk2/ovmf"), ("arm64", "/usr/share/AAVMF"), ("s390x", ""),
    ("", "/usr/share/edk2/ovmf")])
def test_the_ovmf_path_is_the_clusters_for_the_architecture_the_spec_names(arch, expected):
    # GetOVMFPath(vmi.Spec.Architecture): the default case (amd64's) for a spec naming none,
    # whatever the cluster's own architecture
    assert argument(launcher_pod(with_arch(arch), arch="arm64"), "--ovmf-path") == expected


def test_the_ovmf_paths_and_disk_verification_limit_of_the_kubevirt_cr():
    config = {"architectureConfiguration": {"arm64": {"ovmfPath": "/opt/aavmf"}},
              "developerConfiguration": {"diskVerification": {"memoryLimit": "1G"}}}
    pod = launcher_pod(with_arch("arm64"), config)
    assert argument(pod, "--ovmf-path") == "/opt/aavmf"
    assert argument(pod, "--disk-memory-limit") == "1000000000"
    assert argument(launcher_pod(with_arch("amd64"), config), "--ovmf-path") == "/usr/share/edk2/ovmf"
    assert argument(launcher_pod(with_arch("amd64")), "--disk-memory-limit") == str(2000 * 1024 * 1024)
    old = dict(config, ovmfPath="/usr/share/OVMF")  # the old top-level field wins everywhere
    assert argument(launcher_pod(with_arch("arm64"), old), "--ovmf-path") == "/usr/share/OVMF"
    # the Pod option is the caller's own override
    assert argument(launcher_pod(with_arch("arm64"), old, options={"ovmf_path": "/x"}),
                    "--ovmf-path") == "/x"


@pytest.mark.parametrize("config, options, expected", [
    (None, None, "IfNotPresent"),  # virt-config DefaultImagePullPolicy
    ({"imagePullPolicy": "Always"}, None, "Always"),  # GetImagePullPolicy
    ({"imagePullPolicy": "Always"}, {"image_pull_policy": "Never"}, "Never"),  # the caller's override
])
def test_the_launcher_image_is_pulled_as_the_kubevirt_cr_says(config, options, expected):
    vmi = make_vmi([{"name": "share", "persistentVolumeClaim": {"claimName": "c"}},
                    {"name": "root", "containerDisk": {"image": "x:1"}}])
    vmi["spec"]["domain"]["devices"] = {"filesystems": [{"name": "share", "virtiofs": {}}],
                                        "disks": [{"name": "root", "disk": {}}]}
    for gates in ([], ["ImageVolume"]):
        cfg = dict(config or {}, developerConfiguration={"disabledFeatureGates": gates})
        spec = launcher_pod(vmi, cfg, options=options)["spec"]
        launcher = [c for c in spec["containers"] + spec["initContainers"]
                    if c["image"] == "quay.io/kubevirt/virt-launcher:v1.6.0"]
        names = {"compute", "guest-console-log", "virtiofs-share"}
        assert {c["name"] for c in launcher} == (names | {"container-disk-binary"} if gates else names)
        assert {c["imagePullPolicy"] for c in launcher} == {expected}
        volumes = [v["image"] for v in spec["volumes"] if "image" in v
                   and v["image"]["reference"].endswith("virt-launcher:v1.6.0")]
        assert [v["pullPolicy"] for v in volumes] == ([] if gates else [expected])


def test_the_plugins_gate_adds_the_plugin_socket_directory():
    # rendervolumes.go withPluginSocketVolume, after the hook sidecars' sockets
    vmi = make_vmi(annotations={"hooks.kubevirt.io/hookSidecars": '[{"image": "h:1"}]'})
    pod = launcher_pod(vmi, {"developerConfiguration": {"featureGates": ["Plugins"]}})
    names = [item["name"] for item in pod["spec"]["volumes"]]
    assert names.index("kubevirt-plugin-sockets") == names.index("hook-sidecar-sockets") + 1
    assert {"name": "kubevirt-plugin-sockets", "emptyDir": {}} in pod["spec"]["volumes"]
    mounts = pod["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "kubevirt-plugin-sockets", "mountPath": "/var/run/kubevirt-plugin"} in mounts
    plain = launcher_pod(vmi)
    assert "kubevirt-plugin-sockets" not in [item["name"] for item in plain["spec"]["volumes"]]


def virtual_machine(generation=None, run_strategy="Always", volumes=(), devices=None):
    metadata = {"name": "vm1", "namespace": "testns", "uid": "vm-uid-1"}
    if generation is not None:
        metadata["generation"] = generation
    template = {"metadata": {"annotations": {"team": "a"}}, "spec": {
        "domain": {"devices": devices or {}, "resources": {"requests": {"memory": "1Gi"}}},
        "volumes": list(volumes)}}
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": metadata,
            "spec": {"runStrategy": run_strategy, "template": template}}


@pytest.mark.parametrize("generation, run_strategy, expected", [
    (3, "Always", {"kubevirt.io/vm-generation": "3"}),
    (None, "Always", {"kubevirt.io/vm-generation": "1"}),  # the API server's first generation
    (7, "WaitAsReceiver", {"kubevirt.io/vm-generation": "7",
                           "kubevirt.io/create-migration-target": "true"}),
])
def test_a_virtual_machines_vmi_carries_what_the_vm_controller_gives_it(generation, run_strategy, expected):
    # watch/vm/vm.go startVMI: setGenerationAnnotationOnVmi, CreateMigrationTarget for a receiver;
    # filterVMIAnnotationsForPod keeps both on the Pod
    pod = launcher_pod(virtual_machine(generation, run_strategy))
    annotations = pod["metadata"]["annotations"]
    assert {key: annotations.get(key) for key in expected} == expected
    assert annotations["team"] == "a"
    if run_strategy == "Always":
        assert "kubevirt.io/create-migration-target" not in annotations
    # SetupVMIFromVM: the VMI is a new object with its own uid, not the VM's
    assert "vm-uid-1" not in repr(pod)
    assert "ownerReferences" not in pod["metadata"]
    assert argument(pod, "--uid") == pod["metadata"]["labels"]["kubevirt.io/created-by"]


def test_a_virtual_machines_volumes_without_a_disk_get_one():
    # util.SetDefaultVolumeDisk in SetupVMIFromVM: a configMap volume that no disk names is
    # still a disk of the VMI, so compute mounts it; a filesystem's volume is not
    volumes = [{"name": "cm", "configMap": {"name": "c1"}}, {"name": "fs", "configMap": {"name": "c2"}}]
    devices = {"filesystems": [{"name": "fs", "virtiofs": {}}]}
    mounts = [m["mountPath"] for m in
              launcher_pod(virtual_machine(volumes=volumes, devices=devices))["spec"]["containers"][0]["volumeMounts"]]
    assert "/var/run/kubevirt-private/config-map/cm" in mounts
    assert "/var/run/kubevirt-private/config-map/fs" not in mounts
    # a VMI as given has no such disk, unless apply_defaults (the webhook runs the same step)
    vmi = make_vmi(volumes)
    vmi["spec"]["domain"]["devices"] = devices
    plain = [m["mountPath"] for m in launcher_pod(vmi)["spec"]["containers"][0]["volumeMounts"]]
    assert "/var/run/kubevirt-private/config-map/cm" not in plain
    defaulted = [m["mountPath"] for m in
                 launcher_pod(vmi, apply_defaults=True)["spec"]["containers"][0]["volumeMounts"]]
    assert "/var/run/kubevirt-private/config-map/cm" in defaulted
    assert "/var/run/kubevirt-private/config-map/fs" not in defaulted


def test_a_bad_vm_generation_names_the_field():
    with pytest.raises(VmpodInputError) as error:
        launcher_pod(virtual_machine(generation="three"))
    assert error.value.path == "metadata.generation"
