# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type for bad input: it names the field path and the offending value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import reprlib

from ansible_collections.vmpod.core.plugins.module_utils.values.secrets import SECRET_FIELD, SECRET_NAME

# Fields whose values are secrets (values.secrets): an error names the field but never shows its
# value, nor the value of such a key in a mapping.
_SECRET_FIELD = SECRET_FIELD
_SECRET_KEY = SECRET_NAME


class _Shown(reprlib.Repr):
    """repr() bounded in items per level and in levels, so that a huge or aliased structure (a
    YAML alias bomb) costs nothing to show; the values of secret keys are left out."""

    def repr_dict(self, x, level):
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        pieces = []
        for key in itertools.islice(x, self.maxdict):
            shown = "(not shown)" if isinstance(key, str) and _SECRET_KEY.search(key) \
                else self.repr1(x[key], level - 1)
            pieces.append("%s: %s" % (self.repr1(key, level - 1), shown))
        if len(x) > self.maxdict:
            pieces.append("...")
        return "{%s}" % ", ".join(pieces)


_REPR = _Shown()
_REPR.maxlevel = 3
_REPR.maxdict = _REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = 4
_REPR.maxstring = 100
_REPR.maxlong = 40
_REPR.maxother = 60


# The value of an error about a whole file or stream: the message names the place and the problem.
NO_VALUE = object()


class VmpodInputError(ValueError):
    """Bad input. ``path`` is the dotted field path, ``value`` the value found there.

    The message reads ``<path>: <value!r> <problem>``, for example
    ``spec.domain.resources.requests.memory: '12Qi' is not a quantity``.
    """

    def __init__(self, path, value, problem):
        self.path = path
        self.value = value
        self.problem = problem
        where = path if path else "input"
        if value is NO_VALUE or (value is None and problem.startswith("is required")):
            message = "%s %s" % (where, problem)
        elif path and _SECRET_FIELD.search(path):
            message = "%s: (value not shown: a secret) %s" % (where, problem)
        else:
            message = "%s: %s %s" % (where, _shown(value), problem)
        super(VmpodInputError, self).__init__(message)


def _shown(value):
    try:
        text = _REPR.repr(value)
    except Exception:  # a value whose repr fails (a foreign object): its type is enough
        text = "<%s>" % type(value).__name__
    if len(text) > 120:
        text = text[:117] + "..."
    return text


def within(err, where):
    """``err`` with ``where`` (``vmis[3](name)``) put before its path."""
    return VmpodInputError("%s.%s" % (where, err.path) if err.path else where, err.value,
                           err.problem)


def item_name(obj):
    """``(name)`` of an object with ``metadata.name``, else ``""``: errors name list items so."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    return "(%s)" % name if isinstance(name, str) and name else ""


def each_item(items, build, path="vmis", named=True):
    """``build(item)`` for each item of a list, in order; a bad item's error names its place
    (``vmis[3](name).spec...``, without the name when ``named`` is false)."""
    if not isinstance(items, (list, tuple)):
        raise VmpodInputError(path, items, "must be a list of VMIs")
    results = []
    for index, item in enumerate(items):
        try:
            results.append(build(item))
        except VmpodInputError as err:
            where = "%s[%d]%s" % (path, index, item_name(item) if named else "")
            raise within(err, where)
    return results


class NoFit(Exception):
    """Not bad input: what was asked does not fit (the reason says why, with numbers)."""

    def __init__(self, reason):
        super(NoFit, self).__init__(reason)
        self.reason = reason
