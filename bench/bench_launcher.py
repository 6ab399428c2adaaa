# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of launcher sizing; prints figures, asserts nothing (targets are in the README).

1. ``launcher_resources`` per VMI over examples/vmis, on one core (best of several rounds).
2. ``launcher_pod``, the whole launcher Pod per VMI from the VMI's dict (read with the Pod
   section, size, build the Pod object as a plain dict; the KubeVirt configuration and the Pod
   options are KubeVirt's defaults, read once), over the example VMIs and the varied ones of
   bench/varied_vmis.py: the median of several rounds and the best, beside KubeVirt's own time
   for the same work (its RenderLaunchManifest, about 29 us per VMI on this kind of machine
   over varied VMIs; issue 14 item 6); then the same Pods from the VMIs read once
   (``size_vmi`` and ``build_pod``), the work RenderLaunchManifest does for the VMI object it
   holds. The figures are CPU time of this process (``time.process_time``), so that other
   work on a shared machine counts less.
3. One ``ansible-playbook playbooks/launcher_resources.yml`` run over 1,000 generated VMIs,
   sized through the filter in one pass, wall time.
"""

import copy
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# hack/setup.sh links the checkout as .build/collections/ansible_collections/vmpod/core
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from varied_vmis import varied_vmis  # noqa: E402

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
from ansible_collections.vmpod.core.plugins.module_utils.virtlet.pod import (  # noqa: E402
    is_virtlet_pod)

TARGET_US = 20.0
KUBEVIRT_POD_US = 29.0  # KubeVirt's RenderLaunchManifest per VMI, varied VMIs, this kind of machine
PLAYBOOK_TARGET_S = 5.0
PLAYBOOK_VMIS = 1000


def example_vmis():
    vmis = []
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "vmis", "*.yaml"))):
        with open(path) as handle:
            vmis.extend(doc for doc in yaml.safe_load_all(handle) if doc)
    return vmis


def per_vmi_microseconds(vmis, rounds=7, number=500):
    def one_pass():
        for vmi in vmis:
            launcher_resources(vmi)

    best = min(timeit.repeat(one_pass, number=number, repeat=rounds))
    return best / number / len(vmis) * 1e6


def pod_microseconds(vmis, rounds=15, calls=2000):
    """(median, best) CPU microseconds per VMI of ``launcher_pod`` over ``vmis``, each round
    about ``calls`` Pods."""
    def one_pass():
        for vmi in vmis:
            launcher_pod(vmi)
    return median_and_best(one_pass, len(vmis), rounds, calls)


def pod_from_read_microseconds(vmis, rounds=15, calls=2000):
    """(median, best) CPU microseconds per VMI of the Pod of a VMI read once (``size_vmi`` and
    ``build_pod``): what RenderLaunchManifest does with the VMI object it holds."""
    cfg, opts = read_config(None), read_pod_options(None)
    read = [read_vmi(vmi, with_pod=True) for vmi in vmis]

    def one_pass():
        for vmi in read:
            build_pod(size_vmi(vmi, cfg), opts, cfg)
    return median_and_best(one_pass, len(vmis), rounds, calls)


def median_and_best(one_pass, count, rounds, calls):
    number = max(1, calls // count)
    one_pass()  # warm: module caches of constants, as on any second VMI
    runs = [elapsed / number / count * 1e6 for elapsed in
            timeit.repeat(one_pass, number=number, repeat=rounds, timer=time.process_time)]
    return statistics.median(runs), min(runs)


def write_generated_vmis(directory, count, templates):
    for index in range(count):
        vmi = copy.deepcopy(templates[index % len(templates)])
        vmi["metadata"]["name"] = "%s-%04d" % (vmi["metadata"]["name"], index)
        with open(os.path.join(directory, "vmi-%04d.yaml" % index), "w") as handle:
            yaml.safe_dump(vmi, handle)


def playbook_seconds(vmi_dir, out_dir):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    playbook = os.path.join(ROOT, "playbooks", "launcher_resources.yml")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook,
               "-e", "vmpod_vmi_dir=%s" % vmi_dir, "-e", "vmpod_output_dir=%s" % out_dir]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stdout.write(done.stdout[-3000:])
        raise SystemExit("ansible-playbook failed (exit %d)" % done.returncode)
    return elapsed


def main():
    vmis = example_vmis()
    micro = per_vmi_microseconds(vmis)
    print("launcher_resources: %.1f us per VMI over %d example VMIs, one core (target <= %.0f us)"
          % (micro, len(vmis), TARGET_US))
    for label, pods in (("example", [vmi for vmi in vmis if not is_virtlet_pod(vmi)]),
                        ("varied", varied_vmis())):
        median, best = pod_microseconds(pods)
        print("launcher_pod, the whole Pod: median %.1f us per VMI (best %.1f us) over %d %s VMIs, "
              "CPU time; target <= %.0f us (KubeVirt's RenderLaunchManifest)"
              % (median, best, len(pods), label, KUBEVIRT_POD_US))
        median, best = pod_from_read_microseconds(pods)
        print("  the same Pod from the VMI read once (size, build): median %.1f us per VMI (best "
              "%.1f us), CPU time; target <= %.0f us" % (median, best, KUBEVIRT_POD_US))
    with tempfile.TemporaryDirectory(prefix="vmpod-bench-") as scratch:
        vmi_dir = os.path.join(scratch, "vmis")
        os.mkdir(vmi_dir)
        write_generated_vmis(vmi_dir, PLAYBOOK_VMIS, vmis)
        wall = playbook_seconds(vmi_dir, os.path.join(scratch, "out"))
        with open(os.path.join(scratch, "out", "launcher-resources.json")) as handle:
            sized = yaml.safe_load(handle)
    print("ansible-playbook playbooks/launcher_resources.yml over %d VMIs: %.2f s wall "
          "(target < %.0f s; %d sized)" % (PLAYBOOK_VMIS, wall, PLAYBOOK_TARGET_S, len(sized)))


if __name__ == "__main__":
    main()
