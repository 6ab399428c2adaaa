# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The persistent-reservation labels and pod anti-affinity of the launcher Pod. Facts from
KubeVirt's pkg/storage/reservation/pr.go (PersistentReservationPVCLabels,
PersistentReservationPodAntiAffinityTerms), pkg/storage/types/pvc.go (PVCNameFromVirtVolume) and
pkg/virt-controller/services/template.go setPersistentReservationAntiAffinity; the cases of
template_test.go "should add persistent reservation anti-affinity ...", at d923fdb8."""

import kubernetes_validate
import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.validation import resource_rule_errors
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

KEY = "pr.kubevirt.io/pvc-uid-1234"  # template_test.go's expected label key


def make_vmi(luns=(("lun0", {"persistentVolumeClaim": {"claimName": "shared-pvc"}}, True),),
             **spec):
    disks = [{"name": name, "lun": {"reservation": reservation}} for name, unused, reservation in luns]
    volumes = [dict(source, name=name) for name, source, unused in luns]
    spec.update({"domain": {"devices": {"disks": disks},
                            "resources": {"requests": {"memory": "1Gi"}}},
                 "volumes": volumes})
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "testvm", "namespace": "default", "uid": "1234"}, "spec": spec}


def render(vmi, uids=None):
    pod = launcher_pod(vmi, options=None if uids is None else {"claim_uids": uids})
    assert resource_rule_errors(pod) == []
    kubernetes_validate.validate(pod, "1.33.0", strict=True)
    return pod


def reservation_labels(pod):
    return {key: value for key, value in pod["metadata"]["labels"].items()
            if key.startswith("pr.kubevirt.io/")}


def required_anti(pod):
    anti = pod["spec"].get("affinity", {}).get("podAntiAffinity", {})
    return anti.get("requiredDuringSchedulingIgnoredDuringExecution", [])


def term(key):
    return {"labelSelector": {"matchExpressions": [{"key": key, "operator": "Exists"}]},
            "topologyKey": "kubernetes.io/hostname"}


def test_a_reserved_lun_on_a_known_claim_labels_the_pod_and_repels_its_peers():
    pod = render(make_vmi(), {"shared-pvc": "pvc-uid-1234"})
    assert reservation_labels(pod) == {KEY: ""}
    assert required_anti(pod) == [term(KEY)]
    # the pr-helper socket the reservation needs is still the compute container's resource
    compute = pod["spec"]["containers"][0]
    assert compute["resources"]["limits"]["devices.kubevirt.io/pr-helper"] == "1"


def test_the_terms_join_the_vmis_own_pod_anti_affinity():
    preferred = [{"weight": 100, "podAffinityTerm": {"topologyKey": "zone"}}]
    vmi = make_vmi(affinity={"podAntiAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": preferred}})
    pod = render(vmi, {"shared-pvc": "pvc-uid-5678"})
    anti = pod["spec"]["affinity"]["podAntiAffinity"]
    assert anti["preferredDuringSchedulingIgnoredDuringExecution"] == preferred
    assert anti["requiredDuringSchedulingIgnoredDuringExecution"] == [
        term("pr.kubevirt.io/pvc-uid-5678")]
    assert vmi["spec"]["affinity"]["podAntiAffinity"] == {
        "preferredDuringSchedulingIgnoredDuringExecution": preferred}  # the input is untouched


def test_the_terms_come_after_the_vmis_own_required_ones_and_beside_its_node_affinity():
    own = {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "zone"}
    vmi = make_vmi(affinity={"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [own]}})
    pod = render(vmi, {"shared-pvc": "pvc-uid-1234"})
    assert required_anti(pod) == [own, term(KEY)]
    # setNodeAffinityForPod's host-model refusal is still there
    node_terms = pod["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert node_terms[0]["matchExpressions"][0]["key"] == "node-labeller.kubevirt.io/obsolete-host-model"


def test_no_reserved_lun_no_labels_or_terms():
    pod = render(make_vmi((("lun0", {"persistentVolumeClaim": {"claimName": "shared-pvc"}},
                            False),)), {"shared-pvc": "pvc-uid-1234"})
    assert reservation_labels(pod) == {}
    assert "podAntiAffinity" not in pod["spec"].get("affinity", {})


def test_a_claim_whose_uid_is_not_given_is_left_out_as_a_cache_miss_is():
    pod = render(make_vmi(), {"other-pvc": "pvc-uid-1234"})
    assert reservation_labels(pod) == {}
    assert required_anti(pod) == []
    assert reservation_labels(render(make_vmi())) == {}  # no claim_uids at all


def test_namespace_and_claim_wins_over_the_claim_alone():
    pod = render(make_vmi(), {"shared-pvc": "uid-any", "default/shared-pvc": "uid-here",
                              "other/shared-pvc": "uid-elsewhere"})
    assert reservation_labels(pod) == {"pr.kubevirt.io/uid-here": ""}


def test_data_volumes_and_memory_dumps_name_their_claims():
    luns = (("lun0", {"dataVolume": {"name": "dv-disk"}}, True),
            ("lun1", {"persistentVolumeClaim": {"claimName": "shared-pvc"}}, True),
            ("lun2", {"persistentVolumeClaim": {"claimName": "plain-pvc"}}, False))
    pod = render(make_vmi(luns), {"dv-disk": "b-uid", "shared-pvc": "a-uid", "plain-pvc": "c-uid"})
    assert list(reservation_labels(pod)) == ["pr.kubevirt.io/a-uid", "pr.kubevirt.io/b-uid"]
    assert required_anti(pod) == [term("pr.kubevirt.io/a-uid"), term("pr.kubevirt.io/b-uid")]


def test_two_luns_on_one_claim_make_one_label():
    luns = (("lun0", {"persistentVolumeClaim": {"claimName": "shared-pvc"}}, True),
            ("lun1", {"persistentVolumeClaim": {"claimName": "shared-pvc"}}, True))
    pod = render(make_vmi(luns), {"shared-pvc": "pvc-uid-1234"})
    assert reservation_labels(pod) == {KEY: ""}
    assert required_anti(pod) == [term(KEY)]


def test_the_labels_keep_the_pods_labels_in_key_order():
    vmi = make_vmi()
    vmi["metadata"]["labels"] = {"zzz": "last", "aaa": "first"}
    labels = render(vmi, {"shared-pvc": "pvc-uid-1234"})["metadata"]["labels"]
    assert list(labels) == sorted(labels)
    assert labels["zzz"] == "last" and labels[KEY] == ""


@pytest.mark.parametrize("uid", ["", "not/a-name", "-starts-with-a-dash", "x" * 64, 1234])
def test_a_uid_that_cannot_be_a_label_name_is_refused_naming_the_claim(uid):
    with pytest.raises(VmpodInputError) as caught:
        launcher_pod(make_vmi(), options={"claim_uids": {"shared-pvc": uid}})
    assert "pod_options.claim_uids.shared-pvc" in str(caught.value)


def test_claim_uids_must_be_a_mapping():
    with pytest.raises(VmpodInputError) as caught:
        launcher_pod(make_vmi(), options={"claim_uids": ["pvc-uid-1234"]})
    assert "pod_options.claim_uids" in str(caught.value)
