# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the launcher Pod takes from virt-controller's own settings rather than from the VMI or
the KubeVirt CR (``pod_options``: the launcher image, its pull policy and secret, the QEMU
timeout, the OVMF path, the hypervisor), and what only a cluster knows (claims in Block mode,
the backend-storage PVCs' names, the claims' UIDs), read once into ``PodOptions``.

Facts from KubeVirt ``pkg/storage/reservation/pr.go`` (``PersistentReservationPVCLabels``,
``PersistentReservationPodAntiAffinityTerms``), ``pkg/storage/types/pvc.go``
(``PVCNameFromVirtVolume``) and ``template.go`` ``setPersistentReservationAntiAffinity``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import (
    check_qualified_name, check_subdomain)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import PULL_POLICIES
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_pod import BACKEND_STORAGE_PREFIX, string_map
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

DEFAULT_IMAGE = "quay.io/kubevirt/virt-launcher:v1.6.0"
# virt-controller's SIDECAR_SHIM_IMAGE as virt-operator sets it (<registry>/<prefix>sidecar-shim:<version>)
DEFAULT_SIDECAR_SHIM_IMAGE = "quay.io/kubevirt/sidecar-shim:v1.6.0"
_OPTION_KEYS = ("image", "sidecar_shim_image", "image_pull_policy", "qemu_timeout", "ovmf_path", "hypervisor",
                "memory_overhead_annotation", "block_claims", "shared_claims", "backend_storage_claims",
                "image_pull_secret", "claim_uids")


@dataclass(frozen=True)
class PodOptions:
    image: str = DEFAULT_IMAGE
    sidecar_shim_image: str = DEFAULT_SIDECAR_SHIM_IMAGE  # a hook sidecar that names no image runs it
    image_pull_policy: str = ""  # "": the KubeVirt CR's imagePullPolicy
    qemu_timeout: int = 240  # virt-controller's --launcher-qemu-timeout default, in seconds
    ovmf_path: object = None  # str or None
    hypervisor: str = "kvm"
    memory_overhead_annotation: bool = True
    block_claims: frozenset = frozenset()  # PVC names in Block mode (their volumes are devices)
    shared_claims: frozenset = frozenset()  # PVC names with a ReadWriteMany access mode
    # the backend-storage PVC of each VMI that needs one: VMI name or namespace/name -> claim
    backend_storage_claims: object = None  # dict or None
    image_pull_secret: str = ""  # virt-controller's --image-pull-secret, added to every Pod's
    # the UIDs of claims (namespace/claim or claim -> UID), for persistent reservations
    claim_uids: object = None  # dict or None


DEFAULT_POD_OPTIONS = PodOptions()


def read_pod_options(options, path="pod_options"):
    """``image`` (the virt-launcher image), ``sidecar_shim_image`` (what a hook sidecar that
    names no image runs, virt-controller's SIDECAR_SHIM_IMAGE), ``image_pull_policy`` (of the launcher image, in
    every container that runs it; the KubeVirt CR's ``imagePullPolicy`` by default),
    ``qemu_timeout`` (seconds), ``ovmf_path``, ``hypervisor``, ``memory_overhead_annotation`` (KubeVirt writes
    ``kubevirt.io/memory-overhead-bytes`` when its VmiMemoryOverheadReport gate is on),
    ``block_claims`` (PVC names in Block mode), ``shared_claims`` (PVC names with a
    ReadWriteMany access mode: compute's SHARED_FILESYSTEM_PATHS names their mounts), ``backend_storage_claims`` (the backend-storage
    PVC of a VMI with a persistent TPM or EFI: a mapping of the VMI's ``namespace/name``, or
    its name, to the claim's name; ``backend_storage_claim`` says which wins),
    ``image_pull_secret`` (virt-controller's ``--image-pull-secret``: a secret every launcher
    Pod pulls with, after the VMI's own), ``claim_uids`` (the UIDs of PVCs, a mapping of
    ``namespace/claim``, or the claim's name, to its ``metadata.uid``: a LUN with a SCSI
    persistent reservation on one keeps its Pod off nodes where another Pod holds it)."""
    if options is None:
        return DEFAULT_POD_OPTIONS
    f.option_map(options, path, _OPTION_KEYS)
    pull_policy = f.string(options, "image_pull_policy", path)
    if pull_policy and pull_policy not in PULL_POLICIES:
        raise VmpodInputError(f.join(path, "image_pull_policy"), pull_policy,
                              "must be one of %s" % ", ".join(PULL_POLICIES))
    return PodOptions(
        image=f.string(options, "image", path) or DEFAULT_IMAGE,
        sidecar_shim_image=f.string(options, "sidecar_shim_image", path) or DEFAULT_SIDECAR_SHIM_IMAGE,
        image_pull_policy=pull_policy,
        qemu_timeout=f.integer(options, "qemu_timeout", path, 240, minimum=1),
        ovmf_path=f.string(options, "ovmf_path", path) or None,
        hypervisor=f.string(options, "hypervisor", path) or "kvm",
        memory_overhead_annotation=f.boolean(options, "memory_overhead_annotation", path, True),
        block_claims=frozenset(f.strings(options, "block_claims", path)),
        shared_claims=frozenset(f.strings(options, "shared_claims", path)),
        backend_storage_claims=_claim_map(options, "backend_storage_claims", path),
        image_pull_secret=_pull_secret(options, path),
        claim_uids=_claim_uids(options, path))


def _pull_secret(options, path):
    secret = f.string(options, "image_pull_secret", path)
    return check_subdomain(secret, f.join(path, "image_pull_secret")) if secret else ""


def _claim_map(options, key, path):
    claims = string_map(options, key, path)
    for name, claim in claims.items():
        check_subdomain(claim, f.join(f.join(path, key), name))
    return claims or None


def _claim_uids(options, path):
    uids = string_map(options, "claim_uids", path)
    for claim, uid in uids.items():  # each UID makes a label key: it must be a name there
        check_qualified_name(RESERVATION_LABEL_PREFIX + uid, f.join(f.join(path, "claim_uids"), claim))
    return uids or None


RESERVATION_LABEL_PREFIX = "pr.kubevirt.io/"  # v1.PersistentReservationLabelPrefix
_RESERVATION_CLAIM_KEYS = (("persistentVolumeClaim", "claimName"), ("dataVolume", "name"),
                           ("memoryDump", "claimName"))


def reservation_labels(vmi, opts):
    """PersistentReservationPVCLabels: a label ``pr.kubevirt.io/UID`` (empty value) for each claim
    under a LUN disk with ``reservation: true`` whose UID ``opts.claim_uids`` gives (for
    ``namespace/claim``, else the claim), in the order of their keys. A claim without a UID
    there is left out, as KubeVirt leaves out one that its cache does not hold."""
    uids = opts.claim_uids
    if not uids or not vmi.lun_reservation:
        return ()
    reserved = {disk.name for disk in vmi.disks if disk.reservation}
    labels = set()
    for volume in vmi.pod.volumes:
        if volume.name not in reserved:
            continue
        claim = next((volume.source.get(key) for kind, key in _RESERVATION_CLAIM_KEYS
                      if volume.kind == kind), None)
        uid = claim and (uids.get("%s/%s" % (vmi.namespace, claim)) or uids.get(claim))
        if uid:
            labels.add(RESERVATION_LABEL_PREFIX + uid)
    return tuple(sorted(labels))


def backend_storage_claim(vmi, opts):
    """The claim of a VMI's backend-storage PVC (``vmi`` read with its Pod section): the one
    ``opts.backend_storage_claims`` names for ``namespace/name`` or for the name; else the one
    the VMI's status names (a VMI read back from a cluster); else ``persistent-state-for-NAME``,
    the name KubeVirt gave it before v1.5 and still finds (backendstorage.PVCForVMI: a claim
    labelled ``persistent-state-for: NAME`` first, then that name). KubeVirt creates new ones
    with a generated suffix: give their names, or read the VMI back, for the Pod it renders."""
    claims = opts.backend_storage_claims
    if claims:
        claim = claims.get("%s/%s" % (vmi.namespace, vmi.name)) or claims.get(vmi.name)
        if claim:
            return claim
    return vmi.pod.backend_claim or "%s-%s" % (BACKEND_STORAGE_PREFIX, vmi.name)
