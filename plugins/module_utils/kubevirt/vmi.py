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

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_domain import (
    read_domain_section)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_pod import (
    read_pod_section, string_map)
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_exact
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import cpu_feature, xml_string

ARCHITECTURES = ("amd64", "arm64", "s390x")
DEFAULT_GRACE_PERIOD = 30  # staging/src/kubevirt.io/api/core/v1/types.go
# pkg/storage/admitters/disks.go: a disk name is a DNS-1123 label (it names a container too);
# pkg/network/admitter/netiface.go: an interface name is [A-Za-z0-9-_]+. Both become aliases.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_INTERFACE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_DISK_SERIAL = re.compile(r"^[A-Za-z0-9_.+-]{1,256}$")  # disks.go: isValidExpression, maxStrLen
_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")


class Cpu:
    """``spec.domain.cpu``; ``present`` is False when the VMI has no cpu section at all."""

    present = False
    sockets = cores = threads = max_sockets = 0
    model = ""
    dedicated = isolate_emulator_thread = numa_passthrough = realtime = has_numa = False
    features = ()

    def __init__(self, data, path):
        if data is None:
            return
        self.present = True
        self.sockets = f.uint32(data, "sockets", path)
        self.cores = f.uint32(data, "cores", path)
        self.threads = f.uint32(data, "threads", path)
        self.max_sockets = f.uint32(data, "maxSockets", path)
        self.model = xml_string(data, "model", path)
        self.dedicated = f.boolean(data, "dedicatedCpuPlacement", path, False)
        self.isolate_emulator_thread = f.boolean(data, "isolateEmulatorThread", path, False)
        if "numa" in data:
            numa = f.mapping(data, "numa", path)
            self.has_numa = data["numa"] is not None
            self.numa_passthrough = f.optional_mapping(numa, "guestMappingPassthrough",
                                                       f.join(path, "numa")) is not None
        self.realtime = f.optional_mapping(data, "realtime", path) is not None
        if "features" in data:
            self.features = tuple(cpu_feature(item, p)
                                  for p, item in f.mappings(data, "features", path))

    def vcpus(self):
        """hardware.GetNumberOfVCPUs: sockets * cores * threads, a zero factor skipped (0 if all 0)."""
        count = self.cores
        for factor in (self.sockets, self.threads):
            if factor:
                count = (count * factor) & 0xFFFFFFFF if count else factor  # Go uint32 arithmetic
        return count


@dataclass(frozen=True)
class Interface:
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
    name = f.string(item, "name", path)
    if not _INTERFACE_NAME.match(name):
        raise VmpodInputError(f.join(path, "name"), item.get("name"),
                              "is not an interface name ([A-Za-z0-9-_]+, as KubeVirt requires)")
    mac = xml_string(item, "macAddress", path) or None
    if mac is not None and not _MAC.match(mac):
        raise VmpodInputError(f.join(path, "macAddress"), mac, "is not a MAC address")
    binding = f.optional_mapping(item, "binding", path)
    ports = []
    for ppath, port in f.mappings(item, "ports", path):
        number = f.integer(port, "port", ppath, None, minimum=1, maximum=65535)
        protocol = (f.string(port, "protocol", ppath) or "TCP").lower()
        if number is None or protocol not in ("tcp", "udp"):
            raise VmpodInputError(ppath, port, "needs a port number and protocol TCP or UDP")
        ports.append({"port": number, "protocol": protocol})
    return Interface(
        name=name, model=xml_string(item, "model", path),
        sriov=f.optional_mapping(item, "sriov", path) is not None,
        passt=f.optional_mapping(item, "passtBinding", path) is not None,
        binding=f.string(binding, "name", f.join(path, "binding")) if binding else None,
        mac=mac, boot_order=f.integer(item, "bootOrder", path, None, minimum=1),
        ports=tuple(ports))


@dataclass(frozen=True)
class Disk:
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


def read_disk(item, path):
    name = f.string(item, "name", path)
    if not _DNS_LABEL.match(name):
        raise VmpodInputError(f.join(path, "name"), item.get("name"),
                              "is not a disk name (a DNS-1123 label, as KubeVirt requires)")
    serial = f.string(item, "serial", path) or None
    if serial is not None and not _DISK_SERIAL.match(serial):
        raise VmpodInputError(f.join(path, "serial"), serial,
                              "is not a disk serial ([A-Za-z0-9_.+-], at most 256, as KubeVirt "
                              "requires)")
    device, bus, readonly, reservation = "disk", "virtio", False, False
    for kind, default_bus in (("disk", "virtio"), ("cdrom", "sata"), ("lun", "scsi")):
        section = f.optional_mapping(item, kind, path)
        if section is not None:
            where = f.join(path, kind)
            device = kind
            bus = f.string(section, "bus", where) or default_bus
            readonly = kind == "cdrom" or bool(f.boolean(section, "readonly", where, False))
            if bus not in DISK_BUSES:
                raise VmpodInputError(f.join(where, "bus"), bus,
                                      "must be one of %s" % ", ".join(DISK_BUSES))
            if kind == "lun":
                reservation = bool(f.boolean(section, "reservation", where, False))
            break
    return Disk(name=name, device=device, bus=bus, serial=serial,
                boot_order=f.integer(item, "bootOrder", path, None, minimum=1),
                dedicated_io_thread=bool(f.boolean(item, "dedicatedIOThread", path, False)),
                readonly=readonly, reservation=reservation, path=path)


class Device:
    """A GPU or host device: a device-plugin resource name, or a DRA claim.

    The claim's fields sit inline on the device (``claimName``, ``requestName``), as Go's
    embedded ``*ClaimRequest`` does: naming either of them makes a claim.
    """

    __slots__ = ("path", "name", "device_name", "claim")

    def __init__(self, data, path):
        self.path = path
        self.name = f.string(data, "name", path)
        self.device_name = f.string(data, "deviceName", path)
        if "claimName" in data or "requestName" in data:
            self.claim = (f.string(data, "claimName", path), f.string(data, "requestName", path))
        else:
            self.claim = None


class Network:
    __slots__ = ("name", "pod", "multus_network", "claim")

    def __init__(self, data, path):
        self.name = f.string(data, "name", path)
        self.pod = f.optional_mapping(data, "pod", path) is not None
        multus = f.optional_mapping(data, "multus", path)
        self.multus_network = None
        if multus is not None:
            self.multus_network = f.string(multus, "networkName", f.join(path, "multus"))
        claim = f.optional_mapping(data, "resourceClaim", path)
        self.claim = None
        if claim is not None:
            where = f.join(path, "resourceClaim")
            self.claim = (f.string(claim, "claimName", where), f.string(claim, "requestName", where))


class Vmi:
    """The VMI values that sizing, placement and rendering read.

    Class attributes are the values of absent sections (Go's zero values); ``read_vmi`` sets only
    what the VMI has.
    """

    kind = "VirtualMachineInstance"
    name = namespace = uid = ""
    labels = annotations = {}
    requests = limits = {}
    overcommit_guest_overhead = False
    memory_present = False
    guest = max_guest = hugepage_size = page_size = reserved_overhead = None
    io_threads_policy = supplemental_pool_thread_count = None
    autoattach_graphics = autoattach_pod_interface = autoattach_vsock = None
    autoattach_serial = autoattach_memballoon = None
    interfaces = gpus = host_devices = disks = networks = ()
    tpm = lun_reservation = downward_metrics_volume = False
    grace_period = DEFAULT_GRACE_PERIOD
    domain = pod = None  # the sections only the domain / the Pod read, when asked for
    exec_liveness = exec_readiness = False
    sev = sev_es = snp = tdx = False


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


def read_vmi(obj, arch="amd64", domain=False, pod=False):
    """Read a VMI (or VirtualMachine) dict. ``arch`` is the cluster's; ``spec.architecture`` wins.

    ``domain`` / ``pod``: also read the fields only the libvirt domain (``vmi.domain``, a
    ``vmi_domain.DomainSection``) or only the launcher Pod (``vmi.pod``, a ``vmi_pod.PodSection``)
    use; sizing and placement need neither.
    """
    spec, sp, kind = spec_of(obj)
    meta = f.mapping(obj, "metadata", "")
    vmi = Vmi()
    vmi.kind = kind
    vmi.spec_path = sp
    vmi.name = f.string(meta, "name", "metadata")
    vmi.namespace = f.string(meta, "namespace", "metadata")
    vmi.uid = f.string(meta, "uid", "metadata")
    vmi.labels = string_map(meta, "labels", "metadata")
    vmi.annotations = string_map(meta, "annotations", "metadata")
    if kind == "VirtualMachine":
        # the VMI takes its labels and annotations from the template, its name from the VM
        template_meta = f.mapping(obj["spec"]["template"], "metadata", "spec.template")
        vmi.labels = string_map(template_meta, "labels", "spec.template.metadata")
        vmi.annotations = string_map(template_meta, "annotations", "spec.template.metadata")

    architecture = f.string(spec, "architecture", sp) or arch
    if architecture not in ARCHITECTURES:
        where = f.join(sp, "architecture") if spec.get("architecture") else "arch"
        raise VmpodInputError(where, architecture, "is not a supported architecture (%s)"
                              % ", ".join(ARCHITECTURES))
    vmi.architecture = architecture

    p = _PATHS[sp]
    domain = f.mapping(spec, "domain", sp, required=True)
    resources = f.optional_mapping(domain, "resources", p.domain)
    if resources:
        _read_resources(vmi, resources, p)
    memory = f.optional_mapping(domain, "memory", p.domain)
    if memory is not None:
        _read_memory(vmi, memory, p)
    vmi.cpu = Cpu(f.optional_mapping(domain, "cpu", p.domain), p.cpu)
    if "ioThreadsPolicy" in domain or "ioThreads" in domain:
        vmi.io_threads_policy = f.string(domain, "ioThreadsPolicy", p.domain) or None
        io_threads = f.mapping(domain, "ioThreads", p.domain)
        vmi.supplemental_pool_thread_count = f.uint32(
            io_threads, "supplementalPoolThreadCount", p.io_threads, None)
    devices = f.optional_mapping(domain, "devices", p.domain)
    if devices:
        _read_devices(vmi, devices, p)
    security = f.optional_mapping(domain, "launchSecurity", p.domain)
    if security:
        _read_launch_security(vmi, security, p)

    if spec.get("networks"):
        vmi.networks = [Network(item, np) for np, item in f.mappings(spec, "networks", sp)]
    if spec.get("volumes"):
        for vp, volume in f.mappings(spec, "volumes", sp):
            if f.optional_mapping(volume, "downwardMetrics", vp) is not None:
                vmi.downward_metrics_volume = True
    vmi.grace_period = f.integer(spec, "terminationGracePeriodSeconds", sp, DEFAULT_GRACE_PERIOD,
                                 minimum=0)
    if "livenessProbe" in spec:
        vmi.exec_liveness = _has_exec_probe(spec, "livenessProbe", sp)
    if "readinessProbe" in spec:
        vmi.exec_readiness = _has_exec_probe(spec, "readinessProbe", sp)
    if domain:
        vmi.domain = read_domain_section(spec, sp, architecture)
    if pod:
        vmi.pod = read_pod_section(spec, sp)
    return vmi


def _read_resources(vmi, resources, p):
    vmi.requests = f.resource_list(resources, "requests", p.resources)
    vmi.limits = f.resource_list(resources, "limits", p.resources)
    vmi.overcommit_guest_overhead = f.boolean(resources, "overcommitGuestOverhead", p.resources,
                                              False)


def _read_memory(vmi, memory, p):
    vmi.memory_present = True
    vmi.guest = f.quantity(memory, "guest", p.memory)
    vmi.max_guest = f.quantity(memory, "maxGuest", p.memory)
    hugepages = f.optional_mapping(memory, "hugepages", p.memory)
    if hugepages is not None:
        vmi.hugepage_size = f.string(hugepages, "pageSize", p.hugepages)
        vmi.page_size = parse_exact(vmi.hugepage_size)  # None when it does not parse exactly
    reserved = f.mapping(memory, "reservedOverhead", p.memory)
    vmi.reserved_overhead = f.quantity(reserved, "addedOverhead", p.reserved)


def _read_devices(vmi, devices, p):
    devp = p.devices
    vmi.autoattach_graphics = f.boolean(devices, "autoattachGraphicsDevice", devp)
    vmi.autoattach_pod_interface = f.boolean(devices, "autoattachPodInterface", devp)
    vmi.autoattach_vsock = f.boolean(devices, "autoattachVSOCK", devp)
    vmi.autoattach_serial = f.boolean(devices, "autoattachSerialConsole", devp)
    vmi.autoattach_memballoon = f.boolean(devices, "autoattachMemBalloon", devp)
    vmi.interfaces = tuple(read_interface(item, ip)
                           for ip, item in f.mappings(devices, "interfaces", devp))
    vmi.gpus = [Device(item, ip) for ip, item in f.mappings(devices, "gpus", devp)]
    vmi.host_devices = [Device(item, ip) for ip, item in f.mappings(devices, "hostDevices", devp)]
    tpm = f.optional_mapping(devices, "tpm", devp)
    vmi.tpm = tpm is not None and f.boolean(tpm, "enabled", p.tpm, True)
    vmi.disks = tuple(read_disk(item, dp) for dp, item in f.mappings(devices, "disks", devp))
    vmi.lun_reservation = any(disk.reservation for disk in vmi.disks)


def _read_launch_security(vmi, security, p):
    sev = f.optional_mapping(security, "sev", p.security)
    vmi.sev = sev is not None
    if sev is not None:
        policy = f.mapping(sev, "policy", p.sev)
        vmi.sev_es = bool(f.boolean(policy, "encryptedState", p.sev_policy, False))
    vmi.snp = f.optional_mapping(security, "snp", p.security) is not None
    vmi.tdx = f.optional_mapping(security, "tdx", p.security) is not None


def _has_exec_probe(spec, key, path):
    probe = f.optional_mapping(spec, key, path)
    return probe is not None and f.optional_mapping(probe, "exec", f.join(path, key)) is not None
