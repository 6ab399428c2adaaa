# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the playbook tests share: ansible-playbook from this venv, run from the checkout with its
ansible.cfg, and the changed count of the play recap."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def playbook(name):
    """The path of playbooks/<name>."""
    return os.path.join(ROOT, "playbooks", name)


def ansible_playbook(*args, **env):
    """ansible-playbook with ``args``, from the checkout, with its ansible.cfg, no colours and
    ``env`` added to the environment; the output (standard error included) in ``stdout``."""
    environment = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    environment.update(env)
    return subprocess.run([ANSIBLE_PLAYBOOK] + [str(arg) for arg in args], cwd=ROOT, env=environment,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          check=False)


def changed(output):
    """The changed count of localhost in the play recap."""
    return int(re.search(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", output).group(1))
