# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux CPU list format: parse and print (cpuset(7) 'List format')."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


@pytest.mark.parametrize("text, cpus", [
    ("0-3,8", {0, 1, 2, 3, 8}), ("0", {0}), ("", set()), (None, set()), (" 1 , 3-4 ", {1, 3, 4}),
    ("0-0", {0}), (5, {5}), ([2, 0, 2], {0, 2}),
])
def test_parse(text, cpus):
    assert parse_cpuset(text) == frozenset(cpus)


@pytest.mark.parametrize("text", [
    "a", "1-", "-1", "3-1", "1,,2", "1.5", True, -1, [1, "2"], {"a": 1},
    # Unicode digits: str.isdigit() takes them, int() crashes on '²' and reads '٣' as 3
    "\u00b2", "\u0663", "0-\u0663", "\uff11",
    # blank lines and other whitespace inside the text are no CPU set
    "1\n2", "1\x00",
])
def test_parse_rejects_with_the_path(text):
    with pytest.raises(VmpodInputError) as err:
        parse_cpuset(text, "host.reserved_cpus")
    assert str(err.value).startswith("host.reserved_cpus: ")


@pytest.mark.parametrize("cpus, text", [
    ([], ""), ([3], "3"), ([0, 1, 2, 3, 8], "0-3,8"), ([8, 0, 1], "0-1,8"), ([1, 3, 5], "1,3,5"),
])
def test_format(cpus, text):
    assert format_cpuset(cpus) == text


@given(st.sets(st.integers(0, 300)))
def test_round_trip(cpus):
    assert parse_cpuset(format_cpuset(cpus)) == frozenset(cpus)


@pytest.mark.parametrize("value, cpu", [
    ("0-400000000", 400000000), ("8192", 8192), ("0-3,9999999", 9999999), (10 ** 30, 10 ** 30),
    ([0, 8192], 8192), ((1, 2, 10 ** 9), 10 ** 9),
])
def test_ids_beyond_what_linux_numbers_are_refused_before_any_set_is_built(value, cpu):
    # "0-400000000" used to build a set of 400 million ids (20 GB) before anything was checked
    with pytest.raises(VmpodInputError) as err:
        parse_cpuset(value, "reserved_cpus")
    assert str(err.value).startswith("reserved_cpus: ")
    assert "names CPU %d; Linux numbers at most 8192 CPUs (ids 0-8191)" % cpu in str(err.value)


def test_the_largest_cpu_id_linux_numbers():
    assert parse_cpuset("8191") == frozenset([8191])
    assert len(parse_cpuset("0-8191")) == 8192
    assert parse_cpuset("1\n") == frozenset([1])  # a file's trailing newline (sysfs)


def test_many_digits_are_refused_not_converted():
    # int() of more than 4,300 digits raises ValueError on Python 3.11+
    with pytest.raises(VmpodInputError):
        parse_cpuset("9" * 5000, "used_cpus")
