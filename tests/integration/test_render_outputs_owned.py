# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The render's output directory is its own (render_vmis in real playbook runs): what an earlier
render wrote for VMs no longer in the input goes (check mode only reports it), files that are not
the render's stay, and nothing is written through a link."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples", "vmis")
SERVER = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")
PLAY = """---
- name: Render with render_vmis
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Render
      vmpod.core.render_vmis:
        src: {src}
        host: "{{{{ lookup('ansible.builtin.file', '{host}') | ansible.builtin.from_yaml }}}}"
        dest: "{dest}"
      register: rendered

    - name: Keep the result
      ansible.builtin.copy:
        content: "{{{{ rendered | ansible.builtin.to_json }}}}"
        dest: "{result}"
        mode: "0644"
      check_mode: false
"""


def render(tmp_path, files, dest, *extra):
    playbook = tmp_path / "play.yml"
    result = tmp_path / "result.json"
    playbook.write_text(PLAY.format(src=json.dumps([os.path.join(EXAMPLES, f) for f in files]),
                                    host=SERVER, dest=dest, result=result))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook)]
                          + list(extra), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    return done, (json.loads(result.read_text()) if done.returncode == 0 else None)


def test_outputs_of_vms_no_longer_rendered_go(tmp_path):
    dest = tmp_path / "out"
    done, first = render(tmp_path, ["01-plain-fedora.yaml", "02-overcommit-guest.yaml", "16-pinned-small.yaml"], dest)
    assert done.returncode == 0, done.stdout[-3000:]
    assert sorted(os.listdir(dest)) == ["overcommit-guest", "pinned-small", "plain-fedora"]
    (dest / "notes").mkdir()
    (dest / "notes" / "README").write_text("mine\n")
    (dest / "plain-fedora" / "my-notes.txt").write_text("mine too\n")
    # check mode reports what would go and removes nothing
    done, checked = render(tmp_path, ["16-pinned-small.yaml"], dest, "--check")
    assert done.returncode == 0, done.stdout[-3000:]
    assert checked["changed"], checked
    assert sorted(checked["removed"]) == [
        "overcommit-guest/domain.xml", "overcommit-guest/launcher-pod.yaml", "overcommit-guest/plan.json"]
    assert (dest / "overcommit-guest" / "domain.xml").exists()
    done, second = render(tmp_path, ["16-pinned-small.yaml"], dest)
    assert done.returncode == 0 and second["removed"] == checked["removed"]
    # the render's own directory went; one that holds anything else is not the render's and stays
    assert sorted(os.listdir(dest)) == ["notes", "pinned-small", "plain-fedora"]
    assert sorted(os.listdir(dest / "plain-fedora")) == ["domain.xml", "launcher-pod.yaml", "my-notes.txt", "plan.json"]
    done, third = render(tmp_path, ["16-pinned-small.yaml"], dest)
    assert done.returncode == 0 and not third["changed"] and third["removed"] == []
    os.unlink(dest / "plain-fedora" / "my-notes.txt")
    done, fourth = render(tmp_path, ["16-pinned-small.yaml"], dest)
    assert done.returncode == 0 and fourth["changed"] and len(fourth["removed"]) == 3
    assert sorted(os.listdir(dest)) == ["notes", "pinned-small"]


def test_nothing_is_written_through_a_link(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, dest / "pinned-small")
    done, _result = render(tmp_path, ["16-pinned-small.yaml"], dest)
    assert done.returncode == 2
    assert "dest: %s is a symbolic link" % (dest / "pinned-small") in done.stdout
    assert os.listdir(elsewhere) == []
