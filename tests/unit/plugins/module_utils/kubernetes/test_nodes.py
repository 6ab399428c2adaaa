# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet hosts from Kubernetes Node objects (kubernetes/nodes.py), on the NodeList of
examples/cluster/nodes.json (the shape `kubectl get nodes -o json` writes: a control-plane Node,
two KVM workers with hugepage pools, an arm64 worker, a cordoned and an unreachable one)."""

import copy
import json
import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.filter.fleet import FilterModule
from ansible_collections.vmpod.core.plugins.module_utils.fleet import hosts_from_nodes, place_fleet
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import ordinary_memory
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity
from vmpod_examples import ROOT

with open(os.path.join(ROOT, "examples", "cluster", "nodes.json")) as _handle:
    NODES = json.load(_handle)
GiB = 1024 ** 3


def node(name):
    return copy.deepcopy(next(item for item in NODES["items"] if item["metadata"]["name"] == name))


def bytes_of(text):
    return parse_quantity(text).value()


def test_schedulable_nodes_become_hosts_and_the_others_say_why_not():
    result = hosts_from_nodes(NODES)
    assert sorted(result["hosts"]) == ["arm-1", "kvm-a", "kvm-b"]
    assert result["skipped"] == {
        "cp-1": "tainted node-role.kubernetes.io/control-plane:NoSchedule",
        "kvm-c": "cordoned (spec.unschedulable)",
        "kvm-d": "tainted node.kubernetes.io/unreachable:NoExecute",
    }


def test_cpus_the_kubelet_keeps_are_reserved_lowest_first():
    hosts = hosts_from_nodes(NODES)["hosts"]
    # capacity 32, allocatable 30
    kvm_a = read_host(hosts["kvm-a"])
    assert len(kvm_a.cpus) == 32 and hosts["kvm-a"]["reserved_cpus"] == "0-1"
    assert len(kvm_a.available()) == 30
    # allocatable 63500m: half a CPU kept is a whole CPU no VM can have to itself
    assert hosts["kvm-b"]["reserved_cpus"] == "0"
    # no thread siblings are known: each CPU is its own core
    assert all(kvm_a.siblings(cpu.id) == (cpu.id,) or list(kvm_a.siblings(cpu.id)) == [cpu.id]
               for cpu in kvm_a.cpus)


def test_memory_outside_the_pools_is_what_the_scheduler_counts():
    hosts = hosts_from_nodes(NODES)["hosts"]
    kvm_a = node("kvm-a")["status"]["allocatable"]
    read = read_host(hosts["kvm-a"])
    (numa,) = read.nodes
    assert ordinary_memory(numa) == bytes_of(kvm_a["memory"])
    assert hosts["kvm-a"]["nodes"][0]["hugepages"] == {
        "1Gi": {"total": 64, "free": 64}, "2Mi": {"total": 4096, "free": 4096}}
    assert numa.memory == bytes_of(kvm_a["memory"]) + 64 * GiB + 8 * GiB
    # pools of zero pages are no pools
    assert hosts["arm-1"]["nodes"][0]["hugepages"] == {}


def test_the_architecture_comes_from_the_label_then_the_node_info():
    hosts = hosts_from_nodes(NODES)["hosts"]
    assert hosts["arm-1"]["architecture"] == "arm64" and hosts["kvm-a"]["architecture"] == "amd64"
    unlabelled = node("arm-1")
    del unlabelled["metadata"]["labels"]["kubernetes.io/arch"]
    assert hosts_from_nodes([unlabelled])["hosts"]["arm-1"]["architecture"] == "arm64"


def test_a_list_and_k8s_info_results_give_the_same():
    assert hosts_from_nodes(NODES["items"]) == hosts_from_nodes(NODES) == \
        hosts_from_nodes({"changed": False, "resources": NODES["items"], "api_found": True})


def test_the_example_fleet_places_on_the_cluster():
    with open(os.path.join(ROOT, "examples", "fleet", "vmis.yaml")) as handle:
        vmis = yaml.safe_load(handle)
    fleet = place_fleet(vmis, hosts_from_nodes(NODES)["hosts"])
    placed = {vmi: host for vmi, host in fleet["placements"].items() if host}
    assert set(placed.values()) <= {"arm-1", "kvm-a", "kvm-b"}
    # the arm64 builder, which the example fleet's amd64 hosts refuse, has an arm64 Node here
    arm = [vmi["metadata"]["name"] for vmi in vmis
           if vmi["spec"].get("architecture") == "arm64"]
    assert arm and all(fleet["placements"][name] == "arm-1" for name in arm)
    # no host is given more dedicated CPUs than it has outside the reserved ones
    hosts = hosts_from_nodes(NODES)["hosts"]
    for name, usage in fleet["hosts"].items():
        assert usage["cpu"]["reserved"] == len(read_host(hosts[name]).reserved)
        assert usage["cpu"]["exclusive"] <= len(read_host(hosts[name]).available()), usage


@pytest.mark.parametrize("change, message", [
    (lambda n: n["status"]["allocatable"].pop("memory"),
     "nodes[0].status: None must give capacity.cpu, allocatable.cpu and allocatable.memory"),
    (lambda n: n["status"]["allocatable"].update(cpu="40"),
     "nodes[0].status.allocatable.cpu: '40' exceeds the capacity (32 CPUs)"),
    (lambda n: n["status"]["capacity"].update(cpu="100000"),
     "nodes[0].status.capacity.cpu: '100000' must be 1 to 8192 CPUs"),
    (lambda n: n["status"]["allocatable"].update({"hugepages-2Mi": "3Mi"}),
     "nodes[0].status.allocatable.hugepages-2Mi: '3Mi' is not a whole number of pages"),
    (lambda n: n["status"]["allocatable"].update({"hugepages-3Mi": "3Mi"}),
     "nodes[0].status.allocatable.hugepages-3Mi: '3Mi' is not a whole number of pages"),
    (lambda n: n.update(kind="Pod"), "nodes[0].kind: 'Pod' must be Node"),
    (lambda n: n["metadata"].update(name="Kvm A"), "nodes[0].metadata.name: 'Kvm A' is not a DNS-1123 subdomain"),
    (lambda n: n["metadata"]["labels"].update({"kubernetes.io/arch": "riscv64"}),
     "nodes[0].metadata.labels['kubernetes.io/arch'].architecture: 'riscv64' is not amd64"),
    (lambda n: n["spec"].update(taints=["NoSchedule"]), "nodes[0].spec.taints[0]: 'NoSchedule' must be a mapping"),
])
def test_bad_nodes_are_refused_naming_the_field(change, message):
    bad = node("kvm-a")
    change(bad)
    with pytest.raises(VmpodInputError) as raised:
        hosts_from_nodes([bad])
    assert str(raised.value).startswith(message)


def test_a_node_named_twice_is_refused():
    with pytest.raises(VmpodInputError, match=r"nodes\[1\].metadata.name: 'kvm-a' is a duplicate Node name"):
        hosts_from_nodes([node("kvm-a"), node("kvm-a")])


@pytest.mark.parametrize("nodes", ["nodes", {"kind": "NodeList"}, 3])
def test_what_is_no_node_list_is_refused(nodes):
    with pytest.raises(VmpodInputError, match=r"^nodes: "):
        hosts_from_nodes(nodes)


def test_the_filter_raises_filter_errors():
    hosts = FilterModule().filters()["hosts_from_nodes"]
    assert sorted(hosts(NODES)["hosts"]) == ["arm-1", "kvm-a", "kvm-b"]
    with pytest.raises(AnsibleFilterError, match="^vmpod.core.hosts_from_nodes: nodes: 3 must be"):
        hosts(3)


def test_extended_resources_come_from_allocatable():
    gpu_node = node(NODES["items"][1]["metadata"]["name"])
    gpu_node["status"]["allocatable"]["nvidia.com/GA102GL_A10"] = "2"
    gpu_node["status"]["allocatable"]["devices.kubevirt.io/kvm"] = "1k"
    [host] = list(hosts_from_nodes([gpu_node])["hosts"].values())
    extended = host["extended_resources"]
    assert extended["nvidia.com/GA102GL_A10"] == 2
    assert extended["devices.kubevirt.io/kvm"] == 1000
    assert extended["pods"] == int(gpu_node["status"]["allocatable"]["pods"])
    assert "ephemeral-storage" not in extended and not any(k.startswith("hugepages-") for k in extended)
    assert read_host(host).extended == extended
    gpu_node["status"]["allocatable"]["nvidia.com/GA102GL_A10"] = "500m"
    with pytest.raises(VmpodInputError) as err:
        hosts_from_nodes([gpu_node])
    assert "nvidia.com/GA102GL_A10" in err.value.path
