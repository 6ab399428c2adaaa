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


@pytest.mark.parametrize("text", ["a", "1-", "-1", "3-1", "1,,2", "1.5", True, -1, [1, "2"], {"a": 1}])
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
