# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hugepage pools in the shape of OpenShift's PerformanceProfile (spec.hugepages), the kernel
arguments for boot-time pages and the per-node runtime plan.

Facts: kernel-parameters.txt (hugepagesz= takes K/M/G, default_hugepagesz=, each hugepages=
follows its hugepagesz=), Documentation/admin-guide/mm/hugetlbpage.rst (per-node pools in
/sys/devices/system/node/nodeN/hugepages/hugepages-<kB>kB/nr_hugepages).
"""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.hugepage_pools import (
    allocation_order,
    boot_arguments,
    check_host,
    kernel_size,
    parse_page_size,
    parse_pages,
    pool_path,
    pool_report,
    quantity_size,
    runtime_targets,
    shortfall_message,
    supported_sizes,
)


@pytest.mark.parametrize("text, kib", [
    ("2Mi", 2048), ("2M", 2048), ("1Gi", 1048576), ("1G", 1048576), ("64Ki", 64),
    ("2048kB", 2048), ("16Gi", 16777216),
])
def test_page_size(text, kib):
    assert parse_page_size(text, "size") == kib


@pytest.mark.parametrize("text", ["2", "2MB", "3Mi", "0Mi", "-2Mi", "1.5Gi", 2048, None, "2mi"])
def test_page_size_rejected_with_the_field(text):
    with pytest.raises(VmpodInputError, match=r"^hugepages_pages\[0\]\.size: "):
        parse_page_size(text, "hugepages_pages[0].size")


@pytest.mark.parametrize("kib, quantity, kernel", [
    (2048, "2Mi", "2M"), (1048576, "1Gi", "1G"), (64, "64Ki", "64K"), (524288, "512Mi", "512M"),
])
def test_spellings(kib, quantity, kernel):
    assert quantity_size(kib) == quantity
    assert kernel_size(kib) == kernel


def test_performance_profile_example():
    # the example: 4 x 1Gi on node 0 at runtime, 512 x 2Mi at boot
    pages = parse_pages([{"size": "1Gi", "count": 4, "node": 0}, {"size": "2Mi", "count": 512}])
    assert boot_arguments(pages, "1Gi") == [
        "default_hugepagesz=1G", "hugepagesz=2M", "hugepages=512"]
    assert runtime_targets(pages) == {(0, 1048576): 4}


def test_boot_arguments_sorted_by_size():
    pages = parse_pages([{"size": "1G", "count": 2}, {"size": "2M", "count": 8}])
    assert boot_arguments(pages) == ["hugepagesz=2M", "hugepages=8", "hugepagesz=1G", "hugepages=2"]


def test_no_pages_no_arguments():
    assert boot_arguments(parse_pages(None)) == []
    assert boot_arguments([], "2Mi") == ["default_hugepagesz=2M"]


@pytest.mark.parametrize("pages, message", [
    ("2Mi", r"^hugepages_pages: '2Mi' is not a list"),
    (["2Mi"], r"^hugepages_pages\[0\]: '2Mi' is not a \{size, count, node\} mapping"),
    ([{"size": "2Mi"}], r"^hugepages_pages\[0\]\.count is required"),
    ([{"count": 1}], r"^hugepages_pages\[0\]\.size is required"),
    ([{"size": "2Mi", "count": -1}], r"^hugepages_pages\[0\]\.count: -1 is not a page count"),
    ([{"size": "2Mi", "count": True}], r"^hugepages_pages\[0\]\.count: True is not"),
    ([{"size": "2Mi", "count": 1, "node": "a"}], r"^hugepages_pages\[0\]\.node: 'a' is not a NUMA"),
    ([{"size": "2Mi", "count": 1, "numa": 0}], r"^hugepages_pages\[0\]\.numa: 0 is not a known field"),
    ([{"size": "2Mi", "count": 1, "node": 0}, {"size": "2M", "count": 2, "node": 0}],
     r"^hugepages_pages\[1\]: .* repeats hugepages_pages\[0\] \(node 0\)"),
    ([{"size": "2Mi", "count": 1}, {"size": "2Mi", "count": 2, "node": 1}],
     r"^hugepages_pages\[1\]\.node: 1 mixes boot-time and per-node pages of 2Mi"),
])
def test_bad_pages_name_the_field(pages, message):
    with pytest.raises(VmpodInputError, match=message):
        parse_pages(pages)


def test_counts_as_strings_from_a_survey():
    assert runtime_targets(parse_pages([{"size": "2Mi", "count": "16", "node": "1"}])) == {
        (1, 2048): 16}


def test_check_host():
    pages = parse_pages([{"size": "1Gi", "count": 1, "node": 3}])
    with pytest.raises(VmpodInputError, match=r"^hugepages_pages\[0\]\.node: 3 is not a NUMA node "
                                              r"of this host \(it has 0, 1\)"):
        check_host(pages, {0, 1}, {2048, 1048576})
    with pytest.raises(VmpodInputError, match=r"^hugepages_pages\[0\]\.size: '1Gi' is not a page "
                                              r"size of this host \(it has 2Mi\)"):
        check_host(pages, {0, 1, 3}, {2048})
    with pytest.raises(VmpodInputError, match=r"^hugepages_default_size: '1G' is not a page size"):
        check_host([], {0}, {2048}, "1G")
    check_host(pages, {0, 3}, {2048, 1048576}, "2Mi")


def test_supported_sizes_and_paths():
    assert supported_sizes(["hugepages-2048kB", "hugepages-1048576kB", "other"]) == {2048, 1048576}
    assert pool_path(1, 2048) == "node1/hugepages/hugepages-2048kB/nr_hugepages"


def test_allocation_order_shrinks_first():
    targets = {(0, 2048): 100, (1, 2048): 0, (0, 1048576): 2, (1, 1048576): 1}
    current = {(0, 2048): 10, (1, 2048): 50, (0, 1048576): 2, (1, 1048576): 3}
    assert allocation_order(targets, current) == [(1, 2048), (1, 1048576), (0, 2048)]


def test_pool_report():
    targets = {(0, 2048): 8}
    assert pool_report(targets, {(0, 2048): 0}, {(0, 2048): 8}) == [
        {"node": 0, "size": "2Mi", "wanted": 8, "before": 0, "actual": 8}]


def test_shortfall_message_names_wanted_and_actual_per_node():
    targets = {(0, 2048): 8, (1, 2048): 100000}
    message = shortfall_message(targets, {(0, 2048): 8, (1, 2048): 812},
                                {(0, 2048): 0, (1, 2048): 4}, {(1, 2048): 4, (0, 2048): 0})
    assert "node 1 2Mi: wanted 100000, the kernel gave 812" in message
    assert "node 0" not in message.split(";")[0]
    assert message.endswith("the pools were put back as they were (node 0 2Mi: 0, node 1 2Mi: 4)")


def test_shortfall_message_when_a_pool_could_not_be_restored():
    message = shortfall_message({(0, 2048): 9}, {(0, 2048): 3}, {(0, 2048): 2}, {(0, 2048): 1})
    assert message.endswith("could not all be put back: they hold node 0 2Mi: 1, before: node 0 2Mi: 2")
