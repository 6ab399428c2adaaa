# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fields of a VMI that only its libvirt domain uses (firmware, machine, features, volumes,
filesystems, TPM, RNG, clock, input devices, watchdog, sound, video, queues), read once into a
``DomainSection``.

``kubevirt.vmi.read_vmi(obj, with_domain=True)`` calls this; disks, interfaces, the CPU and memory
are in the ``Vmi`` itself, since sizing reads them too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.identity import legacy_firmware_uuid
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_peripherals import (
    read_inputs, read_panic_devices, read_sound, read_video, read_vsock_cid, read_watchdog)
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import (
    MACHINE_TYPE, TIME_ZONE, patterned_string, xml_string)

# Where virt-launcher finds each kind of volume (pkg/virt-launcher/virtwrap/converter/storage,
# converter_test.go testdata/domain_x86_64.xml): (kind, path under the private dir or absolute,
# format).
_VOLUME_SOURCES = (
    ("persistentVolumeClaim", "{private}/vmi-disks/{name}/disk.img", "raw"),
    ("dataVolume", "{private}/vmi-disks/{name}/disk.img", "raw"),
    ("containerDisk", "/var/run/kubevirt-ephemeral-disks/disk-data/{name}/disk.qcow2", "qcow2"),
    ("ephemeral", "/var/run/kubevirt-ephemeral-disks/disk-data/{name}/disk.qcow2", "qcow2"),
    ("emptyDisk", "/var/run/kubevirt-ephemeral-disks/empty-disks/{name}.qcow2", "qcow2"),
    ("cloudInitNoCloud", "/var/run/libvirt/cloud-init-dir/{namespace}/{vmi}/noCloud.iso", "raw"),
    ("cloudInitConfigDrive", "/var/run/libvirt/cloud-init-dir/{namespace}/{vmi}/configdrive.iso",
     "raw"),
    ("secret", "{private}/secret-disks/{name}.iso", "raw"),
    ("configMap", "{private}/config-map-disks/{name}.iso", "raw"),
    ("serviceAccount", "{private}/service-account-disk/service-account.iso", "raw"),
    ("sysprep", "{private}/sysprep-disks/{name}.iso", "raw"),
    # pkg/config: GetDownwardAPIDiskPath; DownwardMetricDisk (in DownwardAPIDisksDir)
    ("downwardAPI", "{private}/downwardapi-disks/{name}.iso", "raw"),
    ("downwardMetrics", "{private}/downwardapi-disks/vhostmd0", "raw"),
)


# the Secret each cloud-init item may come from, by the API's JSON names (schema.go
# CloudInitNoCloudSource, CloudInitConfigDriveSource: UserDataSecretRef is "secretRef")
CLOUD_INIT_SECRET_REFS = (("userData", "secretRef"), ("networkData", "networkDataSecretRef"))


def check_cloud_init_refs(source, path):
    """Refuse ``userDataSecretRef``, a name the API does not have (it would drop the field and
    the guest would boot without its user data): the user-data Secret is ``secretRef``."""
    if "userDataSecretRef" in source:
        raise VmpodInputError(f.join(path, "userDataSecretRef"), source["userDataSecretRef"],
                              "is not a field of the API: the user-data Secret is secretRef")


class CloudInit(NamedTuple):
    """A cloud-init volume's data: each item the text given inline (``userData``, or
    ``userDataBase64`` decoded), or None; the Secrets it names otherwise. Secrets all."""

    user_data: object  # str or None
    network_data: object  # str or None
    user_data_secret: object  # Secret name or None
    network_data_secret: object  # Secret name or None


class DomainVolume(NamedTuple):
    """A volume of ``spec.volumes`` as the domain uses it: where virt-launcher finds it
    (``template``, formatted with the private directory and names) and what a libvirt host
    needs to find or make it instead (``ref``: the containerDisk image, the claim, DataVolume,
    ConfigMap or Secret name; ``capacity``: an emptyDisk's bytes; ``cloud_init``: a
    ``CloudInit``; ``label``: a ConfigMap's or Secret's ``volumeLabel``)."""

    kind: str
    template: str
    format: str
    ref: object = None
    capacity: object = None
    cloud_init: object = None
    label: object = None


@dataclass(frozen=True)
class DomainSection:
    firmware_uuid: str  # firmware.uuid, else KubeVirt's legacy UUID of the name
    firmware_serial: object  # str or None
    efi: bool
    secure_boot: bool
    machine: object  # str or None
    acpi: bool
    apic: bool
    smm: bool
    kvm_hidden: object  # "on", "off" or None
    pvspinlock: object  # "on", "off" or None
    has_features: bool
    volumes: dict  # volume name -> DomainVolume
    filesystems: tuple  # virtiofs filesystem names
    tpm_persistent: bool
    rng: bool
    clock: object  # dict or None
    transitional: bool
    disable_hotplug: bool  # devices.disableHotplug (no SCSI controller kept for hotplug)
    inputs: tuple  # InputDevice values
    watchdog: object  # Watchdog or None
    sound: object  # SoundCard or None
    video: object  # devices.video.type, or None for the architecture's default
    downward_metrics_device: bool  # devices.downwardMetrics
    block_multi_queue: bool  # devices.blockMultiQueue
    network_multi_queue: bool  # devices.networkInterfaceMultiqueue
    client_passthrough: bool  # devices.clientPassthrough (USB redirection)
    vsock_cid: object  # int: status.VSOCKCID, as virt-controller allocated it; or None
    panic_devices: tuple  # each a model (hyperv, isa, pvpanic) or None for the default
    # firmware.kernelBoot: (kernelArgs or None, container kernelPath, container initrdPath), the
    # paths "" without a container; None without kernelBoot
    kernel_boot: object = None
    non_root: bool = False  # vmitrait.IsNonRoot (where NVRAM lives: util.PathForNVram)


def read_domain_section(spec, sp, architecture, name, status=None, from_vm=False, non_root=False):
    """The domain's own fields of a VMI spec (``sp``: its path, for errors); the firmware UUID
    defaults, as virt-controller defaults it, from the VM's ``name``. ``status``: the VMI's
    status (its VSOCK CID); ``from_vm``: the VMI is a VirtualMachine's, which virt-controller
    gives an input device under autoattachInputDevice; ``non_root``: the launcher runs as the
    qemu user (``vmi_pod.is_non_root``)."""
    dp = f.join(sp, "domain")
    domain = f.mapping(spec, "domain", sp, required=True)

    firmware = f.mapping(domain, "firmware", dp)
    fp = f.join(dp, "firmware")
    bootloader = f.mapping(firmware, "bootloader", fp)
    efi_section = f.optional_mapping(bootloader, "efi", f.join(fp, "bootloader"))
    # pkg/defaults/arm64.go: arm64 boots UEFI without secure boot unless told otherwise
    efi = efi_section is not None or (architecture == "arm64" and not bootloader)
    secure_boot = efi and f.boolean(efi_section or {}, "secureBoot", f.join(fp, "bootloader.efi"),
                                    architecture != "arm64")

    features = f.optional_mapping(domain, "features", dp)
    has_features = features is not None
    features = features or {}
    fe = f.join(dp, "features")
    kvm = f.optional_mapping(features, "kvm", fe)
    kvm_hidden = None
    if kvm is not None:
        kvm_hidden = "on" if f.boolean(kvm, "hidden", f.join(fe, "kvm"), False) else "off"
    spin = f.optional_mapping(features, "pvspinlock", fe)
    pvspinlock = None
    if spin is not None:
        pvspinlock = "on" if f.boolean(spin, "enabled", f.join(fe, "pvspinlock"), True) else "off"

    devices = f.mapping(domain, "devices", dp)
    vp = f.join(dp, "devices")
    tpm = f.optional_mapping(devices, "tpm", vp)
    persistent = f.boolean(tpm or {}, "persistent", f.join(vp, "tpm"), False)
    return DomainSection(
        firmware_uuid=_uuid_text(firmware, "uuid", fp) or legacy_firmware_uuid(name),
        firmware_serial=xml_string(firmware, "serial", fp) or None,
        efi=efi,
        secure_boot=bool(secure_boot),
        machine=patterned_string(f.mapping(domain, "machine", dp), "type", f.join(dp, "machine"),
                                 MACHINE_TYPE, "is not a machine type (letters, digits, '_', '.', '-')") or None,
        acpi=_feature_enabled(features, "acpi", fe, True),
        apic=_feature_enabled(features, "apic", fe, True),
        smm=_feature_enabled(features, "smm", fe, False) or bool(secure_boot),
        kvm_hidden=kvm_hidden,
        pvspinlock=pvspinlock,
        has_features=has_features,
        volumes=dict(_volume(item, p) for p, item in f.mappings(spec, "volumes", sp)),
        filesystems=tuple(xml_string(item, "name", p)
                          for p, item in f.mappings(devices, "filesystems", vp)
                          if f.optional_mapping(item, "virtiofs", p) is not None),
        tpm_persistent=bool(tpm) and bool(persistent),
        rng=f.optional_mapping(devices, "rng", vp) is not None,
        clock=_clock(f.optional_mapping(domain, "clock", dp), f.join(dp, "clock")),
        transitional=bool(f.boolean(devices, "useVirtioTransitional", vp, False)),
        disable_hotplug=bool(f.boolean(devices, "disableHotplug", vp, False)),
        inputs=read_inputs(devices, vp, from_vm),
        watchdog=read_watchdog(devices, vp, architecture),
        sound=read_sound(devices, vp),
        video=read_video(devices, vp, architecture),
        downward_metrics_device=f.optional_mapping(devices, "downwardMetrics", vp) is not None,
        block_multi_queue=bool(f.boolean(devices, "blockMultiQueue", vp, False)),
        network_multi_queue=bool(f.boolean(devices, "networkInterfaceMultiqueue", vp, False)),
        client_passthrough=f.optional_mapping(devices, "clientPassthrough", vp) is not None,
        vsock_cid=read_vsock_cid(status),
        panic_devices=read_panic_devices(devices, vp, architecture),
        kernel_boot=_kernel_boot(firmware, fp),
        non_root=non_root,
    )


def _kernel_boot(firmware, fp):
    kernel = f.optional_mapping(firmware, "kernelBoot", fp)
    if kernel is None:
        return None
    kp = f.join(fp, "kernelBoot")
    container = f.optional_mapping(kernel, "container", kp) or {}
    cp = f.join(kp, "container")
    return (xml_string(kernel, "kernelArgs", kp) or None, xml_string(container, "kernelPath", cp),
            xml_string(container, "initrdPath", cp))


def _feature_enabled(features, key, path, default):
    section = f.optional_mapping(features, key, path)
    if section is None:
        return default
    return bool(f.boolean(section, "enabled", f.join(path, key), True))


def _volume(item, path):
    name = xml_string(item, "name", path)
    host_disk = f.optional_mapping(item, "hostDisk", path)
    if host_disk is not None:
        disk_path = xml_string(host_disk, "path", f.join(path, "hostDisk"))
        if not disk_path.startswith("/"):
            raise VmpodInputError(f.join(path, "hostDisk.path"), disk_path, "is not an absolute path")
        hp = f.join(path, "hostDisk")
        disk_type = xml_string(host_disk, "type", hp) or None
        if disk_type not in (None, "Disk", "DiskOrCreate"):
            raise VmpodInputError(f.join(hp, "type"), disk_type, "must be Disk or DiskOrCreate")
        size = f.quantity(host_disk, "capacity", hp)
        capacity = size.value() if size is not None else None
        if disk_type == "DiskOrCreate" and not capacity:
            raise VmpodInputError(f.join(hp, "capacity"), host_disk.get("capacity"),
                                  "is required with type DiskOrCreate: the disk is made that size")
        return name, DomainVolume("hostDisk", disk_path, "raw", disk_type, capacity)
    for kind, template, fmt in _VOLUME_SOURCES:
        source = item.get(kind)
        if source is not None:
            kp = f.join(path, kind)
            if not isinstance(source, dict):
                raise VmpodInputError(kp, source, "must be a mapping")
            ref = capacity = cloud_init = label = None
            if kind == "containerDisk":
                ref = xml_string(source, "image", kp) or None
            elif kind == "persistentVolumeClaim":
                ref = xml_string(source, "claimName", kp) or None
            elif kind == "dataVolume":
                ref = xml_string(source, "name", kp) or None
            elif kind == "emptyDisk":
                size = f.quantity(source, "capacity", kp)
                capacity = size.value() if size is not None else None
            elif kind.startswith("cloudInit"):
                cloud_init = _cloud_init(source, kp)
            elif kind in ("configMap", "secret"):
                ref = xml_string(source, "name" if kind == "configMap" else "secretName", kp) or None
                label = xml_string(source, "volumeLabel", kp) or None
            return name, DomainVolume(kind, template, fmt, ref, capacity, cloud_init, label)
    return name, DomainVolume("other", "{private}/vmi-disks/{name}/disk.img", "raw")


def _cloud_init(source, path):
    if not isinstance(source, dict):
        raise VmpodInputError(path, source, "must be a mapping")
    check_cloud_init_refs(source, path)
    items = []
    for key, ref_key in CLOUD_INIT_SECRET_REFS:
        text = f.string(source, key, path) or None
        encoded = f.string(source, key + "Base64", path)
        if text is None and encoded:
            try:
                text = base64.b64decode(encoded, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                # the field is a secret: its value is not repeated
                raise VmpodInputError(f.join(path, key + "Base64"), "(not shown)",
                                      "is not base64 of UTF-8 text")
        ref = f.optional_mapping(source, ref_key, path)
        items.append(text)
        items.append(xml_string(ref, "name", f.join(path, ref_key)) or None
                     if ref is not None else None)
    return CloudInit(items[0], items[2], items[1], items[3])


def _clock(clock, path):
    if clock is None:
        return None
    utc = f.optional_mapping(clock, "utc", path)
    if utc is not None:
        offset = f.integer(utc, "offsetSeconds", f.join(path, "utc"), None)
        return {"offset": "utc", "adjustment": "reset" if offset is None else str(offset),
                "timezone": None}
    zone = patterned_string(clock, "timezone", path, TIME_ZONE,
                            "is not a time zone name such as Europe/Berlin")
    if zone:
        return {"offset": "timezone", "adjustment": None, "timezone": zone}
    return None


def _uuid_text(data, key, path):
    value = f.string(data, key, path)
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise VmpodInputError(f.join(path, key), value, "is not a UUID")
