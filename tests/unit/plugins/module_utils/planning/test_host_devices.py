# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VM's GPUs and host devices on a host that lists its PCI devices: the device resolved by the
cluster's pciVendorSelector (KubeVirt's permittedHostDevices), and the pinned CPUs and hugepages
put on its NUMA node as the kubelet's Topology Manager does with the device manager's hints
(pkg/kubelet/cm/devicemanager/topology_hints.go)."""

import copy

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubelet.device_manager import device_hints
from ansible_collections.vmpod.core.plugins.module_utils.kubelet.topology_manager import TopologyHint
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from vmpod_placement_data import dedicated_vmi, host_data

A10 = "nvidia.com/GA102GL_A10"
CONFIG = {"permittedHostDevices": {"pciHostDevices": [
    {"pciVendorSelector": "10DE:2236", "resourceName": A10}]}}
GPU = {"address": "0000:3b:00.0", "vendor": "10de", "device": "2236", "class": "0x030200",
       "kind": "gpu", "numa_node": 1, "driver": "vfio-pci"}
NODE0 = parse_cpuset("0-3,8-11")  # host_data(): socket 0 is node 0, socket 1 node 1
NODE1 = parse_cpuset("4-7,12-15")


def gpu_host(used="", devices=(GPU,), pages_1g=8):
    host = host_data(sockets=2, cores=4, threads=2, pages_1g=pages_1g, used=used)
    host["pci_devices"] = [dict(device) for device in devices]
    return host


def gpu_vmi(gpus=1):
    vmi = dedicated_vmi(cores=4, memory="4Gi", page="1Gi")
    vmi["spec"]["domain"]["devices"] = {
        "gpus": [{"name": "gpu%d" % index, "deviceName": A10} for index in range(1, gpus + 1)]}
    return vmi


def plan_of(host, policy, vmi=None):
    return plan_placement(vmi or gpu_vmi(), host, config=CONFIG, options={"topology_policy": policy})


def test_without_the_device_the_kubelet_takes_node_0():
    host = gpu_host()
    del host["pci_devices"]
    plan = plan_of(host, "single-numa-node")
    assert plan["fits"]
    assert parse_cpuset(plan["cpuset"]) <= NODE0
    assert "devices" not in plan and "notes" not in plan  # a host without PCI data: as before


@pytest.mark.parametrize("policy", ["single-numa-node", "restricted", "best-effort"])
def test_cpus_and_hugepages_go_to_the_gpu_node(policy):
    plan = plan_of(gpu_host(), policy)
    assert plan["fits"], plan["reasons"]
    assert parse_cpuset(plan["cpuset"]) <= NODE1
    assert len(parse_cpuset(plan["cpuset"])) == 4
    assert plan["hugepages"]["per_node"] == {"1": 4}
    assert plan["devices"] == [{"name": "gpu1", "source": "gpus", "resource": A10,
                                "address": "0000:3b:00.0", "vendor": "10de", "device": "2236",
                                "numa_node": 1}]
    assert "notes" not in plan


@pytest.mark.parametrize("policy", ["single-numa-node", "restricted"])
def test_gpu_node_without_free_cpus_does_not_fit(policy):
    plan = plan_of(gpu_host(used="4-7,12-15"), policy)
    assert not plan["fits"]
    assert plan["reasons"] == [
        "topology manager policy %s: %s 0000:3b:00.0 is on NUMA node 1, which has only 0 free "
        "CPUs of the 4 exclusive CPUs needed" % (policy, A10)]


def test_gpu_node_without_free_hugepages_names_the_pages():
    host = gpu_host()
    host["nodes"][1]["hugepages"]["1Gi"]["free"] = 2
    plan = plan_of(host, "single-numa-node")
    assert not plan["fits"]
    assert plan["reasons"] == [
        "topology manager policy single-numa-node: %s 0000:3b:00.0 is on NUMA node 1, which has "
        "only 2 free 1Gi hugepages of the 4 needed" % A10]


def test_best_effort_places_elsewhere_with_a_note():
    plan = plan_of(gpu_host(used="4-7,12-15"), "best-effort")
    assert plan["fits"], plan["reasons"]
    assert parse_cpuset(plan["cpuset"]) <= NODE0
    assert plan["hugepages"]["per_node"] == {"0": 4}
    assert plan["devices"][0]["numa_node"] == 1
    assert plan["notes"] == [
        "%s 0000:3b:00.0 (gpus gpu1) is on NUMA node 1, the pinned CPUs on node 0, hugepages on "
        "node 0 (topology manager policy best-effort could not align them)" % A10]


def test_policy_none_aligns_nothing_and_says_so():
    plan = plan_of(gpu_host(), "none")
    assert plan["fits"]
    assert parse_cpuset(plan["cpuset"]) <= NODE0  # the static CPU manager alone: node 0 first
    assert plan["devices"][0]["address"] == "0000:3b:00.0"
    assert plan["notes"] == [
        "%s 0000:3b:00.0 (gpus gpu1) is on NUMA node 1, the pinned CPUs on node 0, hugepages on "
        "node 0 (topology manager policy none aligns nothing)" % A10]


@pytest.mark.parametrize("device, detail", [
    (dict(GPU, vendor="1002", device="740f"), "0 with PCI id 10de:2236"),
    (dict(GPU, driver="nvidia"), "1 with PCI id 10de:2236, 1 of them not bound to vfio-pci"),
    (dict(GPU, used=True), "1 with PCI id 10de:2236, 1 held by running VMs"),
])
def test_no_free_device_of_that_id_does_not_fit(device, detail):
    plan = plan_of(gpu_host(devices=[device]), "single-numa-node")
    assert not plan["fits"]
    assert plan["reasons"] == ["%s: the VM asks 1, the host has 0 free (%s)" % (A10, detail)]


def test_an_external_provider_counts_devices_whatever_their_driver():
    config = copy.deepcopy(CONFIG)
    config["permittedHostDevices"]["pciHostDevices"][0]["externalResourceProvider"] = True
    plan = plan_placement(gpu_vmi(), gpu_host(devices=[dict(GPU, driver="nvidia")]), config=config,
                          options={"topology_policy": "single-numa-node"})
    assert plan["fits"]
    assert parse_cpuset(plan["cpuset"]) <= NODE1


def test_two_gpus_one_per_node_cannot_share_a_single_node():
    devices = [dict(GPU, address="0000:3b:00.0", numa_node=0), dict(GPU, address="0000:af:00.0")]
    vmi = gpu_vmi(gpus=2)
    plan = plan_of(gpu_host(devices=devices), "single-numa-node", vmi)
    assert not plan["fits"]
    assert "is on NUMA node 0, which has room" in plan["reasons"][0]
    plan = plan_of(gpu_host(devices=devices), "best-effort", vmi)
    assert plan["fits"]
    assert sorted(d["address"] for d in plan["devices"]) == ["0000:3b:00.0", "0000:af:00.0"]


def test_device_of_unknown_node_is_taken_with_a_note():
    plan = plan_of(gpu_host(devices=[dict(GPU, numa_node=-1)]), "single-numa-node")
    assert plan["fits"]
    assert plan["devices"][0]["numa_node"] == -1
    assert plan["notes"] == ["%s 0000:3b:00.0 (gpus gpu1) has no known NUMA node (numa_node -1): "
                             "nothing aligned with it" % A10]


def test_a_resource_without_selector_is_noted_not_refused():
    plan = plan_placement(gpu_vmi(), gpu_host(), options={"topology_policy": "single-numa-node"})
    assert plan["fits"]
    assert plan["devices"] == []
    assert "gives it no pciVendorSelector" in plan["notes"][0]


# -- the device manager's hints (topology_hints.go generateDeviceTopologyHints) -----------------

def test_device_hints_prefer_the_narrowest_node_set():
    assert device_hints([0, 1], [1], [1], 1) == [TopologyHint(frozenset({1}), True),
                                                 TopologyHint(frozenset({0, 1}), False)]
    # no device with a node: no preference; too few free: fits nowhere
    assert device_hints([0, 1], [-1], [-1], 1) is None
    assert device_hints([0, 1], [0, 1], [1], 2) == [TopologyHint(None, False)]
    # two asked, one per node: only both nodes hold them, and that is the narrowest: preferred
    assert device_hints([0, 1], [0, 1], [0, 1], 2) == [TopologyHint(frozenset({0, 1}), True)]


# -- reading the host's and the cluster's data ------------------------------------------------------

@pytest.mark.parametrize("change, path, problem", [
    ({"vendor": "nvidia"}, "host.pci_devices[0].vendor", "is not a PCI vendor id"),
    ({"address": "3b:00.0"}, "host.pci_devices[0].address", "is not a PCI address"),
    ({"numa_node": 3}, "host.pci_devices[0].numa_node", "names no node in nodes"),
    ({"kind": "fpga"}, "host.pci_devices[0].kind", "must be one of gpu, nic, other"),
    ({"sriov_totalvfs": 4, "sriov_numvfs": 8}, "host.pci_devices[0].sriov_numvfs",
     "exceeds sriov_totalvfs"),
])
def test_bad_pci_device_names_the_field(change, path, problem):
    with pytest.raises(VmpodInputError) as err:
        read_host(gpu_host(devices=[dict(GPU, **change)]))
    assert err.value.path == path
    assert problem in str(err.value)


def test_a_device_listed_twice_is_refused():
    with pytest.raises(VmpodInputError, match="names a PCI device listed before") as err:
        read_host(gpu_host(devices=[GPU, dict(GPU, numa_node=0)]))
    assert err.value.path == "host.pci_devices[1].address"


def test_host_reads_unquoted_ids_and_derives_kind_from_class():
    device = dict(GPU, vendor=8086, device="0x1592", **{"class": "0x020000"})
    del device["kind"]
    read = read_host(gpu_host(devices=[device])).pci_devices[0]
    assert (read.vendor, read.device, read.kind, read.numa_node) == ("8086", "1592", "nic", 1)


def test_config_reads_selectors_by_resource():
    cfg = read_config({"permittedHostDevices": {"pciHostDevices": [
        {"pciVendorSelector": "10DE:2236", "resourceName": A10},
        {"pciVendorSelector": "10de:2237", "resourceName": A10, "externalResourceProvider": True}]}})
    assert cfg.pci_resources[A10].ids == frozenset({("10de", "2236"), ("10de", "2237")})
    assert cfg.pci_resources[A10].external
    with pytest.raises(VmpodInputError, match="must be vendor:device") as err:
        read_config({"permittedHostDevices": {"pciHostDevices": [
            {"pciVendorSelector": "10DE-2236", "resourceName": A10}]}})
    assert err.value.path == "config.permittedHostDevices.pciHostDevices[0].pciVendorSelector"


def test_a_fleet_gives_each_vm_its_own_device_and_the_cpus_beside_it():
    """place_fleet holds the devices a VM got: the next VM on the host takes the other GPU (on
    the other node) and its CPUs there; with both held, a third has none left."""
    from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet
    second = dict(GPU, address="0000:af:00.0", numa_node=0)
    host = gpu_host(devices=(GPU, second))
    host["name"] = "gpu-host"
    host["extended_resources"] = {A10: 2}  # what the device plugin advertises
    vmis = []
    for index in range(3):
        vmi = copy.deepcopy(gpu_vmi())
        vmi["metadata"]["name"] = "vm-%d" % index
        vmis.append(vmi)
    result = place_fleet(vmis, [host], CONFIG, options={"topology_policy": "single-numa-node"})
    plans = result["plans"]
    assert result["placements"] == {"vm-0": "gpu-host", "vm-1": "gpu-host", "vm-2": None}
    got = [(plans[name]["devices"][0]["address"], plans[name]["devices"][0]["numa_node"])
           for name in ("vm-0", "vm-1")]
    assert sorted(got) == [("0000:3b:00.0", 1), ("0000:af:00.0", 0)]
    for name in ("vm-0", "vm-1"):
        node = plans[name]["devices"][0]["numa_node"]
        assert parse_cpuset(plans[name]["cpuset"]) <= (NODE1 if node == 1 else NODE0)
    assert result["unplaced"]["vm-2"] == [
        "no host has room left for it (gpu-host could take it before this placement's VMs)",
        "gpu-host: the Pod requests 1 %s, 0 of the host's 2 are left (kube-scheduler: "
        "Insufficient %s)" % (A10, A10)]
    # a device plugin that advertises more than the host's free devices: the devices decide
    host["extended_resources"] = {A10: 3}
    result = place_fleet(vmis, [host], CONFIG, options={"topology_policy": "single-numa-node"})
    assert result["placements"]["vm-2"] is None
    assert any("the VM asks 1, the host has 0 free" in reason and "2 held by running VMs" in reason
               for reason in result["unplaced"]["vm-2"]), result["unplaced"]["vm-2"]
