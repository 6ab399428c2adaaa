# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The launcher Pod's node selector beyond the CPU and machine labels: Hyper-V under the
HypervStrictCheck gate, the TSC frequency, IBM Secure Execution, the status's machine type and
the architecture the spec names. Facts from KubeVirt's
pkg/virt-controller/services/nodeselectorrenderer.go (Render, hypervNodeSelectors,
makeHVFeatureLabelTable), template.go newNodeSelectorRenderer, watch/topology/tsc.go
(IsManualTSCFrequencyRequired) and pkg/util/s390x.go; the cases of template_test.go ("should add
node selector for hyperv nodes ...", "TSC frequency label", "When scheduling Secure Execution
workloads"), at d923fdb8."""

import kubernetes_validate
import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.validation import resource_rule_errors
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

STRICT = {"developerConfiguration": {"featureGates": ["HypervStrictCheck"]}}
TSC_LABEL = "scheduling.node.kubevirt.io/tsc-frequency-123123"


def make_vmi(domain=None, **spec):
    body = {"devices": {"disableHotplug": True}, "resources": {"requests": {"memory": "1Gi"}}}
    body.update(domain or {})
    spec["domain"] = body
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "testvmi", "namespace": "default", "uid": "1234"}, "spec": spec}


def selector(vmi, config=None):
    pod = launcher_pod(vmi, config)
    assert resource_rule_errors(pod) == []
    kubernetes_validate.validate(pod, "1.33.0", strict=True)
    return pod["spec"]["nodeSelector"]


def hyperv(**features):
    return {"features": {"hyperv": features}}


ON = {"enabled": True}


@pytest.mark.parametrize("evmcs", [True, False])
def test_hyperv_features_that_need_the_host_kernel_select_nodes_that_have_them(evmcs):
    vmi = make_vmi(hyperv(synic=ON, synictimer=ON, frequencies=ON, ipi=ON,
                          evmcs={"enabled": evmcs}))
    labels = selector(vmi, STRICT)
    for name in ("synic", "synictimer", "frequencies", "ipi"):
        assert labels["hyperv.node.kubevirt.io/" + name] == "true"
    assert ("cpu-vendor.node.kubevirt.io/Intel" in labels) is evmcs
    assert "hyperv.node.kubevirt.io/evmcs" not in labels


def test_every_feature_of_the_table_and_an_evmcs_left_unset():
    names = ("vpindex", "runtime", "reset", "synic", "synictimer", "frequencies",
             "reenlightenment", "tlbflush", "ipi")
    features = {name: dict(ON) for name in names}
    features["evmcs"] = {}  # enabled unset: on, as KubeVirt reads it
    labels = selector(make_vmi(hyperv(**features)), STRICT)
    assert sorted(key for key in labels if key.startswith("hyperv.node.kubevirt.io/")) == sorted(
        "hyperv.node.kubevirt.io/" + name for name in names)
    assert labels["cpu-vendor.node.kubevirt.io/Intel"] == "true"


def test_no_hyperv_labels_without_the_gate_or_for_features_the_host_need_not_have():
    vmi = make_vmi(hyperv(synic=ON, ipi=ON))
    assert not any(key.startswith("hyperv.node.kubevirt.io/") for key in selector(vmi))
    plain = make_vmi(hyperv(relaxed=ON, vapic=ON, spinlocks={"enabled": True, "spinlocks": 8191},
                            vendorid={"enabled": True, "vendorid": "vmpod"}, synic={"enabled": False}))
    assert not any(key.startswith(("hyperv.node.kubevirt.io/", "cpu-vendor."))
                   for key in selector(plain, STRICT))
    assert not any(key.startswith("hyperv.node.kubevirt.io/")
                   for key in selector(make_vmi(hyperv()), STRICT))


def test_a_hyperv_state_that_is_not_a_boolean_is_refused_naming_it():
    with pytest.raises(VmpodInputError) as caught:
        launcher_pod(make_vmi(hyperv(synic={"enabled": "yes"})), STRICT)
    assert "spec.domain.features.hyperv.synic.enabled" in str(caught.value)


def tsc_vmi(requirement, hints):
    domain = {}
    if requirement == "boot":
        domain["cpu"] = {"features": [{"name": "invtsc", "policy": "require"}]}
    elif requirement == "migration":
        domain.update(hyperv(reenlightenment=ON))
    vmi = make_vmi(domain)
    if hints:
        vmi["status"] = {"topologyHints": {"tscFrequency": 123123}}
    return vmi


@pytest.mark.parametrize("hints, requirement, expected", [
    (False, None, False), (False, "boot", False), (False, "migration", False),
    (True, None, False), (True, "boot", True), (True, "migration", True)])
def test_the_tsc_frequency_label_of_template_test(hints, requirement, expected):
    assert (TSC_LABEL in selector(tsc_vmi(requirement, hints))) is expected


def test_a_forced_invtsc_needs_the_frequency_too_and_a_disabled_one_does_not():
    vmi = make_vmi({"cpu": {"features": [{"name": "invtsc", "policy": "force"}]}})
    vmi["status"] = {"topologyHints": {"tscFrequency": 123123}}
    assert selector(vmi)[TSC_LABEL] == "true"
    vmi["spec"]["domain"]["cpu"]["features"][0]["policy"] = "disable"
    assert TSC_LABEL not in selector(vmi)


def test_secure_execution_on_s390x_only():
    vmi = make_vmi({"launchSecurity": {}}, architecture="s390x")
    assert selector(vmi)["kubevirt.io/s390-pv"] == "true"
    vmi["spec"]["architecture"] = ""
    assert "kubevirt.io/s390-pv" not in selector(vmi)
    assert "kubevirt.io/s390-pv" not in selector(make_vmi(architecture="s390x"))


@pytest.mark.parametrize("security, labels", [
    # util.IsSEVVMI counts SEV-SNP (amd64.go), IsSEVESVMI the encrypted-state policy, IsTDXVMI
    ({"sev": {}}, {"kubevirt.io/sev"}),
    ({"sev": {"policy": {"encryptedState": True}}}, {"kubevirt.io/sev", "kubevirt.io/sev-es"}),
    ({"snp": {}}, {"kubevirt.io/sev", "kubevirt.io/sev-snp"}),
    ({"tdx": {}}, {"kubevirt.io/tdx"}),
])
def test_confidential_computing_selects_capable_nodes(security, labels):
    efi = {"firmware": {"bootloader": {"efi": {"secureBoot": False}}}}
    found = selector(make_vmi(dict(efi, launchSecurity=security)))
    assert {key for key in found if key in ("kubevirt.io/sev", "kubevirt.io/sev-es", "kubevirt.io/sev-snp",
                                            "kubevirt.io/tdx")} == labels
    assert all(found[key] == "true" for key in labels)


def test_apply_defaults_selects_for_the_features_the_webhook_turns_on():
    # a reenlightenment that says nothing is on once defaulted (SetDefaults_FeatureState), so it
    # needs the TSC frequency; synictimer brings synic and vpindex, evmcs the vmx CPU feature
    vmi = make_vmi(hyperv(reenlightenment={}, synictimer={}, evmcs={}))
    vmi["status"] = {"topologyHints": {"tscFrequency": 123123}}
    plain = launcher_pod(vmi, STRICT)["spec"]["nodeSelector"]
    found = launcher_pod(vmi, STRICT, apply_defaults=True)["spec"]["nodeSelector"]
    assert TSC_LABEL not in plain and TSC_LABEL in found
    for feature in ("synic", "vpindex", "synictimer", "reenlightenment"):
        assert found["hyperv.node.kubevirt.io/" + feature] == "true"
    assert found["cpu-feature.node.kubevirt.io/vmx"] == "true"


def test_the_machine_type_the_status_names_comes_first():
    vmi = make_vmi({"machine": {"type": "q35"}})
    assert selector(vmi)["machine-type.node.kubevirt.io/q35"] == "true"
    vmi["status"] = {"machine": {"type": "pc-q35-rhel9.6.0"}}
    labels = selector(vmi)
    assert labels["machine-type.node.kubevirt.io/pc-q35-rhel9.6.0"] == "true"
    assert "machine-type.node.kubevirt.io/q35" not in labels


def test_the_architecture_label_is_the_specs_and_only_when_it_names_one():
    # NewNodeSelectorRenderer: kubernetes.io/arch only for a spec.architecture (virt-api's
    # webhook sets it on a new VMI: apply_defaults does the same)
    assert selector(make_vmi()) == {"kubevirt.io/schedulable": "true"}
    assert selector(make_vmi(architecture="arm64"))["kubernetes.io/arch"] == "arm64"
    defaulted = launcher_pod(make_vmi(), apply_defaults=True)["spec"]["nodeSelector"]
    assert defaulted["kubernetes.io/arch"] == "amd64"
