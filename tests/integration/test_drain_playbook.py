# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/drain_check.yml on the example fleet's three servers: the answer written is the
engine's, a second run changes nothing, check mode writes nothing, vmpod_drain_must_be_safe
fails the play when a VM would be stranded (given as text, as AWX gives it), and no secret of a
VMI is printed."""

import json
import os

import yaml

from ansible_collections.vmpod.core.plugins.module_utils.fleet import simulate_drain

from test_capacity_playbook import FLEET_FILES, INVENTORY, ROOT, example_hosts  # noqa: E402
from vmpod_playbooks import ansible_playbook, changed, playbook  # noqa: E402
from test_secrets import SECRETS, VMI  # noqa: E402

PLAYBOOK = playbook("drain_check.yml")


def run(*extra):
    return ansible_playbook("-i", INVENTORY, PLAYBOOK, "-e", "vmpod_drain_hosts=kvm-01,kvm-02,kvm-03", *extra)


def test_the_answer_is_the_engines_and_a_second_run_changes_nothing(tmp_path):
    done = run("-e", "vmpod_drain=kvm-01", "-e", "vmpod_output_dir=%s" % tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    with open(tmp_path / "drain.json") as handle:
        written = json.load(handle)
    with open(os.path.join(ROOT, "examples", "fleet", "vmis.yaml")) as handle:
        vmis = yaml.safe_load(handle)
    hosts = example_hosts()
    expected = simulate_drain(vmis, [hosts[name] for name in FLEET_FILES], "kvm-01")
    assert written == json.loads(json.dumps(expected))
    moved = sum(len(wave) for wave in expected["waves"])
    assert "Draining kvm-01 is %s: %d VMs move in %d waves, %d cannot move." % (
        "safe" if expected["safe"] else "NOT safe", moved, len(expected["waves"]),
        len(expected["blockers"])) in done.stdout
    assert set(expected["fragmentation"]) == set(expected["blockers"])
    printed = " ".join(done.stdout.split())  # (the YAML callback wraps long lines)
    for report in expected["fragmentation"].values():  # printed with the blocker's reasons
        assert " ".join(report["summary"].split()) in printed
    again = run("-e", "vmpod_drain=kvm-01", "-e", "vmpod_output_dir=%s" % tmp_path)
    assert again.returncode == 0 and changed(again.stdout) == 0, again.stdout[-3000:]


def test_check_mode_writes_nothing_and_must_be_safe_fails_an_unsafe_drain(tmp_path):
    out = tmp_path / "out"
    done = run("-e", "vmpod_drain=kvm-01,kvm-02", "-e", "vmpod_output_dir=%s" % out, "--check")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Draining kvm-01, kvm-02 is NOT safe" in done.stdout and not out.exists()
    strict = run("-e", "vmpod_drain=kvm-01,kvm-02", "-e", "vmpod_drain_must_be_safe=true")
    assert strict.returncode != 0 and "Draining kvm-01, kvm-02 would strand" in strict.stdout
    unknown = run("-e", "vmpod_drain=kvm-09")
    assert unknown.returncode != 0 and "drain[0]: 'kvm-09' is not a host of the fleet" in unknown.stdout


def test_no_secret_is_printed(tmp_path):
    vmi = tmp_path / "secretive.yaml"
    vmi.write_text(VMI.replace("  namespace: lab\n", "  namespace: lab\nstatus:\n  nodeName: kvm-01\n", 1))
    done = run("-vvv", "--diff", "-e", "vmpod_drain=kvm-01", "-e", "vmpod_vmi_file=%s" % vmi,
               "-e", "vmpod_output_dir=%s" % tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    assert [secret for secret in SECRETS if secret in done.stdout] == []
    with open(tmp_path / "drain.json") as handle:
        assert json.load(handle)["waves"] == [[{"vmi": "secretive", "source": "kvm-01", "target": "kvm-02"}]]
