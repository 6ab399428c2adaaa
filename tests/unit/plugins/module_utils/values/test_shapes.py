# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""values.shapes and the key paths of values.errors: bad data named by its field, bounded."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.output.yaml_flow import yaml_flow
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import (
    PATH_LIMIT, VmpodInputError, key_order, key_path)
from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import (
    MAX_TEXT, INT, NUMBER, PLAIN, TEXT, ListOf, MapOf, Maybe, Record, checked, expanded_size, expanded_text)


def _bomb(levels):
    shared = ["x"]
    for _level in range(levels):
        shared = [shared, shared]
    return shared


@pytest.mark.parametrize("key, path", [
    ("app", "labels.app"),
    ("kubevirt.io/size", "labels.kubevirt.io/size"),
    ("bad key", "labels['bad key']"),
    ("a\nb", "labels['a\\nb']"),
    (3, "labels[3]"),
    ((1, 2), "labels[(1, 2)]"),
    (None, "labels[None]"),
    # a dotted key naming a secret is bracketed, so that the path still ends in the secret's name
    ("token.example.com/bearer", "labels['token.example.com/bearer']"),
])
def test_key_paths(key, path):
    assert key_path("labels", key) == path


def test_key_paths_stay_short_whatever_the_key():
    assert key_path("a", (10 ** 5000 - 1)) == "a[<a number of about 5000 digits>]"
    assert len(key_path("a", "x" * 100000)) < 80
    assert len(key_path("a" * 100000, "b")) == PATH_LIMIT
    assert key_path("a" * 100000, "b").endswith("a.b")
    error = VmpodInputError("x" * 10000, 1, "is bad")
    assert len(str(error)) < PATH_LIMIT + 20 and str(error).startswith(error.path + ": 1 is bad")


def test_a_secret_behind_a_dotted_key_is_not_shown():
    error = VmpodInputError(key_path("metadata.annotations", "token.example.com/bearer"), "S3CR3T", "is bad")
    assert "S3CR3T" not in str(error) and "not shown" in str(error)


def test_keys_of_any_type_sort():
    assert sorted([3, "a", None, "1", (10 ** 5000 - 1), (1,)], key=key_order)[:3] == [(1,), "1", 3]


def test_an_alias_bomb_is_measured_without_expanding_it():
    assert expanded_size(_bomb(10), "v") == 2 ** 11 - 1 + 2 ** 10  # lists, plus their leaves
    with pytest.raises(VmpodInputError, match=r"^v expands to more than 100000 values"):
        expanded_size(_bomb(60), "v")  # 2**60 leaves: measured in 60 steps


def test_nesting_is_bounded():
    deep = []
    for _level in range(100):
        deep = [deep]
    with pytest.raises(VmpodInputError, match="^v nests deeper than 64 levels"):
        expanded_size(deep, "v")


USAGE = Record({"nodes": ListOf(Record({"id": INT, "used": NUMBER}))}, {"name": Maybe(TEXT)})


@pytest.mark.parametrize("value, message", [
    ({}, "usage.nodes is required"),
    ({"nodes": {}}, "usage.nodes: {} must be a list"),
    ({"nodes": [{"id": True, "used": 1}]}, "usage.nodes[0].id: True must be an integer"),
    ({"nodes": [{"id": 1 << 63, "used": 1}]}, "usage.nodes[0].id: 9223372036854775808 must be an integer"),
    ({"nodes": [{"id": 0, "used": float("inf")}]}, "usage.nodes[0].used: inf must be a finite number"),
    ({"nodes": [{"id": 0, "used": ""}]}, "usage.nodes[0].used: '' must be a finite number"),
    ({"nodes": [], "name": 3}, "usage.name: 3 must be text"),
])
def test_records_name_the_bad_field(value, message):
    with pytest.raises(VmpodInputError) as err:
        checked(USAGE, value, "usage")
    assert str(err.value) == message


def test_records_pass_good_data_and_extra_keys():
    value = {"nodes": [{"id": 0, "used": 1.5, "more": object()}], "name": None}
    assert checked(USAGE, value, "usage") is value
    assert MapOf(INT).check({"a": 1}, "m") == {"a": 1}
    with pytest.raises(VmpodInputError, match=r"^m\[1\]: 1 must be a text key"):
        MapOf(INT).check({1: 1}, "m")


@pytest.mark.parametrize("value, message", [
    (b"x", "value: b'x' must be text, a number of at most 64 bits"),
    ({"a": [1, float("nan")]}, "value.a[1]: nan must be text"),
    ({(1, 2): "x"}, "value[(1, 2)]: (1, 2) must be a text key"),
    ([(10 ** 5000 - 1)], "value[0]: <a number of about 5000 digits> must be text"),
])
def test_plain_data_is_what_json_and_yaml_write_alike(value, message):
    with pytest.raises(VmpodInputError) as err:
        checked(PLAIN, value, "value")
    assert str(err.value).startswith(message)


def test_plain_data_with_shared_parts_is_checked_once():
    shared = {"a": [1, 2.5, None, True, "x"]}
    assert checked(PLAIN, [shared] * 1000, "value")[0] is shared


def test_a_secret_in_a_subclass_of_dict_is_not_shown():
    """Ansible hands over its tagged dicts and strings; their own repr() would show everything."""
    class Tagged(dict):
        pass

    class Text(str):
        pass
    value = [Tagged({"name": "a", "annotations": Tagged({"example.com/password": Text("S3CR3T")})})]
    message = str(VmpodInputError("metadata", value, "must be a mapping"))
    assert "S3CR3T" not in message and "(not shown)" in message


def test_tagged_numbers_pass_as_numbers_and_booleans_do_not():
    """ansible-core 2.19 hands a filter its ints and floats as subclasses (data tagging)."""
    class TaggedInt(int):
        pass

    class TaggedFloat(float):
        pass
    assert INT.check(TaggedInt(3), "n") == 3 and NUMBER.check(TaggedFloat(1.5), "n") == 1.5
    assert checked(PLAIN, {"a": [TaggedInt(1), TaggedFloat(2.5)]}, "v")
    for shape in (INT, NUMBER):
        with pytest.raises(VmpodInputError, match="^n: True must be"):
            shape.check(True, "n")


def test_expanded_text_counts_every_repeat_of_a_string_and_key():
    text = "x" * 1000
    assert expanded_text([text] * 3, "v") == 3000
    assert expanded_text({"ab": text, "c": [text, {"de": "f"}]}, "v") == 2 + 1000 + 1 + 1000 + 2 + 1
    assert expanded_text(text, "v") == 1000
    assert expanded_text(7, "v") == 0


def test_expanded_text_refuses_text_past_its_limit_without_writing_it():
    # one 100 kB string held 200 times is 20 million characters written out; a shared list
    # of it, repeated, is counted as often as it appears
    shared = ["x" * 100000] * 100
    with pytest.raises(VmpodInputError, match=r"^value holds more than %d characters" % MAX_TEXT):
        expanded_text({"a": shared, "b": shared}, "value")
    with pytest.raises(VmpodInputError, match="holds more than 10 characters"):
        expanded_text("x" * 11, "value", 10)
    with pytest.raises(VmpodInputError, match="expands to more than"):
        expanded_text(_bomb(40), "value")


def test_yaml_flow_refuses_text_too_large_to_write():
    long_text = "x" * 100000
    with pytest.raises(VmpodInputError, match="^value holds more than"):
        yaml_flow({"\x7f\U00010000": [long_text] * 100, "apiVersion": [long_text] * 100})
    assert yaml_flow({"\x7f": [long_text] * 2}) == '{"\\u007f": ["%s", "%s"]}' % (long_text, long_text)
