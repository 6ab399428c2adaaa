# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fields of a VMI that only its launcher Pod uses (scheduling and naming), read once into a
``PodSection`` (``kubevirt.vmi.read_vmi(obj, with_pod=True)``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from dataclasses import dataclass
from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import (
    DNS1123_LABEL, check_label, check_labels, check_qualified_name, check_subdomain)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import PULL_POLICIES
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_scheduling import read_scheduling_hints
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_domain import check_cloud_init_refs
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


@dataclass(frozen=True)
class PodSection:
    """Defaults are the values of absent fields (what their reads would give): ``read_pod_section``
    gives only what the VMI has, into the instance's ``__dict__`` at once, as ``read_vmi`` does."""

    node_selector: dict  # (always given: a dict cannot be a dataclass default)
    tolerations: tuple = ()
    affinity: object = None  # dict or None
    priority_class: str = ""
    scheduler: str = ""
    hostname: str = ""
    subdomain: str = ""
    volumes: tuple = ()  # PodVolume values, in spec order
    filesystems: frozenset = frozenset()  # names of virtiofs filesystems
    readiness_probe: object = None  # the VMI's probe (a dict) or None
    liveness_probe: object = None
    log_serial_console: object = None  # True, False or None (unset)
    disable_hotplug: bool = False
    dns_config: object = None  # dict or None
    dns_policy: str = ""
    topology_spread: tuple = ()
    service_account: str = ""  # spec.serviceAccountName
    access_secrets: tuple = ()  # the secrets of spec.accessCredentials
    non_root: bool = False  # vmitrait.IsNonRoot: status.runtimeUser (or the nonroot annotation)
    hook_sidecars: tuple = ()  # the hooks.kubevirt.io/hookSidecars annotation, read
    machine_type: str = ""  # spec.domain.machine.type
    resource_claims: tuple = ()  # spec.resourceClaims as the Pod's (name, claim or template)
    # spec.domain.firmware.kernelBoot.container, as the containerDisk KubeVirt makes of it (a
    # PodVolume named kernel-boot-volume, path /), or None
    kernel_boot: object = None
    # what the backend-storage PVC keeps (backendstorage.IsBackendStorageNeeded), each a subPath
    # of it: "swtpm" (a persistent TPM), "nvram" (persistent EFI), "cbt" (changed block
    # tracking initializing or enabled in the status); () when the Pod has no such PVC
    backend_storage: tuple = ()
    backend_claim: str = ""  # the backend-storage claim the status names (CurrentPVCName), or ""
    spec_architecture: str = ""  # spec.architecture as given ("" when the cluster's applies)
    # pod_scheduling.read_scheduling_hints: what only the node selector reads
    hyperv_labels: tuple = ()  # the Hyper-V features' node labels (HypervStrictCheck)
    reenlightenment: bool = False  # Hyper-V reenlightenment on
    tsc_frequency: int = 0  # status.topologyHints.tscFrequency, or 0
    secure_execution: bool = False  # IBM Secure Execution (launchSecurity on s390x)
    status_machine_type: str = ""  # status.machine.type


class PodVolume(NamedTuple):
    """A volume of ``spec.volumes``: its name, source kind and the source as given."""

    name: str
    kind: str  # the source's key: containerDisk, persistentVolumeClaim, dataVolume, ...
    source: dict
    index: int  # its place in spec.volumes (container disks are named by it)
    hotplug: bool  # a hotpluggable PVC or DataVolume: attached by its own Pod, not the launcher


VOLUME_KINDS = ("containerDisk", "persistentVolumeClaim", "dataVolume", "ephemeral", "hostDisk",
                "secret", "configMap", "downwardAPI", "serviceAccount", "cloudInitNoCloud",
                "cloudInitConfigDrive", "downwardMetrics", "emptyDisk", "sysprep", "memoryDump",
                "containerPath")
HOOK_SIDECARS_ANNOTATION = "hooks.kubevirt.io/hookSidecars"


class _SectionPaths:
    """The paths read_pod_section names under one spec path, built once per spec path (two
    exist) rather than per VMI."""

    def __init__(self, sp):
        self.selector = f.join(sp, "nodeSelector")
        self.domain = f.join(sp, "domain")
        self.devices = f.join(self.domain, "devices")
        self.tpm = f.join(self.devices, "tpm")
        self.machine = f.join(self.domain, "machine")
        self.firmware = f.join(self.domain, "firmware")
        self.kernel_boot = f.join(self.firmware, "kernelBoot")
        self.bootloader = f.join(self.firmware, "bootloader")
        self.efi = f.join(self.firmware, "bootloader.efi")


_SECTION_PATHS = {}  # spec path -> its _SectionPaths


def read_pod_section(spec, sp, obj=None, annotations=None):
    """The Pod's part of a VMI, each field checked as the API server checks the Pod's.
    ``obj``: the whole object (its ``status.runtimeUser``); ``annotations``: the VMI's.
    Fields are read in a fixed order (the first bad one is the one named); an absent field is
    not read but takes the value its read would give."""
    p = _SECTION_PATHS.get(sp)
    if p is None:
        p = _SECTION_PATHS[sp] = _SectionPaths(sp)
    domain_path, devp = p.domain, p.devices
    domain = f.mapping(spec, "domain", sp)
    devices = f.mapping(domain, "devices", domain_path)
    section = _new_section(PodSection)
    s = section.__dict__
    s["node_selector"] = _NO_SELECTOR
    log_serial = devices.get("logSerialConsole")
    if log_serial is not None:
        s["log_serial_console"] = f.boolean(devices, "logSerialConsole", devp)
    if "nodeSelector" in spec:
        s["node_selector"] = check_labels(string_map(spec, "nodeSelector", sp), p.selector)
    if "tolerations" in spec:
        s["tolerations"] = tuple(_toleration(item, p) for p, item in f.mappings(spec, "tolerations", sp))
    if "affinity" in spec:
        s["affinity"] = f.optional_mapping(spec, "affinity", sp)
    for key, field, check in _NAMED_BEFORE_VOLUMES:
        if key in spec:
            s[field] = _named(spec, key, sp, check)
    if "volumes" in spec:
        s["volumes"] = read_volumes(spec, sp)
        if isinstance(obj, dict) and obj.get("status"):
            s["volumes"] = _status_hotplug(s["volumes"], obj)
    if "filesystems" in devices:
        s["filesystems"] = frozenset(
            f.string(item, "name", where) for where, item in f.mappings(devices, "filesystems", devp)
            if f.optional_mapping(item, "virtiofs", where) is not None)
    if "readinessProbe" in spec:
        s["readiness_probe"] = _probe(spec, "readinessProbe", sp)
    if "livenessProbe" in spec:
        s["liveness_probe"] = _probe(spec, "livenessProbe", sp)
    if "disableHotplug" in devices:
        s["disable_hotplug"] = bool(f.boolean(devices, "disableHotplug", devp, False))
    if "dnsConfig" in spec:
        s["dns_config"] = f.optional_mapping(spec, "dnsConfig", sp)
    if "dnsPolicy" in spec:
        s["dns_policy"] = f.string(spec, "dnsPolicy", sp)
    if "topologySpreadConstraints" in spec:
        s["topology_spread"] = tuple(
            item for _p, item in f.mappings(spec, "topologySpreadConstraints", sp))
    if "serviceAccountName" in spec:
        s["service_account"] = _named(spec, "serviceAccountName", sp, check_subdomain)
    if "accessCredentials" in spec:
        s["access_secrets"] = _access_secrets(spec, sp)
    s["non_root"] = is_non_root(obj, annotations or {})
    if annotations:
        s["hook_sidecars"] = _hook_sidecars(annotations)
    if "machine" in domain:
        s["machine_type"] = f.string(f.mapping(domain, "machine", domain_path), "type", p.machine)
    if "resourceClaims" in spec:
        s["resource_claims"] = _resource_claims(spec, sp)
    if domain.get("firmware"):
        s["kernel_boot"] = _kernel_boot(domain, p)
    if "tpm" in devices or domain.get("firmware") or (isinstance(obj, dict) and obj.get("status")):
        s["backend_storage"], s["backend_claim"] = _backend_storage(domain, devices, obj, p)
    if "architecture" in spec:
        s["spec_architecture"] = f.string(spec, "architecture", sp)
    if "features" in domain or "launchSecurity" in domain or (isinstance(obj, dict) and obj.get("status")):
        s.update(read_scheduling_hints(spec, domain, domain_path, obj))
    return section


KERNEL_BOOT_VOLUME = "kernel-boot-volume"  # pkg/container-disk: KernelBootVolumeName


def _kernel_boot(domain, p):
    """util.HasKernelBootContainerImage and containerdisk's kernel-boot volume: the container's
    image (required), pull secret and pull policy as a containerDisk of path /."""
    kernel = f.optional_mapping(f.mapping(domain, "firmware", p.domain), "kernelBoot", p.firmware)
    if kernel is None:
        return None
    container = f.optional_mapping(kernel, "container", p.kernel_boot)
    if container is None:
        return None
    cp = f.join(p.kernel_boot, "container")
    image = f.string(container, "image", cp)
    if not image:
        raise VmpodInputError(f.join(cp, "image"), image, "is required: the kernel's container image")
    source = {"image": image, "path": "/"}
    secret = f.string(container, "imagePullSecret", cp)
    if secret:
        source["imagePullSecret"] = check_subdomain(secret, f.join(cp, "imagePullSecret"))
    policy = f.string(container, "imagePullPolicy", cp)
    if policy:
        if policy not in PULL_POLICIES:
            raise VmpodInputError(f.join(cp, "imagePullPolicy"), policy,
                                  "must be one of %s" % ", ".join(PULL_POLICIES))
        source["imagePullPolicy"] = policy
    return PodVolume(KERNEL_BOOT_VOLUME, "containerDisk", source, 0, False)


_NO_SELECTOR = {}  # what an absent nodeSelector reads as; never changed
_NAMED_BEFORE_VOLUMES = (("priorityClassName", "priority_class", check_subdomain),
                         ("schedulerName", "scheduler", check_subdomain),
                         ("hostname", "hostname", check_label),
                         ("subdomain", "subdomain", check_label))
_new_section = object.__new__


def _resource_claims(spec, sp):
    """ToPodResourceClaims: each claim's name and its claim or claim template."""
    claims = []
    for where, item in f.mappings(spec, "resourceClaims", sp):
        claim = {"name": f.string(item, "name", where)}
        for key in ("resourceClaimName", "resourceClaimTemplateName"):
            if f.string(item, key, where):
                claim[key] = item[key]
        claims.append(claim)
    return tuple(claims)


def read_volumes(spec, sp):
    """``spec.volumes`` as PodVolume values; names unique, one source each. (Paths are built
    only for an error: this runs once per VMI on the rendering road.)"""
    found, names = [], set()
    for index, item in enumerate(f.mapping_items(spec, "volumes", sp)):
        name = item.get("name")
        if name.__class__ is not str or name not in _GOOD_VOLUME_NAMES:  # (seen valid: no match)
            name = _volume_name(item, f.item_path(sp, "volumes", index))
        if name in names:
            raise VmpodInputError(f.join(f.item_path(sp, "volumes", index), "name"), name,
                                  "names another volume too")
        names.add(name)
        kind = None
        for key in item:
            if key in _VOLUME_KIND_SET and item[key] is not None:
                if kind is not None:
                    kind = _TWO_SOURCES
                    break
                kind = key
        if kind is None or kind is _TWO_SOURCES:
            raise VmpodInputError(f.item_path(sp, "volumes", index),
                                  sorted(str(k) for k in item if k != "name"),
                                  "must have exactly one volume source (containerDisk, "
                                  "persistentVolumeClaim, dataVolume, cloudInitNoCloud, ...)")
        source = item[kind]
        if not _plain_source(source):
            source = _checked_source(item, kind, f.item_path(sp, "volumes", index))
        if kind in _CLOUD_INIT_KINDS and "userDataSecretRef" in source:
            check_cloud_init_refs(source, f.join(f.item_path(sp, "volumes", index), kind))
        hotplug = False
        if kind in _CLAIM_KINDS and "hotpluggable" in source:
            hotplug = source["hotpluggable"] is True
            f.boolean(source, "hotpluggable", f.join(f.item_path(sp, "volumes", index), kind))
        found.append(_new_volume(PodVolume, (name, kind, source, index, hotplug)))
    return tuple(found)


# volume names recur across VMIs (rootdisk, cloudinitdisk): those seen valid are not matched
# again; a bounded set, so hostile input cannot grow it without end
_GOOD_VOLUME_NAMES = set()
_GOOD_NAMES_KEPT = 4096


def _volume_name(item, where):
    """A volume's name, checked: required, a DNS-1123 label."""
    name = f.string(item, "name", where)
    if not name:
        raise VmpodInputError(f.join(where, "name"), name, "is required")
    if not DNS1123_LABEL.match(name) or len(name) > 63:
        check_label(name, f.join(where, "name"))
    if len(_GOOD_VOLUME_NAMES) < _GOOD_NAMES_KEPT:
        _GOOD_VOLUME_NAMES.add(name)
    return name


_CLAIM_KINDS = frozenset(("persistentVolumeClaim", "dataVolume"))
_CLOUD_INIT_KINDS = frozenset(("cloudInitNoCloud", "cloudInitConfigDrive"))
_new_volume = tuple.__new__  # PodVolume's fields in order, without its __new__'s frame


_VOLUME_KIND_SET = frozenset(VOLUME_KINDS)
_TWO_SOURCES = object()  # (a volume with more than one source)
_SOURCE_TEXTS = ("claimName", "name", "image", "imagePullPolicy", "imagePullSecret", "path",
                 "type", "secretName", "serviceAccountName")
_SOURCE_REFS = ("secretRef", "networkDataSecretRef", "persistentVolumeClaim", "secret",
                "configMap")


def _status_hotplug(volumes, obj):
    """The volumes with those the status shows hotplugged (a ``hotplugVolume`` in
    ``status.volumeStatus``) marked so (rendervolumes.go hotplugVolumes): their own Pod
    attaches them, not the launcher."""
    status = f.mapping(obj, "status", "")
    names = {f.string(item, "name", where) for where, item in f.mappings(status, "volumeStatus", "status")
             if item.get("hotplugVolume") is not None}
    return tuple(volume._replace(hotplug=True) if volume.name in names else volume
                 for volume in volumes) if names else volumes


def _plain_source(source):
    """Whether a source's names, paths and images are all text (the usual case, checked
    without building a path): only the keys the source has are looked at."""
    if source.__class__ is not dict:
        return False
    for key, value in source.items():
        if value is None:
            continue
        if key in _SOURCE_TEXT_SET:
            if value.__class__ is not str:
                return False
        elif key in _SOURCE_REF_SET:
            if value.__class__ is not dict:
                return False
            for text in ("name", "claimName"):
                inner = value.get(text)
                if inner is not None and inner.__class__ is not str:
                    return False
    return True


_SOURCE_TEXT_SET = frozenset(_SOURCE_TEXTS)
_SOURCE_REF_SET = frozenset(_SOURCE_REFS)


def _checked_source(item, kind, where):
    """A volume source whose names, paths and images (all the Pod takes from it) are text."""
    source = f.mapping(item, kind, where)
    source_path = f.join(where, kind)
    for key in _SOURCE_TEXTS:
        f.string(source, key, source_path)
    for key in _SOURCE_REFS:
        ref = f.mapping(source, key, source_path)
        for text in ("name", "claimName"):
            f.string(ref, text, f.join(source_path, key))
    return source


def _probe(spec, key, sp):
    probe = f.optional_mapping(spec, key, sp)
    if probe is None:
        return None
    where = f.join(sp, key)
    for number in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                   "failureThreshold"):
        f.integer(probe, number, where, 0, minimum=0)
    handler = f.optional_mapping(probe, "exec", where)
    if handler is not None:
        f.strings(handler, "command", f.join(where, "exec"))
    return probe


def _access_secrets(spec, sp):
    secrets = []
    for where, item in f.mappings(spec, "accessCredentials", sp):
        for kind in ("sshPublicKey", "userPassword"):
            credential = f.mapping(item, kind, where)
            source = f.mapping(credential, "source", f.join(where, kind))
            secret = f.mapping(source, "secret", f.join(f.join(where, kind), "source"))
            name = f.string(secret, "secretName", where)
            if name:
                secrets.append(name)
                break
    return tuple(secrets)


BACKEND_STORAGE_PREFIX = "persistent-state-for"  # pkg/storage/backend-storage: PVCPrefix
_CBT_ON = ("Initializing", "Enabled")  # cbt.HasCBTStateEnabled


def _backend_storage(domain, devices, obj, p):
    """What the backend-storage PVC keeps for this VMI (pkg/storage/backend-storage:
    IsBackendStorageNeeded: tpm.HasPersistentDevice, HasPersistentEFI, cbt.HasCBTStateEnabled)
    and the claim its status names (CurrentPVCName: the first volume status whose name starts
    with persistent-state-for)."""
    kept = []
    tpm = f.optional_mapping(devices, "tpm", p.devices)
    if tpm is not None:
        if f.boolean(tpm, "enabled", p.tpm, True) and f.boolean(tpm, "persistent", p.tpm, False):
            kept.append("swtpm")
    firmware = f.optional_mapping(domain, "firmware", p.domain)
    if firmware:
        bootloader = f.mapping(firmware, "bootloader", p.firmware)
        efi = f.optional_mapping(bootloader, "efi", p.bootloader)
        if efi and f.boolean(efi, "persistent", p.efi, False):
            kept.append("nvram")
    claim = ""
    status = obj.get("status") if isinstance(obj, dict) else None
    if isinstance(status, dict) and status:
        tracking = f.optional_mapping(status, "changedBlockTracking", "status")
        if tracking and f.string(tracking, "state", "status.changedBlockTracking") in _CBT_ON:
            kept.append("cbt")
        for where, item in f.mappings(status, "volumeStatus", "status"):
            if f.string(item, "name", where).startswith(BACKEND_STORAGE_PREFIX):
                info = f.mapping(item, "persistentVolumeClaimInfo", where)
                claim = f.string(info, "claimName", f.join(where, "persistentVolumeClaimInfo"))
                if claim:
                    check_subdomain(claim, f.join(where, "persistentVolumeClaimInfo.claimName"))
                break
    return tuple(kept), claim


def is_non_root(obj, annotations):
    """vmitrait.IsNonRoot: the deprecated ``kubevirt.io/nonroot`` annotation, or a runtime user
    other than root in the status (virt-api's webhook sets 107 unless the Root gate is on;
    ``launcher_pod(apply_defaults=True)`` does the same)."""
    if "kubevirt.io/nonroot" in annotations:
        return True
    status = obj.get("status") if isinstance(obj, dict) else None
    if isinstance(status, dict) and "runtimeUser" in status:
        return f.integer(status, "runtimeUser", "status", 0, minimum=0) != 0
    return False


def _hook_sidecars(annotations):
    """The hook sidecars a VMI asks for: a JSON list of {image, imagePullPolicy, command, args,
    configMap, pvc} (pkg/hooks: UnmarshalHookSidecarList)."""
    raw = annotations.get(HOOK_SIDECARS_ANNOTATION)
    if raw is None:
        return ()
    where = "metadata.annotations[%r]" % HOOK_SIDECARS_ANNOTATION
    try:
        sidecars = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        sidecars = None
    if not isinstance(sidecars, list) or not all(isinstance(item, dict) for item in sidecars):
        raise VmpodInputError(where, raw, "must be a JSON list of hook sidecars")
    for index, item in enumerate(sidecars):
        item_where = "%s[%d]" % (where, index)
        f.string(item, "image", item_where)
        f.string(item, "imagePullPolicy", item_where)
        f.strings(item, "command", item_where)
        f.strings(item, "args", item_where)
    return tuple(sidecars)


def _named(spec, key, path, check):
    value = f.string(spec, key, path)
    return check(value, f.join(path, key)) if value else value


_OPERATORS = ("", "Exists", "Equal")
_EFFECTS = ("", "NoSchedule", "PreferNoSchedule", "NoExecute")


def _toleration(item, path):
    """A toleration as core/v1 validation takes it (validateTolerations)."""
    key, value = f.string(item, "key", path), f.string(item, "value", path)
    if key:
        check_qualified_name(key, f.join(path, "key"))
    if value:
        check_labels({"value": value}, path)
    operator = f.string(item, "operator", path)
    if operator not in _OPERATORS:
        raise VmpodInputError(f.join(path, "operator"), operator, "must be Exists or Equal")
    if operator == "Exists" and value:
        raise VmpodInputError(f.join(path, "value"), value, "must be empty when operator is Exists")
    effect = f.string(item, "effect", path)
    if effect not in _EFFECTS:
        raise VmpodInputError(f.join(path, "effect"), effect,
                              "must be NoSchedule, PreferNoSchedule or NoExecute")
    return item


def string_map(data, key, path):
    """A mapping of strings to strings (labels, annotations, a node selector)."""
    raw = f.mapping(data, key, path)
    for name, value in raw.items():
        if not isinstance(value, str):
            raise VmpodInputError(f.join(f.join(path, key), name), value, "must be a string")
    return raw
