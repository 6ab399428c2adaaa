# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the launcher Pod may run: its node selector and affinity, and the fields of the VMI
they read beyond the rest of the Pod's (``read_scheduling_hints``, part of the Pod section).

Facts from KubeVirt ``pkg/virt-controller/services/nodeselectorrenderer.go``
(``NewNodeSelectorRenderer``, ``Render``, ``hypervNodeSelectors``, ``makeHVFeatureLabelTable``),
``template.go`` (``newNodeSelectorRenderer``, ``setNodeAffinityForPod``,
``setPersistentReservationAntiAffinity``, ``setPreferredArchitectureAffinity``),
``pkg/virt-controller/watch/topology/tsc.go`` (``IsManualTSCFrequencyRequired``,
``ToTSCSchedulableLabel``) and ``pkg/util/s390x.go`` (``IsSecureExecutionVMI``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes import api_json
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f

ARCH_LABEL = "kubernetes.io/arch"  # k8sv1.LabelArchStable
TSC_FREQUENCY_LABEL = "scheduling.node.kubevirt.io/tsc-frequency-"  # and the frequency in Hz
SECURE_EXECUTION_LABEL = "kubevirt.io/s390-pv"
HYPERV_LABEL = "hyperv.node.kubevirt.io/"
INTEL_VENDOR_LABEL = "cpu-vendor.node.kubevirt.io/Intel"  # for Hyper-V's enlightened VMCS
# makeHVFeatureLabelTable: the Hyper-V features that need the host's support, in its order
_HYPERV_FEATURES = ("vpindex", "runtime", "reset", "synic", "synictimer", "frequencies",
                    "reenlightenment", "tlbflush", "ipi")


def read_scheduling_hints(spec, domain, domain_path, obj):
    """What the node selector takes from a VMI beyond its other Pod fields, as a dict of the
    Pod section's fields that differ from their defaults: ``hyperv_labels`` (the Hyper-V node
    labels the HypervStrictCheck gate requires), ``reenlightenment`` (Hyper-V's, on),
    ``tsc_frequency`` (the TSC frequency in Hz of the status's topology hints, else 0),
    ``secure_execution`` (IBM Secure Execution) and ``status_machine_type`` (the machine type
    the status names)."""
    hints = {}
    hyperv = None
    features = f.optional_mapping(domain, "features", domain_path)
    if features is not None:
        hyperv = f.optional_mapping(features, "hyperv", f.join(domain_path, "features"))
    if hyperv is not None:
        labels = hints["hyperv_labels"] = _hyperv_labels(hyperv, f.join(domain_path, "features.hyperv"))
        hints["reenlightenment"] = HYPERV_LABEL + "reenlightenment" in labels
    if domain.get("launchSecurity") is not None and spec.get("architecture") == "s390x":
        hints["secure_execution"] = True
    status = obj.get("status") if isinstance(obj, dict) else None
    if isinstance(status, dict) and status:
        hints["tsc_frequency"] = _tsc_frequency(status)
        machine = f.optional_mapping(status, "machine", "status")
        if machine is not None:
            hints["status_machine_type"] = f.string(machine, "type", "status.machine")
    return hints


def manual_tsc_frequency(vmi):
    """IsManualTSCFrequencyRequired: the frequency the node must run the TSC at, when the VMI's
    status gives one and its CPU needs it (``invtsc`` required or forced: to boot; Hyper-V
    reenlightenment: to migrate); else 0."""
    section = vmi.pod
    if section.tsc_frequency > 0 and (section.reenlightenment or any(
            feature["name"] == "invtsc" and feature["policy"] in ("require", "force")
            for feature in vmi.cpu.features)):
        return section.tsc_frequency
    return 0


def _hyperv_labels(hyperv, path):
    """hypervNodeSelectors: a label for each feature of the table that is there with
    ``enabled: true`` (isFeatureStateEnabled), and Intel CPUs for an enlightened VMCS."""
    labels = []
    for key in _HYPERV_FEATURES:
        state = f.optional_mapping(hyperv, key, path)
        if state is not None and f.boolean(state, "enabled", f.join(path, key)) is True:
            labels.append(HYPERV_LABEL + key)
    evmcs = f.optional_mapping(hyperv, "evmcs", path)
    if evmcs is not None and f.boolean(evmcs, "enabled", f.join(path, "evmcs"), True):
        labels.append(INTEL_VENDOR_LABEL)  # an enabled or unset evmcs
    return tuple(labels)


def _tsc_frequency(status):
    hints = f.optional_mapping(status, "topologyHints", "status")
    if hints is None or hints.get("tscFrequency") is None:
        return 0
    return f.integer(hints, "tscFrequency", "status.topologyHints", 0)


def node_selector(vmi, cfg=None):
    """NodeSelectorRenderer: schedulable nodes of the architecture the VMI's spec names (none
    named, none selected; under the CrossArchitectureVirtualization gate not even the VMI's own
    ``kubernetes.io/arch`` but ``kubevirt.io/vm-arch-ARCH``), the cluster's selectors and the
    VMI's own over those, then the labels its spec needs: CPU manager for dedicated CPUs, the
    Hyper-V features under the HypervStrictCheck gate, the CPU model (not host-model or
    host-passthrough) and required features, the machine type (the status's first), the TSC
    frequency, realtime and confidential computing."""
    section = vmi.pod
    cpu = vmi.cpu
    arch = section.spec_architecture
    selector = {"kubevirt.io/schedulable": "true", ARCH_LABEL: arch.lower()} if arch else {
        "kubevirt.io/schedulable": "true"}
    cross_arch = bool(cfg is not None and cfg.cross_arch and arch)
    if cfg is not None and cfg.node_selectors:
        selector.update(cfg.node_selectors)  # the cluster's, under the VMI's own
    if section.node_selector:
        selector.update(section.node_selector)
    if cross_arch:
        selector.pop(ARCH_LABEL, None)  # WithoutNativeArchSelector
    # the labels the spec needs, "true" over any value given above
    if cpu.dedicated:
        selector["kubevirt.io/cpumanager"] = "true"
    if section.hyperv_labels and cfg is not None and cfg.gate_enabled("HypervStrictCheck"):
        for label in section.hyperv_labels:
            selector[label] = "true"
    model = cpu.model
    if model:
        if model not in ("host-model", "host-passthrough"):
            selector["cpu-model.node.kubevirt.io/" + model] = "true"
        for feature in cpu.features:
            if feature["policy"] in ("", "require"):
                selector["cpu-feature.node.kubevirt.io/" + feature["name"]] = "true"
    machine_type = section.status_machine_type or section.machine_type
    if machine_type:
        selector["machine-type.node.kubevirt.io/" + machine_type] = "true"
    if section.tsc_frequency:
        frequency = manual_tsc_frequency(vmi)
        if frequency:
            selector["%s%d" % (TSC_FREQUENCY_LABEL, frequency)] = "true"
    if cpu.realtime:
        selector["kubevirt.io/realtime"] = "true"
    if vmi.sev or vmi.snp:  # util.IsSEVVMI counts SEV-SNP too: an SNP guest needs both labels
        selector["kubevirt.io/sev"] = "true"
        if vmi.sev and vmi.sev_es:
            selector["kubevirt.io/sev-es"] = "true"
        if vmi.snp:
            selector["kubevirt.io/sev-snp"] = "true"
    if section.secure_execution:
        selector[SECURE_EXECUTION_LABEL] = "true"
    if vmi.tdx:
        selector["kubevirt.io/tdx"] = "true"
    if cross_arch:
        selector["kubevirt.io/vm-arch-" + arch] = "true"  # v1.VMArchLabel
    return {key: selector[key] for key in sorted(selector)}


def reservation_anti_affinity(labels):
    """PersistentReservationPodAntiAffinityTerms: for each label, a required term keeping the
    Pod off any node where a Pod with that label runs."""
    return [{"labelSelector": {"matchExpressions": [{"key": label, "operator": "Exists"}]},
             "topologyKey": "kubernetes.io/hostname"} for label in labels]


def node_affinity(vmi, cfg=None, reserved=()):
    """The VMI's affinity, with setNodeAffinityForPod's additions: nodes whose host-model CPU is
    obsolete are refused for a host-model (or unset) CPU, and nodes with a forbidden CPU feature;
    then setPersistentReservationAntiAffinity's terms for the ``reserved`` labels (the Pod's
    ``reservation_labels``); then, under the CrossArchitectureVirtualization gate,
    setPreferredArchitectureAffinity's preference for nodes of the architecture the VMI's spec
    names."""
    cpu = vmi.cpu
    rejected = (["node-labeller.kubevirt.io/obsolete-host-model"]
                if not cpu.model or cpu.model == "host-model" else [])
    for feature in cpu.features:
        if feature["policy"] == "forbid":
            rejected.append("cpu-feature.node.kubevirt.io/" + feature["name"])
    if vmi.pod.affinity is not None:
        affinity = api_json.written(vmi.pod.affinity, api_json.AFFINITY)  # as the typed VMI has it
    elif rejected:  # what the loop below makes of no affinity: one term of every requirement
        affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchExpressions": [
                {"key": label, "operator": "DoesNotExist"} for label in rejected]}]}}}
        rejected = ()
    else:
        affinity = None
    for label in rejected:
        requirement = {"key": label, "operator": "DoesNotExist"}
        node = affinity.setdefault("nodeAffinity", {})
        required = node.get("requiredDuringSchedulingIgnoredDuringExecution")
        if isinstance(required, dict) and required.get("nodeSelectorTerms"):
            for term in required["nodeSelectorTerms"]:
                term.setdefault("matchExpressions", []).append(dict(requirement))
        else:
            node["requiredDuringSchedulingIgnoredDuringExecution"] = {
                "nodeSelectorTerms": [{"matchExpressions": [requirement]}]}
    if reserved:
        if affinity is None:
            affinity = {}
        anti = affinity.get("podAntiAffinity")
        if not isinstance(anti, dict):
            anti = affinity["podAntiAffinity"] = {}
        terms = anti.get("requiredDuringSchedulingIgnoredDuringExecution")
        anti["requiredDuringSchedulingIgnoredDuringExecution"] = (
            list(terms) if isinstance(terms, list) else []) + reservation_anti_affinity(reserved)
    if cfg is not None and cfg.cross_arch and vmi.pod.spec_architecture:
        if affinity is None:
            affinity = {}
        node = affinity.setdefault("nodeAffinity", {})
        node.setdefault("preferredDuringSchedulingIgnoredDuringExecution", []).append({
            "weight": 100, "preference": {"matchExpressions": [{
                "key": ARCH_LABEL, "operator": "In",
                "values": [vmi.pod.spec_architecture.lower()]}]}})
    return affinity
