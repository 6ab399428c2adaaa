# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VM files are data, never templates: Jinja in any field is neither run nor rendered.

Each playbook that reads VMI files runs for real on a VMI whose fields hold lookups that would
create a file if they ran; none may appear, and the text comes out as it went in.
"""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")

VMI = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: evil
  namespace: lab
  annotations:
    label-like: "{{{{ lookup('pipe', 'touch {marker}-label') }}}}"
    note: "{{{{ lookup('pipe', 'touch {marker}-annotation') }}}}"
    other: "{{% set x = lookup('pipe', 'touch {marker}-statement') %}}"
spec:
  domain:
    cpu: {{cores: 1}}
    memory: {{guest: 1Gi}}
    devices:
      gpus:
        - name: "{{{{ lookup('pipe', 'touch {marker}-gpu') }}}}"
          deviceName: nvidia.com/GA102GL_A10
"""


@pytest.mark.parametrize("playbook", ["render.yml", "launcher_resources.yml", "plan_placement.yml", "capacity.yml"])
def test_jinja_in_a_vmi_file_is_kept_as_text(tmp_path, playbook):
    marker = str(tmp_path / "ran")
    vmis = tmp_path / "vmis"
    vmis.mkdir()
    (vmis / "evil.yaml").write_text(VMI.format(marker=marker))
    out = tmp_path / "out"
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
               os.path.join(ROOT, "playbooks", playbook), "-e", "vmpod_vmi_dir=%s" % vmis,
               "-e", "vmpod_output_dir=%s" % out, "-e", "vmpod_host_file=%s" % HOST]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "vmis"], "a lookup in the VMI ran"
    if playbook == "render.yml":  # the Pod keeps labels and annotations: the text went through as text
        pod = (out / "evil" / "launcher-pod.yaml").read_text()
        assert "touch %s-label" % marker in pod and "touch %s-annotation" % marker in pod
