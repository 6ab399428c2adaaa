# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets in VMIs (cloud-init user and network data, a token annotation) never reach the output
of a run, not with -vvv, not with --diff; the files that must hold them still do."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")
SECRETS = ("HUNTER2-SEEKRIT-1", "NETDATA-SEEKRIT-2", "TOKEN-SEEKRIT-3")

VMI = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: secretive
  namespace: lab
  annotations:
    vmpod.example/api-token: TOKEN-SEEKRIT-3
spec:
  domain:
    cpu: {cores: 1}
    memory: {guest: 1Gi}
    devices:
      disks: [{name: cloudinit, disk: {bus: virtio}}]
  volumes:
    - name: cloudinit
      cloudInitNoCloud:
        userData: |
          #cloud-config
          password: HUNTER2-SEEKRIT-1
        networkData: NETDATA-SEEKRIT-2
"""


def run(*args):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-vvv", "--diff"]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command + list(args), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


@pytest.fixture
def vmis(tmp_path):
    directory = tmp_path / "vmis"
    directory.mkdir()
    (directory / "secretive.yaml").write_text(VMI)
    return directory


@pytest.mark.parametrize("playbook", ["render.yml", "capacity.yml", "launcher_resources.yml", "plan_placement.yml"])
def test_no_secret_is_printed(tmp_path, vmis, playbook):
    out = tmp_path / "out"
    done = run(os.path.join(ROOT, "playbooks", playbook), "-e", "vmpod_vmi_dir=%s" % vmis,
               "-e", "vmpod_vmi_file=", "-e", "vmpod_output_dir=%s" % out, "-e", "vmpod_host_file=%s" % HOST)
    assert done.returncode == 0, done.stdout[-3000:]
    assert [secret for secret in SECRETS if secret in done.stdout] == []
    if playbook == "render.yml":  # the Pod that must carry the annotation carries it
        assert "TOKEN-SEEKRIT-3" in (out / "secretive" / "launcher-pod.yaml").read_text()
        assert "(not shown: a secret)" in done.stdout  # the diff showed the line, not its value


def test_no_secret_is_printed_by_the_migration_check(tmp_path, vmis):
    done = run("-i", os.path.join(ROOT, "examples", "fleet", "inventory.yml"),
               os.path.join(ROOT, "playbooks", "migration_check.yml"),
               "-e", "vmpod_vmi_file=%s" % (vmis / "secretive.yaml"), "-e", "vmpod_source=kvm-01",
               "-e", "vmpod_target=kvm-02", "-e", "vmpod_output_dir=%s" % (tmp_path / "out"))
    assert done.returncode == 0, done.stdout[-3000:]
    assert [secret for secret in SECRETS if secret in done.stdout] == []
    assert (tmp_path / "out" / "migration-secretive-kvm-01-kvm-02.json").exists()


def test_no_secret_is_printed_for_a_libvirt_host_target(tmp_path, vmis):
    """The seed ISO holds the user and network data (mode 0600), storage.json and the output do
    not, and a Secret given in the host map is not printed either."""
    out = tmp_path / "out"
    extra = tmp_path / "target.json"
    extra.write_text(json.dumps({"vmpod_host_target": {
        "storage_dir": str(tmp_path / "vms"),
        "secrets": {"unused": {"userdata": "MAPPED-SEEKRIT-4"}}}}))
    done = run(os.path.join(ROOT, "playbooks", "render.yml"), "-e", "vmpod_vmi_dir=%s" % vmis,
               "-e", "vmpod_output_dir=%s" % out, "-e", "vmpod_host_file=%s" % HOST, "-e", "@%s" % extra)
    assert done.returncode == 0, done.stdout[-3000:]
    assert [s for s in SECRETS + ("MAPPED-SEEKRIT-4",) if s in done.stdout] == []
    seed = out / "secretive" / "cloudinit.iso"
    assert oct(seed.stat().st_mode & 0o777) == "0o600"
    data = seed.read_bytes()
    assert b"HUNTER2-SEEKRIT-1" in data and b"NETDATA-SEEKRIT-2" in data
    storage = (out / "secretive" / "storage.json").read_text()
    assert "SEEKRIT" not in storage and json.loads(storage)["items"][0]["kind"] == "seed"
    assert "cloud-init seed image: it holds secrets, not shown" in done.stdout
