# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KubeVirt's CPU pool: the launcher Pod's pCPUs grouped per host NUMA cell and physical core,
and the guest cores (``FitCores``) and single threads (``FitThread``) virt-launcher takes from it.

Rules from KubeVirt (``kubevirt/kubevirt``, read at d923fdb8)
``pkg/virt-launcher/virtwrap/converter/vcpu/vcpu.go``: ``cpuChunksToCells``, the ``cell`` and
``cpuPool`` types, ``FitCores`` (three passes: whole host cores, then threads of split cores
within a cell, then - relaxed pool only - anywhere) and ``FitThread``; and
``pkg/virt-handler/options.go`` ``convertListOfIntStringToSlice``, which reads a CPU's siblings
from libvirt's capabilities (``siblings='0,64'``) splitting on commas only, so a range libvirt
prints for consecutive ids (``siblings='0-1'``) is dropped (see ``_siblings_seen_by_kubevirt``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset, short_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NoFit, VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host


# ---------------------------------------------------------------------------------------------
# The Pod's pCPUs as KubeVirt groups them (vcpu.go cpuChunksToCells)

_PLAIN_INT = frozenset((int,))
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


def _core_keys(host):
    """Per CPU id, where ``_cores_per_cell`` meets its core: ``(node id, first CPU id met)``, the
    CPU's own when KubeVirt sees no siblings for it (every thread a core of its own), or None
    when KubeVirt sees only some of them. Static topology: built once per Host and kept in
    ``Host.derived`` (shared with the fleet placer's copies, whose CPUs are the same)."""
    keys = host.derived.get("kubevirt_cores")
    if keys is None:
        cpu_by_id = host.cpu_by_id
        keys = {}
        for cpu in host.cpus:
            siblings = host.siblings(cpu.id)
            seen = _siblings_seen_by_kubevirt(siblings)
            if not seen:
                keys[cpu.id] = (cpu.node, cpu.id)
                continue
            if len(seen) != len(siblings):
                keys[cpu.id] = None
                continue
            key = (cpu_by_id[siblings[0]].node, siblings[0])
            for sibling in siblings[1:]:
                if cpu_by_id[sibling].node < key[0]:  # a core across nodes: met in the first
                    key = min(key, (cpu_by_id[sibling].node, sibling))
            keys[cpu.id] = key
        host.derived["kubevirt_cores"] = keys
    return keys


def _cores_per_cell(host, pod):
    """cpuChunksToCells: per host NUMA cell (by node id), its cores as lists of Pod pCPUs.

    libvirt lists cells by id and each cell's CPUs by id; a core is met at its first listed CPU
    and takes the siblings KubeVirt read for it. Cells and cores without Pod pCPUs are left out:
    no pass takes anything from them.
    """
    keys = _core_keys(host)
    by_key = {}  # where a core is met -> its Pod threads
    for cpu_id in sorted(pod):  # ascending: threads join their core in KubeVirt's order
        key = keys[cpu_id]
        if key is None:
            # libvirt text such as "0-1,64": rare enough to walk the host as KubeVirt does
            return _cores_per_cell_walked(host, pod)
        by_key.setdefault(key, []).append(cpu_id)
    cells = []
    node = cores = None
    for key in sorted(by_key):
        if key[0] != node:
            node = key[0]
            cores = []
            cells.append(cores)
        cores.append(by_key[key])
    return cells


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
        self.full = full = []
        self.fragmented = fragmented = []
        for core in cores:
            if len(core) >= threads:
                full.append(core)
            else:
                fragmented.extend(core)

    def copy(self):
        twin = _Cell.__new__(type(self))
        twin.threads = self.threads
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
        self.cells = [_Cell(cell, threads) for cell in _cores_per_cell(host, self.pod)]

    def copy(self):
        """An independent pool in the same state."""
        twin = type(self).__new__(type(self))
        twin.__dict__.update(self.__dict__)
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
        """Pass 1: each guest core on the threads of one host core (``_fit_chunks`` with
        ``_Cell.not_fragmented_threads``, written out: it is the pass that places most VMs)."""
        pins = []
        for cell in self.cells:
            threads, full = cell.threads, cell.full
            while full:
                core = full[0]
                selected, remaining = core[:threads], core[threads:]
                if len(remaining) >= threads:
                    full[0] = remaining
                else:
                    del full[0]
                    cell.fragmented.extend(remaining)
                if not selected:
                    break
                pins.extend(selected)
                requested -= 1
                if not requested:
                    return pins, 0
        return pins, requested

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
    if (pod_cpus.__class__ is frozenset and not pod_cpus.difference(host.cpu_by_id)
            and set(map(type, pod_cpus)) <= _PLAIN_INT):
        return pod_cpus  # host CPU ids already (the planner's cpuset): what parsing would give
    pod = parse_cpuset(pod_cpus, "pod_cpus")
    unknown = pod.difference(host.cpu_by_id)
    if unknown:
        raise VmpodInputError("pod_cpus", pod_cpus,
                              "names CPUs the host does not have: %s" % short_cpuset(unknown))
    return pod


def _positive(value, name):
    if value.__class__ is int and value > 0:  # the common case: one check (a bool is no int here)
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise VmpodInputError(name, value, "must be a positive integer")
    return value
