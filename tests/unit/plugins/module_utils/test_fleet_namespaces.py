# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet placement, drains and plans with the VMIs' namespaces: each VMI sized in its own
namespace, as launcher_resources sizes it, so that a Multus network's device (the
NetworkAttachmentDefinition's k8s.v1.cni.cncf.io/resourceName, KubeVirt
pkg/network/multus/nad.go) is a resource the host must offer."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.fleet import (
    place_fleet, plan_hugepage_pools, simulate_drain)
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.sizing import size_vmis
from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    check_migration, plan_placement, plan_placements)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

SRIOV_A = "intel.com/sriov_a"
SRIOV_B = "intel.com/sriov_b"


def multus_vmi(name, namespace, network="sriov", node=None):
    vmi = {"kind": "VirtualMachineInstance",
           "metadata": {"name": name, "namespace": namespace},
           "spec": {"domain": {"cpu": {"cores": 1},
                               "resources": {"requests": {"memory": "1Gi"}},
                               "devices": {"interfaces": [{"name": "vf", "sriov": {}}]}},
                    "networks": [{"name": "vf", "multus": {"networkName": network}}]}}
    if node:
        vmi["status"] = {"nodeName": node}
    return vmi


def nad(name, namespace, resource):
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": name, "namespace": namespace,
                         "annotations": {"k8s.v1.cni.cncf.io/resourceName": resource}}}


def host(extended=None):
    data = {"cpus": [{"id": i, "socket": 0, "core": i, "node": 0} for i in range(8)],
            "nodes": [{"id": 0, "memory": "64Gi"}], "reserved_cpus": "0"}
    if extended:
        data["extended_resources"] = extended
    return data


NADS = [nad("sriov", "team-a", SRIOV_A), nad("sriov", "team-b", SRIOV_B)]
# KubeVirt reads the NADs itself only with the Beta gate ExternalNetResourceInjection turned off
# (template.go); with it on, a webhook outside KubeVirt injects the device
CONFIG = {"developerConfiguration": {"disabledFeatureGates": ["ExternalNetResourceInjection"]}}


def test_without_its_nad_a_multus_vmi_is_an_error_naming_the_network():
    with pytest.raises(VmpodInputError) as err:
        place_fleet([multus_vmi("a1", "team-a")], {"h": host()}, config=CONFIG)
    assert err.value.path == "spec.networks[0].multus.networkName" or \
        err.value.path.endswith("spec.networks[0].multus.networkName"), err.value.path
    assert "NetworkAttachmentDefinition" in str(err.value)


def test_each_vmi_goes_where_its_namespaces_network_device_is_offered():
    # the same VMI but for its namespace: "sriov" is a different NAD, and so a different device,
    # in each namespace; sized alike, the two would share one set of values
    vmis = [multus_vmi("a1", "team-a"), multus_vmi("b1", "team-b"), multus_vmi("a2", "team-a")]
    hosts = {"has-a": host({SRIOV_A: 1}), "has-b": host({SRIOV_B: 4})}
    result = place_fleet(vmis, hosts, config=CONFIG, network_attachment_definitions=NADS)
    assert result["placements"] == {"a1": "has-a", "b1": "has-b", "a2": None}
    assert result["hosts"]["has-a"]["extended"][SRIOV_A] == {"allocatable": 1, "requested": 1}
    assert result["hosts"]["has-b"]["extended"][SRIOV_B] == {"allocatable": 4, "requested": 1}
    assert any(SRIOV_A in reason for reason in result["unplaced"]["a2"]), result["unplaced"]["a2"]


def test_a_network_named_with_its_namespace_takes_that_namespaces_nad():
    vmis = [multus_vmi("b1", "team-b", network="team-a/sriov")]
    result = place_fleet(vmis, {"has-a": host({SRIOV_A: 1}), "has-b": host({SRIOV_B: 1})},
                         config=CONFIG, network_attachment_definitions=NADS)
    assert result["placements"] == {"b1": "has-a"}


def test_a_drain_moves_a_multus_vmi_only_to_a_host_offering_its_device():
    vmis = [multus_vmi("a1", "team-a", node="src")]
    hosts = {"src": host({SRIOV_A: 1}), "plain": host(), "other": host({SRIOV_A: 2})}
    result = simulate_drain(vmis, hosts, "src", config=CONFIG, network_attachment_definitions=NADS)
    assert result["safe"]
    assert result["waves"] == [[{"vmi": "a1", "source": "src", "target": "other"}]]
    blocked = simulate_drain(vmis, {"src": host({SRIOV_A: 1}), "plain": host()}, "src",
                             config=CONFIG, network_attachment_definitions=NADS)
    assert not blocked["safe"]
    assert any(SRIOV_A in reason for reason in blocked["blockers"]["a1"])


def test_namespaces_quotas_set_limits_in_their_namespace_only():
    # a quota with limits.memory turns on automatic memory limits (template.go
    # doesVMIRequireAutoResourceLimits), scaled by the namespace's ratio label
    namespaces = [{"metadata": {"name": "capped",
                                "labels": {"alpha.kubevirt.io/auto-memory-limits-ratio": "1.5"}}},
                  {"metadata": {"name": "free"}}]
    quotas = [{"metadata": {"name": "q", "namespace": "capped"},
               "spec": {"hard": {"limits.memory": "100Gi"}}}]
    vmis = [dict(multus_vmi("v", ns), spec={"domain": {"cpu": {"cores": 1},
                                                       "resources": {"requests": {"memory": "1Gi"}}}})
            for ns in ("capped", "free")]
    sized = size_vmis(vmis, namespaces=namespaces, resource_quotas=quotas)
    alone = [launcher_resources(vmis[0], namespace=namespaces[0], resource_quotas=quotas),
             launcher_resources(vmis[1], namespace=namespaces[1], resource_quotas=quotas)]
    assert [entry["limits"] for entry in sized] == [one["limits"] for one in alone]
    assert "memory" in sized[0]["limits"] and "memory" not in sized[1]["limits"]
    # the fleet sizes them the same way: both placed, the capped one with its limit
    result = place_fleet(vmis, {"h": host()}, namespaces=namespaces, resource_quotas=quotas)
    assert set(result["placements"].values()) == {"h"}


def test_plans_take_the_namespace_objects_too():
    vmi = multus_vmi("a1", "team-a")
    with pytest.raises(VmpodInputError):
        plan_placement(vmi, host(), config=CONFIG)
    plan = plan_placement(vmi, host(), config=CONFIG, network_attachment_definitions=NADS)
    assert plan["fits"], plan
    plans = plan_placements([vmi, multus_vmi("b1", "team-b")], host(),
                            config=CONFIG, network_attachment_definitions=NADS)
    assert [p["fits"] for p in plans] == [True, True]
    # the target must offer the network's device, as it must admit the whole launcher Pod
    moved = check_migration(vmi, plan, host({SRIOV_A: 1}), config=CONFIG,
                            network_attachment_definitions=NADS)
    assert moved["fits"], moved
    assert moved["target_envelope"]["limits"][SRIOV_A] == "1"
    refused = check_migration(vmi, plan, host(), config=CONFIG, network_attachment_definitions=NADS)
    assert refused["reasons"] == [
        "the target would not admit the launcher Pod: the Pod requests 1 %s, 0 of the host's 0 "
        "are left (kube-scheduler: Insufficient %s)" % (SRIOV_A, SRIOV_A)]
    pools = plan_hugepage_pools([vmi], {"h": host({SRIOV_A: 1})},
                                config=CONFIG, network_attachment_definitions=NADS)
    assert pools["placements"] == {"a1": "h"}


@pytest.mark.parametrize("kwargs, path", [
    ({"namespaces": [{"metadata": {"name": "a"}}, {"metadata": {"name": "a"}}]},
     "namespaces[1].metadata.name"),
    ({"namespaces": [{"metadata": {"name": "a", "labels": {"bad key!": "x"}}}]},
     "namespaces[0].metadata.labels"),
    ({"namespaces": "team-a"}, "namespaces"),
    ({"resource_quotas": [{"metadata": {}, "spec": {"hard": []}}]}, "resource_quotas[0].spec.hard"),
])
def test_bad_namespace_objects_name_the_field(kwargs, path):
    with pytest.raises(VmpodInputError) as err:
        place_fleet([multus_vmi("a1", "team-a")], {"h": host({SRIOV_A: 1})},
                    config=CONFIG, network_attachment_definitions=NADS, **kwargs)
    assert err.value.path.startswith(path), err.value.path


def test_one_namespace_for_all_or_each_its_own_not_both():
    with pytest.raises(VmpodInputError) as err:
        size_vmis([multus_vmi("a1", "team-a")], namespace={"metadata": {"name": "team-a"}},
                  namespaces=[{"metadata": {"name": "team-a"}}])
    assert err.value.path == "namespace"


def test_kubectl_lists_and_k8s_info_results_are_taken_as_their_objects():
    namespaces = [{"metadata": {"name": "team-a"}}]
    vmis = [multus_vmi("a1", "team-a")]
    hosts = {"h": host({SRIOV_A: 1})}
    expected = place_fleet(vmis, hosts, config=CONFIG, namespaces=namespaces,
                           network_attachment_definitions=NADS)
    for wrap in (lambda items: {"apiVersion": "v1", "kind": "List", "items": items},
                 lambda items: {"resources": items, "changed": False}):
        assert place_fleet(vmis, hosts, config=CONFIG, namespaces=wrap(namespaces),
                           network_attachment_definitions=wrap(NADS)) == expected
