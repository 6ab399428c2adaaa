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
_CONFIG_KINDS = ("secret", "configMap", "downwardAPI")


def empty_dir(name, **source):
    return {"name": name, "emptyDir": dict(source)}


def mount(name, path, **extra):
    found = {"name": name, "mountPath": path}
    found.update(extra)
    return found


def source_path(kind, name):
    """Where a secret, configMap or downwardAPI volume is mounted (config.Get*SourcePath)."""
    return "%s/%s" % (_SOURCE_DIRS[kind], name)


@dataclass
class PodVolumes:
    volumes: list = field(default_factory=list)
    mounts: list = field(default_factory=list)  # the compute container's, after its fixed ones
    devices: list = field(default_factory=list)  # volumeDevices of block claims
    shared_paths: list = field(default_factory=list)


def pod_volumes(vmi, image_volume, launcher, block_claims=frozenset(), sidecars=False,
                backend_claim="", plugins=False, device_info=False, shared_claims=frozenset()):
    """The volumes of a VMI's launcher Pod and the compute container's mounts and devices
    (``vmi`` read with its Pod section; ``launcher``: the launcher image and its pull policy;
    ``backend_claim``: the backend-storage PVC's name, for a VMI that needs one; ``plugins``:
    the Plugins gate is on, withPluginSocketVolume's socket directory; ``device_info``: a
    network binding plugin of the VMI reads the network-info annotation, as SR-IOV does;
    ``shared_claims``: the PVCs with a ReadWriteMany access mode, SHARED_FILESYSTEM_PATHS)."""
    section = vmi.pod
    out = PodVolumes()
    _config_volumes(out, section.volumes, vmi.disks)
    for volume in section.volumes:
        if not volume.hotplug:
            _storage_volume(out, volume, block_claims, shared_claims)
    for secret in section.access_secrets:
        name = secret + "-access-cred"
        out.volumes.append({"name": name, "secret": {"secretName": secret}})
        out.mounts.append(mount(name, source_path("secret", name), readOnly=True))
    if section.backend_storage:
        _backend_storage(out, section, backend_claim)
    if image_volume:
        _image_volumes(out, vmi, launcher)
    if sidecars:
        out.volumes.append(empty_dir("hook-sidecar-sockets"))
        out.mounts.append(mount("hook-sidecar-sockets", HOOK_SOCKETS_DIR))
    if plugins:
        out.volumes.append(empty_dir("kubevirt-plugin-sockets"))
        out.mounts.append(mount("kubevirt-plugin-sockets", "/var/run/kubevirt-plugin"))
    if vmi.hugepage_size is not None:
        out.volumes.append(empty_dir("hugepages", medium="HugePages"))
        out.mounts.append(mount("hugepages", "/dev/hugepages"))
        out.volumes.append(empty_dir("hugetblfs-dir", medium="HugePages"))
        out.mounts.append(mount("hugetblfs-dir", "/dev/hugepages/libvirt/qemu"))
    if not section.disable_hotplug:
        # virt-controller's --hotplug-disk-dir (watch/application.go: filepath.Join, no slash)
        out.mounts.append({"name": "hotplug-disks", "mountPath": HOTPLUG_DISK_DIR,
                           "mountPropagation": "HostToContainer"})
        out.volumes.append({"name": "hotplug-disks", "emptyDir": {}})
    if device_info or vmi.interfaces and any(interface.sriov for interface in vmi.interfaces):
        out.mounts.append(mount(NETWORK_INFO_VOLUME, NETWORK_INFO_DIR))
        out.volumes.append({"name": NETWORK_INFO_VOLUME, "downwardAPI": {"items": [{
            "path": "network-info",
            "fieldRef": {"fieldPath": "metadata.annotations['%s']" % _NETWORK_INFO_ANNOTATION}}]}})
    if section.filesystems:
        out.mounts.append(mount(VIRTIOFS_VOLUME, VIRTIOFS_DIR))
        out.volumes.append(empty_dir(VIRTIOFS_VOLUME))
    return out


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
    names = _RUNTIME_VOLUMES if image_volume else _RUNTIME_VOLUMES_AND_DISKS
    return [{"name": name, "emptyDir": {}} for name in names]


def runtime_mounts(image_volume):
    """The compute container's fixed mounts (VolumeRenderer.Mounts)."""
    mounts = [{"name": name, "mountPath": path} for name, path in _RUNTIME_MOUNTS]
    if not image_volume:
        mounts.append({"name": "container-disks", "mountPath": CONTAINER_DISK_DIR,
                       "mountPropagation": "HostToContainer"})
    return mounts


_RUNTIME_VOLUMES = ("private", "public", "sockets", BIN_VOLUME, "libvirt-runtime", "ephemeral-disks")
_RUNTIME_VOLUMES_AND_DISKS = _RUNTIME_VOLUMES + ("container-disks",)
_RUNTIME_MOUNTS = (("private", PRIVATE_DIR), ("public", SHARE_DIR),
                   ("ephemeral-disks", EPHEMERAL_DISK_DIR), ("libvirt-runtime", "/var/run/libvirt"),
                   ("sockets", SHARE_DIR + "/sockets"))


def _config_volumes(out, volumes, disks):
    by_name = {}
    for volume in volumes:
        by_name[volume.name] = volume
        source = volume.source
        if volume.kind == "secret":
            item = {"secretName": source.get("secretName", "")}
            if source.get("optional") is not None:
                item["optional"] = source["optional"]
            out.volumes.append({"name": volume.name, "secret": item})
        elif volume.kind == "configMap":
            item = {"name": source.get("name", "")}
            if source.get("optional") is not None:
                item["optional"] = source["optional"]
            out.volumes.append({"name": volume.name, "configMap": item})
        elif volume.kind == "downwardAPI":
            item = {"items": list(source.get("fields") or ())} if source.get("fields") else {}
            out.volumes.append({"name": volume.name, "downwardAPI": item})
    for disk in disks:
        volume = by_name.get(disk.name)
        if volume is not None and volume.kind in _CONFIG_KINDS:
            out.mounts.append(mount(volume.name, source_path(volume.kind, volume.name),
                                    readOnly=True))


def _claim(out, volume, claim, block_claims, shared_claims):
    """addPVCToLaunchManifest: a Block claim is a device; a filesystem one is mounted, and one
    with a ReadWriteMany access mode (HasSharedAccessMode) names its path in
    SHARED_FILESYSTEM_PATHS."""
    if claim in block_claims:
        out.devices.append({"name": volume.name, "devicePath": "/dev/" + volume.name})
        return
    path = "%s/vmi-disks/%s" % (PRIVATE_DIR, volume.name)
    out.mounts.append({"name": volume.name, "mountPath": path})
    if claim in shared_claims:
        out.shared_paths.append(path)


def _storage_volume(out, volume, block_claims, shared_claims):
    kind, source, name = volume.kind, volume.source, volume.name
    if kind in ("persistentVolumeClaim", "ephemeral"):
        # an ephemeral volume holds a PVC source; both are the typed
        # PersistentVolumeClaimVolumeSource: its two fields, readOnly only when true
        claim_source = source if kind == "persistentVolumeClaim" else (
            source.get("persistentVolumeClaim") or {})
        claim = claim_source.get("claimName", "")
        _claim(out, volume, claim, block_claims, shared_claims)
        item = {"claimName": claim}
        if claim_source.get("readOnly"):
            item["readOnly"] = True
        out.volumes.append({"name": name, "persistentVolumeClaim": item})
    elif kind == "dataVolume":
        claim = source.get("name", "")
        _claim(out, volume, claim, block_claims, shared_claims)
        out.volumes.append({"name": name, "persistentVolumeClaim": {"claimName": claim}})
    elif kind == "hostDisk":
        path = source.get("path", "")
        host_type = {"Disk": "Directory", "DiskOrCreate": "DirectoryOrCreate"}.get(
            source.get("type"), "")
        out.mounts.append(mount(name, "%s/vmi-disks/%s" % (PRIVATE_DIR, name)))
        out.volumes.append({"name": name, "hostPath": {"path": go_dir(path), "type": host_type}})
    elif kind == "downwardMetrics":
        out.volumes.append(empty_dir(name, medium="Memory", sizeLimit="1Mi"))
        out.mounts.append(mount(name, PRIVATE_DIR + "/downwardmetric-disk"))
    elif kind in ("cloudInitNoCloud", "cloudInitConfigDrive"):
        for ref, suffix, files in (("secretRef", "-udata", ("userdata", "userData")),
                                   ("networkDataSecretRef", "-ndata",
                                    ("networkdata", "networkData"))):
            secret = source.get(ref)
            if not isinstance(secret, dict):
                continue
            out.volumes.append({"name": name + suffix,
                                "secret": {"secretName": secret.get("name", "")}})
            for sub in files:
                out.mounts.append(mount(name + suffix, "%s/secret/%s/%s" % (PRIVATE_DIR, name, sub),
                                        subPath=sub, readOnly=True))
    elif kind == "sysprep":
        if isinstance(source.get("secret"), dict):
            item = {"secret": {"secretName": source["secret"].get("name", "")}}
        else:
            item = {"configMap": {"name": (source.get("configMap") or {}).get("name", "")}}
        item["name"] = name
        out.volumes.append(item)
        out.mounts.append(mount(name, "%s/sysprep/%s" % (PRIVATE_DIR, name), readOnly=True))


def _image_volumes(out, vmi, launcher):
    """The ImageVolume gate: each containerDisk an image volume mounted read-only at
    ``disk_<index>``, and the launcher image as a volume for the digest init containers."""
    disks = [volume for volume in vmi.pod.volumes if volume.kind == "containerDisk"]
    kernel = vmi.pod.kernel_boot
    for volume in disks + ([kernel] if kernel is not None else []):
        reference = {"reference": volume.source.get("image", "")}
        if volume.source.get("imagePullPolicy"):
            reference["pullPolicy"] = volume.source["imagePullPolicy"]
        out.volumes.append({"name": volume.name, "image": reference})
        path = KERNEL_BOOT_DIR if volume is kernel else "%s/disk_%d" % (IMAGE_VOLUME_DIR, volume.index)
        out.mounts.append({"name": volume.name, "mountPath": path, "readOnly": True})
    if (disks or kernel is not None) and vmi.annotations.get(SKIP_DIGEST_ANNOTATION) != "true":
        image, pull_policy = launcher
        out.volumes.append({"name": LAUNCHER_VOLUME,
                            "image": {"reference": image, "pullPolicy": pull_policy}})
