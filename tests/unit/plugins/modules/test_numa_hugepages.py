# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.numa_hugepages run as Ansible runs it, on a fake sysfs tree with two NUMA nodes
whose kernel can be made to give fewer pages than asked (as it does when memory is fragmented:
writing nr_hugepages succeeds and reading it back shows what was really allocated)."""

from unittest import mock

import pytest

from ansible_collections.vmpod.core.plugins.modules import numa_hugepages

from vmpod_modules import module_result

SIZES = (2048, 1048576)


def fake_sysfs(root, pools=None):
    pools = pools or {}
    for size in SIZES:
        directory = root / "sys/kernel/mm/hugepages" / ("hugepages-%dkB" % size)
        directory.mkdir(parents=True)
        (directory / "nr_hugepages").write_text("%d\n" % (4 if size == 2048 else 0))
        for node in (0, 1):
            pool = root / ("sys/devices/system/node/node%d/hugepages/hugepages-%dkB" % (node, size))
            pool.mkdir(parents=True)
            (pool / "nr_hugepages").write_text("%d\n" % pools.get((node, size), 2 if size == 2048 else 0))
    (root / "sys/devices/system/node/online").write_text("0-1\n")
    (root / "proc/sys/vm").mkdir(parents=True)
    (root / "proc/sys/vm/compact_memory").write_text("")
    return root


def pages_of(root, node, size):
    path = root / ("sys/devices/system/node/node%d/hugepages/hugepages-%dkB/nr_hugepages" % (node, size))
    return int(path.read_text())


def run_module(capsys, check_mode=False, **args):
    return module_result(numa_hugepages.main, capsys, dict({"delay": 0}, **args), check_mode=True if check_mode else None)


class Kernel:
    """A kernel that holds at most ``limits[(node, KiB)]`` pages, more after ``frees``
    compactions."""

    def __init__(self, limits, frees=None):
        self.limits = dict(limits)
        self.frees = frees or {}
        self.compactions = 0
        self.original_write = numa_hugepages.Pools.write

    def write(self, pools, node, size, count):
        limit = self.limits.get((node, size))
        if limit is not None and self.compactions < self.frees.get((node, size), 10 ** 9):
            count = min(count, limit)
        self.original_write(pools, node, size, count)

    def compact(self, pools):
        self.compactions += 1

    def patch(self):
        # plain functions: mock.patch.multiple sets them as methods of Pools
        kernel = self

        def write(pools, node, size, count):
            kernel.write(pools, node, size, count)

        def compact(pools):
            kernel.compact(pools)

        return mock.patch.multiple(numa_hugepages.Pools, write=write, compact=compact)


PAGES = [{"size": "2Mi", "count": 16, "node": 0}, {"size": "2Mi", "count": 8, "node": 1},
         {"size": "1Gi", "count": 1}]


def test_allocates_per_node_and_is_idempotent(capsys, tmp_path):
    root = fake_sysfs(tmp_path)
    result = run_module(capsys, pages=PAGES, default_size="2Mi", sysfs_root=str(root))
    assert result["changed"]
    assert (pages_of(root, 0, 2048), pages_of(root, 1, 2048)) == (16, 8)
    assert result["pools"] == [
        {"node": 0, "size": "2Mi", "wanted": 16, "before": 2, "actual": 16},
        {"node": 1, "size": "2Mi", "wanted": 8, "before": 2, "actual": 8}]
    assert result["kernel_arguments"] == ["default_hugepagesz=2M", "hugepagesz=1G", "hugepages=1"]
    assert result["boot_pools"] == [{"size": "1Gi", "wanted": 1, "actual": 0}]
    assert result["nodes"] == [0, 1] and result["sizes"] == ["2Mi", "1Gi"]
    assert not run_module(capsys, pages=PAGES, default_size="2Mi", sysfs_root=str(root))["changed"]


def test_check_mode_writes_nothing(capsys, tmp_path):
    root = fake_sysfs(tmp_path)
    result = run_module(capsys, check_mode=True, pages=PAGES, sysfs_root=str(root))
    assert result["changed"]
    assert (pages_of(root, 0, 2048), pages_of(root, 1, 2048)) == (2, 2)


def test_retries_after_compaction(capsys, tmp_path):
    root = fake_sysfs(tmp_path)
    kernel = Kernel({(1, 2048): 5}, frees={(1, 2048): 2})
    with kernel.patch():
        result = run_module(capsys, pages=PAGES[:2], sysfs_root=str(root))
    assert result["changed"] and not result.get("failed")
    assert pages_of(root, 1, 2048) == 8 and kernel.compactions == 2


def test_shortfall_fails_with_wanted_and_actual_and_restores(capsys, tmp_path):
    root = fake_sysfs(tmp_path, {(0, 2048): 30, (1, 2048): 2})
    # node 0 shrinks first (30 -> 16), then node 1 cannot grow past 5
    kernel = Kernel({(1, 2048): 5})
    with kernel.patch():
        result = run_module(capsys, pages=PAGES[:2], retries=2, sysfs_root=str(root))
    assert result["failed"]
    assert "node 1 2Mi: wanted 8, the kernel gave 5" in result["msg"]
    assert result["msg"].endswith(
        "the pools were put back as they were (node 0 2Mi: 30, node 1 2Mi: 2)")
    assert (pages_of(root, 0, 2048), pages_of(root, 1, 2048)) == (30, 2)
    assert kernel.compactions == 2
    assert result["pools"][1] == {"node": 1, "size": "2Mi", "wanted": 8, "before": 2, "actual": 5}


@pytest.mark.parametrize("pages, default_size, message", [
    ([{"size": "2Mi", "count": 1, "node": 2}], None,
     r"^pages\[0\]\.node: 2 is not a NUMA node of this host \(it has 0, 1\)"),
    ([{"size": "16Gi", "count": 1}], None,
     r"^pages\[0\]\.size: '16Gi' is not a page size of this host \(it has 2Mi, 1Gi\)"),
    ([], "4Mi", r"^default_size: '4Mi' is not a page size of this host"),
    ([{"size": "2Mi", "count": "many", "node": 0}], None, r"^pages\[0\]\.count: 'many' is not"),
])
def test_bad_input_fails_before_anything_changes(capsys, tmp_path, pages, default_size, message):
    root = fake_sysfs(tmp_path)
    args = dict(pages=pages, sysfs_root=str(root))
    if default_size:
        args["default_size"] = default_size
    result = run_module(capsys, **args)
    assert result["failed"]
    import re
    assert re.match(message, result["msg"]), result["msg"]
    assert (pages_of(root, 0, 2048), pages_of(root, 1, 2048)) == (2, 2)
