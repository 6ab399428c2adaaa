# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live migration: the same VM re-planned on a target, held to what a running guest cannot
change - its vCPU count, which vCPUs are hyper-thread siblings, its guest NUMA cells and its
page size - and the host's architecture (``planning.host.host_architecture``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import TEXT, ListOf, expanded_size
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import free_pages, page_need, pages_short_reason
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

_LISTED = 4  # examples named per obstacle


def migration_reasons(sized, plan, target_plan, source, source_topology, target, target_arch,
                      opts):
    """Why the VM cannot move: ``plan`` is its ``Plan`` on ``target`` (a read host),
    ``target_plan`` that plan as the caller returns it,
    ``source`` the checked source plan (``read_source_plan``), ``target_arch`` the target's
    architecture or None. ``[]`` when it can."""
    vmi = sized.vmi
    reasons = []
    if target_arch is not None and target_arch != vmi.architecture:
        reasons.append("the VM is %s, the target host %s" % (vmi.architecture, target_arch))
    if not source["fits"]:
        reasons.append("the source plan does not fit its host (%s): there is no placement to "
                       "keep" % "; ".join(source["reasons"] or ["no reason given"]))
    if reasons and reasons[0].startswith("the VM is"):
        return reasons  # the plan on the target says only that too
    reasons.extend(plan.reasons)
    if plan.reasons:
        reasons.extend(_pages_not_checked(sized, target, plan.reasons))
    elif source["fits"]:
        reasons.extend(_kept_the_same(vmi, opts, source, source_topology, target_plan, target))
    return reasons


def read_source_plan(plan):
    """The parts of a plan a migration must keep, checked (a plan is plain data from a play)."""
    if not isinstance(plan, dict) or not isinstance(plan.get("fits"), bool):
        raise VmpodInputError("source_plan", plan, "must be the plan that plan_placement "
                              "returned on the source host (a mapping with fits)")
    expanded_size(plan, "source_plan")
    pins = plan.get("vcpupin")
    if pins is not None and (not isinstance(pins, list) or not all(
            isinstance(pin, int) and not isinstance(pin, bool) for pin in pins)):
        raise VmpodInputError("source_plan.vcpupin", pins, "must be a list of pCPU ids")
    cells = plan.get("numa_cells") or []
    if not isinstance(cells, list):
        raise VmpodInputError("source_plan.numa_cells", cells, "must be a list")
    for index, cell in enumerate(cells):
        where = "source_plan.numa_cells[%d]" % index
        if not isinstance(cell, dict) or not isinstance(cell.get("vcpus"), list) or not \
                isinstance(cell.get("memory_bytes"), int):
            raise VmpodInputError(where, cell, "must be a mapping with vcpus and memory_bytes")
    pages = plan.get("hugepages")
    if pages is not None and (not isinstance(pages, dict) or not isinstance(
            pages.get("page_size"), str) or not isinstance(pages.get("per_node", {}), dict)
            or not all(isinstance(count, int) for count in pages.get("per_node", {}).values())):
        raise VmpodInputError("source_plan.hugepages", pages,
                              "must be a mapping with page_size and per_node page counts")
    reasons = ListOf(TEXT).check(plan.get("reasons") or [], "source_plan.reasons")
    return {"fits": plan["fits"], "reasons": list(reasons),
            "vcpupin": pins, "numa_cells": cells, "hugepages": pages}


def _pages_not_checked(sized, host, reasons):
    """A plan stops at its first obstacle: name a hugepage shortfall it did not reach."""
    vmi = sized.vmi
    if vmi.hugepage_size is None or any("hugepages" in reason for reason in reasons):
        return []
    need = page_need(vmi, sized.requests["hugepages-" + vmi.hugepage_size],
                     vmi.spec_path + ".domain")
    if sum(free_pages(host, node.id, need.size) for node in host.nodes) >= need.pages:
        return []
    return [pages_short_reason(host, need)]


def _kept_the_same(vmi, opts, source, source_host, target_plan, target_host):
    reasons = []
    src_pins, tgt_pins = source["vcpupin"], target_plan["vcpupin"]
    if (src_pins is None) != (tgt_pins is None):
        reasons.append("the source pins %d vCPUs to dedicated pCPUs, the target plan %d" % (
            len(src_pins or ()), len(tgt_pins or ())))
    elif src_pins is not None and len(src_pins) != len(tgt_pins):
        reasons.append("the source pins %d vCPUs, the target plan %d"
                       % (len(src_pins), len(tgt_pins)))
    elif src_pins is not None and opts.thread_policy != "isolate":
        reasons.extend(_sibling_reasons(vmi, src_pins, source_host, tgt_pins, target_host))
    reasons.extend(_cell_reasons(source, target_plan))
    reasons.extend(_page_reasons(source["hugepages"], target_plan["hugepages"]))
    return reasons


def _guest_cores(vmi, pins):
    """The pins of each guest core (``threads`` vCPUs in a row, as the guest numbers them)."""
    threads = vmi.cpu.threads or 1
    return [pins[start:start + threads] for start in range(0, len(pins), threads)]


def _on_one_core(host, pins):
    return len({host.siblings(pin)[0] for pin in pins if pin in host.cpu_by_id}) == 1


def _sibling_reasons(vmi, source_pins, source_host, target_pins, target_host):
    """Guest cores whose threads share a host core on the source must do so on the target."""
    if (vmi.cpu.threads or 1) < 2:
        return []
    split = []
    source_cores = _guest_cores(vmi, source_pins)
    for index, pins in enumerate(_guest_cores(vmi, target_pins)):
        together_before = source_host is None or _on_one_core(source_host, source_cores[index])
        if together_before and not _on_one_core(target_host, pins):
            split.append((index, pins))
    if not split:
        return []
    threads = vmi.cpu.threads
    shown = ", ".join("guest core %d (vCPUs %d-%d) on pCPUs %s" % (
        index, index * threads, index * threads + threads - 1, ",".join(map(str, pins)))
        for index, pins in split[:_LISTED])
    more = " and %d more" % (len(split) - _LISTED) if len(split) > _LISTED else ""
    per_core = target_host.threads_per_core()
    return ["%d of %d guest cores keep their %d threads on one host core on the source but not "
            "on the target (the target has %d thread%s per core): %s%s" % (
                len(split), len(source_cores), threads, per_core, "" if per_core == 1 else "s",
                shown, more)]


def _cell_reasons(source, target_plan):
    src, tgt = source["numa_cells"], target_plan["numa_cells"]
    if len(src) != len(tgt):
        nodes = sorted({cell["host_node"] for cell in tgt})
        where = " (on host NUMA node%s %s)" % ("s" if len(nodes) > 1 else "",
                                               ", ".join(map(str, nodes))) if nodes else ""
        return ["the guest has %d NUMA cell(s) on the source, the target plan %d%s: a running "
                "guest keeps its NUMA topology" % (len(src), len(tgt), where)]
    reasons = []
    page = _page_size(source["hugepages"])
    for before, after in zip(src, tgt):
        if sorted(before["vcpus"]) != sorted(after["vcpus"]):
            reasons.append("guest NUMA cell %s holds vCPUs %s on the source, %s on the target" % (
                before.get("id", "?"), format_cpuset(before["vcpus"]),
                format_cpuset(after["vcpus"])))
        if before["memory_bytes"] != after["memory_bytes"]:
            if page:
                reasons.append("guest NUMA cell %s has %d %s pages on the source, %d on the "
                               "target" % (before.get("id", "?"), before["memory_bytes"] // page,
                                           source["hugepages"]["page_size"],
                                           after["memory_bytes"] // page))
            else:
                reasons.append("guest NUMA cell %s has %d bytes on the source, %d on the target"
                               % (before.get("id", "?"), before["memory_bytes"],
                                  after["memory_bytes"]))
    return reasons


def _page_size(pages):
    if not pages:
        return None
    return parse_quantity(pages["page_size"], "source_plan.hugepages.page_size").value() or None


def _page_reasons(source_pages, target_pages):
    if not source_pages and not target_pages:
        return []
    if not source_pages or not target_pages:
        return ["the guest memory is in %s on the source, in %s on the target" % (
            _pages_text(source_pages), _pages_text(target_pages))]
    if source_pages["page_size"] != target_pages["page_size"]:
        return ["the guest memory is in %s pages on the source, %s pages on the target" % (
            source_pages["page_size"], target_pages["page_size"])]
    before = sum(source_pages.get("per_node", {}).values())
    after = sum(target_pages["per_node"].values())
    if before != after:
        return ["the guest has %d %s pages on the source, %d on the target" % (
            before, source_pages["page_size"], after)]
    return []


def _pages_text(pages):
    return "%s hugepages" % pages["page_size"] if pages else "ordinary memory"
