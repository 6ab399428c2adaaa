# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""kubernetes.api_json: what Go's encoding/json writes for the k8s.io/api types KubeVirt copies
from its typed VMI into the launcher Pod (the json tags of core/v1 types.go and apimachinery's
LabelSelector); the expected values were confirmed by rendering the same VMIs with KubeVirt's
RenderLaunchManifest."""

import copy

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes import api_json
from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.api_json import written
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from vmpod_examples import vmi_dict


@pytest.mark.parametrize("fields, given, expected", [
    # Toleration: every field omitempty; tolerationSeconds a pointer, so 0 stays
    (api_json.TOLERATION, {"key": "", "operator": "Exists", "effect": "", "value": ""}, {"operator": "Exists"}),
    (api_json.TOLERATION, {"key": "k", "tolerationSeconds": 0, "extra": 1}, {"key": "k", "tolerationSeconds": 0}),
    (api_json.TOLERATION, {}, {}),
    # PodDNSConfig: empty lists left out; an option's value is a *string: "" stays, null goes
    (api_json.DNS_CONFIG, {"nameservers": [], "searches": ["a.b"],
                           "options": [{"name": "ndots", "value": "2"}, {"name": ""}, {"name": "x", "value": ""},
                                       {"name": "y", "value": None}]},
     {"searches": ["a.b"], "options": [{"name": "ndots", "value": "2"}, {}, {"name": "x", "value": ""},
                                       {"name": "y"}]}),
    (api_json.DNS_CONFIG, {}, {}),
    # TopologySpreadConstraint: maxSkew, topologyKey and whenUnsatisfiable always written; an
    # empty labelSelector is a pointer to an empty struct, kept as {}; its empty map left out
    (api_json.TOPOLOGY_SPREAD, {"topologyKey": "zone", "labelSelector": {"matchLabels": {}}, "matchLabelKeys": [],
                                "minDomains": 0},
     {"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "", "labelSelector": {}, "minDomains": 0}),
    # Affinity: a requirement's key and operator always written, its empty values left out; a
    # preferred term's preference is a struct (always written); nodeSelectorTerms has no
    # omitempty (absent: null); a pod affinity term's topologyKey always written
    (api_json.AFFINITY, {"nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": []}]}]},
        "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}]}},
     {"nodeAffinity": {
         "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
             {"matchExpressions": [{"key": "a", "operator": "Exists"}]}]},
         "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1, "preference": {}}]}}),
    (api_json.AFFINITY, {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}},
                         "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                             {"labelSelector": {"matchExpressions": [{"key": "app"}]}, "namespaces": []}],
                             "preferredDuringSchedulingIgnoredDuringExecution": []}},
     {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": None}},
      "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
          {"labelSelector": {"matchExpressions": [{"key": "app", "operator": ""}]}, "topologyKey": ""}]}}),
])
def test_written_as_go_writes_the_type(fields, given, expected):
    before = copy.deepcopy(given)
    assert written(given, fields) == expected
    assert given == before


def test_written_shares_nothing_and_keeps_what_go_could_not_read():
    given = {"searches": ["a"], "options": "not a list", "nameservers": 5}
    result = written(given, api_json.DNS_CONFIG)
    assert result == given
    result["searches"].append("b")
    assert given["searches"] == ["a"]


def test_the_launcher_pod_writes_the_vmi_fields_as_kubevirt_s_typed_vmi():
    the_vmi = vmi_dict(
        tolerations=[{"key": "", "operator": "Exists", "effect": ""}],
        dnsPolicy="None", dnsConfig={"nameservers": [], "searches": ["a.b"], "options": [{"name": ""}]},
        topologySpreadConstraints=[{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                                    "matchLabelKeys": []}],
        affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "zone", "namespaces": []}]}})
    spec = launcher_pod(the_vmi)["spec"]
    assert spec["tolerations"] == [{"operator": "Exists"}]
    assert spec["dnsConfig"] == {"searches": ["a.b"], "options": [{}]}
    assert spec["topologySpreadConstraints"] == [{"maxSkew": 1, "topologyKey": "zone",
                                                  "whenUnsatisfiable": "DoNotSchedule"}]
    assert spec["affinity"]["podAffinity"] == {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "zone"}]}
