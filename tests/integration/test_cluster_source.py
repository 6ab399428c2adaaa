# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbooks reading a live cluster (vmpod_from_cluster=true, playbooks/tasks/read_cluster.yml,
kubernetes.core.k8s_info) against a fake API server of recorded responses (fake_kube_api.py,
recorded/): they ask for exactly the kinds they feed the engine, and their output is the output of
the same playbook given the same objects as files; Nodes become hosts with their allocatable
counted; an unreachable API server fails with a clear message and writes nothing."""

import json
import os
import socket

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.fleet import hosts_from_nodes
from fake_kube_api import FakeKubeApi, recorded_items
from vmpod_playbooks import ROOT, ansible_playbook, playbook

K8S_CORE = os.path.join(ROOT, ".build", "collections", "ansible_collections", "kubernetes", "core")

pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(K8S_CORE, "MANIFEST.json")),
    reason="kubernetes.core is not unpacked (hack/setup.sh)")


def cluster_playbook(tmp_path, *args):
    """ansible-playbook with vmpod_from_cluster=true; kubernetes.core's discovery cache (a file in
    the temporary directory, named for the server) in the test's own directory."""
    return ansible_playbook(args[0], "-e", "vmpod_from_cluster=true", *args[1:], TMPDIR=str(tmp_path))


def _key(obj):
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def cluster_vms(selected=lambda obj: True):
    """What read_cluster.yml takes: the VMIs, and the VirtualMachines that have none, sorted."""
    vmis = [obj for obj in recorded_items("virtualmachineinstances.json") if selected(obj)]
    running = {_key(obj) for obj in vmis}
    vms = [obj for obj in recorded_items("virtualmachines.json")
           if selected(obj) and _key(obj) not in running]
    return sorted(vmis + vms, key=_key)


def not_a_router(obj):
    """What the selector app!=router lets through."""
    return obj["metadata"].get("labels", {}).get("app") != "router"


def write_vm_files(directory, objects):
    """One JSON file (YAML to the playbooks) per object, named so they sort as given."""
    directory.mkdir()
    for index, obj in enumerate(objects):
        (directory / ("%02d-%s.yaml" % (index, obj["metadata"]["name"]))).write_text(json.dumps(obj))
    return directory


def write_vars(path, **variables):
    path.write_text(json.dumps(variables))
    return "@%s" % path


def kubevirt_configuration():
    return recorded_items("kubevirts.json")[0]["spec"]["configuration"]


def namespace_objects():
    """The playbooks' variables for the recorded KubeVirt configuration, Namespaces,
    ResourceQuotas and NetworkAttachmentDefinitions, given as files would give them."""
    return {"vmpod_kubevirt_config": kubevirt_configuration(),
            "vmpod_namespaces": recorded_items("namespaces.json"),
            "vmpod_resource_quotas": recorded_items("resourcequotas.json"),
            "vmpod_network_attachment_definitions": recorded_items("network-attachment-definitions.json")}


def test_sizing_from_the_cluster_is_sizing_from_the_same_objects_as_files(tmp_path):
    with FakeKubeApi() as api:
        kubeconfig = api.kubeconfig(str(tmp_path / "kubeconfig"))
        done = cluster_playbook(tmp_path, playbook("launcher_resources.yml"),
                                "-e", "vmpod_kubeconfig=%s" % kubeconfig,
                                "-e", "vmpod_output_dir=%s" % (tmp_path / "cluster"))
        asked = api.lists()
    assert done.returncode == 0, done.stdout[-3000:]
    assert sorted(asked_for[:2] for asked_for in asked) == sorted([
        ("kubevirt.io", "virtualmachineinstances"), ("kubevirt.io", "virtualmachines"),
        ("kubevirt.io", "kubevirts"), ("", "namespaces"), ("", "resourcequotas"),
        ("k8s.cni.cncf.io", "network-attachment-definitions")])
    assert "5 VirtualMachineInstance, 2 VirtualMachine, 1 KubeVirt" in done.stdout

    files = write_vm_files(tmp_path / "vmis", cluster_vms())
    extra = write_vars(tmp_path / "vars.json", **namespace_objects())
    same = ansible_playbook(playbook("launcher_resources.yml"), "-e", "vmpod_vmi_dir=%s" % files,
                            "-e", extra, "-e", "vmpod_output_dir=%s" % (tmp_path / "files"))
    assert same.returncode == 0, same.stdout[-3000:]

    for name in ("launcher-resources.json", "launcher-resources.yaml"):
        assert (tmp_path / "cluster" / name).read_text() == (tmp_path / "files" / name).read_text()
    sized = {entry["name"]: entry for entry in
             json.loads((tmp_path / "cluster" / "launcher-resources.json").read_text())}
    # the running web-1 counts once (its VMI), the stopped batch-1 as its template
    assert sorted(sized) == ["batch-1", "db-1", "gpu-1", "router-1", "web-1", "web-2"]
    # the NAD's device (ExternalNetResourceInjection is disabled in the recorded KubeVirt CR)
    assert sized["router-1"]["limits"]["intel.com/sriov_netdevice"] == "1"
    # the quota with limits.memory in vms: automatic memory limits at the namespace's ratio 1.5;
    # the namespace's label matches autoCPULimitNamespaceLabelSelector: a CPU limit
    web = sized["web-1"]
    assert int(web["limits"]["memory"]) == int(int(web["requests"]["memory"]) * 1.5)
    assert web["limits"]["cpu"] == "2"


def test_one_namespace_is_read_through_its_own_paths(tmp_path):
    with FakeKubeApi() as api:
        kubeconfig = api.kubeconfig(str(tmp_path / "kubeconfig"))
        done = cluster_playbook(tmp_path, playbook("launcher_resources.yml"),
                                "-e", "vmpod_kubeconfig=%s" % kubeconfig, "-e", "vmpod_namespace=telco",
                                "-e", "vmpod_output_dir=%s" % (tmp_path / "out"))
        asked = api.lists()
    assert done.returncode == 0, done.stdout[-3000:]
    # (group, plural, namespace, name, labelSelector); KubeVirt is read wherever it is installed
    assert sorted(asked) == sorted([
        ("kubevirt.io", "virtualmachineinstances", "telco", None, ""),
        ("kubevirt.io", "virtualmachines", "telco", None, ""),
        ("kubevirt.io", "kubevirts", None, None, ""),
        ("", "namespaces", None, "telco", ""),
        ("", "resourcequotas", "telco", None, ""),
        ("k8s.cni.cncf.io", "network-attachment-definitions", "telco", None, "")])
    sized = json.loads((tmp_path / "out" / "launcher-resources.json").read_text())
    assert [entry["name"] for entry in sized] == ["router-1"]


def test_capacity_from_the_cluster_places_on_its_nodes_as_from_files(tmp_path):
    selectors = ["-e", "vmpod_label_selectors=app!=router",
                 "-e", "vmpod_node_label_selectors=kubevirt.io/schedulable=true"]
    with FakeKubeApi() as api:
        kubeconfig = api.kubeconfig(str(tmp_path / "kubeconfig"))
        done = cluster_playbook(tmp_path, playbook("capacity.yml"),
                                "-e", "vmpod_kubeconfig=%s" % kubeconfig, *selectors,
                                "-e", "vmpod_output_dir=%s" % (tmp_path / "cluster"))
        asked = api.lists()
    assert done.returncode == 0, done.stdout[-3000:]
    assert sorted(asked) == sorted([
        ("kubevirt.io", "virtualmachineinstances", None, None, "app!=router"),
        ("kubevirt.io", "virtualmachines", None, None, "app!=router"),
        ("kubevirt.io", "kubevirts", None, None, ""),
        ("", "namespaces", None, None, ""), ("", "resourcequotas", None, None, ""),
        ("k8s.cni.cncf.io", "network-attachment-definitions", None, None, ""),
        ("", "nodes", None, None, "kubevirt.io/schedulable=true")])

    nodes = [node for node in recorded_items("nodes.json")
             if node["metadata"]["labels"].get("kubevirt.io/schedulable") == "true"]
    node_file = tmp_path / "nodes.json"
    node_file.write_text(json.dumps({"apiVersion": "v1", "kind": "NodeList", "items": nodes}))
    files = write_vm_files(tmp_path / "vmis", cluster_vms(not_a_router))
    extra = write_vars(tmp_path / "vars.json", **namespace_objects())
    same = ansible_playbook(playbook("capacity.yml"), "-e", "vmpod_node_file=%s" % node_file,
                            "-e", "vmpod_vmi_dir=%s" % files, "-e", "vmpod_vmi_file=", "-e", extra,
                            "-e", "vmpod_output_dir=%s" % (tmp_path / "files"))
    assert same.returncode == 0, same.stdout[-3000:]
    for name in ("capacity.json", "capacity.md"):
        assert (tmp_path / "cluster" / name).read_text() == (tmp_path / "files" / name).read_text()

    report = json.loads((tmp_path / "cluster" / "capacity.json").read_text())
    # the schedulable Nodes are the hosts, their allocatable counted (kvm-c is cordoned, kvm-d
    # unreachable; cp-1 is not selected)
    expected = hosts_from_nodes(nodes)["hosts"]
    assert sorted(report["hosts"]) == sorted(expected) == ["arm-1", "kvm-a", "kvm-b"]
    kvm_a = expected["kvm-a"]
    # allocatable cpu 30 of 32: two reserved; 2Mi and 1Gi pools from hugepages-<size>
    assert len(kvm_a["cpus"]) == 32 and kvm_a["reserved_cpus"] == "0-1"
    assert "| kvm-a | 0 | 26 / 4 / 2 / 32 |" in (tmp_path / "cluster" / "capacity.md").read_text()
    assert sorted(report["placements"]) == ["batch-1", "db-1", "gpu-1", "web-1", "web-2"]


def test_a_drain_from_the_cluster_moves_the_vmis_of_a_node_as_from_files(tmp_path):
    with FakeKubeApi() as api:
        kubeconfig = api.kubeconfig(str(tmp_path / "kubeconfig"))
        done = cluster_playbook(tmp_path, playbook("drain_check.yml"),
                                "-e", "vmpod_kubeconfig=%s" % kubeconfig, "-e", "vmpod_drain=kvm-a",
                                "-e", "vmpod_label_selectors=app!=router",
                                "-e", "vmpod_output_dir=%s" % (tmp_path / "cluster"))
        asked = api.lists()
    assert done.returncode == 0, done.stdout[-3000:]
    # a stopped VirtualMachine runs nowhere: drain_check does not read VirtualMachines
    assert sorted(asked_for[:2] for asked_for in asked) == sorted([
        ("kubevirt.io", "virtualmachineinstances"), ("kubevirt.io", "kubevirts"), ("", "namespaces"),
        ("", "resourcequotas"), ("k8s.cni.cncf.io", "network-attachment-definitions"), ("", "nodes")])

    vmis = [obj for obj in cluster_vms(not_a_router) if obj["kind"] == "VirtualMachineInstance"]
    files = write_vm_files(tmp_path / "vmis", vmis)
    extra = write_vars(tmp_path / "vars.json", **namespace_objects())
    same = ansible_playbook(playbook("drain_check.yml"),
                            "-e", "vmpod_node_file=%s" % os.path.join(
                                os.path.dirname(__file__), "recorded", "nodes.json"),
                            "-e", "vmpod_vmi_dir=%s" % files, "-e", "vmpod_vmi_file=", "-e", extra,
                            "-e", "vmpod_drain=kvm-a", "-e", "vmpod_output_dir=%s" % (tmp_path / "files"))
    assert same.returncode == 0, same.stdout[-3000:]
    cluster = (tmp_path / "cluster" / "drain.json").read_text()
    assert cluster == (tmp_path / "files" / "drain.json").read_text()
    drain = json.loads(cluster)
    # web-1 and web-2 run on kvm-a (status.nodeName) and move; db-1 and gpu-1 stay on kvm-b
    assert drain["safe"] and sorted(vm["vmi"] for wave in drain["waves"] for vm in wave) == [
        "web-1", "web-2"]


def test_a_multus_vmi_is_placed_and_drained_where_its_network_device_is(tmp_path):
    # router-1 (telco) has an SR-IOV network whose NetworkAttachmentDefinition asks for
    # intel.com/sriov_netdevice; the recorded KubeVirt CR disables ExternalNetResourceInjection,
    # so its launcher Pod requests the device, and only kvm-a offers it
    with FakeKubeApi() as api:
        kubeconfig = api.kubeconfig(str(tmp_path / "kubeconfig"))
        placed = cluster_playbook(tmp_path, playbook("capacity.yml"),
                                  "-e", "vmpod_kubeconfig=%s" % kubeconfig,
                                  "-e", "vmpod_fleet_policy=spread",
                                  "-e", "vmpod_output_dir=%s" % (tmp_path / "capacity"))
        drained = cluster_playbook(tmp_path, playbook("drain_check.yml"),
                                   "-e", "vmpod_kubeconfig=%s" % kubeconfig, "-e", "vmpod_drain=kvm-a",
                                   "-e", "vmpod_output_dir=%s" % (tmp_path / "drain"))
    assert placed.returncode == 0, placed.stdout[-3000:]
    report = json.loads((tmp_path / "capacity" / "capacity.json").read_text())
    assert report["placements"]["router-1"] == "kvm-a"
    assert report["hosts"]["kvm-a"]["extended"]["intel.com/sriov_netdevice"] == {
        "allocatable": 8, "requested": 1}
    assert drained.returncode == 0, drained.stdout[-3000:]
    drain = json.loads((tmp_path / "drain" / "drain.json").read_text())
    assert not drain["safe"] and sorted(drain["blockers"]) == ["router-1"]
    assert any("intel.com/sriov_netdevice" in reason for reason in drain["blockers"]["router-1"]), \
        drain["blockers"]["router-1"]
    assert "router-1" in drained.stdout


def test_an_unreachable_api_server_fails_clearly_and_writes_nothing(tmp_path):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "gone", "cluster": {"server": "http://127.0.0.1:%d" % port}}],
        "users": [{"name": "gone", "user": {"token": "not-to-be-printed"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "gone"}}]}))
    out = tmp_path / "out"
    for name in ("launcher_resources.yml", "capacity.yml"):
        done = cluster_playbook(tmp_path, playbook(name),
                                "-e", "vmpod_kubeconfig=%s" % kubeconfig, "-e", "vmpod_output_dir=%s" % out)
        assert done.returncode != 0
        assert "Could not read VirtualMachineInstance objects from the cluster (kubeconfig %s)" % (
            kubeconfig) in done.stdout, done.stdout[-3000:]
        assert "not-to-be-printed" not in done.stdout
        assert not out.exists()
