# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many VMs onto many hosts: where each VM goes, what every host has left, and why a VM goes
nowhere.

A VM goes to a host when the scheduler would admit its launcher Pod there and the kubelet and
virt-launcher could then place it (``planning.plan.place``):

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

A fleet is mostly copies of a few instance types on a few host models, so what is the same for
look-alikes is done once: VMIs that are the same object but for their identity are read and
sized once (``planning/fleet_vms.py``), hosts whose data is the same but for the name are read once, and a plan is made
once per VM sizing, host model and host state (free CPUs and pages), each VM getting a copy.
The order the hosts are tried in (``pack``, ``spread``) is ``planning/host_order.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gc
from contextlib import contextmanager

from ansible_collections.vmpod.core.plugins.module_utils.planning.host import Host, HostNode, HugepagePool, read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import ordinary_memory
from ansible_collections.vmpod.core.plugins.module_utils.planning.fleet_vms import content_key
from ansible_collections.vmpod.core.plugins.module_utils.planning.plan import place
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError, key_path, within
from ansible_collections.vmpod.core.plugins.module_utils.planning.usage import readable_bytes, cores_text

_LISTED_HOSTS = 5  # hosts named in an unplaced VM's reasons


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


# virt-handler's permanent device plugins advertise 1000 of each on every KubeVirt node
# (cmd/virt-handler: maxDevices); other extended resources a host must state it offers.
KUBEVIRT_NODE_DEVICES = {"devices.kubevirt.io/kvm": 1000, "devices.kubevirt.io/tun": 1000,
                         "devices.kubevirt.io/vhost-net": 1000}


class _HostState:
    """One host as the placement goes: what is taken, by whom, and what it refused."""

    __slots__ = ("index", "name", "pristine", "model", "host", "architecture", "cpu_allocatable",
                 "cpu_requested", "memory_allocatable", "memory_requested", "vm_memory",
                 "shared_vcpus", "node_memory", "vms", "pinned", "refused",
                 "extended_allocatable", "extended_requested")

    def __init__(self, index, name, pristine, architecture, model=None):
        self.index = index
        self.name = name
        self.pristine = pristine
        self.model = model if model is not None else ("host", index)  # hosts alike share it
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
        # extended resources (device plugins, pods): what the node offers and what is requested
        self.extended_allocatable = dict(KUBEVIRT_NODE_DEVICES)
        self.extended_allocatable.update(pristine.extended or {})
        self.extended_requested = {}

    def load(self):
        """The fuller of CPU and memory, as a share of what is allocatable (for spread)."""
        cpu = self.cpu_requested / self.cpu_allocatable if self.cpu_allocatable else 1.0
        memory = (self.memory_requested / self.memory_allocatable
                  if self.memory_allocatable else 1.0)
        return max(cpu, memory)


def empty_like(state):
    """A state of ``state``'s host as the data gives it, before any VM of this placement."""
    return _HostState(state.index, state.name, state.pristine, state.architecture, state.model)


def read_fleet_hosts(hosts):
    if isinstance(hosts, dict):
        items = [(name, data, key_path("hosts", name)) for name, data in hosts.items()]
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
    states, seen, read = [], {}, {}
    for index, (name, data, where) in enumerate(items):
        if not isinstance(name, str) or not name:
            raise VmpodInputError(where, name, "is not a host name")
        if name in seen:
            raise VmpodInputError(where + ".name", name, "is a duplicate of %s" % seen[name])
        seen[name] = where
        host, model = _read_like(data, where, read)
        states.append(_HostState(index, name, host, host.architecture, model))
    return states


def _read_like(data, where, read):
    """``(read_host(data), model)``, read once for all hosts whose data is the same but for their
    name (a fleet is mostly hosts of a few models): those share one read Host, and so its static
    indexes (``Host.derived``), each under its own name, and a ``model`` key (None for data
    read on its own)."""
    key = content_key([item for item in data.items() if item[0] != "name"]) \
        if data.__class__ is dict else None
    if key is None:
        return read_host(data, where), None
    first = read.get(key)
    if first is None:
        first = read[key] = read_host(data, where)
        return first, key
    name = f.string(data, "name", where)
    if name == first.name:
        return first, key
    twin = Host()
    for slot in Host.__slots__:
        setattr(twin, slot, getattr(first, slot))
    twin.name = name
    return twin, key


@contextmanager
def collector_paused():
    """CPython's cyclic garbage collector paused while a fleet is placed, as it was afterwards:
    its automatic passes walk every live container again and again, and a fleet builds hundreds
    of thousands (read VMIs, plans, usage), none of them in a cycle - a quarter of the time of
    100,000 VMs went there."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- one VM on one host --------------------------------------------------------------------------

def try_place(state, vm, opts):
    """The plan of ``vm`` on ``state``'s host as it stands, or None with the refusal noted."""
    reason = state.refused.get(vm.shape)
    if reason is not None:
        return None
    reason = _no_room(state, vm, state.cpu_requested, state.memory_requested)
    if reason is None:
        plan = _planned(state, vm, opts)
        if not plan.reasons:
            return plan.copy()
        reason = "; ".join(plan.reasons)
    state.refused[vm.shape] = reason
    return None


_PLANS_KEPT = 4096  # plans kept per sizing, then dropped: host states met long ago seldom recur


def _planned(state, vm, opts):
    """``place`` of ``vm`` on the host as it stands, made once for the VMs sized alike on hosts
    of one model in one state (the same free CPUs and free pages): the plan is the same, and
    the caller copies it. ``opts`` are the fleet's, the same for every call."""
    host = state.host
    key = (state.model, host.free,
           tuple(pool.free for node in host.nodes for pool in node.hugepages.values()),
           host.pci_devices if vm.sized.pci_resources is not None else None)
    plans = vm.plans
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= _PLANS_KEPT:
            plans.clear()
        plan = plans[key] = _place(host, vm, opts)
    return plan


def _place(host, vm, opts):
    try:
        return place(vm.sized, host, opts)
    except VmpodInputError as err:  # the VMI and the options disagree, whatever the host
        raise within(err, "vmis[%d]" % vm.index)


def target_admission(host, vm):
    """Why kube-scheduler would not admit ``vm``'s launcher Pod (a ``FleetVm``: its whole
    envelope) on the read host ``host`` as its data stands (its used CPUs held, its stated
    extended resources), or None: a migration's target Pod must be admitted like any other."""
    state = _HostState(0, "target", host, host.architecture)
    return _no_room(state, vm, state.cpu_requested, state.memory_requested)


def _no_room(state, vm, cpu_requested, memory_requested, extended_requested=None):
    """Why the scheduler would not admit the launcher Pod, or None; ``extended_requested``: the
    extended resources already requested (the host's as it stands when None)."""
    if extended_requested is None:
        extended_requested = state.extended_requested
    if state.architecture is not None and state.architecture != vm.vmi.architecture:
        return "the host is %s, the VM %s" % (state.architecture, vm.vmi.architecture)
    reasons = []
    if cpu_requested + vm.cpu_request > state.cpu_allocatable:
        reasons.append("the Pod requests %s CPU, %s of the host's %s allocatable CPU are left"
                       % (cores_text(vm.cpu_request), cores_text(state.cpu_allocatable - cpu_requested),
                          cores_text(state.cpu_allocatable)))
    if memory_requested + vm.memory_request > state.memory_allocatable:
        reasons.append("the Pod requests %s of memory, %s of the host's %s outside hugepage "
                       "pools are left" % (readable_bytes(vm.memory_request),
                                           readable_bytes(state.memory_allocatable - memory_requested),
                                           readable_bytes(state.memory_allocatable)))
    for name, amount in vm.extended:
        offered = state.extended_allocatable.get(name)
        if offered is None:
            if name == "pods":
                continue  # the host does not state its Pod capacity
            offered = 0
        taken = extended_requested.get(name, 0)
        if taken + amount > offered:
            reasons.append("the Pod requests %d %s, %d of the host's %d are left (kube-scheduler: "
                           "Insufficient %s)" % (amount, name, max(0, offered - taken), offered, name))
    return "; ".join(reasons) or None


def take(state, vm, plan):
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
        for node, count in plan.hugepages["per_node"].items():
            host.node_by_id[int(node)].hugepages[plan.page_bytes].free -= count
    if plan.devices:  # the PCI devices it got are held: the next VM gets others, or none
        held = set(device["address"] for device in plan.devices)
        host.pci_devices = tuple(device._replace(used=True) if device.address in held else device
                                 for device in host.pci_devices)
    state.cpu_requested += cpu_charge
    state.memory_requested += vm.memory_request
    for name, amount in vm.extended:
        state.extended_requested[name] = state.extended_requested.get(name, 0) + amount
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


# -- an unplaced VM's reasons --------------------------------------------------------------------

def fits_empty(state, vm, opts, memo):
    """Whether ``vm`` fits ``state``'s host with none of this placement's VMs on it (``memo``:
    host model -> the answer, for one VM shape)."""
    if _no_room(state, vm, 1000 * len(state.pristine.used), 0, {}) is not None:
        return False
    fits = memo.get(state.model)
    if fits is None:
        fits = memo[state.model] = not _place(state.pristine, vm, opts).reasons
    return fits


def unplaced_reasons(vm, states, opts):
    """Whether the VM would fit any host if it were empty, then each host's refusal."""
    first_fit = None
    memo = {}
    for state in states:
        if fits_empty(state, vm, opts, memo):
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
            _place(state.host, vm, opts).reasons)))
    if len(states) > _LISTED_HOSTS:
        reasons.append("and %d more hosts" % (len(states) - _LISTED_HOSTS))
    return reasons
