# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a host should be, read once from the roles' own variables (``cpu_isolation_*``,
``hugepages_*``, as ``meta/argument_specs.yml`` of each role describes them), so the audit of
an inventory checks exactly what ``playbooks/prepare_hosts.yml`` would have set up."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.hugepage_pools import (
    parse_page_size, parse_pages)
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kernel_args import check_arguments
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

TOPOLOGY_POLICIES = ("none", "best-effort", "restricted", "single-numa-node")


@dataclass(frozen=True)
class Wanted:
    """The checked wishes: isolated and reserved CPUs (frozensets, None when the host is not
    partitioned), the isolation flags, hugepage requests (``PageRequest``), the default page
    size (KiB or None), the hugetlbfs mount prefix (None: mounts not wanted), the kubelet's
    Topology Manager policy and memory manager, and extra kernel arguments."""

    isolated: frozenset = None
    reserved: frozenset = None
    isolated_text: str = None
    reserved_text: str = None
    load_balance: bool = False
    isolation_arguments: bool = True
    tuned: bool = False
    pages: tuple = ()
    default_size_kib: int = None
    default_size_text: str = None
    mount_prefix: str = None
    topology_policy: str = "single-numa-node"
    memory_manager: bool = True
    kernel_arguments: tuple = ()


def _flag(params, name, default):
    value = params.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise VmpodInputError(name, value, "is not a boolean")
    return value


def _text(params, name):
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise VmpodInputError(name, value, "is not a string")
    return value


def read_wanted(params):
    """The ``Wanted`` of a host from the role variables in ``params`` (a dict; absent or None
    entries take the roles' defaults). Bad values raise ``VmpodInputError`` naming the
    variable."""
    isolated_text = _text(params, "cpu_isolation_isolated")
    reserved_text = _text(params, "cpu_isolation_reserved")
    if (isolated_text is None) != (reserved_text is None):
        missing = "cpu_isolation_reserved" if reserved_text is None else "cpu_isolation_isolated"
        given = reserved_text if isolated_text is None else isolated_text
        raise VmpodInputError(missing, None, "is required with %s (%r): the cpu_isolation role "
                              "needs both" % ("cpu_isolation_isolated" if isolated_text
                                              else "cpu_isolation_reserved", given))
    policy = _text(params, "cpu_isolation_kubelet_topology_manager_policy") or "single-numa-node"
    if policy not in TOPOLOGY_POLICIES:
        raise VmpodInputError("cpu_isolation_kubelet_topology_manager_policy", policy,
                              "is not one of %s" % ", ".join(TOPOLOGY_POLICIES))
    default_text = _text(params, "hugepages_default_size")
    mount = _flag(params, "hugepages_mount", True)
    prefix = _text(params, "hugepages_mount_prefix") or "/dev/hugepages"
    return Wanted(
        isolated=(parse_cpuset(isolated_text, "cpu_isolation_isolated")
                  if isolated_text else None),
        reserved=(parse_cpuset(reserved_text, "cpu_isolation_reserved")
                  if reserved_text else None),
        isolated_text=isolated_text,
        reserved_text=reserved_text,
        load_balance=_flag(params, "cpu_isolation_load_balance", False),
        isolation_arguments=_flag(params, "cpu_isolation_kernel_arguments", True),
        tuned=_flag(params, "cpu_isolation_tuned", False),
        pages=tuple(parse_pages(params.get("hugepages_pages") or [], "hugepages_pages")),
        default_size_kib=(parse_page_size(default_text, "hugepages_default_size")
                          if default_text else None),
        default_size_text=default_text,
        mount_prefix=prefix if mount else None,
        topology_policy=policy,
        memory_manager=_flag(params, "cpu_isolation_kubelet_memory_manager", True),
        kernel_arguments=tuple(check_arguments(params.get("kernel_arguments") or [],
                                               "kernel_arguments")),
    )
