# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""A VirtualMachineInstance read once into plain values (the parts sizing and placement use).

``read_vmi`` accepts a VirtualMachineInstance or a VirtualMachine (whose ``spec.template`` is the
VMI to be) as the plain dict that YAML or the Kubernetes API gives, checks the types of every field
it reads and names the path of any bad one. Absent fields take the Go zero value KubeVirt sees.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.errors import VmpodInputError

ARCHITECTURES = ("amd64", "arm64", "s390x")


class Cpu:
    """``spec.domain.cpu``; ``present`` is False when the VMI has no cpu section at all."""

    __slots__ = ("present", "sockets", "cores", "threads", "max_sockets", "model", "dedicated",
                 "isolate_emulator_thread", "numa_passthrough", "realtime", "features")

    def __init__(self, data, path):
        self.present = data is not None
        data = data or {}
        self.sockets = f.uint32(data, "sockets", path)
        self.cores = f.uint32(data, "cores", path)
        self.threads = f.uint32(data, "threads", path)
        self.max_sockets = f.uint32(data, "maxSockets", path)
        self.model = f.string(data, "model", path)
        self.dedicated = f.boolean(data, "dedicatedCpuPlacement", path, False)
        self.isolate_emulator_thread = f.boolean(data, "isolateEmulatorThread", path, False)
        numa = f.mapping(data, "numa", path)
        self.numa_passthrough = f.optional_mapping(numa, "guestMappingPassthrough",
                                                   f.join(path, "numa")) is not None
        self.realtime = f.optional_mapping(data, "realtime", path) is not None
        self.features = tuple(
            (f.string(item, "name", p), f.string(item, "policy", p, "require"))
            for p, item in f.mappings(data, "features", path))

    def vcpus(self):
        """hardware.GetNumberOfVCPUs: sockets * cores * threads, a zero factor skipped (0 if all 0)."""
        count = self.cores
        for factor in (self.sockets, self.threads):
            if factor:
                count = count * factor if count else factor
        return count


class Interface:
    __slots__ = ("name", "model", "sriov", "passt", "binding")

    def __init__(self, data, path):
        self.name = f.string(data, "name", path)
        self.model = f.string(data, "model", path)
        self.sriov = f.optional_mapping(data, "sriov", path) is not None
        self.passt = f.optional_mapping(data, "passtBinding", path) is not None
        binding = f.optional_mapping(data, "binding", path)
        self.binding = f.string(binding, "name", f.join(path, "binding")) if binding else None


class Device:
    """A GPU or host device: a device-plugin resource name, or a DRA claim."""

    __slots__ = ("name", "device_name", "claim")

    def __init__(self, data, path):
        self.name = f.string(data, "name", path)
        self.device_name = f.string(data, "deviceName", path)
        claim = f.optional_mapping(data, "claimRequest", path)
        if claim is None:
            self.claim = None
        else:
            where = f.join(path, "claimRequest")
            self.claim = (f.string(claim, "claimName", where), f.string(claim, "requestName", where))


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
    """The VMI values that sizing, placement and rendering read."""

    __slots__ = (
        "kind", "name", "namespace", "uid", "labels", "annotations", "architecture", "spec_path",
        "requests", "limits", "overcommit_guest_overhead",
        "memory_present", "guest", "max_guest", "hugepage_size", "reserved_overhead",
        "cpu", "io_threads_policy", "supplemental_pool_thread_count",
        "autoattach_graphics", "autoattach_pod_interface", "autoattach_vsock", "autoattach_serial",
        "autoattach_memballoon", "interfaces", "gpus", "host_devices", "tpm", "disks",
        "lun_reservation", "networks", "downward_metrics_volume", "exec_liveness",
        "exec_readiness", "sev", "sev_es", "snp", "tdx",
    )


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


def read_vmi(obj, arch="amd64"):
    """Read a VMI (or VirtualMachine) dict. ``arch`` is the cluster's; ``spec.architecture`` wins."""
    spec, sp, kind = spec_of(obj)
    meta = f.mapping(obj, "metadata", "")
    vmi = Vmi()
    vmi.kind = kind
    vmi.spec_path = sp
    vmi.name = f.string(meta, "name", "metadata")
    vmi.namespace = f.string(meta, "namespace", "metadata")
    vmi.uid = f.string(meta, "uid", "metadata")
    vmi.labels = _string_map(meta, "labels", "metadata")
    vmi.annotations = _string_map(meta, "annotations", "metadata")
    if kind == "VirtualMachine":
        # the VMI takes its labels and annotations from the template, its name from the VM
        template_meta = f.mapping(obj["spec"]["template"], "metadata", "spec.template")
        vmi.labels = _string_map(template_meta, "labels", "spec.template.metadata")
        vmi.annotations = _string_map(template_meta, "annotations", "spec.template.metadata")

    architecture = f.string(spec, "architecture", sp) or arch
    if architecture not in ARCHITECTURES:
        where = f.join(sp, "architecture") if spec.get("architecture") else "arch"
        raise VmpodInputError(where, architecture, "is not a supported architecture (%s)"
                              % ", ".join(ARCHITECTURES))
    vmi.architecture = architecture

    dp = f.join(sp, "domain")
    domain = f.mapping(spec, "domain", sp, required=True)

    rp = f.join(dp, "resources")
    resources = f.mapping(domain, "resources", dp)
    vmi.requests = f.resource_list(resources, "requests", rp)
    vmi.limits = f.resource_list(resources, "limits", rp)
    vmi.overcommit_guest_overhead = f.boolean(resources, "overcommitGuestOverhead", rp, False)

    mp = f.join(dp, "memory")
    memory = f.optional_mapping(domain, "memory", dp)
    vmi.memory_present = memory is not None
    memory = memory or {}
    vmi.guest = f.quantity(memory, "guest", mp)
    vmi.max_guest = f.quantity(memory, "maxGuest", mp)
    hugepages = f.optional_mapping(memory, "hugepages", mp)
    vmi.hugepage_size = None
    if hugepages is not None:
        vmi.hugepage_size = f.string(hugepages, "pageSize", f.join(mp, "hugepages"))
    reserved = f.mapping(memory, "reservedOverhead", mp)
    vmi.reserved_overhead = f.quantity(reserved, "addedOverhead", f.join(mp, "reservedOverhead"))

    vmi.cpu = Cpu(f.optional_mapping(domain, "cpu", dp), f.join(dp, "cpu"))
    vmi.io_threads_policy = f.string(domain, "ioThreadsPolicy", dp) or None
    io_threads = f.mapping(domain, "ioThreads", dp)
    vmi.supplemental_pool_thread_count = f.uint32(
        io_threads, "supplementalPoolThreadCount", f.join(dp, "ioThreads"), None)

    devp = f.join(dp, "devices")
    devices = f.mapping(domain, "devices", dp)
    vmi.autoattach_graphics = f.boolean(devices, "autoattachGraphicsDevice", devp)
    vmi.autoattach_pod_interface = f.boolean(devices, "autoattachPodInterface", devp)
    vmi.autoattach_vsock = f.boolean(devices, "autoattachVSOCK", devp)
    vmi.autoattach_serial = f.boolean(devices, "autoattachSerialConsole", devp)
    vmi.autoattach_memballoon = f.boolean(devices, "autoattachMemBalloon", devp)
    vmi.interfaces = tuple(Interface(item, p) for p, item in f.mappings(devices, "interfaces", devp))
    vmi.gpus = tuple(Device(item, p) for p, item in f.mappings(devices, "gpus", devp))
    vmi.host_devices = tuple(Device(item, p) for p, item in f.mappings(devices, "hostDevices", devp))
    tpm = f.optional_mapping(devices, "tpm", devp)
    vmi.tpm = tpm is not None and f.boolean(tpm, "enabled", f.join(devp, "tpm"), True)
    vmi.disks = f.mappings(devices, "disks", devp)
    vmi.lun_reservation = False
    for p, disk in vmi.disks:
        lun = f.optional_mapping(disk, "lun", p)
        if lun is not None and f.boolean(lun, "reservation", f.join(p, "lun"), False):
            vmi.lun_reservation = True

    vmi.networks = tuple(Network(item, p) for p, item in f.mappings(spec, "networks", sp))
    vmi.downward_metrics_volume = any(
        f.optional_mapping(item, "downwardMetrics", p) is not None
        for p, item in f.mappings(spec, "volumes", sp))
    vmi.exec_liveness = _has_exec_probe(spec, "livenessProbe", sp)
    vmi.exec_readiness = _has_exec_probe(spec, "readinessProbe", sp)

    lsp = f.join(dp, "launchSecurity")
    security = f.mapping(domain, "launchSecurity", dp)
    sev = f.optional_mapping(security, "sev", lsp)
    vmi.sev = sev is not None
    vmi.sev_es = False
    if sev is not None:
        policy = f.mapping(sev, "policy", f.join(lsp, "sev"))
        vmi.sev_es = bool(f.boolean(policy, "encryptedState", f.join(lsp, "sev.policy"), False))
    vmi.snp = f.optional_mapping(security, "snp", lsp) is not None
    vmi.tdx = f.optional_mapping(security, "tdx", lsp) is not None
    return vmi


def _has_exec_probe(spec, key, path):
    probe = f.optional_mapping(spec, key, path)
    return probe is not None and f.optional_mapping(probe, "exec", f.join(path, key)) is not None


def _string_map(data, key, path):
    raw = f.mapping(data, key, path)
    for name, value in raw.items():
        if not isinstance(value, str):
            raise VmpodInputError("%s.%s" % (f.join(path, key), name), value, "must be a string")
    return raw
