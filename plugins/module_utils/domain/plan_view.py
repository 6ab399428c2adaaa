# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of a placement plan the domain uses, as a ``PlanView``.

From the engine's own ``planning.plan.Plan`` (``plan_view``: nothing parsed), or from a plan a
user gives as plain data (``read_plan``: every field checked, at the boundary).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import (
    format_cpuset, parse_cpuset)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


@dataclass(frozen=True)
class PlanView:
    """``pinned`` when the plan fits and pins vCPUs; ``vcpupin``, ``iothreadpin``: the
    ``<cputune>`` entries; ``cells``: guest NUMA cells with their host node; ``page_nodes``: the
    host nodes hugepages come from; ``cpuset``: the Pod's pCPUs."""

    fits: bool = False
    pinned: bool = False
    vcpupin: tuple = ()
    emulatorpin: object = None  # cpuset text or None
    iothreadpin: tuple = ()
    cells: tuple = ()
    page_nodes: tuple = ()
    cpuset: frozenset = frozenset()


NO_PLAN = PlanView()


def _digits(value):
    """Whether a key of plan data is a plain number (ASCII digits: '²' is not one)."""
    text = str(value)
    return text.isascii() and text.isdigit()


def plan_view(plan):
    """The view of a ``Plan`` that ``planning.plan.place`` made (None: no plan)."""
    if plan is None or plan.reasons:
        return NO_PLAN
    vcpupin = tuple({"vcpu": index, "cpuset": str(pcpu)}
                    for index, pcpu in enumerate(plan.vcpupin or ()))
    cells = tuple(_cell(cell["id"], format_cpuset(cell["vcpus"]), cell["memory_bytes"],
                        cell["host_node"], sorted((cell.get("distances") or {}).items()))
                  for cell in plan.numa_cells)
    per_node = plan.hugepages["per_node"] if plan.hugepages else {}
    return PlanView(
        fits=True, pinned=bool(vcpupin), vcpupin=vcpupin,
        emulatorpin=format_cpuset(plan.emulatorpin) if plan.emulatorpin else None,
        iothreadpin=tuple({"iothread": key, "cpuset": format_cpuset(cpus)}
                          for key, cpus in sorted(plan.iothreadpin.items())),
        cells=cells,
        page_nodes=tuple(sorted(int(node) for node, count in per_node.items() if count > 0)),
        cpuset=frozenset(plan.cpuset or ()))


def read_plan(plan, path="plan"):
    """The view of a plan given as data (``plan_placement``'s result); None: no plan."""
    if plan is None:
        return NO_PLAN
    if not isinstance(plan, dict):
        raise VmpodInputError(path, plan, "must be a placement plan mapping")
    if not f.boolean(plan, "fits", path, False):
        return NO_PLAN
    cpuset = parse_cpuset(plan.get("cpuset"), f.join(path, "cpuset"))
    pins = plan.get("vcpupin") or []
    if not isinstance(pins, list):
        raise VmpodInputError(f.join(path, "vcpupin"), pins, "must be a list of pCPU ids")
    vcpupin = tuple({"vcpu": index,
                     "cpuset": format_cpuset(parse_cpuset(pcpu, "%s.vcpupin[%d]" % (path, index)))}
                    for index, pcpu in enumerate(pins))
    emulator = parse_cpuset(plan.get("emulatorpin"), f.join(path, "emulatorpin"))
    iothreads = f.mapping(plan, "iothreadpin", path)
    iothreadpin = []
    for key in sorted(iothreads, key=lambda k: int(k) if _digits(k) else -1):
        if not _digits(key) or int(key) < 1:
            raise VmpodInputError(f.join(path, "iothreadpin"), key, "is not an IOThread id")
        cpus = parse_cpuset(iothreads[key], "%s.iothreadpin.%s" % (path, key))
        iothreadpin.append({"iothread": int(key), "cpuset": format_cpuset(cpus)})
    cells = tuple(_plan_cell(cell, cpath) for cpath, cell in f.mappings(plan, "numa_cells", path))
    pages = f.mapping(plan, "hugepages", path)
    per_node = f.mapping(pages, "per_node", f.join(path, "hugepages"))
    return PlanView(
        fits=True, pinned=bool(vcpupin), vcpupin=vcpupin,
        emulatorpin=format_cpuset(emulator) if emulator else None,
        iothreadpin=tuple(iothreadpin), cells=cells,
        page_nodes=tuple(sorted(int(node) for node, count in per_node.items()
                                if _digits(node) and isinstance(count, int) and count > 0)),
        cpuset=cpuset)


def _cell(cell_id, cpus, memory_bytes, host_node, distances):
    return {"id": cell_id, "cpus": cpus, "memory_bytes": memory_bytes, "host_node": host_node,
            "distances": [{"id": int(guest), "value": value} for guest, value in distances]}


def _plan_cell(cell, path):
    vcpus = parse_cpuset(cell.get("vcpus"), f.join(path, "vcpus"))
    distances = f.mapping(cell, "distances", path)
    checked = [(int(guest), f.integer(distances, guest, f.join(path, "distances")))
               for guest in sorted(distances, key=int)]
    return _cell(f.integer(cell, "id", path, minimum=0), format_cpuset(vcpus),
                 f.integer(cell, "memory_bytes", path, minimum=1),
                 f.integer(cell, "host_node", path, minimum=0), checked)
