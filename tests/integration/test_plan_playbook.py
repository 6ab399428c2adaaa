# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/plan_placement.yml run for real: on an example host file and on this machine
(topology read by vmpod.core.host_topology_info), idempotent, check mode writes nothing."""

import json
import os

import yaml

from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement
from vmpod_playbooks import ROOT, ansible_playbook, changed, playbook

PLAYBOOK = playbook("plan_placement.yml")
EXAMPLES = os.path.join(ROOT, "examples", "vmis")
HOST_FILE = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")


def run(out_dir, *extra):
    return ansible_playbook(PLAYBOOK, "-e", "vmpod_vmi_dir=%s" % EXAMPLES, "-e", "vmpod_output_dir=%s" % out_dir,
                            *extra)


def test_plans_on_an_example_host_match_the_engine(tmp_path):
    done = run(tmp_path, "-e", "vmpod_host_file=%s" % HOST_FILE)
    assert done.returncode == 0, done.stdout[-3000:]
    with open(tmp_path / "placement-dual-socket-server.json") as handle:
        written = json.load(handle)
    with open(HOST_FILE) as handle:
        host = yaml.safe_load(handle)
    with open(os.path.join(EXAMPLES, "06-dedicated-isolated-emulator.yaml")) as handle:
        vmi = yaml.safe_load(handle)
    plan = [p for p in written["plans"] if p["name"] == "latency-critical"][0]
    expected = plan_placement(vmi, host)
    for key in ("fits", "cpuset", "vcpupin", "emulatorpin", "iothreadpin", "hugepages"):
        assert plan[key] == expected[key]
    assert "latency-critical" in done.stdout and "5-7,21-23" in done.stdout
    again = run(tmp_path, "-e", "vmpod_host_file=%s" % HOST_FILE)
    assert changed(again.stdout) == 0


def test_plans_on_this_machine_in_check_mode_write_nothing(tmp_path):
    out = tmp_path / "out"
    done = run(out, "--check")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Plans on localhost" in done.stdout
    assert not out.exists()
