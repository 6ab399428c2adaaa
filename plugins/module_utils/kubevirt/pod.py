# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The virt-launcher Pod of a VMI, as the Kubernetes object virt-controller would create.

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
from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.identity import stand_in_uid
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import printed, size_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

DEFAULT_IMAGE = "quay.io/kubevirt/virt-launcher:v1.6.0"
NON_ROOT_UID = 107  # pkg/util: NonRootUID (the "qemu" user)
GRACE_PADDING = 15  # renderLaunchManifest: gracePeriodPaddingSeconds, added twice for the Pod
HUGEPAGES_DIR = "/dev/hugepages"
_DNS1035_MAX = 63
# KubeVirt's VMI annotations that stay off the Pod (filterVMIAnnotationsForPod)
_FILTERED_ANNOTATION_PREFIXES = ("kubectl.kubernetes.io",
                                 "kubevirt.io/storage-observed-api-version",
                                 "kubevirt.io/latest-observed-api-version")
_OPTION_KEYS = ("image", "image_pull_policy", "qemu_timeout", "ovmf_path", "hypervisor",
                "memory_overhead_annotation")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")


@dataclass(frozen=True)
class PodOptions:
    image: str = DEFAULT_IMAGE
    image_pull_policy: str = "IfNotPresent"
    qemu_timeout: int = 240  # virt-controller's --launcher-qemu-timeout default, in seconds
    ovmf_path: object = None  # str or None
    hypervisor: str = "kvm"
    memory_overhead_annotation: bool = True


DEFAULT_POD_OPTIONS = PodOptions()


def read_pod_options(options, path="pod_options"):
    """``image`` (the virt-launcher image), ``image_pull_policy``, ``qemu_timeout`` (seconds),
    ``ovmf_path``, ``hypervisor``, ``memory_overhead_annotation`` (KubeVirt writes
    ``kubevirt.io/memory-overhead-bytes`` when its VmiMemoryOverheadReport gate is on)."""
    if options is None:
        return DEFAULT_POD_OPTIONS
    f.option_map(options, path, _OPTION_KEYS)
    pull_policy = f.string(options, "image_pull_policy", path) or "IfNotPresent"
    if pull_policy not in _PULL_POLICIES:
        raise VmpodInputError(f.join(path, "image_pull_policy"), pull_policy,
                              "must be one of %s" % ", ".join(_PULL_POLICIES))
    return PodOptions(
        image=f.string(options, "image", path) or DEFAULT_IMAGE,
        image_pull_policy=pull_policy,
        qemu_timeout=f.integer(options, "qemu_timeout", path, 240, minimum=1),
        ovmf_path=f.string(options, "ovmf_path", path) or None,
        hypervisor=f.string(options, "hypervisor", path) or "kvm",
        memory_overhead_annotation=f.boolean(options, "memory_overhead_annotation", path, True))


def launcher_pod(vmi, config=None, arch="amd64", options=None):
    """The launcher Pod (a Kubernetes Pod object) of a VMI or VirtualMachine."""
    cfg = read_config(config)
    sized = size_vmi(read_vmi(vmi, arch, with_pod=True), cfg)
    return build_pod(sized, read_pod_options(options))


def build_pod(sized, opts):
    """The Pod of a sized VMI read with its Pod section (``read_vmi(obj, with_pod=True)``)."""
    vmi = sized.vmi
    section = vmi.pod
    if not vmi.name:
        raise VmpodInputError("metadata.name", None, "is required")
    uid = vmi_uid(vmi)
    hostname = sanitized_hostname(vmi.name, section.hostname)
    pod_grace = vmi.grace_period + 2 * GRACE_PADDING
    metadata = {
        "generateName": "virt-launcher-%s-" % vmi.name,
        "labels": pod_labels(vmi, uid, hostname),
        "annotations": pod_annotations(sized, opts),
    }
    if vmi.namespace:
        metadata["namespace"] = vmi.namespace
    if vmi.uid:  # an owner reference needs the VMI's real uid
        metadata["ownerReferences"] = [{
            "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "name": vmi.name, "uid": vmi.uid, "controller": True, "blockOwnerDeletion": True}]
    pod_spec = {
        "hostname": hostname,
        "securityContext": {"fsGroup": NON_ROOT_UID, "runAsGroup": NON_ROOT_UID,
                            "runAsNonRoot": True, "runAsUser": NON_ROOT_UID},
        "terminationGracePeriodSeconds": pod_grace,
        "restartPolicy": "Never",
        "enableServiceLinks": False,
        "automountServiceAccountToken": False,
        "nodeSelector": node_selector(vmi),
        "readinessGates": [{"conditionType": "kubevirt.io/virtual-machine-unpaused"}],
        "containers": [compute_container(sized, uid, opts)],
    }
    if section.subdomain:
        pod_spec["subdomain"] = section.subdomain
    if section.tolerations:
        pod_spec["tolerations"] = list(section.tolerations)
    if section.affinity is not None:
        pod_spec["affinity"] = section.affinity
    if section.priority_class:
        pod_spec["priorityClassName"] = section.priority_class
    if section.scheduler:
        pod_spec["schedulerName"] = section.scheduler
    volumes = hugepage_volumes(vmi)
    if volumes:
        pod_spec["volumes"] = volumes
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}


def vmi_uid(vmi):
    """metadata.uid, else a stand-in stable for namespace/name (``identity.stand_in_uid``)."""
    return vmi.known_uid or vmi.uid or stand_in_uid(vmi.namespace, vmi.name)


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


def pod_labels(vmi, uid, hostname):
    labels = dict(vmi.labels)
    labels.update({"kubevirt.io": "virt-launcher", "kubevirt.io/created-by": uid,
                   "vm.kubevirt.io/name": hostname, "vmi.kubevirt.io/id": vmi_id(vmi.name)})
    return _sorted(labels)


def pod_annotations(sized, opts):
    vmi = sized.vmi
    annotations = {key: value for key, value in vmi.annotations.items()
                   if not key.startswith(_FILTERED_ANNOTATION_PREFIXES)}
    annotations.update({
        "kubevirt.io/domain": vmi.name,
        "kubectl.kubernetes.io/default-container": "compute",
        "kubevirt.io/migrationTransportUnix": "true",
        "descheduler.alpha.kubernetes.io/request-evict-only": "",
    })
    if opts.memory_overhead_annotation:
        annotations["kubevirt.io/memory-overhead-bytes"] = str(sized.overhead.value())
    return _sorted(annotations)


def node_selector(vmi):
    """NodeSelectorRenderer: schedulable nodes of the VM's architecture, the VMI's own
    selectors over those, and the CPU manager label for dedicated CPUs."""
    selector = {"kubevirt.io/schedulable": "true", "kubernetes.io/arch": vmi.architecture}
    selector.update(vmi.pod.node_selector)
    if vmi.cpu.dedicated:
        selector["kubevirt.io/cpumanager"] = "true"
    if vmi.cpu.realtime:
        selector["kubevirt.io/realtime"] = "true"
    return _sorted(selector)


def compute_container(sized, uid, opts):
    vmi = sized.vmi
    grace = vmi.grace_period + GRACE_PADDING
    ovmf = opts.ovmf_path or ("/usr/share/AAVMF" if vmi.architecture == "arm64"
                              else "/usr/share/edk2/ovmf")
    container = {
        "name": "compute",
        "image": opts.image,
        "imagePullPolicy": opts.image_pull_policy,
        "command": ["/usr/bin/virt-launcher-monitor"],
        "args": ["--qemu-timeout", "%ds" % opts.qemu_timeout,
                 "--name", vmi.name, "--uid", uid, "--namespace", vmi.namespace or "default",
                 "--kubevirt-share-dir", "/var/run/kubevirt",
                 "--ephemeral-disk-dir", "/var/run/kubevirt-ephemeral-disks",
                 "--container-disk-dir", "/var/run/kubevirt/container-disks",
                 "--grace-period-seconds", str(grace),
                 "--hook-sidecars", "0",
                 "--ovmf-path", ovmf,
                 "--disk-memory-limit", str(2000 * 1024 * 1024),
                 "--hypervisor", opts.hypervisor],
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"requests": printed(sized.requests), "limits": printed(sized.limits)},
    }
    if sized.claims:
        container["resources"]["claims"] = [dict(claim) for claim in sized.claims]
    if vmi.hugepage_size is not None:
        container["volumeMounts"] = [
            {"name": "hugepages", "mountPath": HUGEPAGES_DIR},
            {"name": "hugetblfs-dir", "mountPath": HUGEPAGES_DIR + "/libvirt/qemu"}]
    return container


def hugepage_volumes(vmi):
    if vmi.hugepage_size is None:
        return []
    page = vmi.page_size
    if page is None:  # a size Go's parser refuses: named in the error of the looser parse
        page = parse_quantity(vmi.hugepage_size,
                              vmi.spec_path + ".domain.memory.hugepages.pageSize")
    medium = "HugePages-%s" % page
    return [{"name": "hugepages", "emptyDir": {"medium": medium}},
            {"name": "hugetblfs-dir", "emptyDir": {"medium": medium}}]


def _sorted(mapping):
    return {key: mapping[key] for key in sorted(mapping)}
