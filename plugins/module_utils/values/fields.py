# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed reads of fields from plain input data, each failure naming the field's path.

These are the only places that look inside raw dicts; everything after them works on values.
A missing field or an explicit ``null`` reads as the default, as in the Kubernetes API.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError, key_order, key_path
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import (
    PARSED, ZERO_UNSET, parse_quantity)

_EMPTY = {}
_UINT32_MAX = (1 << 32) - 1


# ``path.key``, or ``path[<key>]`` for a key that is not plain text (values.errors.key_path;
# the same function, without a call of its own)
join = key_path


def mapping(data, key, path, required=False):
    """The dict at ``data[key]``; ``{}`` when absent (or an error when ``required``)."""
    value = data.get(key)
    if value is None:
        if required:
            raise VmpodInputError(join(path, key), value, "is required")
        return _EMPTY
    if not isinstance(value, dict):
        raise VmpodInputError(join(path, key), value, "must be a mapping")
    return value


def optional_mapping(data, key, path):
    """The dict at ``data[key]``, or None when absent: for fields whose mere presence matters."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise VmpodInputError(join(path, key), value, "must be a mapping")
    return value


def option_map(options, path, allowed):
    """An options mapping whose keys are all in ``allowed`` (a tuple, listed in the error);
    ``{}`` for None."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise VmpodInputError(path, options, "must be a mapping")
    unknown = sorted((key for key in options if not (isinstance(key, str) and key in allowed)), key=key_order)
    if unknown:
        raise VmpodInputError(join(path, unknown[0]), options[unknown[0]],
                              "is not an option (%s)" % ", ".join(allowed))
    return options


def sequence(data, key, path):
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise VmpodInputError(join(path, key), value, "must be a list")
    return value


def mappings(data, key, path):
    """A list of dicts, each checked, as (item path, item) pairs."""
    if not data.get(key):
        return ()
    items = sequence(data, key, path)
    where = join(path, key)
    result = []
    for index, item in enumerate(items):
        item_path = "%s[%d]" % (where, index)
        if not isinstance(item, dict):
            raise VmpodInputError(item_path, item, "must be a mapping")
        result.append((item_path, item))
    return result


def mapping_items(data, key, path):
    """The dicts of the list at ``data[key]``, checked as ``mappings`` checks them, without their
    paths (``item_path`` builds one where an error needs it)."""
    items = data.get(key)
    if not items:
        return ()
    if items.__class__ is list:  # fast path: a plain list of plain dicts, as YAML and JSON give
        for item in items:
            if item.__class__ is not dict:
                break
        else:
            return items
    return [item for _path, item in mappings(data, key, path)]


def item_path(path, key, index):
    """The path of ``data[key][index]``, as ``mappings`` gives it."""
    return "%s[%d]" % (join(path, key), index)


# (list path, key) -> the paths of its first items: the same few lists (disks, GPUs) recur in
# every VMI; bounded, so hostile input cannot grow it without end
_ITEM_PATHS = {}
_ITEM_PATHS_KEPT = 256
_ITEM_PATHS_EACH = 32


def item_paths(path, key, count):
    """The paths of the first ``count`` items of ``data[key]`` (a sequence), as ``mappings``
    gives them: for values that keep their path."""
    known = _ITEM_PATHS.get((path, key))
    if known is None or len(known) < count:
        where = join(path, key)
        known = tuple(["%s[%d]" % (where, index) for index in range(max(count, 8))])
        if count <= _ITEM_PATHS_EACH and len(_ITEM_PATHS) < _ITEM_PATHS_KEPT:
            _ITEM_PATHS[path, key] = known
    return known


def string(data, key, path, default=""):
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise VmpodInputError(join(path, key), value, "must be a string")
    return value


def strings(data, key, path):
    items = sequence(data, key, path)
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise VmpodInputError("%s[%d]" % (join(path, key), index), item, "must be a string")
    return tuple(items)


def boolean(data, key, path, default=None):
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise VmpodInputError(join(path, key), value, "must be true or false")
    return value


def integer(data, key, path, default=0, minimum=None, maximum=None):
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise VmpodInputError(join(path, key), value, "must be an integer")
    if minimum is not None and value < minimum:
        raise VmpodInputError(join(path, key), value, "must be at least %d" % minimum)
    if maximum is not None and value > maximum:
        raise VmpodInputError(join(path, key), value, "must be at most %d" % maximum)
    return value


def uint32(data, key, path, default=0):
    return integer(data, key, path, default, 0, _UINT32_MAX)


def quantity(data, key, path, negative_ok=False):
    """The quantity at ``data[key]``, or None when absent."""
    value = data.get(key)
    if value is None:
        return None
    if value.__class__ is str:  # fast path: a text parsed before, as parse_quantity would give it
        parsed = PARSED.get(value)
        if parsed is not None and not parsed.dec and (negative_ok or parsed.unscaled >= 0):
            return parsed
    parsed = parse_quantity(value, join(path, key))
    if not negative_ok and parsed.unscaled < 0:
        raise VmpodInputError(join(path, key), value, "must not be negative")
    return parsed


def resource_list(data, key, path):
    """A Kubernetes ResourceList: resource name -> non-negative quantity."""
    raw = data.get(key)
    if raw.__class__ is not dict:  # (absent, or not a plain dict: read checked)
        raw = mapping(data, key, path)
    result = {}
    for name, value in raw.items():
        if name.__class__ is str and name and value.__class__ is str:
            # fast path: a text parsed before, as ``quantity`` would give it (the path unbuilt)
            found = PARSED.get(value)
            if found is not None and not found.dec and found.unscaled >= 0:
                result[name] = found
                continue
        where = join(path, key)
        if not isinstance(name, str) or not name:
            raise VmpodInputError(where, name, "is not a resource name")
        # a null value still names the resource: Go reads it as a zero quantity
        found = quantity(raw, name, where)
        result[name] = found if found is not None else ZERO_UNSET
    return result
