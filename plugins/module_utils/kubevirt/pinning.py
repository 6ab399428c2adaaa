# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How KubeVirt's virt-launcher lays a VM with dedicated CPUs onto its launcher Pod's cpuset.

The Pod gets exclusive pCPUs from the kubelet; virt-launcher then writes the domain's ``<cputune>``
(vcpupin, emulatorpin, iothreadpin) and, under ``numa.guestMappingPassthrough``, the guest NUMA
cells. Facts from KubeVirt (``kubevirt/kubevirt``, read at d923fdb8):

* ``pkg/virt-launcher/virtwrap/converter/vcpu/vcpu.go``: ``cpuChunksToCells`` (the Pod's pCPUs per
  host NUMA cell and physical core), ``cpuPool.FitCores`` (three passes: whole host cores, then
  threads of split cores within a cell, then - relaxed pool only - anywhere), ``FitThread``,
  ``FormatEmulatorThreadPin``, ``FormatDomainIOThreadPin``, ``formatDomainIOThreadSupplementalPin``,
  ``AdjustDomainForTopologyAndCPUSet`` (the order of all of these) and ``numaMapping``;
* ``pkg/virt-launcher/virtwrap/converter/iothreads/iothreads.go``: the domain's IOThread count;
* ``pkg/virt-launcher/virtwrap/converter/converter.go``: all of it only for dedicated CPUs;
* ``pkg/virt-handler/options.go`` ``convertListOfIntStringToSlice``: KubeVirt reads a CPU's
  siblings from libvirt's capabilities (``siblings='0,64'``), splitting on commas only, so a
  range libvirt prints for consecutive ids (``siblings='0-1'``) is dropped (see
  ``_siblings_seen_by_kubevirt``).

Where KubeVirt would fail, ``NoFit`` is raised with its message and the numbers behind it.

The CPU pool lives in ``kubevirt.cpu_pool``, the emulator and IOThread pin rules in
``kubevirt.thread_pins``; this module puts them together in virt-launcher's order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.cpu_pool import CpuPool, _pod_cpus, _positive
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.iothreads import SUPPLEMENTAL_POOL
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.thread_pins import (
    _emulator_pins, _shared_pins, _supplemental_pins, emulator_cpu_count)
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host

__all__ = ("CpuPool", "VcpuPins", "cputune", "emulator_cpu_count", "emulator_cpus",
           "iothread_pins", "pin_vcpus")


class VcpuPins(list):
    """The pCPU of vCPU 0, 1, ... (a list), with the request it answers.

    ``cores`` (guest sockets * cores), ``threads`` (guest threads per core) and ``strict`` let
    ``emulator_cpus`` and ``iothread_pins`` replay KubeVirt's CPU pool: which pCPU comes next
    depends on how the vCPUs split the host cores, not only on which pCPUs they took.
    ``pool`` is the pool as FitCores left it, which spares that replay (``pin_vcpus`` keeps it).
    """

    def __init__(self, pins, cores, threads, strict, pool=None):
        super(VcpuPins, self).__init__(pins)
        self.cores = cores
        self.threads = threads
        self.strict = strict
        self.pool = pool

    def vcpus(self):
        """The vCPUs asked for (``hardware.GetNumberOfVCPUs``); the list may hold fewer pins."""
        return self.cores * self.threads


# ---------------------------------------------------------------------------------------------
# vCPUs, emulator thread, IOThreads

def pin_vcpus(host, pod_cpus, sockets, cores, threads, strict=False):
    """The pCPU of vCPU 0..n-1 (a ``VcpuPins`` list), as KubeVirt's FitCores picks it.

    ``sockets``, ``cores``, ``threads``: the guest topology (enabled sockets only, as
    AdjustDomainForTopologyAndCPUSet subtracts hot-pluggable ones); ``strict``: the VMI asks for
    ``numa.guestMappingPassthrough``. Raises ``NoFit`` where FitCores fails.
    """
    pool = _new_pool(read_host(host), pod_cpus, sockets, cores, threads, strict)
    return VcpuPins(pool.fit_cores(), pool.cores, pool.threads, strict, pool)


def emulator_cpus(host, pod_cpus, vcpu_pins, count, supplemental_threads=0):
    """The emulator thread's pCPUs (isolateEmulatorThread): the next ``count`` the pool gives
    after the vCPUs and the ``supplemental_threads`` IOThreads of a supplementalPool, which
    KubeVirt pins first."""
    pool = _replayed_pool(host, pod_cpus, vcpu_pins)
    if supplemental_threads:
        _supplemental_pins(pool, supplemental_threads)
    return _emulator_pins(pool, count)


def iothread_pins(host, pod_cpus, vcpu_pins, iothreads, policy=None, emulator=()):
    """{IOThread id (1-based): pCPUs} as KubeVirt writes ``<iothreadpin>`` for dedicated CPUs.

    ``iothreads``: the domain's IOThread count (``iothread_count``); ``policy``: the VMI's
    ``ioThreadsPolicy`` (None when unset); ``emulator``: the emulator pCPUs when the VMI isolates
    the emulator thread. IOThreads absent from the result float (KubeVirt pins only IOThread 1
    next to an isolated emulator thread). ``vcpu_pins`` must be ``pin_vcpus``' result for a
    supplementalPool; otherwise any list of the vCPUs' pCPUs will do.
    """
    if policy == SUPPLEMENTAL_POOL:
        return _supplemental_pins(_replayed_pool(host, pod_cpus, vcpu_pins), iothreads)
    pod = sorted(_pod_cpus(read_host(host), pod_cpus))
    vcpus = vcpu_pins.vcpus() if isinstance(vcpu_pins, VcpuPins) else len(vcpu_pins)
    return _shared_pins(pod, vcpus, iothreads, policy, tuple(emulator))


def cputune(host, pod_cpus, sockets, cores, threads, strict=False, isolate_emulator=False,
            even_parity=False, iothreads=0, policy=None):
    """AdjustDomainForTopologyAndCPUSet, in its order, on one pool: vCPUs, supplemental
    IOThreads, emulator thread, other IOThreads.

    ``iothreads``: the domain's IOThread count (``iothread_count``); ``policy``: the VMI's
    ``ioThreadsPolicy``; ``even_parity``: the VMI has the ``EVEN_PARITY_ANNOTATION``.
    Returns ``{"vcpus": VcpuPins, "emulator": (pCPU, ...) or (), "iothreads": {id: (pCPU, ...)}}``;
    raises ``NoFit`` where virt-launcher fails. The ``VcpuPins`` carry no pool (the one here goes
    on to the threads): ``emulator_cpus`` and ``iothread_pins`` replay FitCores for them.
    """
    pool = _new_pool(read_host(host), pod_cpus, sockets, cores, threads, strict)
    vcpus = VcpuPins(pool.fit_cores(), pool.cores, pool.threads, strict)
    supplemental = policy == SUPPLEMENTAL_POOL
    iothread_cpus = _supplemental_pins(pool, iothreads) if supplemental else {}
    emulator = ()
    if isolate_emulator:
        count = emulator_cpu_count(vcpus.vcpus(), len(iothread_cpus), even_parity)
        emulator = _emulator_pins(pool, count)
    if not supplemental:
        iothread_cpus = _shared_pins(pool.pod, vcpus.vcpus(), iothreads, policy, emulator)
    return {"vcpus": vcpus, "emulator": emulator, "iothreads": iothread_cpus}


def _new_pool(host, pod_cpus, sockets, cores, threads, strict):
    guest_cores = _positive(sockets, "sockets") * _positive(cores, "cores")
    return CpuPool(host, pod_cpus, guest_cores, _positive(threads, "threads"), strict)


def _replayed_pool(host, pod_cpus, vcpu_pins):
    """The pool as it stands after FitCores placed ``vcpu_pins``."""
    if not isinstance(vcpu_pins, VcpuPins):
        raise TypeError("vcpu_pins must be the VcpuPins that pin_vcpus returned: "
                        "the next pCPU depends on the guest threads per core it carries")
    host = read_host(host)
    saved = vcpu_pins.pool
    if saved is not None and saved.host is host and saved.pod == sorted(_pod_cpus(host, pod_cpus)):
        return saved.copy()
    pool = CpuPool(host, pod_cpus, vcpu_pins.cores, vcpu_pins.threads, vcpu_pins.strict)
    if pool.fit_cores() != vcpu_pins:
        raise ValueError("vcpu_pins %s were not placed on this host and Pod cpuset %s"
                         % (list(vcpu_pins), pod_cpus))
    return pool
