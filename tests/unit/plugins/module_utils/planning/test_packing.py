# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet's reads: VMIs and hosts that look alike are read (sized) once, and each keeps what
reading it on its own gives."""

import copy
import gc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import size_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import Host, HostNode, read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.fleet_vms import (
    FleetVm, fleet_vm, read_fleet_vmis)
from ansible_collections.vmpod.core.plugins.module_utils.planning.host_order import RoomIndex
from ansible_collections.vmpod.core.plugins.module_utils.planning.packing import (
    collector_paused, read_fleet_hosts, take, try_place)
from ansible_collections.vmpod.core.plugins.module_utils.planning.options import read_options

from vmpod_placement_data import dedicated_vmi, host_data

CONFIG = {"developerConfiguration": {"cpuAllocationRatio": 4, "memoryOvercommit": 150}}


def shared_vmi(name, namespace=None, cores=2):
    metadata = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    return {"kind": "VirtualMachineInstance", "metadata": metadata,
            "spec": {"domain": {"cpu": {"cores": cores},
                                "resources": {"requests": {"memory": "2Gi"}}}}}


def look_alikes():
    """Copies of three VMIs, told apart by name, namespace or uid only."""
    vmis = []
    for index in range(4):
        vmis.append(shared_vmi("web-%d" % index, namespace="ns-%d" % (index % 2)))
        vmis.append(dedicated_vmi(cores=2, threads=2, page="1Gi", name="db-%d" % index))
        vmis.append(shared_vmi("big-%d" % index, cores=8))
    vmis[-1]["metadata"]["uid"] = "6d1e0b4e-8a64-4c3b-9f41-0d5b2d9f3a10"
    return vmis


def test_vmis_alike_but_for_who_they_are_are_each_what_reading_it_alone_gives():
    cfg = read_config(CONFIG)
    vmis = look_alikes()
    read = read_fleet_vmis(vmis, cfg, "amd64")
    for index, (vm, obj) in enumerate(zip(read, vmis)):
        alone = fleet_vm(index, size_vmi(read_vmi(obj, "amd64", with_pod=True), cfg), cfg)
        assert vm.vmi == alone.vmi and vm.sized == alone.sized
        assert vm.sized.vmi is vm.vmi and vm.vmi.name == obj["metadata"]["name"]
        for slot in FleetVm.__slots__:
            if slot not in ("vmi", "sized", "name"):
                assert getattr(vm, slot) == getattr(alone, slot), slot
    # the look-alikes share their sized values: three sizings for twelve VMIs
    assert len(set(id(vm.sized.requests) for vm in read)) == 3


def host_slots(host):
    values = dict((slot, getattr(host, slot)) for slot in Host.__slots__ if slot != "derived")
    values["cpus"] = [repr(cpu) for cpu in host.cpus]
    values["cpu_by_id"] = dict((cpu_id, repr(cpu)) for cpu_id, cpu in host.cpu_by_id.items())
    values["nodes"] = [node_slots(node) for node in host.nodes]
    values["node_by_id"] = dict((node_id, node_slots(node)) for node_id, node in host.node_by_id.items())
    return values


def node_slots(node):
    values = dict((slot, getattr(node, slot)) for slot in HostNode.__slots__ if slot != "hugepages")
    values["hugepages"] = dict((size, (pool.size, pool.total, pool.free))
                               for size, pool in node.hugepages.items())
    return values


def test_hosts_alike_but_for_their_name_are_each_what_reading_it_alone_gives():
    model = host_data(sockets=2, cores=4, threads=2, pages_1g=8)
    hosts = [dict(copy.deepcopy(model), name="h-%d" % index) for index in range(3)]
    hosts.append(dict(copy.deepcopy(model), name="other", used_cpus="1"))
    states = read_fleet_hosts(hosts)
    for state, data in zip(states, hosts):
        assert state.name == state.pristine.name == data["name"]
        assert host_slots(state.pristine) == host_slots(read_host(data))
    assert states[0].pristine.derived is states[2].pristine.derived  # one read of the model
    assert states[3].pristine.derived is not states[0].pristine.derived
    # each host fills on its own: a VM on one leaves the others as they were
    opts = read_options(None)
    vm = read_fleet_vmis([dedicated_vmi(cores=2, page="1Gi", name="db")], read_config(None), "amd64")[0]
    take(states[0], vm, try_place(states[0], vm, opts))
    assert states[0].host.free != states[1].host.free == states[1].pristine.available()
    assert [n.hugepages[1 << 30].free for n in states[1].host.nodes] == [8, 8]
    assert [n.hugepages[1 << 30].free for n in states[0].pristine.nodes] == [8, 8]


def test_the_collector_is_paused_while_placing_and_left_as_it_was():
    assert gc.isenabled()
    with pytest.raises(ValueError):
        with collector_paused():
            assert not gc.isenabled()
            raise ValueError("bad input")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_look_alikes_on_hosts_alike_get_equal_plans_each_its_own():
    # made once for both (the same sizing, host model and state), copied for each VM
    model = host_data(sockets=2, cores=4, threads=2, pages_1g=8)
    vmis = [dedicated_vmi(cores=2, threads=2, page="1Gi", passthrough=True, name=name)
            for name in ("a", "b")]
    result = place_fleet(vmis, {"h1": copy.deepcopy(model), "h2": copy.deepcopy(model)},
                         policy="spread")
    a, b = result["plans"]["a"], result["plans"]["b"]
    assert (a["host"], b["host"]) == ("h1", "h2")
    assert dict(a, name="", host="") == dict(b, name="", host="")
    for key in ("vcpupin", "numa_cells", "hugepages"):
        assert a[key] and a[key] is not b[key], key
    assert a["numa_cells"][0] is not b["numa_cells"][0]


class Left:
    """A host state as RoomIndex reads it."""

    def __init__(self, index, cpu, memory):
        self.index, self.cpu_allocatable, self.memory_allocatable = index, cpu, memory
        self.cpu_requested = self.memory_requested = 0


@settings(max_examples=150, deadline=None)
@given(left=st.lists(st.tuples(st.integers(-2, 8), st.integers(-2, 8)), min_size=1, max_size=40),
       takes=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 3), st.integers(0, 3)), max_size=30),
       asks=st.lists(st.tuples(st.integers(0, 45), st.integers(0, 9), st.integers(0, 9)), max_size=30))
def test_room_index_finds_the_first_host_with_room_as_walking_them_would(left, takes, asks):
    states = [Left(index, cpu, memory) for index, (cpu, memory) in enumerate(left)]
    room = RoomIndex(states)
    for index, cpu, memory in takes:
        if index < len(states):
            states[index].cpu_requested += cpu
            states[index].memory_requested += memory
            room.update(states[index])
    for start, cpu, memory in asks:
        walked = next((state.index for state in states[start:]
                       if state.cpu_allocatable - state.cpu_requested >= cpu
                       and state.memory_allocatable - state.memory_requested >= memory), None)
        assert room.first(start, cpu, memory) == walked
