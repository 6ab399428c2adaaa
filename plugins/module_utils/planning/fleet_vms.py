# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet's VMs: each VMI read and sized once into a ``FleetVm``, what the hosts must admit
for it (its launcher Pod's whole envelope) and the shape that decides its fit.

A fleet is mostly copies of a few instance types, so VMIs that are the same object but for their
identity (metadata name, namespace, uid) are read and sized once and share the sized values,
each with its own identity (``kubevirt.vmi.renamed_vmi``); ``content_key`` tells look-alikes
apart (``planning/packing.py`` uses it for hosts too).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import pickle

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.guest import guest_vcpus
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.identity import vm_keys
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.iothreads import iothread_count
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.launcher_envelope import (
    launcher_envelope)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import EMPTY_CONTEXT
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import (
    EVEN_PARITY_ANNOTATION, SizedVmi, size_vmi)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi, renamed_vmi
from ansible_collections.vmpod.core.plugins.module_utils.planning.plan import placed_memory
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError, each_item

_new_tuple = tuple.__new__
_NOT_EXTENDED = ("cpu", "memory", "ephemeral-storage")


class FleetVm:
    """One VMI, read and sized once (its sized values shared with the VMIs sized the same)."""

    __slots__ = ("index", "name", "vmi", "sized", "dedicated", "vcpus", "cpu_request",
                 "memory_request", "memory_use", "shape", "envelope", "qos", "qos_reason",
                 "extended", "plans")


def read_fleet_vmis(vmis, cfg, arch, contexts=None):
    """Each VMI read and sized once, as a ``FleetVm``, keyed by ``vm_keys``; ``contexts``: the
    ``kubevirt.namespace.NamespaceContexts`` the VMIs size in, namespace by namespace (None:
    none given)."""
    if isinstance(vmis, dict):
        vmis = [vmis]
    like = {}  # object key -> the sized values of the first VMI of that object
    sized = each_item(vmis, lambda obj: _sized_like(obj, arch, cfg, like, contexts), named=False)
    for index, (one, _key) in enumerate(sized):
        if not one.vmi.name:
            raise VmpodInputError("vmis[%d].metadata.name" % index, None,
                                  "is required: placements are keyed by VMI name")
    keys = vm_keys([(one.vmi.namespace, one.vmi.name) for one, _key in sized], "/")
    read, first_vm = [], {}  # object key -> the first FleetVm of that object
    for index, (one, key) in enumerate(sized):
        first = first_vm.get(key) if key is not None else None
        if first is None:
            vm = fleet_vm(index, one, cfg)
            if key is not None:
                first_vm[key] = vm
        else:
            vm = FleetVm()
            for slot in FleetVm.__slots__:
                setattr(vm, slot, getattr(first, slot))
            vm.index, vm.vmi, vm.sized = index, one.vmi, one
        vm.name = keys[index]
        read.append(vm)
    return read


# Who a VM is: nothing its sizing, launcher envelope or placement reads.
_IDENTITY = frozenset(("name", "namespace", "uid"))


def _sized_like(obj, arch, cfg, like, contexts):
    """``(size_vmi(read_vmi(obj)), object key)``, read and sized once for all objects that are
    the same but for their metadata name, namespace and uid (a fleet is mostly copies of a few
    instance types): those share the sized values, each with its own identity
    (``renamed_vmi``), as long as their namespaces size them alike (with ``contexts``, the same
    namespace). The key is None for an object that is not plain data."""
    meta = obj.get("metadata") if obj.__class__ is dict else None
    key = content_key(([item for item in obj.items() if item[0] != "metadata"],
                       [item for item in meta.items() if item[0] not in _IDENTITY])) \
        if meta.__class__ is dict else None
    if key is None:
        vmi = read_vmi(obj, arch, with_pod=True)
        return size_vmi(vmi, cfg, _context(contexts, vmi.namespace)), None
    context = EMPTY_CONTEXT
    if contexts is not None:
        namespace = meta.get("namespace")
        context = contexts.context(namespace if namespace.__class__ is str else None)
        key = (key, context)  # (contexts keep one context per namespace)
    first = like.get(key)
    if first is None:
        first = like[key] = size_vmi(read_vmi(obj, arch, with_pod=True), cfg, context)
        return first, key
    return _new_tuple(SizedVmi, (renamed_vmi(first.vmi, obj),) + first[1:]), key


def _context(contexts, namespace):
    return EMPTY_CONTEXT if contexts is None else contexts.context(namespace)


def content_key(values):
    """A short key that only equal values share, or None: the digest of their pickle (which
    holds every type and value exactly, writes a list or dict met twice once, as hostile input
    that nests one in itself millions of times over, and refuses what it cannot write or nests
    too deep), so that a fleet of hosts or VMs that all differ keeps no copy of each. The pickle
    is only written, never loaded."""
    try:
        text = pickle.dumps(values, 4)
    except Exception:  # what pickle cannot write, or nested too deep: read on its own
        return None
    return hashlib.sha256(text).digest()


def fleet_vm(index, sized, cfg):
    """A VM as the fleet places it: its launcher Pod's whole envelope is what the host must
    admit (compute, the console log sidecar, disk and virtiofs containers; ``launcher_envelope``)."""
    vmi = sized.vmi
    vm = FleetVm()
    vm.index = index
    vm.name = vmi.name
    vm.vmi = vmi
    vm.sized = sized
    vm.plans = {}  # its plans by host model and state, shared with the VMs sized alike
    requests, _limits, vm.qos, vm.qos_reason = launcher_envelope(sized, cfg)
    vm.envelope = requests
    vm.extended = tuple(sorted(
        (name, quantity.value()) for name, quantity in requests.items()
        if name not in _NOT_EXTENDED and not name.startswith("hugepages-") and quantity.unscaled))
    vm.extended += (("pods", 1),)  # one Pod: counted where the host states its pod capacity
    vm.dedicated = vmi.cpu.dedicated
    vm.vcpus = guest_vcpus(vmi)
    vm.cpu_request = requests["cpu"].milli_value() if "cpu" in requests else 0
    vm.memory_request = requests["memory"].value() if "memory" in requests else 0
    overhead = sized.overhead.value()
    vm.memory_use = overhead if vmi.hugepage_size else overhead + placed_memory(sized)
    cpu = vmi.cpu
    vm.shape = (
        tuple(sorted((name, str(value)) for name, value in requests.items())),
        str(sized.overhead), vmi.architecture,
        cpu.sockets, cpu.cores, cpu.threads, cpu.dedicated, cpu.isolate_emulator_thread,
        cpu.numa_passthrough, EVEN_PARITY_ANNOTATION in vmi.annotations,
        vmi.io_threads_policy, vmi.supplemental_pool_thread_count,
        iothread_count(vmi) if cpu.dedicated else 0, vmi.hugepage_size, vm.memory_use, vm.vcpus)
    return vm
