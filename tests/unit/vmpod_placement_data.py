# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts, VMIs and invariants shared by the placement, migration, fleet and picture tests."""

import glob
import os

import yaml
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

from vmpod_examples import ROOT

GI = 2 ** 30


def load(pattern):
    docs = {}
    for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
        with open(path) as handle:
            for doc in yaml.safe_load_all(handle):
                if doc:
                    docs[doc.get("metadata", {}).get("name") or os.path.basename(path)] = doc
    return docs


HOSTS = {os.path.basename(p)[:-5]: yaml.safe_load(open(p))
         for p in sorted(glob.glob(os.path.join(ROOT, "examples", "hosts", "*.yaml")))}
VMIS = load("examples/vmis/*.yaml")


def host_data(sockets=2, cores=4, threads=2, nodes_per_socket=1, pages_1g=8, pages_2m=0,
              reserved="", used=""):
    """Intel-style numbering: thread t of core c on socket s is s*cores + c + t*sockets*cores."""
    total_cores = sockets * cores
    node_count = sockets * nodes_per_socket
    cpus = []
    for thread in range(threads):
        for socket in range(sockets):
            for core in range(cores):
                node = socket * nodes_per_socket + core * nodes_per_socket // cores
                cpus.append({"id": socket * cores + core + thread * total_cores,
                             "socket": socket, "core": core, "node": node})
    nodes = [{"id": n, "memory": "64Gi", "distances": [10 if m == n else 21 for m in range(node_count)],
              "hugepages": {"1Gi": {"total": pages_1g, "free": pages_1g},
                            "2Mi": {"total": pages_2m, "free": pages_2m}}}
             for n in range(node_count)]
    return {"cpus": cpus, "nodes": nodes, "reserved_cpus": reserved, "used_cpus": used}


def dedicated_vmi(cores=2, threads=1, memory="4Gi", page=None, passthrough=False, emulator=False,
                  name="vm", annotations=None):
    cpu = {"cores": cores, "threads": threads, "dedicatedCpuPlacement": True}
    if passthrough:
        cpu["numa"] = {"guestMappingPassthrough": {}}
    if emulator:
        cpu["isolateEmulatorThread"] = True
    domain = {"cpu": cpu, "resources": {"requests": {"memory": memory}}}
    if page:
        domain["memory"] = {"hugepages": {"pageSize": page}}
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": name, "annotations": annotations or {}}, "spec": {"domain": domain}}


def check_invariants(vmi, host, plan):
    """What every plan must satisfy on its host."""
    topo = read_host(host)
    if not plan["fits"]:
        assert plan["reasons"] and all(isinstance(r, str) and r for r in plan["reasons"])
        return
    assert plan["reasons"] == []
    if plan["cpuset"] is None:
        assert plan["vcpupin"] is None
    else:
        cpuset = parse_cpuset(plan["cpuset"])
        assert len(cpuset) == plan["pcpus"]
        assert not cpuset & (topo.reserved | topo.used), "reserved or used CPU given out"
        pins = plan["vcpupin"]
        assert len(set(pins)) == len(pins), "two vCPUs on one pCPU"
        assert set(pins) <= cpuset
        emulator = parse_cpuset(plan["emulatorpin"]) if plan["emulatorpin"] else frozenset()
        assert emulator <= cpuset and not emulator & set(pins)
        for iothread_cpus in plan["iothreadpin"].values():
            assert parse_cpuset(iothread_cpus) <= cpuset
    pages = plan["hugepages"]
    if pages:
        size = parse_quantity(pages["page_size"]).value()
        needed = parse_quantity(launcher_resources(vmi)["requests"]["hugepages-" + (
            vmi["spec"]["domain"]["memory"]["hugepages"]["pageSize"])]).value() // size
        assert sum(pages["per_node"].values()) == needed
        for node, count in pages["per_node"].items():
            pool = topo.node_by_id[int(node)].hugepages.get(size)
            assert pool is not None and count <= pool.free, "a node's pool over-committed"
    if plan["numa_cells"]:
        total = sum(cell["memory_bytes"] for cell in plan["numa_cells"])
        cell_vcpus = sorted(v for cell in plan["numa_cells"] for v in cell["vcpus"])
        assert cell_vcpus == list(range(len(cell_vcpus)))
        if pages:
            assert total == sum(pages["per_node"].values()) * size
            for cell in plan["numa_cells"]:
                assert cell["memory_bytes"] % size == 0
        if plan["vcpupin"] and plan["numa_cells"][0].get("host_node") is not None:
            by_node = {cell["host_node"] for cell in plan["numa_cells"]}
            assert by_node, plan


@st.composite
def hosts(draw):
    sockets = draw(st.integers(1, 2))
    cores = draw(st.integers(1, 8))
    threads = draw(st.integers(1, 2))
    per_socket = draw(st.sampled_from([1, 2])) if cores % 2 == 0 else 1
    data = host_data(sockets, cores, threads, per_socket, pages_1g=draw(st.integers(0, 8)),
                     pages_2m=draw(st.integers(0, 2048)))
    ids = [cpu["id"] for cpu in data["cpus"]]
    taken = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids) // 3))
    split = draw(st.integers(0, len(taken)))
    data["reserved_cpus"] = ",".join(map(str, taken[:split]))
    data["used_cpus"] = ",".join(map(str, taken[split:]))
    for node in data["nodes"]:
        for pool in node["hugepages"].values():
            pool["free"] = draw(st.integers(0, pool["total"]))
    return data


@st.composite
def vms(draw):
    threads = draw(st.integers(1, 2))
    cores = draw(st.integers(1, 4))
    page = draw(st.sampled_from([None, "2Mi", "1Gi"]))
    units = draw(st.integers(1, 6))
    memory = "%dGi" % units if page != "2Mi" else "%dMi" % (units * 256)
    passthrough = page is not None and draw(st.booleans())
    return dedicated_vmi(cores=cores, threads=threads, memory=memory, page=page,
                         passthrough=passthrough, emulator=draw(st.booleans()),
                         annotations=draw(st.sampled_from(
                             [{}, {"alpha.kubevirt.io/EmulatorThreadCompleteToEvenParity": ""}])))
