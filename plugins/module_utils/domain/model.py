# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt domain of a VM, as plain data that ``templates/domain.xml.j2`` lays out.

``domain_model`` applies KubeVirt's converter rules to a VMI and places it on a host with the
placement plan (``placement.plan_placement``); ``virtlet_domain_model`` does the same for a
Virtlet VM pod (``virtlet``). Every value is decided here; the template only loops and escapes.

Facts from KubeVirt (``kubevirt/kubevirt`` at d923fdb8), ``pkg/virt-launcher/virtwrap/converter/``:
``converter.go`` (the order of the configurators, pinning only for dedicated CPUs),
``compute/cpu.go`` (topology, ``<vcpus>`` hotplug list, CPU mode / model / features, ``mpx``
disabled for named models, the synthetic NUMA cell that memfd needs), ``compute/memory.go`` and
``vcpu/vcpu.go`` ``GetVirtualMemory`` / ``QuantityToByte`` (guest memory in bytes),
``compute/memory_backing.go`` (hugepages, memfd, shared access), ``vcpu/vcpu.go``
(``AdjustDomainForTopologyAndCPUSet``: ``hint-dedicated``, PMU off for realtime; ``numaMapping``:
strict numatune, memnodes, a page size per guest cell, immediate allocation, nosharepages),
``compute/balloon.go`` and ``virtwrap/manager.go`` ``isFreePageReportingEnabled``,
``compute/console.go``, ``compute/hypervisor_features.go``, ``compute/tpm.go``,
``compute/sysinfo.go``, ``compute/os.go``, ``compute/channels.go``, ``storage/disk.go``
(``assignDiskIOThread``), ``iothreads/iothreads.go``; the firmware UUID from
``pkg/virt-controller/watch/vm/firmware.go`` ``CalculateLegacyUUID``.

Where this renderer goes beyond KubeVirt it says so: CPU bandwidth for shared CPUs
(``virtlet.cpu_bandwidth``), immediate allocation and a page size for every hugepage-backed
guest (KubeVirt leaves ``<hugepages/>`` empty outside NUMA passthrough and relies on the Pod's
hugetlbfs mount), numatune for every pinned VM (KubeVirt relies on the Pod's cpuset.mems), and
an optional ``<memtune>`` hard limit.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import uuid

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.virtlet import pod as virtlet
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.launcher import compute_resources
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import (
    build_pod, read_pod_options, vmi_uid)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import read_namespace_context
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pinning import iothread_count
from ansible_collections.vmpod.core.plugins.module_utils.placement import place, read_options
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_exact, parse_quantity
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi, spec_of

# pkg/virt-controller/watch/vm/firmware.go: magicUUID, the namespace of CalculateLegacyUUID
FIRMWARE_UUID_NAMESPACE = uuid.UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895")

MEMFD_ANNOTATION = "kubevirt.io/memfd"  # "false" keeps hugepages on hugetlbfs files
FREE_PAGE_REPORTING_DISABLED = "kubevirt.io/free-page-reporting-disabled"
KUBEVIRT_PRIVATE_DIR = "/var/run/kubevirt-private"  # pkg/util: VirtPrivateDir
DEFAULT_GRACE_PERIOD = 30  # staging/src/kubevirt.io/api/core/v1/types.go
LIBVIRT_ARCH = {"amd64": "x86_64", "arm64": "aarch64", "s390x": "s390x"}
OVMF_PATH = {"amd64": "/usr/share/edk2/ovmf", "arm64": "/usr/share/AAVMF",
             "s390x": "/usr/share/edk2/ovmf"}  # pkg/virt-config: DefaultARCHOVMFPath
VIRTIO_MODEL = "virtio-non-transitional"
_BUS_PREFIX = {"virtio": "vd", "sata": "sd", "scsi": "sd", "usb": "sd"}
_FEATURE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")  # libvirt's featureName
# pkg/storage/admitters/disks.go: a disk name is a DNS-1123 label (it names a container too);
# pkg/network/admitter/netiface.go: an interface name is [A-Za-z0-9-_]+. Both become aliases.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_INTERFACE_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
_DISK_SERIAL = re.compile(r"^[A-Za-z0-9_.+-]{1,256}$")  # disks.go: isValidExpression, maxStrLen
_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$")
# XML 1.0 Char: what no escaping can put into a document
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_OPTION_KEYS = ("domain_type", "cpu_features", "cfs_period", "memory_hard_limit",
                "free_page_reporting", "mem_balloon_stats_period", "private_dir", "ovmf_path")


class DomainOptions:
    """How to render domains, beyond what each VMI says (``read_domain_options``)."""

    domain_type = "kvm"
    cpu_features = ()
    cfs_period = virtlet.CFS_PERIOD_US
    memory_hard_limit = False
    free_page_reporting = True
    mem_balloon_stats_period = 10  # pkg/virt-config: DefaultMemBalloonStatsPeriod
    private_dir = KUBEVIRT_PRIVATE_DIR
    ovmf_path = None


def read_domain_options(options, path="domain_options"):
    """Check the renderer's domain options (all optional):

    * ``domain_type``: ``kvm`` (default) or ``qemu``;
    * ``cpu_features``: ``[{name, policy}]`` added to every domain's ``<cpu>`` - a host's quirks,
      such as ``arch-capabilities`` disabled for host-passthrough; a VMI's own feature of the
      same name wins;
    * ``cfs_period``: CFS period in microseconds for shared-CPU bandwidth (1000-1000000);
    * ``memory_hard_limit``: ``<memtune><hard_limit>`` = the launcher Pod's memory limit;
    * ``free_page_reporting``: false is KubeVirt's cluster-wide freePageReportingDisabled;
    * ``mem_balloon_stats_period``: seconds, 0 for none (KubeVirt's memBalloonStatsPeriod);
    * ``private_dir``: virt-launcher's private directory (disk images, sockets, NVRAM);
    * ``ovmf_path``: directory of the UEFI firmware files.
    """
    opts = DomainOptions()
    if options is None:
        return opts
    f.option_map(options, path, _OPTION_KEYS)
    opts.domain_type = f.string(options, "domain_type", path, "kvm")
    if opts.domain_type not in ("kvm", "qemu"):
        raise VmpodInputError(f.join(path, "domain_type"), opts.domain_type,
                              "must be kvm or qemu")
    opts.cpu_features = tuple(_feature(item, p)
                              for p, item in f.mappings(options, "cpu_features", path))
    opts.cfs_period = f.integer(options, "cfs_period", path, virtlet.CFS_PERIOD_US,
                                minimum=1000, maximum=1000000)
    opts.memory_hard_limit = f.boolean(options, "memory_hard_limit", path, False)
    opts.free_page_reporting = f.boolean(options, "free_page_reporting", path, True)
    opts.mem_balloon_stats_period = f.integer(options, "mem_balloon_stats_period", path, 10,
                                              minimum=0)
    opts.private_dir = _xml_string(options, "private_dir", path) or KUBEVIRT_PRIVATE_DIR
    opts.ovmf_path = _xml_string(options, "ovmf_path", path) or None
    return opts


# -- the VMI fields the domain needs beyond sizing, read once ----------------------------------

class DomainInputs:
    """Fields of the VMI that only the domain reads (``read_vmi`` has the rest)."""

    __slots__ = ("firmware_uuid", "firmware_serial", "efi", "secure_boot", "machine", "acpi",
                 "apic", "smm", "kvm_hidden", "pvspinlock", "has_features", "max_sockets",
                 "realtime", "disks", "volumes", "interfaces", "filesystems",
                 "tpm_persistent", "rng", "grace_period", "clock", "transitional",
                 "has_numa", "model")


def read_domain_inputs(vmi_dict, spec):
    """The domain's own fields of a VMI dict (``spec`` is ``read_vmi``'s result for it)."""
    raw, sp, _kind = spec_of(vmi_dict)
    dp = f.join(sp, "domain")
    domain = f.mapping(raw, "domain", sp, required=True)
    inputs = DomainInputs()

    firmware = f.mapping(domain, "firmware", dp)
    fp = f.join(dp, "firmware")
    inputs.firmware_uuid = _uuid_text(firmware, "uuid", fp)
    inputs.firmware_serial = _xml_string(firmware, "serial", fp) or None
    bootloader = f.mapping(firmware, "bootloader", fp)
    efi = f.optional_mapping(bootloader, "efi", f.join(fp, "bootloader"))
    # pkg/defaults/arm64.go: arm64 boots UEFI without secure boot unless told otherwise
    inputs.efi = efi is not None or (spec.architecture == "arm64" and not bootloader)
    default_secure = spec.architecture != "arm64"
    efi_path = f.join(fp, "bootloader.efi")
    inputs.secure_boot = inputs.efi and f.boolean(efi or {}, "secureBoot", efi_path,
                                                  default_secure)

    machine = f.mapping(domain, "machine", dp)
    inputs.machine = _xml_string(machine, "type", f.join(dp, "machine")) or None

    features = f.optional_mapping(domain, "features", dp)
    inputs.has_features = features is not None
    features = features or {}
    fe = f.join(dp, "features")
    inputs.acpi = _feature_enabled(features, "acpi", fe, True)
    inputs.apic = _feature_enabled(features, "apic", fe, True)
    inputs.smm = _feature_enabled(features, "smm", fe, False) or bool(inputs.secure_boot)
    kvm = f.optional_mapping(features, "kvm", fe)
    inputs.kvm_hidden = None
    if kvm is not None:
        inputs.kvm_hidden = "on" if f.boolean(kvm, "hidden", f.join(fe, "kvm"), False) else "off"
    spin = f.optional_mapping(features, "pvspinlock", fe)
    inputs.pvspinlock = None
    if spin is not None:
        on = f.boolean(spin, "enabled", f.join(fe, "pvspinlock"), True)
        inputs.pvspinlock = "on" if on else "off"

    cpu = f.mapping(domain, "cpu", dp)
    cp = f.join(dp, "cpu")
    inputs.max_sockets = f.uint32(cpu, "maxSockets", cp)
    inputs.realtime = f.optional_mapping(cpu, "realtime", cp) is not None
    inputs.has_numa = f.optional_mapping(cpu, "numa", cp) is not None
    inputs.model = _xml_string(cpu, "model", cp)

    devices = f.mapping(domain, "devices", dp)
    vp = f.join(dp, "devices")
    inputs.transitional = bool(f.boolean(devices, "useVirtioTransitional", vp, False))
    inputs.disks = [_disk(item, p) for p, item in f.mappings(devices, "disks", vp)]
    inputs.volumes = dict(_volume(item, p) for p, item in f.mappings(raw, "volumes", sp))
    inputs.interfaces = [_interface(item, p) for p, item in f.mappings(devices, "interfaces", vp)]
    inputs.filesystems = [_xml_string(item, "name", p)
                          for p, item in f.mappings(devices, "filesystems", vp)
                          if f.optional_mapping(item, "virtiofs", p) is not None]
    tpm = f.optional_mapping(devices, "tpm", vp)
    persistent = f.boolean(tpm or {}, "persistent", f.join(vp, "tpm"), False)
    inputs.tpm_persistent = bool(tpm) and bool(persistent)
    inputs.rng = f.optional_mapping(devices, "rng", vp) is not None
    inputs.grace_period = f.integer(raw, "terminationGracePeriodSeconds", sp,
                                    DEFAULT_GRACE_PERIOD, minimum=0)
    inputs.clock = _clock(f.optional_mapping(domain, "clock", dp), f.join(dp, "clock"))
    return inputs


def _feature_enabled(features, key, path, default):
    section = f.optional_mapping(features, key, path)
    if section is None:
        return default
    return bool(f.boolean(section, "enabled", f.join(path, key), True))


def _disk(item, path):
    """A disk of ``spec.domain.devices.disks``: its kind (disk, cdrom, lun) and bus."""
    disk = {"name": f.string(item, "name", path), "device": "disk", "bus": "virtio",
            "serial": f.string(item, "serial", path) or None,
            "boot_order": f.integer(item, "bootOrder", path, None, minimum=1),
            "dedicated_io_thread": bool(f.boolean(item, "dedicatedIOThread", path, False)),
            "readonly": False, "path": path}
    if not _DNS_LABEL.match(disk["name"]):
        raise VmpodInputError(f.join(path, "name"), item.get("name"),
                              "is not a disk name (a DNS-1123 label, as KubeVirt requires)")
    if disk["serial"] is not None and not _DISK_SERIAL.match(disk["serial"]):
        raise VmpodInputError(f.join(path, "serial"), disk["serial"],
                              "is not a disk serial ([A-Za-z0-9_.+-], at most 256, as KubeVirt "
                              "requires)")
    for kind, bus, device in (("disk", "virtio", "disk"), ("cdrom", "sata", "cdrom"),
                              ("lun", "scsi", "lun")):
        section = f.optional_mapping(item, kind, path)
        if section is not None:
            where = f.join(path, kind)
            disk["device"] = device
            disk["bus"] = f.string(section, "bus", where) or bus
            disk["readonly"] = device == "cdrom" or bool(
                f.boolean(section, "readonly", where, False))
            if disk["bus"] not in _BUS_PREFIX:
                raise VmpodInputError(f.join(where, "bus"), disk["bus"],
                                      "must be one of %s" % ", ".join(sorted(_BUS_PREFIX)))
            break
    return disk


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
)


def _volume(item, path):
    name = _xml_string(item, "name", path)
    host_disk = f.optional_mapping(item, "hostDisk", path)
    if host_disk is not None:
        return name, ("hostDisk", _xml_string(host_disk, "path", f.join(path, "hostDisk")), "raw")
    for kind, template, fmt in _VOLUME_SOURCES:
        if item.get(kind) is not None:
            return name, (kind, template, fmt)
    return name, ("other", "{private}/vmi-disks/{name}/disk.img", "raw")


def _interface(item, path):
    mac = _xml_string(item, "macAddress", path) or None
    if mac is not None and not _MAC.match(mac):
        raise VmpodInputError(f.join(path, "macAddress"), mac, "is not a MAC address")
    binding = f.optional_mapping(item, "binding", path)
    binding_name = f.string(binding, "name", f.join(path, "binding")) if binding else ""
    ports = []
    for ppath, port in f.mappings(item, "ports", path):
        number = f.integer(port, "port", ppath, None, minimum=1, maximum=65535)
        protocol = (f.string(port, "protocol", ppath) or "TCP").lower()
        if number is None or protocol not in ("tcp", "udp"):
            raise VmpodInputError(ppath, port, "needs a port number and protocol TCP or UDP")
        ports.append({"port": number, "protocol": protocol})
    name = f.string(item, "name", path)
    if not _INTERFACE_NAME.match(name):
        raise VmpodInputError(f.join(path, "name"), item.get("name"),
                              "is not an interface name ([A-Za-z0-9-_]+, as KubeVirt requires)")
    return {"name": name, "model": _xml_string(item, "model", path),
            "mac": mac, "boot_order": f.integer(item, "bootOrder", path, None, minimum=1),
            "sriov": f.optional_mapping(item, "sriov", path) is not None,
            "passt": f.optional_mapping(item, "passtBinding", path) is not None
            or binding_name == "passt",
            "ports": ports}


def _clock(clock, path):
    if clock is None:
        return None
    utc = f.optional_mapping(clock, "utc", path)
    if utc is not None:
        offset = f.integer(utc, "offsetSeconds", f.join(path, "utc"), None)
        return {"offset": "utc", "adjustment": "reset" if offset is None else str(offset),
                "timezone": None}
    zone = _xml_string(clock, "timezone", path)
    if zone:
        return {"offset": "timezone", "adjustment": None, "timezone": zone}
    return None


def _feature(item, path):
    name = _xml_string(item, "name", path)
    if not _FEATURE_NAME.match(name or ""):
        raise VmpodInputError(f.join(path, "name"), item.get("name"), "is not a CPU feature name")
    policy = f.string(item, "policy", path) or "require"
    if policy not in ("force", "require", "optional", "disable", "forbid"):
        raise VmpodInputError(f.join(path, "policy"), policy,
                              "must be force, require, optional, disable or forbid")
    return {"name": name, "policy": policy}


def _xml_string(data, key, path):
    """A string field that will appear in XML: XML 1.0 cannot carry control characters at all."""
    value = f.string(data, key, path)
    if _NOT_XML.search(value):
        raise VmpodInputError(f.join(path, key), value,
                              "holds a character XML cannot carry (a control character)")
    return value


def _uuid_text(data, key, path):
    value = f.string(data, key, path)
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise VmpodInputError(f.join(path, key), value, "is not a UUID")


# -- the placement plan, read once ----------------------------------------------------------------

class PlanView:
    """The parts of a placement plan the domain uses; ``pinned`` when it fits and pins vCPUs."""

    __slots__ = ("fits", "pinned", "vcpupin", "emulatorpin", "iothreadpin", "cells",
                 "page_nodes", "cpuset")


def read_plan(plan, path="plan"):
    view = PlanView()
    view.fits = False
    view.pinned = False
    view.vcpupin = []
    view.emulatorpin = None
    view.iothreadpin = []
    view.cells = []
    view.page_nodes = []
    view.cpuset = frozenset()
    if plan is None:
        return view
    if not isinstance(plan, dict):
        raise VmpodInputError(path, plan, "must be a placement plan mapping")
    view.fits = bool(f.boolean(plan, "fits", path, False))
    if not view.fits:
        return view
    view.cpuset = parse_cpuset(plan.get("cpuset"), f.join(path, "cpuset"))
    pins = plan.get("vcpupin") or []
    if not isinstance(pins, list):
        raise VmpodInputError(f.join(path, "vcpupin"), pins, "must be a list of pCPU ids")
    for index, pcpu in enumerate(pins):
        cpus = parse_cpuset(pcpu, "%s.vcpupin[%d]" % (path, index))
        view.vcpupin.append({"vcpu": index, "cpuset": format_cpuset(cpus)})
    view.pinned = bool(view.vcpupin)
    emulator = parse_cpuset(plan.get("emulatorpin"), f.join(path, "emulatorpin"))
    view.emulatorpin = format_cpuset(emulator) if emulator else None
    iothreads = f.mapping(plan, "iothreadpin", path)
    for key in sorted(iothreads, key=lambda k: int(k) if str(k).isdigit() else -1):
        if not str(key).isdigit() or int(key) < 1:
            raise VmpodInputError(f.join(path, "iothreadpin"), key, "is not an IOThread id")
        cpus = parse_cpuset(iothreads[key], "%s.iothreadpin.%s" % (path, key))
        view.iothreadpin.append({"iothread": int(key), "cpuset": format_cpuset(cpus)})
    for cpath, cell in f.mappings(plan, "numa_cells", path):
        view.cells.append(_plan_cell(cell, cpath))
    pages = f.mapping(plan, "hugepages", path)
    per_node = f.mapping(pages, "per_node", f.join(path, "hugepages"))
    view.page_nodes = sorted(int(node) for node, count in per_node.items()
                             if str(node).isdigit() and isinstance(count, int) and count > 0)
    return view


def _plan_cell(cell, path):
    vcpus = parse_cpuset(cell.get("vcpus"), f.join(path, "vcpus"))
    distances = f.mapping(cell, "distances", path)
    siblings = []
    for guest, value in sorted(distances.items(), key=lambda item: int(item[0])):
        siblings.append({"id": int(guest), "value": f.integer(distances, guest,
                                                              f.join(path, "distances"))})
    return {"id": f.integer(cell, "id", path, minimum=0),
            "cpus": format_cpuset(vcpus),
            "memory_bytes": f.integer(cell, "memory_bytes", path, minimum=1),
            "host_node": f.integer(cell, "host_node", path, minimum=0),
            "distances": siblings}


# -- the public functions ------------------------------------------------------------------------

def domain_model(vmi, plan=None, host=None, config=None, arch="amd64", options=None):
    """The domain model of a VMI (or VirtualMachine), or of a Virtlet VM pod.

    ``plan``: the VMI's placement plan on the host (``plan_placement``), None for an unplaced
    domain (no pinning); ``host``: that host's topology, for the NUMA nodes of pinned pCPUs.
    """
    opts = read_domain_options(options)
    if virtlet.is_virtlet_pod(vmi):
        return virtlet_domain_model(vmi, opts)
    cfg = read_config(config)
    spec = read_vmi(vmi, arch)
    resources = compute_resources(spec, cfg, read_namespace_context(spec, None, (), ()))
    topo = read_host(host) if host is not None else None
    return build_domain(vmi, spec, cfg, resources, read_plan(plan), topo, opts)


def build_domain(vmi_dict, spec, cfg, resources, plan, host, opts):
    """The domain model from values already read (``render_models`` reads each input once)."""
    inputs = read_domain_inputs(vmi_dict, spec)
    name, namespace = object_name(spec)
    uid = object_uid(spec)
    firmware_uuid = inputs.firmware_uuid or legacy_firmware_uuid(name)
    topology, vcpus, enabled = cpu_topology(spec, inputs)
    memory = guest_memory_bytes(spec)
    page = page_size_bytes(spec, memory)
    pinned = spec.cpu.dedicated and plan.pinned
    cells = guest_numa_cells(spec, inputs, plan, memory, vcpus)
    model = {
        "type": opts.domain_type,
        "name": "%s_%s" % (namespace, name),  # VMINamespaceKeyFunc
        "uuid": firmware_uuid,
        "metadata": {"uid": uid, "grace_period": inputs.grace_period},
        "memory_bytes": memory,
        "vcpu": vcpus,
        "vcpus": vcpu_hotplug_list(inputs, topology, vcpus, enabled),
        "iothreads": iothread_count(spec),
        "cputune": cputune(spec, plan, resources, enabled, opts) if pinned or not
        spec.cpu.dedicated else None,
        "numatune": numatune(plan, host, cells),
        "memory_backing": memory_backing(spec, inputs, page, cells),
        "memtune": memtune(resources, opts),
        "os": os_section(spec, inputs, cfg, name, opts),
        "sysinfo": sysinfo_entries(firmware_uuid, inputs.firmware_serial),
        "features": features(spec, inputs, pinned),
        "cpu": cpu_element(spec, inputs, cfg, topology, cells, opts),
        "clock": inputs.clock,
        "devices": None,
        "omitted": [],
    }
    model["devices"] = devices(spec, inputs, name, namespace, uid, opts, model["omitted"])
    return model


def object_name(spec):
    if not spec.name:
        raise VmpodInputError("metadata.name", None, "is required")
    _check_xml_text("metadata.name", spec.name)
    _check_xml_text("metadata.namespace", spec.namespace)
    return spec.name, spec.namespace or "default"


def object_uid(spec):
    """The VMI's uid (``launcher_pod.vmi_uid``: metadata.uid or a stable stand-in)."""
    _check_xml_text("metadata.uid", spec.uid)
    return vmi_uid(spec)


def _check_xml_text(path, value):
    if value and _NOT_XML.search(value):
        raise VmpodInputError(path, value, "holds a character XML cannot carry")


def legacy_firmware_uuid(name):
    """CalculateLegacyUUID: uuid5 of the VM's name (its name alone, not its namespace) in
    KubeVirt's namespace - what KubeVirt writes into firmware.uuid of every VM it starts."""
    return str(uuid.uuid5(FIRMWARE_UUID_NAMESPACE, name))


# -- CPU ------------------------------------------------------------------------------------------

def cpu_topology(spec, inputs):
    """GetCPUTopology and configureCPUTopology: (topology, vCPUs in <vcpu>, vCPUs enabled).

    An unset topology takes the CPU limit (else request) as sockets; ``maxSockets`` widens the
    sockets to the hotplug maximum while only the requested vCPUs stay enabled.
    """
    cpu = spec.cpu
    sockets, cores, threads = cpu.sockets or 1, cpu.cores or 1, cpu.threads or 1
    if not (cpu.sockets or cpu.cores or cpu.threads):
        for table in (spec.limits, spec.requests):
            if "cpu" in table:
                sockets = max(table["cpu"].value(), 1)
                break
    enabled = sockets * cores * threads
    if inputs.max_sockets:
        sockets = inputs.max_sockets
    return {"sockets": sockets, "cores": cores, "threads": threads}, sockets * cores * threads, \
        enabled


def vcpu_hotplug_list(inputs, topology, vcpus, enabled):
    """``<vcpus>`` when maxSockets is set: vCPU i enabled below the requested count, hot-
    pluggable from the first socket on (cores * threads)."""
    if not inputs.max_sockets:
        return []
    first_socket = topology["cores"] * topology["threads"]
    return [{"id": index, "enabled": "yes" if index < enabled else "no",
             "hotpluggable": "yes" if index >= first_socket else "no"}
            for index in range(vcpus)]


def cpu_element(spec, inputs, cfg, topology, cells, opts):
    """``<cpu>``: host-model by default (the cluster's cpuModel first), host-passthrough, or a
    named model (mode custom, ``mpx`` disabled on amd64 unless listed); the VMI's features, then
    the renderer's ``cpu_features``; topology; guest NUMA cells."""
    model_name = inputs.model or cfg.cpu_model or "host-model"
    element = {"mode": "custom", "model": None, "model_fallback": None, "model_vendor_id": None,
               "match": None, "check": None, "migratable": None, "vendor": None,
               "features": [], "topology": topology, "numa_cells": cells}
    if model_name in ("host-model", "host-passthrough"):
        element["mode"] = model_name
    else:
        element["model"] = model_name
    listed = set()
    for index, (name, policy) in enumerate(spec.cpu.features):
        where = "%s.domain.cpu.features[%d]" % (spec.spec_path, index)
        feature = _feature({"name": name, "policy": policy}, where)
        element["features"].append(feature)
        listed.add(name)
    if element["model"] and spec.architecture == "amd64" and "mpx" not in listed:
        element["features"].append({"name": "mpx", "policy": "disable"})
        listed.add("mpx")
    for feature in opts.cpu_features:
        if feature["name"] not in listed:
            element["features"].append(dict(feature))
    return element


def cputune(spec, plan, resources, vcpus, opts):
    """Pinning from the plan (dedicated CPUs), else the shared-CPU bandwidth of the Pod's CPU
    request and limit (Virtlet's rule, ``virtlet.cpu_bandwidth``)."""
    tune = {"vcpupin": [], "emulatorpin": None, "iothreadpin": []}
    if spec.cpu.dedicated:
        tune.update(vcpupin=plan.vcpupin, emulatorpin=plan.emulatorpin,
                    iothreadpin=plan.iothreadpin)
        tune.update(virtlet.cpu_bandwidth(None, None, vcpus))
        return tune
    tune.update(virtlet.cpu_bandwidth(_millis(resources["requests"].get("cpu")),
                                      _millis(resources["limits"].get("cpu")),
                                      vcpus, opts.cfs_period))
    if tune["shares"] is None and tune["quota"] is None:
        return None
    return tune


def _millis(text):
    return parse_quantity(text).milli_value() if text is not None else None


# -- memory ---------------------------------------------------------------------------------------

def guest_memory_bytes(spec):
    """GetVirtualMemory (memory.guest, else the limit when no request, else the request) as
    QuantityToByte gives it: a fractional quantity loses one byte."""
    if spec.guest is not None:
        value = spec.guest
        where = spec.spec_path + ".domain.memory.guest"
    elif "memory" in spec.limits and "memory" not in spec.requests:
        value = spec.limits["memory"]
        where = spec.spec_path + ".domain.resources.limits.memory"
    else:
        value = spec.requests.get("memory")
        where = spec.spec_path + ".domain.resources.requests.memory"
    if value is None or value.is_zero():
        raise VmpodInputError(spec.spec_path + ".domain.memory.guest", None,
                              "is required: the VMI sets no guest memory, memory request or "
                              "limit")
    exact = value.as_fraction()
    size = int(exact) if exact.denominator == 1 else value.value() - 1
    if size <= 0:
        raise VmpodInputError(where, str(value), "is not a guest memory size")
    return size


def page_size_bytes(spec, memory):
    if spec.hugepage_size is None:
        return None
    size = parse_exact(spec.hugepage_size)
    where = spec.spec_path + ".domain.memory.hugepages.pageSize"
    if size is None or size.value() <= 0 or size.value() % 1024:
        raise VmpodInputError(where, spec.hugepage_size, "is not a page size")
    if memory % size.value():
        raise VmpodInputError(where, spec.hugepage_size, "does not divide the guest memory of %d "
                              "bytes into whole pages" % memory)
    return size.value()


def memfd_required(spec, inputs):
    """isMemfdRequired: hugepages (unless kubevirt.io/memfd is "false"), virtiofs or passt."""
    if spec.hugepage_size is not None and spec.annotations.get(MEMFD_ANNOTATION) != "false":
        return True
    return shared_access_required(inputs)


def shared_access_required(inputs):
    return bool(inputs.filesystems) or any(i["passt"] for i in inputs.interfaces)


def guest_numa_cells(spec, inputs, plan, memory, vcpus):
    """The plan's guest NUMA cells (passthrough or an explicit layout); else, when memfd backs
    the memory, configureSyntheticNUMA's single cell of all vCPUs and memory (in KiB)."""
    if plan.cells:
        return [{"id": cell["id"], "cpus": cell["cpus"], "memory": cell["memory_bytes"],
                 "unit": "b", "distances": cell["distances"], "host_node": cell["host_node"]}
                for cell in plan.cells]
    if memfd_required(spec, inputs) and not inputs.has_numa and spec.architecture != "s390x":
        return [{"id": 0, "cpus": "0-%d" % (vcpus - 1),  # "0-0" for one vCPU, as KubeVirt
                 "memory": memory // 1024, "unit": "KiB", "distances": [], "host_node": None}]
    return []


def numatune(plan, host, cells):
    """Strict memory on the plan's host nodes: each guest cell's own node (``numaMapping``);
    without planned guest cells, the nodes the plan takes hugepages from, else the nodes of the
    pinned pCPUs (KubeVirt leaves both to the Pod's cpuset.mems; a bare libvirt host needs them
    said). None when the plan places neither (shared CPUs without hugepages, no plan)."""
    planned = [cell for cell in cells if cell["host_node"] is not None]
    if planned:
        nodes = sorted({cell["host_node"] for cell in planned})
        memnodes = [{"cellid": cell["id"], "nodeset": str(cell["host_node"])} for cell in planned]
        return {"mode": "strict", "nodeset": format_cpuset(nodes), "memnodes": memnodes}
    nodes = plan.page_nodes
    if not nodes and host is not None and plan.cpuset:
        nodes = sorted({host.cpu_by_id[cpu].node for cpu in plan.cpuset if cpu in host.cpu_by_id})
    if not nodes:
        return None
    nodeset = format_cpuset(nodes)
    return {"mode": "strict", "nodeset": nodeset,
            "memnodes": [{"cellid": cell["id"], "nodeset": nodeset} for cell in cells]}


def memory_backing(spec, inputs, page, cells):
    """hugepages (a page size per guest cell), nosharepages for realtime, memfd, shared access,
    and immediate allocation of hugepages; None when nothing applies."""
    backing = {"hugepages": [], "nosharepages": inputs.realtime, "source": None, "access": None,
               "allocation": None}
    if page is not None:
        size_kib = page // 1024
        if cells:
            backing["hugepages"] = [{"size_kib": size_kib, "nodeset": str(cell["id"])}
                                    for cell in cells]
        else:
            backing["hugepages"] = [{"size_kib": size_kib, "nodeset": None}]
        backing["allocation"] = "immediate"
    if memfd_required(spec, inputs):
        backing["source"] = "memfd"
    if shared_access_required(inputs):
        backing["access"] = "shared"
    if not (backing["hugepages"] or backing["nosharepages"] or backing["source"]
            or backing["access"]):
        return None
    return backing


def memtune(resources, opts):
    """``<memtune><hard_limit>``: the launcher Pod's memory limit (else request) - the cgroup
    limit of QEMU and its overhead, as Virtlet's notes describe it - when asked for."""
    if not opts.memory_hard_limit:
        return None
    text = resources["limits"].get("memory") or resources["requests"].get("memory")
    if text is None:
        return None
    return {"hard_limit_bytes": parse_quantity(text).value()}


# -- the rest of the domain -----------------------------------------------------------------------

def os_section(spec, inputs, cfg, name, opts):
    arch = spec.architecture
    loader = nvram = None
    if inputs.efi:
        base = opts.ovmf_path or OVMF_PATH[arch]
        if arch == "arm64":
            code, template = "AAVMF_CODE.fd", "AAVMF_VARS.fd"
        elif inputs.secure_boot:
            code, template = "OVMF_CODE.secboot.fd", "OVMF_VARS.secboot.fd"
        else:
            code, template = "OVMF_CODE.fd", "OVMF_VARS.fd"
        loader = {"path": "%s/%s" % (base, code), "secure": "yes" if inputs.secure_boot else "no"}
        nvram = {"path": "%s/libvirt/qemu/nvram/%s_VARS.fd" % (opts.private_dir, name),
                 "template": "%s/%s" % (base, template)}
    return {"arch": LIBVIRT_ARCH[arch], "machine": inputs.machine or cfg.machine_types[arch],
            "smbios": "sysinfo" if arch == "amd64" else None, "loader": loader, "nvram": nvram}


def sysinfo_entries(firmware_uuid, serial):
    entries = [{"name": "uuid", "value": firmware_uuid}]
    if serial:
        entries.append({"name": "serial", "value": serial})
    return entries


def features(spec, inputs, pinned):
    amd64 = spec.architecture == "amd64"
    return {"acpi": inputs.acpi, "apic": inputs.apic and amd64, "smm": inputs.smm,
            "kvm_hidden": inputs.kvm_hidden,
            "kvm_hint_dedicated": pinned and amd64,
            "pmu": "off" if inputs.realtime else None,
            "vmport": "off" if amd64 and inputs.has_features else None,
            "pvspinlock": inputs.pvspinlock}


def devices(spec, inputs, name, namespace, uid, opts, omitted):
    virtio = "virtio-transitional" if inputs.transitional else VIRTIO_MODEL
    private = "%s/%s" % (opts.private_dir, uid)
    result = {
        "disks": disks(spec, inputs, name, namespace, virtio, opts, omitted),
        "interfaces": interfaces(inputs, virtio, omitted),
        "filesystems": [{"name": fs, "socket": "/var/run/kubevirt/virtiofs-containers/%s.sock"
                         % fs} for fs in inputs.filesystems],
        "serial": None,
        "channels": ["org.qemu.guest_agent.0"],
        "controllers": [],
        "graphics": None,
        "memballoon": memballoon(spec, virtio, opts),
        "tpm": None,
        "rng": {"model": virtio} if inputs.rng else None,
    }
    if spec.architecture == "amd64":
        result["controllers"].append({"type": "usb", "index": 0, "model": "none"})
    result["controllers"].append({"type": "virtio-serial", "index": 0, "model": virtio})
    if spec.autoattach_serial is not False:
        result["serial"] = {"type": "unix", "path": "%s/virt-serial0" % private,
                            "log": "%s/virt-serial0-log" % private}
    if spec.autoattach_graphics is not False and spec.architecture != "s390x":
        result["graphics"] = {"socket": "%s/virt-vnc" % private,
                              "video": "virtio" if spec.architecture == "arm64" else "vga"}
    if spec.tpm:
        persistent = inputs.tpm_persistent
        result["tpm"] = {"model": "tpm-crb" if persistent else "tpm-tis", "version": "2.0",
                         "persistent": "yes" if persistent else None}
    for kind, items in (("GPU", spec.gpus), ("host device", spec.host_devices)):
        for device in items:
            omitted.append("%s %s: its PCI address comes from the device plugin on the node"
                           % (kind, device.name))
    if spec.sev or spec.snp or spec.tdx:
        omitted.append("launchSecurity: cbitpos and reducedPhysBits come from the node's "
                       "domain capabilities")
    return result


def disks(spec, inputs, name, namespace, virtio, opts, omitted):
    """Each disk with its volume's source, target (vda, vdb, ... sda, ... by bus), and IOThread
    (assignDiskIOThread: dedicated disks after the shared pool, shared ones round-robin)."""
    threads = iothread_count(spec)
    dedicated = sum(1 for disk in inputs.disks if disk["dedicated_io_thread"])
    supplemental = spec.io_threads_policy == "supplementalPool" and \
        spec.supplemental_pool_thread_count is not None
    auto = max(threads - dedicated, 1) if not supplemental else threads
    next_auto, next_dedicated = 1, auto + 1
    used = {}
    result = []
    for disk in inputs.disks:
        volume = inputs.volumes.get(disk["name"])
        if volume is None:
            if disk["device"] != "cdrom":
                raise VmpodInputError(f.join(disk["path"], "name"), disk["name"],
                                      "has no volume of that name in spec.volumes")
            source, fmt = None, "raw"
        else:
            kind, template, fmt = volume
            source = template if kind == "hostDisk" else template.format(
                private=opts.private_dir, name=disk["name"], namespace=namespace, vmi=name)
        prefix = _BUS_PREFIX[disk["bus"]]
        used[prefix] = used.get(prefix, -1) + 1
        entry = {"device": disk["device"], "source": source, "format": fmt,
                 "bus": disk["bus"], "dev": prefix + _device_letters(used[prefix]),
                 "model": virtio if disk["bus"] == "virtio" else None,
                 "readonly": disk["readonly"], "serial": disk["serial"],
                 "boot_order": disk["boot_order"], "alias": "ua-" + disk["name"],
                 "discard": None if disk["device"] == "cdrom" else "unmap",
                 "tray": "closed" if disk["device"] == "cdrom" else None, "iothread": None}
        if disk["device"] == "lun":
            entry["device"] = "disk"  # a LUN needs the node's block device; rendered as a disk
            omitted.append("disk %s: LUN passthrough needs the node's block device; rendered as "
                           "a disk" % disk["name"])
        if threads and disk["bus"] == "virtio":
            if supplemental:
                # KubeVirt maps each disk's queues over all pool IOThreads (<driver><iothreads>,
                # libvirt >= 10.0); round-robin keeps the domain valid for older libvirt
                entry["iothread"] = next_auto
                next_auto = next_auto % threads + 1
            elif disk["dedicated_io_thread"]:
                entry["iothread"] = next_dedicated
                next_dedicated += 1
            else:
                entry["iothread"] = next_auto
                next_auto = next_auto % auto + 1
        result.append(entry)
    return result


def _device_letters(index):
    """0 -> a, 25 -> z, 26 -> aa: the suffix of vda, vdb, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def interfaces(inputs, virtio, omitted):
    """Pod-network bindings as a tap (``type='ethernet'``), passt as ``type='user'`` with the
    passt backend; SR-IOV VFs are left to the node (their PCI address is assigned there)."""
    result = []
    for item in inputs.interfaces:
        if item["sriov"]:
            omitted.append("interface %s: the SR-IOV VF's PCI address is assigned on the node"
                           % item["name"])
            continue
        model = item["model"] or "virtio"
        result.append({"type": "user" if item["passt"] else "ethernet",
                       "backend": "passt" if item["passt"] else None,
                       "ports": item["ports"] if item["passt"] else [],
                       "model": virtio if model == "virtio" else model,
                       "mac": item["mac"], "boot_order": item["boot_order"],
                       "alias": "ua-" + item["name"], "rom": "no"})
    return result


def memballoon(spec, virtio, opts):
    """balloon.go: model none when autoattachMemBalloon is false; stats every
    memBalloonStatsPeriod seconds; free page reporting unless disabled for the cluster, by the
    VMI's annotation, or for a high-performance VMI (dedicated CPUs, realtime, hugepages)."""
    if spec.autoattach_memballoon is False:
        return {"model": "none", "free_page_reporting": None, "stats_period": None,
                "iommu": False}
    high_performance = spec.cpu.dedicated or spec.cpu.realtime or spec.hugepage_size is not None
    reporting = opts.free_page_reporting and not high_performance and \
        spec.annotations.get(FREE_PAGE_REPORTING_DISABLED) != "true"
    return {"model": virtio, "free_page_reporting": "on" if reporting else "off",
            "stats_period": opts.mem_balloon_stats_period or None,
            "iommu": bool(spec.sev or spec.snp)}


# -- Virtlet VM pods ------------------------------------------------------------------------------

def virtlet_domain_model(pod, opts=None):
    """The domain Virtlet defines for a VM pod (``virtlet.read_virtlet_pod``), in the same
    model as a VMI's: 1 vCPU unless VirtletVCPUCount, the container memory limit (1Gi without
    one), the libvirt ``<cpu>`` of VirtletLibvirtCPUSetting, else of VirtletCPUModel, else
    libvirt's default; VirtletSystemUUID as domain and SMBIOS uuid; the Pod's CPU limit spread
    over the vCPUs."""
    opts = opts or DomainOptions()
    spec = virtlet.read_virtlet_pod(pod)
    domain_id = virtlet.domain_uuid(spec)
    tune = {"vcpupin": [], "emulatorpin": None, "iothreadpin": []}
    tune.update(virtlet.cpu_bandwidth(spec.cpu_request_millis or 0, spec.cpu_limit_millis,
                                      spec.vcpus, opts.cfs_period))
    if tune["shares"] is None:
        tune["shares"] = virtlet.cpu_shares(0)  # the kubelet gives every container 2 shares
    cpu = virtlet_cpu(spec, opts)
    return {
        "type": opts.domain_type,
        "name": virtlet.domain_name(spec, domain_id),
        "uuid": domain_id,
        "metadata": None,
        "memory_bytes": spec.memory_bytes,
        "vcpu": spec.vcpus,
        "vcpus": [],
        "iothreads": 0,
        "cputune": tune,
        "numatune": None,
        "memory_backing": None,
        "memtune": {"hard_limit_bytes": spec.memory_bytes} if opts.memory_hard_limit else None,
        "os": {"arch": "x86_64", "machine": None, "smbios": "sysinfo" if spec.system_uuid
               else None, "loader": None, "nvram": None},
        "sysinfo": sysinfo_entries(spec.system_uuid, None) if spec.system_uuid else [],
        "features": {"acpi": True, "apic": False, "smm": False, "kvm_hidden": None,
                     "kvm_hint_dedicated": False, "pmu": None, "vmport": None,
                     "pvspinlock": None},
        "cpu": cpu,
        "clock": None,
        "devices": {"disks": [], "interfaces": [], "filesystems": [], "channels": [],
                    "serial": {"type": "pty", "path": None, "log": None}, "controllers": [],
                    "graphics": None,
                    "memballoon": None, "tpm": None, "rng": None},
        "omitted": ["Virtlet's root volume, network and cloud-init disk are made on the node"],
    }


def virtlet_cpu(spec, opts):
    """VirtletLibvirtCPUSetting wins over VirtletCPUModel; neither leaves libvirt's default."""
    element = {"mode": None, "model": None, "model_fallback": None, "model_vendor_id": None,
               "match": None, "check": None, "migratable": None, "vendor": None,
               "features": [], "topology": None, "numa_cells": []}
    if spec.cpu_setting is not None:
        element.update(spec.cpu_setting)
        element["features"] = list(spec.cpu_setting["features"])
    elif spec.cpu_model == "host-model":
        # virtualization.go: nested virtualization with host-model needs vmx
        element.update(mode="host-model", model_fallback="forbid",
                       features=[{"name": "vmx", "policy": "require"}])
    listed = {feature["name"] for feature in element["features"]}
    for feature in opts.cpu_features:
        if feature["name"] not in listed:
            element["features"].append(dict(feature))
    if not (element["mode"] or element["model"] or element["features"] or element["topology"]):
        return None
    return element


# -- many VMs at once ----------------------------------------------------------------------------

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def output_name(name, path):
    """The VM's name as the name of its output directory: a Kubernetes object name (RFC 1123
    subdomain, at most 253 characters), so never a path."""
    if not name or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise VmpodInputError(path, name, "is not a Kubernetes object name (lower-case RFC 1123 "
                              "subdomain): it names the output directory")
    return name


def render_models(vmis, host=None, config=None, arch="amd64", placement_options=None,
                  domain_options=None, pod_options=None):
    """Everything the renderer writes, for each VMI / VirtualMachine / Virtlet VM pod of a list:
    ``{"name", "namespace", "kind", "pod", "domain", "plan", "resources"}``.

    ``pod`` is the launcher Pod (None for a Virtlet pod, which is its own Pod); ``plan`` the
    placement on ``host`` (None without a host; for a Virtlet pod, that of the VMI it amounts
    to, ``virtlet.equivalent_vmi``); ``domain`` the domain model placed by that plan. The
    cluster configuration, host and options are read once. Errors name the item
    (``vmis[3](name).spec...``); two items of one name are refused, as they would share an
    output directory.
    """
    if not isinstance(vmis, (list, tuple)):
        raise VmpodInputError("vmis", vmis, "must be a list of VMIs")
    cfg = read_config(config)
    topo = read_host(host) if host is not None else None
    placement_opts = read_options(placement_options)
    domain_opts = read_domain_options(domain_options)
    pod_opts = read_pod_options(pod_options)
    models = []
    seen = {}
    for index, obj in enumerate(vmis):
        try:
            entry = _render_one(obj, cfg, topo, arch, placement_opts, domain_opts, pod_opts)
        except VmpodInputError as err:
            where = "vmis[%d]%s" % (index, _named(obj))
            raise VmpodInputError("%s.%s" % (where, err.path) if err.path else where,
                                  err.value, err.problem)
        if entry["name"] in seen:
            raise VmpodInputError("vmis[%d].metadata.name" % index, entry["name"],
                                  "is also the name of vmis[%d]: both would write the same "
                                  "output directory" % seen[entry["name"]])
        seen[entry["name"]] = index
        models.append(entry)
    return models


def _render_one(obj, cfg, topo, arch, placement_opts, domain_opts, pod_opts):
    if virtlet.is_virtlet_pod(obj):
        pod_spec = virtlet.read_virtlet_pod(obj)
        name = output_name(pod_spec.name, "metadata.name")
        spec = read_vmi(virtlet.equivalent_vmi(pod_spec), arch)
        pod, kind, namespace = None, "Pod", pod_spec.namespace
        resources = compute_resources(spec, cfg, read_namespace_context(spec, None, (), ()))
        plan = place(spec, topo, cfg, placement_opts, resources).as_dict() if topo else None
        domain = virtlet_domain_model(obj, domain_opts)
    else:
        spec = read_vmi(obj, arch)
        name = output_name(spec.name, "metadata.name")
        kind, namespace = spec.kind, spec.namespace
        resources = compute_resources(spec, cfg, read_namespace_context(spec, None, (), ()))
        plan = place(spec, topo, cfg, placement_opts, resources).as_dict() if topo else None
        pod = build_pod(obj, spec, resources, pod_opts)
        domain = build_domain(obj, spec, cfg, resources, read_plan(plan), topo, domain_opts)
    if plan is not None:
        plan["name"] = name
    return {"name": name, "namespace": namespace, "kind": kind, "pod": pod, "domain": domain,
            "plan": plan, "resources": resources}


def _named(obj):
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return "(%s)" % name if isinstance(name, str) and name else ""
