# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tables operators read sizing (``pipeline.sizing.size_vmis``) and plans in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.output.inputs import PLANS, SIZED
from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import checked

_BASE_RESOURCES = ("cpu", "memory", "ephemeral-storage")
COLUMNS = (
    ("name", "VMI"), ("vcpus", "vCPUs"), ("guest_memory", "guest mem"),
    ("memory_overhead", "overhead"), ("cpu", "Pod CPU req/lim"), ("memory", "Pod memory req/lim"),
    ("hugepages", "hugepages req/lim"), ("devices", "devices (limits)"),
    ("envelope", "whole Pod CPU, memory req (QoS)"),
)


def summary_row(entry):
    """One row of the table: the resources that matter to a scheduler, as printed quantities."""
    requests, limits = entry["requests"], entry["limits"]

    def pair(name):
        return "%s / %s" % (requests.get(name, "-"), limits.get(name, "-"))

    pages = sorted(n for n in set(requests) | set(limits) if n.startswith("hugepages-"))
    devices = sorted(n for n in limits if n not in _BASE_RESOURCES and not n.startswith("hugepages-"))
    return {
        "name": entry["name"],
        "vcpus": str(entry["vcpus"]),
        "guest_memory": entry["guest_memory"] or "-",
        "memory_overhead": entry["memory_overhead"],
        "cpu": pair("cpu"),
        "memory": pair("memory"),
        "hugepages": ", ".join("%s %s" % (n[len("hugepages-"):], pair(n)) for n in pages) or "-",
        "devices": ", ".join("%s=%s" % (_short(n), limits[n]) for n in devices) or "-",
        "envelope": _envelope_cell(entry.get("envelope")),
    }


def _envelope_cell(envelope):
    """What kube-scheduler counts for the whole launcher Pod (sidecars included), and its QoS."""
    if not envelope:
        return "-"
    requests = envelope["requests"]
    return "%s, %s (%s)" % (requests.get("cpu", "-"), requests.get("memory", "-"), envelope["qos"])


def _short(resource):
    return resource[len("devices.kubevirt.io/"):] if resource.startswith("devices.kubevirt.io/") \
        else resource


def resources_table(sized):
    """A plain-text table of sized VMIs, one line each, columns padded to fit."""
    checked(SIZED, sized, "sized")
    return _table([summary_row(entry) for entry in sized], COLUMNS)


PLACEMENT_COLUMNS = (
    ("name", "VMI"), ("fits", "fits"), ("pcpus", "pCPUs"), ("cpuset", "cpuset"),
    ("vcpupin", "vCPU pins"), ("emulatorpin", "emulator"), ("numa", "guest NUMA -> host"),
    ("hugepages", "hugepages per host node"), ("why", "why not"),
)


def placement_row(plan):
    pages = plan.get("hugepages") or {}
    per_node = ", ".join("n%s: %d" % (node, count) for node, count in
                         sorted(pages.get("per_node", {}).items()))
    cells = ", ".join("%d->n%d" % (cell["id"], cell["host_node"]) for cell in plan["numa_cells"])
    return {
        "name": plan.get("name") or "-",
        "fits": "yes" if plan["fits"] else "no",
        "pcpus": str(plan["pcpus"]) if plan["pcpus"] else "-",
        "cpuset": plan["cpuset"] or "-",
        "vcpupin": ",".join(str(p) for p in plan["vcpupin"]) if plan["vcpupin"] else "-",
        "emulatorpin": plan["emulatorpin"] or "-",
        "numa": cells or "-",
        "hugepages": ("%s %s" % (pages["page_size"], per_node)) if per_node else "-",
        "why": "; ".join(plan["reasons"]) or "-",
    }


def placement_table(plans):
    """A plain-text table of placement plans (as plan_placement returns for a list of VMIs)."""
    checked(PLANS, plans, "plans")
    return _table([placement_row(plan) for plan in plans], PLACEMENT_COLUMNS)


def _table(rows, columns):
    header = dict(columns)
    keys = [key for key, _title in columns]
    widths = {key: max([len(header[key])] + [len(row[key]) for row in rows]) for key in keys}
    lines = ["  ".join(header[key].ljust(widths[key]) for key in keys).rstrip()]
    lines.append("  ".join("-" * widths[key] for key in keys))
    for row in rows:
        lines.append("  ".join(row[key].ljust(widths[key]) for key in keys).rstrip())
    return "\n".join(lines)
