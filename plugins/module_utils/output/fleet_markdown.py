# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``place_fleet``'s result as the Markdown report operators read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.output.inputs import FLEET
from ansible_collections.vmpod.core.plugins.module_utils.planning.usage import readable_bytes
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity
from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import checked


def fleet_markdown(result):
    """``place_fleet``'s result as Markdown: hosts, their NUMA nodes, placements, unplaced VMs
    and, for those the fleet has room for in pieces only, the moves that would free a host."""
    if not isinstance(result, dict) or not all(
            isinstance(result.get(key), dict) for key in ("placements", "unplaced", "hosts")):
        raise VmpodInputError("fleet", result, "must be the result of place_fleet")
    checked(FLEET, result, "fleet")
    placed = sum(1 for host in result["placements"].values() if host is not None)
    lines = ["# Capacity: %d VMIs on %d hosts (policy %s)" % (
        len(result["placements"]), len(result["hosts"]), result.get("policy", "pack")), "",
        "%d placed, %d unplaced." % (placed, len(result["unplaced"])), ""]
    lines.extend(_markdown_table(
        ("host", "VMIs", "exclusive pCPUs", "CPU requested", "vCPUs per shared pCPU",
         "memory requested", "VM memory", "warnings"),
        [_host_row(name, usage) for name, usage in result["hosts"].items()]))
    lines.extend(["", "## NUMA nodes", ""])
    rows = []
    for name, usage in result["hosts"].items():
        for node in usage["nodes"]:
            cpus, memory = node["cpus"], node["memory"]
            pages = ", ".join("%s: %d of %d" % (size, pool["free"], pool["total"])
                              for size, pool in node["hugepages"].items() if pool["total"])
            rows.append((name, str(node["id"]), "%d / %d / %d / %d" % (
                cpus["free"], cpus["used"], cpus["reserved"], cpus["total"]),
                cpus["free_cpus"] or "-",
                "%s of %s" % (readable_bytes(memory["used"]), readable_bytes(memory["total"])), pages or "-"))
    lines.extend(_markdown_table(("host", "node", "pCPUs free / used / reserved / all",
                                  "free pCPUs", "memory requested", "hugepages free"), rows))
    lines.extend(["", "## Placements", ""])
    plans = result.get("plans") or {}
    rows = []
    for name, host in result["placements"].items():
        if host is None:
            continue
        plan = plans.get(name) or {}
        pages = plan.get("hugepages") or {}
        rows.append((name, host, plan.get("cpuset") or "shared",
                     ", ".join("%d->n%d" % (cell["id"], cell["host_node"])
                               for cell in plan.get("numa_cells") or ()) or "-",
                     "%s %s" % (pages["page_size"], ", ".join(
                         "n%s: %d" % item for item in sorted(pages["per_node"].items())))
                     if pages.get("per_node") else "-"))
    lines.extend(_markdown_table(("VMI", "host", "pCPUs", "guest NUMA -> host",
                                  "hugepages per host node"), rows))
    if result["unplaced"]:
        lines.extend(["", "## Unplaced", ""])
        for name, reasons in result["unplaced"].items():
            lines.append("- **%s**: %s" % (_cell(name), reasons[0] if reasons else ""))
            lines.extend("  - %s" % _cell(reason) for reason in reasons[1:])
    fragmented = dict((name, report) for name, report in (result.get("fragmentation") or {}).items()
                      if report["fragmented"])
    if fragmented:
        lines.extend(["", "## Fragmentation", "",
                      "Room enough in the fleet's free totals, but in pieces no VM fits; the "
                      "fewest moves found that free a host:", ""])
        lines.extend("- %s" % _cell(report["summary"]) for report in fragmented.values())
    if result.get("warnings"):
        lines.extend(["", "## Warnings", ""])
        lines.extend("- %s" % _cell(warning) for warning in result["warnings"])
    return "\n".join(lines) + "\n"


def _host_row(name, usage):
    cpu, memory = usage["cpu"], usage["memory"]
    ratio = cpu["vcpus_per_pcpu"]
    return (name, str(len(usage["vmis"])),
            "%d of %d" % (cpu["exclusive"], cpu["pcpus"] - cpu["reserved"]),
            "%s of %s (%s%%)" % (_decimal_cores(cpu["requested"]),
                                 _decimal_cores(cpu["allocatable"]), cpu["requested_percent"]),
            "-" if ratio is None else "%s (%d on %d)" % (
                ratio, cpu["shared_vcpus"], cpu["shared_pcpus"]),
            "%s of %s (%s%%)" % (readable_bytes(memory["requested"]), readable_bytes(memory["allocatable"]),
                                 memory["requested_percent"]),
            "-" if memory["overcommit_percent"] is None else "%s%%" % memory["overcommit_percent"],
            "; ".join(usage["warnings"]) or "-")


def _decimal_cores(quantity):
    """``59200m`` -> ``59.2``: cores to read in a table."""
    millis = parse_quantity(quantity, "cpu").milli_value()
    if millis >= 10 ** 15:  # more than any host has; as a float it may not even exist
        return quantity
    return ("%.3f" % (millis / 1000.0)).rstrip("0").rstrip(".")


def _markdown_table(header, rows):
    lines = ["| %s |" % " | ".join(header), "|%s|" % "|".join("---" for column in header)]
    for row in rows:
        lines.append("| %s |" % " | ".join(_cell(value) for value in row))
    return lines


def _cell(text):
    """Text as it reads in a Markdown table: no row break, no column break, no HTML (a name
    such as <script> is shown, not run, where the Markdown is turned into a page)."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace("|", "\\|")
            .replace("\r", " ").replace("\n", " "))
