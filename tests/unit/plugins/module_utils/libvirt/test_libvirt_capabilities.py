# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host topology from libvirt's capabilities XML, in the format https://libvirt.org/formatcaps.html
documents (``<host><topology><cells>``) and as libvirt's capabilities.c writes it."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.libvirt.capabilities import (
    host_from_capabilities,
)

# A two-socket host with two cores of two threads per socket, one NUMA cell per socket, 2M and
# 1G pools: the layout of formatcaps' <topology> example, with die_id and cluster_id as libvirt
# >= 10.1 writes them; the first <pages> of a cell is the 4 KiB base page.
TWO_CELLS = """<capabilities>
  <host>
    <uuid>7b55704c-29f4-11b2-a85c-9dc6ff50623f</uuid>
    <cpu>
      <arch>x86_64</arch>
      <model>Skylake-Client-noTSX-IBRS</model>
      <topology sockets='1' dies='1' clusters='1' cores='2' threads='2'/>
      <pages unit='KiB' size='4'/>
      <pages unit='KiB' size='2048'/>
      <pages unit='KiB' size='1048576'/>
    </cpu>
    <topology>
      <cells num='2'>
        <cell id='0'>
          <memory unit='KiB'>16314236</memory>
          <pages unit='KiB' size='4'>3030175</pages>
          <pages unit='KiB' size='2048'>512</pages>
          <pages unit='KiB' size='1048576'>2</pages>
          <distances>
            <sibling id='0' value='10'/>
            <sibling id='1' value='21'/>
          </distances>
          <cpus num='4'>
            <cpu id='0' socket_id='0' die_id='0' cluster_id='0' core_id='0' siblings='0,4'/>
            <cpu id='1' socket_id='0' die_id='0' cluster_id='0' core_id='1' siblings='1,5'/>
            <cpu id='4' socket_id='0' die_id='0' cluster_id='0' core_id='0' siblings='0,4'/>
            <cpu id='5' socket_id='0' die_id='0' cluster_id='0' core_id='1' siblings='1,5'/>
          </cpus>
        </cell>
        <cell id='1'>
          <memory unit='KiB'>16777216</memory>
          <pages unit='KiB' size='4'>3145728</pages>
          <pages unit='KiB' size='2048'>1024</pages>
          <pages unit='KiB' size='1048576'>0</pages>
          <distances>
            <sibling id='0' value='21'/>
            <sibling id='1' value='10'/>
          </distances>
          <cpus num='4'>
            <cpu id='2' socket_id='1' die_id='0' cluster_id='0' core_id='0' siblings='2,6'/>
            <cpu id='3' socket_id='1' die_id='0' cluster_id='0' core_id='1' siblings='3,7'/>
            <cpu id='6' socket_id='1' die_id='0' cluster_id='0' core_id='0' siblings='2,6'/>
            <cpu id='7' socket_id='1' die_id='0' cluster_id='0' core_id='1' siblings='3,7'/>
          </cpus>
        </cell>
      </cells>
    </topology>
    <cache>
      <bank id='0' level='3' type='both' size='8' unit='MiB' cpus='0-7'/>
    </cache>
    <secmodel>
      <model>none</model>
      <doi>0</doi>
    </secmodel>
  </host>
  <guest>
    <os_type>hvm</os_type>
    <arch name='x86_64'>
      <wordsize>64</wordsize>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <domain type='kvm'/>
    </arch>
  </guest>
</capabilities>
"""


def test_two_cells_with_pools_and_distances():
    host = host_from_capabilities(TWO_CELLS)
    assert host == {
        "cpus": [
            {"id": 0, "socket": 0, "core": 0, "node": 0},
            {"id": 1, "socket": 0, "core": 1, "node": 0},
            {"id": 2, "socket": 1, "core": 0, "node": 1},
            {"id": 3, "socket": 1, "core": 1, "node": 1},
            {"id": 4, "socket": 0, "core": 0, "node": 0},
            {"id": 5, "socket": 0, "core": 1, "node": 0},
            {"id": 6, "socket": 1, "core": 0, "node": 1},
            {"id": 7, "socket": 1, "core": 1, "node": 1},
        ],
        "nodes": [
            # free pages are not in the capabilities: free = total
            {"id": 0, "memory": "16314236Ki", "distances": [10, 21],
             "hugepages": {"2Mi": {"total": 512, "free": 512}, "1Gi": {"total": 2, "free": 2}}},
            {"id": 1, "memory": "16Gi", "distances": [21, 10],
             "hugepages": {"2Mi": {"total": 1024, "free": 1024}, "1Gi": {"total": 0, "free": 0}}},
        ],
        "architecture": "amd64",  # <arch>x86_64</arch>, by KubeVirt's name
    }
    parsed = read_host(host)
    assert parsed.architecture == "amd64"
    assert parsed.siblings(2) == (2, 6)
    assert parsed.nodes[1].cpus == (2, 3, 6, 7)


@pytest.mark.parametrize("arch, expected", [("aarch64", "arm64"), ("s390x", "s390x"), ("ppc64le", None)])
def test_the_architecture_by_kubevirts_name_where_it_has_one(arch, expected):
    host = host_from_capabilities(TWO_CELLS.replace("<arch>x86_64</arch>", "<arch>%s</arch>" % arch))
    assert host.get("architecture") == expected


def test_cells_are_ordered_by_id_and_distances_by_cell_id():
    reordered = TWO_CELLS.replace("<cell id='0'>", "<cell id='X'>").replace(
        "<cell id='1'>", "<cell id='0'>").replace("<cell id='X'>", "<cell id='1'>")
    host = host_from_capabilities(reordered)
    assert [node["id"] for node in host["nodes"]] == [0, 1]
    assert host["nodes"][0]["memory"] == "16Gi"
    # the sibling ids still name cells 0 and 1: cell 0 (formerly 1) lists 0 -> 21, 1 -> 10
    assert host["nodes"][0]["distances"] == [21, 10]


# libvirt's virCapabilitiesHostNUMAInitFake (no NUMA information): one cell, no distances,
# no pages, every CPU with its socket, core and siblings
FAKE_CELL = """<capabilities><host><topology><cells num='1'>
  <cell id='0'>
    <memory unit='KiB'>8388608</memory>
    <cpus num='4'>
      <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0-1'/>
      <cpu id='1' socket_id='0' die_id='0' core_id='0' siblings='0-1'/>
      <cpu id='2' socket_id='0' die_id='0' core_id='1' siblings='2-3'/>
      <cpu id='3' socket_id='0' die_id='0' core_id='1' siblings='2-3'/>
    </cpus>
  </cell>
</cells></topology></host></capabilities>"""


def test_single_cell_without_numa_information():
    host = host_from_capabilities(FAKE_CELL)
    assert host["nodes"] == [{"id": 0, "memory": "8Gi", "distances": [10], "hugepages": {}}]
    assert read_host(host).siblings(3) == (2, 3)


# virt-manager tests/data/capabilities/lxc.xml ("Came from Fedora 22 libvirt-daemon-1.2.13"):
# an AMD host whose siblings have different core ids
FEDORA_22_LXC = """<capabilities><host><topology><cells num='1'>
  <cell id='0'>
    <memory unit='KiB'>16414548</memory>
    <pages unit='KiB' size='4'>4103637</pages>
    <pages unit='KiB' size='2048'>0</pages>
    <distances>
      <sibling id='0' value='10'/>
    </distances>
    <cpus num='8'>
      <cpu id='0' socket_id='0' core_id='0' siblings='0-1'/>
      <cpu id='1' socket_id='0' core_id='1' siblings='0-1'/>
      <cpu id='2' socket_id='0' core_id='6' siblings='2,5'/>
      <cpu id='3' socket_id='0' core_id='2' siblings='3-4'/>
      <cpu id='4' socket_id='0' core_id='3' siblings='3-4'/>
      <cpu id='5' socket_id='0' core_id='7' siblings='2,5'/>
      <cpu id='6' socket_id='0' core_id='4' siblings='6-7'/>
      <cpu id='7' socket_id='0' core_id='5' siblings='6-7'/>
    </cpus>
  </cell>
</cells></topology></host></capabilities>"""


def test_siblings_with_different_core_ids_share_a_core():
    host = host_from_capabilities(FEDORA_22_LXC)
    assert [cpu["core"] for cpu in host["cpus"]] == [0, 0, 2, 3, 3, 2, 6, 6]
    parsed = read_host(host)
    assert parsed.siblings(5) == (2, 5)
    assert parsed.threads_per_core() == 2
    assert host["nodes"][0]["hugepages"] == {"2Mi": {"total": 0, "free": 0}}


def test_cpus_without_topology_attributes():
    # libvirt writes socket_id/core_id/siblings only when it knows them
    xml = """<capabilities><host><topology><cells num='1'><cell id='0'>
      <memory unit='KiB'>1048576</memory>
      <cpus num='2'><cpu id='0'/><cpu id='1'/></cpus>
    </cell></cells></topology></host></capabilities>"""
    assert host_from_capabilities(xml)["cpus"] == [
        {"id": 0, "socket": 0, "core": 0, "node": 0},
        {"id": 1, "socket": 0, "core": 1, "node": 0},
    ]


@pytest.mark.parametrize("unit, amount, memory", [
    ("KiB", "1048576", "1Gi"), ("k", "1024", "1Mi"), ("MiB", "65536", "64Gi"),
    ("M", "512", "512Mi"), ("GiB", "128", "128Gi"), ("bytes", "2097152", "2Mi"),
    ("KB", "1000", "1000000"), ("GB", "1", "1000000000"),
])
def test_memory_units_follow_libvirt_scaled_integers(unit, amount, memory):
    xml = FAKE_CELL.replace("<memory unit='KiB'>8388608</memory>",
                            "<memory unit='%s'>%s</memory>" % (unit, amount))
    assert host_from_capabilities(xml)["nodes"][0]["memory"] == memory


def test_arm64_pools_skip_only_the_base_page():
    # arm64 with a 4K granule: 64K contiguous, 2M, 32M and 1G hugepages
    pages = "".join("<pages unit='KiB' size='%d'>%d</pages>" % (size, count)
                    for size, count in ((4, 1000000), (64, 16), (2048, 8), (32768, 0),
                                        (1048576, 1)))
    xml = FAKE_CELL.replace("<cpus num='4'>", pages + "<cpus num='4'>")
    assert list(host_from_capabilities(xml)["nodes"][0]["hugepages"]) == [
        "64Ki", "2Mi", "32Mi", "1Gi"]


@pytest.mark.parametrize("xml, message", [
    ("<capabilities><host>", "capabilities: '<capabilities><host>' is not XML"),
    ("<domain/>", "capabilities: '<domain>' is not a libvirt <capabilities> document"),
    ("<capabilities><host/></capabilities>",
     "capabilities/host/topology/cells/cell is required"),
    (FAKE_CELL.replace("unit='KiB'>8388608", "unit='KiB'>lots"),
     "host/topology/cells/cell[@id='0']/memory: 'lots' is not a non-negative integer"),
    (FAKE_CELL.replace("unit='KiB'>8388608", "unit='pages'>8388608"),
     "cell[@id='0']/memory/@unit: 'pages' is not a libvirt unit"),
    (FAKE_CELL.replace("<cell id='0'>", "<cell>"),
     "host/topology/cells/cell[0]/@id is required"),
    (FAKE_CELL.replace("<cpu id='2'", "<cpu id='two'"),
     "cell[@id='0']/cpus/cpu[3]/@id: 'two' is not an integer"),
    (TWO_CELLS.replace("<sibling id='1' value='21'/>", ""),
     "cell[@id='0']/distances: [0] gives no distance to cells [1]"),
])
def test_bad_capabilities_are_named(xml, message):
    with pytest.raises(VmpodInputError) as error:
        host_from_capabilities(xml)
    assert message in str(error.value)
