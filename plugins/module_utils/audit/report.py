# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One host's audit report: the sections ``overhead``, ``drift`` and ``readiness`` as plain data
(the JSON file) and laid out as Markdown."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.audit.drift import drift
from ansible_collections.vmpod.core.plugins.module_utils.audit.findings import counts, verdict
from ansible_collections.vmpod.core.plugins.module_utils.audit.overhead import overhead
from ansible_collections.vmpod.core.plugins.module_utils.audit.readiness import readiness

COUNTED = ("measured overhead = max(QEMU process Rss minus the resident guest RAM mapping, "
           "peak of the VM's memory cgroup minus the resident guest RAM); hugetlb pages apart")


def host_report(host, facts, wanted, planned_vms, live_domains, measurements, state,
                libvirt_problem=None):
    """The report of one host. ``live_domains``: the running domains' pinning, from libvirt or
    from their QEMU threads; ``libvirt_problem``: why libvirt could not be read (a note)."""
    drift_findings = drift(planned_vms, live_domains, state, facts.cpu_nodes)
    if libvirt_problem:  # the running guests' threads were read instead
        drift_findings.insert(0, {"check": "drift", "subject": "libvirt", "status": "skip",
                                  "wanted": None, "actual": None, "message": libvirt_problem})
    ready = readiness(facts, wanted)
    section = overhead(measurements, planned_vms)
    section["counted"] = COUNTED
    section["problem"] = libvirt_problem
    everything = ready + drift_findings + [
        {"status": {"high": "fail", "medium": "warn"}.get(row["oom_risk"], "ok")}
        for row in section["rows"]]
    return {
        "host": host,
        "verdict": verdict(everything),
        "counts": counts(everything),
        "overhead": section,
        "drift": {"verdict": verdict(drift_findings), "findings": drift_findings},
        "readiness": {"verdict": verdict(ready), "findings": ready},
    }


def _mib(value):
    return "-" if value is None else "%.1f" % (value / 1048576.0)


def _cell(value):
    text = "-" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _findings_table(findings):
    lines = ["| status | check | subject | message |", "|---|---|---|---|"]
    for item in findings:
        cells = tuple(_cell(item[key]) for key in ("status", "check", "subject", "message"))
        lines.append("| %s | %s | %s | %s |" % cells)
    return lines


def markdown(report):
    """The report laid out as Markdown: a title with the verdict, then one section each."""
    section = report["overhead"]
    lines = ["# Audit of %s: %s" % (_cell(report["host"]), report["verdict"]), "",
             ", ".join("%s %d" % item for item in sorted(report["counts"].items())), "",
             "## Overhead", "", section["counted"] + ".", ""]
    if section["problem"]:
        lines += ["Note: %s" % _cell(section["problem"]), ""]
    if not section["rows"]:
        lines += ["No running domain.", ""]
    else:
        lines += ["| domain | class | guest MiB | computed MiB | measured MiB | counted | "
                  "margin MiB | OOM risk |", "|---|---|---:|---:|---:|---|---:|---|"]
        for row in section["rows"]:
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                _cell(row["domain"]), _cell(row["class"]), _mib(row["guest_memory"]),
                _mib(row["computed_overhead"]), _mib(row["measured_overhead"]),
                _cell(row["counted"]), _mib(row["margin"]), row["oom_risk"]))
        lines.append("")
        for advice in section["recommendations"]:
            lines.append("* %s (%d VM, worst %s at %.0f%% of the computed overhead): %s" % (
                _cell(advice["class"]), advice["vms"], _cell(advice["worst_domain"]),
                advice["measured_to_computed"] * 100, advice["advice"]))
        lines.append("")
    for name, title in (("drift", "Drift"), ("readiness", "Readiness")):
        lines += ["## %s: %s" % (title, report[name]["verdict"]), ""]
        lines += _findings_table(report[name]["findings"]) + [""]
    return "\n".join(lines)
