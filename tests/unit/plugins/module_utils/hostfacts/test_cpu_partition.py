# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Isolated and reserved CPUs: the checks and the kernel arguments (kernel-parameters.txt:
isolcpus= flags `domain` and `managed_irq`, nohz_full=, rcu_nocbs=, irqaffinity=)."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.cpu_partition import (
    affinity_list,
    isolation_arguments,
    partition,
    siblings_from_lists,
)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

# 8 CPUs, siblings n and n+4 (Linux numbers the second threads after all first threads)
ONLINE = frozenset(range(8))
SIBLINGS = siblings_from_lists(dict((cpu, "%d,%d" % (cpu % 4, cpu % 4 + 4)) for cpu in range(8)))


def test_a_clean_split():
    part = partition(ONLINE, "1-3,5-7", "0,4", SIBLINGS)
    assert part.warnings == []
    assert isolation_arguments(part) == [
        "isolcpus=managed_irq,domain,1-3,5-7", "nohz_full=1-3,5-7", "rcu_nocbs=1-3,5-7",
        "irqaffinity=0,4"]
    assert isolation_arguments(part, load_balance=True)[0] == "isolcpus=managed_irq,1-3,5-7"
    assert affinity_list(part.reserved) == "0 4"


def test_split_siblings_warn():
    part = partition(ONLINE, "1-7", "0", SIBLINGS)
    assert part.warnings == [
        "CPUs 0,4 are hyper-thread siblings of one core, split between isolated (4) and "
        "reserved (0): the housekeeping thread disturbs the isolated one"]


@pytest.mark.parametrize("isolated, reserved, message", [
    ("", "0", r"^cpu_isolation_isolated: '' is empty"),
    ("1-7", "", r"^cpu_isolation_reserved: '' is empty: the system needs"),
    ("0-7", "0", r"^cpu_isolation_isolated: '0-7' shares CPUs 0 with cpu_isolation_reserved"),
    ("1-9", "0", r"^cpu_isolation_isolated: '1-9' names CPUs 8-9 that are not online \(online: 0-7\)"),
    ("1-6", "0", r"^cpu_isolation_isolated: '1-6' and cpu_isolation_reserved \('0'\) leave CPUs 7 "
                 r"out: together they must cover every online CPU \(0-7\)"),
    ("1-7", "0,x", r"^cpu_isolation_reserved: '0,x' is not a CPU set"),
])
def test_bad_splits_name_the_field_and_value(isolated, reserved, message):
    with pytest.raises(VmpodInputError, match=message):
        partition(ONLINE, isolated, reserved, SIBLINGS)


def test_affinity_list_ranges_and_singles():
    assert affinity_list(frozenset([0, 1, 8, 10, 11])) == "0-1 8 10-11"
