# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of place_fleet, and the same NUMA fits done by OpenStack Nova; prints figures,
asserts nothing (the targets are in the README and issues 7 and 17).

1. VMIs of a fixed mix (shared-CPU VMs sized by request or by memory.guest, dedicated VMs on
   whole cores, on 2Mi and 1Gi hugepages, with an isolated emulator thread, with NUMA
   passthrough) onto hosts of 2 sockets, 2 NUMA nodes and 64 threads, ten VMIs per host: 1,000
   onto 100, 10,000 onto 1,000 and 100,000 onto 10,000, with ``pack`` and with ``spread``,
   reading the VMIs and hosts included; the time per VMI of each size shows how the time grows
   (linearly when it stays flat). Targets: at most 10 s for 10,000 VMIs (issue 7), at most 20 s
   for 100,000 (issue 17).
2. Random NUMA fits (one host of the same shape with some pCPUs and hugepages taken, one
   dedicated-CPU instance of 1 or 2 guest NUMA cells, with or without hugepages) decided by this
   collection (``planning.plan.place`` with Nova's ``hw:numa_*`` layout) and by Nova's
   ``nova.virt.hardware.numa_fit_instance_to_host`` on the same host cells and instance
   topologies: the time of each and how often they agree on fit / no fit.

Nova is installed from PyPI into a throwaway virtual environment under
``.build/bench-cache/`` (kept between runs; ``VMPOD_BENCH_CACHE`` moves it), never into the
collection's own environment. When that cannot be done, the second part says so and is skipped.
"""

import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# hack/setup.sh links the checkout as .build/collections/ansible_collections/vmpod/core
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))

from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet  # noqa: E402
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host  # noqa: E402
from ansible_collections.vmpod.core.plugins.module_utils.planning.hugepages import (  # noqa: E402
    ordinary_memory)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import (  # noqa: E402
    read_config)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import size_vmi  # noqa: E402
from ansible_collections.vmpod.core.plugins.module_utils.planning.options import read_options  # noqa: E402
from ansible_collections.vmpod.core.plugins.module_utils.planning.plan import place  # noqa: E402
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi  # noqa: E402

SIZES = ((1000, 100, None), (10000, 1000, 10.0), (100000, 10000, 20.0))  # VMIs, hosts, target s
NOVA = "nova==34.0.0"
PROBLEMS = 3000
MI = 1 << 20
PAGE_KIB = {None: None, "2Mi": 2048, "1Gi": 1048576}


# -- part 1: the fleet ----------------------------------------------------------------------------

def host(name):
    """2 sockets x 16 cores x 2 threads, one node per socket; thread siblings N and N+32."""
    cpus = [{"id": socket * 16 + core + thread * 32, "socket": socket, "core": core,
             "node": socket}
            for thread in range(2) for socket in range(2) for core in range(16)]
    nodes = [{"id": n, "memory": "256Gi", "distances": [10, 21] if n == 0 else [21, 10],
              "hugepages": {"1Gi": {"total": 64, "free": 64},
                            "2Mi": {"total": 8192, "free": 8192}}} for n in range(2)]
    return {"name": name, "cpus": cpus, "nodes": nodes, "reserved_cpus": "0,16,32,48"}


def vmi(name, cores, threads=1, memory=None, guest=None, page=None, dedicated=False,
        emulator=False, passthrough=False):
    cpu = {"cores": cores, "threads": threads}
    if dedicated:
        cpu["dedicatedCpuPlacement"] = True
    if emulator:
        cpu["isolateEmulatorThread"] = True
    if passthrough:
        cpu["numa"] = {"guestMappingPassthrough": {}}
    domain = {"cpu": cpu}
    if memory:
        domain["resources"] = {"requests": {"memory": memory}}
    if guest or page:
        domain["memory"] = {}
        if guest:
            domain["memory"]["guest"] = guest
        if page:
            domain["memory"]["hugepages"] = {"pageSize": page}
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": name, "namespace": "bench"}, "spec": {"domain": domain}}


MIX = (  # (share in %, shape)
    (40, dict(cores=2, memory="4Gi")),
    (15, dict(cores=4, guest="8Gi")),
    (25, dict(cores=2, threads=2, memory="8Gi", dedicated=True)),
    (10, dict(cores=4, memory="4Gi", page="2Mi", dedicated=True)),
    (7, dict(cores=4, threads=2, memory="16Gi", page="1Gi", dedicated=True, emulator=True)),
    (3, dict(cores=8, threads=2, memory="32Gi", page="1Gi", dedicated=True, passthrough=True)),
)


def fleet_vmis(count, rng):
    shapes = [shape for share, shape in MIX for index in range(share)]
    return [vmi("vm-%05d" % index, **rng.choice(shapes)) for index in range(count)]


def bench_fleet():
    config = {"developerConfiguration": {"cpuAllocationRatio": 10, "memoryOvercommit": 150}}
    per_vmi = {}
    for count, host_count, target in SIZES:
        vmis = fleet_vmis(count, random.Random(7))
        hosts = [host("host-%05d" % index) for index in range(host_count)]
        rounds = 3 if count <= 10000 else 1  # the best of 3 where a round is short
        for policy in ("pack", "spread"):
            best = None
            for _round in range(rounds):
                data = copy.deepcopy(hosts)
                started, cpu_started = time.perf_counter(), time.process_time()
                result = place_fleet(vmis, data, config, policy=policy)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                best = (elapsed, cpu) if best is None or elapsed < best[0] else best
            elapsed, cpu = best
            per_vmi.setdefault(policy, []).append((elapsed / count * 1e6, cpu / count * 1e6))
            placed = sum(1 for name in result["placements"].values() if name)
            used = sum(1 for usage in result["hosts"].values() if usage["vmis"])
            exclusive = sum(usage["cpu"]["exclusive"] for usage in result["hosts"].values())
            print("place_fleet %-6s %6d VMIs onto %5d hosts (2 sockets, 2 NUMA nodes, 64 threads): "
                  "%.2f s%s, %.0f us per VMI (CPU %.2f s)%s; %d placed on %d hosts, %d exclusive "
                  "pCPUs, %d warnings" % (policy, count, host_count, elapsed,
                                          " (target <= %.0f s)" % target if target else "",
                                          elapsed / count * 1e6, cpu,
                                          ", best of %d" % rounds if rounds > 1 else "",
                                          placed, used, exclusive, len(result["warnings"])))
            sys.stdout.flush()
            del result, data
    sizes = " / ".join("{:,}".format(count) for count, _hosts, _target in SIZES)
    for policy, times in per_vmi.items():
        print("place_fleet %-6s time per VMI at %s VMIs: %s us (CPU %s us); largest / smallest "
              "%.2f (CPU %.2f), 1.00 being linear growth" % (
                  policy, sizes, " / ".join("%.0f" % wall for wall, _cpu in times),
                  " / ".join("%.0f" % cpu for _wall, cpu in times),
                  times[-1][0] / times[0][0], times[-1][1] / times[0][1]))


# -- part 2: the same NUMA fits by Nova -----------------------------------------------------------

def bench_refusing_hosts():
    """``spread`` where half the hosts refuse most VMs for good (no 1Gi pool, 80% of the VMs on
    1Gi pages): those hosts stay the least loaded, and each such VM once tried them all again,
    so the time per VMI grew with the fleet (2,000 VMIs 0.9 ms each, 8,000 2.4 ms, 32,000
    9.7 ms before a refused shape got a heap of its own)."""
    config = {"developerConfiguration": {"cpuAllocationRatio": 10}}
    times = []
    for count in (2000, 8000, 32000):
        hosts = []
        for index in range(count // 8):
            data = host("host-%05d" % index)
            if index % 2 == 0:
                for node in data["nodes"]:
                    del node["hugepages"]["1Gi"]
            hosts.append(data)
        rng = random.Random(3)
        paged = dict(cores=2, threads=2, memory="8Gi", page="1Gi", dedicated=True)
        shared = dict(cores=2, memory="4Gi")
        vmis = [vmi("vm-%05d" % index, **(paged if rng.random() < 0.8 else shared))
                for index in range(count)]
        started = time.perf_counter()
        result = place_fleet(vmis, hosts, config, policy="spread")
        elapsed = time.perf_counter() - started
        times.append(elapsed / count * 1e6)
        placed = sum(1 for name in result["placements"].values() if name)
        print("place_fleet spread %6d VMIs onto %5d hosts, half of them without 1Gi pages: "
              "%.2f s, %.0f us per VMI; %d placed" % (count, len(hosts), elapsed, times[-1], placed))
        sys.stdout.flush()
    print("place_fleet spread with refusing hosts, time per VMI at 2,000 / 8,000 / 32,000 VMIs: "
          "%s us; largest / smallest %.2f, 1.00 being linear growth"
          % (" / ".join("%.0f" % value for value in times), max(times) / min(times)))


def problems(count, rng):
    """Host states and instance topologies both sides read: a host of the fleet's shape with
    some cores pinned and some pages taken per node, an instance of 1 or 2 cells."""
    found = []
    for index in range(count):
        data = host("problem-%d" % index)
        used = set()
        for node in (0, 1):
            cores = [c for c in range(node * 16, node * 16 + 16) if c not in (0, 16)]
            for core in rng.sample(cores, rng.randint(0, len(cores))):
                used.update((core, core + 32))
            for pool, most in (("1Gi", 64), ("2Mi", 8192)):
                data["nodes"][node]["hugepages"][pool]["free"] = rng.randint(0, most)
        data["used_cpus"] = ",".join(str(c) for c in sorted(used))
        cells = rng.choice((1, 1, 2))
        page = rng.choice((None, "2Mi", "1Gi"))
        unit = 1024 if page == "1Gi" else 512
        instance = []
        first = 0
        for cell in range(cells):
            vcpus = rng.randint(1, 16)
            instance.append({"vcpus": list(range(first, first + vcpus)),
                             "memory_mib": unit * rng.randint(1, 48 if page != "1Gi" else 40)})
            first += vcpus
        found.append({"host": data, "cells": instance, "page": page})
    return found


def our_fits(cases):
    """(fit flags, best seconds over all cases): place() of a sized VMI on a read host."""
    cfg = read_config(None)
    prepared = []
    for case in cases:
        cells = case["cells"]
        vcpus = sum(len(cell["vcpus"]) for cell in cells)
        memory = sum(cell["memory_mib"] for cell in cells)
        spec = read_vmi(vmi("x", vcpus, memory="%dMi" % memory, page=case["page"],
                            dedicated=True))
        opts = read_options({
            "numa_nodes": len(cells),
            "numa_cpus": dict((i, "%d-%d" % (c["vcpus"][0], c["vcpus"][-1]))
                              for i, c in enumerate(cells)),
            "numa_mem": dict((i, "%dMi" % c["memory_mib"]) for i, c in enumerate(cells))})
        prepared.append((size_vmi(spec, cfg), read_host(case["host"]), opts))
    best, fits = None, None
    for attempt in range(3):
        started = time.perf_counter()
        fits = [not place(sized, topo, opts).reasons for sized, topo, opts in prepared]
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return fits, best


def nova_cells(case):
    """The host and instance as Nova's objects describe them, in plain data."""
    topo = read_host(case["host"])
    cells = []
    for node in topo.nodes:
        pcpus = sorted(set(node.cpus) - topo.reserved)
        siblings = sorted({tuple(c for c in topo.siblings(cpu) if c in pcpus) for cpu in pcpus})
        pages = [{"size_kb": 4, "total": ordinary_memory(node) // 4096, "used": 0}]
        for size, pool in sorted(node.hugepages.items()):
            pages.append({"size_kb": size // 1024, "total": pool.total,
                          "used": pool.total - pool.free})
        cells.append({"id": node.id, "pcpuset": pcpus,
                      "pinned": sorted(set(node.cpus) & topo.used),
                      "siblings": [list(group) for group in siblings],
                      "memory_mib": node.memory // MI, "mempages": pages})
    return {"host": cells, "instance": [dict(cell, pagesize=PAGE_KIB[case["page"]])
                                        for cell in case["cells"]]}


NOVA_SCRIPT = r'''
import json, sys, time, warnings
warnings.simplefilter("ignore")
from nova import objects
objects.register_all()
from nova.objects import fields
from nova.virt import hardware

def host(cells):
    return objects.NUMATopology(cells=[objects.NUMACell(
        id=c["id"], cpuset=set(), pcpuset=set(c["pcpuset"]), memory=c["memory_mib"],
        cpu_usage=0, memory_usage=0, pinned_cpus=set(c["pinned"]),
        siblings=[set(s) for s in c["siblings"]],
        mempages=[objects.NUMAPagesTopology(reserved=0, **p) for p in c["mempages"]],
        network_metadata=objects.NetworkMetadata(physnets=set(), tunneled=False),
        socket=c["id"]) for c in cells])

def instance(cells):
    return objects.InstanceNUMATopology(cells=[objects.InstanceNUMACell(
        id=i, cpuset=set(), pcpuset=set(c["vcpus"]), memory=c["memory_mib"],
        cpu_policy=fields.CPUAllocationPolicy.DEDICATED, pagesize=c["pagesize"])
        for i, c in enumerate(cells)])

cases = json.load(open(sys.argv[1]))
best, fits = None, None
for attempt in range(3):
    built = [(host(c["host"]), instance(c["instance"])) for c in cases]
    started = time.perf_counter()
    fits = [hardware.numa_fit_instance_to_host(h, i, None) is not None for h, i in built]
    elapsed = time.perf_counter() - started
    best = elapsed if best is None else min(best, elapsed)
json.dump({"fits": fits, "seconds": best}, open(sys.argv[2], "w"))
'''


def nova_python():
    """The Python of a virtual environment with Nova, made on first use; (path, None) or
    (None, why not)."""
    cache = os.environ.get("VMPOD_BENCH_CACHE") or os.path.join(ROOT, ".build", "bench-cache")
    home = os.path.join(cache, NOVA.replace("==", "-"))
    python = os.path.join(home, "bin", "python")
    stamp = os.path.join(home, ".installed")
    if os.path.exists(stamp):
        return python, None
    print("  installing %s into a throwaway virtual environment under %s (once) ..."
          % (NOVA, os.path.relpath(home, ROOT) if home.startswith(ROOT) else home))
    sys.stdout.flush()
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        done = subprocess.run([python, "-m", "pip", "install", "--quiet",
                               "--disable-pip-version-check", NOVA],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=900, check=False)
    except (OSError, subprocess.SubprocessError) as err:
        return None, str(err)
    if done.returncode != 0:
        lines = [line for line in done.stdout.splitlines()
                 if line.strip() and not line.startswith("WARNING: Location")]
        return None, "pip install %s failed: %s" % (NOVA, " / ".join(lines[-3:]))
    with open(stamp, "w") as handle:
        handle.write(NOVA + "\n")
    return python, None


def bench_nova():
    cases = problems(PROBLEMS, random.Random(11))
    ours, our_seconds = our_fits(cases)
    print("NUMA fits by this collection (planning.plan.place, Nova's hw:numa_* layout): %d cases, "
          "%.1f us each, %d fit" % (len(cases), our_seconds / len(cases) * 1e6, sum(ours)))
    python, why = nova_python()
    if python is None:
        print("NOVA NOT COMPARED: OpenStack Nova could not be installed here (%s)" % why)
        return
    with tempfile.TemporaryDirectory() as scratch:
        script = os.path.join(scratch, "nova_fits.py")
        with open(script, "w") as handle:
            handle.write(NOVA_SCRIPT)
        given, answer = os.path.join(scratch, "cases.json"), os.path.join(scratch, "fits.json")
        with open(given, "w") as handle:
            json.dump([nova_cells(case) for case in cases], handle)
        done = subprocess.run([python, script, given, answer], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        if done.returncode != 0:
            print("NOVA NOT COMPARED: numa_fit_instance_to_host failed to run: %s"
                  % done.stdout.strip().splitlines()[-1:])
            return
        with open(answer) as handle:
            nova = json.load(handle)
    agree = sum(1 for a, b in zip(ours, nova["fits"]) if a == b)
    print("NUMA fits by Nova (%s, nova.virt.hardware.numa_fit_instance_to_host): %.1f us each, "
          "%d fit" % (NOVA, nova["seconds"] / len(cases) * 1e6, sum(nova["fits"])))
    print("  time ratio Nova / this collection: %.2f; agreement on fit / no fit: %d of %d "
          "(%.1f%%)" % (nova["seconds"] / our_seconds, agree, len(cases),
                        100.0 * agree / len(cases)))
    disagreements = [(case, a) for case, a, b in zip(cases, ours, nova["fits"]) if a != b]
    for case, fit in disagreements[:3]:
        print("  disagree: this collection says %s, Nova %s: %d cell(s) of %s vCPUs, %s MiB, "
              "pages %s" % ("fit" if fit else "no fit", "no fit" if fit else "fit",
                            len(case["cells"]), [len(c["vcpus"]) for c in case["cells"]],
                            [c["memory_mib"] for c in case["cells"]], case["page"] or "4Ki"))


def main():
    bench_fleet()
    bench_refusing_hosts()
    bench_nova()


if __name__ == "__main__":
    main()
