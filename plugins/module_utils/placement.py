# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where one VM goes on one host: pCPUs, vCPU / emulator / IOThread pinning, guest NUMA cells
and hugepages per host node — or every reason it does not fit.

The order follows what happens to a KubeVirt VM: the launcher Pod asks for its resources
(``launcher``), the kubelet's Topology Manager admits it and its static CPU manager picks the
exclusive CPUs (``cpu_assignment``), then virt-launcher pins vCPUs, the emulator thread and
IOThreads inside that cpuset and lays out guest NUMA (``pinning``). Beyond KubeVirt, an explicit
guest NUMA layout (Nova's ``hw:numa_nodes`` semantics, ``numa_layout``) and Nova's CPU thread
policies are planned the same way.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubelet import cpu_manager as cpu_assignment
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt import pinning
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import (
    free_pages, hugepage_hints, ordinary_memory, page_need, shortfall_reasons, spread_pages)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.launcher import compute_resources
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import read_namespace_context
from ansible_collections.vmpod.core.plugins.module_utils.planning.numa_layout import fit_cells, guest_cells
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi

TOPOLOGY_POLICIES = ("none", "best-effort", "restricted", "single-numa-node")
THREAD_POLICIES = ("prefer", "isolate", "require")
_OPTION_KEYS = ("full_pcpus_only", "numa_cpus", "numa_mem", "numa_nodes", "thread_policy",
                "topology_policy")


class Options:
    __slots__ = ("topology_policy", "full_pcpus_only", "thread_policy", "raw")


def read_options(options):
    options = f.option_map(options, "options", _OPTION_KEYS)
    opts = Options()
    opts.raw = options
    opts.topology_policy = options.get("topology_policy") or "none"
    if opts.topology_policy not in TOPOLOGY_POLICIES:
        raise VmpodInputError("options.topology_policy", opts.topology_policy,
                              "must be one of %s" % ", ".join(TOPOLOGY_POLICIES))
    opts.full_pcpus_only = options.get("full_pcpus_only", False)
    if not isinstance(opts.full_pcpus_only, bool):
        raise VmpodInputError("options.full_pcpus_only", opts.full_pcpus_only,
                              "must be true or false")
    opts.thread_policy = options.get("thread_policy") or "prefer"
    if opts.thread_policy not in THREAD_POLICIES:
        raise VmpodInputError("options.thread_policy", opts.thread_policy,
                              "must be one of %s" % ", ".join(THREAD_POLICIES))
    return opts


class Plan:
    """The result under construction; ``as_dict`` is what callers get."""

    def __init__(self):
        self.reasons = []
        self.cpuset = None
        self.vcpupin = None
        self.emulatorpin = None
        self.iothreadpin = {}
        self.numa_cells = []
        self.hugepages = None
        self.pcpus = 0
        self.nodes_with_room = None

    def as_dict(self):
        result = {
            "fits": not self.reasons,
            "reasons": list(self.reasons),
            "cpuset": format_cpuset(self.cpuset) if self.cpuset is not None else None,
            "vcpupin": self.vcpupin,
            "emulatorpin": format_cpuset(self.emulatorpin) if self.emulatorpin else None,
            "iothreadpin": {str(k): format_cpuset(v) for k, v in sorted(self.iothreadpin.items())},
            "numa_cells": self.numa_cells,
            "hugepages": self.hugepages,
            "pcpus": self.pcpus,
        }
        if self.nodes_with_room is not None:
            result["nodes_with_room"] = self.nodes_with_room
        return result


def plan_placement(vmi, host, config=None, arch="amd64", options=None):
    """Plan one VM on one host. Bad input raises VmpodInputError; not fitting is a plan."""
    cfg = read_config(config)
    spec = read_vmi(vmi, arch)
    topo = read_host(host)
    opts = read_options(options)
    resources = compute_resources(spec, cfg, read_namespace_context(spec, None, (), ()))
    return place(spec, topo, cfg, opts, resources).as_dict()


def place(spec, host, cfg, opts, resources):
    """The plan of a read VMI on a read host (the fleet placer calls this for every host)."""
    plan = Plan()
    need = None
    if spec.hugepage_size is not None:
        page_resource = "hugepages-" + spec.hugepage_size
        need = page_need(spec, parse_quantity(resources["requests"][page_resource]),
                         spec.spec_path + ".domain")
        plan.hugepages = {"page_size": need.size_text, "per_node": {}}
    if spec.cpu.numa_passthrough and not (spec.cpu.dedicated and need is not None):
        raise VmpodInputError(spec.spec_path + ".domain.cpu.numa.guestMappingPassthrough", {},
                              "needs dedicatedCpuPlacement and hugepages (KubeVirt refuses it)")
    memory = need.memory if need is not None else _guest_memory(spec, resources)
    vcpus = _guest_vcpus(spec)
    cells = guest_cells(opts.raw, vcpus, memory, need.size if need else None)
    if spec.cpu.numa_passthrough and cells is not None:
        raise VmpodInputError("options.numa_nodes", opts.raw.get("numa_nodes"),
                              "cannot be combined with guestMappingPassthrough")
    if opts.thread_policy != "prefer" and not spec.cpu.dedicated:
        raise VmpodInputError("options.thread_policy", opts.thread_policy,
                              "applies to dedicated CPUs only (dedicatedCpuPlacement)")
    # memory outside hugepages: the guest's (unless in hugepages) and the launcher's overhead
    ordinary = parse_quantity(resources["memory_overhead"]).value()
    if need is None:
        ordinary += memory
    if not spec.cpu.dedicated:
        _place_shared(plan, spec, host, need, ordinary, cells)
    elif cells is not None:
        _place_explicit_layout(plan, spec, host, opts, resources, need, cells)
    else:
        _place_dedicated(plan, spec, host, opts, resources, need, memory)
    host_memory = sum(ordinary_memory(node) for node in host.nodes)
    if host_memory < ordinary:
        plan.reasons.append("the host has %d bytes of memory outside hugepage pools, the VM "
                            "needs %d (guest and launcher overhead)" % (host_memory, ordinary))
    return plan


def guest_vcpus(spec):
    """The guest's vCPUs: its CPU topology, else its CPU limit or request, else 1."""
    return _guest_vcpus(spec)


def guest_memory(spec, resources):
    """The guest's memory in bytes, as ``place`` counts it (``resources``: the launcher's)."""
    return _guest_memory(spec, resources)


def _guest_vcpus(spec):
    if spec.cpu.present and spec.cpu.vcpus():
        return spec.cpu.vcpus()
    for table in (spec.limits, spec.requests):
        if "cpu" in table:
            return max(1, table["cpu"].value())
    return 1


def _guest_memory(spec, resources):
    for value in (spec.guest, spec.requests.get("memory"), spec.limits.get("memory")):
        if value is not None and not value.is_zero():
            return value.value()
    return parse_quantity(resources["requests"].get("memory", "0")).value()


def _exclusive_cpus(resources):
    return parse_quantity(resources["requests"]["cpu"]).value()


# -- shared CPUs: no pinning, only memory and hugepages ------------------------------------------

def _place_shared(plan, spec, host, need, ordinary, cells):
    room = []
    for node in host.nodes:
        if need is not None and free_pages(host, node.id, need.size) < need.pages:
            continue
        if ordinary_memory(node) >= ordinary:
            room.append(node.id)
    plan.nodes_with_room = room
    if cells is not None:
        assignment, reasons = fit_cells(host, cells, host.available(), False,
                                        need.size if need else None)
        if reasons:
            plan.reasons.extend(reasons)
            return
        plan.numa_cells = [_cell_dict(cell, node) for cell, node in zip(cells, assignment)]
        if need is not None:
            for cell, node in zip(cells, assignment):
                plan.hugepages["per_node"][str(node)] = cell.memory // need.size
        return
    if need is not None:
        per_node, left = spread_pages(host, need, [node.id for node in host.nodes])
        if left:
            plan.reasons.append(_pages_short_reason(host, need))
            return
        plan.hugepages["per_node"] = {str(k): v for k, v in sorted(per_node.items())}


def _pages_short_reason(host, need):
    free = ["node %d: %d" % (node.id, free_pages(host, node.id, need.size)) for node in host.nodes]
    total = sum(free_pages(host, node.id, need.size) for node in host.nodes)
    return "the host has %d free %s hugepages (%s), the VM needs %d" % (
        total, need.size_text, ", ".join(free), need.pages)


def _cell_dict(cell, host_node):
    return {"id": cell.id, "vcpus": list(cell.vcpus), "memory_bytes": cell.memory,
            "host_node": host_node}


# -- dedicated CPUs the KubeVirt way ---------------------------------------------------------------

def _place_dedicated(plan, spec, host, opts, resources, need, memory):
    count = _exclusive_cpus(resources)
    full_cores = opts.full_pcpus_only
    if opts.thread_policy == "require":
        if host.threads_per_core() < 2:
            plan.reasons.append("thread_policy require needs a host with hyper-threads; this "
                                "host has 1 thread per core")
            return
        full_cores = True  # vCPUs on sibling threads: whole cores only
    elif opts.thread_policy == "isolate":
        count *= host.threads_per_core()  # every pCPU on its own core, the siblings kept idle
        full_cores = True
    plan.pcpus = count
    available = host.available()
    affinity = None
    if opts.topology_policy != "none":
        hint_lists = [cpu_assignment.cpu_hints(host, available, count)]
        if need is not None:
            hint_lists.append(hugepage_hints(host, need))
        best, admitted = cpu_assignment.merge_hints(opts.topology_policy, hint_lists, host)
        if not admitted:
            plan.reasons.append(_topology_reason(opts.topology_policy, count, need))
            return
        affinity = best.nodes if best is not None else None
    try:
        chosen = cpu_assignment.allocate(host, available, count, affinity, full_cores)
    except cpu_assignment.NoFit as err:
        plan.reasons.append(str(err))
        return
    try:
        if opts.thread_policy == "isolate":
            _pin_isolated(plan, spec, host, chosen)
        else:
            _pin_like_kubevirt(plan, spec, host, chosen)
    except pinning.NoFit as err:
        plan.reasons.append(str(err))
        return
    if spec.cpu.numa_passthrough:
        try:
            plan.numa_cells = pinning.passthrough_cells(host, plan.vcpupin, memory, need.size)
        except pinning.NoFit as err:
            plan.reasons.append(str(err))
            return
        per_node = {}
        for cell in plan.numa_cells:
            node = cell["host_node"]
            per_node[node] = per_node.get(node, 0) + cell["memory_bytes"] // need.size
        _account_pages(plan, host, need, per_node)
    else:
        _place_pages(plan, host, need, affinity)


def _pin_like_kubevirt(plan, spec, host, chosen):
    """virt-launcher's vCPU, emulator thread and IOThread pinning inside the Pod's cpuset."""
    plan.cpuset = frozenset(chosen)
    cpu = spec.cpu
    sockets, cores, threads = _guest_topology(spec)
    tune = pinning.cputune(host, sorted(chosen), sockets, cores, threads,
                           strict=cpu.numa_passthrough,
                           isolate_emulator=cpu.isolate_emulator_thread,
                           even_parity=pinning.EVEN_PARITY_ANNOTATION in spec.annotations,
                           iothreads=pinning.iothread_count(spec),
                           policy=spec.io_threads_policy)
    plan.vcpupin = list(tune["vcpus"])
    plan.emulatorpin = frozenset(tune["emulator"]) or None
    plan.iothreadpin = dict(tune["iothreads"])


def _place_pages(plan, host, need, affinity):
    """No guest NUMA: the pages come from the Pod's NUMA affinity (memory manager), else from
    the nodes of its pCPUs first and any other node after them."""
    if need is None:
        return
    nodes = _nodes_in_order(host, plan.cpuset, affinity)
    per_node, left = spread_pages(host, need, nodes)
    if left:
        plan.reasons.append(_pages_short_reason(host, need))
    plan.hugepages["per_node"] = {str(k): v for k, v in sorted(per_node.items())}


def _pin_isolated(plan, spec, host, chosen):
    """Nova's isolate thread policy: each vCPU (and the emulator and IOThread pCPUs) alone on a
    physical core, its sibling threads held idle for this VM."""
    plan.cpuset = frozenset(chosen)
    cores = sorted({host.siblings(cpu) for cpu in chosen})
    firsts = [core[0] for core in cores]
    vcpus = _guest_vcpus(spec)
    plan.vcpupin = firsts[:vcpus]
    spare = firsts[vcpus:]
    supplemental = _supplemental(spec) if spec.io_threads_policy == "supplementalPool" else 0
    plan.iothreadpin = {index + 1: (pcpu,) for index, pcpu in enumerate(spare[:supplemental])}
    spare = spare[supplemental:]
    if spec.cpu.isolate_emulator_thread and spare:
        plan.emulatorpin = frozenset(spare)
    if not supplemental:
        plan.iothreadpin = dict(pinning.iothread_pins(
            host, sorted(firsts), plan.vcpupin, pinning.iothread_count(spec),
            spec.io_threads_policy, tuple(sorted(plan.emulatorpin or ()))))


def _guest_topology(spec):
    cpu = spec.cpu
    if cpu.vcpus():
        return cpu.sockets or 1, cpu.cores or 1, cpu.threads or 1
    return _guest_vcpus(spec), 1, 1


def _supplemental(spec):
    """IOThread pCPUs in the Pod's CPU count (KubeVirt counts them whatever the policy)."""
    return spec.supplemental_pool_thread_count or 0


def _nodes_in_order(host, cpus, affinity):
    """Nodes to take hugepages from: the affinity, else the nodes of the pCPUs, then the rest."""
    first = sorted(affinity) if affinity else sorted({host.cpu_by_id[c].node for c in cpus})
    return first + [node.id for node in host.nodes if node.id not in first]


def _account_pages(plan, host, need, per_node):
    plan.reasons.extend(shortfall_reasons(host, need, per_node))
    plan.hugepages["per_node"] = {str(k): v for k, v in sorted(per_node.items())}


def _topology_reason(policy, count, need):
    what = "%d exclusive CPUs" % count
    if need is not None:
        what += " and %d %s hugepages" % (need.pages, need.size_text)
    if policy == "single-numa-node":
        return "topology manager policy single-numa-node: no single NUMA node has %s" % what
    return ("topology manager policy %s: %s cannot be aligned on the smallest possible set of "
            "NUMA nodes" % (policy, what))


# -- dedicated CPUs with an explicit guest NUMA layout -------------------------------------------

def _place_explicit_layout(plan, spec, host, opts, resources, need, cells):
    count = _exclusive_cpus(resources)
    plan.pcpus = count
    available = host.available()
    assignment, reasons = fit_cells(host, cells, available, True, need.size if need else None)
    if reasons:
        plan.reasons.extend(reasons)
        return
    if opts.topology_policy == "single-numa-node" and len(set(assignment)) > 1:
        plan.reasons.append("topology manager policy single-numa-node admits no Pod spanning "
                            "%d NUMA nodes" % len(set(assignment)))
        return
    chosen = set()
    vcpupin = [None] * sum(len(cell.vcpus) for cell in cells)
    try:
        for cell, node_id in zip(cells, assignment):
            node_cpus = (available - chosen) & frozenset(host.node_by_id[node_id].cpus)
            picked = cpu_assignment.take_by_topology(host, node_cpus, len(cell.vcpus),
                                                     opts.full_pcpus_only)
            ordered = sorted(picked, key=lambda c: (host.cpu_by_id[c].socket,
                                                    host.cpu_by_id[c].core, c))
            for vcpu, pcpu in zip(cell.vcpus, ordered):
                vcpupin[vcpu] = pcpu
            chosen.update(picked)
        extra = count - len(chosen)
        if extra > 0:
            first = frozenset(host.node_by_id[assignment[0]].cpus)
            rest = available - chosen
            local = cpu_assignment.take_by_topology(host, rest & first, min(extra, len(rest & first)))
            chosen.update(local)
            if extra > len(local):
                chosen.update(cpu_assignment.take_by_topology(host, available - chosen,
                                                              extra - len(local)))
    except cpu_assignment.NoFit as err:
        plan.reasons.append(str(err))
        return
    plan.cpuset = frozenset(chosen)
    plan.vcpupin = vcpupin
    spare = sorted(chosen - set(vcpupin))
    supplemental = _supplemental(spec) if spec.io_threads_policy == "supplementalPool" else 0
    pool_pins = {index + 1: (pcpu,) for index, pcpu in enumerate(spare[:supplemental])}
    spare = spare[supplemental:]
    if spec.cpu.isolate_emulator_thread and spare:
        plan.emulatorpin = frozenset(spare[:max(count - len(vcpupin) - _supplemental(spec), 1)])
    if supplemental:
        plan.iothreadpin = pool_pins
    else:
        plan.iothreadpin = dict(pinning.iothread_pins(
            host, sorted(chosen), vcpupin, pinning.iothread_count(spec), spec.io_threads_policy,
            tuple(sorted(plan.emulatorpin or ()))))
    plan.numa_cells = [_cell_dict(cell, node) for cell, node in zip(cells, assignment)]
    if need is not None:
        per_node = {}
        for cell, node in zip(cells, assignment):
            per_node[node] = per_node.get(node, 0) + cell.memory // need.size
        _account_pages(plan, host, need, per_node)


def plan_placements(vmis, host, config=None, arch="amd64", options=None):
    """``plan_placement`` of each VMI on the same host as given (each plan on its own, not
    one after another); errors name the VMI's index."""
    if not isinstance(vmis, (list, tuple)):
        raise VmpodInputError("vmis", vmis, "must be a list of VMIs")
    cfg = read_config(config)
    topo = read_host(host)
    opts = read_options(options)
    plans = []
    for index, vmi in enumerate(vmis):
        try:
            spec = read_vmi(vmi, arch)
            resources = compute_resources(spec, cfg, read_namespace_context(spec, None, (), ()))
            plan = place(spec, topo, cfg, opts, resources).as_dict()
        except VmpodInputError as err:
            raise VmpodInputError("vmis[%d].%s" % (index, err.path) if err.path
                                  else "vmis[%d]" % index, err.value, err.problem)
        plan["name"] = spec.name
        plans.append(plan)
    return plans


# -- live migration: the same VM re-planned on a target host ---------------------------------------

_KERNEL_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64"}
_LISTED = 4  # examples named per obstacle


def check_migration(vmi, source_plan, target_host, config=None, arch="amd64", options=None,
                    source_host=None):
    """Can the VM that ``source_plan`` places move to ``target_host`` unchanged?

    The VM is planned on the target as ``plan_placement`` plans it (the target's own memory
    overhead, for the VMI's architecture, else ``arch``), then held to what a live migration
    cannot change: the vCPU count, which vCPUs are hyper-thread siblings, the guest NUMA cells
    (their vCPUs and memory) and the page size. ``source_host``, the source's topology, tells
    which vCPUs are siblings there; without it each guest core is taken to sit on one host core,
    as KubeVirt places it on a host with hyper-threads.

    Returns ``{fits, reasons, target_plan, target_memory_overhead}``; every reason names the
    resource and the numbers.
    """
    cfg = read_config(config)
    spec = read_vmi(vmi, arch)
    target = read_host(target_host, "target_host")
    source = _read_source_plan(source_plan)
    source_topology = read_host(source_host, "source_host") if source_host is not None else None
    opts = read_options(options)
    resources = compute_resources(spec, cfg, read_namespace_context(spec, None, (), ()))
    plan = place(spec, target, cfg, opts, resources)
    target_plan = plan.as_dict()

    reasons = _architecture_reasons(spec, target_host)
    if not source["fits"]:
        reasons.append("the source plan does not fit its host (%s): there is no placement to "
                       "keep" % "; ".join(source["reasons"] or ["no reason given"]))
    reasons.extend(plan.reasons)
    if plan.reasons:
        reasons.extend(_pages_not_checked(spec, target, resources, plan.reasons))
    elif source["fits"]:
        reasons.extend(_kept_the_same(spec, opts, source, source_topology, target_plan, target))
    return {"fits": not reasons, "reasons": reasons, "target_plan": target_plan,
            "target_memory_overhead": resources["memory_overhead"]}


def _read_source_plan(plan):
    """The parts of a plan a migration must keep, checked (a plan is plain data from a play)."""
    if not isinstance(plan, dict) or not isinstance(plan.get("fits"), bool):
        raise VmpodInputError("source_plan", plan, "must be the plan that plan_placement "
                              "returned on the source host (a mapping with fits)")
    pins = plan.get("vcpupin")
    if pins is not None and (not isinstance(pins, list) or not all(
            isinstance(pin, int) and not isinstance(pin, bool) for pin in pins)):
        raise VmpodInputError("source_plan.vcpupin", pins, "must be a list of pCPU ids")
    cells = plan.get("numa_cells") or []
    if not isinstance(cells, list):
        raise VmpodInputError("source_plan.numa_cells", cells, "must be a list")
    for index, cell in enumerate(cells):
        where = "source_plan.numa_cells[%d]" % index
        if not isinstance(cell, dict) or not isinstance(cell.get("vcpus"), list) or not \
                isinstance(cell.get("memory_bytes"), int):
            raise VmpodInputError(where, cell, "must be a mapping with vcpus and memory_bytes")
    pages = plan.get("hugepages")
    if pages is not None and (not isinstance(pages, dict) or not isinstance(
            pages.get("page_size"), str) or not isinstance(pages.get("per_node", {}), dict)
            or not all(isinstance(count, int) for count in pages.get("per_node", {}).values())):
        raise VmpodInputError("source_plan.hugepages", pages,
                              "must be a mapping with page_size and per_node page counts")
    reasons = plan.get("reasons") or []
    if not isinstance(reasons, list):
        raise VmpodInputError("source_plan.reasons", reasons, "must be a list")
    return {"fits": plan["fits"], "reasons": [str(reason) for reason in reasons],
            "vcpupin": pins, "numa_cells": cells, "hugepages": pages}


def host_architecture(host, path="host"):
    """The optional ``architecture`` of host data (``amd64``, ``arm64``, ``s390x``; the kernel's
    ``x86_64`` and ``aarch64`` read as those), or None when the data does not say."""
    value = host.get("architecture") if isinstance(host, dict) else None
    if value is None or value == "":
        return None
    value = _KERNEL_ARCHITECTURES.get(value, value)
    if value not in ("amd64", "arm64", "s390x"):
        raise VmpodInputError(path + ".architecture", host.get("architecture"),
                              "is not amd64, arm64 or s390x (or x86_64, aarch64)")
    return value


def _architecture_reasons(spec, target_host):
    found = host_architecture(target_host, "target_host")
    if found is not None and found != spec.architecture:
        return ["the VM is %s, the target host %s" % (spec.architecture, found)]
    return []


def _pages_not_checked(spec, host, resources, reasons):
    """A plan stops at its first obstacle: name a hugepage shortfall it did not reach."""
    if spec.hugepage_size is None or any("hugepages" in reason for reason in reasons):
        return []
    need = page_need(spec, parse_quantity(resources["requests"]["hugepages-" + spec.hugepage_size]),
                     spec.spec_path + ".domain")
    if sum(free_pages(host, node.id, need.size) for node in host.nodes) >= need.pages:
        return []
    return [_pages_short_reason(host, need)]


def _kept_the_same(spec, opts, source, source_host, target_plan, target_host):
    reasons = []
    src_pins, tgt_pins = source["vcpupin"], target_plan["vcpupin"]
    if (src_pins is None) != (tgt_pins is None):
        reasons.append("the source pins %d vCPUs to dedicated pCPUs, the target plan %d" % (
            len(src_pins or ()), len(tgt_pins or ())))
    elif src_pins is not None and len(src_pins) != len(tgt_pins):
        reasons.append("the source pins %d vCPUs, the target plan %d"
                       % (len(src_pins), len(tgt_pins)))
    elif src_pins is not None and opts.thread_policy != "isolate":
        reasons.extend(_sibling_reasons(spec, src_pins, source_host, tgt_pins, target_host))
    reasons.extend(_cell_reasons(source, target_plan))
    reasons.extend(_page_reasons(source["hugepages"], target_plan["hugepages"]))
    return reasons


def _guest_cores(spec, pins):
    """The pins of each guest core (``threads`` vCPUs in a row, as the guest numbers them)."""
    threads = spec.cpu.threads or 1
    return [pins[start:start + threads] for start in range(0, len(pins), threads)]


def _on_one_core(host, pins):
    return len({host.siblings(pin)[0] for pin in pins if pin in host.cpu_by_id}) == 1


def _sibling_reasons(spec, source_pins, source_host, target_pins, target_host):
    """Guest cores whose threads share a host core on the source must do so on the target."""
    if (spec.cpu.threads or 1) < 2:
        return []
    split = []
    source_cores = _guest_cores(spec, source_pins)
    for index, pins in enumerate(_guest_cores(spec, target_pins)):
        together_before = source_host is None or _on_one_core(source_host, source_cores[index])
        if together_before and not _on_one_core(target_host, pins):
            split.append((index, pins))
    if not split:
        return []
    threads = spec.cpu.threads
    shown = ", ".join("guest core %d (vCPUs %d-%d) on pCPUs %s" % (
        index, index * threads, index * threads + threads - 1, ",".join(map(str, pins)))
        for index, pins in split[:_LISTED])
    more = " and %d more" % (len(split) - _LISTED) if len(split) > _LISTED else ""
    per_core = target_host.threads_per_core()
    return ["%d of %d guest cores keep their %d threads on one host core on the source but not "
            "on the target (the target has %d thread%s per core): %s%s" % (
                len(split), len(source_cores), threads, per_core, "" if per_core == 1 else "s",
                shown, more)]


def _cell_reasons(source, target_plan):
    src, tgt = source["numa_cells"], target_plan["numa_cells"]
    if len(src) != len(tgt):
        nodes = sorted({cell["host_node"] for cell in tgt})
        where = " (on host NUMA node%s %s)" % ("s" if len(nodes) > 1 else "",
                                               ", ".join(map(str, nodes))) if nodes else ""
        return ["the guest has %d NUMA cell(s) on the source, the target plan %d%s: a running "
                "guest keeps its NUMA topology" % (len(src), len(tgt), where)]
    reasons = []
    page = _page_size(source["hugepages"])
    for before, after in zip(src, tgt):
        if sorted(before["vcpus"]) != sorted(after["vcpus"]):
            reasons.append("guest NUMA cell %s holds vCPUs %s on the source, %s on the target" % (
                before.get("id", "?"), format_cpuset(before["vcpus"]),
                format_cpuset(after["vcpus"])))
        if before["memory_bytes"] != after["memory_bytes"]:
            if page:
                reasons.append("guest NUMA cell %s has %d %s pages on the source, %d on the "
                               "target" % (before.get("id", "?"), before["memory_bytes"] // page,
                                           source["hugepages"]["page_size"],
                                           after["memory_bytes"] // page))
            else:
                reasons.append("guest NUMA cell %s has %d bytes on the source, %d on the target"
                               % (before.get("id", "?"), before["memory_bytes"],
                                  after["memory_bytes"]))
    return reasons


def _page_size(pages):
    if not pages:
        return None
    return parse_quantity(pages["page_size"], "source_plan.hugepages.page_size").value() or None


def _page_reasons(source_pages, target_pages):
    if not source_pages and not target_pages:
        return []
    if not source_pages or not target_pages:
        return ["the guest memory is in %s on the source, in %s on the target" % (
            _pages_text(source_pages), _pages_text(target_pages))]
    if source_pages["page_size"] != target_pages["page_size"]:
        return ["the guest memory is in %s pages on the source, %s pages on the target" % (
            source_pages["page_size"], target_pages["page_size"])]
    before = sum(source_pages.get("per_node", {}).values())
    after = sum(target_pages["per_node"].values())
    if before != after:
        return ["the guest has %d %s pages on the source, %d on the target" % (
            before, source_pages["page_size"], after)]
    return []


def _pages_text(pages):
    return "%s hugepages" % pages["page_size"] if pages else "ordinary memory"
