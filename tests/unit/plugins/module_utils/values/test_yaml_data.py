# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML read as Kubernetes reads it: JSON's types, aliases counted as they expand, depth bounded."""

import io

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import MAX_VALUES, expanded_size
from ansible_collections.vmpod.core.plugins.module_utils.values.yaml_data import load_documents

# nine levels of nine aliases each: 9**9 = 387 million strings from 11 lines
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    "%s: &%s [%s]\n" % (chr(98 + level), chr(98 + level), ", ".join(["*" + chr(97 + level)] * 9))
    for level in range(8))


def test_an_alias_bomb_is_refused_with_the_file_name():
    with pytest.raises(VmpodInputError) as err:
        load_documents(BOMB, "vmis/bomb.yaml")
    assert str(err.value) == ("vmis/bomb.yaml expands to more than %d values (YAML aliases): refused"
                              % MAX_VALUES)


def test_aliases_that_expand_to_little_are_data():
    text = "defaults: &d {cores: 2, memory: 1Gi}\nvms:\n  - *d\n  - *d\n"
    [doc] = load_documents(text, "f.yaml")
    assert doc["vms"] == [{"cores": 2, "memory": "1Gi"}] * 2
    # d: itself, 2 keys, 2 values = 5; vms: itself + d twice = 11; doc: itself, 2 keys, 5, 11
    assert expanded_size(doc, "f") == 1 + 2 + 5 + 11


def test_dates_stay_text_as_kubernetes_reads_them():
    [doc] = load_documents("metadata:\n  annotations:\n    built: 2024-01-02\n    at: 2001-12-14t21:59:43.10-05:00\n", "f")
    assert doc["metadata"]["annotations"] == {"built": "2024-01-02", "at": "2001-12-14t21:59:43.10-05:00"}
    # the other implicit types are YAML's as before
    assert load_documents("a: 1\nb: 1.5\nc: true\nd: null\ne: '1'\n", "f") == [
        {"a": 1, "b": 1.5, "c": True, "d": None, "e": "1"}]


def test_documents_of_a_stream_and_of_a_binary_file_empty_ones_skipped():
    text = "---\na: 1\n---\n---\nb: 2\n"
    assert load_documents(text, "f") == [{"a": 1}, {"b": 2}]
    assert load_documents(io.BytesIO(text.encode()), "f") == [{"a": 1}, {"b": 2}]


@pytest.mark.parametrize("text", ["[" * 70 + "]" * 70, "a:\n" + "".join("  " * i + " b:\n" for i in range(1, 80))])
def test_deep_nesting_is_refused(text):
    with pytest.raises(VmpodInputError) as err:
        load_documents(text, "deep.yaml")
    assert str(err.value).startswith("deep.yaml nests")


def test_not_yaml_names_the_file_and_where():
    with pytest.raises(VmpodInputError) as err:
        load_documents("a: [1, 2\nb: 3\n", "vmis/broken.yaml")
    assert str(err.value).startswith("vmis/broken.yaml is not YAML: ")
    assert "line" in str(err.value)


def test_unsafe_tags_are_refused():
    with pytest.raises(VmpodInputError):
        load_documents("!!python/object/apply:os.system ['true']", "f")
