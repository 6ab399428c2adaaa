# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Launcher sizing for many VMIs at once, and the tables operators read sizing and plans in."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.defaults import apply_vmi_defaults
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.launcher import compute_resources
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import read_namespace_context
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.overhead import overhead_vcpus
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi

_BASE_RESOURCES = ("cpu", "memory", "ephemeral-storage")
COLUMNS = (
    ("name", "VMI"), ("vcpus", "vCPUs"), ("guest_memory", "guest mem"),
    ("memory_overhead", "overhead"), ("cpu", "Pod CPU req/lim"), ("memory", "Pod memory req/lim"),
    ("hugepages", "hugepages req/lim"), ("devices", "devices (limits)"),
)


def size_vmis(vmis, config=None, arch="amd64", namespace=None, resource_quotas=(),
              network_attachment_definitions=(), apply_defaults=False):
    """``launcher_resources`` for each VMI, with a summary; errors name the VMI's index and name.

    The cluster configuration is read once for the whole list.
    """
    if isinstance(vmis, dict):
        vmis = [vmis]
    if not isinstance(vmis, (list, tuple)):
        raise VmpodInputError("vmis", vmis, "must be a list of VMIs")
    cfg = read_config(config)
    sized = []
    for index, vmi in enumerate(vmis):
        try:
            if apply_defaults:
                vmi = apply_vmi_defaults(vmi, cfg, arch)
            spec = read_vmi(vmi, arch)
            context = read_namespace_context(spec, namespace, resource_quotas,
                                             network_attachment_definitions)
            resources = compute_resources(spec, cfg, context)
        except VmpodInputError as err:
            where = "vmis[%d]%s" % (index, _named(vmi))
            raise VmpodInputError("%s.%s" % (where, err.path) if err.path else where,
                                  err.value, err.problem)
        entry = {
            "name": spec.name,
            "namespace": spec.namespace,
            "kind": spec.kind,
            "architecture": spec.architecture,
            "vcpus": overhead_vcpus(spec),
            "guest_memory": _guest_memory(spec),
        }
        entry.update(resources)
        sized.append(entry)
    return sized


def _named(vmi):
    name = vmi.get("metadata", {}).get("name") if isinstance(vmi, dict) and isinstance(
        vmi.get("metadata"), dict) else None
    return "(%s)" % name if isinstance(name, str) and name else ""


def _guest_memory(spec):
    for value in (spec.guest, spec.requests.get("memory"), spec.limits.get("memory")):
        if value is not None and not value.is_zero():
            return str(value)
    return None


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
    }


def _short(resource):
    return resource[len("devices.kubevirt.io/"):] if resource.startswith("devices.kubevirt.io/") \
        else resource


def resources_table(sized):
    """A plain-text table of sized VMIs, one line each, columns padded to fit."""
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
