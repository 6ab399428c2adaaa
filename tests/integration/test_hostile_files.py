# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile VMI files: refused at once with the file named, nothing written (the playbooks run for
real). A YAML alias bomb used to hang render.yml and launcher_resources.yml."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")

# nine levels of nine aliases: 387 million values once expanded, 1 KB as text, in a toleration
BOMB = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata: {name: bomb, namespace: lab}
spec:
  domain: {cpu: {cores: 1}, memory: {guest: 1Gi}, devices: {}}
  tolerations:
    - key: &a [x, x, x, x, x, x, x, x, x]
""" + "".join("    - key: &%s [%s]\n" % (chr(98 + level), ", ".join(["*" + chr(97 + level)] * 9))
              for level in range(8))


def run(playbook, vmis, out):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
               os.path.join(ROOT, "playbooks", playbook), "-e", "vmpod_vmi_dir=%s" % vmis,
               "-e", "vmpod_output_dir=%s" % out, "-e", "vmpod_host_file=%s" % HOST]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False, timeout=300)


@pytest.mark.parametrize("playbook", ["render.yml", "launcher_resources.yml", "plan_placement.yml"])
def test_an_alias_bomb_is_refused_with_its_file(tmp_path, playbook):
    vmis = tmp_path / "vmis"
    vmis.mkdir()
    (vmis / "bomb.yaml").write_text(BOMB)
    out = tmp_path / "out"
    done = run(playbook, vmis, out)
    assert done.returncode == 2, done.stdout[-3000:]
    assert "%s expands to more than 100000 values (YAML aliases): refused" % (vmis / "bomb.yaml") in \
        done.stdout.replace("\n        ", " "), done.stdout[-3000:]
    assert not out.exists() or not any(out.iterdir())


def test_an_inventory_host_that_cannot_name_a_file_writes_nothing(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("all:\n  hosts:\n    '../escape':\n      ansible_connection: local\n"
                         "      vmpod_host_file: %s\n" % HOST)
    out = tmp_path / "deep" / "out"
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory),
               os.path.join(ROOT, "playbooks", "capacity.yml"), "-e", "vmpod_output_dir=%s" % out]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False, timeout=300)
    assert done.returncode == 2, done.stdout[-3000:]
    assert 'Inventory host "../escape" cannot name a file in the output directory' in done.stdout
    assert not (tmp_path / "deep").exists()
