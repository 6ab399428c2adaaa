# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/launcher_resources.yml run for real by ansible-playbook: output, idempotence,
check mode, and bad input that changes nothing."""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(ROOT, "playbooks", "launcher_resources.yml")
EXAMPLES = os.path.join(ROOT, "examples", "vmis")


def run_playbook(vmi_dir, out_dir, *extra):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), PLAYBOOK,
               "-e", "vmpod_vmi_dir=%s" % vmi_dir, "-e", "vmpod_output_dir=%s" % out_dir]
    command.extend(extra)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def recap(output):
    found = re.search(r"localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
                      output)
    assert found, output[-2000:]
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, found.groups())))


def example_vmis():
    vmis = []
    for path in sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml"))):
        with open(path) as handle:
            vmis.extend(doc for doc in yaml.safe_load_all(handle) if doc)
    return vmis


def test_check_mode_writes_nothing(tmp_path):
    out = tmp_path / "out"
    done = run_playbook(EXAMPLES, out, "--check")
    assert done.returncode == 0, done.stdout[-3000:]
    assert not out.exists()


def test_run_writes_the_engine_result_and_a_second_run_changes_nothing(tmp_path):
    out = tmp_path / "out"
    first = run_playbook(EXAMPLES, out)
    assert first.returncode == 0, first.stdout[-3000:]
    assert recap(first.stdout)["changed"] == 3  # directory, YAML, JSON

    with open(out / "launcher-resources.json") as handle:
        from_json = json.load(handle)
    with open(out / "launcher-resources.yaml") as handle:
        from_yaml = yaml.safe_load(handle)
    assert from_json == from_yaml
    vmis = example_vmis()
    assert [entry["name"] for entry in from_json] == [vmi["metadata"]["name"] for vmi in vmis]
    for entry, vmi in zip(from_json, vmis):
        expected = launcher_resources(vmi)
        assert entry["requests"] == expected["requests"]
        assert entry["limits"] == expected["limits"]
        assert entry["memory_overhead"] == expected["memory_overhead"]

    # the table is printed with one line per VMI, each a line of the message
    for vmi in vmis:
        assert re.search(r"^\s+- %s\s" % re.escape(vmi["metadata"]["name"]), first.stdout, re.M)

    second = run_playbook(EXAMPLES, out)
    assert second.returncode == 0, second.stdout[-3000:]
    assert recap(second.stdout)["changed"] == 0


def test_bad_vmi_fails_naming_the_field_and_writes_nothing(tmp_path):
    vmi_dir = tmp_path / "vmis"
    vmi_dir.mkdir()
    (vmi_dir / "good.yaml").write_text(open(os.path.join(EXAMPLES, "01-plain-fedora.yaml")).read())
    (vmi_dir / "bad.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
        "metadata": {"name": "broken"},
        "spec": {"domain": {"resources": {"requests": {"memory": "12Qi"}}}}}))
    out = tmp_path / "out"
    done = run_playbook(vmi_dir, out)
    assert done.returncode != 0
    assert "spec.domain.resources.requests.memory: '12Qi' is not a quantity" in done.stdout
    assert "(broken)" in done.stdout
    assert not out.exists()


@pytest.mark.parametrize("option", ["-e vmpod_apply_defaults=true"])
def test_webhook_defaults_through_the_playbook(tmp_path, option):
    out = tmp_path / "out"
    done = run_playbook(EXAMPLES, out, *option.split())
    assert done.returncode == 0, done.stdout[-3000:]
    with open(out / "launcher-resources.json") as handle:
        sized = {entry["name"]: entry for entry in json.load(handle)}
    # the default pod network adds a bridge interface, so vhost-net appears where none was
    assert "devices.kubevirt.io/vhost-net" in sized["overcommit-guest"]["limits"]
