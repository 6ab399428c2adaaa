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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.iothreads import SUPPLEMENTAL_POOL
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit, VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host

# its presence (any value) turns the even-parity rule on; the same one that sizes the Pod



class VcpuPins(list):
    """The pCPU of vCPU 0, 1, ... (a list), with the request it answers.

    ``cores`` (guest sockets * cores), ``threads`` (guest threads per core) and ``strict`` let
    ``emulator_cpus`` and ``iothread_pins`` replay KubeVirt's CPU pool: which pCPU comes next
    depends on how the vCPUs split the host cores, not only on which pCPUs they took.
    ``pool`` is the pool as FitCores left it (a copy), which spares that replay.
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
# The Pod's pCPUs as KubeVirt groups them (vcpu.go cpuChunksToCells)

_SEEN_SIBLINGS = {}  # sibling tuple -> what KubeVirt parses from libvirt's text of it


def _siblings_seen_by_kubevirt(siblings):
    """The siblings KubeVirt reads for a CPU whose core holds ``siblings`` (ascending).

    libvirt prints the set with ranges (virBitmapFormat: ``0,64`` but ``0-1``, ``0-3``);
    options.go convertListOfIntStringToSlice parses each comma item as one integer and skips any
    it cannot, so only the ids standing alone survive. No survivor means no siblings: every
    thread of that core is then a core of its own.
    """
    seen = _SEEN_SIBLINGS.get(siblings)
    if seen is None:
        members = set(siblings)
        seen = tuple(cpu for cpu in siblings
                     if cpu - 1 not in members and cpu + 1 not in members)
        _SEEN_SIBLINGS[siblings] = seen
    return seen


def _cores_per_cell(host, pod):
    """cpuChunksToCells: per host NUMA cell (by node id), its cores as lists of Pod pCPUs.

    libvirt lists cells by id and each cell's CPUs by id; a core is met at its first listed CPU
    and takes the siblings KubeVirt read for it. Cells and cores without Pod pCPUs are left out:
    no pass takes anything from them.
    """
    cpu_by_id = host.cpu_by_id
    by_siblings = {}  # a core's sibling tuple -> its Pod threads
    met = []  # ((node id, first CPU id met), threads)
    for cpu_id in sorted(pod):  # ascending: threads join their core in KubeVirt's order
        siblings = host.siblings(cpu_id)
        threads = by_siblings.get(siblings)
        if threads is not None:
            threads.append(cpu_id)
            continue
        seen = _siblings_seen_by_kubevirt(siblings)
        if not seen:
            met.append(((cpu_by_id[cpu_id].node, cpu_id), [cpu_id]))
            continue
        if len(seen) != len(siblings):
            # libvirt text such as "0-1,64": rare enough to walk the host as KubeVirt does
            return _cores_per_cell_walked(host, pod)
        key = (cpu_by_id[siblings[0]].node, siblings[0])
        for sibling in siblings[1:]:
            if cpu_by_id[sibling].node < key[0]:  # a core across nodes: met in the first
                key = min(key, (cpu_by_id[sibling].node, sibling))
        threads = by_siblings[siblings] = [cpu_id]
        met.append((key, threads))
    met.sort(key=_first)
    cells = []
    node = None
    for key, threads in met:
        if key[0] != node:
            node = key[0]
            cells.append([])
        cells[-1].append(threads)
    return cells


def _first(pair):
    return pair[0]


def _cores_per_cell_walked(host, pod):
    """cpuChunksToCells, line by line, over every CPU of every cell."""
    visited = set()
    cells = []
    for node in host.nodes:
        cores = []
        for cpu_id in node.cpus:
            if cpu_id in visited:
                continue
            seen = _siblings_seen_by_kubevirt(host.siblings(cpu_id))
            if not seen:
                visited.add(cpu_id)
                core = [cpu_id] if cpu_id in pod else []
            else:
                visited.update(seen)
                core = [thread for thread in seen if thread in pod]
            cores.append(core)
        cells.append(cores)
    return cells


# ---------------------------------------------------------------------------------------------
# KubeVirt's CPU pool (vcpu.go cell, cpuPool)

class _Cell:
    """One host NUMA cell: cores that still hold a whole guest core, and loose threads."""

    __slots__ = ("full", "fragmented", "threads")

    def __init__(self, cores, threads):
        self.threads = threads  # guest threads per core
        self.full = [core for core in cores if len(core) >= threads]
        self.fragmented = [t for core in cores if len(core) < threads for t in core]

    def copy(self):
        twin = _Cell((), self.threads)
        twin.full = list(self.full)  # a core list is replaced, never changed in place
        twin.fragmented = list(self.fragmented)
        return twin

    def _take_from_full(self, count):
        """Take ``count`` threads of the first whole core; a rest too small for a guest core
        becomes loose threads."""
        core = self.full[0]
        selected, remaining = core[:count], core[count:]
        if len(remaining) >= self.threads:
            self.full[0] = remaining
        else:
            del self.full[0]
            self.fragmented.extend(remaining)
        return selected

    def not_fragmented_threads(self):
        """GetNotFragmentedThreads: one guest core on one host core."""
        return self._take_from_full(self.threads) if self.full else None

    def fragmented_threads(self):
        """GetFragmentedThreads: one guest core from loose threads of this cell."""
        if self.threads <= len(self.fragmented):
            selected = self.fragmented[:self.threads]
            del self.fragmented[:self.threads]
            return selected
        return None

    def fragmented_threads_up_to(self, count):
        """GetFragmentedThreadsUpTo: as many loose threads as there are, up to ``count``."""
        selected = self.fragmented[:count]
        del self.fragmented[:count]
        return selected

    def thread(self):
        """GetThread: a loose thread first, else the first thread of a whole core."""
        if self.fragmented:
            return self.fragmented.pop(0)
        if self.full:
            return self._take_from_full(1)[0]
        return None


class CpuPool:
    """KubeVirt's ``cpuPool`` over the Pod's cpuset: ``fit_cores`` once, then ``fit_thread``.

    ``strict`` is ``NewStrictCPUPool`` (guestMappingPassthrough): a guest core never spans host
    NUMA cells. Otherwise ``NewRelaxedCPUPool`` adds the third pass, which may.
    """

    def __init__(self, host, pod_cpus, cores, threads, strict=False):
        host = read_host(host)
        pod = _pod_cpus(host, pod_cpus)
        self.host = host
        self.cores = cores
        self.threads = threads
        self.strict = strict
        self.pod = sorted(pod)  # ascending, as virt-launcher reads the cgroup's cpuset
        self.available = len(pod)
        self.cells = [_Cell(cell, threads) for cell in _cores_per_cell(host, pod)]

    def copy(self):
        """An independent pool in the same state."""
        twin = copy.copy(self)
        twin.cells = [cell.copy() for cell in self.cells]
        return twin

    def fit_cores(self):
        """FitCores: the pCPU of each vCPU, guest core by guest core."""
        pins, remaining = self._fit_cpu_bound(self.cores)
        if remaining:
            more, remaining = self._fit_cell_bound(remaining)
            pins.extend(more)
        if remaining and not self.strict:
            more, remaining = self._fit_unbound(remaining)
            pins.extend(more)
        if remaining:
            raise NoFit(self._no_fit_reason(remaining))
        return pins

    def fit_thread(self):
        """FitThread: the next pCPU for an emulator thread or a supplemental IOThread."""
        for cell in self.cells:
            thread = cell.thread()
            if thread is not None:
                return thread
        return None

    def _fit_cpu_bound(self, requested):
        """Pass 1: each guest core on the threads of one host core."""
        return _fit_chunks(self.cells, requested, _Cell.not_fragmented_threads)

    def _fit_cell_bound(self, requested):
        """Pass 2: each guest core on loose threads of one host NUMA cell."""
        return _fit_chunks(self.cells, requested, _Cell.fragmented_threads)

    def _fit_unbound(self, requested):
        """Pass 3 (relaxed only): the remaining threads from any cell.

        KubeVirt reports the cores still missing as the missing threads divided by the threads
        per core, rounded down: a last core that lacks fewer threads than it has counts as
        placed, and its vCPUs are left without a pin (the returned list is shorter).
        """
        remaining = self.threads * requested
        pins = []
        for cell in self.cells:
            chunk = cell.fragmented_threads_up_to(remaining)
            pins.extend(chunk)
            remaining -= len(chunk)
            if not remaining:
                return pins, 0
        return pins, remaining // self.threads

    def _no_fit_reason(self, remaining):
        needed = self.cores * self.threads
        if not self.strict or self.available < needed:
            return ("not enough exclusive threads provided, could not fit %d core(s): %d vCPUs "
                    "(%d cores of %d threads) on a Pod cpuset of %d pCPUs"
                    % (remaining, needed, self.cores, self.threads, self.available))
        return ("could not fit %d core(s) without crossing numa cell boundaries for individual "
                "cores: NUMA passthrough keeps each guest core of %d threads on one host NUMA "
                "node, and the Pod's %d pCPUs do not split that way"
                % (remaining, self.threads, self.available))


def _fit_chunks(cells, requested, take):
    """fitChunk: guest cores from the first cell until it has none to give, then the next."""
    pins = []
    for cell in cells:
        chunk = take(cell)
        while chunk:
            pins.extend(chunk)
            requested -= 1
            if not requested:
                return pins, 0
            chunk = take(cell)
    return pins, requested


def _pod_cpus(host, pod_cpus):
    pod = parse_cpuset(pod_cpus, "pod_cpus")
    unknown = [cpu for cpu in pod if cpu not in host.cpu_by_id]
    if unknown:
        raise VmpodInputError("pod_cpus", pod_cpus,
                              "names CPUs the host does not have: %s" % sorted(unknown))
    return pod


def _positive(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise VmpodInputError(name, value, "must be a positive integer")
    return value


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


def emulator_cpu_count(vcpus, supplemental_threads=0, even_parity=False):
    """FormatEmulatorThreadPin: one pCPU, two when EmulatorThreadCompleteToEvenParity is set and
    the pinned vCPUs plus supplemental IOThreads are even (the emulator makes the count odd)."""
    return 2 if even_parity and (vcpus + supplemental_threads) % 2 == 0 else 1


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
    raises ``NoFit`` where virt-launcher fails.
    """
    pool = _new_pool(read_host(host), pod_cpus, sockets, cores, threads, strict)
    vcpus = VcpuPins(pool.fit_cores(), pool.cores, pool.threads, strict)
    vcpus.pool = pool.copy()
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
