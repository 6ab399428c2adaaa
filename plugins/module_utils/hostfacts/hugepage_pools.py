# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hugepage pools a host should have, in the shape of OpenShift's PerformanceProfile
(``spec.hugepages``): a default page size and a list of ``{size, count, node}``.

Pages without a node are allocated at boot by kernel arguments (``default_hugepagesz``,
``hugepagesz``, ``hugepages``), which spread them evenly over the NUMA nodes; pages with a node
go into that node's pool at runtime (``nodeN/hugepages/hugepages-<kB>kB/nr_hugepages``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

# 2Mi / 1Gi (Kubernetes) or 2M / 1G (the kernel's hugepagesz); kB in sysfs directory names.
_SIZE = re.compile(r"^([1-9][0-9]*)(Ki|Mi|Gi|K|M|G|kB)\Z")
_KIB = {"Ki": 1, "K": 1, "kB": 1, "Mi": 1024, "M": 1024, "Gi": 1024 * 1024, "G": 1024 * 1024}
_POOL_DIR = re.compile(r"^hugepages-([0-9]+)kB\Z")
_ALLOWED_KEYS = frozenset(("size", "count", "node"))


class PageRequest:
    """``count`` pages of ``size_kib`` KiB, on ``node`` (None: at boot, spread over nodes)."""

    __slots__ = ("size_kib", "count", "node", "path")

    def __init__(self, size_kib, count, node, path):
        self.size_kib = size_kib
        self.count = count
        self.node = node
        self.path = path

    def __repr__(self):
        return "PageRequest(%s, %d, node=%r)" % (quantity_size(self.size_kib), self.count,
                                                 self.node)


def parse_page_size(value, path):
    """KiB in a page of ``2Mi`` / ``2M`` / ``1Gi`` / ``1G`` / ``2048kB``; a power of two."""
    match = _SIZE.match(value) if isinstance(value, str) else None
    if not match:
        raise VmpodInputError(path, value, "is not a page size such as '2Mi' or '1Gi'")
    kib = int(match.group(1)) * _KIB[match.group(2)]
    if kib & (kib - 1):
        raise VmpodInputError(path, value, "is not a power-of-two page size")
    return kib


def quantity_size(kib):
    """The Kubernetes spelling of a page size: ``2Mi``, ``1Gi``, ``64Ki``."""
    for suffix, factor in (("Gi", 1024 * 1024), ("Mi", 1024)):
        if kib % factor == 0:
            return "%d%s" % (kib // factor, suffix)
    return "%dKi" % kib


def kernel_size(kib):
    """The kernel's spelling of a page size for ``hugepagesz=``: ``2M``, ``1G``, ``64K``."""
    return quantity_size(kib)[:-1]


def _whole_number(value, path, what):
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
        raise VmpodInputError(path, value, "is not %s" % what)
    if value < 0:
        raise VmpodInputError(path, value, "is not %s" % what)
    return value


def parse_pages(pages, path="hugepages_pages"):
    """The page requests of a ``[{size, count, node}]`` list, checked: each size either with
    nodes or without, one entry per size and node."""
    if pages is None:
        return []
    if not isinstance(pages, (list, tuple)):
        raise VmpodInputError(path, pages, "is not a list of {size, count, node}")
    requests = []
    seen = {}
    for index, item in enumerate(pages):
        where = "%s[%d]" % (path, index)
        if not isinstance(item, dict):
            raise VmpodInputError(where, item, "is not a {size, count, node} mapping")
        unknown = sorted(set(item) - _ALLOWED_KEYS)
        if unknown:
            raise VmpodInputError(where + "." + str(unknown[0]), item[unknown[0]],
                                  "is not a known field (size, count, node)")
        for key in ("size", "count"):
            if item.get(key) is None:
                raise VmpodInputError(where + "." + key, None, "is required")
        size = parse_page_size(item["size"], where + ".size")
        count = _whole_number(item["count"], where + ".count", "a page count (0 or more)")
        node = item.get("node")
        if node is not None:
            node = _whole_number(node, where + ".node", "a NUMA node number")
        for other_node, other_where in seen.get(size, []):
            if other_node == node:
                raise VmpodInputError(where, item, "repeats %s (node %s)" % (
                    other_where, "none" if node is None else node))
            if (other_node is None) != (node is None):
                raise VmpodInputError(where + ".node", node, (
                    "mixes boot-time and per-node pages of %s with %s: give every %s entry a "
                    "node, or none") % (quantity_size(size), other_where, quantity_size(size)))
        seen.setdefault(size, []).append((node, where))
        requests.append(PageRequest(size, count, node, where))
    return requests


def boot_arguments(requests, default_size=None, path="hugepages_default_size"):
    """Kernel arguments for the pages without a node, sizes ascending (a stable order, so that
    reordering the input changes nothing): ``default_hugepagesz=1G hugepagesz=2M hugepages=512
    hugepagesz=1G hugepages=4``."""
    arguments = []
    if default_size:
        size = parse_page_size(default_size, path)
        arguments.append("default_hugepagesz=%s" % kernel_size(size))
    for request in sorted((r for r in requests if r.node is None), key=lambda r: r.size_kib):
        arguments.append("hugepagesz=%s" % kernel_size(request.size_kib))
        arguments.append("hugepages=%d" % request.count)
    return arguments


BOOT_ARGUMENT_KEYS = ("default_hugepagesz", "hugepagesz", "hugepages")


def supported_sizes(names):
    """KiB page sizes from the directory names of ``/sys/kernel/mm/hugepages``."""
    sizes = set()
    for name in names:
        match = _POOL_DIR.match(name)
        if match:
            sizes.add(int(match.group(1)))
    return sizes


def check_host(requests, nodes, sizes, default_size=None, default_path="hugepages_default_size"):
    """Fail, naming the entry, for a size the kernel does not offer or a node the host does
    not have."""
    offered = ", ".join(quantity_size(size) for size in sorted(sizes)) or "none"
    if default_size:
        kib = parse_page_size(default_size, default_path)
        if kib not in sizes:
            raise VmpodInputError(default_path, default_size,
                                  "is not a page size of this host (it has %s)" % offered)
    for request in requests:
        if request.size_kib not in sizes:
            raise VmpodInputError(request.path + ".size", quantity_size(request.size_kib),
                                  "is not a page size of this host (it has %s)" % offered)
        if request.node is not None and request.node not in nodes:
            raise VmpodInputError(request.path + ".node", request.node, "is not a NUMA node "
                                  "of this host (it has %s)" % ", ".join(map(str, sorted(nodes))))


def pool_path(node, size_kib):
    """The sysfs file of one node's pool, relative to ``/sys/devices/system/node``."""
    return "node%d/hugepages/hugepages-%dkB/nr_hugepages" % (node, size_kib)


def runtime_targets(requests):
    """``{(node, KiB): pages}`` for the pages with a node."""
    return dict(((r.node, r.size_kib), r.count) for r in requests if r.node is not None)


def allocation_order(targets, current):
    """The pools to write, shrinking ones first so that their memory can feed the growing ones:
    ``[(node, KiB)]``."""
    changing = [pool for pool in sorted(targets) if current.get(pool) != targets[pool]]
    return sorted(changing, key=lambda pool: (targets[pool] > current.get(pool, 0), pool))


def pool_report(targets, before, actual):
    """One entry per wanted pool: node, size, wanted, before and actual pages."""
    return [{"node": node, "size": quantity_size(size), "wanted": targets[(node, size)],
             "before": before.get((node, size)), "actual": actual.get((node, size))}
            for node, size in sorted(targets)]


def shortfall_message(targets, actual, before, restored):
    """Why an allocation failed: wanted and actual pages per node, and how the pools were put
    back (``restored``: the pages each changed pool holds after the attempt to restore it)."""
    short = ["node %d %s: wanted %d, the kernel gave %d" % (
        node, quantity_size(size), targets[(node, size)], actual.get((node, size), 0))
        for node, size in sorted(targets) if actual.get((node, size)) != targets[(node, size)]]
    back = ", ".join("node %d %s: %d" % (node, quantity_size(size), pages)
                     for (node, size), pages in sorted(restored.items()))
    if all(before.get(pool) == pages for pool, pages in restored.items()):
        outcome = "the pools were put back as they were (%s)" % (back or "none had changed")
    else:
        outcome = "the pools could not all be put back: they hold %s, before: %s" % (
            back, ", ".join("node %d %s: %d" % (node, quantity_size(size), before[(node, size)])
                            for node, size in sorted(restored)))
    return ("the kernel could not allocate the hugepages (not enough free contiguous memory on "
            "the node): %s; %s" % ("; ".join(short), outcome))
