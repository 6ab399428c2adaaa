# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host's CPUs split into isolated CPUs (for pinned VM vCPUs) and reserved, housekeeping CPUs
(for the system, interrupts and the kubelet), and the kernel arguments that isolate them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

# The kernel arguments the partition owns (kernel-parameters.txt).
ISOLATION_ARGUMENT_KEYS = ("isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity")


class Partition:
    """Checked isolated and reserved CPU sets, and the warnings the check raised."""

    __slots__ = ("isolated", "reserved", "warnings")

    def __init__(self, isolated, reserved, warnings):
        self.isolated = isolated
        self.reserved = reserved
        self.warnings = warnings


def partition(online, isolated, reserved, siblings=None,
              paths=("cpu_isolation_isolated", "cpu_isolation_reserved")):
    """Check a split of the ``online`` CPUs: both sets given, no CPU in both, all online, and
    together every online CPU. ``siblings`` maps a CPU to its hyper-thread siblings (itself
    included); a core split across the two sets is a warning."""
    isolated_path, reserved_path = paths
    isolated_cpus = parse_cpuset(isolated, isolated_path)
    reserved_cpus = parse_cpuset(reserved, reserved_path)
    if not isolated_cpus:
        raise VmpodInputError(isolated_path, isolated, "is empty: name the CPUs to isolate")
    if not reserved_cpus:
        raise VmpodInputError(reserved_path, reserved,
                              "is empty: the system needs at least one housekeeping CPU")
    both = isolated_cpus & reserved_cpus
    if both:
        raise VmpodInputError(isolated_path, isolated, "shares CPUs %s with %s (%r)" % (
            format_cpuset(both), reserved_path, reserved))
    for cpus, path, value in ((isolated_cpus, isolated_path, isolated),
                              (reserved_cpus, reserved_path, reserved)):
        offline = cpus - online
        if offline:
            raise VmpodInputError(path, value, "names CPUs %s that are not online (online: %s)"
                                  % (format_cpuset(offline), format_cpuset(online)))
    left = online - isolated_cpus - reserved_cpus
    if left:
        raise VmpodInputError(isolated_path, isolated, (
            "and %s (%r) leave CPUs %s out: together they must cover every online CPU (%s)")
            % (reserved_path, reserved, format_cpuset(left), format_cpuset(online)))
    return Partition(isolated_cpus, reserved_cpus,
                     split_core_warnings(isolated_cpus, reserved_cpus, siblings or {}))


def split_core_warnings(isolated, reserved, siblings):
    """One warning per physical core with threads on both sides."""
    warnings = []
    seen = set()
    for cpu in sorted(isolated):
        core = frozenset(siblings.get(cpu, (cpu,))) | frozenset((cpu,))
        if core in seen:
            continue
        seen.add(core)
        if core & reserved:
            warnings.append(
                "CPUs %s are hyper-thread siblings of one core, split between isolated (%s) and "
                "reserved (%s): the housekeeping thread disturbs the isolated one"
                % (format_cpuset(core), format_cpuset(core & isolated),
                   format_cpuset(core & reserved)))
    return warnings


def isolation_arguments(part, load_balance=False):
    """``isolcpus`` (``managed_irq``, plus ``domain`` when the scheduler must not balance load
    onto the isolated CPUs), ``nohz_full`` and ``rcu_nocbs`` on the isolated CPUs,
    ``irqaffinity`` on the reserved ones."""
    isolated = format_cpuset(part.isolated)
    flags = "managed_irq" if load_balance else "managed_irq,domain"
    return [
        "isolcpus=%s,%s" % (flags, isolated),
        "nohz_full=%s" % isolated,
        "rcu_nocbs=%s" % isolated,
        "irqaffinity=%s" % format_cpuset(part.reserved),
    ]


def affinity_list(cpus):
    """systemd's CPUAffinity= form: ``0-1 4``."""
    return format_cpuset(cpus).replace(",", " ")


def siblings_from_lists(lists):
    """``{cpu: frozenset(siblings)}`` from ``{cpu: 'thread_siblings_list' text}``."""
    return dict((cpu, parse_cpuset(text.strip(), "thread_siblings_list of cpu%d" % cpu))
                for cpu, text in lists.items())
