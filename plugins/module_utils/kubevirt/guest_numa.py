# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest NUMA cells under ``guestMappingPassthrough`` (vcpu.go ``numaMapping``): one guest cell
per host NUMA node of the pinned pCPUs, its memory in whole hugepages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit


def passthrough_cells(host, vcpu_pins, memory_bytes, page_size_bytes):
    """The guest NUMA cells KubeVirt builds from the vCPU pins, one per host node they touch.

    ``vcpu_pins``: pCPU per vCPU (a list, or a mapping vCPU -> pCPU); ``memory_bytes``: the
    guest memory; ``page_size_bytes``: the hugepage size (passthrough requires hugepages).
    Guest cell ids follow host node order; the memory splits in whole pages, the pages left over
    going one each to the first cells; each cell's memory is bound strictly to its host node.
    Returns ``[{"id", "vcpus", "memory_bytes", "host_node", "distances": {guest cell: value}}]``.
    """
    host = read_host(host)
    items = sorted(vcpu_pins.items()) if isinstance(vcpu_pins, dict) else enumerate(vcpu_pins)
    vcpus_by_node = {}
    for vcpu, pcpu in items:
        cpu = host.cpu_by_id.get(pcpu)
        if cpu is None:
            raise NoFit("vcpu %d is mapped to a not existing host cpu set %s" % (vcpu, pcpu))
        vcpus_by_node.setdefault(cpu.node, []).append(vcpu)
    nodes = [node for node in host.nodes if node.id in vcpus_by_node]
    if not page_size_bytes:
        raise NoFit("passing through a numa topology is restricted to VMIs with hugepages "
                    "enabled")
    sizes = _cell_memory(memory_bytes, page_size_bytes, len(nodes))
    guest_id = dict((node.id, index) for index, node in enumerate(nodes))
    index_of = dict((node.id, index) for index, node in enumerate(host.nodes))
    cells = []
    for node, size in zip(nodes, sizes):
        distances = {}
        if node.distances:  # libvirt lists a cell's distances by node id, as host.nodes is
            for other in nodes:
                distances[guest_id[other.id]] = node.distances[index_of[other.id]]
        cells.append({"id": guest_id[node.id], "vcpus": vcpus_by_node[node.id],
                      "memory_bytes": size, "host_node": node.id, "distances": distances})
    return cells


def _cell_memory(memory, page, cells):
    """Bytes per guest cell: whole pages, equal shares, the remainder pages on the first cells."""
    if memory < cells * page:
        raise NoFit("not enough memory requested to allocate at least one hugepage per numa "
                    "node: %d bytes < %d cells * %d-byte pages" % (memory, cells, page))
    if memory % page:
        raise NoFit("requested memory can't be divided through the numa page size: %d bytes "
                    "mod %d != 0" % (memory, page))
    pages = memory // page
    share, extra = divmod(pages, cells)
    return [(share + (1 if index < extra else 0)) * page for index in range(cells)]
