# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of plain data against a declared shape, for what comes back in from a playbook.

The formatters (tables, the fleet report, the host pictures) and ``yaml_flow`` take data that
a playbook passes around: usually the engine's own result, but a ``set_fact`` or a hand-written
variable can put anything there. They check it first, so that bad data is an input error naming
its field (``fleet.hosts.h.nodes[0].memory.used: '' must be a finite number``) and never a
KeyError from the middle of a table. ``expanded_size`` comes first: a structure that shares its parts (a
YAML alias bomb) is measured as it would be written out, without expanding it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import (
    NO_VALUE, VmpodInputError, key_path)

# Values a document or a formatter's input may hold, counting every repeat of a shared part (a
# VMI holds a few hundred values, a large VirtualMachine a few thousand), and how deep it nests.
MAX_VALUES = 100000
MAX_DEPTH = 64
# Characters of text a formatter writes out (yaml_flow): many times any Kubernetes object
MAX_TEXT = 8 * 1024 * 1024
_INT64 = 1 << 63


def expanded_size(value, where, limit=MAX_VALUES):
    """The number of values of ``value`` with every shared part (a YAML alias) written out,
    counted without writing it out: each shared list or mapping is counted once and its count
    reused, so an alias bomb of 2**60 values costs as much as its few dozen distinct parts.
    VmpodInputError when it passes ``limit`` or nests deeper than MAX_DEPTH."""
    return _expanded(value, where, limit, None)[0]


def expanded_text(value, where, limit=MAX_TEXT):
    """The characters of the strings and keys of ``value`` written out, every shared part (and
    every repeat of one string) counted each time it appears, without writing it out. Checks the
    number of values (``expanded_size``) too. VmpodInputError past ``limit`` characters: text
    of that size is no Kubernetes object (etcd takes 1.5 MiB) and would take memory many times
    its size to write."""
    return _expanded(value, where, MAX_VALUES, limit)[1]


def _expanded(value, where, limit, text_limit):
    """(values, characters) of ``value`` written out; see expanded_size and expanded_text."""
    counted = {}

    def size(node, depth):
        if not isinstance(node, (dict, list, tuple)):
            return 1, (len(node) if isinstance(node, str) else 0)
        known = counted.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise VmpodInputError(where, NO_VALUE, "nests deeper than %d levels" % MAX_DEPTH)
        counted[id(node)] = (0, 0)  # a structure that contains itself adds nothing more (cannot come from YAML)
        items = node.items() if isinstance(node, dict) else ((None, item) for item in node)
        total, text = 1, 0
        for key, item in items:
            values, chars = size(item, depth + 1)
            total += values + (key is not None)
            text += chars + (len(key) if isinstance(key, str) else 0)
            if total > limit:
                raise VmpodInputError(where, NO_VALUE,
                                      "expands to more than %d values (YAML aliases): refused" % limit)
            if text_limit is not None and text > text_limit:
                raise VmpodInputError(where, NO_VALUE,
                                      "holds more than %d characters of text: refused" % text_limit)
        counted[id(node)] = total, text
        return total, text
    found = size(value, 0)
    if text_limit is not None and found[1] > text_limit:
        raise VmpodInputError(where, NO_VALUE, "holds more than %d characters of text: refused" % text_limit)
    return found


class Shape:
    """A check of one value; ``check(value, path)`` returns the value or raises."""

    def __init__(self, test, wanted):
        self.test = test
        self.wanted = wanted

    def check(self, value, path):
        if not self.test(value):
            raise VmpodInputError(path, value, "must be %s" % self.wanted)
        return value


def _is_int(value):
    # (subclasses too: Ansible hands over tagged ints; but a bool is not a number here)
    return isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value < _INT64


def _is_number(value):
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


INT = Shape(_is_int, "an integer")
NUMBER = Shape(_is_number, "a finite number")
TEXT = Shape(lambda value: isinstance(value, str), "text")
BOOL = Shape(lambda value: isinstance(value, bool), "true or false")
ANY = Shape(lambda value: True, "anything")


class Maybe(Shape):
    """``shape`` or null."""

    def __init__(self, shape):
        self.shape = shape

    def check(self, value, path):
        return value if value is None else self.shape.check(value, path)


class OneOf(Shape):
    """The first of ``shapes`` that ``value`` passes; the error names the first shape."""

    def __init__(self, *shapes):
        self.shapes = shapes

    def check(self, value, path):
        for shape in self.shapes[1:]:
            try:
                return shape.check(value, path)
            except VmpodInputError:
                pass
        return self.shapes[0].check(value, path)


class ListOf(Shape):

    def __init__(self, item):
        self.item = item

    def check(self, value, path):
        if not isinstance(value, (list, tuple)):
            raise VmpodInputError(path, value, "must be a list")
        for index, item in enumerate(value):
            self.item.check(item, "%s[%d]" % (path, index))
        return value


class MapOf(Shape):
    """A mapping of text keys to ``item`` values."""

    def __init__(self, item, key=TEXT):
        self.item = item
        self.key = key

    def check(self, value, path):
        if not isinstance(value, dict):
            raise VmpodInputError(path, value, "must be a mapping")
        for key, item in value.items():
            where = key_path(path, key)
            if not isinstance(key, str):
                raise VmpodInputError(where, key, "must be a text key")
            self.key.check(key, where)
            self.item.check(item, where)
        return value


class Record(Shape):
    """A mapping with the ``required`` keys and maybe the ``optional`` ones (both: key ->
    shape); other keys are left alone."""

    def __init__(self, required, optional=None):
        self.required = required
        self.optional = optional or {}

    def check(self, value, path):
        if not isinstance(value, dict):
            raise VmpodInputError(path, value, "must be a mapping")
        for key, shape in self.required.items():
            if key not in value:
                raise VmpodInputError(key_path(path, key), NO_VALUE, "is required")
            shape.check(value[key], key_path(path, key))
        for key, shape in self.optional.items():
            if key in value:
                shape.check(value[key], key_path(path, key))
        return value


class _Plain(Shape):
    """Data that JSON and YAML write alike: text, booleans, null, integers of at most 64 bits,
    finite floats, lists and mappings with text keys. Shared parts are checked once."""

    def __init__(self):
        pass

    def check(self, value, path):
        seen = set()

        def walk(node, where):
            if node is None or isinstance(node, (str, bool)) or _is_number(node):
                return
            if id(node) in seen:
                return
            if isinstance(node, dict):
                seen.add(id(node))
                for key, item in node.items():
                    inner = key_path(where, key)
                    if not isinstance(key, str):
                        raise VmpodInputError(inner, key, "must be a text key")
                    walk(item, inner)
            elif isinstance(node, (list, tuple)):
                seen.add(id(node))
                for index, item in enumerate(node):
                    walk(item, "%s[%d]" % (where, index))
            else:
                raise VmpodInputError(where, node, "must be text, a number of at most 64 bits, true, "
                                      "false, null, a list or a mapping")

        walk(value, path)
        return value


PLAIN = _Plain()


def checked(shape, value, path, limit=MAX_VALUES):
    """``value`` measured (``expanded_size``), then checked against ``shape``."""
    expanded_size(value, path, limit)
    return shape.check(value, path)
