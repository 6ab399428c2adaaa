# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role inputs that reach configuration files, refused before the role writes anything.

The roles run for real with ansible-playbook on localhost; each bad value must stop the role at
its first task (so nothing on this machine is touched) with a message naming the variable and
the value. What good values do is tested on a real guest by the Molecule scenarios.
"""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_role(tmp_path, role, variables):
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False, "connection": "local",
        "roles": [{"role": "vmpod.core." + role}]}]))
    extra = tmp_path / "vars.json"
    extra.write_text(json.dumps(variables))
    # (the implicit localhost: it runs modules with this Python, not a discovered one)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook),
               "-e", "@" + str(extra)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def last_task(output):
    return [line for line in output.splitlines() if line.startswith("TASK [")][-1]


@pytest.mark.parametrize("variables, message", [
    # a newline and a RUN+= would add a udev rule that runs a program as root
    ({"kvm_host_kvm_mode": '0660"\nRUN+="/bin/touch /tmp/pwned'}, 'kvm_host_kvm_mode: "0660\\"\\nRUN+='),
    ({"kvm_host_kvm_mode": "0660\n"}, 'kvm_host_kvm_mode: "0660\\n" is not a file mode'),
    ({"kvm_host_kvm_mode": "rw-rw----"}, 'kvm_host_kvm_mode: "rw-rw----" is not a file mode'),
    ({"kvm_host_kvm_mode": 432}, 'kvm_host_kvm_mode: "432" is a number'),
    ({"kvm_host_kvm_group": "bad group"}, 'kvm_host_kvm_group: "bad group" is not a group name'),
    ({"kvm_host_kvm_group": 'kvm", MODE="0666'}, 'kvm_host_kvm_group: "kvm\\", MODE=\\"0666" is not a group name'),
])
def test_kvm_host_refuses_values_that_would_reach_the_udev_rule(tmp_path, variables, message):
    rules = "/etc/udev/rules.d/65-vmpod-kvm.rules"
    before = os.path.exists(rules) and open(rules).read()
    done = run_role(tmp_path, "kvm_host", variables)
    assert done.returncode == 2, done.stdout[-3000:]
    assert message in done.stdout.replace("\n        ", " "), done.stdout[-3000:]
    # the role's argument validation passed, its first task failed, nothing ran after it
    assert last_task(done.stdout).startswith("TASK [vmpod.core.kvm_host : Check the group and mode of /dev/kvm]")
    assert "changed=0" in done.stdout and "failed=1" in done.stdout
    assert (os.path.exists(rules) and open(rules).read()) == before


SPLIT = {"cpu_isolation_isolated": "1", "cpu_isolation_reserved": "0", "cpu_isolation_kubelet": "always",
         "cpu_isolation_kubelet_reserved_memory": [{"numa_node": 0, "memory": "1100Mi"}]}


@pytest.mark.parametrize("variables, message", [
    ({"cpu_isolation_kubelet_reserved_memory": [{"numa_node": 0, "memory": "1100Mi"},
                                                {"numa_node": 1, "memory": "1Gi\ncpuManagerPolicy: none"}]},
     'cpu_isolation_kubelet_reserved_memory[1].memory: "1Gi\\ncpuManagerPolicy: none" is not a memory quantity'),
    ({"cpu_isolation_kubelet_reserved_memory": [{"numa_node": 0, "memory": "lots"}]},
     'cpu_isolation_kubelet_reserved_memory[0].memory: "lots" is not a memory quantity'),
    ({"cpu_isolation_kubelet_config_dir": "etc/kubelet.conf.d"},
     'cpu_isolation_kubelet_config_dir: "etc/kubelet.conf.d" is not an absolute path'),
    ({"cpu_isolation_kubelet_config_dir": "/etc/kubelet conf.d"},
     'cpu_isolation_kubelet_config_dir: "/etc/kubelet conf.d" is not an absolute path'),
])
def test_cpu_isolation_refuses_kubelet_values_that_would_break_its_configuration(tmp_path, variables, message):
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("the split needs two CPUs here")
    done = run_role(tmp_path, "cpu_isolation", dict(SPLIT, **variables))
    assert done.returncode == 2, done.stdout[-3000:]
    assert message in done.stdout.replace("\n        ", " "), done.stdout[-3000:]
    assert last_task(done.stdout).startswith("TASK [vmpod.core.cpu_isolation : Check the kubelet inputs")
    assert "changed=0" in done.stdout and "failed=1" in done.stdout


@pytest.mark.parametrize("prefix", ["dev/hugepages", "/dev/huge pages", "/dev/hugepages\n[Unit]", "/dev/hugepages/"])
def test_hugepages_refuses_a_mount_prefix_that_would_reach_a_unit_file(tmp_path, prefix):
    done = run_role(tmp_path, "hugepages", {"hugepages_mount_prefix": prefix})
    assert done.returncode == 2, done.stdout[-3000:]
    assert "hugepages_mount_prefix: %s is not an absolute path" % json.dumps(prefix) in \
        done.stdout.replace("\n        ", " "), done.stdout[-3000:]
    assert last_task(done.stdout).startswith("TASK [vmpod.core.hugepages : Check the mount prefix")
    assert "changed=0" in done.stdout and "failed=1" in done.stdout


@pytest.mark.parametrize("answers, message", [
    ({"hugepages_pages_json": '[{"size": "2Mi", "count": 4'},
     "hugepages_pages_json: '[{\"size\": \"2Mi\", \"count\": 4' is not JSON text"),
    ({"cpu_isolation_kubelet_reserved_memory_json": '"1Gi"'},
     "cpu_isolation_kubelet_reserved_memory_json: '\"1Gi\"' must be a JSON list or mapping"),
])
def test_prepare_hosts_refuses_survey_json_that_is_no_list_before_any_role_runs(tmp_path, answers, message):
    """AWX survey answers for lists arrive as JSON text (<variable>_json, see survey_specs.yml);
    text that is no list stops playbooks/prepare_hosts.yml at its first task."""
    inventory = tmp_path / "hosts.json"
    inventory.write_text(json.dumps({"kvm_hosts": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    extra = tmp_path / "answers.json"
    extra.write_text(json.dumps(dict(answers, cpu_isolation_isolated="", kvm_host_nested="false")))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory),
               os.path.join(ROOT, "playbooks", "prepare_hosts.yml"), "-e", "@" + str(extra)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert done.returncode == 2, done.stdout[-3000:]
    assert message in done.stdout.replace("\n        ", " "), done.stdout[-3000:]
    assert last_task(done.stdout).startswith("TASK [Read the lists and mappings a survey gives as JSON text]")
    assert "changed=0" in done.stdout and "failed=1" in done.stdout
