# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Is a host ready for pinned, hugepage-backed VMs as the roles would have prepared it: the
running kernel's arguments, the isolated CPUs, the hugepage pools per node, the hugetlbfs
mounts, the kubelet's CPU, Topology and memory managers, a usable ``/dev/kvm``.

Each rule below is one check, returning findings (``findings.finding``); ``readiness`` runs them
in order. The facts come read (``HostFacts``); the wishes checked (``wanted.Wanted``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass, field

from ansible_collections.vmpod.core.plugins.module_utils.audit.findings import FAIL, OK, SKIP, WARN, finding
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.cpu_partition import (
    ISOLATION_ARGUMENT_KEYS, isolation_arguments, partition)
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.hugepage_pools import (
    BOOT_ARGUMENT_KEYS, boot_arguments, kernel_size, quantity_size)
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kernel_args import (
    pending_arguments, split_cmdline)
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.yaml_data import load_documents


@dataclass(frozen=True)
class HostFacts:
    """What the module read on the host.

    ``node_pools``: ``{node: {page KiB: (nr_hugepages, free_hugepages)}}``; ``global_pools``:
    ``{page KiB: nr_hugepages}``; ``cpu_nodes``: ``{cpu: node}``; (``/sys/kernel/mm/hugepages``); ``mounts``: hugetlbfs mounts
    ``[(path, page KiB or None)]``; ``kvm``: ``{usable, problem}``; ``kubelet``: the merged
    kubelet configuration (None when the host has none), ``kubelet_files`` the files read,
    ``kubelet_problem`` why they could not be read."""

    cmdline: str = ""
    online: frozenset = frozenset()
    cpu_nodes: dict = field(default_factory=dict)
    isolated: str = None
    nohz_full: str = None
    node_pools: dict = field(default_factory=dict)
    global_pools: dict = field(default_factory=dict)
    default_page_kib: int = None
    mounts: tuple = ()
    kvm: dict = field(default_factory=dict)
    kubelet: dict = None
    kubelet_files: tuple = ()
    kubelet_problem: str = None


def kubelet_configuration(files):
    """The kubelet's configuration from ``[(path, text)]``: its config file, then its drop-ins
    in name order, a later file's top-level fields winning (as ``--config-dir`` merges them).
    ``(settings or None, problem or None)``."""
    settings = None
    for path, text in files:
        try:
            documents = load_documents(text, path)
        except VmpodInputError as exc:
            return settings, str(exc)
        for document in documents:
            if not isinstance(document, dict):
                return settings, "%s is not a KubeletConfiguration (a mapping)" % path
            settings = dict(settings or {}, **document)
    return settings, None


# --- the rules ---------------------------------------------------------------------------------

def kvm_device(facts, wanted):
    usable = bool(facts.kvm.get("usable"))
    return [finding("kvm", "/dev/kvm", OK if usable else FAIL,
                    "/dev/kvm creates VMs" if usable else "KVM is not usable: %s"
                    % facts.kvm.get("problem"), wanted=True, actual=usable)]


def _argument_finding(check, running, wanted_tokens, keys):
    missing, unexpected = pending_arguments(running, wanted_tokens, keys)
    have = [token for token in running if token.split("=", 1)[0].replace("-", "_") in keys]
    if not missing and not unexpected:
        return finding("kernel_arguments", check, OK, "the running kernel has %s"
                       % " ".join(wanted_tokens), wanted=list(wanted_tokens), actual=have)
    return finding("kernel_arguments", check, FAIL, "the running kernel lacks %s%s (reboot "
                   "after the role ran?)" % (" ".join(missing) or "nothing",
                                             "; has instead %s" % " ".join(unexpected)
                                             if unexpected else ""),
                   wanted=list(wanted_tokens), actual=have)


def kernel_arguments(facts, wanted):
    running = split_cmdline(facts.cmdline)
    found = []
    if wanted.isolated is not None and wanted.isolation_arguments and not wanted.tuned:
        try:
            part = partition(facts.online, wanted.isolated_text, wanted.reserved_text)
        except VmpodInputError as exc:
            found.append(finding("kernel_arguments", "cpu isolation", FAIL, str(exc),
                                 wanted=wanted.isolated_text, actual=format_cpuset(facts.online)))
        else:
            found.append(_argument_finding("cpu isolation", running,
                                           isolation_arguments(part, wanted.load_balance),
                                           ISOLATION_ARGUMENT_KEYS))
    boot = boot_arguments(wanted.pages, wanted.default_size_text)
    if boot:
        found.append(_argument_finding("hugepages", running, boot, BOOT_ARGUMENT_KEYS))
    for token in wanted.kernel_arguments:
        ok = token in running
        found.append(finding("kernel_arguments", token, OK if ok else FAIL,
                             "the running kernel %s %s" % ("has" if ok else "lacks", token),
                             wanted=token, actual=token if ok else None))
    return found


def isolated_cpus(facts, wanted):
    if wanted.isolated is None:
        return [finding("isolated_cpus", "cpu isolation", SKIP, "no cpu_isolation_isolated "
                        "given: the host is not partitioned", actual=(facts.isolated or "").strip())]
    found = []
    files = [("nohz_full", facts.nohz_full)]
    if not wanted.load_balance:  # only isolcpus=domain takes CPUs out of the scheduler domains
        files.insert(0, ("isolated", facts.isolated))
    for name, text in files:
        subject = "/sys/devices/system/cpu/" + name
        if text is None:
            found.append(finding("isolated_cpus", subject, WARN, "%s is missing (a kernel "
                                 "without CONFIG_NO_HZ_FULL?)" % subject, wanted=wanted.isolated_text))
            continue
        actual = parse_cpuset(text.strip(), subject)
        ok = actual == wanted.isolated
        found.append(finding("isolated_cpus", subject, OK if ok else FAIL,
                             "%s is %s%s" % (subject, format_cpuset(actual) or "empty",
                                             "" if ok else ", wanted %s" % format_cpuset(wanted.isolated)),
                             wanted=format_cpuset(wanted.isolated), actual=format_cpuset(actual)))
    return found


def hugepage_pools(facts, wanted):
    found = []
    for request in wanted.pages:
        size = quantity_size(request.size_kib)
        if request.node is not None:
            subject = "node %d %s" % (request.node, size)
            pool = facts.node_pools.get(request.node, {}).get(request.size_kib)
            actual = pool[0] if pool else None
            free = pool[1] if pool else None
        else:
            subject = "%s (boot time, all nodes)" % size
            actual = facts.global_pools.get(request.size_kib)
            free = sum(pools.get(request.size_kib, (0, 0))[1] for pools in facts.node_pools.values())
        if actual is None:
            found.append(finding("hugepage_pools", subject, FAIL, "the host has no %s pool" % subject,
                                 wanted=request.count, actual=None))
            continue
        status = OK if actual == request.count else (WARN if actual > request.count else FAIL)
        found.append(finding("hugepage_pools", subject, status, "%s: %d pages (%d free), wanted %d"
                             % (subject, actual, free, request.count),
                             wanted=request.count, actual={"pages": actual, "free": free}))
    if not found:
        pools = ["node %d %s: %d (%d free)" % (node, quantity_size(size), nr, free)
                 for node, sizes in sorted(facts.node_pools.items())
                 for size, (nr, free) in sorted(sizes.items()) if nr]
        found.append(finding("hugepage_pools", "hugepages", SKIP, "no hugepages_pages given; "
                             "the host has %s" % (", ".join(pools) or "no hugepages")))
    return found


def hugetlbfs_mounts(facts, wanted):
    sizes = sorted(set(request.size_kib for request in wanted.pages if request.count))
    if wanted.mount_prefix is None or not sizes:
        return [finding("hugetlbfs_mounts", "hugetlbfs", SKIP, "no hugetlbfs mount wanted; "
                        "mounted: %s" % (", ".join(mount[0] for mount in facts.mounts) or "none"))]
    found = []
    for size in sizes:
        path = wanted.mount_prefix + kernel_size(size)
        mounted = [mount for mount, page in facts.mounts
                   if (page or facts.default_page_kib) == size]
        if path in mounted:
            found.append(finding("hugetlbfs_mounts", path, OK, "hugetlbfs of %s pages is mounted "
                                 "at %s" % (quantity_size(size), path), wanted=path, actual=mounted))
        elif mounted:
            message = "hugetlbfs of %s pages is mounted at %s, not at %s" % (
                quantity_size(size), ", ".join(mounted), path)
            found.append(finding("hugetlbfs_mounts", path, WARN, message, wanted=path,
                                 actual=mounted))
        else:
            found.append(finding("hugetlbfs_mounts", path, FAIL, "no hugetlbfs of %s pages is "
                                 "mounted (QEMU and the kubelet need one)" % quantity_size(size),
                                 wanted=path, actual=[]))
    return found


def kubelet(facts, wanted):
    if facts.kubelet_problem:
        return [finding("kubelet", "configuration", FAIL, facts.kubelet_problem,
                        actual=list(facts.kubelet_files))]
    if facts.kubelet is None:
        return [finding("kubelet", "configuration", SKIP, "no kubelet configuration here (not a "
                        "Kubernetes node)", actual=list(facts.kubelet_files))]
    config = facts.kubelet
    found = []
    partitioned = wanted.isolated is not None
    rules = [("cpuManagerPolicy", "static", FAIL if partitioned else WARN),
             ("topologyManagerPolicy", wanted.topology_policy, FAIL if partitioned else WARN)]
    if partitioned:
        rules.append(("memoryManagerPolicy", "Static" if wanted.memory_manager else "None", FAIL))
    for name, want, severity in rules:
        actual = config.get(name, "none" if name != "memoryManagerPolicy" else "None")
        ok = str(actual) == want
        found.append(finding("kubelet", name, OK if ok else severity, "%s is %s%s" % (
            name, actual, "" if ok else ", wanted %s" % want), wanted=want, actual=actual))
    if partitioned:
        actual = config.get("reservedSystemCPUs")
        try:
            cpus = parse_cpuset(actual, "reservedSystemCPUs") if actual is not None else None
        except VmpodInputError as exc:
            cpus, actual = None, str(exc)
        ok = cpus == wanted.reserved
        found.append(finding("kubelet", "reservedSystemCPUs", OK if ok else FAIL,
                             "reservedSystemCPUs is %s%s" % (actual, "" if ok else ", wanted %s"
                                                             % format_cpuset(wanted.reserved)),
                             wanted=format_cpuset(wanted.reserved), actual=actual))
    return found


RULES = (kvm_device, kernel_arguments, isolated_cpus, hugepage_pools, hugetlbfs_mounts, kubelet)


def readiness(facts, wanted):
    """Every readiness finding of a host, in the order of ``RULES``."""
    found = []
    for rule in RULES:
        found.extend(rule(facts, wanted))
    return found
