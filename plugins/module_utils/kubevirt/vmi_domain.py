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
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.spec_paths import spec_paths
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import (
    MACHINE_TYPE, NOT_XML, TIME_ZONE, patterned_string, xml_string)

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


# the devices fields read after the clock: seldom any, so all are skipped at once
_LATER_DEVICE_KEYS = frozenset((
    "useVirtioTransitional", "disableHotplug", "inputs", "autoattachInputDevice", "watchdog",
    "sound", "video", "downwardMetrics", "blockMultiQueue", "networkInterfaceMultiqueue",
    "clientPassthrough", "panicDevices"))
_new_section = object.__new__


def read_domain_section(spec, sp, architecture, name, status=None, from_vm=False, non_root=False):
    """The domain's own fields of a VMI spec (``sp``: its path, for errors); the firmware UUID
    defaults, as virt-controller defaults it, from the VM's ``name``. ``status``: the VMI's
    status (its VSOCK CID); ``from_vm``: the VMI is a VirtualMachine's, which virt-controller
    gives an input device under autoattachInputDevice; ``non_root``: the launcher runs as the
    qemu user (``vmi_pod.is_non_root``). Fields are read in a fixed order (the first bad one is
    the one named); an absent section is not read but takes the value its read would give."""
    p = spec_paths(sp)
    domain = spec.get("domain")
    if domain.__class__ is not dict:  # (absent, or not a plain dict: read checked)
        domain = f.mapping(spec, "domain", sp, required=True)

    firmware = domain.get("firmware")
    if firmware.__class__ is not dict:
        firmware = f.mapping(domain, "firmware", p.domain)
    # pkg/defaults/arm64.go: arm64 boots UEFI without secure boot unless told otherwise
    efi, secure_boot = architecture == "arm64", False
    if firmware:
        bootloader = f.mapping(firmware, "bootloader", p.firmware)
        efi_section = f.optional_mapping(bootloader, "efi", p.bootloader)
        efi = efi_section is not None or (efi and not bootloader)
        secure_boot = efi and bool(f.boolean(efi_section or {}, "secureBoot", p.efi,
                                             architecture != "arm64"))

    features = domain.get("features")
    has_features = features is not None
    kvm_hidden = pvspinlock = None
    if has_features:
        features = f.optional_mapping(domain, "features", p.domain)
        kvm = f.optional_mapping(features, "kvm", p.features)
        if kvm is not None:
            kvm_hidden = "on" if f.boolean(kvm, "hidden", p.kvm, False) else "off"
        spin = f.optional_mapping(features, "pvspinlock", p.features)
        if spin is not None:
            pvspinlock = "on" if f.boolean(spin, "enabled", p.pvspinlock, True) else "off"

    devices = domain.get("devices")
    if devices.__class__ is not dict:
        devices = f.mapping(domain, "devices", p.domain)
    tpm = f.optional_mapping(devices, "tpm", p.devices) if "tpm" in devices else None
    tpm_persistent = bool(tpm) and bool(f.boolean(tpm, "persistent", p.tpm, False))

    section = _new_section(DomainSection)
    d = section.__dict__  # (filled in place, in the dataclass's field order)
    d["firmware_uuid"] = ((firmware.get("uuid") is not None and _uuid_text(firmware, "uuid", p.firmware))
                          or legacy_firmware_uuid(name))
    d["firmware_serial"] = (firmware.get("serial") is not None
                            and xml_string(firmware, "serial", p.firmware)) or None
    d["efi"], d["secure_boot"] = efi, secure_boot
    d["machine"] = None
    if domain.get("machine") is not None:
        d["machine"] = patterned_string(
            f.mapping(domain, "machine", p.domain), "type", p.machine, MACHINE_TYPE,
            "is not a machine type (letters, digits, '_', '.', '-')") or None
    if has_features:
        d["acpi"] = _feature_enabled(features, "acpi", p.features, True)
        d["apic"] = _feature_enabled(features, "apic", p.features, True)
        d["smm"] = _feature_enabled(features, "smm", p.features, False) or secure_boot
    else:
        d["acpi"], d["apic"], d["smm"] = True, True, secure_boot
    d["kvm_hidden"], d["pvspinlock"], d["has_features"] = kvm_hidden, pvspinlock, has_features
    d["volumes"] = _volumes(spec, sp) if spec.get("volumes") else {}
    d["filesystems"] = ()
    if devices.get("filesystems"):
        d["filesystems"] = tuple(xml_string(item, "name", where)
                                 for where, item in f.mappings(devices, "filesystems", p.devices)
                                 if f.optional_mapping(item, "virtiofs", where) is not None)
    d["tpm_persistent"] = tpm_persistent
    d["rng"] = "rng" in devices and f.optional_mapping(devices, "rng", p.devices) is not None
    d["clock"] = None
    if domain.get("clock") is not None:
        d["clock"] = _clock(f.optional_mapping(domain, "clock", p.domain), p.clock)
    if _LATER_DEVICE_KEYS.isdisjoint(devices):  # (their reads' values, and the VSOCK CID's)
        d.update(_NO_LATER_DEVICES)
        d["vsock_cid"] = read_vsock_cid(status)
    else:
        _read_later_devices(d, devices, p.devices, architecture, from_vm, status)
    d["kernel_boot"] = None
    if firmware.get("kernelBoot") is not None:
        d["kernel_boot"] = _kernel_boot(firmware, p.firmware)
    d["non_root"] = non_root
    return section


_NO_LATER_DEVICES = {
    "transitional": False, "disable_hotplug": False, "inputs": (), "watchdog": None,
    "sound": None, "video": None, "downward_metrics_device": False, "block_multi_queue": False,
    "network_multi_queue": False, "client_passthrough": False, "vsock_cid": None,
    "panic_devices": ()}


def _read_later_devices(d, devices, vp, architecture, from_vm, status):
    d["transitional"] = bool(f.boolean(devices, "useVirtioTransitional", vp, False))
    d["disable_hotplug"] = bool(f.boolean(devices, "disableHotplug", vp, False))
    d["inputs"] = read_inputs(devices, vp, from_vm)
    d["watchdog"] = read_watchdog(devices, vp, architecture)
    d["sound"] = read_sound(devices, vp)
    d["video"] = read_video(devices, vp, architecture)
    d["downward_metrics_device"] = f.optional_mapping(devices, "downwardMetrics", vp) is not None
    d["block_multi_queue"] = bool(f.boolean(devices, "blockMultiQueue", vp, False))
    d["network_multi_queue"] = bool(f.boolean(devices, "networkInterfaceMultiqueue", vp, False))
    d["client_passthrough"] = f.optional_mapping(devices, "clientPassthrough", vp) is not None
    d["vsock_cid"] = read_vsock_cid(status)
    d["panic_devices"] = read_panic_devices(devices, vp, architecture)


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


def _volumes(spec, sp):
    """``spec.volumes`` by name (the last of a name wins, as a dict of them keeps it)."""
    volumes = {}
    for index, item in enumerate(f.mapping_items(spec, "volumes", sp)):
        found = _plain_volume(item)
        if found is None:  # (anything but the plain shape: read checked, its path built)
            found = _volume(item, f.item_path(sp, "volumes", index))
        volumes[found[0]] = found[1]
    return volumes


def _plain_volume(item):
    """``_volume``'s (name, DomainVolume) of a volume of the usual shape (a clean name, one
    source, its names clean text, cloud-init data given inline), or None for the full read."""
    # (text xml_string takes: printable ASCII at once, else its full check)
    name = item.get("name")
    if name.__class__ is not str or not (
            (name.isascii() and name.isprintable()) or not _NOT_XML_SEARCH(name)):
        return None
    kind = None
    for key in item:
        if key in _SOURCE_KINDS and item[key] is not None:
            if kind is not None:
                return None  # (more than one source: the full read picks one in its order)
            kind = key
    if kind is None:
        return name, _OTHER_VOLUME
    source = item[kind]
    if source.__class__ is not dict or kind in _FULL_READ_KINDS:
        return None
    template, fmt, ref_key = _SOURCE_KINDS[kind]
    ref = label = cloud_init = None
    if ref_key is not None:
        ref = source.get(ref_key)
        if ref is not None and (ref.__class__ is not str or not (
                (ref.isascii() and ref.isprintable()) or not _NOT_XML_SEARCH(ref))):
            return None
        ref = ref or None
        if kind == "configMap" or kind == "secret":
            label = source.get("volumeLabel")
            if label is not None and (label.__class__ is not str or not (
                    (label.isascii() and label.isprintable()) or not _NOT_XML_SEARCH(label))):
                return None
            label = label or None
    elif kind in _CLOUD_INIT_KINDS:
        if not _INLINE_CLOUD_INIT.issuperset(source):
            return None  # (base64 data, Secrets or a field the API does not have)
        user, network = source.get("userData"), source.get("networkData")
        if not ((user is None or user.__class__ is str)
                and (network is None or network.__class__ is str)):
            return None
        cloud_init = _new_tuple(CloudInit, (user or None, network or None, None, None))
    return name, _new_tuple(DomainVolume, (kind, template, fmt, ref, None, cloud_init, label))


_REF_KEYS = {"containerDisk": "image", "persistentVolumeClaim": "claimName",
             "dataVolume": "name", "configMap": "name", "secret": "secretName"}
# kind -> (template, format, the key of its ref); hostDisk too, which the full read reads first
_SOURCE_KINDS = {kind: (template, fmt, _REF_KEYS.get(kind))
                 for kind, template, fmt in _VOLUME_SOURCES}
_SOURCE_KINDS["hostDisk"] = None
_FULL_READ_KINDS = frozenset(("hostDisk", "emptyDisk"))  # (a path or a size to check)
_CLOUD_INIT_KINDS = frozenset(("cloudInitNoCloud", "cloudInitConfigDrive"))
_INLINE_CLOUD_INIT = frozenset(("userData", "networkData"))
_NOT_XML_SEARCH = NOT_XML.search
_new_tuple = tuple.__new__  # a NamedTuple's fields in order, without its __new__'s frame


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
    return name, _OTHER_VOLUME


_OTHER_VOLUME = DomainVolume("other", "{private}/vmi-disks/{name}/disk.img", "raw")


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
