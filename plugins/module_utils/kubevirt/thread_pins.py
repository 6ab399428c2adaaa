# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulator thread's and the IOThreads' pCPUs, as virt-launcher writes ``<emulatorpin>`` and
``<iothreadpin>`` for a VM with dedicated CPUs, from the CPU pool FitCores left
(``kubevirt.cpu_pool``) or the Pod's cpuset.

Rules from KubeVirt (``kubevirt/kubevirt``, read at d923fdb8)
``pkg/virt-launcher/virtwrap/converter/vcpu/vcpu.go``: ``FormatEmulatorThreadPin``,
``FormatDomainIOThreadPin`` and ``formatDomainIOThreadSupplementalPin``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit


def emulator_cpu_count(vcpus, supplemental_threads=0, even_parity=False):
    """FormatEmulatorThreadPin: one pCPU, two when EmulatorThreadCompleteToEvenParity is set and
    the pinned vCPUs plus supplemental IOThreads are even (the emulator makes the count odd)."""
    return 2 if even_parity and (vcpus + supplemental_threads) % 2 == 0 else 1


def _supplemental_pins(pool, count):
    """formatDomainIOThreadSupplementalPin: IOThread i on the next pCPU of the pool, alone."""
    if not count:
        raise NoFit("domain is missing supplemental pool IOThreads: "
                    "ioThreads.supplementalPoolThreadCount is 0")
    pins = {}
    for iothread in range(1, count + 1):
        thread = pool.fit_thread()
        if thread is None:
            raise NoFit("no CPU allocated for the iothread: no remaining unassigned threads "
                        "(IOThread %d of %d of the supplemental pool; the Pod cpuset has %d "
                        "pCPUs)" % (iothread, count, pool.available))
        pins[iothread] = (thread,)
    return pins


def _emulator_pins(pool, count):
    """FormatEmulatorThreadPin: the next one or two pCPUs of the pool."""
    cpus = []
    for which in range(count):
        thread = pool.fit_thread()
        if thread is None:
            nth = "second " if which else ""
            raise NoFit("no %sCPU allocated for the emulation thread: no remaining unassigned "
                        "threads (the Pod cpuset's %d pCPUs went to vCPUs, IOThreads and %d "
                        "emulator pCPU(s) before)" % (nth, pool.available, which))
        cpus.append(thread)
    return tuple(cpus)


def _shared_pins(pod, vcpus, iothreads, policy, emulator):
    """FormatDomainIOThreadPin (shared, auto, or dedicated disks without a policy).

    Next to an isolated emulator thread only IOThread 1 is pinned, to the emulator's pCPUs.
    Otherwise the IOThreads spread over the first ``vcpus`` pCPUs of the Pod cpuset (ascending,
    as the cgroup lists it): with at least as many IOThreads as vCPUs, IOThread i takes
    pCPU[i mod vcpus]; with fewer, consecutive runs, the first ``vcpus mod iothreads`` one longer.
    """
    if not iothreads:
        if policy is None:
            return {}  # no ioThreadsPolicy and no dedicatedIOThread disk: no IOThreads at all
        raise NoFit("domain is missing IOThreads: ioThreadsPolicy %s with no disks gives the "
                    "domain 0 IOThreads, and dedicated CPUs need them pinned" % policy)
    if emulator:
        return {1: emulator}
    if len(pod) < vcpus:
        # Go indexes the cpuset past its end here: virt-launcher panics
        raise NoFit("IOThread pinning needs a Pod cpuset of at least the %d vCPUs, it has %d "
                    "pCPUs" % (vcpus, len(pod)))
    if iothreads >= vcpus:
        return dict((iothread, (pod[iothread % vcpus],)) for iothread in range(1, iothreads + 1))
    pins = {}
    longer = vcpus % iothreads
    start = 0
    for iothread in range(1, iothreads + 1):
        size = vcpus // iothreads + (1 if iothread <= longer else 0)
        pins[iothread] = tuple(pod[start:start + size])
        start += size
    return pins
