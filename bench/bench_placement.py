# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of plan_placement; prints figures, asserts nothing (the target is in the README).

One dedicated 32-vCPU NUMA-passthrough VM (1Gi hugepages, isolated emulator thread) on a
2-socket, 2-node, 64-core / 128-thread host, planned again and again on one core.
"""

import os
import sys
import timeit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# hack/setup.sh links the checkout as .build/collections/ansible_collections/vmpod/core
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))

from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host  # noqa: E402
from ansible_collections.vmpod.core.plugins.module_utils.placement import (  # noqa: E402
    plan_placement)

TARGET_US = 200.0


def big_host():
    """2 sockets x 32 cores x 2 threads; thread siblings N and N+64 (Linux numbering on Intel)."""
    cpus = []
    for thread in range(2):
        for socket in range(2):
            for core in range(32):
                cpus.append({"id": socket * 32 + core + thread * 64, "socket": socket,
                             "core": core, "node": socket})
    nodes = [{"id": n, "memory": "256Gi", "distances": [10, 21] if n == 0 else [21, 10],
              "hugepages": {"1Gi": {"total": 64, "free": 64}, "2Mi": {"total": 4096, "free": 4096}}}
             for n in range(2)]
    return {"cpus": cpus, "nodes": nodes, "reserved_cpus": "0,64,32,96", "used_cpus": "1-4,65-68"}


def big_vmi():
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "numa-32"},
            "spec": {"domain": {
                "cpu": {"sockets": 1, "cores": 16, "threads": 2, "dedicatedCpuPlacement": True,
                        "isolateEmulatorThread": True, "numa": {"guestMappingPassthrough": {}}},
                "memory": {"hugepages": {"pageSize": "1Gi"}},
                "resources": {"requests": {"memory": "64Gi"}}}}}


def best_microseconds(call, number=300, rounds=7):
    return min(timeit.repeat(call, number=number, repeat=rounds)) / number * 1e6


def main():
    data, vmi = big_host(), big_vmi()
    plan = plan_placement(vmi, data)
    assert plan["fits"], plan["reasons"]
    host = read_host(data)
    read_us = best_microseconds(lambda: read_host(data))
    plan_us = best_microseconds(lambda: plan_placement(vmi, host))
    print("plan_placement, 32-vCPU NUMA-passthrough VM on a 2-socket 128-thread host: "
          "%.0f us per plan (target <= %.0f us); reading the host data once: %.0f us"
          % (plan_us, TARGET_US, read_us))
    print("  cpuset %s, %d guest NUMA cells, hugepages %s"
          % (plan["cpuset"], len(plan["numa_cells"]), plan["hugepages"]["per_node"]))


if __name__ == "__main__":
    main()
