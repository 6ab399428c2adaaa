# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drift: what running domains and the kubelet hold against the plans.

Per domain, the live pinning libvirt applies (``virDomainGetVcpuPinInfo``,
``GetEmulatorPinInfo``, ``GetIOThreadInfo``, ``GetNumaParameters``, in the shapes of
``libvirt/domain_xml.placement_from_libvirt``) and the hugepages the QEMU process maps on each
node (``/proc/<pid>/numa_maps``) against its ``plan.json``; per node, the kubelet's
``cpu_manager_state`` and ``memory_manager_state`` against the plans taken together. One rule
per part; ``drift`` runs them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.audit.findings import FAIL, OK, SKIP, WARN, finding
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kubelet_state import (
    cpu_manager_used, memory_manager_reserved)
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.hugepage_pools import quantity_size
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


@dataclass(frozen=True)
class LiveDomain:
    """A running domain: its name, the pinning libvirt applies (``placement_from_libvirt``'s
    dict), and the hugepages its QEMU process maps, ``{(node, page KiB): pages}`` (None when the
    process could not be read)."""

    name: str
    placement: dict
    hugepages: dict = None


@dataclass(frozen=True)
class KubeletState:
    """The kubelet's checkpoint files as ``(text, path)``, each None when absent."""

    cpu_manager: tuple = None
    memory_manager: tuple = None


def _compare(subject, part, wanted, actual):
    ok = wanted == actual
    return finding("drift", subject + " " + part, OK if ok else FAIL, "%s %s: %s%s" % (
        subject, part, _shown(actual), "" if ok else ", planned %s" % _shown(wanted)),
        wanted=wanted, actual=actual)


def _shown(value):
    if value in (None, "", {}, []):
        return "none"
    return str(value)


def vcpu_pins(planned, live):
    wanted = [pin["cpuset"] for pin in planned.view.vcpupin]
    if not wanted:
        return [finding("drift", planned.domain + " vcpupin", SKIP, "%s: vCPUs are not pinned "
                        "by the plan (shared CPUs)" % planned.domain,
                        actual=live.placement.get("vcpu_cpusets"))]
    return [_compare(planned.domain, "vcpupin", wanted, live.placement.get("vcpu_cpusets"))]


def emulator_pin(planned, live):
    if planned.view.emulatorpin is None:
        return [finding("drift", planned.domain + " emulatorpin", SKIP, "%s: the emulator thread "
                        "is not pinned by the plan (KubeVirt leaves it on the Pod's CPUs)"
                        % planned.domain, actual=live.placement.get("emulatorpin"))]
    return [_compare(planned.domain, "emulatorpin", planned.view.emulatorpin,
                     live.placement.get("emulatorpin"))]


def iothread_pins(planned, live):
    wanted = dict((str(pin["iothread"]), pin["cpuset"]) for pin in planned.view.iothreadpin)
    if not wanted:
        return []
    return [_compare(planned.domain, "iothreadpin", wanted, live.placement.get("iothreadpin"))]


def planned_numatune(planned, cpu_nodes):
    """The strict nodeset the domain builder gives the plan (``domain/memory.numatune``): the
    guest cells' host nodes, else the hugepage nodes, else the nodes of the pinned pCPUs; None
    when it places none."""
    nodes = sorted(set(cell["host_node"] for cell in planned.view.cells
                       if cell["host_node"] is not None))
    if not nodes:
        nodes = list(planned.view.page_nodes)
    if not nodes and planned.view.cpuset and cpu_nodes:
        nodes = sorted(set(cpu_nodes[cpu] for cpu in planned.view.cpuset if cpu in cpu_nodes))
    return {"mode": "strict", "nodeset": format_cpuset(nodes)} if nodes else None


def numatune(planned, live, cpu_nodes):
    wanted = planned_numatune(planned, cpu_nodes)
    if wanted is None:
        return [finding("drift", planned.domain + " numatune", SKIP, "%s: the plan places no "
                        "memory on a node" % planned.domain, actual=live.placement.get("numatune"))]
    return [_compare(planned.domain, "numatune", wanted, live.placement.get("numatune"))]


def hugepages(planned, live):
    if not planned.hugepages:
        return []
    if live.hugepages is None:
        return [finding("drift", planned.domain + " hugepages", WARN, "%s: its QEMU process's "
                        "numa_maps could not be read" % planned.domain)]
    sizes = set(key[1] for key in planned.hugepages)
    actual = dict((key, pages) for key, pages in live.hugepages.items() if key[1] in sizes)
    return [_compare(planned.domain, "hugepages", _pages_text(planned.hugepages), _pages_text(actual))]


def _pages_text(pages):
    return dict(("node %d %s" % (node, quantity_size(size)), count)
                for (node, size), count in sorted(pages.items()) if count)


DOMAIN_RULES = (vcpu_pins, emulator_pin, iothread_pins, hugepages)


def domain_drift(planned_vms, live_domains, cpu_nodes=None):
    """Findings per planned domain (running or not) and per running domain without a plan."""
    live = dict((domain.name, domain) for domain in live_domains)
    found = []
    for name in sorted(planned_vms):
        planned = planned_vms[name]
        domain = live.get(name)
        if domain is None:
            found.append(finding("drift", name, WARN, "%s is planned but not running here" % name))
            continue
        for rule in DOMAIN_RULES:
            found.extend(rule(planned, domain))
        found.extend(numatune(planned, domain, cpu_nodes or {}))
    for name in sorted(set(live) - set(planned_vms)):
        found.append(finding("drift", name, SKIP, "%s runs here without a plan given" % name,
                             actual=live[name].placement))
    return found


def cpu_manager(planned_vms, text, path):
    """The static CPU manager's exclusive CPUs against the plans' pCPUs."""
    try:
        used = cpu_manager_used(text, path)
    except VmpodInputError as exc:
        return [finding("kubelet_state", path, FAIL, str(exc))]
    found = []
    planned_cpus = set()
    for name in sorted(planned_vms):
        cpus = planned_vms[name].view.cpuset
        if not cpus:
            continue
        planned_cpus |= cpus
        missing = cpus - used
        found.append(finding("kubelet_state", "%s cpu_manager_state" % name,
                             FAIL if missing else OK,
                             "%s: the kubelet %s" % (name, "holds pCPUs %s exclusively" % format_cpuset(cpus)
                                                     if not missing else "has not given pCPUs %s "
                                                     "to any container (the plan's %s)"
                                                     % (format_cpuset(missing), format_cpuset(cpus))),
                             wanted=format_cpuset(cpus), actual=format_cpuset(used & cpus)))
    unknown = used - planned_cpus
    if unknown:
        found.append(finding("kubelet_state", "cpu_manager_state", WARN, "the kubelet gave CPUs "
                             "%s to containers no plan knows" % format_cpuset(unknown),
                             actual=format_cpuset(unknown)))
    if not found:
        found.append(finding("kubelet_state", "cpu_manager_state", OK, "no exclusive CPUs planned "
                             "or held", actual=format_cpuset(used)))
    return found


def memory_manager(planned_vms, text, path):
    """The memory manager's reserved hugepages per node against the plans' hugepages."""
    try:
        reserved = memory_manager_reserved(text, path)
    except VmpodInputError as exc:
        return [finding("kubelet_state", path, FAIL, str(exc))]
    wanted = {}
    for planned in planned_vms.values():
        for (node, size), pages in planned.hugepages.items():
            key = "node %d %s" % (node, quantity_size(size))
            wanted[key] = wanted.get(key, 0) + pages * size * 1024
    actual = {}
    for node, sizes in reserved.items():
        for size, count in sizes.items():
            if count:
                actual["node %d %s" % (node, size)] = count
    ok = wanted == actual
    return [finding("kubelet_state", "memory_manager_state", OK if ok else WARN,
                    "the memory manager reserved %s bytes of hugepages%s" % (
                        _shown(actual), "" if ok else ", the plans take %s" % _shown(wanted)),
                    wanted=wanted, actual=actual)]


def kubelet_drift(planned_vms, state):
    """Findings of the kubelet's checkpoints against the plans; a skip when there are none."""
    found = []
    if state.cpu_manager is not None:
        found.extend(cpu_manager(planned_vms, *state.cpu_manager))
    if state.memory_manager is not None:
        found.extend(memory_manager(planned_vms, *state.memory_manager))
    if not found:
        found.append(finding("kubelet_state", "kubelet", SKIP, "no kubelet checkpoint files here"))
    return found


def drift(planned_vms, live_domains, state, cpu_nodes=None):
    """Every drift finding: the domains, then the kubelet."""
    return domain_drift(planned_vms, live_domains, cpu_nodes) + kubelet_drift(planned_vms, state)
