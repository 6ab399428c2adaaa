# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lists of a VMI read into plain values: its interfaces, disks, GPUs and host devices, and
networks (``kubevirt.vmi.read_vmi`` calls these; sizing and the domain both use them).

Each list has a fast path for the common plain item (a known name, no field that needs more
than a type check), which gives exactly what the full, checked read gives; anything else, and
every error, goes through the full read, which builds the item's path for the error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import xml_string

# pkg/storage/admitters/disks.go: a disk name is a DNS-1123 label (it names a container too);
# pkg/network/admitter/netiface.go: an interface name is [A-Za-z0-9-_]+. Both become aliases.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")
_INTERFACE_NAME = re.compile(r"^[A-Za-z0-9_-]+\Z")
_DISK_SERIAL = re.compile(r"^[A-Za-z0-9_.+-]{1,256}\Z")  # disks.go: isValidExpression, maxStrLen
_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}\Z")
# names recur across VMIs (rootdisk, cloudinitdisk, default): those seen valid are not matched
# again; a bounded set, so hostile input cannot grow it without end
_GOOD_DISK_NAMES = set()
_GOOD_INTERFACE_NAMES = set()
_GOOD_NAMES_KEPT = 4096
# a NamedTuple's own __new__ is a Python-level call that costs more than the read of the item;
# tuple.__new__ with all fields in order builds the same immutable value
_new_tuple = tuple.__new__


class Interface(NamedTuple):
    """An interface of ``spec.domain.devices.interfaces``, all that sizing and the domain use.

    ``passt``: the core ``passtBinding`` (its memory is KubeVirt's overhead); ``binding``: the
    name of a network binding plugin; ``uses_passt``: either way, the domain's passt backend.
    """

    name: str
    model: str
    sriov: bool
    passt: bool
    binding: object  # str or None
    mac: object  # str or None
    boot_order: object  # int or None
    ports: tuple  # ({"port", "protocol" (lower case), and "name" when given}, ...)
    masquerade: bool  # masquerade binding
    absent: bool  # state: absent (being hot-unplugged)
    pci_address: object  # (domain, bus, slot, function) hex texts, or None
    acpi_index: int  # 0 for none
    link_down: bool  # state: down (the link starts down)

    @property
    def uses_passt(self):
        return self.passt or self.binding == "passt"


# fields of an interface beyond its name, kind and MAC address that need more than a type check
_CHECKED_INTERFACE_FIELDS = frozenset(("binding", "ports", "model", "bootOrder", "state",
                                       "pciAddress", "acpiIndex"))


def read_interfaces(devices, devp):
    """``devices.interfaces`` as a tuple of Interface values (``devp``: the devices' path)."""
    result = []
    for index, item in enumerate(f.mapping_items(devices, "interfaces", devp)):
        name = item.get("name")
        # fast path: a name seen valid, a kind section (masquerade, sriov, ...), perhaps a MAC
        # address, and nothing else to check: the full read would give this same value
        if (name.__class__ is str and name in _GOOD_INTERFACE_NAMES
                and _CHECKED_INTERFACE_FIELDS.isdisjoint(item)):
            sriov, passt = item.get("sriov"), item.get("passtBinding")
            masquerade, mac = item.get("masquerade"), item.get("macAddress")
            if ((sriov is None or sriov.__class__ is dict)
                    and (passt is None or passt.__class__ is dict)
                    and (masquerade is None or masquerade.__class__ is dict)
                    and (mac is None or (mac.__class__ is str and _MAC.match(mac)))):
                result.append(_new_tuple(Interface, (name, "", sriov is not None,
                                                     passt is not None, None, mac, None, (),
                                                     masquerade is not None, False, None, 0,
                                                     False)))
                continue
        result.append(read_interface(item, f.item_path(devp, "interfaces", index)))
    return tuple(result)


def read_interface(item, path):
    name = _checked(item, "name", path, _INTERFACE_NAME, _GOOD_INTERFACE_NAMES,
                    "is not an interface name ([A-Za-z0-9-_]+, as KubeVirt requires)")
    mac = None
    if item.get("macAddress") is not None:
        mac = xml_string(item, "macAddress", path) or None
        if mac is not None and not _MAC.match(mac):
            raise VmpodInputError(f.join(path, "macAddress"), mac, "is not a MAC address")
    binding = f.optional_mapping(item, "binding", path) if "binding" in item else None
    ports = ()
    if item.get("ports"):
        ports = []
        for ppath, port in f.mappings(item, "ports", path):
            number = f.integer(port, "port", ppath, None, minimum=1, maximum=65535)
            protocol = (f.string(port, "protocol", ppath) or "TCP").lower()
            if number is None or protocol not in ("tcp", "udp"):
                raise VmpodInputError(ppath, port, "needs a port number and protocol TCP or UDP")
            entry = {"port": number, "protocol": protocol}
            name = f.string(port, "name", ppath)
            if name:
                entry["name"] = name
            ports.append(entry)
        ports = tuple(ports)
    state = f.string(item, "state", path)
    return _new_tuple(Interface, (
        name, xml_string(item, "model", path) if "model" in item else "",
        "sriov" in item and f.optional_mapping(item, "sriov", path) is not None,
        "passtBinding" in item and f.optional_mapping(item, "passtBinding", path) is not None,
        f.string(binding, "name", f.join(path, "binding")) if binding else None,
        mac,
        f.integer(item, "bootOrder", path, None, minimum=1) if "bootOrder" in item else None,
        ports,
        "masquerade" in item and f.optional_mapping(item, "masquerade", path) is not None,
        state == "absent",
        _pci_address(item, path) if item.get("pciAddress") else None,
        # converter/network/configurator.go: an acpiIndex above 0 is set, any other ignored
        max(f.integer(item, "acpiIndex", path, 0, maximum=(1 << 31) - 1), 0)
        if "acpiIndex" in item else 0,
        state == "down"))


class Disk(NamedTuple):
    """A disk of ``spec.domain.devices.disks``: its kind (disk, cdrom, lun), bus and options."""

    name: str
    device: str
    bus: str
    serial: object  # str or None
    boot_order: object  # int or None
    dedicated_io_thread: bool
    readonly: bool
    reservation: bool  # a LUN with SCSI persistent reservation
    path: str
    cache: object  # none, writethrough, writeback; None: the node decides (direct I/O or not)
    io: object  # native, threads; None: the node decides
    error_policy: str  # stop (the default), ignore, report, enospace
    shareable: bool
    tray: object  # a CD-ROM's tray, open or closed (the default); None for other kinds
    pci_address: object  # (domain, bus, slot, function) hex texts of a virtio disk, or None


DISK_BUSES = ("sata", "scsi", "usb", "virtio")
_BUS_SET = frozenset(DISK_BUSES)


_DISK_KINDS = (("disk", "virtio"), ("cdrom", "sata"), ("lun", "scsi"))
# pkg/storage/admitters/disks.go: validateCacheMode, validateIOMode, validateErrorPolicy
DISK_CACHES = ("none", "writethrough", "writeback")
DISK_IO_MODES = ("native", "threads")
DISK_ERROR_POLICIES = ("stop", "ignore", "report", "enospace")
# pkg/util/hardware/hw_utils.go PCI_ADDRESS_PATTERN (Go's \d is ASCII digits only)
PCI_ADDRESS = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])\Z")
# the fields of a disk beyond its kind that the full read checks; a disk without them takes
# their defaults at once
_DISK_DETAIL_FIELDS = frozenset(("cache", "io", "errorPolicy", "shareable"))
_DISK_RARE_FIELDS = _DISK_DETAIL_FIELDS | {"serial", "bootOrder"}


def read_disks(devices, devp):
    """``devices.disks`` as a tuple of Disk values (each keeps its path, for later errors)."""
    items = f.mapping_items(devices, "disks", devp)
    result = []
    for item, path in zip(items, f.item_paths(devp, "disks", len(items))):
        name, dedicated = item.get("name"), item.get("dedicatedIOThread", False)
        # fast path: a name seen valid, a disk target with at most a known bus or an empty
        # cdrom section, perhaps a dedicated IO thread, nothing else: as the full read gives it
        if (name.__class__ is str and name in _GOOD_DISK_NAMES and dedicated.__class__ is bool
                and len(item) == 2 + ("dedicatedIOThread" in item)):
            section = item.get("disk")
            if section.__class__ is dict:
                bus, size = section.get("bus"), len(section)
                if size == 0 or (size == 1 and bus.__class__ is str and bus in _BUS_SET):
                    result.append(_new_tuple(Disk, (name, "disk", bus or "virtio", None, None,
                                                    dedicated, False, False, path, None, None,
                                                    "stop", False, None, None)))
                    continue
            else:
                section = item.get("cdrom")
                if section.__class__ is dict and not section:  # (readonly, its tray closed)
                    result.append(_new_tuple(Disk, (name, "cdrom", "sata", None, None,
                                                    dedicated, True, False, path, None, None,
                                                    "stop", False, "closed", None)))
                    continue
        result.append(read_disk(item, path))
    return tuple(result)


def read_disk(item, path):
    name = item.get("name")
    if name.__class__ is not str or name not in _GOOD_DISK_NAMES:  # (seen valid: no match again)
        name = _checked(item, "name", path, _DNS_LABEL, _GOOD_DISK_NAMES,
                        "is not a disk name (a DNS-1123 label, as KubeVirt requires)")
    serial = boot_order = None
    rare = not _DISK_RARE_FIELDS.isdisjoint(item)  # (without them, their defaults at once)
    if rare and item.get("serial") is not None:
        serial = f.string(item, "serial", path) or None
        if serial is not None and not _DISK_SERIAL.match(serial):
            raise VmpodInputError(f.join(path, "serial"), serial,
                                  "is not a disk serial ([A-Za-z0-9_.+-], at most 256, as "
                                  "KubeVirt requires)")
    device, bus, readonly, reservation = "disk", "virtio", False, False
    tray = pci_address = None
    for kind, default_bus in _DISK_KINDS:
        section = item.get(kind)
        if section is None:
            continue
        if section.__class__ is not dict:
            section = f.mapping(item, kind, path)  # refuses what is not a mapping
        device = kind
        bus = section.get("bus") or default_bus
        if bus.__class__ is not str or bus not in _BUS_SET:  # (paths built only for an error)
            bus = f.string(section, "bus", f.join(path, kind)) or default_bus
            if bus not in DISK_BUSES:
                raise VmpodInputError(f.join(path, kind + ".bus"), bus,
                                      "must be one of %s" % ", ".join(DISK_BUSES))
        if kind == "cdrom":  # api/core/v1/defaults.go SetDefaults_CDRomTarget: readonly, closed
            readonly = _flag(section, "readonly", path, kind, True)
            tray = section.get("tray")
            if tray is None:
                tray = "closed"
            elif tray.__class__ is not str or tray not in _TRAYS:  # ("" is closed too)
                tray = f.string(section, "tray", f.join(path, kind)) or "closed"
                if tray not in _TRAYS:
                    raise VmpodInputError(f.join(path, "cdrom.tray"), tray, "must be open or closed")
        elif "readonly" in section:
            readonly = _flag(section, "readonly", path, kind, False)
        if kind == "lun":
            reservation = _flag(section, "reservation", path, kind, False)
        if kind == "disk" and section.get("pciAddress"):
            pci_address = _disk_pci_address(section, f.join(path, kind), bus)
        break
    dedicated = item.get("dedicatedIOThread")
    if dedicated is None:
        dedicated = False
    elif dedicated.__class__ is not bool:
        dedicated = bool(f.boolean(item, "dedicatedIOThread", path, False))
    cache, io, error_policy, shareable = None, None, "stop", False
    if rare:
        if not _DISK_DETAIL_FIELDS.isdisjoint(item):
            cache, io, error_policy, shareable = _disk_details(item, path, device)
        boot_order = f.integer(item, "bootOrder", path, None, minimum=1)
    return _new_tuple(Disk, (name, device, bus, serial, boot_order, dedicated, readonly,
                             reservation, path, cache, io, error_policy, shareable, tray,
                             pci_address))


_TRAYS = ("open", "closed")


def _flag(section, key, path, kind, default):
    """The boolean ``section[key]`` of a disk's ``kind`` section (``default`` when absent or
    null); its path is built only for an error."""
    value = section.get(key)
    if value.__class__ is bool:
        return value
    return bool(f.boolean(section, key, f.join(path, kind), default))


def _one_of(item, key, path, allowed):
    value = f.string(item, key, path) or None
    if value is not None and value not in allowed:
        raise VmpodInputError(f.join(path, key), value, "must be one of %s" % ", ".join(allowed))
    return value


def _disk_details(item, path, device):
    """(cache, io, errorPolicy, shareable) of a disk; only a disk target is made shareable, and
    a shareable disk takes cache none and no other (storage/disk.go
    convert_v1_Disk_To_api_Disk)."""
    cache = _one_of(item, "cache", path, DISK_CACHES)
    shareable = device == "disk" and bool(f.boolean(item, "shareable", path, False))
    if shareable:
        if cache is None:
            cache = "none"
        elif cache != "none":
            raise VmpodInputError(f.join(path, "cache"), cache, "must be none for a shareable disk")
    return (cache, _one_of(item, "io", path, DISK_IO_MODES),
            _one_of(item, "errorPolicy", path, DISK_ERROR_POLICIES) or "stop", shareable)


def _disk_pci_address(section, path, bus):
    """A disk target's pciAddress (virtio only, pkg/storage/admitters/disks.go
    validatePciAddress)."""
    if bus != "virtio":
        raise VmpodInputError(f.join(path, "pciAddress"), section.get("pciAddress"),
                              "is only possible on the virtio bus")
    return _pci_address(section, path)


def _pci_address(item, path):
    """``item.pciAddress`` split as device.NewPciAddressField splits it (hw_utils.go
    ParsePciAddress): domain, bus, slot, function."""
    text = f.string(item, "pciAddress", path)
    match = PCI_ADDRESS.match(text)
    if match is None:
        raise VmpodInputError(f.join(path, "pciAddress"), text,
                              "is not a PCI address such as 0000:81:01.0")
    return match.groups()


def _checked(item, key, path, pattern, good, problem):
    """``item[key]``, a string matching ``pattern``; names seen valid before skip the match."""
    value = item.get(key)
    if value.__class__ is str and value in good:
        return value
    value = f.string(item, key, path)
    if not pattern.match(value):
        raise VmpodInputError(f.join(path, key), item.get(key), problem)
    if len(good) < _GOOD_NAMES_KEPT:
        good.add(value)
    return value


class Device(NamedTuple):
    """A GPU or host device: a device-plugin resource name, or a DRA claim.

    The claim's fields sit inline on the device (``claimName``, ``requestName``), as Go's
    embedded ``*ClaimRequest`` does: naming either of them makes a claim.
    """

    path: str
    name: str
    device_name: str
    claim: object  # (claim name, request name) or None


def read_devices(devices, key, devp):
    """``devices.gpus`` or ``devices.hostDevices`` as a tuple of Device values."""
    items = f.mapping_items(devices, key, devp)
    return tuple(map(read_device, items, f.item_paths(devp, key, len(items))))


def read_device(data, path):
    name, device_name = data.get("name"), data.get("deviceName")
    claim = None
    if "claimName" in data or "requestName" in data:
        claim = (f.string(data, "claimName", path), f.string(data, "requestName", path))
    elif name.__class__ is str and device_name.__class__ is str:
        return _new_tuple(Device, (path, name, device_name, None))  # (as the read below gives it)
    return Device(path, f.string(data, "name", path), f.string(data, "deviceName", path), claim)


class Network(NamedTuple):
    name: str
    pod: bool
    multus_network: object  # str or None
    claim: object  # (claim name, request name) or None
    multus_default: bool  # multus.default: the Pod's primary network instead of the cluster's


def read_networks(spec, sp):
    """``spec.networks`` as a tuple of Network values (``sp``: the spec's path)."""
    result = []
    for index, data in enumerate(f.mapping_items(spec, "networks", sp)):
        name, pod = data.get("name"), data.get("pod")
        # fast path: a named network without a claim, the pod network or a plain Multus one
        if (name.__class__ is str and "resourceClaim" not in data
                and (pod is None or pod.__class__ is dict)):
            if "multus" not in data:
                result.append(_new_tuple(Network, (name, pod is not None, None, None, False)))
                continue
            multus = data["multus"]
            if multus.__class__ is dict:
                network, default = multus.get("networkName"), multus.get("default", False)
                if network.__class__ is str and default.__class__ is bool:
                    result.append(_new_tuple(Network, (name, pod is not None, network, None,
                                                       default)))
                    continue
        result.append(read_network(data, f.item_path(sp, "networks", index)))
    return tuple(result)


def read_network(data, path):
    multus = f.optional_mapping(data, "multus", path)
    multus_network, multus_default = None, False
    if multus is not None:
        multus_network = f.string(multus, "networkName", f.join(path, "multus"))
        multus_default = bool(f.boolean(multus, "default", f.join(path, "multus"), False))
    claim = f.optional_mapping(data, "resourceClaim", path)
    if claim is not None:
        where = f.join(path, "resourceClaim")
        claim = (f.string(claim, "claimName", where), f.string(claim, "requestName", where))
    return Network(f.string(data, "name", path), f.optional_mapping(data, "pod", path) is not None,
                   multus_network, claim, multus_default)
