# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/migration_check.yml run for real between hosts of the example fleet inventory (host
files, and this machine read by vmpod.core.host_topology_info): the verdict is the engine's, a
second run changes nothing, vmpod_migration_must_fit fails the play, check mode writes nothing."""

import json
import os
import re
import subprocess
import sys

import yaml

from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    check_migration, plan_placement)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(ROOT, "playbooks", "migration_check.yml")
INVENTORY = os.path.join(ROOT, "examples", "fleet", "inventory.yml")
VMI_FILE = os.path.join(ROOT, "examples", "vmis", "06-dedicated-isolated-emulator.yaml")


def run(*extra):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), PLAYBOOK,
               "-i", INVENTORY]
    command.extend(extra)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def test_a_host_without_smt_splits_the_guest_cores(tmp_path):
    done = run("-e", "vmpod_source=kvm-01", "-e", "vmpod_target=kvm-03",
               "-e", "vmpod_vmi_file=%s" % VMI_FILE, "-e", "vmpod_output_dir=%s" % tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    with open(tmp_path / "migration-latency-critical-kvm-01-kvm-03.json") as handle:
        written = json.load(handle)
    source = dict(load(os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")),
                  name="kvm-01", architecture="amd64")
    target = dict(load(os.path.join(ROOT, "examples", "hosts", "no-smt.yaml")), name="kvm-03",
                  architecture="amd64")
    vmi = load(VMI_FILE)
    expected = check_migration(vmi, plan_placement(vmi, source), target, source_host=source)
    for key in ("fits", "reasons", "target_plan", "target_memory_overhead"):
        assert written[key] == expected[key]
    assert not written["fits"] and "threads on one host core" in written["reasons"][0]
    assert "latency-critical from kvm-01 to kvm-03: does not fit" in done.stdout
    again = run("-e", "vmpod_source=kvm-01", "-e", "vmpod_target=kvm-03",
                "-e", "vmpod_vmi_file=%s" % VMI_FILE, "-e", "vmpod_output_dir=%s" % tmp_path)
    assert int(re.search(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", again.stdout).group(1)) == 0


def test_must_fit_fails_the_play_when_the_vm_cannot_move():
    done = run("-e", "vmpod_source=kvm-01", "-e", "vmpod_target=kvm-03",
               "-e", "vmpod_vmi_file=%s" % VMI_FILE, "-e", "vmpod_migration_must_fit=true")
    assert done.returncode != 0
    assert "guest core 0 (vCPUs 0-1) on pCPUs 1,2" in done.stdout


def test_check_mode_onto_this_machine_writes_nothing(tmp_path):
    out = tmp_path / "out"
    done = run("--check", "-e", "vmpod_source=kvm-01", "-e", "vmpod_target=this-machine",
               "-e", "vmpod_vmi_file=examples/vmis/01-plain-fedora.yaml",
               "-e", "vmpod_output_dir=%s" % out)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "plain-fedora from kvm-01 to this-machine: fits" in done.stdout
    assert not out.exists()


def test_the_targets_cpu_must_offer_the_guests_features(tmp_path):
    # vmpod_host_cpus gives both hosts' CPUs as host_cpu_info returns them; the target's host-model
    # lacks two features the source's enabled, so the guest (host-model) cannot move
    source_cpu = {"model": "Skylake-Server-IBRS", "host_model_supported": True,
                  "usable_models": ["Skylake-Server-IBRS"],
                  "features": [{"name": n, "policy": "require"} for n in ("avx512f", "pku", "x2apic")]}
    target_cpu = dict(source_cpu, features=[{"name": "x2apic", "policy": "require"}])
    extra = tmp_path / "cpus.json"
    extra.write_text(json.dumps({"vmpod_host_cpus": {"kvm-01": source_cpu, "kvm-02": target_cpu}}))
    done = run("-e", "vmpod_source=kvm-01", "-e", "vmpod_target=kvm-02",
               "-e", "vmpod_vmi_file=examples/vmis/01-plain-fedora.yaml", "-e", "@%s" % extra,
               "-e", "vmpod_output_dir=%s" % tmp_path)
    assert done.returncode == 0, done.stdout[-3000:]
    with open(tmp_path / "migration-plain-fedora-kvm-01-kvm-02.json") as handle:
        written = json.load(handle)
    assert not written["fits"]
    assert written["reasons"] == [
        "the target's CPU lacks 2 features the guest uses (host-model mode): avx512f, pku"]
