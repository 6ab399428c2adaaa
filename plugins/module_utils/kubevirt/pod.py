# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The virt-launcher Pod of a VMI, as the Kubernetes object virt-controller would create, and the
API server's resource rules checked on any Pod.

Facts from KubeVirt ``pkg/virt-controller/services/template.go`` (``renderLaunchManifest``,
``podLabels``, ``generatePodAnnotations``, ``filterVMIAnnotationsForPod``,
``computePodSecurityContext``, ``readinessGates``, the compute container's command and
arguments), ``nodeselectorrenderer.go`` (``kubevirt.io/schedulable``, ``kubernetes.io/arch``,
``kubevirt.io/cpumanager`` for dedicated CPUs), ``rendervolumes.go`` ``withHugepages`` (the
``hugepages`` and ``hugetblfs-dir`` emptyDirs, KubeVirt's spelling), ``pkg/apimachinery/labels.go``
``CalculateVirtualMachineInstanceID`` and ``pkg/util/net/dns/sanitize.go`` ``SanitizeHostname``.
The expectations of ``template_test.go`` ("should render the launcher pod ...": labels,
annotations, owner reference, node selector, arguments, grace period 60) are the unit tests'.

Beyond KubeVirt: the hugepage volumes use ``medium: HugePages-<size>`` (KubeVirt writes plain
``HugePages``; the sized medium is the same for one page size and is what Kubernetes requires
once a Pod mixes sizes); ``--qemu-timeout`` is the configured base without virt-controller's
random jitter, so that a second rendering changes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
import uuid

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.launcher import compute_resources
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import read_namespace_context
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi, spec_of

DEFAULT_IMAGE = "quay.io/kubevirt/virt-launcher:v1.6.0"
NON_ROOT_UID = 107  # pkg/util: NonRootUID (the "qemu" user)
GRACE_PADDING = 15  # renderLaunchManifest: gracePeriodPaddingSeconds, added twice for the Pod
DEFAULT_GRACE_PERIOD = 30
HUGEPAGES_DIR = "/dev/hugepages"
_DNS1035_MAX = 63
# KubeVirt's VMI annotations that stay off the Pod (filterVMIAnnotationsForPod)
_FILTERED_ANNOTATION_PREFIXES = ("kubectl.kubernetes.io",
                                 "kubevirt.io/storage-observed-api-version",
                                 "kubevirt.io/latest-observed-api-version")
# The API server assigns a VMI its uid; a VMI read from a file has none, so one stable for its
# namespace/name stands in (labels, owner-less Pod, socket paths). Not a KubeVirt value.
_UID_NAMESPACE = uuid.UUID("0b6f8f0e-55a4-5b8e-9d0a-3c8b1f7e2d41")
_OPTION_KEYS = ("image", "image_pull_policy", "qemu_timeout", "ovmf_path", "hypervisor",
                "memory_overhead_annotation")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")


class PodOptions:
    image = DEFAULT_IMAGE
    image_pull_policy = "IfNotPresent"
    qemu_timeout = 240  # virt-controller's --launcher-qemu-timeout default, in seconds
    ovmf_path = None
    hypervisor = "kvm"
    memory_overhead_annotation = True


def read_pod_options(options, path="pod_options"):
    """``image`` (the virt-launcher image), ``image_pull_policy``, ``qemu_timeout`` (seconds),
    ``ovmf_path``, ``hypervisor``, ``memory_overhead_annotation`` (KubeVirt writes
    ``kubevirt.io/memory-overhead-bytes`` when its VmiMemoryOverheadReport gate is on)."""
    opts = PodOptions()
    if options is None:
        return opts
    f.option_map(options, path, _OPTION_KEYS)
    opts.image = f.string(options, "image", path) or DEFAULT_IMAGE
    opts.image_pull_policy = f.string(options, "image_pull_policy", path) or "IfNotPresent"
    if opts.image_pull_policy not in _PULL_POLICIES:
        raise VmpodInputError(f.join(path, "image_pull_policy"), opts.image_pull_policy,
                              "must be one of %s" % ", ".join(_PULL_POLICIES))
    opts.qemu_timeout = f.integer(options, "qemu_timeout", path, 240, minimum=1)
    opts.ovmf_path = f.string(options, "ovmf_path", path) or None
    opts.hypervisor = f.string(options, "hypervisor", path) or "kvm"
    opts.memory_overhead_annotation = f.boolean(options, "memory_overhead_annotation", path, True)
    return opts


class PodInputs:
    """The VMI fields that only the Pod reads."""

    __slots__ = ("node_selector", "tolerations", "affinity", "priority_class", "scheduler",
                 "hostname", "subdomain", "grace_period")


def read_pod_inputs(vmi_dict):
    raw, sp, _kind = spec_of(vmi_dict)
    inputs = PodInputs()
    inputs.node_selector = _string_map(raw, "nodeSelector", sp)
    inputs.tolerations = [item for _p, item in f.mappings(raw, "tolerations", sp)]
    inputs.affinity = f.optional_mapping(raw, "affinity", sp)
    inputs.priority_class = f.string(raw, "priorityClassName", sp)
    inputs.scheduler = f.string(raw, "schedulerName", sp)
    inputs.hostname = f.string(raw, "hostname", sp)
    inputs.subdomain = f.string(raw, "subdomain", sp)
    inputs.grace_period = f.integer(raw, "terminationGracePeriodSeconds", sp,
                                    DEFAULT_GRACE_PERIOD, minimum=0)
    return inputs


def _string_map(data, key, path):
    raw = f.mapping(data, key, path)
    for name, value in raw.items():
        if not isinstance(value, str):
            raise VmpodInputError("%s.%s" % (f.join(path, key), name), value, "must be a string")
    return raw


# -- the public functions --------------------------------------------------------------------

def launcher_pod(vmi, config=None, arch="amd64", options=None):
    """The launcher Pod (a Kubernetes Pod object) of a VMI or VirtualMachine."""
    cfg = read_config(config)
    spec = read_vmi(vmi, arch)
    resources = compute_resources(spec, cfg, read_namespace_context(spec, None, (), ()))
    return build_pod(vmi, spec, resources, read_pod_options(options))


def build_pod(vmi_dict, spec, resources, opts):
    """The Pod from values already read; ``resources`` is ``launcher_resources``' result."""
    inputs = read_pod_inputs(vmi_dict)
    if not spec.name:
        raise VmpodInputError("metadata.name", None, "is required")
    uid = vmi_uid(spec)
    hostname = sanitized_hostname(spec.name, inputs.hostname)
    pod_grace = inputs.grace_period + 2 * GRACE_PADDING
    metadata = {
        "generateName": "virt-launcher-%s-" % spec.name,
        "labels": pod_labels(spec, uid, hostname),
        "annotations": pod_annotations(spec, resources, opts),
    }
    if spec.namespace:
        metadata["namespace"] = spec.namespace
    if spec.uid:  # an owner reference needs the VMI's real uid
        metadata["ownerReferences"] = [{
            "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "name": spec.name, "uid": spec.uid, "controller": True, "blockOwnerDeletion": True}]
    pod_spec = {
        "hostname": hostname,
        "securityContext": {"fsGroup": NON_ROOT_UID, "runAsGroup": NON_ROOT_UID,
                            "runAsNonRoot": True, "runAsUser": NON_ROOT_UID},
        "terminationGracePeriodSeconds": pod_grace,
        "restartPolicy": "Never",
        "enableServiceLinks": False,
        "automountServiceAccountToken": False,
        "nodeSelector": node_selector(spec, inputs),
        "readinessGates": [{"conditionType": "kubevirt.io/virtual-machine-unpaused"}],
        "containers": [compute_container(spec, uid, resources, inputs, opts)],
    }
    if inputs.subdomain:
        pod_spec["subdomain"] = inputs.subdomain
    if inputs.tolerations:
        pod_spec["tolerations"] = inputs.tolerations
    if inputs.affinity is not None:
        pod_spec["affinity"] = inputs.affinity
    if inputs.priority_class:
        pod_spec["priorityClassName"] = inputs.priority_class
    if inputs.scheduler:
        pod_spec["schedulerName"] = inputs.scheduler
    volumes = hugepage_volumes(spec)
    if volumes:
        pod_spec["volumes"] = volumes
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}


def vmi_uid(spec):
    """metadata.uid, else a stand-in stable for namespace/name (the API server assigns uids)."""
    if spec.uid:
        return spec.uid
    return str(uuid.uuid5(_UID_NAMESPACE, "%s/%s" % (spec.namespace or "default", spec.name)))


def sanitized_hostname(name, hostname):
    """SanitizeHostname: spec.hostname, else the name up to its first dot, at most 63."""
    if hostname:
        return hostname
    return name.split(".")[0][:_DNS1035_MAX]


def vmi_id(name):
    """CalculateVirtualMachineInstanceID: the name, or for more than 63 characters its first 54,
    ``-`` and 8 hex digits of its SHA-1."""
    if len(name) <= _DNS1035_MAX:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()
    return "%s-%s" % (name[:_DNS1035_MAX - 9], digest[:8])


def pod_labels(spec, uid, hostname):
    labels = dict(spec.labels)
    labels.update({"kubevirt.io": "virt-launcher", "kubevirt.io/created-by": uid,
                   "vm.kubevirt.io/name": hostname, "vmi.kubevirt.io/id": vmi_id(spec.name)})
    return _sorted(labels)


def pod_annotations(spec, resources, opts):
    annotations = {key: value for key, value in spec.annotations.items()
                   if not key.startswith(_FILTERED_ANNOTATION_PREFIXES)}
    annotations.update({
        "kubevirt.io/domain": spec.name,
        "kubectl.kubernetes.io/default-container": "compute",
        "kubevirt.io/migrationTransportUnix": "true",
        "descheduler.alpha.kubernetes.io/request-evict-only": "",
    })
    if opts.memory_overhead_annotation:
        overhead = parse_quantity(resources["memory_overhead"]).value()
        annotations["kubevirt.io/memory-overhead-bytes"] = str(overhead)
    return _sorted(annotations)


def node_selector(spec, inputs):
    """NodeSelectorRenderer: schedulable nodes of the VM's architecture, the VMI's own
    selectors over those, and the CPU manager label for dedicated CPUs."""
    selector = {"kubevirt.io/schedulable": "true", "kubernetes.io/arch": spec.architecture}
    selector.update(inputs.node_selector)
    if spec.cpu.dedicated:
        selector["kubevirt.io/cpumanager"] = "true"
    if spec.cpu.realtime:
        selector["kubevirt.io/realtime"] = "true"
    return _sorted(selector)


def compute_container(spec, uid, resources, inputs, opts):
    grace = inputs.grace_period + GRACE_PADDING
    ovmf = opts.ovmf_path or ("/usr/share/AAVMF" if spec.architecture == "arm64"
                              else "/usr/share/edk2/ovmf")
    container = {
        "name": "compute",
        "image": opts.image,
        "imagePullPolicy": opts.image_pull_policy,
        "command": ["/usr/bin/virt-launcher-monitor"],
        "args": ["--qemu-timeout", "%ds" % opts.qemu_timeout,
                 "--name", spec.name, "--uid", uid, "--namespace", spec.namespace or "default",
                 "--kubevirt-share-dir", "/var/run/kubevirt",
                 "--ephemeral-disk-dir", "/var/run/kubevirt-ephemeral-disks",
                 "--container-disk-dir", "/var/run/kubevirt/container-disks",
                 "--grace-period-seconds", str(grace),
                 "--hook-sidecars", "0",
                 "--ovmf-path", ovmf,
                 "--disk-memory-limit", str(2000 * 1024 * 1024),
                 "--hypervisor", opts.hypervisor],
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"requests": dict(resources["requests"]),
                      "limits": dict(resources["limits"])},
    }
    if resources["claims"]:
        container["resources"]["claims"] = [dict(claim) for claim in resources["claims"]]
    if spec.hugepage_size is not None:
        container["volumeMounts"] = [
            {"name": "hugepages", "mountPath": HUGEPAGES_DIR},
            {"name": "hugetblfs-dir", "mountPath": HUGEPAGES_DIR + "/libvirt/qemu"}]
    return container


def hugepage_volumes(spec):
    if spec.hugepage_size is None:
        return []
    page = parse_quantity(spec.hugepage_size, spec.spec_path + ".domain.memory.hugepages.pageSize")
    medium = "HugePages-%s" % page
    return [{"name": "hugepages", "emptyDir": {"medium": medium}},
            {"name": "hugetblfs-dir", "emptyDir": {"medium": medium}}]


def _sorted(mapping):
    return {key: mapping[key] for key in sorted(mapping)}


# -- the API server's resource rules ----------------------------------------------------------

_NATIVE = ("cpu", "memory", "ephemeral-storage", "storage")


def resource_rule_errors(pod):
    """What the API server's validation of container resources would refuse, as messages that
    name the field: quantities that do not parse, a request above its limit, hugepages whose
    request differs from the limit or that come without CPU or memory, and extended resources
    (device plugins) that are not whole numbers or whose request differs from the limit.

    Facts from Kubernetes ``pkg/apis/core/validation/validation.go``
    (``ValidateResourceRequirements``, ``validateResourceQuantityHugePageValue``,
    ``ValidateContainerResourceName``, ``IsOvercommitAllowed``). ``[]`` when all is well.
    """
    errors = []
    spec = pod.get("spec") if isinstance(pod, dict) else None
    if not isinstance(spec, dict):
        return ["spec: %r is not a Pod spec" % (spec,)]
    for group in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(group) or ()):
            where = "spec.%s[%d].resources" % (group, index)
            resources = container.get("resources") if isinstance(container, dict) else None
            errors.extend(_container_rule_errors(resources or {}, where))
    return errors


def _container_rule_errors(resources, where):
    errors = []
    tables = {}
    for kind in ("requests", "limits"):
        table = resources.get(kind) or {}
        tables[kind] = {}
        for name, value in table.items():
            try:
                tables[kind][name] = parse_quantity(value, "%s.%s.%s" % (where, kind, name))
            except VmpodInputError as err:
                errors.append(str(err))
    requests, limits = tables["requests"], tables["limits"]
    for name in sorted(set(requests) | set(limits)):
        request, limit = requests.get(name), limits.get(name)
        req_path = "%s.requests.%s" % (where, name)
        if request is not None and limit is not None and request > limit:
            errors.append("%s: %r must be less than or equal to limits.%s (%r)"
                          % (req_path, str(request), name, str(limit)))
        if name.startswith("hugepages-"):
            if request is not None and limit is not None and request != limit:
                errors.append("%s: %r must equal limits.%s (%r): hugepages cannot be "
                              "overcommitted" % (req_path, str(request), name, str(limit)))
            if limit is None:
                errors.append("%s.limits.%s: must be set: hugepages cannot be overcommitted"
                              % (where, name))
        elif _is_extended(name):
            for kind, value in (("requests", request), ("limits", limit)):
                if value is not None and value.as_fraction().denominator != 1:
                    errors.append("%s.%s.%s: %r must be a whole number" % (where, kind, name,
                                                                           str(value)))
            if request is not None and limit is None:
                errors.append("%s.limits.%s: must be set: %s cannot be overcommitted"
                              % (where, name, name))
            elif request is not None and request != limit:
                errors.append("%s: %r must equal limits.%s (%r): %s cannot be overcommitted"
                              % (req_path, str(request), name, str(limit), name))
    pages = [n for n in set(requests) | set(limits) if n.startswith("hugepages-")]
    if pages and not any(n in table for n in ("cpu", "memory") for table in (requests, limits)):
        errors.append("%s: hugepages require cpu or memory" % where)
    return errors


def _is_extended(name):
    """Not a native resource (``cpu``, ``memory``, ``hugepages-*``, ``kubernetes.io/...``)."""
    if name in _NATIVE or name.startswith("hugepages-"):
        return False
    if "/" not in name:
        return False
    domain = name.split("/", 1)[0]
    return not (domain == "kubernetes.io" or domain.endswith(".kubernetes.io"))


# -- YAML that any string survives ---------------------------------------------------------------

# YAML's printable set (and its line breaks, which a quoted scalar would fold) minus what JSON
# already escapes: everything else becomes a \u escape, which JSON and YAML read alike.
_YAML_UNSAFE = re.compile("[\x7f-\x84\x86-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff\x85]")


def yaml_flow(value):
    """``value`` as a YAML flow scalar / collection (JSON syntax): strings double-quoted with every
    character YAML could misread escaped, non-ASCII text kept readable. Safe for any input."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return _YAML_UNSAFE.sub(lambda match: "\\u%04x" % ord(match.group(0)), text)
