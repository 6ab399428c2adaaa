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
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


@dataclass(frozen=True)
class PodSection:
    node_selector: dict
    tolerations: tuple
    affinity: object  # dict or None
    priority_class: str
    scheduler: str
    hostname: str
    subdomain: str
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
_SECTION_PATHS = {}  # spec path -> the paths read_pod_section names (two spec paths exist)


def read_pod_section(spec, sp, obj=None, annotations=None):
    """The Pod's part of a VMI, each field checked as the API server checks the Pod's.
    ``obj``: the whole object (its ``status.runtimeUser``); ``annotations``: the VMI's."""
    paths = _SECTION_PATHS.get(sp)
    if paths is None:
        domain_path = f.join(sp, "domain")
        paths = _SECTION_PATHS[sp] = (f.join(sp, "nodeSelector"), domain_path,
                                      f.join(domain_path, "devices"), f.join(domain_path, "machine"))
    selector_path, domain_path, devp, machine_path = paths
    domain = f.mapping(spec, "domain", sp)
    devices = f.mapping(domain, "devices", domain_path)
    log_serial = devices.get("logSerialConsole")
    if log_serial is not None:
        log_serial = f.boolean(devices, "logSerialConsole", devp)
    return PodSection(
        node_selector=check_labels(string_map(spec, "nodeSelector", sp), selector_path),
        tolerations=tuple(_toleration(item, p) for p, item in f.mappings(spec, "tolerations", sp)),
        affinity=f.optional_mapping(spec, "affinity", sp),
        priority_class=_named(spec, "priorityClassName", sp, check_subdomain),
        scheduler=_named(spec, "schedulerName", sp, check_subdomain),
        hostname=_named(spec, "hostname", sp, check_label),
        subdomain=_named(spec, "subdomain", sp, check_label),
        volumes=read_volumes(spec, sp),
        filesystems=frozenset(
            f.string(item, "name", where) for where, item in f.mappings(devices, "filesystems", devp)
            if f.optional_mapping(item, "virtiofs", where) is not None),
        readiness_probe=_probe(spec, "readinessProbe", sp),
        liveness_probe=_probe(spec, "livenessProbe", sp),
        log_serial_console=log_serial,
        disable_hotplug=bool(f.boolean(devices, "disableHotplug", devp, False)),
        dns_config=f.optional_mapping(spec, "dnsConfig", sp),
        dns_policy=f.string(spec, "dnsPolicy", sp),
        topology_spread=tuple(item for _p, item in f.mappings(spec, "topologySpreadConstraints", sp)),
        service_account=_named(spec, "serviceAccountName", sp, check_subdomain),
        access_secrets=_access_secrets(spec, sp),
        non_root=_non_root(obj, annotations or {}),
        hook_sidecars=_hook_sidecars(annotations or {}),
        machine_type=f.string(f.mapping(domain, "machine", domain_path), "type", machine_path),
        resource_claims=_resource_claims(spec, sp),
    )


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
        if name.__class__ is not str or not DNS1123_LABEL.match(name) or len(name) > 63:
            where = f.item_path(sp, "volumes", index)
            name = f.string(item, "name", where)
            if not name:
                raise VmpodInputError(f.join(where, "name"), name, "is required")
            check_label(name, f.join(where, "name"))
        if name in names:
            raise VmpodInputError(f.join(f.item_path(sp, "volumes", index), "name"), name,
                                  "names another volume too")
        names.add(name)
        kinds = [key for key in item if key in _VOLUME_KIND_SET and item[key] is not None]
        if len(kinds) != 1:
            raise VmpodInputError(f.item_path(sp, "volumes", index),
                                  sorted(str(k) for k in item if k != "name"),
                                  "must have exactly one volume source (containerDisk, "
                                  "persistentVolumeClaim, dataVolume, cloudInitNoCloud, ...)")
        kind = kinds[0]
        source = item[kind]
        if not _plain_source(source):
            source = _checked_source(item, kind, f.item_path(sp, "volumes", index))
        hotplug = kind in ("persistentVolumeClaim", "dataVolume") and source.get("hotpluggable") is True
        if kind in ("persistentVolumeClaim", "dataVolume") and "hotpluggable" in source:
            f.boolean(source, "hotpluggable", f.join(f.item_path(sp, "volumes", index), kind))
        found.append(PodVolume(name, kind, source, index, hotplug))
    return tuple(found)


_VOLUME_KIND_SET = frozenset(VOLUME_KINDS)
_SOURCE_TEXTS = ("claimName", "name", "image", "imagePullPolicy", "imagePullSecret", "path",
                 "type", "secretName", "serviceAccountName")
_SOURCE_REFS = ("userDataSecretRef", "networkDataSecretRef", "persistentVolumeClaim", "secret",
                "configMap")


def _plain_source(source):
    """Whether a source's names, paths and images are all text (the usual case, checked
    without building a path)."""
    if source.__class__ is not dict:
        return False
    for key in _SOURCE_TEXTS:
        value = source.get(key)
        if value is not None and value.__class__ is not str:
            return False
    for key in _SOURCE_REFS:
        ref = source.get(key)
        if ref is None:
            continue
        if ref.__class__ is not dict:
            return False
        for text in ("name", "claimName"):
            value = ref.get(text)
            if value is not None and value.__class__ is not str:
                return False
    return True


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


def _non_root(obj, annotations):
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
