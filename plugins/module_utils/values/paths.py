# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Paths a module is given, checked before any is opened: the kernel takes no NUL byte in a
path and at most PATH_MAX bytes, and a lone surrogate is not text a file name can be made of
(Python would raise ValueError or UnicodeEncodeError from deep inside a read)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

PATH_MAX = 4096  # bytes, with the final NUL (linux/limits.h)
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_path(value, path):
    """``value`` (a path option, None allowed), or VmpodInputError naming ``path``."""
    if value is None:
        return value
    if not isinstance(value, str):
        raise VmpodInputError(path, value, "must be a path")
    if "\x00" in value:
        raise VmpodInputError(path, value, "holds a NUL byte: no path can")
    if _SURROGATE.search(value):
        raise VmpodInputError(path, value, "holds a lone surrogate (not text a path can hold)")
    if len(value.encode("utf-8")) >= PATH_MAX:
        raise VmpodInputError(path, value, "is longer than a path can be (%d bytes)" % (PATH_MAX - 1))
    return value


def check_paths(params, spec):
    """Every option of ``spec`` (an argument spec) of ``type: path`` in ``params`` checked; the
    error names the option. Lists of paths are checked item by item."""
    for name, option in spec.items():
        value = params.get(name)
        if option.get("type") == "path":
            check_path(value, name)
        elif option.get("type") == "list" and option.get("elements") == "path" and value:
            for index, item in enumerate(value):
                check_path(item, "%s[%d]" % (name, index))
    return params


# Go's path/filepath on Linux, where KubeVirt derives one path from another

def go_clean(path):
    """filepath.Clean: the shortest equivalent path ("." for nothing)."""
    rooted = path.startswith("/")
    parts = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append(part)
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    return "/" + cleaned if rooted else cleaned or "."


def go_dir(path):
    """filepath.Dir: all but the last element, cleaned ("." for a bare name)."""
    return go_clean(path[:path.rfind("/") + 1])


def go_base(path):
    """filepath.Base: the last element, trailing slashes dropped ("/" for only slashes, "." for
    nothing)."""
    if not path:
        return "."
    stripped = path.rstrip("/")
    return stripped[stripped.rfind("/") + 1:] if stripped else "/"
