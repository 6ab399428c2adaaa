# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Memory the launcher Pod needs beyond the guest: KubeVirt's KVM backend overhead.

Facts from KubeVirt ``pkg/hypervisor/kvm/hypervisorbackend.go`` (GetMemoryOverhead) and
``pkg/network/resources/memory.go`` (network binding memory). The sum's Kubernetes format matters
for the printed quantity: it is DecimalSI when the page-table term is non-zero (the first term
added), else BinarySI (the first fixed term, ``25Mi``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values import gofloat
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import (
    BINARY_SI, DECIMAL_SI, Quantity, ZERO_UNSET)

_MI = 1 << 20
# The `ps` RSS of virt-launcher-monitor, virt-launcher, virtlogd, virtqemud and qemu itself.
FIXED_PROCESSES = (25 + 100 + 25 + 40 + 50) * _MI
PER_VCPU = 8 * _MI
IOTHREADS = 8 * _MI
VIDEO = 32 * _MI
ARM64_UEFI = 128 * _MI
VFIO = 1024 * _MI
DOWNWARD_METRICS = 1 * _MI
EXEC_PROBE = 10 * _MI
EXEC_PROBES_ONCE = 100 * _MI
SEV = 256 * _MI
TPM = 53 * _MI
DEDICATED_OR_GUARANTEED = 100 * _MI
PASST = 250 * _MI


def overhead_vcpus(vmi):
    """vCPUs the overhead counts: the topology, else ceil of the CPU limit, else of the request."""
    if vmi.cpu.present:
        count = vmi.cpu.vcpu_count
    elif "cpu" in vmi.limits:
        count = vmi.limits["cpu"].value()
    elif "cpu" in vmi.requests:
        count = vmi.requests["cpu"].value()
    else:
        count = 0
    return count if count >= 1 else 1


def page_table_bytes(vmi):
    """One bit per 512 bytes of the requested memory (requests.memory only), in whole kB."""
    request = vmi.requests.get("memory")
    if request is None:
        return 0
    if request.scale == 0 and request.unscaled >= 0:  # (the common case of ScaledValue(kilo))
        return -(-request.unscaled // 1000) * 1000 // 512
    return request.scaled_value(3) * 1000 // 512


def wants_guaranteed_qos(vmi):
    """VirtualMachineInstance.WantsToHaveQOSGuaranteed: memory and CPU requests equal limits."""
    requests, limits = vmi.requests, vmi.limits
    cpu_req = requests.get("cpu")
    if cpu_req is None or not cpu_req.unscaled:  # (most VMIs: no need to look further)
        return False
    if cpu_req.cmp(limits.get("cpu", ZERO_UNSET)) != 0:
        return False
    mem_req, mem_lim = requests.get("memory", ZERO_UNSET), limits.get("memory", ZERO_UNSET)
    if not mem_req.unscaled:
        return not mem_lim.is_zero()
    return mem_req.cmp(mem_lim) == 0


def has_vfio(vmi):
    if vmi.host_devices or vmi.gpus:
        return True
    for interface in vmi.interfaces:  # (a loop: any() of a generator costs more for a few items)
        if interface.sriov:
            return True
    return False


def fixed_terms(vmi):
    """The byte terms after page tables, in KubeVirt's order."""
    total = FIXED_PROCESSES + PER_VCPU * overhead_vcpus(vmi) + IOTHREADS
    if vmi.autoattach_graphics is not False:
        total += VIDEO
    if vmi.architecture == "arm64":
        total += ARM64_UEFI
    if has_vfio(vmi):
        total += VFIO
    if vmi.downward_metrics_volume:
        total += DOWNWARD_METRICS
    if vmi.exec_liveness or vmi.exec_readiness:
        total += EXEC_PROBE * (vmi.exec_liveness + vmi.exec_readiness) + EXEC_PROBES_ONCE
    if vmi.sev or vmi.snp or vmi.sev_es:
        total += SEV
    if vmi.tpm:
        total += TPM
    if vmi.cpu.dedicated or wants_guaranteed_qos(vmi):
        total += DEDICATED_OR_GUARANTEED
    return total


def apply_ratio(overhead, ratio_text):
    """additionalGuestMemoryOverheadRatio: add int64(kB * (r - 1)) kB; ignored if it is no float."""
    if not ratio_text:
        return overhead
    ratio = gofloat.parse_float(ratio_text)
    if ratio is None:
        return overhead  # KubeVirt logs a warning and keeps the plain overhead
    addition = gofloat.int64(float(overhead.scaled_value(3)) * (ratio - 1.0))
    return overhead + Quantity(addition, 3, DECIMAL_SI)


def hypervisor_overhead(vmi, config):
    """GetMemoryOverhead of the KVM backend, after the ratio, as a Quantity."""
    page_tables = page_table_bytes(vmi)
    overhead = Quantity(page_tables + fixed_terms(vmi), 0, DECIMAL_SI if page_tables else BINARY_SI)
    if vmi.reserved_overhead is not None:
        overhead = overhead + vmi.reserved_overhead
    if config.overhead_ratio:
        overhead = apply_ratio(overhead, config.overhead_ratio)
    return overhead


def network_binding_memory(vmi, config):
    """250Mi for passt, plus the memory request of each registered binding plugin used (once)."""
    total = ZERO_UNSET
    interfaces = vmi.interfaces
    for interface in interfaces:
        if interface.passt:
            total = total + Quantity(PASST, 0, BINARY_SI)
            break
    binding_memory = config.binding_memory
    if not binding_memory:
        return total
    seen = set()
    for interface in interfaces:
        name = interface.binding
        if name is None or name in seen or name not in binding_memory:
            continue
        seen.add(name)
        memory = binding_memory[name]
        if memory is not None:
            total = total + memory
    return total


def total_overhead(vmi, config):
    """The overhead the launcher's resources add: hypervisor overhead plus network bindings."""
    return hypervisor_overhead(vmi, config) + network_binding_memory(vmi, config)
