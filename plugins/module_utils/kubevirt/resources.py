# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sizing: the launcher Pod's ``compute`` container resources, exactly as KubeVirt's virt-controller
renders them, and the memory overhead - a read VMI becomes a ``SizedVmi``.

Facts from KubeVirt ``pkg/virt-controller/services/renderresources.go`` and ``template.go``
(VMIResourcePredicates): the user's requests and limits are the base; each rule below either
changes them or adds a calculated value, and the user's own value wins over a calculated one.
``size_vmi`` reads as that list of rules, in KubeVirt's order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.values import gofloat
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import EMPTY_CONTEXT
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.overhead import total_overhead
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import (
    BINARY_SI, DECIMAL_SI, Quantity, ZERO_UNSET, parse_quantity, printed)

DEVICE_PREFIX = "devices.kubevirt.io/"
KVM_DEVICE = DEVICE_PREFIX + "kvm"
TUN_DEVICE = DEVICE_PREFIX + "tun"
VHOST_NET_DEVICE = DEVICE_PREFIX + "vhost-net"
VHOST_VSOCK_DEVICE = DEVICE_PREFIX + "vhost-vsock"
SEV_DEVICE = DEVICE_PREFIX + "sev"
TDX_DEVICE = DEVICE_PREFIX + "tdx"
PR_HELPER_DEVICE = DEVICE_PREFIX + "pr-helper"
IOMMUFD_DEVICE = DEVICE_PREFIX + "iommufd"
EVEN_PARITY_ANNOTATION = "alpha.kubevirt.io/EmulatorThreadCompleteToEvenParity"
EPHEMERAL_STORAGE_OVERHEAD = parse_quantity("50M")
_EPHEMERAL_STORAGE_ALONE = ZERO_UNSET + EPHEMERAL_STORAGE_OVERHEAD
_ONE = parse_quantity("1")
_UNIT = Quantity(1, 0, DECIMAL_SI)
_VIRTIO_MODELS = frozenset(("", "virtio"))
_new_tuple = tuple.__new__
_MAX_CACHED = 1024


class Resources:
    """KubeVirt's ResourceRenderer: the VMI's own lists and the calculated ones beneath them."""

    __slots__ = ("vm_requests", "vm_limits", "calc_requests", "calc_limits", "claims")

    def __init__(self, vmi):
        self.vm_requests = dict(vmi.requests)
        self.vm_limits = dict(vmi.limits)
        self.calc_requests = {}
        self.calc_limits = {}
        self.claims = []

    def requests(self):
        return {**self.calc_requests, **self.vm_requests}

    def limits(self):
        return {**self.calc_limits, **self.vm_limits}

    def add(self, table, name, amount):
        """Go's ``q := table[name]; q.Add(amount); table[name] = q``.

        A quantity Go holds as an *inf.Dec shares that Dec with every struct copy of it, and Add
        changes the Dec in place: a memory request copied from the limit (or the limit from the
        request) gets the overhead twice. KubeVirt renders that; so do we.
        """
        current = table.get(name, ZERO_UNSET)
        result = current + amount
        if current.dec:
            for other in self._tables(table):
                for key, value in other.items():
                    if value is current:
                        other[key] = result
        table[name] = result

    def _tables(self, *extra):
        return (self.vm_requests, self.vm_limits, self.calc_requests, self.calc_limits) + extra

    def request_devices(self, names):
        """Ask for one more of each named device in requests and limits (device plugins)."""
        if not names:
            return
        requests, limits = self.requests(), self.limits()
        for name in names:
            for resources in (limits, requests):
                if name in resources:
                    self.add(resources, name, _UNIT)
                else:
                    resources[name] = _UNIT
        self.calc_limits.update(limits)
        self.calc_requests.update(requests)


# -- the rules, in KubeVirt's order ------------------------------------------------------------

def ephemeral_storage(res):
    """50M more ephemeral storage requested, and on the limit when there is one."""
    if "ephemeral-storage" in res.vm_requests:
        res.add(res.vm_requests, "ephemeral-storage", EPHEMERAL_STORAGE_OVERHEAD)
    else:  # the common case: the sum with Go's zero quantity, computed once (it is no inf.Dec)
        res.vm_requests["ephemeral-storage"] = _EPHEMERAL_STORAGE_ALONE
    if "ephemeral-storage" in res.vm_limits:
        res.add(res.vm_limits, "ephemeral-storage", EPHEMERAL_STORAGE_OVERHEAD)


def virtualization_devices(res, vmi, config):
    """Device-plugin limits for KVM, TUN, vhost-net and vhost-vsock (they replace the user's)."""
    limits = res.vm_limits
    if vmi.interfaces or vmi.autoattach_pod_interface is not False:
        limits[TUN_DEVICE] = _ONE
    if not config.use_emulation:
        for interface in vmi.interfaces:  # (a loop: any() of a generator costs more)
            if interface.model in _VIRTIO_MODELS:
                limits[VHOST_NET_DEVICE] = _ONE
                break
        limits[KVM_DEVICE] = _ONE
    if vmi.autoattach_vsock:
        res.vm_limits[VHOST_VSOCK_DEVICE] = _ONE


def memory_request_is_empty(vmi):
    request = vmi.requests.get("memory")
    return request is None or not request.unscaled


def memory_request(res, vmi, config):
    """With no memory request: the limit, else memory.guest or the page size, at the overcommit."""
    limit = res.vm_limits.get("memory")
    request = res.vm_requests.get("memory")
    if limit is not None and not limit.is_zero() and (request is None or request.is_zero()):
        res.vm_requests["memory"] = limit
    if "memory" in res.vm_requests:
        return
    base = vmi.guest
    if base is None and vmi.hugepage_size is not None:
        base = vmi.page_size  # KubeVirt skips a page size that does not parse
    if base is None or base.value() <= 0:
        return
    if config.memory_overcommit == 100:
        res.vm_requests["memory"] = base
    else:
        scaled = base.value() * 100 // config.memory_overcommit
        res.vm_requests["memory"] = Quantity(scaled, 0, base.format)


def supplemental_pool_threads(vmi):
    return vmi.supplemental_pool_thread_count or 0


def dedicated_cpu(res, vmi):
    """Dedicated CPUs: request = limit = vCPUs + IOThreads (+ emulator thread); memory limit = request."""
    vcpus = vmi.cpu.vcpu_count
    io_threads = supplemental_pool_threads(vmi)
    if vcpus:
        # one value for both: an int64 amount, which Go copies (no shared *inf.Dec to alias)
        res.vm_limits["cpu"] = res.vm_requests["cpu"] = Quantity(vcpus + io_threads, 0, BINARY_SI)
    else:
        extra = Quantity(io_threads, 0, BINARY_SI)
        if "cpu" in res.vm_limits:
            res.add(res.vm_limits, "cpu", extra)
        if "cpu" in res.vm_requests:
            res.add(res.vm_requests, "cpu", extra)
    if vmi.cpu.isolate_emulator_thread:
        limit = res.vm_limits.get("cpu", ZERO_UNSET)
        emulator = Quantity(emulator_threads(vmi, limit), 0, BINARY_SI)
        res.add(res.vm_limits, "cpu", emulator)
        if "cpu" in res.vm_requests:
            res.add(res.vm_requests, "cpu", emulator)
    if "memory" in res.vm_requests:
        res.vm_limits["memory"] = res.vm_requests["memory"]


def emulator_threads(vmi, cpu_limit):
    """1, or 2 with the even-parity annotation when the CPUs would otherwise be an even count."""
    if EVEN_PARITY_ANNOTATION not in vmi.annotations:
        return 1
    pool = 0
    if vmi.io_threads_policy == "supplementalPool":
        pool = supplemental_pool_threads(vmi)
    return 2 if (cpu_limit.value() + pool) % 2 == 0 else 1


def shared_cpu(res, vmi, config, with_cpu_limit):
    """Shared CPUs: request (vCPUs + IOThreads) / cpuAllocationRatio, as Go prints it with %g."""
    vcpus = vmi.cpu.vcpu_count if vmi.cpu.present else 1
    total = vcpus + supplemental_pool_threads(vmi)
    if total == 0:
        return
    res.calc_requests["cpu"] = shared_cpu_request(total, config.cpu_allocation_ratio)
    if with_cpu_limit:
        res.calc_limits["cpu"] = parse_quantity(str(total))


_SHARED_CPU_REQUESTS = {}  # (CPUs, cpuAllocationRatio) -> request: few pairs recur across VMIs


def shared_cpu_request(total, ratio):
    """The request of ``total`` shared CPUs at ``ratio``, as the text %g gives is parsed."""
    found = _SHARED_CPU_REQUESTS.get((total, ratio))
    if found is not None:
        return found
    share = float(total) / float(ratio)
    text = gofloat.format_g(share) if share >= 1 else gofloat.format_g(share * 1000) + "m"
    found = parse_quantity(text)
    # (an *inf.Dec is each parse's own, never shared: such a request is parsed every time)
    if not found.dec and len(_SHARED_CPU_REQUESTS) < _MAX_CACHED:
        _SHARED_CPU_REQUESTS[(total, ratio)] = found
    return found


def hugepage_resources(res, vmi, overhead):
    """Hugepages: their own resource for the guest; memory keeps only what is not in hugepages."""
    page_resource = "hugepages-" + vmi.hugepage_size
    requested = res.vm_requests.get("memory", _ZERO_BINARY)
    guest = vmi.guest
    pages = requested
    if guest is not None and requested.value() > guest.value():
        pages = guest
    res.calc_requests[page_resource] = pages
    res.calc_limits[page_resource] = pages

    request_rest = limit_rest = _ZERO_KILO
    if guest is not None:
        limit = res.vm_limits.get("memory", _ZERO_BINARY)
        if requested.value() > guest.value():
            request_rest = request_rest + requested - guest
        if limit.value() > guest.value():
            limit_rest = limit_rest + limit - guest
    res.vm_requests["memory"] = request_rest + overhead
    if "memory" in res.vm_limits:
        res.vm_limits["memory"] = limit_rest + overhead


_ZERO_BINARY = Quantity(0, 0, BINARY_SI)  # Go's ResourceList.Memory() of an absent entry
_ZERO_KILO = Quantity(0, 3, DECIMAL_SI)  # what hugepage_resources' remainders start from


def memory_overhead_resources(res, vmi, overhead):
    """Without hugepages: the overhead on the request (unless overcommitted) and on any limit."""
    if not vmi.overcommit_guest_overhead:
        res.add(res.vm_requests, "memory", overhead)
    else:
        res.vm_requests.setdefault("memory", ZERO_UNSET)
    if "memory" in res.vm_limits:
        res.add(res.vm_limits, "memory", overhead)


def auto_memory_limit(res, ratio):
    """ResourceQuota with limits.memory and no user limit: limit = int64(request * ratio)."""
    request = res.vm_requests.get("memory", ZERO_UNSET)
    value = gofloat.int64(float(request.value()) * ratio)
    res.calc_limits["memory"] = Quantity(value, 0, request.format)


def network_attachment_resources(res, resource_names):
    res.request_devices([name for name in resource_names if name])


def device_plugin_resources(res, devices):
    res.request_devices([d.device_name for d in devices if d.device_name and d.claim is None])


def dra_claims(res, claims):
    for claim_name, request_name in claims:
        claim = {"name": claim_name}
        if request_name:
            claim["request"] = request_name
        res.claims.append(claim)


# -- sizing: the rules in KubeVirt's order ----------------------------------------------------

class SizedVmi(NamedTuple):
    """A VMI with its launcher's resources (``Quantity`` values) and memory overhead.

    ``overhead`` is the total (hypervisor and network binding), as the renderer uses it.
    Strings appear only in ``as_dict`` - the shape of ``launcher_resources``.
    """

    vmi: object  # kubevirt.vmi.Vmi
    requests: dict  # resource name -> Quantity
    limits: dict
    claims: tuple  # ({"name", "request"}, ...)
    overhead: Quantity
    # the cluster's permittedHostDevices.pciHostDevices (resource name -> config.PciResource)
    # when the VM has GPUs or host devices, else None: what planning matches host PCI devices by
    pci_resources: dict = None

    def as_dict(self):
        return {"requests": printed(self.requests), "limits": printed(self.limits),
                "claims": [dict(claim) for claim in self.claims] if self.claims else [],
                "memory_overhead": str(self.overhead)}


def check_permitted_devices(vmi, cfg):
    """With permittedHostDevices set, KubeVirt refuses to render a device it does not list."""
    permitted = cfg.permitted_host_devices
    if permitted is None:
        return
    for devices, dra in ((vmi.gpus, cfg.gpus_with_dra), (vmi.host_devices, cfg.host_devices_with_dra)):
        for device in devices:
            if dra and device.claim is not None:
                continue
            if device.device_name not in permitted:
                raise VmpodInputError(device.path + ".deviceName", device.device_name,
                                      "is not permitted by config.permittedHostDevices")


def size_vmi(vmi, cfg, context=EMPTY_CONTEXT):
    """The rules, in KubeVirt's order, over a read VMI, cluster config and namespace context."""
    passthrough = vmi.gpus or vmi.host_devices
    if passthrough:
        check_permitted_devices(vmi, cfg)
    overhead = total_overhead(vmi, cfg)
    res = Resources(vmi)

    ephemeral_storage(res)
    virtualization_devices(res, vmi, cfg)
    if memory_request_is_empty(vmi):
        memory_request(res, vmi, cfg)
    if vmi.cpu.dedicated:
        dedicated_cpu(res, vmi)
    else:
        shared_cpu(res, vmi, cfg, context.auto_cpu_limits(vmi, cfg))
    if vmi.hugepage_size is not None:
        hugepage_resources(res, vmi, overhead)
    else:
        memory_overhead_resources(res, vmi, overhead)
    if context.auto_memory_limits(vmi):
        auto_memory_limit(res, context.memory_limit_ratio())
    if vmi.networks and not cfg.external_net_resource_injection:
        network_attachment_resources(res, context.network_resource_names(vmi))
    if vmi.gpus:
        device_plugin_resources(res, vmi.gpus)
        if cfg.gpus_with_dra:
            dra_claims(res, [g.claim for g in vmi.gpus if not g.device_name and g.claim])
    if vmi.host_devices:
        device_plugin_resources(res, vmi.host_devices)
        if cfg.host_devices_with_dra:
            dra_claims(res, [d.claim for d in vmi.host_devices if not d.device_name and d.claim])
    if vmi.networks and cfg.network_devices_with_dra:
        dra_claims(res, [n.claim for n in vmi.networks if n.claim])
    if vmi.sev or vmi.snp:
        res.request_devices([SEV_DEVICE])
    if vmi.tdx:
        res.request_devices([TDX_DEVICE])
    if vmi.lun_reservation:
        res.request_devices([PR_HELPER_DEVICE])
    if cfg.iommufd:
        res.request_devices([IOMMUFD_DEVICE])
    # (tuple.__new__: the NamedTuple's own __new__ is a Python-level call, for the same value)
    pci = cfg.pci_resources if passthrough else None
    return _new_tuple(SizedVmi, (vmi, res.requests(), res.limits(), tuple(res.claims), overhead, pci))
