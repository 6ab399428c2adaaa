# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KubeVirt's VMI webhook defaulting, for VMIs written without the API server's help.

Facts from KubeVirt ``pkg/defaults`` (defaults.go, amd64.go, arm64.go, s390x.go) and
``pkg/network/vmispec/defaults.go``. Only defaults that change sizing, placement or the rendered
domain are applied; memory hotplug defaults (``maxGuest``) are not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_exact, parse_quantity
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi, spec_of
from ansible_collections.vmpod.core.plugins.module_utils.values.architecture import ARCHITECTURES

DEFAULT_CPU_MODEL = "host-model"
ARM64_CPU_MODEL = "host-passthrough"
_MAX_HOTPLUG_VCPUS = 512
_DEFAULT_CPU_REQUEST = parse_quantity("100m")


def apply_vmi_defaults(vmi, config=None, arch="amd64"):
    """A defaulted deep copy of ``vmi`` (a VMI, or a VirtualMachine whose template is defaulted)."""
    cfg = read_config(config)
    result = copy.deepcopy(vmi)
    _default_probes(result)  # first: the reader refuses a timing below 0, which the webhook defaults
    # the same checks, and errors, as the launcher Pod without defaults: what the webhook
    # defaults below (volumes, pull policies) is read and checked first
    read_vmi(result, arch, with_pod=True)
    spec, path, _kind = spec_of(result)
    domain = f.mapping(spec, "domain", path, required=True)
    dp = f.join(path, "domain")

    architecture = f.string(spec, "architecture", path) or arch
    if architecture not in ARCHITECTURES:
        raise VmpodInputError(f.join(path, "architecture") if spec.get("architecture") else "arch",
                              architecture, "is not a supported architecture")
    spec["architecture"] = architecture
    machine = f.mapping(domain, "machine", dp)
    if not machine:
        machine = domain["machine"] = {}
    if not machine.get("type"):
        machine["type"] = cfg.machine_types[architecture]

    _default_resource_requests(domain, dp, cfg)
    _default_guest_memory(domain, dp)
    _default_cpu_topology(domain, dp)
    _default_network_interface(spec, domain, path, cfg)
    _default_volume_disks(spec, domain)
    _default_disk_buses(domain, architecture)
    _default_pull_policies(spec)
    if architecture == "arm64":
        _default_arm64_firmware(domain, dp)
    if architecture == "s390x":
        features = f.mapping(domain, "features", dp)
        if not features:
            domain["features"] = features = {}
        acpi = f.mapping(features, "acpi", f.join(dp, "features"))
        if not acpi:
            features["acpi"] = acpi = {}
        if acpi.get("enabled") is None:
            acpi["enabled"] = False
    _default_feature_states(domain)
    _default_hyperv_dependencies(domain)
    cpu = domain["cpu"]
    if not cpu.get("model"):
        if architecture == "arm64":
            cpu["model"] = ARM64_CPU_MODEL
        else:
            cpu["model"] = cfg.cpu_model or DEFAULT_CPU_MODEL
    if architecture != "arm64" and cfg.vm_rollout_live_update:
        _default_max_sockets(cpu, cfg)
    machine_type = machine["type"]
    if architecture in ("amd64", "arm64") and ("q35" in machine_type or machine_type.startswith("virt")):
        # setDefaultPciTopologyVersion: a machine with PCIe hotplug gets PCI topology v3
        annotations = _annotations(result)
        annotations.setdefault("kubevirt.io/pci-topology-version", "v3")
    if not cfg.gate_enabled("Root"):
        # markAsNonroot: without the Root gate, the launcher runs as the qemu user (107). (A
        # VirtualMachine's VMI gets it when created; the defaulted copy carries it likewise.)
        status = result.get("status")
        if not isinstance(status, dict):
            status = result["status"] = {}
        status["runtimeUser"] = 107
    if cfg.qgs_socket_path and isinstance(domain.get("launchSecurity"), dict) and \
            domain["launchSecurity"].get("tdx") is not None:
        # ApplyNewVMIMutations: a TDX guest is told the Quote Generation Service's socket
        _annotations(result)["kubevirt.io/qgs-socket-path"] = cfg.qgs_socket_path
    return result


def _resources(domain, dp):
    resources = domain.get("resources")
    if resources is None:
        resources = domain["resources"] = {}
    elif not isinstance(resources, dict):
        raise VmpodInputError(f.join(dp, "resources"), resources, "must be a mapping")
    return resources


def _quantity_at(resources, kind, name, dp):
    table = resources.get(kind) or {}
    if not isinstance(table, dict):
        raise VmpodInputError(f.join(dp, "resources." + kind), table, "must be a mapping")
    value = table.get(name)
    if value is None:
        return None
    return parse_quantity(value, f.join(dp, "resources.%s.%s" % (kind, name)))


def _default_resource_requests(domain, dp, cfg):
    """A CPU limit without a request becomes the request; a non-default cpuRequest fills in."""
    resources = _resources(domain, dp)
    limit = _quantity_at(resources, "limits", "cpu", dp)
    request = _quantity_at(resources, "requests", "cpu", dp)
    if limit is not None and not limit.is_zero() and (request is None or request.is_zero()):
        resources.setdefault("requests", {})
        if resources["requests"] is None:
            resources["requests"] = {}
        resources["requests"]["cpu"] = resources["limits"]["cpu"]
    if cfg.cpu_request is not None and cfg.cpu_request.cmp(_DEFAULT_CPU_REQUEST) != 0:
        requests = resources.get("requests") or {}
        if "cpu" not in requests:
            cpu = domain.get("cpu") or {}
            if cpu.get("dedicatedCpuPlacement"):
                return
            resources["requests"] = dict(requests, cpu=str(cfg.cpu_request))


def _default_guest_memory(domain, dp):
    """memory.guest from the memory request, else the limit, else the hugepage size."""
    memory = domain.get("memory")
    if memory is not None and memory.get("guest") is not None:
        return
    if memory is None:
        memory = domain["memory"] = {}
    resources = _resources(domain, dp)
    for kind in ("requests", "limits"):
        value = _quantity_at(resources, kind, "memory", dp)
        if value is not None and not value.is_zero():
            memory["guest"] = str(value)
            return
    hugepages = memory.get("hugepages")
    if isinstance(hugepages, dict) and hugepages.get("pageSize"):
        page_size = parse_exact(hugepages["pageSize"])
        if page_size is not None:  # KubeVirt leaves guest unset when the page size does not parse
            memory["guest"] = str(page_size)


def _default_cpu_topology(domain, dp):
    """No topology: sockets = the CPU limit, else the request (rounded up), else 1; 1 core, 1 thread."""
    cpu = domain.get("cpu")
    if cpu is None:
        cpu = domain["cpu"] = {}
    elif not isinstance(cpu, dict):
        raise VmpodInputError(f.join(dp, "cpu"), cpu, "must be a mapping")
    if cpu.get("cores") or cpu.get("sockets") or cpu.get("threads"):
        return
    resources = _resources(domain, dp)
    sockets = 1
    limit = _quantity_at(resources, "limits", "cpu", dp)
    request = _quantity_at(resources, "requests", "cpu", dp)
    if limit is not None:
        sockets = limit.value() & 0xFFFFFFFF  # Go's uint32 conversion
    elif request is not None:
        sockets = request.value() & 0xFFFFFFFF
    cpu["sockets"] = sockets
    cpu["cores"] = 1
    cpu["threads"] = 1


def _default_network_interface(spec, domain, path, cfg):
    """A pod network and a bridge (or masquerade) interface when the VMI names none."""
    devices = domain.get("devices")
    if devices is None:
        devices = domain["devices"] = {}
    if devices.get("autoattachPodInterface") is False:
        return
    if spec.get("networks") or devices.get("interfaces"):
        return
    kind = cfg.default_network_interface
    if kind == "bridge":
        if not cfg.permit_bridge_on_pod_network:
            raise VmpodInputError("config.network.permitBridgeInterfaceOnPodNetwork", False,
                                  "forbids the default bridge interface on the pod network")
        devices["interfaces"] = [{"name": "default", "bridge": {}}]
    elif kind == "masquerade":
        devices["interfaces"] = [{"name": "default", "masquerade": {}}]
    elif kind == "slirp":
        raise VmpodInputError("config.network.defaultNetworkInterface", kind,
                              "is deprecated (slirp) as of KubeVirt v1.3")
    spec["networks"] = [{"name": "default", "pod": {}}]


def _default_volume_disks(spec, domain):
    """util.SetDefaultVolumeDisk, then SetDefaults_DiskDevice: a volume that no disk and no
    filesystem names gets a disk of its name, and a disk of no kind is a ``disk``. (read_vmi
    has checked the lists; a volume without a name gets no disk, and the Pod's reader refuses it.)"""
    devices = domain.get("devices")
    if devices is None:
        devices = domain["devices"] = {}
    disks = devices.get("disks") or []
    named = {disk.get("name") for disk in disks} | {fs.get("name") for fs in devices.get("filesystems") or ()}
    added = [{"name": volume["name"]} for volume in spec.get("volumes") or ()
             if isinstance(volume.get("name"), str) and volume["name"] not in named]
    if added:
        disks = devices["disks"] = list(disks) + added
    for disk in disks:
        if disk.get("disk") is None and disk.get("cdrom") is None and disk.get("lun") is None:
            disk["disk"] = {}


def _default_disk_buses(domain, architecture):
    bus = "sata" if architecture == "amd64" else "virtio"
    for disk in (domain.get("devices") or {}).get("disks") or ():
        for kind in ("disk", "cdrom", "lun"):
            target = disk.get(kind)
            if isinstance(target, dict) and not target.get("bus"):
                target["bus"] = bus


def _default_pull_policies(spec):
    """setDefaultPullPoliciesOnContainerDisks: a containerDisk without a pull policy gets Always
    for an image tagged ``:latest`` or neither tagged nor pinned by digest, IfNotPresent for any
    other (Kubernetes' own rule for containers). (The volumes were checked by read_vmi.)"""
    for volume in spec.get("volumes") or ():
        disk = volume.get("containerDisk")
        if disk and not disk.get("imagePullPolicy"):
            image = disk.get("image") or ""
            tagged = ":" in image or "@" in image
            disk["imagePullPolicy"] = "Always" if image.endswith(":latest") or not tagged else "IfNotPresent"


_PROBE_DEFAULTS = (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                   ("failureThreshold", 3))


def _default_probes(obj):
    """SetDefaults_Probe (api/core/v1/defaults.go) on both probes: each of these timings, absent or
    below 1, takes its default. Before the VMI is read: what is not a whole number is left for
    the reader to refuse."""
    try:
        spec = spec_of(obj)[0]
    except VmpodInputError:
        return  # the reader names the error
    for name in ("readinessProbe", "livenessProbe"):
        probe = spec.get(name)
        if probe.__class__ is not dict:
            continue
        for key, default in _PROBE_DEFAULTS:
            value = probe.get(key)
            if value is None or (value.__class__ is int and value < 1):
                probe[key] = default


_HYPERV_STATES = ("relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "synictimer",
                  "reset", "vendorid", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs")
# getHypervFeatureDependencies, leaves first: each, when on, needs the other
_HYPERV_NEEDS = (("evmcs", "vapic"), ("ipi", "vpindex"), ("tlbflush", "vpindex"),
                 ("synictimer", "synic"), ("synic", "vpindex"))


def _enable(holder, key):
    """SetDefaults_FeatureState and its kin: a feature that is there but says nothing is on."""
    state = holder.get(key)
    if isinstance(state, dict) and state.get("enabled") is None:
        state["enabled"] = True
    return state


def _default_feature_states(domain):
    """SetDefaults_VirtualMachineInstance and the generated defaulters
    (zz_generated.defaults.go): ACPI is always there and on unless it says otherwise; every
    other feature, Hyper-V enlightenment and clock timer that is there is on unless it says
    otherwise; on spinlocks retry 4096 times. (Values of the wrong type are left for read_vmi to
    refuse, naming them.)"""
    features = domain.get("features")
    if features is None:
        features = domain["features"] = {}
    if not isinstance(features, dict):
        return
    if features.get("acpi") is None:
        features["acpi"] = {}
    for key in ("acpi", "apic", "smm", "pvspinlock"):
        _enable(features, key)
    hyperv = features.get("hyperv")
    if isinstance(hyperv, dict):
        for key in _HYPERV_STATES:
            _enable(hyperv, key)
        for key, inner in (("synictimer", "direct"), ("tlbflush", "direct"), ("tlbflush", "extended")):
            if isinstance(hyperv.get(key), dict):
                _enable(hyperv[key], inner)
        spinlocks = hyperv.get("spinlocks")
        if isinstance(spinlocks, dict) and spinlocks.get("enabled") is True and spinlocks.get("spinlocks") is None:
            spinlocks["spinlocks"] = 4096
    clock = domain.get("clock")
    timer = clock.get("timer") if isinstance(clock, dict) else None
    if isinstance(timer, dict):
        for key in ("hpet", "kvm", "pit", "rtc", "hyperv"):
            _enable(timer, key)


def _default_hyperv_dependencies(domain):
    """SetHypervFeatureDependencies (pkg/defaults/hyperv.go): a Hyper-V feature that is on turns
    on what it needs where the VMI says nothing of it, and stops at the first it cannot (the
    validating webhook refuses that VMI); an enlightened VMCS that is on requires the vmx CPU
    feature (setEVMCSDependency)."""
    hyperv = (domain.get("features") or {}).get("hyperv")
    if not isinstance(hyperv, dict):
        return

    def state(key):
        value = hyperv.get(key)
        return value.get("enabled") if isinstance(value, dict) else None

    for feature, needs in _HYPERV_NEEDS:
        if state(feature) is not True:
            continue
        if state(needs) is None:
            hyperv[needs] = dict(hyperv.get(needs) or {}, enabled=True)
        elif state(needs) is not True:
            return
    if state("evmcs") is True:
        cpu = domain.get("cpu")
        if not isinstance(cpu, dict):
            cpu = domain["cpu"] = {}
        wanted = cpu.get("features") or []
        for item in wanted:
            if isinstance(item, dict) and item.get("name") == "vmx":
                item["policy"] = "require"
                break
        else:
            cpu["features"] = list(wanted) + [{"name": "vmx", "policy": "require"}]


def _default_arm64_firmware(domain, dp):
    firmware = f.mapping(domain, "firmware", dp)
    if not firmware:
        firmware = domain["firmware"] = {}
    if f.optional_mapping(firmware, "bootloader", f.join(dp, "firmware")) is None:
        firmware["bootloader"] = {"efi": {}}
    efi = firmware["bootloader"].get("efi")
    if isinstance(efi, dict) and efi.get("secureBoot") is None:
        efi["secureBoot"] = False


def _default_max_sockets(cpu, cfg):
    """CPU hotplug headroom: maxSockets from the cluster limit or sockets * maxHotplugRatio."""
    if cpu.get("maxSockets"):
        return
    sockets = cpu.get("sockets") or 0
    max_sockets = cfg.max_cpu_sockets
    if max_sockets and sockets > max_sockets:
        max_sockets = sockets
    if not max_sockets:
        max_sockets = sockets * cfg.max_hotplug_ratio
        per_socket = (cpu.get("cores") or 0) * (cpu.get("threads") or 0)
        if per_socket and max_sockets * per_socket > _MAX_HOTPLUG_VCPUS:
            max_sockets = max(_MAX_HOTPLUG_VCPUS // per_socket, sockets)
    cpu["maxSockets"] = max_sockets


def _annotations(obj):
    """The VMI's annotations (a VirtualMachine's template's), created when absent."""
    holder = obj
    if obj.get("kind") == "VirtualMachine":
        holder = obj["spec"]["template"]
    meta = holder.get("metadata")
    if not isinstance(meta, dict):
        meta = holder["metadata"] = {}
    annotations = meta.get("annotations")
    if not isinstance(annotations, dict):
        annotations = meta["annotations"] = {}
    return annotations
