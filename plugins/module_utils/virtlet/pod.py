# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Virtlet's VM pods read as inputs, and Virtlet's CPU rule (seed 002).

A Virtlet VM is an ordinary Pod (``kubernetes.io/target-runtime: virtlet.cloud``) whose
annotations and container limits say what the VM gets. Facts from Mirantis/virtlet (read at
1659b8a4): ``pkg/metadata/types/annotations.go`` (the annotation names, VirtletVCPUCount default 1
and maximum 255, VirtletCPUModel ``""`` or ``host-model``, VirtletLibvirtCPUSetting unmarshalled
as a libvirt ``<cpu>`` from YAML, VirtletSystemUUID parsed as a UUID) and
``pkg/libvirttools/virtualization.go`` (memory = the container memory limit, 1024 MiB without
one; the domain uuid is VirtletSystemUUID when set; ``host-model`` means ``<model
fallback='forbid'/>`` and ``vmx`` required; CFS quota = the container quota divided by the vCPU
count, because libvirt applies ``<quota>`` to each vCPU thread).

The kubelet's side (``pkg/kubelet/cm/helpers_linux.go``): shares = milli-CPU * 1024 / 1000 (at
least 2, at most 262144), quota = milli-CPU * period / 1000 (at least 1000 us), period 100000 us.

This module reads and decides; ``domain.py`` lays a Virtlet pod out as a domain model.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import check_label, check_subdomain
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.yaml_data import load_documents

TARGET_RUNTIME_ANNOTATION = "kubernetes.io/target-runtime"
VIRTLET_RUNTIME = "virtlet.cloud"
VCPU_COUNT = "VirtletVCPUCount"
CPU_MODEL = "VirtletCPUModel"
CPU_SETTING = "VirtletLibvirtCPUSetting"
SYSTEM_UUID = "VirtletSystemUUID"
VIRTLET_ANNOTATIONS = (VCPU_COUNT, CPU_MODEL, CPU_SETTING, SYSTEM_UUID)

MAX_VCPUS = 255
DEFAULT_MEMORY_BYTES = 1024 * 1024 * 1024  # virtualization.go: defaultMemory 1024 MiB
CFS_PERIOD_US = 100000  # kubelet's default CPU CFS quota period
MIN_QUOTA_US = 1000  # kubelet's minQuotaPeriod; libvirt refuses a <quota> below 1000 too
MIN_SHARES, MAX_SHARES = 2, 262144

# The keys of libvirt-go-xml's DomainCPU that Virtlet's YAML (ghodss/yaml: JSON field names,
# matched without regard to case) can set; anything else is refused here rather than ignored.
_CPU_KEYS = ("mode", "match", "check", "migratable", "model", "vendor", "topology", "features")
_CPU_MODES = ("host-model", "host-passthrough", "custom", "maximum")
_MODEL_KEYS = ("value", "fallback", "vendorid")
_TOPOLOGY_KEYS = ("sockets", "dies", "cores", "threads")
_FEATURE_POLICIES = ("force", "require", "optional", "disable", "forbid")

# Virtlet derives the domain uuid from the CRI sandbox id, which exists only on the node; a
# rendered domain needs a stable one, so it is derived from namespace/name under this namespace.
_UUID_NAMESPACE = uuid.UUID("9b3f1e52-6c1d-5a4e-8f0b-6d2c7e1a4b90")


def is_virtlet_pod(obj):
    """A Pod (not a VMI or VM): Virtlet's VM pods are the only Pods the renderer reads."""
    return isinstance(obj, dict) and obj.get("kind") == "Pod"


class VirtletPod:
    """What a Virtlet VM pod asks for, read once."""

    __slots__ = ("name", "namespace", "uid", "container", "vcpus", "cpu_model", "cpu_setting",
                 "system_uuid", "memory_bytes", "cpu_request_millis", "cpu_limit_millis")


def read_virtlet_pod(pod):
    """Check and read a Virtlet VM pod; errors name the field path and value."""
    if not is_virtlet_pod(pod):
        raise VmpodInputError("kind", pod.get("kind") if isinstance(pod, dict) else pod,
                              "must be Pod (a Virtlet VM pod)")
    meta = f.mapping(pod, "metadata", "")
    result = VirtletPod()
    result.name = f.string(meta, "name", "metadata")
    if not result.name:
        raise VmpodInputError("metadata.name", None, "is required")
    # as the API server checks them: they name the domain and seed its uuid
    check_subdomain(result.name, "metadata.name")
    result.namespace = check_label(f.string(meta, "namespace", "metadata") or "default",
                                   "metadata.namespace")
    result.uid = f.string(meta, "uid", "metadata")
    annotations = f.mapping(meta, "annotations", "metadata")
    where = "metadata.annotations"
    for key in VIRTLET_ANNOTATIONS + (TARGET_RUNTIME_ANNOTATION,):
        if key in annotations and not isinstance(annotations[key], str):
            raise VmpodInputError("%s.%s" % (where, key), annotations[key],
                                  "must be a string (annotation values are strings)")
    runtime = annotations.get(TARGET_RUNTIME_ANNOTATION)
    if runtime != VIRTLET_RUNTIME:
        raise VmpodInputError("%s.%s" % (where, TARGET_RUNTIME_ANNOTATION), runtime,
                              "must be %r: only Virtlet VM pods are rendered" % VIRTLET_RUNTIME)
    result.vcpus = vcpu_count(annotations.get(VCPU_COUNT), "%s.%s" % (where, VCPU_COUNT))
    result.cpu_model = cpu_model(annotations.get(CPU_MODEL), "%s.%s" % (where, CPU_MODEL))
    result.cpu_setting = cpu_setting(annotations.get(CPU_SETTING), result.vcpus,
                                     "%s.%s" % (where, CPU_SETTING))
    result.system_uuid = system_uuid(annotations.get(SYSTEM_UUID), "%s.%s" % (where, SYSTEM_UUID))

    spec = f.mapping(pod, "spec", "", required=True)
    containers = f.mappings(spec, "containers", "spec")
    if not containers:
        raise VmpodInputError("spec.containers", spec.get("containers"),
                              "must hold the VM's container")
    cpath, container = containers[0]  # Virtlet runs one VM per container; the first is the VM
    result.container = f.string(container, "name", cpath)
    if result.container:
        check_label(result.container, f.join(cpath, "name"))
    resources = f.mapping(container, "resources", cpath)
    rpath = f.join(cpath, "resources")
    requests = f.resource_list(resources, "requests", rpath)
    limits = f.resource_list(resources, "limits", rpath)
    result.memory_bytes = memory_bytes(limits.get("memory"))
    result.cpu_limit_millis = _millis(limits.get("cpu"))
    # the kubelet takes the limit as the request when only the limit is set
    result.cpu_request_millis = _millis(requests.get("cpu", limits.get("cpu")))
    return result


# -- the annotations -----------------------------------------------------------------------

def vcpu_count(text, path):
    """VirtletVCPUCount: a decimal integer (strconv.Atoi), 1 when absent or not positive."""
    if text is None:
        return 1
    stripped = text[1:] if text[:1] in "+-" else text
    if not stripped.isdigit() or not stripped.isascii():
        raise VmpodInputError(path, text, "is not an integer vCPU count")
    if len(stripped.lstrip("0")) > 9:  # Atoi's range ends long before; int() refuses 4300 digits
        raise VmpodInputError(path, text, "is more than Virtlet's maximum of %d vCPUs" % MAX_VCPUS)
    count = int(text)
    if count > MAX_VCPUS:
        raise VmpodInputError(path, text, "is more than Virtlet's maximum of %d vCPUs" % MAX_VCPUS)
    return count if count > 0 else 1


def cpu_model(text, path):
    """VirtletCPUModel: ``""`` (libvirt's default CPU) or ``host-model``."""
    if text in (None, ""):
        return ""
    if text != "host-model":
        raise VmpodInputError(path, text, "must be empty or 'host-model'")
    return text


def system_uuid(text, path):
    """VirtletSystemUUID: any UUID spelling Go's uuid.ParseHex takes, in canonical form."""
    if text is None:
        return None
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise VmpodInputError(path, text, "is not a UUID")


def memory_bytes(limit):
    """The container memory limit in bytes; Virtlet's 1024 MiB without a (non-zero) limit."""
    if limit is None or limit.is_zero():
        return DEFAULT_MEMORY_BYTES
    return limit.value()


def cpu_setting(text, vcpus, path):
    """VirtletLibvirtCPUSetting: the YAML of a libvirt ``<cpu>`` element, checked and normalized.

    Returns ``{"mode", "match", "check", "migratable", "model", "model_fallback",
    "model_vendor_id", "vendor", "topology", "features"}`` (absent parts None / empty), or None
    without the annotation. A topology must multiply out to the VirtletVCPUCount.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise VmpodInputError(path, text, "must be the YAML text of a libvirt <cpu> element")
    documents = load_documents(text, path)
    if len(documents) > 1:
        raise VmpodInputError(path, text, "holds %d YAML documents, not one" % len(documents))
    if not documents:
        return None
    data = documents[0]
    data = _lower_keys(data, path, _CPU_KEYS)
    setting = {"mode": None, "match": None, "check": None, "migratable": None, "model": None,
               "model_fallback": None, "model_vendor_id": None, "vendor": None,
               "topology": None, "features": []}
    for key in ("mode", "match", "check", "migratable", "vendor"):
        setting[key] = _text(data, key, path)
    if setting["mode"] is not None and setting["mode"] not in _CPU_MODES:
        raise VmpodInputError(path + ".mode", setting["mode"],
                              "must be one of %s" % ", ".join(_CPU_MODES))
    if data.get("model") is not None:
        model = _lower_keys(data["model"], path + ".model", _MODEL_KEYS)
        setting["model"] = _text(model, "value", path + ".model")
        setting["model_fallback"] = _text(model, "fallback", path + ".model")
        setting["model_vendor_id"] = _text(model, "vendorid", path + ".model")
    if data.get("topology") is not None:
        setting["topology"] = _topology(data["topology"], vcpus, path + ".topology")
    if data.get("features") is not None:
        if not isinstance(data["features"], list):
            raise VmpodInputError(path + ".features", data["features"], "must be a list")
        for index, item in enumerate(data["features"]):
            where = "%s.features[%d]" % (path, index)
            item = _lower_keys(item, where, ("name", "policy"))
            name = _text(item, "name", where)
            if not name:
                raise VmpodInputError(where + ".name", name, "is required")
            policy = _text(item, "policy", where) or "require"
            if policy not in _FEATURE_POLICIES:
                raise VmpodInputError(where + ".policy", policy,
                                      "must be one of %s" % ", ".join(_FEATURE_POLICIES))
            setting["features"].append({"name": name, "policy": policy})
    return setting


def _topology(data, vcpus, path):
    data = _lower_keys(data, path, _TOPOLOGY_KEYS)
    topology = {}
    product = 1
    for key in _TOPOLOGY_KEYS:
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise VmpodInputError("%s.%s" % (path, key), value, "must be a positive integer")
        topology[key] = value
        product *= value
    if product != vcpus:
        raise VmpodInputError(path, data, "gives %d vCPUs, VirtletVCPUCount gives %d"
                              % (product, vcpus))
    topology.setdefault("sockets", 1)
    topology.setdefault("cores", 1)
    topology.setdefault("threads", 1)
    return topology


def _lower_keys(data, path, allowed):
    if not isinstance(data, dict):
        raise VmpodInputError(path, data, "must be a mapping")
    result = {}
    for key, value in data.items():
        lowered = str(key).lower()
        if lowered not in allowed:
            raise VmpodInputError("%s.%s" % (path, key), value, "is not a field of a libvirt "
                                  "<cpu> here (%s)" % ", ".join(allowed))
        result[lowered] = value
    return result


def _text(data, key, path):
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise VmpodInputError("%s.%s" % (path, key), value, "must be a string")
    return str(value)


def _millis(quantity):
    return None if quantity is None else quantity.milli_value()


# -- Virtlet's rules -----------------------------------------------------------------------

def domain_uuid(pod):
    """VirtletSystemUUID, else a uuid stable for the pod's namespace/name."""
    if pod.system_uuid:
        return pod.system_uuid
    return str(uuid.uuid5(_UUID_NAMESPACE, "%s/%s" % (pod.namespace, pod.name)))


def domain_name(pod, domain_id):
    """virtualization.go: ``virtlet-`` + the first 13 characters of the uuid + ``-`` + container."""
    return "virtlet-%s-%s" % (domain_id[:13], pod.container or pod.name)


def cpu_shares(request_millis):
    """kubelet MilliCPUToShares: the container's cpu.shares, which Virtlet gives the domain."""
    if not request_millis:
        return MIN_SHARES
    return max(MIN_SHARES, min(MAX_SHARES, request_millis * 1024 // 1000))


def container_quota(limit_millis, period=CFS_PERIOD_US):
    """kubelet MilliCPUToQuota: the container's CFS quota in microseconds per period."""
    return max(MIN_QUOTA_US, limit_millis * period // 1000)


def vcpu_quota(limit_millis, vcpus, period=CFS_PERIOD_US):
    """Virtlet's rule: the Pod's CPU limit spread equally over the vCPU threads.

    libvirt applies ``<quota>`` to each vCPU thread, so Virtlet divides the container quota by
    the vCPU count (Go integer division). libvirt refuses less than 1000 us.
    """
    return max(MIN_QUOTA_US, container_quota(limit_millis, period) // max(vcpus, 1))


def cpu_bandwidth(request_millis, limit_millis, vcpus, period=CFS_PERIOD_US):
    """The domain's ``<cputune>`` CPU bandwidth for shared CPUs, from the Pod's CPU request and
    limit (milli-CPUs, None when absent).

    * shares: the kubelet's cpu.shares of the request (the domain competes as the Pod would);
    * period / quota: Virtlet's rule, the limit spread over the vCPU threads;
    * emulator_period / emulator_quota: the emulator threads (QEMU's main loop, I/O) may use up
      to the Pod's whole limit, never more - Virtlet left them unlimited;
    * global_period / global_quota: the whole domain (vCPUs, emulator, IOThreads) capped at the
      Pod's limit, which is what the Pod's cgroup enforces on Kubernetes and what a bare libvirt
      host otherwise would not.

    Returns a dict with those keys, the bandwidth ones None without a limit.
    """
    bandwidth = {"shares": cpu_shares(request_millis) if request_millis else None,
                 "period": None, "quota": None, "emulator_period": None, "emulator_quota": None,
                 "global_period": None, "global_quota": None}
    if limit_millis:
        whole = container_quota(limit_millis, period)
        bandwidth.update(period=period, quota=vcpu_quota(limit_millis, vcpus, period),
                         emulator_period=period, emulator_quota=whole,
                         global_period=period, global_quota=whole)
    return bandwidth


def equivalent_vmi(pod):
    """The KubeVirt VMI a Virtlet VM pod amounts to: its vCPUs as sockets (libvirt's layout of a
    bare ``<vcpu>``, and KubeVirt's for a VMI without topology), its memory as guest memory and
    request, its container's CPU request and limit, shared CPUs. Placement plans it."""
    requests = {"memory": str(pod.memory_bytes)}
    if pod.cpu_request_millis:
        requests["cpu"] = "%dm" % pod.cpu_request_millis
    resources = {"requests": requests}
    if pod.cpu_limit_millis:
        resources["limits"] = {"cpu": "%dm" % pod.cpu_limit_millis}
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": pod.name, "namespace": pod.namespace},
            "spec": {"domain": {"cpu": {"sockets": pod.vcpus, "cores": 1, "threads": 1},
                                "memory": {"guest": str(pod.memory_bytes)},
                                "resources": resources,
                                "devices": {"autoattachPodInterface": False}}}}
