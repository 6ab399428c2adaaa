# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Go's filepath.Clean, Dir and Base on Linux (the examples of Go's path/filepath tests and
documentation), which KubeVirt uses to derive one path from another."""

import pytest
from hypothesis import given, strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.paths import go_base, go_clean, go_dir


@pytest.mark.parametrize("path, cleaned", [
    ("", "."), ("abc", "abc"), ("abc/def", "abc/def"), (".", "."), ("..", ".."), ("../..", "../.."),
    ("/", "/"), ("//", "/"), ("/abc/", "/abc"), ("abc//def//ghi", "abc/def/ghi"), ("abc/./def", "abc/def"),
    ("/./abc/def", "/abc/def"), ("abc/def/../ghi/../jkl", "abc/jkl"), ("abc/..", "."), ("../../abc", "../../abc"),
    ("/../abc", "/abc"), ("/..", "/"), ("abc/../../..", "../.."),
])
def test_clean(path, cleaned):
    assert go_clean(path) == cleaned


@pytest.mark.parametrize("path, directory, base", [
    ("", ".", "."), (".", ".", "."), ("/.", "/", "."), ("/", "/", "/"), ("////", "/", "/"),
    ("/foo", "/", "foo"), ("x/", "x", "x"), ("abc", ".", "abc"), ("abc/def", "abc", "def"),
    ("a/b/.x", "a/b", ".x"), ("a/b/c.", "a/b", "c."), ("/a//b.img", "/a", "b.img"),
    ("/a/./b.img", "/a", "b.img"), ("disk.img", ".", "disk.img"),
])
def test_dir_and_base(path, directory, base):
    assert go_dir(path) == directory
    assert go_base(path) == base


@given(st.text(alphabet="/.ab", max_size=12))
def test_clean_is_idempotent_and_dir_is_clean(path):
    assert go_clean(go_clean(path)) == go_clean(path)
    assert go_clean(go_dir(path)) == go_dir(path)
