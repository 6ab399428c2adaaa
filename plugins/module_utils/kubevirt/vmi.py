# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VirtualMachineInstance read once into plain values (the parts sizing and placement use).

``read_vmi`` accepts a VirtualMachineInstance or a VirtualMachine (whose ``spec.template`` is the
VMI to be) as the plain dict that YAML or the Kubernetes API gives, checks the types of every field
it reads and names the path of any bad one. Absent fields take the Go zero value KubeVirt sees.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from dataclasses import dataclass
from collections.abc import Mapping
from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_domain import (
    read_domain_section)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_pod import (
    read_pod_section, string_map)
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_exact
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import cpu_feature, xml_string

ARCHITECTURES = ("amd64", "arm64", "s390x")


class _NoEntries(Mapping):
    """The empty mapping of absent labels, annotations, requests and limits: immutable and
    hashable, as a frozen dataclass's default must be."""

    __slots__ = ()

    def __getitem__(self, key):
        raise KeyError(key)

    def __iter__(self):
        return iter(())

    def __len__(self):
        return 0

    def __contains__(self, key):
        return False

    def get(self, key, default=None):
        return default

    def items(self):
        return ()

    def keys(self):
        return ()

    def __hash__(self):
        return 0

    def __repr__(self):
        return "{}"


_EMPTY = _NoEntries()
# what read_vmi gives for absent lists: a plain dict reads faster than any Mapping; never changed
_NO_ENTRIES = {}
_new_vmi = object.__new__
DEFAULT_GRACE_PERIOD = 30  # staging/src/kubevirt.io/api/core/v1/types.go
# pkg/storage/admitters/disks.go: a disk name is a DNS-1123 label (it names a container too);
# pkg/network/admitter/netiface.go: an interface name is [A-Za-z0-9-_]+. Both become aliases.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_INTERFACE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_DISK_SERIAL = re.compile(r"^[A-Za-z0-9_.+-]{1,256}$")  # disks.go: isValidExpression, maxStrLen
_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")
# names recur across VMIs (rootdisk, cloudinitdisk, default): those seen valid are not matched
# again; a bounded set, so hostile input cannot grow it without end
_GOOD_DISK_NAMES = set()
_GOOD_INTERFACE_NAMES = set()
_GOOD_NAMES_KEPT = 4096


class Cpu(NamedTuple):
    """``spec.domain.cpu``; ``present`` is False when the VMI has no cpu section at all."""

    present: bool = False
    sockets: int = 0
    cores: int = 0
    threads: int = 0
    max_sockets: int = 0
    model: str = ""
    dedicated: bool = False
    isolate_emulator_thread: bool = False
    numa_passthrough: bool = False
    has_numa: bool = False
    realtime: bool = False
    features: tuple = ()  # ({"name", "policy"}, ...)

    def vcpus(self):
        """hardware.GetNumberOfVCPUs: sockets * cores * threads, a zero factor skipped (0 if all 0)."""
        count = self.cores
        for factor in (self.sockets, self.threads):
            if factor:
                count = (count * factor) & 0xFFFFFFFF if count else factor  # Go uint32 arithmetic
        return count


NO_CPU = Cpu()


def read_cpu(data, path):
    if data is None:
        return NO_CPU
    passthrough = has_numa = False
    if "numa" in data:
        numa = f.mapping(data, "numa", path)
        has_numa = data["numa"] is not None
        passthrough = f.optional_mapping(numa, "guestMappingPassthrough",
                                         f.join(path, "numa")) is not None
    features = ()
    if "features" in data:
        features = tuple([cpu_feature(item, p) for p, item in f.mappings(data, "features", path)])
    return Cpu(
        True, f.uint32(data, "sockets", path), f.uint32(data, "cores", path),
        f.uint32(data, "threads", path), f.uint32(data, "maxSockets", path),
        xml_string(data, "model", path) if "model" in data else "",
        f.boolean(data, "dedicatedCpuPlacement", path, False),
        f.boolean(data, "isolateEmulatorThread", path, False),
        passthrough, has_numa,
        "realtime" in data and f.optional_mapping(data, "realtime", path) is not None,
        features)


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
    ports: tuple  # ({"port", "protocol"}, ...)

    @property
    def uses_passt(self):
        return self.passt or self.binding == "passt"


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
            ports.append({"port": number, "protocol": protocol})
        ports = tuple(ports)
    return Interface(
        name, xml_string(item, "model", path) if "model" in item else "",
        "sriov" in item and f.optional_mapping(item, "sriov", path) is not None,
        "passtBinding" in item and f.optional_mapping(item, "passtBinding", path) is not None,
        f.string(binding, "name", f.join(path, "binding")) if binding else None,
        mac,
        f.integer(item, "bootOrder", path, None, minimum=1) if "bootOrder" in item else None,
        ports)


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


DISK_BUSES = ("sata", "scsi", "usb", "virtio")


_DISK_KINDS = (("disk", "virtio"), ("cdrom", "sata"), ("lun", "scsi"))


def read_disk(item, path):
    name = _checked(item, "name", path, _DNS_LABEL, _GOOD_DISK_NAMES,
                    "is not a disk name (a DNS-1123 label, as KubeVirt requires)")
    serial = None
    if item.get("serial") is not None:
        serial = f.string(item, "serial", path) or None
        if serial is not None and not _DISK_SERIAL.match(serial):
            raise VmpodInputError(f.join(path, "serial"), serial,
                                  "is not a disk serial ([A-Za-z0-9_.+-], at most 256, as "
                                  "KubeVirt requires)")
    device, bus, readonly, reservation = "disk", "virtio", False, False
    for kind, default_bus in _DISK_KINDS:
        section = item.get(kind)
        if section is None:
            continue
        if section.__class__ is not dict:
            section = f.mapping(item, kind, path)  # refuses what is not a mapping
        device = kind
        bus = section.get("bus") or default_bus
        if bus not in DISK_BUSES:  # (the paths of errors are built only when there is one)
            bus = f.string(section, "bus", f.join(path, kind)) or default_bus
            if bus not in DISK_BUSES:
                raise VmpodInputError(f.join(path, kind + ".bus"), bus,
                                      "must be one of %s" % ", ".join(DISK_BUSES))
        if kind == "cdrom":
            readonly = True
        elif "readonly" in section:
            readonly = bool(f.boolean(section, "readonly", f.join(path, kind), False))
        if kind == "lun":
            reservation = bool(f.boolean(section, "reservation", f.join(path, kind), False))
        break
    dedicated = item.get("dedicatedIOThread")
    if dedicated.__class__ is not bool:
        dedicated = bool(f.boolean(item, "dedicatedIOThread", path, False))
    return Disk(name, device, bus, serial,
                f.integer(item, "bootOrder", path, None, minimum=1) if "bootOrder" in item
                else None, dedicated, readonly, reservation, path)


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


def read_device(data, path):
    claim = None
    if "claimName" in data or "requestName" in data:
        claim = (f.string(data, "claimName", path), f.string(data, "requestName", path))
    return Device(path, f.string(data, "name", path), f.string(data, "deviceName", path), claim)


class Network(NamedTuple):
    name: str
    pod: bool
    multus_network: object  # str or None
    claim: object  # (claim name, request name) or None


def read_network(data, path):
    multus = f.optional_mapping(data, "multus", path)
    multus_network = None
    if multus is not None:
        multus_network = f.string(multus, "networkName", f.join(path, "multus"))
    claim = f.optional_mapping(data, "resourceClaim", path)
    if claim is not None:
        where = f.join(path, "resourceClaim")
        claim = (f.string(claim, "claimName", where), f.string(claim, "requestName", where))
    return Network(f.string(data, "name", path), f.optional_mapping(data, "pod", path) is not None,
                   multus_network, claim)


@dataclass(frozen=True)
class Vmi:
    """The VMI values that sizing, placement and rendering read, immutable once read.

    Defaults are the values of absent sections (Go's zero values); ``read_vmi`` gives only what
    the VMI has, into the instance's ``__dict__`` at once (a frozen dataclass's ``__init__``
    would cost more than the rest of the read for these 40-odd fields). ``spec_path`` is where the VMI's spec is (``spec``, or ``spec.template.spec`` of
    a VirtualMachine), for the paths in errors.
    """

    kind: str = "VirtualMachineInstance"
    spec_path: str = "spec"
    name: str = ""
    namespace: str = ""
    uid: str = ""
    labels: Mapping = _EMPTY
    annotations: Mapping = _EMPTY
    architecture: str = "amd64"
    requests: Mapping = _EMPTY  # resource name -> Quantity
    limits: Mapping = _EMPTY
    overcommit_guest_overhead: bool = False
    memory_present: bool = False
    guest: object = None  # Quantity or None, likewise max_guest and reserved_overhead
    max_guest: object = None
    hugepage_size: object = None  # the pageSize text, or None without hugepages
    page_size: object = None  # that size as a Quantity, None when it does not parse exactly
    reserved_overhead: object = None
    cpu: Cpu = NO_CPU
    io_threads_policy: object = None  # str or None
    supplemental_pool_thread_count: object = None  # int or None
    autoattach_graphics: object = None  # True, False or None (unset), likewise below
    autoattach_pod_interface: object = None
    autoattach_vsock: object = None
    autoattach_serial: object = None
    autoattach_memballoon: object = None
    interfaces: tuple = ()
    gpus: tuple = ()
    host_devices: tuple = ()
    disks: tuple = ()
    networks: tuple = ()
    tpm: bool = False
    lun_reservation: bool = False
    downward_metrics_volume: bool = False
    grace_period: int = DEFAULT_GRACE_PERIOD
    exec_liveness: bool = False
    exec_readiness: bool = False
    sev: bool = False
    sev_es: bool = False
    snp: bool = False
    tdx: bool = False
    domain: object = None  # a vmi_domain.DomainSection when read with_domain
    pod: object = None  # a vmi_pod.PodSection when read with_pod


def spec_of(obj):
    """(spec dict, path of spec, kind) of a VMI, or of a VirtualMachine's template."""
    if not isinstance(obj, dict):
        raise VmpodInputError("", obj, "must be a VirtualMachineInstance or VirtualMachine mapping")
    kind = obj.get("kind") or "VirtualMachineInstance"
    if kind == "VirtualMachine":
        spec = f.mapping(obj, "spec", "", required=True)
        template = f.mapping(spec, "template", "spec", required=True)
        return f.mapping(template, "spec", "spec.template", required=True), "spec.template.spec", kind
    if kind != "VirtualMachineInstance":
        raise VmpodInputError("kind", kind, "must be VirtualMachineInstance or VirtualMachine")
    return f.mapping(obj, "spec", "", required=True), "spec", kind


class _Paths:
    """Field paths under one spec path, built once per spec path rather than per VMI."""

    def __init__(self, sp):
        self.domain = f.join(sp, "domain")
        self.resources = f.join(self.domain, "resources")
        self.memory = f.join(self.domain, "memory")
        self.hugepages = f.join(self.memory, "hugepages")
        self.reserved = f.join(self.memory, "reservedOverhead")
        self.cpu = f.join(self.domain, "cpu")
        self.io_threads = f.join(self.domain, "ioThreads")
        self.devices = f.join(self.domain, "devices")
        self.tpm = f.join(self.devices, "tpm")
        self.security = f.join(self.domain, "launchSecurity")
        self.sev = f.join(self.security, "sev")
        self.sev_policy = f.join(self.sev, "policy")


_PATHS = {"spec": _Paths("spec"), "spec.template.spec": _Paths("spec.template.spec")}


def read_vmi(obj, arch="amd64", with_domain=False, with_pod=False):
    """Read a VMI (or VirtualMachine) dict. ``arch`` is the cluster's; ``spec.architecture`` wins.

    ``with_domain`` / ``with_pod``: also read the fields only the libvirt domain (``vmi.domain``, a
    ``vmi_domain.DomainSection``) or only the launcher Pod (``vmi.pod``, a ``vmi_pod.PodSection``)
    use; sizing and placement need neither.
    """
    spec, sp, kind = spec_of(obj)
    meta = f.mapping(obj, "metadata", "")
    v = {"kind": kind, "spec_path": sp, "requests": _NO_ENTRIES, "limits": _NO_ENTRIES}
    v["name"] = f.string(meta, "name", "metadata")
    v["namespace"] = f.string(meta, "namespace", "metadata")
    v["uid"] = f.string(meta, "uid", "metadata")
    v["labels"] = string_map(meta, "labels", "metadata")
    v["annotations"] = string_map(meta, "annotations", "metadata")
    if kind == "VirtualMachine":
        # the VMI takes its labels and annotations from the template, its name from the VM
        template_meta = f.mapping(obj["spec"]["template"], "metadata", "spec.template")
        v["labels"] = string_map(template_meta, "labels", "spec.template.metadata")
        v["annotations"] = string_map(template_meta, "annotations", "spec.template.metadata")

    architecture = f.string(spec, "architecture", sp) or arch
    if architecture not in ARCHITECTURES:
        where = f.join(sp, "architecture") if spec.get("architecture") else "arch"
        raise VmpodInputError(where, architecture, "is not a supported architecture (%s)"
                              % ", ".join(ARCHITECTURES))
    v["architecture"] = architecture

    p = _PATHS[sp]
    domain = f.mapping(spec, "domain", sp, required=True)
    resources = f.optional_mapping(domain, "resources", p.domain)
    if resources:
        _read_resources(v, resources, p)
    memory = f.optional_mapping(domain, "memory", p.domain)
    if memory is not None:
        _read_memory(v, memory, p)
    if "cpu" in domain:
        v["cpu"] = read_cpu(f.optional_mapping(domain, "cpu", p.domain), p.cpu)
    if "ioThreadsPolicy" in domain or "ioThreads" in domain:
        v["io_threads_policy"] = f.string(domain, "ioThreadsPolicy", p.domain) or None
        io_threads = f.mapping(domain, "ioThreads", p.domain)
        v["supplemental_pool_thread_count"] = f.uint32(
            io_threads, "supplementalPoolThreadCount", p.io_threads, None)
    devices = f.optional_mapping(domain, "devices", p.domain)
    if devices:
        _read_devices(v, devices, p)
    security = f.optional_mapping(domain, "launchSecurity", p.domain)
    if security:
        _read_launch_security(v, security, p)

    if spec.get("networks"):
        v["networks"] = tuple([read_network(item, np)
                               for np, item in f.mappings(spec, "networks", sp)])
    if spec.get("volumes"):
        for vp, volume in f.mappings(spec, "volumes", sp):
            if f.optional_mapping(volume, "downwardMetrics", vp) is not None:
                v["downward_metrics_volume"] = True
    v["grace_period"] = f.integer(spec, "terminationGracePeriodSeconds", sp, DEFAULT_GRACE_PERIOD,
                                 minimum=0)
    if "livenessProbe" in spec:
        v["exec_liveness"] = _has_exec_probe(spec, "livenessProbe", sp)
    if "readinessProbe" in spec:
        v["exec_readiness"] = _has_exec_probe(spec, "readinessProbe", sp)
    if with_domain:
        v["domain"] = read_domain_section(spec, sp, architecture)
    if with_pod:
        v["pod"] = read_pod_section(spec, sp)
    vmi = _new_vmi(Vmi)
    vmi.__dict__.update(v)
    return vmi


def _read_resources(v, resources, p):
    v["requests"] = f.resource_list(resources, "requests", p.resources)
    v["limits"] = f.resource_list(resources, "limits", p.resources)
    v["overcommit_guest_overhead"] = f.boolean(resources, "overcommitGuestOverhead", p.resources,
                                              False)


def _read_memory(v, memory, p):
    v["memory_present"] = True
    v["guest"] = f.quantity(memory, "guest", p.memory)
    v["max_guest"] = f.quantity(memory, "maxGuest", p.memory)
    hugepages = f.optional_mapping(memory, "hugepages", p.memory)
    if hugepages is not None:
        v["hugepage_size"] = f.string(hugepages, "pageSize", p.hugepages)
        v["page_size"] = parse_exact(v["hugepage_size"])  # None when it does not parse exactly
    reserved = f.mapping(memory, "reservedOverhead", p.memory)
    v["reserved_overhead"] = f.quantity(reserved, "addedOverhead", p.reserved)


def _read_devices(v, devices, p):
    devp = p.devices
    v["autoattach_graphics"] = f.boolean(devices, "autoattachGraphicsDevice", devp)
    v["autoattach_pod_interface"] = f.boolean(devices, "autoattachPodInterface", devp)
    v["autoattach_vsock"] = f.boolean(devices, "autoattachVSOCK", devp)
    v["autoattach_serial"] = f.boolean(devices, "autoattachSerialConsole", devp)
    v["autoattach_memballoon"] = f.boolean(devices, "autoattachMemBalloon", devp)
    if devices.get("interfaces"):
        v["interfaces"] = tuple([read_interface(item, ip)
                                 for ip, item in f.mappings(devices, "interfaces", devp)])
    if devices.get("gpus"):
        v["gpus"] = tuple([read_device(item, ip)
                           for ip, item in f.mappings(devices, "gpus", devp)])
    if devices.get("hostDevices"):
        v["host_devices"] = tuple([read_device(item, ip)
                                   for ip, item in f.mappings(devices, "hostDevices", devp)])
    tpm = f.optional_mapping(devices, "tpm", devp)
    v["tpm"] = tpm is not None and f.boolean(tpm, "enabled", p.tpm, True)
    if devices.get("disks"):
        disks = [read_disk(item, dp) for dp, item in f.mappings(devices, "disks", devp)]
        v["disks"] = tuple(disks)
        v["lun_reservation"] = any([disk.reservation for disk in disks])


def _read_launch_security(v, security, p):
    sev = f.optional_mapping(security, "sev", p.security)
    v["sev"] = sev is not None
    if sev is not None:
        policy = f.mapping(sev, "policy", p.sev)
        v["sev_es"] = bool(f.boolean(policy, "encryptedState", p.sev_policy, False))
    v["snp"] = f.optional_mapping(security, "snp", p.security) is not None
    v["tdx"] = f.optional_mapping(security, "tdx", p.security) is not None


def _has_exec_probe(spec, key, path):
    probe = f.optional_mapping(spec, key, path)
    return probe is not None and f.optional_mapping(probe, "exec", f.join(path, key)) is not None
