# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole launcher Pod beside ``compute``: sidecars, container disks, volumes, probes and the
envelope kube-scheduler counts. Facts from KubeVirt's pkg/virt-controller/services
(template_test.go, rendervolumes_test.go, container_disk_test.go, serialconsolelog.go,
virtiofs.go) and pkg/container-disk (at d923fdb8)."""

import kubernetes_validate
import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.validation import resource_rule_errors
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources, pod_envelope
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

NO_IMAGE_VOLUME = {"developerConfiguration": {"disabledFeatureGates": ["ImageVolume"]}}


def make_vmi(devices=None, volumes=None, **spec):
    body = {"domain": {"devices": devices or {}, "resources": {"requests": {"memory": "1Gi"}}}}
    if volumes is not None:
        body["volumes"] = volumes
    body.update(spec)
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "testvmi", "namespace": "testns", "uid": "1234"},
            "spec": body}


def dedicated(vmi):
    vmi["spec"]["domain"]["cpu"] = {"cores": 2, "dedicatedCpuPlacement": True}
    return vmi


def by_name(items):
    return {item["name"]: item for item in items}


def valid(pod):
    assert resource_rule_errors(pod) == []
    kubernetes_validate.validate(pod, "1.33.0", strict=True)
    return pod


CONTAINER_DISK = [{"name": "rootdisk", "containerDisk": {"image": "quay.io/containerdisks/fedora:41"}}]
DISKS = {"disks": [{"name": "rootdisk", "disk": {"bus": "virtio"}}]}


# -- the guest console log sidecar ---------------------------------------------------------------

def test_the_guest_console_log_sidecar_by_default():
    pod = valid(launcher_pod(make_vmi()))
    [console] = pod["spec"]["initContainers"]
    assert console["name"] == "guest-console-log"
    assert console["restartPolicy"] == "Always"
    assert console["command"] == ["/usr/bin/virt-tail"]
    assert console["args"] == ["--logfile", "/var/run/kubevirt-private/1234/virt-serial0-log"]
    assert console["resources"] == {"requests": {"cpu": "5m", "memory": "35M"},
                                    "limits": {"cpu": "15m", "memory": "60M"}}
    assert console["volumeMounts"] == [{"name": "private", "mountPath": "/var/run/kubevirt-private",
                                        "readOnly": True}]
    assert console["env"] == [{"name": "VIRT_LAUNCHER_LOG_VERBOSITY", "value": "2"}]


@pytest.mark.parametrize("autoattach, log, expected", [
    # template_test.go "check for guest-console-log container"
    (True, True, True), (True, False, False), (False, True, False), (False, False, False),
])
def test_guest_console_log_follows_the_serial_console(autoattach, log, expected):
    vmi = make_vmi({"autoattachSerialConsole": autoattach, "logSerialConsole": log})
    names = [c["name"] for c in launcher_pod(vmi)["spec"].get("initContainers", ())]
    assert ("guest-console-log" in names) is expected


def test_the_cluster_can_turn_the_console_log_off_and_resize_it():
    off = {"virtualMachineOptions": {"disableSerialConsoleLog": {}}}
    assert "initContainers" not in launcher_pod(make_vmi(), config=off)["spec"]
    sized = {"supportContainerResources": [{"type": "guest-console-log", "resources": {
        "requests": {"cpu": "7m"}, "limits": {"memory": "80M"}}}]}
    [console] = launcher_pod(make_vmi(), config=sized)["spec"]["initContainers"]
    assert console["resources"] == {"requests": {"cpu": "7m", "memory": "35M"},
                                    "limits": {"cpu": "15m", "memory": "80M"}}
    # GetSupportContainerLimit: of two entries of one type, the first non-zero value wins
    twice = {"supportContainerResources": sized["supportContainerResources"] + [
        {"type": "guest-console-log", "resources": {"requests": {"cpu": "9m", "memory": "0"},
                                                    "limits": {"cpu": "20m", "memory": "90M"}}}]}
    [console] = launcher_pod(make_vmi(), config=twice)["spec"]["initContainers"]
    assert console["resources"] == {"requests": {"cpu": "7m", "memory": "35M"},
                                    "limits": {"cpu": "20m", "memory": "80M"}}


def test_a_dedicated_cpu_pod_is_guaranteed_through_every_container():
    # the issue's point: one sidecar off by a millicore and the kubelet hands out shared CPUs
    vmi = dedicated(make_vmi(DISKS, CONTAINER_DISK))
    for config in (None, NO_IMAGE_VOLUME):
        pod = valid(launcher_pod(vmi, config=config))
        for container in pod["spec"]["containers"] + pod["spec"]["initContainers"]:
            requests, limits = container["resources"]["requests"], container["resources"]["limits"]
            assert requests["cpu"] == limits["cpu"] and requests["memory"] == limits["memory"], \
                container["name"]
        assert pod_envelope(pod)["qos"] == "Guaranteed"
    console = pod["spec"]["initContainers"][0]
    assert console["resources"]["requests"] == {"cpu": "15m", "memory": "60M"}


# -- container disks ------------------------------------------------------------------------------

def test_container_disks_as_image_volumes_by_default():
    # ImageVolume is a Beta gate: on unless disabled (rendervolumes.go withImageVolumes)
    pod = valid(launcher_pod(make_vmi(DISKS, CONTAINER_DISK), options={"image": "launcher:v1"}))
    volumes = by_name(pod["spec"]["volumes"])
    assert volumes["rootdisk"] == {"name": "rootdisk",
                                   "image": {"reference": "quay.io/containerdisks/fedora:41"}}
    assert volumes["launcher-volume"]["image"] == {"reference": "launcher:v1",
                                                   "pullPolicy": "IfNotPresent"}
    assert "container-disks" not in volumes
    compute = pod["spec"]["containers"][0]
    assert {"name": "rootdisk", "mountPath": "/var/run/kubevirt-image-volume/disk_0",
            "readOnly": True} in compute["volumeMounts"]
    assert "--image-volume" in compute["args"]
    init = by_name(pod["spec"]["initContainers"])["volumerootdisk"]
    assert init["command"] == ["/container-disk-binary/usr/bin/container-disk"]
    assert init["args"] == ["--no-op"]
    assert init["resources"] == {"requests": {"cpu": "1m", "ephemeral-storage": "50M",
                                              "memory": "1M"},
                                 "limits": {"cpu": "10m", "memory": "40M"}}
    assert len(pod["spec"]["containers"]) == 1


def test_container_disks_as_containers_without_image_volumes():
    # template_test.go / container_disk_test.go: the volume<name> container after compute, the
    # container-disk-binary and volume<name>-init init containers
    vmi = make_vmi(DISKS, [{"name": "ephemeral", "emptyDisk": {"capacity": "1Gi"}}] + [
        dict(CONTAINER_DISK[0], containerDisk={"image": "test:latest", "imagePullPolicy": "Never",
                                               "imagePullSecret": "pull"})])
    pod = valid(launcher_pod(vmi, config=NO_IMAGE_VOLUME))
    compute, disk = pod["spec"]["containers"]
    assert disk["name"] == "volumerootdisk" and disk["imagePullPolicy"] == "Never"
    # under virt-controller's container-disk directory (watch/application.go), not the
    # package default the Go unit tests see
    assert disk["args"] == ["--copy-path", "/var/run/kubevirt-ephemeral-disks/container-disk-data/1234/disk_1"]
    assert disk["volumeMounts"] == [
        {"name": "container-disks", "mountPath": "/var/run/kubevirt-ephemeral-disks/container-disk-data/1234"},
        {"name": "virt-bin-share-dir", "mountPath": "/usr/bin"}]
    names = [c["name"] for c in pod["spec"]["initContainers"]]
    assert names == ["guest-console-log", "container-disk-binary", "volumerootdisk-init"]
    binary = pod["spec"]["initContainers"][1]
    assert binary["resources"] == {"requests": {"cpu": "10m", "memory": "1M"},
                                   "limits": {"cpu": "100m", "memory": "40M"}}
    assert {"name": "container-disks", "mountPath": "/var/run/kubevirt/container-disks",
            "mountPropagation": "HostToContainer"} in compute["volumeMounts"]
    assert pod["spec"]["imagePullSecrets"] == [{"name": "pull"}]
    assert "--image-volume" not in compute["args"]


def test_the_envelope_counts_the_disk_containers():
    vmi = make_vmi(DISKS, CONTAINER_DISK)
    pod = launcher_pod(vmi, config=NO_IMAGE_VOLUME)
    compute = launcher_resources(vmi, config=NO_IMAGE_VOLUME)["requests"]
    found = pod_envelope(pod)["requests"]
    # regular containers summed: compute + volumerootdisk (1m, 1M); the console sidecar beside them
    cpu = parse_quantity(compute["cpu"]) + parse_quantity("1m") + parse_quantity("5m")
    memory = parse_quantity(compute["memory"]) + parse_quantity("1M") + parse_quantity("35M")
    assert parse_quantity(found["cpu"]).cmp(cpu) == 0
    assert parse_quantity(found["memory"]).cmp(memory) == 0


# -- the kernel-boot container (pkg/container-disk, template.go, rendervolumes.go) -------------------

KERNEL_BOOT = {"bootloader": {"efi": {"secureBoot": False}}, "kernelBoot": {
    "kernelArgs": "console=ttyS0", "container": {
        "image": "quay.io/kubevirt/alpine-ext-kernel-boot-demo:v1", "imagePullSecret": "kernels",
        "imagePullPolicy": "Always", "kernelPath": "/boot/vmlinuz", "initrdPath": "/boot/initrd"}}}


def kernel_boot_vmi(volumes=None):
    vmi = make_vmi(DISKS if volumes else {}, volumes)
    vmi["spec"]["domain"]["firmware"] = KERNEL_BOOT
    return vmi


def test_a_kernel_boot_container_is_one_more_container_disk():
    # GenerateKernelBootContainer / GenerateKernelBootInitContainer: the containerDisk
    # kernel-boot-volume (path /), copied to <mount dir>/kernel-boot, after the VMI's own disks
    pod = valid(launcher_pod(kernel_boot_vmi(CONTAINER_DISK), config=NO_IMAGE_VOLUME))
    containers = by_name(pod["spec"]["containers"])
    kernel = containers["volumekernel-boot-volume"]
    assert [c["name"] for c in pod["spec"]["containers"]] == [
        "compute", "volumerootdisk", "volumekernel-boot-volume"]
    assert kernel["image"] == "quay.io/kubevirt/alpine-ext-kernel-boot-demo:v1"
    assert kernel["imagePullPolicy"] == "Always"
    assert kernel["args"] == ["--copy-path", "/var/run/kubevirt-ephemeral-disks/container-disk-data/1234/kernel-boot"]
    assert kernel["volumeMounts"] == containers["volumerootdisk"]["volumeMounts"]
    assert [c["name"] for c in pod["spec"]["initContainers"]] == [
        "guest-console-log", "container-disk-binary", "volumerootdisk-init",
        "volumekernel-boot-volume-init"]
    assert by_name(pod["spec"]["initContainers"])["volumekernel-boot-volume-init"]["args"] == ["--no-op"]
    # template.go: the kernel-boot container's pull secret after the disks' (here none)
    assert pod["spec"]["imagePullSecrets"] == [{"name": "kernels"}]
    # without any containerDisk, the kernel alone still brings the binary copy
    alone = valid(launcher_pod(kernel_boot_vmi(), config=NO_IMAGE_VOLUME))
    assert [c["name"] for c in alone["spec"]["initContainers"]] == [
        "guest-console-log", "container-disk-binary", "volumekernel-boot-volume-init"]
    assert "container-disks" in by_name(alone["spec"]["volumes"])


def test_a_kernel_boot_image_volume_under_the_image_volume_gate():
    # withImageVolumes: the kernel-boot image volume mounted read-only at
    # /var/run/kubevirt-kernel-boot (util.VirtKernelBootVolumeDir), the launcher volume for its
    # digest init container, even without any containerDisk
    pod = valid(launcher_pod(kernel_boot_vmi(), options={"image": "launcher:v1"}))
    volumes = by_name(pod["spec"]["volumes"])
    assert volumes["kernel-boot-volume"] == {"name": "kernel-boot-volume", "image": {
        "reference": "quay.io/kubevirt/alpine-ext-kernel-boot-demo:v1", "pullPolicy": "Always"}}
    assert "launcher-volume" in volumes
    compute = pod["spec"]["containers"][0]
    assert {"name": "kernel-boot-volume", "mountPath": "/var/run/kubevirt-kernel-boot",
            "readOnly": True} in compute["volumeMounts"]
    init = by_name(pod["spec"]["initContainers"])["volumekernel-boot-volume"]
    assert init["args"] == ["--no-op"] and init["image"] == KERNEL_BOOT["kernelBoot"]["container"]["image"]
    assert len(pod["spec"]["containers"]) == 1


@pytest.mark.parametrize("config", [None, NO_IMAGE_VOLUME])
def test_the_envelope_counts_the_kernel_boot_container(config):
    from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_envelope
    for vmi in (kernel_boot_vmi(), kernel_boot_vmi(CONTAINER_DISK), dedicated(kernel_boot_vmi())):
        found = launcher_envelope(vmi, config=config)
        rendered = pod_envelope(launcher_pod(vmi, config=config))
        assert (found["requests"], found["limits"], found["qos"]) == (
            rendered["requests"], rendered["limits"], rendered["qos"])
    plain = make_vmi()
    assert launcher_envelope(kernel_boot_vmi(), config=NO_IMAGE_VOLUME)["requests"] != \
        launcher_envelope(plain, config=NO_IMAGE_VOLUME)["requests"]


@pytest.mark.parametrize("container, path", [
    ({"kernelPath": "/boot/vmlinuz"}, "spec.domain.firmware.kernelBoot.container.image"),
    ({"image": "k:1", "imagePullPolicy": "Sometimes"},
     "spec.domain.firmware.kernelBoot.container.imagePullPolicy"),
    ({"image": "k:1", "imagePullSecret": "Not_A_Name"},
     "spec.domain.firmware.kernelBoot.container.imagePullSecret"),
])
def test_a_bad_kernel_boot_container_names_the_field(container, path):
    vmi = make_vmi()
    vmi["spec"]["domain"]["firmware"] = {"kernelBoot": {"container": container}}
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(vmi)
    assert err.value.path == path


# -- volumes and mounts ---------------------------------------------------------------------------

def test_the_runtime_volumes_and_mounts():
    pod = valid(launcher_pod(make_vmi()))
    names = [volume["name"] for volume in pod["spec"]["volumes"]]
    assert names == ["private", "public", "sockets", "virt-bin-share-dir", "libvirt-runtime",
                     "ephemeral-disks", "hotplug-disks"]
    mounts = pod["spec"]["containers"][0]["volumeMounts"]
    assert [m["mountPath"] for m in mounts] == [
        "/var/run/kubevirt-private", "/var/run/kubevirt", "/var/run/kubevirt-ephemeral-disks",
        "/var/run/libvirt", "/var/run/kubevirt/sockets", "/var/run/kubevirt/hotplug-disks"]
    hotplug_off = launcher_pod(make_vmi({"disableHotplug": True}))
    assert "hotplug-disks" not in by_name(hotplug_off["spec"]["volumes"])


def test_a_volume_the_status_shows_hotplugged_is_left_to_its_own_pod():
    # rendervolumes.go hotplugVolumes: a hotplugVolume in status.volumeStatus, whatever the
    # spec's flag says (a VMI read back from a cluster)
    volumes = [{"name": "boot", "persistentVolumeClaim": {"claimName": "claim-boot"}},
               {"name": "added", "dataVolume": {"name": "dv-added"}}]
    vmi = make_vmi({}, volumes)
    vmi["status"] = {"volumeStatus": [
        {"name": "boot", "target": "vda"},
        {"name": "added", "target": "sda", "phase": "Ready",
         "hotplugVolume": {"attachPodName": "hp-volume-abcde"}}]}
    pod = valid(launcher_pod(vmi))
    found = by_name(pod["spec"]["volumes"])
    assert found["boot"]["persistentVolumeClaim"] == {"claimName": "claim-boot"}
    assert "added" not in found
    mounts = [m["name"] for m in pod["spec"]["containers"][0]["volumeMounts"]]
    assert "boot" in mounts and "added" not in mounts
    del vmi["status"]
    assert "added" in by_name(launcher_pod(vmi)["spec"]["volumes"])


@pytest.mark.parametrize("kind", ["cloudInitNoCloud", "cloudInitConfigDrive"])
def test_cloud_init_secrets_by_the_apis_field_names(kind):
    # rendervolumes.go handleCloudInitNoCloud / handleCloudInitConfigDrive; schema.go names the
    # user-data Secret secretRef (UserDataSecretRef) and the network-data one networkDataSecretRef
    source = {"secretRef": {"name": "ud"}, "networkDataSecretRef": {"name": "nd"}}
    vmi = make_vmi(volumes=[{"name": "ci", kind: source}])
    pod = valid(launcher_pod(vmi))
    volumes = by_name(pod["spec"]["volumes"])
    assert volumes["ci-udata"]["secret"] == {"secretName": "ud"}
    assert volumes["ci-ndata"]["secret"] == {"secretName": "nd"}
    mounts = [(m["name"], m["mountPath"], m["subPath"]) for m in pod["spec"]["containers"][0]["volumeMounts"]
              if m["name"].startswith("ci-")]
    assert mounts == [(name, "/var/run/kubevirt-private/secret/ci/" + sub, sub)
                      for name, sub in (("ci-udata", "userdata"), ("ci-udata", "userData"),
                                        ("ci-ndata", "networkdata"), ("ci-ndata", "networkData"))]
    with pytest.raises(VmpodInputError, match="secretRef") as err:
        launcher_pod(make_vmi(volumes=[{"name": "ci", kind: {"userDataSecretRef": {"name": "ud"}}}]))
    assert err.value.path == "spec.volumes[0].%s.userDataSecretRef" % kind


def test_shared_claims_are_named_in_shared_filesystem_paths():
    # rendervolumes.go addPVCToLaunchManifest (HasSharedAccessMode), rendercontainer.go: the
    # mounts of ReadWriteMany filesystem claims, joined with ':', after the XDG variables
    volumes = [{"name": "a", "persistentVolumeClaim": {"claimName": "rwx-a"}},
               {"name": "b", "dataVolume": {"name": "rwo-b"}},
               {"name": "c", "ephemeral": {"persistentVolumeClaim": {"claimName": "rwx-c"}}},
               {"name": "d", "persistentVolumeClaim": {"claimName": "rwx-blk"}}]
    vmi = make_vmi(volumes=volumes)
    vmi["status"] = {"runtimeUser": 107}
    options = {"shared_claims": ["rwx-a", "rwx-c", "rwx-blk"], "block_claims": ["rwx-blk"]}
    env = valid(launcher_pod(vmi, options=options))["spec"]["containers"][0]["env"]
    names = [item["name"] for item in env]
    assert names[:4] == ["XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "SHARED_FILESYSTEM_PATHS"]
    assert env[names.index("SHARED_FILESYSTEM_PATHS")]["value"] == \
        "/var/run/kubevirt-private/vmi-disks/a:/var/run/kubevirt-private/vmi-disks/c"
    plain = launcher_pod(vmi)["spec"]["containers"][0]["env"]
    assert "SHARED_FILESYSTEM_PATHS" not in [item["name"] for item in plain]


def test_storage_volumes():
    volumes = [
        {"name": "pvc", "persistentVolumeClaim": {"claimName": "claim-a", "readOnly": True}},
        {"name": "dv", "dataVolume": {"name": "dv-b"}},
        {"name": "blk", "persistentVolumeClaim": {"claimName": "claim-blk"}},
        {"name": "hot", "persistentVolumeClaim": {"claimName": "claim-hot", "hotpluggable": True}},
        {"name": "host", "hostDisk": {"path": "/data/disk.img", "type": "DiskOrCreate",
                                      "capacity": "1Gi"}},
        {"name": "ci", "cloudInitNoCloud": {"secretRef": {"name": "my-ud"}}},
        {"name": "cm", "configMap": {"name": "my-cm"}},
        {"name": "metrics", "downwardMetrics": {}},
    ]
    devices = {"disks": [{"name": "cm", "disk": {}}]}
    pod = valid(launcher_pod(make_vmi(devices, volumes), options={"block_claims": ["claim-blk"]}))
    found = by_name(pod["spec"]["volumes"])
    assert found["pvc"]["persistentVolumeClaim"] == {"claimName": "claim-a", "readOnly": True}
    assert found["dv"]["persistentVolumeClaim"] == {"claimName": "dv-b"}
    assert "hot" not in found  # attached by its own Pod
    assert found["host"]["hostPath"] == {"path": "/data", "type": "DirectoryOrCreate"}
    assert found["ci-udata"]["secret"] == {"secretName": "my-ud"}
    assert found["cm"]["configMap"] == {"name": "my-cm"}
    assert found["metrics"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "1Mi"}
    compute = pod["spec"]["containers"][0]
    mounts = {(m["name"], m["mountPath"]) for m in compute["volumeMounts"]}
    for mount in (("pvc", "/var/run/kubevirt-private/vmi-disks/pvc"),
                  ("dv", "/var/run/kubevirt-private/vmi-disks/dv"),
                  ("host", "/var/run/kubevirt-private/vmi-disks/host"),
                  ("ci-udata", "/var/run/kubevirt-private/secret/ci/userdata"),
                  ("ci-udata", "/var/run/kubevirt-private/secret/ci/userData"),
                  ("cm", "/var/run/kubevirt-private/config-map/cm"),
                  ("metrics", "/var/run/kubevirt-private/downwardmetric-disk")):
        assert mount in mounts
    assert compute["volumeDevices"] == [{"name": "blk", "devicePath": "/dev/blk"}]


def test_host_disk_directories_and_ephemeral_claims_as_go_renders_them():
    # rendervolumes.go handleHostDisk: filepath.Dir of the path; handleEphemeralVolume: the typed
    # PersistentVolumeClaimVolumeSource, whose readOnly false is omitted
    volumes = [{"name": "h1", "hostDisk": {"path": "/srv//vm/a.img", "type": "Disk"}},
               {"name": "h2", "hostDisk": {"path": "/srv/./b.img", "type": "Disk"}},
               {"name": "h3", "hostDisk": {"path": "/c.img", "type": "Disk"}},
               {"name": "e1", "ephemeral": {"persistentVolumeClaim": {"claimName": "c1", "readOnly": False}}},
               {"name": "e2", "ephemeral": {"persistentVolumeClaim": {"claimName": "c2", "readOnly": True}}}]
    found = by_name(valid(launcher_pod(make_vmi(volumes=volumes)))["spec"]["volumes"])
    assert [found[name]["hostPath"]["path"] for name in ("h1", "h2", "h3")] == ["/srv/vm", "/srv", "/"]
    assert found["e1"]["persistentVolumeClaim"] == {"claimName": "c1"}
    assert found["e2"]["persistentVolumeClaim"] == {"claimName": "c2", "readOnly": True}


def test_a_volume_without_one_source_is_refused():
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(make_vmi(volumes=[{"name": "x"}]))
    assert err.value.path == "spec.volumes[0]"
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(make_vmi(volumes=CONTAINER_DISK + CONTAINER_DISK))
    assert err.value.path == "spec.volumes[1].name"


# -- compute: security, arguments, probes ----------------------------------------------------------

def test_a_non_root_compute_container():
    # virt-api's webhook marks a new VMI non-root (status.runtimeUser 107) unless the Root gate
    # is on: with apply_defaults, as a cluster would; as given, the status decides
    compute = launcher_pod(make_vmi(), apply_defaults=True)["spec"]["containers"][0]
    assert compute["securityContext"] == {
        "runAsUser": 107, "runAsGroup": 107, "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}
    assert "--run-as-nonroot" in compute["args"]
    assert compute["env"][:3] == [
        {"name": "XDG_CACHE_HOME", "value": "/var/run/kubevirt-private"},
        {"name": "XDG_CONFIG_HOME", "value": "/var/run/kubevirt-private"},
        {"name": "XDG_RUNTIME_DIR", "value": "/var/run"}]
    assert compute["terminationMessagePolicy"] == "FallbackToLogsOnError"


def test_a_root_vmi():
    # vmitrait.IsNonRoot: a VMI as given, without the webhook's runtime user, runs as root
    vmi = make_vmi()
    assert "--run-as-nonroot" not in launcher_pod(vmi)["spec"]["containers"][0]["args"]
    vmi["status"] = {"runtimeUser": 107}
    assert "--run-as-nonroot" in launcher_pod(vmi)["spec"]["containers"][0]["args"]
    vmi["status"] = {"runtimeUser": 0}
    root_gate = {"developerConfiguration": {"featureGates": ["Root"]}}
    pod = launcher_pod(make_vmi(), config=root_gate, apply_defaults=True)
    compute = pod["spec"]["containers"][0]
    assert compute["securityContext"] == {"runAsUser": 0, "runAsNonRoot": False, "capabilities": {
        "add": ["NET_BIND_SERVICE", "SYS_NICE"]}}
    assert "--run-as-nonroot" not in compute["args"]
    assert pod["spec"]["securityContext"] == {"fsGroup": 107, "runAsUser": 0}


def test_probes_are_wrapped_by_virt_probe():
    # rendercontainer.go: exec commands and guest-agent pings go through virt-probe, 1 s is
    # added to the timeout and 10 s (LibvirtStartupDelay) to the initial delay
    vmi = make_vmi(readinessProbe={"exec": {"command": ["cat", "/tmp/ready"]},
                                   "initialDelaySeconds": 2, "timeoutSeconds": 3},
                   livenessProbe={"guestAgentPing": {}})
    compute = valid(launcher_pod(vmi))["spec"]["containers"][0]
    assert compute["readinessProbe"] == {
        "exec": {"command": ["virt-probe", "--domainName", "testns_testvmi", "--timeoutSeconds",
                             "3", "--command", "cat", "--", "/tmp/ready"]},
        "initialDelaySeconds": 12, "timeoutSeconds": 4, "periodSeconds": 10,
        "successThreshold": 1, "failureThreshold": 3}
    assert compute["livenessProbe"]["exec"]["command"] == [
        "virt-probe", "--domainName", "testns_testvmi", "--timeoutSeconds", "1", "--guestAgentPing"]
    assert compute["livenessProbe"]["initialDelaySeconds"] == 10


def test_interface_ports_become_container_ports():
    ports = [{"name": "http", "port": 80}, {"port": 53, "protocol": "UDP"}]
    vmi = make_vmi({"interfaces": [{"name": "default", "masquerade": {}, "ports": ports}]},
                   networks=[{"name": "default", "pod": {}}])
    compute = valid(launcher_pod(vmi))["spec"]["containers"][0]
    assert compute["ports"] == [{"containerPort": 80, "protocol": "TCP", "name": "http"},
                                {"containerPort": 53, "protocol": "UDP"}]


def test_cpu_model_and_features_select_and_reject_nodes():
    vmi = make_vmi()
    vmi["spec"]["domain"]["cpu"] = {"model": "Haswell", "features": [
        {"name": "avx", "policy": "require"}, {"name": "mpx", "policy": "forbid"}]}
    vmi["spec"]["domain"]["machine"] = {"type": "q35"}
    spec = launcher_pod(vmi)["spec"]
    for label in ("cpu-model.node.kubevirt.io/Haswell", "cpu-feature.node.kubevirt.io/avx",
                  "machine-type.node.kubevirt.io/q35"):
        assert spec["nodeSelector"][label] == "true"
    terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"] == [{"matchExpressions": [
        {"key": "cpu-feature.node.kubevirt.io/mpx", "operator": "DoesNotExist"}]}]


# -- virtiofs and hook sidecars --------------------------------------------------------------------

def test_a_virtiofs_container_per_filesystem():
    vmi = make_vmi({"filesystems": [{"name": "shared", "virtiofs": {}}]},
                   [{"name": "shared", "persistentVolumeClaim": {"claimName": "data"}}])
    pod = valid(launcher_pod(vmi, options={"image": "launcher:v1"}))
    virtiofs = by_name(pod["spec"]["containers"])["virtiofs-shared"]
    assert virtiofs["command"] == ["/usr/libexec/virtiofsd"]
    assert virtiofs["args"][:2] == ["--socket-path=/var/run/kubevirt/virtiofs-containers/shared.sock",
                                    "--shared-dir=/shared"]
    assert virtiofs["resources"] == {"requests": {"cpu": "10m", "memory": "1M"},
                                     "limits": {"cpu": "100m", "memory": "80M"}}
    assert "virtiofs-containers" in by_name(pod["spec"]["volumes"])


def test_hook_sidecars_from_the_annotation():
    vmi = make_vmi()
    vmi["metadata"]["annotations"] = {
        "hooks.kubevirt.io/hookSidecars": '[{"image": "some-image:v1", "imagePullPolicy": "IfNotPresent"}]'}
    pod = valid(launcher_pod(vmi))
    compute, sidecar = pod["spec"]["containers"]
    assert (sidecar["name"], sidecar["image"]) == ("hook-sidecar-0", "some-image:v1")
    assert compute["args"][compute["args"].index("--hook-sidecars") + 1] == "1"
    assert {"name": "hook-sidecar-sockets", "mountPath": "/var/run/kubevirt-hooks",
            "subPath": "hook-sidecar-0"} in sidecar["volumeMounts"]
    bad = make_vmi()
    bad["metadata"]["annotations"] = {"hooks.kubevirt.io/hookSidecars": "not json"}
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(bad)
    assert "hookSidecars" in err.value.path


def test_hook_sidecar_config_maps_and_claims():
    # renderLaunchManifest's sidecar loop: a configMap volume of mode 0755 and a PVC volume per
    # sidecar, after the Pod's other volumes; a PVC's sharedComputePath mounts it in compute too
    import json
    vmi = make_vmi()
    vmi["metadata"]["annotations"] = {"hooks.kubevirt.io/hookSidecars": json.dumps([
        {"image": "h:1", "configMap": {"name": "hook-cm", "key": "hook.sh",
                                       "hookPath": "/usr/bin/onDefineDomain"}},
        {"image": "h:2", "pvc": {"name": "hook-pvc", "volumePath": "/hook",
                                 "sharedComputePath": "/var/run/shared"}},
        {"image": "h:3", "pvc": {"name": "plain-pvc", "volumePath": "/plain"}}])}
    pod = valid(launcher_pod(vmi))
    volumes = pod["spec"]["volumes"]
    assert [item["name"] for item in volumes[-3:]] == ["hook-cm", "hook-pvc", "plain-pvc"]
    assert volumes[-3]["configMap"] == {"name": "hook-cm", "defaultMode": 0o755}
    assert volumes[-2]["persistentVolumeClaim"] == {"claimName": "hook-pvc"}
    compute, first, second, third = pod["spec"]["containers"]
    assert compute["volumeMounts"][-1] == {"name": "hook-pvc", "mountPath": "/var/run/shared"}
    assert not any(item["name"] == "plain-pvc" for item in compute["volumeMounts"])
    assert {"name": "hook-cm", "mountPath": "/usr/bin/onDefineDomain", "subPath": "hook.sh"} in (
        first["volumeMounts"])
    assert {"name": "hook-pvc", "mountPath": "/hook"} in second["volumeMounts"]
    assert third["name"] == "hook-sidecar-2"


def test_a_hook_sidecar_without_an_image_runs_the_sidecar_shim():
    # template.go newSidecarContainerRenderer: SIDECAR_SHIM_IMAGE, which virt-operator sets to
    # <registry>/<prefix>sidecar-shim:<version> (the ConfigMap form of hooks runs through it)
    import json
    vmi = make_vmi()
    vmi["metadata"]["annotations"] = {"hooks.kubevirt.io/hookSidecars": json.dumps([
        {"args": ["--version", "v1alpha2"],
         "configMap": {"name": "cm", "key": "my.sh", "hookPath": "/usr/bin/onDefineDomain"}}])}
    sidecar = valid(launcher_pod(vmi))["spec"]["containers"][1]
    assert sidecar["image"] == "quay.io/kubevirt/sidecar-shim:v1.6.0"
    mine = launcher_pod(vmi, options={"sidecar_shim_image": "registry.local/sidecar-shim:v1.6.1"})
    assert mine["spec"]["containers"][1]["image"] == "registry.local/sidecar-shim:v1.6.1"


# -- the envelope without rendering ---------------------------------------------------------------

def _varied():
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "bench"))
    from varied_vmis import varied_vmis  # pylint: disable=import-outside-toplevel
    return varied_vmis()


@pytest.mark.parametrize("config", [None, NO_IMAGE_VOLUME, {
    "virtualMachineOptions": {"disableSerialConsoleLog": {}},
    "supportContainerResources": [{"type": "virtiofs", "resources": {"limits": {"cpu": "1"}}}]}])
def test_launcher_envelope_is_the_rendered_pods(config):
    """launcher_envelope (what the fleet counts) and pod_envelope of the rendered Pod agree for
    every varied VMI, with extra disks, filesystems and hook sidecars."""
    from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_envelope
    for vmi in _varied()[::3]:
        vmi["spec"]["domain"]["devices"]["filesystems"] = [{"name": "data", "virtiofs": {}}]
        vmi["metadata"]["annotations"] = {"hooks.kubevirt.io/hookSidecars": '[{"image": "h:1"}]'}
        found = launcher_envelope(vmi, config=config)
        rendered = pod_envelope(launcher_pod(vmi, config=config))
        assert (found["requests"], found["limits"], found["qos"]) == (
            rendered["requests"], rendered["limits"], rendered["qos"]), vmi["metadata"]["name"]


# -- annotations ----------------------------------------------------------------------------------

def test_multus_and_binding_plugin_networks():
    # pkg/network/multus/annotation_test.go "should add network binding plugin net-attach-def to
    # multus annotation": the same networks and the same JSON
    import json
    vmi = make_vmi({"interfaces": [{"name": "default", "binding": {"name": "test-binding"}},
                                   {"name": "blue", "bridge": {}}, {"name": "red", "bridge": {}}]},
                   networks=[{"name": "default", "pod": {}},
                             {"name": "blue", "multus": {"networkName": "test1"}},
                             {"name": "red", "multus": {"networkName": "other-namespace/test1"}}])
    vmi["metadata"]["namespace"] = "default"
    config = {"network": {"binding": {"test-binding": {
        "networkAttachmentDefinition": "test-binding-net"}}}}
    annotations = launcher_pod(vmi, config=config)["metadata"]["annotations"]
    assert json.loads(annotations["k8s.v1.cni.cncf.io/networks"]) == [
        {"name": "test-binding-net", "namespace": "default", "cni-args": {"logicNetworkName": "default"}},
        {"name": "test1", "namespace": "default", "interface": "pod16477688c0e"},
        {"name": "test1", "namespace": "other-namespace", "interface": "podb1f51a511f1"}]
    with pytest.raises(VmpodInputError):  # a binding plugin the cluster does not have
        launcher_pod(vmi)


def test_istio_injection_is_a_label_of_the_pod_too():
    # podLabels: istio.InjectSidecarAnnotation copied as istio.InjectSidecarLabel
    vmi = make_vmi()
    vmi["metadata"]["annotations"] = {"sidecar.istio.io/inject": "false"}
    pod = valid(launcher_pod(vmi))
    assert pod["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"
    assert pod["metadata"]["annotations"]["sidecar.istio.io/inject"] == "false"
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert "sidecar.istio.io/inject" not in launcher_pod(make_vmi())["metadata"]["labels"]
    vmi["metadata"]["annotations"] = {"sidecar.istio.io/inject": "yes please"}
    with pytest.raises(VmpodInputError) as err:
        launcher_pod(vmi)
    assert "sidecar.istio.io/inject" in err.value.path


def test_backup_hooks_and_istio_annotations():
    vmi = make_vmi({"interfaces": [{"name": "default", "masquerade": {}}]},
                   networks=[{"name": "default", "pod": {}}])
    annotations = launcher_pod(vmi)["metadata"]["annotations"]
    assert annotations["pre.hook.backup.velero.io/command"] == \
        '["/usr/bin/virt-freezer", "--freeze", "--name", "testvmi", "--namespace", "testns"]'
    assert annotations["post.hook.backup.velero.io/container"] == "compute"
    assert annotations["pre.hook.backup.velero.io/timeout"] == "60s"
    assert annotations["traffic.sidecar.istio.io/kubevirtInterfaces"] == "k6t-eth0"
    vmi["metadata"]["annotations"] = {"kubevirt.io/skip-backup-hooks": "true"}
    annotations = launcher_pod(vmi)["metadata"]["annotations"]
    assert not [key for key in annotations if "velero" in key]


def test_the_clusters_node_selectors_and_runtime_class():
    config = {"developerConfiguration": {"nodeSelectors": {"example.com/vms": "yes",
                                                           "disk": "hdd"}},
              "defaultRuntimeClass": "kata"}
    spec = valid(launcher_pod(make_vmi(nodeSelector={"disk": "ssd"}), config=config))["spec"]
    assert spec["nodeSelector"]["example.com/vms"] == "yes"
    assert spec["nodeSelector"]["disk"] == "ssd"  # the VMI's own wins
    assert spec["runtimeClassName"] == "kata"


def test_resource_claims_are_the_pods():
    vmi = make_vmi(resourceClaims=[{"name": "gpu", "resourceClaimTemplateName": "a100"}])
    assert launcher_pod(vmi)["spec"]["resourceClaims"] == [
        {"name": "gpu", "resourceClaimTemplateName": "a100"}]


def test_webhook_defaults_as_a_cluster_applies_them():
    vmi = make_vmi()
    as_given = launcher_pod(vmi)["spec"]
    defaulted = launcher_pod(vmi, apply_defaults=True)["spec"]
    assert "machine-type.node.kubevirt.io/q35" not in as_given["nodeSelector"]
    assert defaulted["nodeSelector"]["machine-type.node.kubevirt.io/q35"] == "true"
    assert defaulted["securityContext"]["runAsUser"] == 107
    assert as_given["securityContext"] == {"fsGroup": 107, "runAsUser": 0}
    # the default pod network's interface (bridge) brings vhost-net
    assert "devices.kubevirt.io/vhost-net" in defaulted["containers"][0]["resources"]["limits"]


def test_render_models_applies_the_webhook_defaults_when_asked():
    from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models
    [as_given] = render_models([make_vmi()])
    [defaulted] = render_models([make_vmi()], apply_defaults=True)
    assert as_given["pod"] == launcher_pod(make_vmi())
    assert defaulted["pod"] == launcher_pod(make_vmi(), apply_defaults=True)
    assert defaulted["resources"]["limits"] != as_given["resources"]["limits"]  # vhost-net


def test_the_webhook_sets_the_pci_topology_version():
    # virt-api: a machine with PCIe hotplug (q35, virt) gets kubevirt.io/pci-topology-version v3,
    # which the Pod carries as it carries the VMI's annotations
    annotations = launcher_pod(make_vmi(), apply_defaults=True)["metadata"]["annotations"]
    assert annotations["kubevirt.io/pci-topology-version"] == "v3"
    pc = make_vmi()
    pc["spec"]["domain"]["machine"] = {"type": "pc-i440fx-8.2"}
    annotations = launcher_pod(pc, apply_defaults=True)["metadata"]["annotations"]
    assert "kubevirt.io/pci-topology-version" not in annotations
    assert "kubevirt.io/pci-topology-version" not in launcher_pod(make_vmi())["metadata"]["annotations"]


# -- a Pod is its caller's ---------------------------------------------------------------------

def _containers(value, found):
    if isinstance(value, (dict, list)):
        found[id(value)] = value
        for item in value.values() if isinstance(value, dict) else value:
            _containers(item, found)
    return found


def test_a_pod_shares_nothing_mutable_with_its_vmi_or_another_pod():
    """A caller may change a Pod: not the VMI, another Pod (the support containers' drop-ALL
    capabilities were once one list) or the next rendering."""
    probe = {"tcpSocket": {"port": 1500}, "initialDelaySeconds": 5}
    vmi = make_vmi(DISKS, CONTAINER_DISK + [
        {"name": "info", "downwardAPI": {"fields": [{"path": "labels",
                                                     "fieldRef": {"fieldPath": "metadata.labels"}}]}}],
        tolerations=[{"key": "a", "operator": "Exists", "effect": "NoSchedule"}],
        topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                    "labelSelector": {"matchLabels": {"app": "x"}}}],
        dnsConfig={"nameservers": ["1.1.1.1"]}, readinessProbe=probe, livenessProbe=probe)
    first = launcher_pod(vmi, NO_IMAGE_VOLUME)
    second = launcher_pod(vmi, NO_IMAGE_VOLUME)
    assert "tolerations" in first["spec"] and "livenessProbe" in first["spec"]["containers"][0]
    ours, theirs, inputs = _containers(first, {}), _containers(second, {}), _containers(vmi, {})
    assert not set(ours) & set(theirs)
    assert not set(ours) & set(inputs)
