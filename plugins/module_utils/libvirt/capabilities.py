# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's CPU and memory topology from libvirt's capabilities XML (``virsh capabilities``).

No I/O here: the caller passes the text of ``virConnectGetCapabilities``. The part read is
``<host><topology><cells>`` (https://libvirt.org/formatcaps.html)::

    <cell id='0'>
      <memory unit='KiB'>65536000</memory>
      <pages unit='KiB' size='4'>16384000</pages>      (the base page: not a hugepage pool)
      <pages unit='KiB' size='2048'>1024</pages>
      <distances><sibling id='0' value='10'/><sibling id='1' value='21'/></distances>
      <cpus num='2'>
        <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0,16'/>

libvirt fills these from the same sysfs files ``sysfs_topology`` reads, so the CPU rules
(``host_cpus``) are shared. The capabilities give each pool's size (``nr_hugepages``) but not its
free pages: ``free`` is reported equal to ``total``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.libvirt.document import parse_document
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.architecture import kernel_architecture
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.sysfs import (
    LOCAL_DISTANCE,
    LogicalCpu,
    host_cpus,
    memory_quantity,
)

CELLS = "host/topology/cells/cell"


def _scaled_integer_units():
    """libvirt's units for scaled integers (formatdomain "memory"), lower case -> bytes:
    "k" and "KiB" are 1024, "KB" is 1000; names are case-blind."""
    units = {"b": 1, "byte": 1, "bytes": 1}
    for power, letter in enumerate("kmgtpe", start=1):
        units[letter] = units[letter + "ib"] = 1024 ** power
        units[letter + "b"] = 1000 ** power
    return units


_UNITS = _scaled_integer_units()


def host_from_capabilities(xml_text):
    """The host data (``cpus``, ``nodes``, and ``architecture`` where libvirt names one
    KubeVirt knows) from libvirt's capabilities XML text."""
    root = parse_document(xml_text, "capabilities", "capabilities")
    cells = root.findall(CELLS)
    if not cells:
        raise VmpodInputError("capabilities/" + CELLS, None, "is required")
    cell_ids = [_int_attribute(cell, "id", "%s[%d]" % (CELLS, index), None)
                for index, cell in enumerate(cells)]
    cpus = []
    nodes = []
    for cell_id, cell in sorted(zip(cell_ids, cells), key=lambda pair: pair[0]):
        where = "%s[@id='%d']" % (CELLS, cell_id)
        cpus.extend(cell_cpus(cell, cell_id, where))
        nodes.append({
            "id": cell_id,
            "memory": memory_quantity(cell_memory(cell, where)),
            "distances": cell_distances(cell, sorted(cell_ids), where),
            "hugepages": cell_hugepages(cell, where),
        })
    host = {"cpus": host_cpus(cpus), "nodes": nodes}
    architecture = kernel_architecture((root.findtext("host/cpu/arch") or "").strip())
    if architecture is not None:
        host["architecture"] = architecture
    return host


def cell_cpus(cell, cell_id, where):
    """The cell's ``<cpu>`` elements as ``LogicalCpu`` values of node ``cell_id``."""
    result = []
    for index, element in enumerate(cell.findall("cpus/cpu")):
        path = "%s/cpus/cpu[%d]" % (where, index + 1)
        cpu_id = _int_attribute(element, "id", path, None)
        siblings = element.get("siblings")
        result.append(LogicalCpu(
            cpu_id,
            max(_int_attribute(element, "socket_id", path, 0), 0),
            _int_attribute(element, "core_id", path, cpu_id),
            None if siblings is None else parse_cpuset(siblings, path + "/@siblings")
            | frozenset((cpu_id,)),
            cell_id))
    return result


def cell_memory(cell, where):
    """The cell's ``<memory>`` in bytes (0 when absent, as for a cell libvirt cannot size)."""
    element = cell.find("memory")
    if element is None:
        return 0
    return _scaled(element, where + "/memory")


def cell_distances(cell, node_ids, where):
    """Distances to every cell, ordered by cell id; ``[10]`` for a lone cell without them."""
    siblings = cell.findall("distances/sibling")
    if not siblings:
        return [LOCAL_DISTANCE] if len(node_ids) == 1 else []
    by_id = {}
    for index, sibling in enumerate(siblings):
        path = "%s/distances/sibling[%d]" % (where, index + 1)
        by_id[_int_attribute(sibling, "id", path, None)] = _int_attribute(sibling, "value", path, None)
    missing = [node_id for node_id in node_ids if node_id not in by_id]
    if missing:
        raise VmpodInputError(where + "/distances", sorted(by_id),
                              "gives no distance to cells %s" % missing)
    return [by_id[node_id] for node_id in node_ids]


def cell_hugepages(cell, where):
    """Page size -> {total, free} for the cell's hugepage pools, ascending by size.

    The smallest ``<pages>`` entry is the base page size (libvirt lists it first), not a pool.
    """
    sizes = []
    for index, element in enumerate(cell.findall("pages")):
        path = "%s/pages[%d]" % (where, index + 1)
        size_bytes = _int_attribute(element, "size", path, None) * _unit(element, path, "KiB")
        if size_bytes <= 0:
            raise VmpodInputError(path + "/@size", element.get("size"), "is not a page size")
        sizes.append((size_bytes, _int_text(element, path)))
    pools = sorted(sizes)[1:]
    return dict((memory_quantity(size), {"total": count, "free": count})
                for size, count in pools)


# -- XML values -------------------------------------------------------------------------------

def _scaled(element, path):
    """A libvirt scaled integer (``<memory unit='KiB'>N</memory>``) in bytes; KiB by default."""
    return _int_text(element, path) * _unit(element, path, "KiB")


def _unit(element, path, default):
    unit = element.get("unit", default)
    factor = _UNITS.get(unit.lower())
    if factor is None:
        raise VmpodInputError(path + "/@unit", unit, "is not a libvirt unit (KiB, MiB, ...)")
    return factor


def _int_text(element, path):
    text = (element.text or "").strip()
    if not (text.isascii() and text.isdigit()):
        raise VmpodInputError(path, text, "is not a non-negative integer")
    return int(text)


def _int_attribute(element, name, path, default):
    value = element.get(name)
    if value is None:
        if default is None:
            raise VmpodInputError("%s/@%s" % (path, name), None, "is required")
        return default
    try:
        return int(value)
    except ValueError:
        raise VmpodInputError("%s/@%s" % (path, name), value, "is not an integer")
