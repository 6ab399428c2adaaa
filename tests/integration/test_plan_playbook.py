# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/plan_placement.yml run for real: on an example host file and on this machine
(topology read by vmpod.core.host_topology_info), idempotent, check mode writes nothing."""

import json
import os
import re
import subprocess
import sys

import yaml

from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(ROOT, "playbooks", "plan_placement.yml")
EXAMPLES = os.path.join(ROOT, "examples", "vmis")
HOST_FILE = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")


def run(out_dir, *extra):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), PLAYBOOK,
               "-e", "vmpod_vmi_dir=%s" % EXAMPLES, "-e", "vmpod_output_dir=%s" % out_dir]
    command.extend(extra)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def changed(output):
    return int(re.search(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", output).group(1))


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
