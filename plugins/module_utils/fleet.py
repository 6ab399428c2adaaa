# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many VMs onto many hosts: where each VM goes, what every host has left, and why a VM goes
nowhere.

A VM goes to a host when the scheduler would admit its launcher Pod there and the kubelet and
virt-launcher could then place it (``placement.place``):

* the Pod's CPU and memory requests fit what the host can still allocate: its CPUs less the
  reserved ones, its memory outside hugepage pools. A shared-CPU VM requests vCPUs /
  ``cpuAllocationRatio`` of CPU and, without its own memory request, guest memory scaled by
  ``memoryOvercommit`` (KubeVirt's ``launcher_resources``); a dedicated one requests its
  exclusive pCPUs;
* dedicated pCPUs come from the CPUs no VM holds yet, hugepages from the pools' free pages.

Each host is read once into a mutable state (``_HostState``): the pCPUs given out and the pages
taken are subtracted as VMs land, so ``place`` sees the host as it stands. ``pack`` fills the
hosts in their given order; ``spread`` gives each VM to the least loaded host that takes it.
A host only ever fills up, so a VM shape (what decides the fit: resources, CPU topology, page
size) refused by a host is not tried there again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq

from ansible_collections.vmpod.core.plugins.module_utils import placement
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import (
    Host, HostNode, HugepagePool, read_host)
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import ordinary_memory
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.launcher import compute_resources
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import read_namespace_context
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pinning import (
    EVEN_PARITY_ANNOTATION, iothread_count)
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import (
    BINARY_SI, Quantity, parse_quantity)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi

POLICIES = ("pack", "spread")
# The seeds' rules of thumb: above these a host is worth a second look.
VCPUS_PER_PCPU_WARNING = 10
MEMORY_PERCENT_WARNING = 150
_LISTED_HOSTS = 5  # hosts named in an unplaced VM's reasons


class _Vm:
    """One VMI, read and sized once."""

    __slots__ = ("index", "name", "spec", "resources", "dedicated", "vcpus", "cpu_request",
                 "memory_request", "memory_use", "shape")


class _FleetHost(Host):
    """A Host whose available CPUs shrink as VMs land (``place`` asks ``available()``)."""

    __slots__ = ("free",)

    def available(self):
        return self.free


def _mutable_copy(host):
    """A ``_FleetHost`` sharing ``host``'s static topology, with its own CPUs and page pools."""
    twin = _FleetHost()
    for slot in Host.__slots__:
        setattr(twin, slot, getattr(host, slot))
    nodes = []
    for node in host.nodes:
        pools = dict((size, HugepagePool(pool.size, pool.total, pool.free))
                     for size, pool in node.hugepages.items())
        copy = HostNode(node.id, node.memory, node.distances, pools)
        copy.cpus = node.cpus
        nodes.append(copy)
    twin.nodes = tuple(nodes)
    twin.node_by_id = dict((node.id, node) for node in nodes)
    twin.free = host.available()
    return twin


class _HostState:
    """One host as the placement goes: what is taken, by whom, and what it refused."""

    __slots__ = ("index", "name", "pristine", "host", "architecture", "cpu_allocatable",
                 "cpu_requested", "memory_allocatable", "memory_requested", "vm_memory",
                 "shared_vcpus", "node_memory", "vms", "pinned", "refused")

    def __init__(self, index, name, pristine, architecture):
        self.index = index
        self.name = name
        self.pristine = pristine
        self.host = _mutable_copy(pristine)
        self.architecture = architecture
        # The scheduler's view: allocatable CPU (millicores) and memory (bytes).
        self.cpu_allocatable = 1000 * (len(pristine.cpus) - len(pristine.reserved))
        self.cpu_requested = 1000 * len(pristine.used)  # held by VMs the data does not name
        self.memory_allocatable = sum(ordinary_memory(node) for node in pristine.nodes)
        self.memory_requested = 0
        self.vm_memory = 0  # what the VMs may use: guest memory outside hugepages and overhead
        self.shared_vcpus = 0
        self.node_memory = dict((node.id, 0) for node in pristine.nodes)
        self.vms = []
        self.pinned = {}  # VM name -> its exclusive pCPUs
        self.refused = {}  # VM shape -> the reason, for shapes this host cannot take

    def load(self):
        """The fuller of CPU and memory, as a share of what is allocatable (for spread)."""
        cpu = self.cpu_requested / self.cpu_allocatable if self.cpu_allocatable else 1.0
        memory = (self.memory_requested / self.memory_allocatable
                  if self.memory_allocatable else 1.0)
        return max(cpu, memory)


def place_fleet(vmis, hosts, config=None, policy="pack", options=None, arch="amd64"):
    """Place every VMI on a host, or leave it unplaced with the reason from each host.

    ``vmis``: a list of VMIs (or VirtualMachines), names unique. ``hosts``: host name -> host
    data (as ``plan_placement`` takes it, optionally with ``architecture``), or a list of host
    data each with its ``name``. ``config``: the KubeVirt CR's ``spec.configuration``
    (``cpuAllocationRatio``, ``memoryOvercommit``). ``policy``: ``pack`` or ``spread``.
    ``options``: placement options for every VM (``plan_placement``'s). ``arch``: the cluster
    architecture for VMIs that do not name theirs.

    Returns ``{placements: {vmi: host or None}, unplaced: {vmi: [reasons]}, hosts: {name:
    usage}, plans: {vmi: plan}, warnings: [..], policy}``.
    """
    if policy not in POLICIES:
        raise VmpodInputError("policy", policy, "must be one of %s" % ", ".join(POLICIES))
    cfg = read_config(config)
    opts = placement.read_options(options)
    states = _read_hosts(hosts)
    vms = _read_vmis(vmis, cfg, arch)
    picker = _Packer(states) if policy == "pack" else _Spreader(states)
    placements, unplaced, plans = {}, {}, {}
    nowhere = {}  # shape -> reasons, for shapes no host took
    for vm in vms:
        if vm.shape in nowhere:
            placements[vm.name] = None
            unplaced[vm.name] = list(nowhere[vm.shape])
            continue
        state, plan = picker.place(vm, lambda state, vm=vm: _try(state, vm, cfg, opts))
        if state is None:
            reasons = _unplaced_reasons(vm, states, cfg, opts)
            nowhere[vm.shape] = reasons
            placements[vm.name] = None
            unplaced[vm.name] = list(reasons)
            continue
        _take(state, vm, plan)
        picker.taken(state)
        placements[vm.name] = state.name
        result = plan.as_dict()
        result["name"] = vm.name
        result["host"] = state.name
        plans[vm.name] = result
    usage = dict((state.name, _usage(state, cfg)) for state in states)
    warnings = ["%s: %s" % (name, warning) for name, host in usage.items()
                for warning in host["warnings"]]
    return {"placements": placements, "unplaced": unplaced, "hosts": usage, "plans": plans,
            "warnings": warnings, "policy": policy}


# -- reading the input ---------------------------------------------------------------------------

def _read_hosts(hosts):
    if isinstance(hosts, dict):
        items = [(name, data, "hosts.%s" % name) for name, data in hosts.items()]
    elif isinstance(hosts, (list, tuple)):
        items = []
        for index, data in enumerate(hosts):
            where = "hosts[%d]" % index
            name = data.get("name") if isinstance(data, dict) else None
            if not isinstance(name, str) or not name:
                raise VmpodInputError(where + ".name", name,
                                      "is required: a host list names each host")
            items.append((name, data, where))
    else:
        raise VmpodInputError("hosts", hosts, "must map host names to host data, or list host "
                              "data with names")
    if not items:
        raise VmpodInputError("hosts", hosts, "must name at least one host")
    states, seen = [], {}
    for index, (name, data, where) in enumerate(items):
        if not isinstance(name, str) or not name:
            raise VmpodInputError(where, name, "is not a host name")
        if name in seen:
            raise VmpodInputError(where + ".name", name, "is a duplicate of %s" % seen[name])
        seen[name] = where
        states.append(_HostState(index, name, read_host(data, where),
                                 placement.host_architecture(data, where)))
    return states


def _read_vmis(vmis, cfg, arch):
    if isinstance(vmis, dict):
        vmis = [vmis]
    if not isinstance(vmis, (list, tuple)):
        raise VmpodInputError("vmis", vmis, "must be a list of VMIs")
    names = {}
    read = []
    for index, vmi in enumerate(vmis):
        where = "vmis[%d]" % index
        try:
            spec = read_vmi(vmi, arch)
            resources = compute_resources(spec, cfg, read_namespace_context(spec, None, (), ()))
        except VmpodInputError as err:
            raise VmpodInputError("%s.%s" % (where, err.path) if err.path else where,
                                  err.value, err.problem)
        if not spec.name:
            raise VmpodInputError(where + ".metadata.name", None,
                                  "is required: placements are keyed by VMI name")
        if spec.name in names:
            raise VmpodInputError(where + ".metadata.name", spec.name,
                                  "is a duplicate of vmis[%d]: VMI names must be unique"
                                  % names[spec.name])
        names[spec.name] = index
        read.append(_sized(index, spec, resources))
    return read


def _sized(index, spec, resources):
    vm = _Vm()
    vm.index = index
    vm.name = spec.name
    vm.spec = spec
    vm.resources = resources
    requests = resources["requests"]
    vm.dedicated = spec.cpu.dedicated
    vm.vcpus = placement.guest_vcpus(spec)
    vm.cpu_request = parse_quantity(requests["cpu"]).milli_value() if "cpu" in requests else 0
    vm.memory_request = parse_quantity(requests["memory"]).value() if "memory" in requests else 0
    overhead = parse_quantity(resources["memory_overhead"]).value()
    vm.memory_use = overhead if spec.hugepage_size else (
        overhead + placement.guest_memory(spec, resources))
    cpu = spec.cpu
    vm.shape = (
        tuple(sorted(requests.items())), resources["memory_overhead"], spec.architecture,
        cpu.sockets, cpu.cores, cpu.threads, cpu.dedicated, cpu.isolate_emulator_thread,
        cpu.numa_passthrough, EVEN_PARITY_ANNOTATION in spec.annotations,
        spec.io_threads_policy, spec.supplemental_pool_thread_count,
        iothread_count(spec) if cpu.dedicated else 0, spec.hugepage_size, vm.memory_use, vm.vcpus)
    return vm


# -- one VM on one host --------------------------------------------------------------------------

def _try(state, vm, cfg, opts):
    """The plan of ``vm`` on ``state``'s host as it stands, or None with the refusal noted."""
    reason = state.refused.get(vm.shape)
    if reason is not None:
        return None
    reason = _no_room(state, vm, state.cpu_requested, state.memory_requested)
    if reason is None:
        plan = _place(state.host, vm, cfg, opts)
        if not plan.reasons:
            return plan
        reason = "; ".join(plan.reasons)
    state.refused[vm.shape] = reason
    return None


def _place(host, vm, cfg, opts):
    try:
        return placement.place(vm.spec, host, cfg, opts, vm.resources)
    except VmpodInputError as err:  # the VMI and the options disagree, whatever the host
        where = "vmis[%d]" % vm.index
        raise VmpodInputError("%s.%s" % (where, err.path) if err.path else where,
                              err.value, err.problem)


def _no_room(state, vm, cpu_requested, memory_requested):
    """Why the scheduler would not admit the launcher Pod, or None."""
    if state.architecture is not None and state.architecture != vm.spec.architecture:
        return "the host is %s, the VM %s" % (state.architecture, vm.spec.architecture)
    reasons = []
    if cpu_requested + vm.cpu_request > state.cpu_allocatable:
        reasons.append("the Pod requests %s CPU, %s of the host's %s allocatable CPU are left"
                       % (_cores(vm.cpu_request), _cores(state.cpu_allocatable - cpu_requested),
                          _cores(state.cpu_allocatable)))
    if memory_requested + vm.memory_request > state.memory_allocatable:
        reasons.append("the Pod requests %s of memory, %s of the host's %s outside hugepage "
                       "pools are left" % (_bytes(vm.memory_request),
                                           _bytes(state.memory_allocatable - memory_requested),
                                           _bytes(state.memory_allocatable)))
    return "; ".join(reasons) or None


def _take(state, vm, plan):
    host = state.host
    cpu_charge = vm.cpu_request
    if plan.cpuset:
        host.free = host.free - plan.cpuset
        host.used = host.used | plan.cpuset
        state.pinned[vm.name] = plan.cpuset
        cpu_charge = max(cpu_charge, 1000 * len(plan.cpuset))  # siblings held idle count too
    else:
        state.shared_vcpus += vm.vcpus
    if plan.hugepages:
        size = parse_quantity(plan.hugepages["page_size"]).value()
        for node, count in plan.hugepages["per_node"].items():
            host.node_by_id[int(node)].hugepages[size].free -= count
    state.cpu_requested += cpu_charge
    state.memory_requested += vm.memory_request
    state.vm_memory += vm.memory_use
    _bind_memory(state, vm, plan)
    state.vms.append(vm.name)


def _bind_memory(state, vm, plan):
    """Count the Pod's memory request against NUMA nodes: a pinned VM's on the nodes of its
    pCPUs (the kernel allocates locally), by pCPU; any other VM's over all nodes, by size."""
    host = state.host
    if plan.cpuset:
        weights = {}
        for cpu in plan.cpuset:
            node = host.cpu_by_id[cpu].node
            weights[node] = weights.get(node, 0) + 1
    else:
        weights = dict((node.id, ordinary_memory(node)) for node in host.nodes)
    total = sum(weights.values())
    if not total:
        weights, total = {host.nodes[0].id: 1}, 1
    left = vm.memory_request
    nodes = sorted(weights)
    for node in nodes[:-1]:
        share = vm.memory_request * weights[node] // total
        state.node_memory[node] += share
        left -= share
    state.node_memory[nodes[-1]] += left


# -- the order hosts are tried in ----------------------------------------------------------------

class _Packer:
    """``pack``: hosts in their given order; each VM shape resumes at the host that took it
    last, since the hosts before it refused that shape already."""

    def __init__(self, states):
        self.states = states
        self.start = {}

    def place(self, vm, attempt):
        states = self.states
        for index in range(self.start.get(vm.shape, 0), len(states)):
            plan = attempt(states[index])
            if plan is not None:
                self.start[vm.shape] = index
                return states[index], plan
        self.start[vm.shape] = len(states)
        return None, None

    def taken(self, state):
        """Nothing to do: the given order does not change."""


class _Spreader:
    """``spread``: the least loaded host first (ties in the given order), from a heap whose
    entries go stale when their host takes a VM."""

    def __init__(self, states):
        self.states = states
        self.version = [0] * len(states)
        self.heap = [(state.load(), state.index, 0) for state in states]
        heapq.heapify(self.heap)

    def place(self, vm, attempt):
        refused, found = [], (None, None)
        while self.heap:
            entry = heapq.heappop(self.heap)
            index = entry[1]
            if entry[2] != self.version[index]:
                continue  # stale: a newer entry for this host is in the heap
            plan = attempt(self.states[index])
            if plan is not None:
                self.version[index] += 1  # taken() enters the host again with its new load
                found = self.states[index], plan
                break
            refused.append(entry)
        for entry in refused:
            heapq.heappush(self.heap, entry)
        return found

    def taken(self, state):
        heapq.heappush(self.heap, (state.load(), state.index, self.version[state.index]))


# -- an unplaced VM's reasons --------------------------------------------------------------------

def _unplaced_reasons(vm, states, cfg, opts):
    """Whether the VM would fit any host if it were empty, then each host's refusal."""
    first_fit = None
    for state in states:
        if _no_room(state, vm, 1000 * len(state.pristine.used), 0) is None and not _place(
                state.pristine, vm, cfg, opts).reasons:
            first_fit = state.name
            break
    if first_fit is None:
        summary = ("fits none of the %d hosts even with no VM of this placement on them"
                   % len(states))
    else:
        summary = ("no host has room left for it (%s could take it before this placement's "
                   "VMs)" % first_fit)
    reasons = [summary]
    for state in states[:_LISTED_HOSTS]:  # as each host stands now
        why = _no_room(state, vm, state.cpu_requested, state.memory_requested)
        reasons.append("%s: %s" % (state.name, why or "; ".join(
            _place(state.host, vm, cfg, opts).reasons)))
    if len(states) > _LISTED_HOSTS:
        reasons.append("and %d more hosts" % (len(states) - _LISTED_HOSTS))
    return reasons


# -- what each host has left ---------------------------------------------------------------------

def _usage(state, cfg):
    pristine, host = state.pristine, state.host
    exclusive = frozenset().union(*state.pinned.values()) if state.pinned else frozenset()
    shared_pcpus = len(host.cpus) - len(pristine.reserved) - len(host.used)
    ratio = state.shared_vcpus / shared_pcpus if shared_pcpus > 0 else None
    overcommit = (100.0 * state.vm_memory / state.memory_allocatable
                  if state.memory_allocatable else None)
    nodes = []
    for node, before in zip(host.nodes, pristine.nodes):
        cpus = frozenset(node.cpus)
        memory = ordinary_memory(node)
        nodes.append({
            "id": node.id,
            "cpus": {"total": len(cpus), "reserved": len(cpus & pristine.reserved),
                     "used": len(cpus & host.used), "free": len(cpus & host.free),
                     "used_before": format_cpuset(cpus & pristine.used),
                     "pinned": format_cpuset(cpus & exclusive),
                     "free_cpus": format_cpuset(cpus & host.free)},
            "memory": {"total": memory, "used": state.node_memory[node.id],
                       "free": max(0, memory - state.node_memory[node.id])},
            "hugepages": dict((_size_text(size), {
                "total": pool.total, "used_before": pool.total - before.hugepages[size].free,
                "used": pool.total - pool.free, "free": pool.free})
                for size, pool in sorted(node.hugepages.items())),
        })
    usage = {
        "vmis": list(state.vms),
        "pinned": dict((name, format_cpuset(cpus)) for name, cpus in state.pinned.items()),
        "cpu": {
            "pcpus": len(host.cpus), "reserved": len(pristine.reserved),
            "used_before": len(pristine.used), "exclusive": len(exclusive),
            "allocatable": _cores(state.cpu_allocatable),
            "requested": _cores(state.cpu_requested),
            "requested_percent": _percent(state.cpu_requested, state.cpu_allocatable),
            "shared_vcpus": state.shared_vcpus, "shared_pcpus": max(0, shared_pcpus),
            "vcpus_per_pcpu": round(ratio, 2) if ratio is not None else None,
            "cpu_allocation_ratio": cfg.cpu_allocation_ratio,
        },
        "memory": {
            "allocatable": state.memory_allocatable, "requested": state.memory_requested,
            "requested_percent": _percent(state.memory_requested, state.memory_allocatable),
            "vm_memory": state.vm_memory,
            "overcommit_percent": round(overcommit, 1) if overcommit is not None else None,
            "memory_overcommit": cfg.memory_overcommit,
        },
        "nodes": nodes,
    }
    usage["warnings"] = _warnings(usage)
    return usage


def _warnings(usage):
    cpu, memory = usage["cpu"], usage["memory"]
    warnings = []
    if cpu["shared_vcpus"] and cpu["vcpus_per_pcpu"] is None:
        warnings.append("%d shared vCPUs and no shared pCPU left" % cpu["shared_vcpus"])
    elif cpu["vcpus_per_pcpu"] is not None and cpu["vcpus_per_pcpu"] > VCPUS_PER_PCPU_WARNING:
        warnings.append("%s vCPUs per pCPU on the shared CPUs (%d vCPUs on %d pCPUs), above %d"
                        % (cpu["vcpus_per_pcpu"], cpu["shared_vcpus"], cpu["shared_pcpus"],
                           VCPUS_PER_PCPU_WARNING))
    if memory["overcommit_percent"] is not None and \
            memory["overcommit_percent"] > MEMORY_PERCENT_WARNING:
        warnings.append("the VMs may use %s%% of the memory outside hugepage pools (%s of %s), "
                        "above %d%%" % (memory["overcommit_percent"], _bytes(memory["vm_memory"]),
                                        _bytes(memory["allocatable"]), MEMORY_PERCENT_WARNING))
    return warnings


def _percent(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def _cores(millicores):
    return str(Quantity(millicores, -3).canonical()) if millicores % 1000 else str(
        millicores // 1000)


def _bytes(value):
    """A byte count to read, to a tenth of its largest binary unit: ``193.1Gi``, ``8Gi``."""
    for unit, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if abs(value) >= size:
            return ("%.1f" % (float(value) / size)).rstrip("0").rstrip(".") + unit
    return str(value)


def _size_text(size):
    return str(Quantity(size, 0, BINARY_SI).canonical())


# -- the report operators read -------------------------------------------------------------------

def fleet_markdown(result):
    """``place_fleet``'s result as Markdown: hosts, their NUMA nodes, placements, unplaced VMs."""
    if not isinstance(result, dict) or not all(
            isinstance(result.get(key), dict) for key in ("placements", "unplaced", "hosts")):
        raise VmpodInputError("fleet", result, "must be the result of place_fleet")
    placed = sum(1 for host in result["placements"].values() if host is not None)
    lines = ["# Capacity: %d VMIs on %d hosts (policy %s)" % (
        len(result["placements"]), len(result["hosts"]), result.get("policy", "pack")), "",
        "%d placed, %d unplaced." % (placed, len(result["unplaced"])), ""]
    lines.extend(_markdown_table(
        ("host", "VMIs", "exclusive pCPUs", "CPU requested", "vCPUs per shared pCPU",
         "memory requested", "VM memory", "warnings"),
        [_host_row(name, usage) for name, usage in result["hosts"].items()]))
    lines.extend(["", "## NUMA nodes", ""])
    rows = []
    for name, usage in result["hosts"].items():
        for node in usage["nodes"]:
            cpus, memory = node["cpus"], node["memory"]
            pages = ", ".join("%s: %d of %d" % (size, pool["free"], pool["total"])
                              for size, pool in node["hugepages"].items() if pool["total"])
            rows.append((name, str(node["id"]), "%d / %d / %d / %d" % (
                cpus["free"], cpus["used"], cpus["reserved"], cpus["total"]),
                cpus["free_cpus"] or "-",
                "%s of %s" % (_bytes(memory["used"]), _bytes(memory["total"])), pages or "-"))
    lines.extend(_markdown_table(("host", "node", "pCPUs free / used / reserved / all",
                                  "free pCPUs", "memory requested", "hugepages free"), rows))
    lines.extend(["", "## Placements", ""])
    plans = result.get("plans") or {}
    rows = []
    for name, host in result["placements"].items():
        if host is None:
            continue
        plan = plans.get(name) or {}
        pages = plan.get("hugepages") or {}
        rows.append((name, host, plan.get("cpuset") or "shared",
                     ", ".join("%d->n%d" % (cell["id"], cell["host_node"])
                               for cell in plan.get("numa_cells") or ()) or "-",
                     "%s %s" % (pages["page_size"], ", ".join(
                         "n%s: %d" % item for item in sorted(pages["per_node"].items())))
                     if pages.get("per_node") else "-"))
    lines.extend(_markdown_table(("VMI", "host", "pCPUs", "guest NUMA -> host",
                                  "hugepages per host node"), rows))
    if result["unplaced"]:
        lines.extend(["", "## Unplaced", ""])
        for name, reasons in result["unplaced"].items():
            lines.append("- **%s**: %s" % (_cell(name), reasons[0] if reasons else ""))
            lines.extend("  - %s" % _cell(reason) for reason in reasons[1:])
    if result.get("warnings"):
        lines.extend(["", "## Warnings", ""])
        lines.extend("- %s" % _cell(warning) for warning in result["warnings"])
    return "\n".join(lines) + "\n"


def _host_row(name, usage):
    cpu, memory = usage["cpu"], usage["memory"]
    ratio = cpu["vcpus_per_pcpu"]
    return (name, str(len(usage["vmis"])),
            "%d of %d" % (cpu["exclusive"], cpu["pcpus"] - cpu["reserved"]),
            "%s of %s (%s%%)" % (_decimal_cores(cpu["requested"]),
                                 _decimal_cores(cpu["allocatable"]), cpu["requested_percent"]),
            "-" if ratio is None else "%s (%d on %d)" % (
                ratio, cpu["shared_vcpus"], cpu["shared_pcpus"]),
            "%s of %s (%s%%)" % (_bytes(memory["requested"]), _bytes(memory["allocatable"]),
                                 memory["requested_percent"]),
            "-" if memory["overcommit_percent"] is None else "%s%%" % memory["overcommit_percent"],
            "; ".join(usage["warnings"]) or "-")


def _decimal_cores(quantity):
    """``59200m`` -> ``59.2``: cores to read in a table."""
    return ("%.3f" % (parse_quantity(quantity).milli_value() / 1000.0)).rstrip("0").rstrip(".")


def _markdown_table(header, rows):
    lines = ["| %s |" % " | ".join(header), "|%s|" % "|".join("---" for column in header)]
    for row in rows:
        lines.append("| %s |" % " | ".join(_cell(value) for value in row))
    return lines


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")
