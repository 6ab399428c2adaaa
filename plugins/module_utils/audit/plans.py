# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plans an audit holds running domains to: the ``plan.json`` files ``playbooks/render.yml``
writes (a ``plan_placement`` result with ``name``, ``namespace`` and ``launcher_resources``),
read once. The pinning is read as the domain builder reads it (``domain/plan_view.read_plan``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.domain.plan_view import read_plan
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.hugepage_pools import parse_page_size
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity


@dataclass(frozen=True)
class PlannedVm:
    """One plan: the libvirt domain name (``<namespace>_<name>``, as KubeVirt names it), its
    view (``PlanView``: vCPU, emulator and IOThread pins, guest cells, hugepage nodes, pCPUs),
    hugepages ``{(node, page KiB): pages}``, the computed memory overhead in bytes (None when the
    plan has none), and the VM's class for overhead advice."""

    domain: str
    view: object
    hugepages: dict
    memory_overhead: int
    vm_class: str


def _class(view, page_kib):
    cpu = "dedicated" if view.pinned else "shared"
    memory = "hugepages-%s" % _page_text(page_kib) if page_kib else "regular memory"
    return "%s CPUs, %s" % (cpu, memory)


def _page_text(kib):
    return "%dGi" % (kib // 1048576) if kib % 1048576 == 0 else "%dMi" % (kib // 1024)


def read_planned(plan, path):
    """A ``PlannedVm`` of one ``plan.json`` object; None for a plan that did not fit (there is
    nothing to hold a domain to)."""
    if not isinstance(plan, dict):
        raise VmpodInputError(path, plan, "is not a plan.json object")
    name = f.string(plan, "name", path)
    if not name:
        raise VmpodInputError(f.join(path, "name"), plan.get("name"), "is required")
    namespace = f.string(plan, "namespace", path) or "default"
    view = read_plan(plan, path)
    if not view.fits:
        return None
    pages = f.mapping(plan, "hugepages", path)
    per_node = f.mapping(pages, "per_node", f.join(path, "hugepages"))
    page_kib = None
    hugepages = {}
    if per_node:
        page_kib = parse_page_size(f.string(pages, "page_size", f.join(path, "hugepages")),
                                   f.join(path, "hugepages.page_size"))
        for node, count in per_node.items():
            where = "%s.hugepages.per_node.%s" % (path, node)
            if not (isinstance(node, str) and node.isdigit()):
                raise VmpodInputError(where, node, "is not a NUMA node number")
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise VmpodInputError(where, count, "is not a page count")
            if count:
                hugepages[(int(node), page_kib)] = count
    resources = f.mapping(plan, "launcher_resources", path)
    overhead = resources.get("memory_overhead")
    if overhead is not None:
        where = f.join(path, "launcher_resources.memory_overhead")
        overhead = parse_quantity(str(overhead), where).value()
    return PlannedVm("%s_%s" % (namespace, name), view, hugepages, overhead,
                     _class(view, page_kib))


def read_planned_vms(plans, path="plans"):
    """``{domain name: PlannedVm}`` of a list of ``plan.json`` objects (plans that did not fit
    are left out); two plans of one domain are an error."""
    if not isinstance(plans, (list, tuple)):
        raise VmpodInputError(path, plans, "is not a list of plan.json objects")
    found = {}
    for index, plan in enumerate(plans):
        where = "%s[%d]" % (path, index)
        planned = read_planned(plan, where)
        if planned is None:
            continue
        if planned.domain in found:
            raise VmpodInputError(where, planned.domain, "is planned twice")
        found[planned.domain] = planned
    return found
