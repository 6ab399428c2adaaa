# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of the engine's steps, per VMI; prints figures beside their targets, asserts
nothing.

Over the example VMIs (examples/vmis, VMIs and VirtualMachines) and a varied set
(bench/varied_vmis.py, 110 VMIs), best of several rounds on one core:

1. the domain model with its plan given (``domain.model.build_domain`` over a read, sized and
   planned VMI): what KubeVirt's converter does for a VMI object it already holds;
2. ``launcher_resources`` from the VMI's dict (read, size, print);
3. ``launcher_pod``, the whole launcher Pod from the VMI's dict (read with the Pod section,
   size, build), beside KubeVirt's RenderLaunchManifest; and the same Pod from the VMI read
   once (size and build: ``size_vmi`` and ``build_pod``), the work RenderLaunchManifest does
   for a VMI object it already holds, as the domain model's figure is;
4. ``plan_placement`` of a typical dedicated VM (4 pinned vCPUs, 8Gi, isolated emulator thread)
   on the dual-socket example host read once.

KubeVirt's own figures for the same work, measured on this kind of machine over 67 varied VMIs
(issue "One read, one size, one plan"), stand beside ours for scale: its converter builds a
domain in about 10.6 us, its RenderLaunchManifest renders a whole launcher Pod in about 29 us.

    python bench/bench_engine.py [--rounds 7]
"""

import argparse
import glob
import os
import sys
import timeit

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from varied_vmis import varied_vmis  # noqa: E402

from ansible_collections.vmpod.core.plugins.module_utils.domain.model import (  # noqa: E402
    build_domain)
from ansible_collections.vmpod.core.plugins.module_utils.domain.options import (  # noqa: E402
    read_domain_options)
from ansible_collections.vmpod.core.plugins.module_utils.domain.plan_view import (  # noqa: E402
    plan_view)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import (  # noqa: E402
    read_config)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import (  # noqa: E402
    build_pod, launcher_pod)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_options import (  # noqa: E402
    read_pod_options)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import (  # noqa: E402
    size_vmi)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi  # noqa: E402
from ansible_collections.vmpod.core.plugins.module_utils.launcher import (  # noqa: E402
    launcher_resources)
from ansible_collections.vmpod.core.plugins.module_utils.placement import (  # noqa: E402
    plan_placement)
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import (  # noqa: E402
    read_host)
from ansible_collections.vmpod.core.plugins.module_utils.planning.options import (  # noqa: E402
    read_options)
from ansible_collections.vmpod.core.plugins.module_utils.planning.plan import place  # noqa: E402
from ansible_collections.vmpod.core.plugins.module_utils.virtlet.pod import (  # noqa: E402
    is_virtlet_pod)

DOMAIN_TARGET_US = 20.0
KUBEVIRT_CONVERTER_US = 10.6
LAUNCHER_TARGET_US = 20.0
PLACEMENT_TARGET_US = 50.0
KUBEVIRT_POD_US = 29.0
HOST_FILE = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")

TYPICAL_DEDICATED = {
    "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
    "metadata": {"name": "typical-dedicated", "namespace": "bench"},
    "spec": {"domain": {
        "cpu": {"cores": 4, "dedicatedCpuPlacement": True, "isolateEmulatorThread": True},
        "resources": {"requests": {"memory": "8Gi"}},
        "devices": {"disks": [{"name": "rootdisk", "disk": {"bus": "virtio"}}]}},
        "volumes": [{"name": "rootdisk", "containerDisk": {"image": "fedora"}}]}}


def example_vmis():
    vmis = []
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "vmis", "*.yaml"))):
        with open(path) as handle:
            vmis.extend(doc for doc in yaml.safe_load_all(handle)
                        if doc and not is_virtlet_pod(doc))
    return vmis


def per_item_us(call, items, rounds, number):
    def one_pass():
        for item in items:
            call(item)
    return min(timeit.repeat(one_pass, number=number, repeat=rounds)) / number / len(items) * 1e6


def domain_us(vmis, host, rounds):
    cfg, opts, placement_opts = read_config(None), read_domain_options(None), read_options(None)
    prepared = []
    for obj in vmis:
        sized = size_vmi(read_vmi(obj, with_domain=True), cfg)
        prepared.append((sized, plan_view(place(sized, host, placement_opts))))
    return per_item_us(lambda item: build_domain(item[0], item[1], host, cfg, opts),
                       prepared, rounds, 200)


def pod_from_read_us(vmis, rounds):
    cfg, opts = read_config(None), read_pod_options(None)
    read = [read_vmi(obj, with_pod=True) for obj in vmis]
    return per_item_us(lambda vmi: build_pod(size_vmi(vmi, cfg), opts, cfg), read, rounds, 200)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with open(HOST_FILE) as handle:
        host_data = yaml.safe_load(handle)
    host = read_host(host_data)
    sets = (("examples", example_vmis()), ("varied", varied_vmis()))

    print("%-44s %10s %10s %10s" % ("per VMI, best of %d rounds" % args.rounds, "examples",
                                    "varied", "target"))
    figures = [domain_us(vmis, host, args.rounds) for _name, vmis in sets]
    print("%-44s %8.1f us %7.1f us %7.0f us   (KubeVirt's converter: %.1f us)"
          % ("domain model, plan given", figures[0], figures[1], DOMAIN_TARGET_US,
             KUBEVIRT_CONVERTER_US))
    figures = [per_item_us(launcher_resources, vmis, args.rounds, 200) for _name, vmis in sets]
    print("%-44s %8.1f us %7.1f us %7.0f us"
          % ("launcher_resources (read, size, print)", figures[0], figures[1],
             LAUNCHER_TARGET_US))
    pods = [[vmi for vmi in vmis if not is_virtlet_pod(vmi)] for _name, vmis in sets]
    figures = [per_item_us(launcher_pod, vmis, args.rounds, 200) for vmis in pods]
    print("%-44s %8.1f us %7.1f us %7.0f us   (KubeVirt's RenderLaunchManifest)"
          % ("launcher_pod, the whole Pod", figures[0], figures[1], KUBEVIRT_POD_US))
    figures = [pod_from_read_us(vmis, args.rounds) for vmis in pods]
    print("%-44s %8.1f us %7.1f us %7.0f us   (the same, from the VMI object)"
          % ("  the Pod of a VMI read once (size, build)", figures[0], figures[1],
             KUBEVIRT_POD_US))
    typical = min(timeit.repeat(lambda: plan_placement(TYPICAL_DEDICATED, host), number=500,
                                repeat=args.rounds)) / 500 * 1e6
    print("%-44s %8.1f us %10s %7.0f us"
          % ("plan_placement, typical dedicated VM", typical, "-", PLACEMENT_TARGET_US))
    print("  (4 pinned vCPUs, 8Gi, isolated emulator thread, on %s read once)"
          % os.path.basename(HOST_FILE))


if __name__ == "__main__":
    main()
