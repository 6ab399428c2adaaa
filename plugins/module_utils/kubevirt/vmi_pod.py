# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fields of a VMI that only its launcher Pod uses (scheduling and naming), read once into a
``PodSection`` (``kubevirt.vmi.read_vmi(obj, with_pod=True)``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import (
    check_label, check_labels, check_qualified_name, check_subdomain)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import PULL_POLICIES
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_scheduling import read_scheduling_hints
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_volumes import (
    PodVolume, read_volumes, status_hotplug)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.spec_paths import spec_paths
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


HOOK_SIDECARS_ANNOTATION = "hooks.kubevirt.io/hookSidecars"


def read_pod_section(spec, sp, obj=None, annotations=None):
    """The Pod's part of a VMI, each field checked as the API server checks the Pod's.
    ``obj``: the whole object (its ``status.runtimeUser``); ``annotations``: the VMI's.
    Fields are read in a fixed order (the first bad one is the one named); an absent field is
    not read but takes the value its read would give."""
    p = spec_paths(sp)
    domain = spec.get("domain")
    if domain.__class__ is not dict:  # (absent, or not a plain dict: read checked)
        domain = f.mapping(spec, "domain", sp)
    devices = domain.get("devices")
    if devices.__class__ is not dict:
        devices = f.mapping(domain, "devices", p.domain)
    has_status = isinstance(obj, dict) and bool(obj.get("status"))
    section = _new_section(PodSection)
    s = section.__dict__
    s["node_selector"] = _NO_SELECTOR
    if devices.get("logSerialConsole") is not None:
        s["log_serial_console"] = f.boolean(devices, "logSerialConsole", p.devices)
    if not _PLACEMENT_KEYS.isdisjoint(spec):
        _read_placement(s, spec, sp, p)
    if "volumes" in spec:
        s["volumes"] = read_volumes(spec, sp)
        if has_status:
            s["volumes"] = status_hotplug(s["volumes"], obj)
    if "filesystems" in devices:
        s["filesystems"] = frozenset(
            f.string(item, "name", where) for where, item in f.mappings(devices, "filesystems", p.devices)
            if f.optional_mapping(item, "virtiofs", where) is not None)
    if not _RUNTIME_KEYS.isdisjoint(spec) or "disableHotplug" in devices:
        _read_runtime(s, spec, sp, devices, p)
    if annotations or has_status:  # (without either, not non-root: the default)
        s["non_root"] = is_non_root(obj, annotations or {})
    if annotations:
        s["hook_sidecars"] = _hook_sidecars(annotations)
    if "machine" in domain:
        s["machine_type"] = f.string(f.mapping(domain, "machine", p.domain), "type", p.machine)
    if "resourceClaims" in spec:
        s["resource_claims"] = _resource_claims(spec, sp)
    firmware = domain.get("firmware")
    if firmware and (firmware.__class__ is not dict or firmware.get("kernelBoot") is not None):
        s["kernel_boot"] = _kernel_boot(domain, p)  # (else None, the default)
    if firmware or "tpm" in devices or has_status:
        s["backend_storage"], s["backend_claim"] = _backend_storage(domain, devices, obj, p)
    architecture = spec.get("architecture")
    if architecture is not None:
        s["spec_architecture"] = architecture if architecture.__class__ is str \
            else f.string(spec, "architecture", sp)
    if "features" in domain or "launchSecurity" in domain or has_status:
        s.update(read_scheduling_hints(spec, domain, p.domain, obj))
    return section


# the spec fields _read_placement and _read_runtime read: seldom any, so all are skipped at once
_PLACEMENT_KEYS = frozenset(("nodeSelector", "tolerations", "affinity", "priorityClassName",
                             "schedulerName", "hostname", "subdomain"))
_RUNTIME_KEYS = frozenset(("readinessProbe", "livenessProbe", "dnsConfig", "dnsPolicy",
                           "topologySpreadConstraints", "serviceAccountName", "accessCredentials"))


def _read_placement(s, spec, sp, p):
    """Where the Pod may run and what it is called: node selector, tolerations, affinity,
    priority class, scheduler, hostname and subdomain."""
    if "nodeSelector" in spec:
        s["node_selector"] = check_labels(string_map(spec, "nodeSelector", sp), p.selector)
    if "tolerations" in spec:
        s["tolerations"] = tuple(_toleration(item, where)
                                 for where, item in f.mappings(spec, "tolerations", sp))
    if "affinity" in spec:
        s["affinity"] = f.optional_mapping(spec, "affinity", sp)
    for key, field, check in _NAMED_BEFORE_VOLUMES:
        if key in spec:
            s[field] = _named(spec, key, sp, check)


def _read_runtime(s, spec, sp, devices, p):
    """How the Pod runs: probes, hotplug, DNS, topology spread, service account and the
    secrets of access credentials."""
    if "readinessProbe" in spec:
        s["readiness_probe"] = _probe(spec, "readinessProbe", sp)
    if "livenessProbe" in spec:
        s["liveness_probe"] = _probe(spec, "livenessProbe", sp)
    if "disableHotplug" in devices:
        s["disable_hotplug"] = bool(f.boolean(devices, "disableHotplug", p.devices, False))
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
    # (plain dicts read at once; an empty one's flags are their defaults: not persistent)
    tpm = devices.get("tpm")
    if tpm.__class__ is not dict:
        tpm = f.optional_mapping(devices, "tpm", p.devices)
    if tpm:
        if f.boolean(tpm, "enabled", p.tpm, True) and f.boolean(tpm, "persistent", p.tpm, False):
            kept.append("swtpm")
    firmware = domain.get("firmware")
    if firmware.__class__ is not dict:
        firmware = f.optional_mapping(domain, "firmware", p.domain)
    if firmware:
        bootloader = firmware.get("bootloader")
        if bootloader.__class__ is not dict:
            bootloader = f.mapping(firmware, "bootloader", p.firmware)
        efi = bootloader.get("efi")
        if efi.__class__ is not dict:
            efi = f.optional_mapping(bootloader, "efi", p.bootloader)
        if efi and "persistent" in efi and f.boolean(efi, "persistent", p.efi, False):
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
