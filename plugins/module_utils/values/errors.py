# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type for bad input: it names the field path and the offending value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import re
import reprlib

from ansible_collections.vmpod.core.plugins.module_utils.values.secrets import SECRET_FIELD, SECRET_NAME

# Fields whose values are secrets (values.secrets): an error names the field but never shows its
# value, nor the value of such a key in a mapping.
_SECRET_FIELD = SECRET_FIELD
_SECRET_KEY = SECRET_NAME


class _Shown(reprlib.Repr):
    """repr() bounded in items per level and in levels, so that a huge or aliased structure (a
    YAML alias bomb) costs nothing to show; the values of secret keys are left out. Subclasses
    of dict, list, tuple and str (Ansible's tagged data) are shown as what they are, never by
    their own repr() (which would show every value)."""

    def repr1(self, x, level):
        if isinstance(x, dict):
            return self.repr_dict(x, level)
        if isinstance(x, list):
            return self.repr_list(x, level)
        if isinstance(x, tuple):
            return self.repr_tuple(x, level)
        if isinstance(x, str):
            return self.repr_str(str(x), level)
        return super(_Shown, self).repr1(x, level)

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

# A path is at most this long in a message: a key of any length still gives a short one.
PATH_LIMIT = 200
# A mapping key written as a plain path element (``labels.app``): text of at most this many
# characters, without brackets, spaces or control characters; any other key is written as
# ``[<its bounded repr>]``, as is a dotted key that names a secret, so that the element after the
# last dot still says what the value is.
_PLAIN_KEY = re.compile(r"[^\s\[\]\x00-\x1f\x7f-\x9f]{1,80}\Z")
_KEY_REPR = reprlib.Repr()
_KEY_REPR.maxstring = 60
_KEY_REPR.maxlong = 40
_KEY_REPR.maxother = 40
_KEY_REPR.maxlevel = 1


class VmpodInputError(ValueError):
    """Bad input. ``path`` is the dotted field path, ``value`` the value found there.

    The message reads ``<path>: <value!r> <problem>``, for example
    ``spec.domain.resources.requests.memory: '12Qi' is not a quantity``.
    """

    def __init__(self, path, value, problem):
        path = bounded_path(path)
        self.path = path
        self.value = value
        self.problem = problem
        where = path if path else "input"
        if value is NO_VALUE or (value is None and problem.startswith("is required")):
            message = "%s %s" % (where, problem)
        elif path and is_secret_path(path):
            message = "%s: (value not shown: a secret) %s" % (where, problem)
        else:
            message = "%s: %s %s" % (where, _shown(value), problem)
        super(VmpodInputError, self).__init__(message)


def bounded_path(path):
    """``path`` cut in the middle to PATH_LIMIT characters (its start and its last element stay)."""
    if not isinstance(path, str) or len(path) <= PATH_LIMIT:
        return path
    return path[:PATH_LIMIT - 63] + "..." + path[-60:]


def is_secret_path(path):
    """Whether the last element of ``path`` names a secret: ``...cloudInitNoCloud.userData``, or
    a key written in brackets (``annotations['token.example.com/bearer']``)."""
    if _SECRET_FIELD.search(path):
        return True
    if path.endswith("]"):
        return _SECRET_KEY.search(path[path.rfind("["):]) is not None
    return False


def key_path(path, key):
    """The path of ``key`` in the mapping at ``path``: ``path.key`` for a plain text key,
    ``path[<repr>]`` for any other (a number of 5000 digits, a tuple, 100,000 characters, a
    control character, a dotted key that names a secret), never longer than PATH_LIMIT."""
    plain = key.__class__ is str and path.__class__ is str
    if plain:
        known = _KEY_PATHS.get((path, key))
        if known is not None:
            return known
    if isinstance(key, str) and _PLAIN_KEY.match(key) and not ("." in key and _SECRET_KEY.search(key)):
        joined = bounded_path("%s.%s" % (path, key) if path else key)
    else:
        joined = bounded_path("%s[%s]" % (path, _repr_of(_KEY_REPR, key)))
    if plain and len(_KEY_PATHS) < _KEY_PATHS_KEPT and len(key) <= 80 and len(path) <= PATH_LIMIT:
        _KEY_PATHS[path, key] = joined
    return joined


# (path, text key) -> its key_path: a schema's few field paths recur in every object read;
# bounded in entries and in their length, so hostile input cannot grow it without end
_KEY_PATHS = {}
_KEY_PATHS_KEPT = 4096


def key_order(key):
    """A sort key for the keys of one mapping, whatever their types: by their text (a number by
    its digits), text before the rest on a tie."""
    if isinstance(key, str):
        return (key, 0)
    return (_repr_of(_KEY_REPR, key), 1)


def _repr_of(shower, value):
    if isinstance(value, int) and value.bit_length() > 4000:  # repr() refuses over 4300 digits
        return "<a number of about %d digits>" % int(value.bit_length() * 0.30103)
    try:
        return shower.repr(value)
    except Exception:  # a value whose repr fails (a foreign object): its type is enough
        return "<%s>" % type(value).__name__


def _shown(value):
    text = _repr_of(_REPR, value)
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
