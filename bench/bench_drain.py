# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of fleet.simulate_drain; prints figures, asserts nothing (the target is issue 17's:
one host of 64 VMs drained in a fleet of 1,000 hosts in at most 1 s, reading included).

The hosts are copies of examples/hosts/dual-socket-server.yaml; the 64 VMs run on the drained
host (``status.nodeName``): all shared-CPU, then half of them with a dedicated vCPU. Best of 3
rounds, with ``pack`` and ``spread``.

    python bench/bench_drain.py [--hosts 1000] [--vms 64]
"""

import argparse
import os
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# hack/setup.sh links the checkout as .build/collections/ansible_collections/vmpod/core
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))

from ansible_collections.vmpod.core.plugins.module_utils.fleet import simulate_drain  # noqa: E402


def vmi(index, dedicated):
    domain = {"cpu": {"cores": 1, "dedicatedCpuPlacement": dedicated},
              "resources": {"requests": {"memory": "1Gi"}}}
    return {"kind": "VirtualMachineInstance", "metadata": {"name": "vm-%d" % index},
            "spec": {"domain": domain}, "status": {"nodeName": "host-0"}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--vms", type=int, default=64)
    args = parser.parse_args()
    with open(os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")) as handle:
        host = yaml.safe_load(handle)
    hosts = dict(("host-%d" % index, host) for index in range(args.hosts))
    for mix, vms in (("shared", [vmi(index, False) for index in range(args.vms)]),
                     ("half dedicated", [vmi(index, index % 2 == 0) for index in range(args.vms)])):
        for policy in ("pack", "spread"):
            best = None
            for _round in range(3):
                start = time.perf_counter()
                result = simulate_drain(vms, hosts, "host-0", policy=policy)
                took = time.perf_counter() - start
                best = took if best is None else min(best, took)
            moved = sum(len(wave) for wave in result["waves"])
            print("simulate_drain, %d %s VMs on host-0 of %d hosts, %s: %.3f s (target <= 1 s); "
                  "%d moved in %d waves, %d blocked, %d not on host-0 to begin with" % (
                      args.vms, mix, args.hosts, policy, best, moved, len(result["waves"]),
                      len(result["blockers"]), len(result["warnings"])))


if __name__ == "__main__":
    main()
