# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VirtualMachineInstance read once into plain values (the parts sizing and placement use).

``read_vmi`` accepts a VirtualMachineInstance or a VirtualMachine (whose ``spec.template`` is the
VMI to be) as the plain dict that YAML or the Kubernetes API gives, checks the types of every field
it reads and names the path of any bad one. Absent fields take the Go zero value KubeVirt sees.
Plain shapes take fast paths that give what the checked reads give; anything else, and every
error, goes through the checked read. The lists (disks, interfaces, ...) are ``vmi_devices``;
what the VM controller adds to a VirtualMachine's VMI, ``vmi_controller``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from dataclasses import dataclass
from operator import attrgetter
from collections.abc import Mapping

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_cpu import NO_CPU, Cpu, read_cpu
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_controller import (
    default_volume_disks, vm_controller_metadata)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_devices import (
    read_devices, read_disks, read_interfaces, read_networks)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.identity import stand_in_uid
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_domain import (
    read_domain_section)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_pod import (
    is_non_root, read_pod_section, string_map)
from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import (
    check_annotations, check_label, check_labels, check_subdomain)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.spec_paths import spec_paths
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.architecture import ARCHITECTURES
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_exact
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import xml_string


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


@dataclass(frozen=True)
class Vmi:
    """The VMI values that sizing, placement and rendering read, immutable once read.

    Defaults are the values of absent sections (Go's zero values, what their reads would give);
    ``read_vmi`` gives only what the VMI has, into the instance's ``__dict__`` at once (a frozen
    dataclass's ``__init__`` would cost more than the rest of the read for these 40-odd fields).
    ``spec_path``: where the spec is (``spec``, or a VirtualMachine's ``spec.template.spec``).
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
    sev_dh_cert: str = ""  # launchSecurity.sev.dhCert and .session: attestation data for libvirt
    sev_session: str = ""
    snp_policy: object = None  # launchSecurity.snp.policy as a number, or None (KubeVirt's default)
    known_uid: str = ""  # metadata.uid, else its stand-in (read with_domain or with_pod)
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
    spec = obj.get("spec")
    if spec.__class__ is not dict:  # (absent, or not a plain dict: read checked)
        spec = f.mapping(obj, "spec", "", required=True)
    return spec, "spec", kind


def read_vmi(obj, arch="amd64", with_domain=False, with_pod=False):
    """Read a VMI (or VirtualMachine) dict. ``arch`` is the cluster's; ``spec.architecture`` wins.

    ``with_domain`` / ``with_pod``: also read the fields only the libvirt domain (``vmi.domain``, a
    ``vmi_domain.DomainSection``) or only the launcher Pod (``vmi.pod``, a ``vmi_pod.PodSection``)
    use; sizing and placement need neither.
    """
    spec, sp, kind = spec_of(obj)
    vmi = _new_vmi(Vmi)
    v = vmi.__dict__  # (filled in place: only what the VMI has, the rest is the defaults)
    v["kind"], v["spec_path"], v["requests"], v["limits"] = kind, sp, _NO_ENTRIES, _NO_ENTRIES
    _read_metadata(v, obj, kind)

    architecture = spec.get("architecture")
    if architecture.__class__ is not str:  # (absent reads "", anything else is refused)
        architecture = f.string(spec, "architecture", sp)
    architecture = architecture or arch
    if architecture not in ARCHITECTURES:
        where = f.join(sp, "architecture") if spec.get("architecture") else "arch"
        raise VmpodInputError(where, architecture, "is not a supported architecture (%s)"
                              % ", ".join(ARCHITECTURES))
    v["architecture"] = architecture

    # Absent sections are skipped: the Vmi's defaults are what their reads would give. A section
    # that is not a plain dict goes through the checked read, which refuses it naming its path.
    p = spec_paths(sp)
    domain = spec.get("domain")
    if domain.__class__ is not dict:
        domain = f.mapping(spec, "domain", sp, required=True)
    resources = domain.get("resources")
    if resources.__class__ is not dict and resources is not None:
        resources = f.optional_mapping(domain, "resources", p.domain)
    if resources:
        _read_resources(v, resources, p)
    memory = domain.get("memory")
    if memory is not None:
        if memory.__class__ is not dict:
            memory = f.optional_mapping(domain, "memory", p.domain)
        _read_memory(v, memory, p)
    if memory is not None or resources:
        _check_memory_sizes(v, p)
    cpu = domain.get("cpu")
    if cpu.__class__ is not dict and cpu is not None:
        cpu = f.optional_mapping(domain, "cpu", p.domain)
    if cpu is not None:
        v["cpu"] = read_cpu(cpu, p.cpu)
    if "ioThreadsPolicy" in domain or "ioThreads" in domain:
        v["io_threads_policy"] = f.string(domain, "ioThreadsPolicy", p.domain) or None
        io_threads = f.mapping(domain, "ioThreads", p.domain)
        v["supplemental_pool_thread_count"] = f.uint32(
            io_threads, "supplementalPoolThreadCount", p.io_threads, None)
    devices = domain.get("devices")
    if devices.__class__ is not dict and devices is not None:
        devices = f.optional_mapping(domain, "devices", p.domain)
    if devices:
        _read_devices(v, devices, p)
    if "launchSecurity" in domain:
        security = f.optional_mapping(domain, "launchSecurity", p.domain)
        if security:
            _read_launch_security(v, security, p)

    if spec.get("networks"):
        v["networks"] = read_networks(spec, sp)
    if spec.get("volumes"):
        v["downward_metrics_volume"] = _has_downward_metrics(spec, sp)
        if kind == "VirtualMachine":
            default_volume_disks(v, spec, devices or {}, sp)
    if "terminationGracePeriodSeconds" in spec:
        v["grace_period"] = f.integer(spec, "terminationGracePeriodSeconds", sp,
                                      DEFAULT_GRACE_PERIOD, minimum=0)
    if "livenessProbe" in spec:
        v["exec_liveness"] = _has_exec_probe(spec, "livenessProbe", sp)
    if "readinessProbe" in spec:
        v["exec_readiness"] = _has_exec_probe(spec, "readinessProbe", sp)
    if with_domain or with_pod:
        v["known_uid"] = v.get("uid") or stand_in_uid(v.get("namespace"), v.get("name", ""))
    if with_domain:
        status = obj.get("status") if kind == "VirtualMachineInstance" else None
        v["domain"] = read_domain_section(spec, sp, architecture, v.get("name", ""),
                                          status=status, from_vm=kind == "VirtualMachine",
                                          non_root=is_non_root(obj, v["annotations"]))
    if with_pod:
        v["pod"] = read_pod_section(spec, sp, obj, v.get("annotations"))
    return vmi


def renamed_vmi(vmi, obj):
    """The read VMI of ``obj``, an object that is the one ``vmi`` was read from (without its
    domain section) but for ``metadata`` ``name``, ``namespace`` and ``uid``: ``vmi`` with
    those, read and checked as ``read_vmi`` reads them (nothing else read depends on them)."""
    if vmi.domain is not None:
        raise ValueError("the domain section depends on the name: read the VMI")
    v = {}
    _read_metadata(v, obj, vmi.kind)
    if "known_uid" in vmi.__dict__:
        v["known_uid"] = v["uid"] or stand_in_uid(v["namespace"], v["name"])
    twin = _new_vmi(Vmi)
    twin.__dict__.update(vmi.__dict__)
    twin.__dict__.update(v)
    return twin


def _read_metadata(v, obj, kind):
    meta = obj.get("metadata")
    if meta.__class__ is not dict:
        meta = f.mapping(obj, "metadata", "")
    name, namespace, uid = meta.get("name", ""), meta.get("namespace", ""), meta.get("uid", "")
    if not (name.__class__ is namespace.__class__ is uid.__class__ is str):  # null, or refused
        name, namespace, uid = [f.string(meta, key, "metadata") for key in _NAMES]
    # as the API server checks them (an empty name or namespace: not given, as in a bare spec)
    if name and not (len(name) <= 63 and _PLAIN_NAME.match(name)):
        check_subdomain(name, "metadata.name")
    if namespace and namespace not in _GOOD_NAMESPACES:
        if not _PLAIN_NAME.match(namespace):
            check_label(namespace, "metadata.namespace")
        if len(_GOOD_NAMESPACES) < _GOOD_NAMESPACES_KEPT:
            _GOOD_NAMESPACES.add(namespace)
    v["name"], v["namespace"], v["uid"] = name, namespace, uid
    meta_path, own_meta = "metadata", meta
    if kind == "VirtualMachine":
        # the VMI takes its labels and annotations from the template, its name from the VM
        meta = f.mapping(obj["spec"]["template"], "metadata", "spec.template")
        meta_path = "spec.template.metadata"
    v["labels"] = _NO_ENTRIES
    if "labels" in meta:
        v["labels"] = check_labels(string_map(meta, "labels", meta_path), meta_path + ".labels")
    v["annotations"] = _NO_ENTRIES
    if "annotations" in meta:
        v["annotations"] = check_annotations(string_map(meta, "annotations", meta_path),
                                             meta_path + ".annotations")
    if kind == "VirtualMachine":
        vm_controller_metadata(v, own_meta, obj["spec"])


_NAMES = ("name", "namespace", "uid")
# namespaces recur across VMIs: those seen valid are not matched again; a bounded set, so
# hostile input cannot grow it without end
_GOOD_NAMESPACES = set()
_GOOD_NAMESPACES_KEPT = 1024
_PLAIN_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z")  # the common case: a DNS-1123 label


def _read_resources(v, resources, p):
    if "requests" in resources:
        v["requests"] = f.resource_list(resources, "requests", p.resources)
    if "limits" in resources:
        v["limits"] = f.resource_list(resources, "limits", p.resources)
    if "overcommitGuestOverhead" in resources:
        v["overcommit_guest_overhead"] = f.boolean(resources, "overcommitGuestOverhead",
                                                   p.resources, False)


# KubeVirt reads memory with Quantity.Value(), an int64; libvirt's <memory> takes no more either
_MAX_MEMORY = (1 << 63) - 1


def _check_memory_sizes(v, p):
    sizes = (v.get("guest"), v.get("max_guest"), v["requests"].get("memory"),
             v["limits"].get("memory"))
    for quantity in sizes:  # (the usual case: none has an exponent above 0, nothing to compute)
        if quantity is not None and (quantity.scale > 0 or quantity.unscaled > _MAX_MEMORY):
            break
    else:
        return
    for quantity, where in zip(sizes, p.memory_sizes):
        if quantity is None or (quantity.scale <= 0 and quantity.unscaled <= _MAX_MEMORY):
            continue  # (no exponent above 0: at most its unscaled digits, no value to compute)
        if quantity.value() > _MAX_MEMORY:
            raise VmpodInputError(where, str(quantity), "is more memory than a VM can have "
                                  "(KubeVirt and libvirt count it in an int64: at most 8Ei)")


def _read_memory(v, memory, p):
    v["memory_present"] = True
    if "guest" in memory:
        v["guest"] = f.quantity(memory, "guest", p.memory)
    if "maxGuest" in memory:
        v["max_guest"] = f.quantity(memory, "maxGuest", p.memory)
    if "hugepages" in memory:
        hugepages = f.optional_mapping(memory, "hugepages", p.memory)
        if hugepages is not None:
            v["hugepage_size"] = f.string(hugepages, "pageSize", p.hugepages)
            v["page_size"] = parse_exact(v["hugepage_size"])  # None when it does not parse exactly
    if "reservedOverhead" in memory:
        reserved = f.mapping(memory, "reservedOverhead", p.memory)
        v["reserved_overhead"] = f.quantity(reserved, "addedOverhead", p.reserved)


# autoattach flags are seldom set: when none is, their reads are skipped (None, the default)
_AUTOATTACH = (("autoattachGraphicsDevice", "autoattach_graphics"),
               ("autoattachPodInterface", "autoattach_pod_interface"),
               ("autoattachVSOCK", "autoattach_vsock"),
               ("autoattachSerialConsole", "autoattach_serial"),
               ("autoattachMemBalloon", "autoattach_memballoon"))
_AUTOATTACH_KEYS = frozenset(key for key, _field in _AUTOATTACH)
_RESERVATION = attrgetter("reservation")  # a Disk's: a LUN with SCSI persistent reservation


def _read_devices(v, devices, p):
    devp = p.devices
    if not _AUTOATTACH_KEYS.isdisjoint(devices):
        for key, field in _AUTOATTACH:
            v[field] = f.boolean(devices, key, devp)
    if devices.get("interfaces"):
        v["interfaces"] = read_interfaces(devices, devp)
    if devices.get("gpus"):
        v["gpus"] = read_devices(devices, "gpus", devp)
    if devices.get("hostDevices"):
        v["host_devices"] = read_devices(devices, "hostDevices", devp)
    if "tpm" in devices:
        tpm = f.optional_mapping(devices, "tpm", devp)
        v["tpm"] = tpm is not None and f.boolean(tpm, "enabled", p.tpm, True)
    if devices.get("disks"):
        disks = read_disks(devices, devp)
        v["disks"] = disks
        v["lun_reservation"] = any(map(_RESERVATION, disks))


def _read_launch_security(v, security, p):
    sev = f.optional_mapping(security, "sev", p.security)
    v["sev"] = sev is not None
    if sev is not None:
        policy = f.mapping(sev, "policy", p.sev)
        v["sev_es"] = bool(f.boolean(policy, "encryptedState", p.sev_policy, False))
        v["sev_dh_cert"] = xml_string(sev, "dhCert", p.sev)
        v["sev_session"] = xml_string(sev, "session", p.sev)
    snp = f.optional_mapping(security, "snp", p.security)
    v["snp"] = snp is not None
    if snp is not None and snp.get("policy") not in (None, ""):
        # the webhook takes a decimal or hexadecimal number (a 64-bit guest policy)
        text = f.string(snp, "policy", p.snp)
        try:
            v["snp_policy"] = int(text, 16 if text[:2] in ("0x", "0X") else 10)
        except ValueError:
            v["snp_policy"] = -1
        if not 0 <= v["snp_policy"] < 2 ** 64:
            raise VmpodInputError(f.join(p.snp, "policy"), text,
                                  "is not a guest policy (a decimal or 0x hexadecimal number)")
    v["tdx"] = f.optional_mapping(security, "tdx", p.security) is not None


def _has_downward_metrics(spec, sp):
    """Whether a volume is a downwardMetrics one (each volume checked, in order, as before)."""
    found = False
    for index, volume in enumerate(f.mapping_items(spec, "volumes", sp)):
        if ("downwardMetrics" in volume and f.optional_mapping(
                volume, "downwardMetrics", f.item_path(sp, "volumes", index)) is not None):
            found = True
    return found


def _has_exec_probe(spec, key, path):
    probe = f.optional_mapping(spec, key, path)
    return probe is not None and f.optional_mapping(probe, "exec", f.join(path, key)) is not None
