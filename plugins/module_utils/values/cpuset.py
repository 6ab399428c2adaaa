# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU sets in the Linux list format (``0-3,8,10-11``), as sysfs, cgroups and libvirt write them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

_PLAIN_INT = frozenset((int,))

# The largest CPU id: Linux builds for at most 8192 CPUs (CONFIG_NR_CPUS, arch/x86/Kconfig
# NR_CPUS_RANGE_END with MAXSMP), and a cpuset names no more.  Every id is checked against it
# before a set is built, so "0-400000000" is refused at once instead of filling the memory.
MAX_CPU_ID = 8191
_ITEM = re.compile(r"[ \t]*([0-9]{1,9})(?:-([0-9]{1,9}))?[ \t]*\Z")  # ASCII digits only
_OUT_OF_RANGE = "names CPU %s; Linux numbers at most %d CPUs (ids 0-%d)"


def _out_of_range(cpu):
    shown = str(cpu) if cpu.bit_length() <= 4000 else "id of %d bits" % cpu.bit_length()  # str() stops at 4300 digits
    return _OUT_OF_RANGE % (shown, MAX_CPU_ID + 1, MAX_CPU_ID)


def parse_cpuset(value, path=""):
    """A frozenset of CPU ids from ``"0-3,8"`` (blanks allowed around items), a list of ids, or
    an int. ``""`` and None are the empty set."""
    if value is None:
        return frozenset()
    if isinstance(value, bool):
        raise VmpodInputError(path, value, "is not a CPU set such as '0-3,8'")
    if isinstance(value, int):
        if value < 0:
            raise VmpodInputError(path, value, "is not a CPU id")
        if value > MAX_CPU_ID:
            raise VmpodInputError(path, value, _out_of_range(value))
        return frozenset((value,))
    if isinstance(value, (list, tuple, set, frozenset)):
        if set(map(type, value)) <= _PLAIN_INT:  # the common case, checked without a loop
            ids = frozenset(value)
            if not ids or (min(ids) >= 0 and max(ids) <= MAX_CPU_ID):
                return ids
        ids = set()
        for item in value:
            if isinstance(item, bool) or not isinstance(item, int) or item < 0:
                raise VmpodInputError(path, value, "is not a list of CPU ids")
            if item > MAX_CPU_ID:
                raise VmpodInputError(path, value, _out_of_range(item))
            ids.add(item)
        return frozenset(ids)
    if not isinstance(value, str):
        raise VmpodInputError(path, value, "is not a CPU set such as '0-3,8'")
    ids = set()
    text = value[:-1] if value.endswith("\n") else value  # as sysfs files end
    if not text.strip(" \t"):
        return frozenset()
    for part in text.split(","):
        match = _ITEM.match(part)
        if match is None:
            raise VmpodInputError(path, value, "is not a CPU set such as '0-3,8'")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low:
            raise VmpodInputError(path, value, "has a descending range %r" % part.strip())
        if high > MAX_CPU_ID:
            raise VmpodInputError(path, value, _OUT_OF_RANGE % (high, MAX_CPU_ID + 1, MAX_CPU_ID))
        ids.update(range(low, high + 1))
    return frozenset(ids)


def format_cpuset(cpus):
    """The Linux list format of CPU ids: sorted, consecutive ids as ranges; ``""`` when empty."""
    ordered = sorted(cpus if isinstance(cpus, (set, frozenset)) else set(cpus))
    if not ordered:
        return ""
    first, last = ordered[0], ordered[-1]
    if last - first == len(ordered) - 1:  # distinct ids: one run (an emulator pCPU, a node)
        return str(first) if first == last else "%d-%d" % (first, last)
    parts = []
    start = end = first
    for cpu in ordered:
        if cpu > end + 1:
            parts.append(str(start) if start == end else "%d-%d" % (start, end))
            start = cpu
        end = cpu
    parts.append(str(start) if start == end else "%d-%d" % (start, end))
    return ",".join(parts)


def short_cpuset(cpus, limit=80):
    """``format_cpuset`` for a message: cut after ``limit`` characters, with the count of CPUs."""
    text = format_cpuset(cpus)
    if len(text) <= limit:
        return text
    return "%s... (%d CPUs)" % (text[:max(text.rfind(",", 0, limit), 0)], len(cpus))
