# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.host_topology_info run as Ansible runs it: arguments in, one JSON result out."""

import json
import os
import types
from unittest import mock

import pytest
from vmpod_examples import ROOT
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.modules import host_topology_info

from vmpod_modules import module_result

# A two-socket host, 2 cores x 2 threads per socket, one node per socket; Linux numbers the
# siblings 0/4, 1/5 (socket 0) and 2/6, 3/7 (socket 1). cpu7 is offline.
SOCKET_OF = {0: 0, 1: 0, 2: 1, 3: 1, 4: 0, 5: 0, 6: 1}
SIBLINGS = {0: "0,4", 1: "1,5", 2: "2,6", 3: "3,7", 4: "0,4", 5: "1,5", 6: "2,6"}


def fake_tree(root):
    """Write the sysfs and /proc/meminfo files of the host above under ``root``."""
    files = {
        "sys/devices/system/cpu/online": "0-6\n",
        "sys/devices/system/cpu/offline": "7\n",
        "sys/devices/system/cpu/isolated": "2-7\n",
        "proc/meminfo": "MemTotal:       65839024 kB\n",
    }
    for cpu_id, socket in SOCKET_OF.items():
        topology = "sys/devices/system/cpu/cpu%d/topology/" % cpu_id
        files[topology + "physical_package_id"] = "%d\n" % socket
        files[topology + "core_id"] = "%d\n" % (cpu_id % 2)
        files[topology + "thread_siblings_list"] = SIBLINGS[cpu_id] + "\n"
    for node_id, (cpulist, kib, pools) in enumerate((
            ("0-1,4-5", 32919512, {2048: (512, 500), 1048576: (4, 4)}),
            ("2-3,6", 32919512, {2048: (0, 0), 1048576: (8, 6)}))):
        base = "sys/devices/system/node/node%d/" % node_id
        files[base + "cpulist"] = cpulist + "\n"
        files[base + "distance"] = "10 21\n" if node_id == 0 else "21 10\n"
        files[base + "meminfo"] = "Node %d MemTotal:       %d kB\nNode %d MemFree: 1 kB\n" % (
            node_id, kib, node_id)
        for size_kib, (total, free) in pools.items():
            pool = base + "hugepages/hugepages-%dkB/" % size_kib
            files[pool + "nr_hugepages"] = "%d\n" % total
            files[pool + "free_hugepages"] = "%d\n" % free
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    for cpu_id in SOCKET_OF:
        os.symlink("../../node/node%d" % SOCKET_OF[cpu_id],
                   str(root / ("sys/devices/system/cpu/cpu%d/node%d" % (cpu_id, SOCKET_OF[cpu_id]))))
    (root / "sys/devices/system/cpu/cpu7").mkdir()  # offline: no topology directory
    return root


def run_module(capsys, **args):
    """main() with ``args``, as Ansible would call it: the parsed JSON result."""
    return module_result(host_topology_info.main, capsys, args)


EXPECTED = {
    "cpus": [
        {"id": 0, "socket": 0, "core": 0, "node": 0},
        {"id": 1, "socket": 0, "core": 1, "node": 0},
        {"id": 2, "socket": 1, "core": 0, "node": 1},
        {"id": 3, "socket": 1, "core": 1, "node": 1},
        {"id": 4, "socket": 0, "core": 0, "node": 0},
        {"id": 5, "socket": 0, "core": 1, "node": 0},
        {"id": 6, "socket": 1, "core": 0, "node": 1},
    ],
    "nodes": [
        {"id": 0, "memory": "32919512Ki", "distances": [10, 21],
         "hugepages": {"2Mi": {"total": 512, "free": 500}, "1Gi": {"total": 4, "free": 4}}},
        {"id": 1, "memory": "32919512Ki", "distances": [21, 10],
         "hugepages": {"2Mi": {"total": 0, "free": 0}, "1Gi": {"total": 8, "free": 6}}},
    ],
    "isolated_cpus": "2-6",
}


def test_reads_the_tree_under_sysfs_root(tmp_path, capsys):
    result = run_module(capsys, sysfs_root=str(fake_tree(tmp_path)))
    assert result["changed"] is False
    assert "failed" not in result
    assert result["host"] == EXPECTED
    read_host(result["host"])


def pci_tree(root):
    """An A10 GPU on node 1, bound to vfio-pci (links as the kernel makes them), and a bridge."""
    devices = (("0000:3b:00.0", "0x10de", "0x2236", "0x030200", "1"),
               ("0000:00:01.0", "0x8086", "0x2030", "0x060400", "0"))
    for address, vendor, device, pci_class, node in devices:
        base = root / "sys/bus/pci/devices" / address
        base.mkdir(parents=True)
        for name, text in (("vendor", vendor), ("device", device), ("class", pci_class), ("numa_node", node)):
            (base / name).write_text(text + "\n")
    os.symlink("../../../../bus/pci/drivers/vfio-pci", str(root / "sys/bus/pci/devices/0000:3b:00.0/driver"))
    return root


def test_pci_devices_are_read_and_read_back_by_the_planner(tmp_path, capsys):
    root = pci_tree(fake_tree(tmp_path))
    result = run_module(capsys, sysfs_root=str(root))
    assert result["host"]["pci_devices"] == [
        {"address": "0000:3b:00.0", "vendor": "10de", "device": "2236", "class": "0x030200",
         "kind": "gpu", "numa_node": 1, "driver": "vfio-pci"}]
    assert read_host(result["host"]).pci_devices[0].numa_node == 1
    result = run_module(capsys, sysfs_root=str(root), pci_devices=False)
    assert result["host"] == EXPECTED


def test_check_mode_gives_the_same_result(tmp_path, capsys):
    result = run_module(capsys, sysfs_root=str(fake_tree(tmp_path)), _ansible_check_mode=True)
    assert result["changed"] is False
    assert result["host"] == EXPECTED


def test_reserved_and_used_cpus_are_returned_in_canonical_form(tmp_path, capsys):
    result = run_module(capsys, sysfs_root=str(fake_tree(tmp_path)),
                        reserved_cpus="4,0", used_cpus=" 2-3 , 6")
    assert result["host"]["reserved_cpus"] == "0,4"
    assert result["host"]["used_cpus"] == "2-3,6"
    parsed = read_host(result["host"])
    assert parsed.available() == frozenset((1, 5))


@pytest.mark.parametrize("args, message", [
    ({"reserved_cpus": "0,16"},
     "reserved_cpus: '0,16' names CPUs the host does not have: 16"),
    ({"reserved_cpus": "7"},  # offline
     "reserved_cpus: '7' names CPUs the host does not have: 7"),
    ({"used_cpus": "0-99x"}, "used_cpus: '0-99x' is not a CPU set"),
    ({"reserved_cpus": "0-1", "used_cpus": "1-2"}, "used_cpus: '1-2' overlaps reserved_cpus"),
])
def test_bad_cpusets_fail_naming_the_option(tmp_path, capsys, args, message):
    result = run_module(capsys, sysfs_root=str(fake_tree(tmp_path)), **args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert "host" not in result


def test_a_root_without_sysfs_fails_with_a_message(tmp_path, capsys):
    result = run_module(capsys, sysfs_root=str(tmp_path))
    assert result["failed"] is True
    assert result["msg"] == "sys/devices/system/cpu/online is required"


def test_a_bad_file_fails_naming_it(tmp_path, capsys):
    root = fake_tree(tmp_path)
    (root / "sys/devices/system/node/node1/distance").write_text("21 ten\n")
    result = run_module(capsys, sysfs_root=str(root))
    assert result["msg"] == (
        "sys/devices/system/node/node1/distance: '21 ten' is not a list of integers")


def test_no_numa_tree(tmp_path, capsys):
    root = fake_tree(tmp_path)
    for path in sorted((root / "sys/devices/system/node").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    for link in (root / "sys/devices/system/cpu").glob("cpu*/node*"):
        link.unlink()
    pool = root / "sys/kernel/mm/hugepages/hugepages-2048kB"
    pool.mkdir(parents=True)
    (pool / "nr_hugepages").write_text("64\n")
    (pool / "free_hugepages").write_text("60\n")
    host = run_module(capsys, sysfs_root=str(root))["host"]
    assert host["nodes"] == [{"id": 0, "memory": "65839024Ki", "distances": [10],
                              "hugepages": {"2Mi": {"total": 64, "free": 60}}}]
    assert {cpu["node"] for cpu in host["cpus"]} == {0}


def test_libvirt_source_without_the_bindings_fails_clearly(capsys):
    with mock.patch.object(host_topology_info, "libvirt", None):
        result = run_module(capsys, source="libvirt")
    assert result["failed"] is True
    assert "Failed to import the required Python library (libvirt-python)" in result["msg"]


CAPABILITIES = """<capabilities><host><topology><cells num='1'><cell id='0'>
  <memory unit='KiB'>8388608</memory>
  <pages unit='KiB' size='4'>2097152</pages>
  <pages unit='KiB' size='2048'>128</pages>
  <distances><sibling id='0' value='10'/></distances>
  <cpus num='2'>
    <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0-1'/>
    <cpu id='1' socket_id='0' die_id='0' core_id='0' siblings='0-1'/>
  </cpus>
</cell></cells></topology></host></capabilities>"""


class FakeLibvirtError(Exception):
    pass


def fake_libvirt(opened):
    """A stand-in for the libvirt module: openReadOnly records the URI."""
    def open_read_only(uri):
        opened.append(uri)
        if uri.startswith("qemu+ssh://"):
            raise FakeLibvirtError("Cannot recv data: Host key verification failed.")
        return mock.Mock(getCapabilities=mock.Mock(return_value=CAPABILITIES))
    return types.SimpleNamespace(openReadOnly=open_read_only, libvirtError=FakeLibvirtError)


def test_libvirt_source_reads_the_capabilities_read_only(capsys):
    opened = []
    with mock.patch.object(host_topology_info, "libvirt", fake_libvirt(opened)):
        result = run_module(capsys, source="libvirt", reserved_cpus="0-1")
    assert opened == ["qemu:///system"]
    assert result["changed"] is False
    assert result["host"] == {
        "cpus": [{"id": 0, "socket": 0, "core": 0, "node": 0},
                 {"id": 1, "socket": 0, "core": 0, "node": 0}],
        "nodes": [{"id": 0, "memory": "8Gi", "distances": [10],
                   "hugepages": {"2Mi": {"total": 128, "free": 128}}}],
        "reserved_cpus": "0-1",
    }


def test_libvirt_errors_fail_with_the_uri(capsys):
    uri = "qemu+ssh://root@kvm-01.example.com/system"
    with mock.patch.object(host_topology_info, "libvirt", fake_libvirt([])), \
            mock.patch.object(host_topology_info, "LIBVIRT_ERRORS", (FakeLibvirtError,)):
        result = run_module(capsys, source="libvirt", uri=uri)
    assert result["failed"] is True
    assert result["msg"] == "libvirt at %s: Cannot recv data: Host key verification failed." % uri


def test_unknown_option_is_refused(capsys):
    result = run_module(capsys, sysfs="/")
    assert result["failed"] is True
    assert "sysfs" in result["msg"]


@pytest.mark.skipif(not os.path.isfile("/sys/devices/system/cpu/online"),
                    reason="needs a Linux /sys")
def test_this_machine(capsys):
    result = run_module(capsys, reserved_cpus="0")
    host = read_host(result["host"])
    assert len(host.cpus) >= 1
    assert host.reserved == frozenset((0,))


# -- examples/hosts: the shapes their headers describe ---------------------------------------

EXAMPLES = os.path.join(ROOT, "examples", "hosts")


def example_host(name):
    with open(os.path.join(EXAMPLES, name + ".yaml")) as handle:
        text = handle.read()
    assert text.startswith("# "), "%s.yaml starts with a comment saying what it models" % name
    data = yaml.safe_load(text)
    assert data["name"] == name
    return read_host(data)


def test_every_example_host_is_valid_host_data():
    names = sorted(f[:-5] for f in os.listdir(EXAMPLES) if f.endswith(".yaml"))
    assert {"this-machine", "dual-socket-server", "epyc-4-node", "no-smt",
            "asymmetric"} <= set(names)
    for name in names:
        example_host(name)


def test_this_machine_example():
    host = example_host("this-machine")
    assert (len(host.cpus), host.sockets(), len(host.nodes)) == (2, [0], 1)


def test_dual_socket_server_example():
    host = example_host("dual-socket-server")
    assert (len(host.cpus), host.sockets(), host.threads_per_core()) == (32, [0, 1], 2)
    assert host.siblings(0) == (0, 16) and host.siblings(8) == (8, 24)
    # the kubelet keeps the first core of each socket with its sibling
    assert host.reserved == frozenset(host.siblings(0) + host.siblings(8))
    assert [node.cpus for node in host.nodes] == [
        tuple(range(0, 8)) + tuple(range(16, 24)), tuple(range(8, 16)) + tuple(range(24, 32))]
    assert sorted(host.nodes[0].hugepages) == [2 << 20, 1 << 30]


def test_epyc_4_node_example():
    host = example_host("epyc-4-node")
    assert (len(host.cpus), host.sockets(), host.threads_per_core()) == (64, [0], 2)
    assert [len(node.cpus) for node in host.nodes] == [16, 16, 16, 16]
    assert [list(node.distances) for node in host.nodes] == [
        [10 if i == j else 12 for j in range(4)] for i in range(4)]
    assert all(host.siblings(n) == (n, n + 32) for n in range(32))


def test_no_smt_example():
    host = example_host("no-smt")
    assert (len(host.cpus), host.sockets(), host.threads_per_core()) == (16, [0, 1], 1)
    assert [node.cpus for node in host.nodes] == [tuple(range(8)), tuple(range(8, 16))]


def sizes_in_use(node):
    return sorted(size for size, pool in node.hugepages.items() if pool.total)


def test_asymmetric_example():
    host = example_host("asymmetric")
    small, large = host.nodes
    assert small.memory < large.memory
    assert (sizes_in_use(small), sizes_in_use(large)) == ([2 << 20], [2 << 20, 1 << 30])
    assert any(pool.free < pool.total for node in host.nodes for pool in node.hugepages.values())
    assert host.used <= frozenset(small.cpus + large.cpus) - host.reserved


# Kubelet checkpoints in the shapes pkg/kubelet/cm/{cpumanager,memorymanager}/state write
CPU_MANAGER_STATE = {"policyName": "static", "defaultCpuSet": "0,2-3,6",
                     "entries": {"9f1c-pod-uid": {"compute": "1,5"}, "77aa-pod-uid": {"compute": "4"}},
                     "checksum": 1234}
MEMORY_MANAGER_STATE = {"policyName": "Static", "machineState": {
    "0": {"numberOfAssignments": 1, "cells": [0], "memoryMap": {
        "hugepages-2Mi": {"total": 1073741824, "systemReserved": 0, "allocatable": 1073741824,
                          "reserved": 104857600, "free": 968884224},
        "memory": {"total": 33709580288, "systemReserved": 0, "allocatable": 33709580288,
                   "reserved": 0, "free": 33709580288}}},
    "1": {"numberOfAssignments": 1, "cells": [1], "memoryMap": {
        "hugepages-1Gi": {"total": 8589934592, "systemReserved": 0, "allocatable": 8589934592,
                          "reserved": 4294967296, "free": 4294967296}}}}, "checksum": 99}


def test_kubelet_state_fills_the_used_cpus_and_hugepages(tmp_path, capsys):
    kubelet = tmp_path / "kubelet"
    kubelet.mkdir()
    (kubelet / "cpu_manager_state").write_text(json.dumps(CPU_MANAGER_STATE))
    (kubelet / "memory_manager_state").write_text(json.dumps(MEMORY_MANAGER_STATE))
    sysfs = fake_tree(tmp_path / "root")
    result = run_module(capsys, sysfs_root=str(sysfs), kubelet_root=str(kubelet), used_cpus="6")
    host = result["host"]
    assert host["used_cpus"] == "1,4-6"  # the given 6 and the CPU manager's 1,5 and 4
    nodes = {node["id"]: node for node in host["nodes"]}
    # node 0: 512 2Mi pages, 500 free by sysfs; the memory manager reserved 50 -> 462 left
    assert nodes[0]["hugepages"]["2Mi"] == {"total": 512, "free": 462}
    # node 1: 8 1Gi pages, 6 free by sysfs, 4 reserved -> 4 left
    assert nodes[1]["hugepages"]["1Gi"] == {"total": 8, "free": 4}
    read_host(host)


def test_a_kubelet_root_without_checkpoints_changes_nothing(tmp_path, capsys):
    sysfs = fake_tree(tmp_path / "root")
    plain = run_module(capsys, sysfs_root=str(sysfs))["host"]
    assert run_module(capsys, sysfs_root=str(sysfs), kubelet_root=str(tmp_path))["host"] == plain


def test_a_broken_checkpoint_fails_naming_it(tmp_path, capsys):
    (tmp_path / "cpu_manager_state").write_text("{not json")
    result = run_module(capsys, sysfs_root=str(fake_tree(tmp_path / "root")), kubelet_root=str(tmp_path))
    assert result["failed"] and "cpu_manager_state" in result["msg"]
