# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The launcher Pod's volumes and the compute container's mounts (``pod_volumes``).

Facts from KubeVirt ``pkg/virt-controller/services/rendervolumes.go`` (``VolumeRenderer``: the
runtime emptyDirs first, then per option in ``template.go`` ``newVolumeRenderer``'s order: the
secret, configMap and downwardAPI volumes with mounts in disk order, the VMI's storage volumes,
access credentials, image volumes, hook sidecar sockets, hugepages, hotplug, network info,
virtiofs), the paths of ``pkg/config`` (``/var/run/kubevirt-private/{secret,config-map,
downwardapi,sysprep,downwardmetric-disk}``), ``pkg/host-disk`` (``vmi-disks``) and
``pkg/util`` (``/var/run/kubevirt-image-volume``).

The backend-storage PVC (``withBackendStorage``: persistent TPM, EFI or changed block tracking)
is the ``vm-state`` volume; its claim's name comes from ``pod.backend_storage_claim``. A PVC or
DataVolume is taken as a filesystem volume unless
``pod_options.block_claims`` names its claim (KubeVirt asks the PVC; there is no cluster here).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass, field

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.api_json import json_copy
from ansible_collections.vmpod.core.plugins.module_utils.values.paths import go_dir

PRIVATE_DIR = "/var/run/kubevirt-private"
SHARE_DIR = "/var/run/kubevirt"
EPHEMERAL_DISK_DIR = "/var/run/kubevirt-ephemeral-disks"
CONTAINER_DISK_DIR = "/var/run/kubevirt/container-disks"
HOTPLUG_DISK_DIR = "/var/run/kubevirt/hotplug-disks"
# where a container-disk container sees its disk: virt-controller moves container-disk's
# mountBaseDir there (watch/application.go: SetLocalDirectoryOnly(ephemeralDiskDir +
# "/container-disk-data")); compute keeps the shared directory above
CONTAINER_DISK_DATA_DIR = EPHEMERAL_DISK_DIR + "/container-disk-data"
IMAGE_VOLUME_DIR = "/var/run/kubevirt-image-volume"
KERNEL_BOOT_DIR = "/var/run/kubevirt-kernel-boot"  # pkg/util: VirtKernelBootVolumeDir
CONTAINER_BINARY_DIR = "/container-disk-binary"
HOOK_SOCKETS_DIR = "/var/run/kubevirt-hooks"
VIRTIOFS_VOLUME = "virtiofs-containers"
VIRTIOFS_DIR = SHARE_DIR + "/" + VIRTIOFS_VOLUME
ROOT_NVRAM_DIR = "/var/lib/libvirt/qemu/nvram"  # util.PathForNVram of a root launcher
LAUNCHER_VOLUME = "launcher-volume"
BIN_VOLUME = "virt-bin-share-dir"
SKIP_DIGEST_ANNOTATION = "kubevirt.io/image-volume-skip-digest-resolution"
NETWORK_INFO_VOLUME = "network-info-annotation"  # pkg/network/downwardapi
NETWORK_INFO_DIR = "/etc/podinfo"
_NETWORK_INFO_ANNOTATION = "kubevirt.io/network-info"
_SOURCE_DIRS = {"secret": PRIVATE_DIR + "/secret", "configMap": PRIVATE_DIR + "/config-map",
                "downwardAPI": PRIVATE_DIR + "/downwardapi"}
_CONFIG_KINDS = frozenset(("secret", "configMap", "downwardAPI"))


def empty_dir(name, **source):
    return {"name": name, "emptyDir": source}


def mount(name, path, **extra):
    return {"name": name, "mountPath": path, **extra}


def source_path(kind, name):
    """Where a secret, configMap or downwardAPI volume is mounted (config.Get*SourcePath)."""
    return "%s/%s" % (_SOURCE_DIRS[kind], name)


@dataclass
class PodVolumes:
    volumes: list = field(default_factory=list)  # after the runtime emptyDirs
    mounts: list = field(default_factory=list)  # the compute container's, after its fixed ones
    devices: list = field(default_factory=list)  # volumeDevices of block claims
    shared_paths: list = field(default_factory=list)
    disks: list = field(default_factory=list)  # the containerDisk volumes, then the kernel-boot one
    service_account: object = None  # the account the first serviceAccount volume names, or None


def pod_volumes(vmi, image_volume, launcher, block_claims=frozenset(), sidecars=False,
                backend_claim="", plugins=False, device_info=False, shared_claims=frozenset()):
    """The volumes of a VMI's launcher Pod and the compute container's mounts and devices
    (``vmi`` read with its Pod section; ``launcher``: the launcher image and its pull policy;
    ``backend_claim``: the backend-storage PVC's name, for a VMI that needs one; ``plugins``:
    the Plugins gate is on, withPluginSocketVolume's socket directory; ``device_info``: a
    network binding plugin of the VMI reads the network-info annotation, as SR-IOV does;
    ``shared_claims``: the PVCs with a ReadWriteMany access mode, SHARED_FILESYSTEM_PATHS).
    The volumes and mounts start with the runtime ones (``runtime_volumes``,
    ``runtime_mounts``)."""
    section = vmi.pod
    disks, config = [], []
    out = PodVolumes(runtime_volumes(image_volume), runtime_mounts(image_volume), [], [], disks)
    runtime = len(out.volumes), len(out.mounts)
    for volume in section.volumes:  # one pass: each kind's rule in _STORAGE_RULES
        kind = volume.kind
        if kind == "containerDisk":
            disks.append(volume)
        elif kind in _CONFIG_KINDS:
            config.append(volume)
        elif not volume.hotplug:
            rule = _STORAGE_RULES.get(kind)
            if rule is not None:
                rule(out, volume, block_claims, shared_claims)
    if section.kernel_boot is not None:
        disks.append(section.kernel_boot)
    if config:  # the secret, configMap and downwardAPI volumes come before the storage ones
        _config_volumes(out, config, vmi.disks, runtime)
    for secret in section.access_secrets:
        name = secret + "-access-cred"
        out.volumes.append({"name": name, "secret": {"secretName": secret}})
        out.mounts.append({"name": name, "mountPath": source_path("secret", name), "readOnly": True})
    if section.backend_storage:
        _backend_storage(out, section, backend_claim)
    if image_volume:
        _image_volumes(out, vmi, launcher)
    if sidecars:
        out.volumes.append({"name": "hook-sidecar-sockets", "emptyDir": {}})
        out.mounts.append({"name": "hook-sidecar-sockets", "mountPath": HOOK_SOCKETS_DIR})
    if plugins:
        out.volumes.append({"name": "kubevirt-plugin-sockets", "emptyDir": {}})
        out.mounts.append({"name": "kubevirt-plugin-sockets", "mountPath": "/var/run/kubevirt-plugin"})
    if vmi.hugepage_size is not None:
        out.volumes.append({"name": "hugepages", "emptyDir": {"medium": "HugePages"}})
        out.mounts.append({"name": "hugepages", "mountPath": "/dev/hugepages"})
        out.volumes.append({"name": "hugetblfs-dir", "emptyDir": {"medium": "HugePages"}})
        out.mounts.append({"name": "hugetblfs-dir", "mountPath": "/dev/hugepages/libvirt/qemu"})
    if not section.disable_hotplug:
        # virt-controller's --hotplug-disk-dir (watch/application.go: filepath.Join, no slash)
        out.mounts.append({"name": "hotplug-disks", "mountPath": HOTPLUG_DISK_DIR,
                           "mountPropagation": "HostToContainer"})
        out.volumes.append({"name": "hotplug-disks", "emptyDir": {}})
    if device_info or _has_sriov(vmi.interfaces):
        out.mounts.append({"name": NETWORK_INFO_VOLUME, "mountPath": NETWORK_INFO_DIR})
        out.volumes.append({"name": NETWORK_INFO_VOLUME, "downwardAPI": {"items": [{
            "path": "network-info",
            "fieldRef": {"fieldPath": "metadata.annotations['%s']" % _NETWORK_INFO_ANNOTATION}}]}})
    if section.filesystems:
        out.mounts.append({"name": VIRTIOFS_VOLUME, "mountPath": VIRTIOFS_DIR})
        out.volumes.append({"name": VIRTIOFS_VOLUME, "emptyDir": {}})
    return out


def _has_sriov(interfaces):
    for interface in interfaces:
        if interface.sriov:
            return True
    return False


BACKEND_STORAGE_VOLUME = "vm-state"
# where each part of the backend-storage PVC is mounted, for root and for non-root launchers
# (pkg/util: PathForSwtpm, PathForSwtpmLocalca, PathForNVram; pkg/storage/cbt: PathForCBT)
_BACKEND_PATHS = {
    "swtpm": ("/var/lib/libvirt/swtpm", PRIVATE_DIR + "/libvirt/qemu/swtpm"),
    "swtpm-localca": ("/var/lib/swtpm-localca", PRIVATE_DIR + "/var/lib/swtpm-localca"),
    "nvram": (ROOT_NVRAM_DIR, PRIVATE_DIR + "/libvirt/qemu/nvram"),
    "cbt": ("/var/lib/libvirt/qemu/cbt", PRIVATE_DIR + "/libvirt/qemu/cbt"),
}


def _backend_storage(out, section, claim):
    """rendervolumes.go withBackendStorage: the claim as vm-state, its meta directory, the
    emptyDirs a non-root launcher needs above the TPM state, and one sub-path mount per part
    kept (the TPM's two, NVRAM, changed block tracking)."""
    name = BACKEND_STORAGE_VOLUME
    out.volumes.append({"name": name, "persistentVolumeClaim": {"claimName": claim}})
    out.mounts.append(mount(name, "/run/kubevirt-private/backend-storage-meta", subPath="meta"))
    non_root = 1 if section.non_root else 0
    if non_root:
        out.volumes.append(empty_dir("private-libvirt"))
        out.volumes.append(empty_dir("private-libvirt-qemu"))
        out.mounts.append(mount("private-libvirt", PRIVATE_DIR + "/libvirt"))
        out.mounts.append(mount("private-libvirt-qemu", PRIVATE_DIR + "/libvirt/qemu"))
    for part in section.backend_storage:
        subpaths = ("swtpm", "swtpm-localca") if part == "swtpm" else (part,)
        for subpath in subpaths:
            out.mounts.append(mount(name, _BACKEND_PATHS[subpath][non_root], subPath=subpath))


def runtime_volumes(image_volume):
    """The emptyDirs every launcher Pod has, before the VMI's own (VolumeRenderer.Volumes)."""
    volumes = [{"name": "private", "emptyDir": {}}, {"name": "public", "emptyDir": {}},
               {"name": "sockets", "emptyDir": {}}, {"name": BIN_VOLUME, "emptyDir": {}},
               {"name": "libvirt-runtime", "emptyDir": {}}, {"name": "ephemeral-disks", "emptyDir": {}}]
    if not image_volume:
        volumes.append({"name": "container-disks", "emptyDir": {}})
    return volumes


def runtime_mounts(image_volume):
    """The compute container's fixed mounts (VolumeRenderer.Mounts)."""
    mounts = [{"name": "private", "mountPath": PRIVATE_DIR}, {"name": "public", "mountPath": SHARE_DIR},
              {"name": "ephemeral-disks", "mountPath": EPHEMERAL_DISK_DIR},
              {"name": "libvirt-runtime", "mountPath": "/var/run/libvirt"},
              {"name": "sockets", "mountPath": SHARE_DIR + "/sockets"}]
    if not image_volume:
        mounts.append({"name": "container-disks", "mountPath": CONTAINER_DISK_DIR,
                       "mountPropagation": "HostToContainer"})
    return mounts


def _config_volumes(out, volumes, disks, at):
    """The secret, configMap and downwardAPI volumes (``volumes``), inserted at ``at`` (the
    places after the runtime volumes and mounts), their mounts in disk order."""
    found, by_name = [], {}
    for volume in volumes:
        by_name[volume.name] = volume
        source = volume.source
        if volume.kind == "secret":
            item = {"secretName": source.get("secretName", "")}
            if source.get("optional") is not None:
                item["optional"] = source["optional"]
            found.append({"name": volume.name, "secret": item})
        elif volume.kind == "configMap":
            item = {"name": source.get("name", "")}
            if source.get("optional") is not None:
                item["optional"] = source["optional"]
            found.append({"name": volume.name, "configMap": item})
        else:  # downwardAPI
            item = {"items": [json_copy(field) for field in source["fields"]]} if source.get("fields") else {}
            found.append({"name": volume.name, "downwardAPI": item})
    mounts = [{"name": disk.name, "mountPath": source_path(by_name[disk.name].kind, disk.name),
               "readOnly": True} for disk in disks if disk.name in by_name]
    out.volumes[at[0]:at[0]] = found
    out.mounts[at[1]:at[1]] = mounts


def _claim(out, volume, claim, block_claims, shared_claims):
    """addPVCToLaunchManifest: a Block claim is a device; a filesystem one is mounted, and one
    with a ReadWriteMany access mode (HasSharedAccessMode) names its path in
    SHARED_FILESYSTEM_PATHS."""
    if claim in block_claims:
        out.devices.append({"name": volume.name, "devicePath": "/dev/" + volume.name})
        return
    path = _VMI_DISKS_DIR + volume.name
    out.mounts.append({"name": volume.name, "mountPath": path})
    if claim in shared_claims:
        out.shared_paths.append(path)


def _claim_volume(out, volume, block_claims, shared_claims):
    """A persistentVolumeClaim or ephemeral volume: an ephemeral volume holds a PVC source; both
    are the typed PersistentVolumeClaimVolumeSource: its two fields, readOnly only when true."""
    source = volume.source
    if volume.kind != "persistentVolumeClaim":
        source = source.get("persistentVolumeClaim") or {}
    claim = source.get("claimName", "")
    _claim(out, volume, claim, block_claims, shared_claims)
    item = {"claimName": claim, "readOnly": True} if source.get("readOnly") else {"claimName": claim}
    out.volumes.append({"name": volume.name, "persistentVolumeClaim": item})


def _data_volume(out, volume, block_claims, shared_claims):
    claim = volume.source.get("name", "")
    _claim(out, volume, claim, block_claims, shared_claims)
    out.volumes.append({"name": volume.name, "persistentVolumeClaim": {"claimName": claim}})


def _host_disk(out, volume, block_claims, shared_claims):
    source, name = volume.source, volume.name
    host_type = {"Disk": "Directory", "DiskOrCreate": "DirectoryOrCreate"}.get(source.get("type"), "")
    out.mounts.append({"name": name, "mountPath": _VMI_DISKS_DIR + name})
    out.volumes.append({"name": name, "hostPath": {"path": go_dir(source.get("path", "")),
                                                   "type": host_type}})


def _downward_metrics(out, volume, block_claims, shared_claims):
    out.volumes.append({"name": volume.name, "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}})
    out.mounts.append({"name": volume.name, "mountPath": PRIVATE_DIR + "/downwardmetric-disk"})


_CLOUD_INIT_SECRETS = (("secretRef", "-udata", ("userdata", "userData")),
                       ("networkDataSecretRef", "-ndata", ("networkdata", "networkData")))


def _cloud_init(out, volume, block_claims, shared_claims):
    """cloudInitNoCloud and cloudInitConfigDrive: a secret volume for the user data and for the
    network data that a secret holds, each file mounted by its sub-path."""
    source, name = volume.source, volume.name
    if "secretRef" not in source and "networkDataSecretRef" not in source:
        return  # the data inline: nothing to mount
    for ref, suffix, files in _CLOUD_INIT_SECRETS:
        secret = source.get(ref)
        if not isinstance(secret, dict):
            continue
        out.volumes.append({"name": name + suffix, "secret": {"secretName": secret.get("name", "")}})
        for sub in files:
            out.mounts.append({"name": name + suffix, "mountPath": "%s/secret/%s/%s" % (PRIVATE_DIR, name, sub),
                               "subPath": sub, "readOnly": True})


def _service_account(out, volume, block_claims, shared_claims):
    """No volume of the launcher's own (the token is the Pod's): the account it names, the
    first one's, is the Pod's service account."""
    if out.service_account is None:
        out.service_account = volume.source.get("serviceAccountName", "")


def _sysprep(out, volume, block_claims, shared_claims):
    source, name = volume.source, volume.name
    if isinstance(source.get("secret"), dict):
        item = {"secret": {"secretName": source["secret"].get("name", "")}}
    else:
        item = {"configMap": {"name": (source.get("configMap") or {}).get("name", "")}}
    item["name"] = name
    out.volumes.append(item)
    out.mounts.append({"name": name, "mountPath": "%s/sysprep/%s" % (PRIVATE_DIR, name), "readOnly": True})


_VMI_DISKS_DIR = PRIVATE_DIR + "/vmi-disks/"
# the rule of each storage volume kind (rendervolumes.go withVMIVolumes)
_STORAGE_RULES = {"persistentVolumeClaim": _claim_volume, "ephemeral": _claim_volume,
                  "dataVolume": _data_volume, "hostDisk": _host_disk,
                  "downwardMetrics": _downward_metrics, "cloudInitNoCloud": _cloud_init,
                  "cloudInitConfigDrive": _cloud_init, "sysprep": _sysprep,
                  "serviceAccount": _service_account}


def _image_volumes(out, vmi, launcher):
    """The ImageVolume gate: each containerDisk (``out.disks``) an image volume mounted read-only
    at ``disk_<index>``, the kernel-boot one at its directory, and the launcher image as a volume
    for the digest init containers."""
    kernel = vmi.pod.kernel_boot
    for volume in out.disks:
        _image_volume(out, volume, KERNEL_BOOT_DIR if volume is kernel
                      else "%s/disk_%d" % (IMAGE_VOLUME_DIR, volume.index))
    if out.disks and vmi.annotations.get(SKIP_DIGEST_ANNOTATION) != "true":
        image, pull_policy = launcher
        out.volumes.append({"name": LAUNCHER_VOLUME,
                            "image": {"reference": image, "pullPolicy": pull_policy}})


def _image_volume(out, volume, path):
    pull_policy = volume.source.get("imagePullPolicy")
    reference = ({"reference": volume.source.get("image", ""), "pullPolicy": pull_policy}
                 if pull_policy else {"reference": volume.source.get("image", "")})
    out.volumes.append({"name": volume.name, "image": reference})
    out.mounts.append({"name": volume.name, "mountPath": path, "readOnly": True})
