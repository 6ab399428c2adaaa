# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of playbooks/render.yml; prints figures, asserts nothing (the target is in the README).

One ``ansible-playbook playbooks/render.yml`` over N VMIs (default 1,000: copies of
examples/vmis/ with unique names) planned on the dual-socket example host, writing a launcher
Pod, a domain and a plan per VM - wall time, target at most 5 s. Beside it, the same output
made the naive way: a throwaway playbook (written to a temporary directory) that computes the
same models with the vmpod.core.render_models filter and then runs an
``ansible.builtin.template`` task looping over the VMs for each file. Both outputs are compared
file by file, so the ratio compares equal work.

    python bench/bench_render.py [--vmis 1000] [--naive-vmis 50]

The naive playbook costs about two seconds per VM here, so by default it runs over 50 VMs and
its time is scaled linearly to N (the output says so); ``--naive-vmis 0`` runs it over all N.
"""

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLAYBOOK = os.path.join(ROOT, "playbooks", "render.yml")
HOST_FILE = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")
TEMPLATES = os.path.join(ROOT, "templates")
TARGET_S = 5.0

NAIVE_PLAYBOOK = """---
- name: Render VMs the naive way (a template task looping over the VMs)
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    separator: "\\n---\\n"
  tasks:
    - name: Compute every model in one filter call
      ansible.builtin.set_fact:
        models: >-
          {{{{ query('ansible.builtin.file', *files) | join(separator)
             | ansible.builtin.from_yaml_all | select | list
             | vmpod.core.render_models(host=lookup('ansible.builtin.file', '{host_file}')
                                        | from_yaml) }}}}
      vars:
        files: "{{{{ query('ansible.builtin.fileglob', '{vmi_dir}/*.yaml') | sort }}}}"

    - name: One directory per VM
      ansible.builtin.file:
        path: "{out}/{{{{ item.name }}}}"
        state: directory
        mode: "0755"
      loop: "{{{{ models }}}}"

    - name: One launcher Pod per VM
      ansible.builtin.template:
        src: {templates}/launcher_pod.yaml.j2
        dest: "{out}/{{{{ item.name }}}}/launcher-pod.yaml"
        mode: "0644"
        lstrip_blocks: true
      vars:
        pod: "{{{{ item.pod }}}}"
      loop: "{{{{ models }}}}"

    - name: One domain per VM
      ansible.builtin.template:
        src: {templates}/domain.xml.j2
        dest: "{out}/{{{{ item.name }}}}/domain.xml"
        mode: "0644"
        lstrip_blocks: true
      vars:
        domain: "{{{{ item.domain }}}}"
      loop: "{{{{ models }}}}"

    - name: One plan per VM
      ansible.builtin.copy:
        content: "{{{{ item.plan | combine(extra) | to_nice_json(indent=2) }}}}\\n"
        dest: "{out}/{{{{ item.name }}}}/plan.json"
        mode: "0644"
      vars:
        extra:
          namespace: "{{{{ item.namespace }}}}"
          kind: "{{{{ item.kind }}}}"
          host: "{{{{ (lookup('ansible.builtin.file', '{host_file}') | from_yaml).name }}}}"
          launcher_resources: "{{{{ item.resources }}}}"
      loop: "{{{{ models }}}}"
"""


def write_vmis(directory, count):
    examples = []
    for name in sorted(os.listdir(os.path.join(ROOT, "examples", "vmis"))):
        with open(os.path.join(ROOT, "examples", "vmis", name)) as handle:
            examples.append(yaml.safe_load(handle))
    os.makedirs(directory)
    for index in range(count):
        vmi = yaml.safe_load(yaml.safe_dump(examples[index % len(examples)]))
        vmi["metadata"]["name"] = "%s-%04d" % (vmi["metadata"]["name"], index)
        with open(os.path.join(directory, "vm-%04d.yaml" % index), "w") as handle:
            yaml.safe_dump(vmi, handle)


def run(command):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit("%s failed:\n%s" % (" ".join(command[:2]), done.stdout[-3000:]))
    return elapsed


def ansible_playbook():
    return os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


def render_playbook(vmi_dir, out):
    return run([ansible_playbook(), PLAYBOOK, "-e", "vmpod_vmi_dir=%s" % vmi_dir,
                "-e", "vmpod_output_dir=%s" % out, "-e", "vmpod_host_file=%s" % HOST_FILE])


def naive_playbook(workdir, vmi_dir, out):
    path = os.path.join(workdir, "naive.yml")
    with open(path, "w") as handle:
        handle.write(NAIVE_PLAYBOOK.format(vmi_dir=vmi_dir, host_file=HOST_FILE, out=out,
                                           templates=TEMPLATES))
    return run([ansible_playbook(), path])


def same_output(left, right):
    """Names of VM directories whose files differ (launcher Pod, domain; plans as data)."""
    differing = []
    for name in sorted(os.listdir(right)):
        for file_name in ("launcher-pod.yaml", "domain.xml"):
            one, other = os.path.join(left, name, file_name), os.path.join(right, name, file_name)
            if os.path.exists(one) != os.path.exists(other) or (
                    os.path.exists(one) and not filecmp.cmp(one, other, shallow=False)):
                differing.append("%s/%s" % (name, file_name))
        with open(os.path.join(left, name, "plan.json")) as one, \
                open(os.path.join(right, name, "plan.json")) as other:
            if yaml.safe_load(one) != yaml.safe_load(other):
                differing.append("%s/plan.json" % name)
    return differing


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vmis", type=int, default=1000)
    parser.add_argument("--naive-vmis", type=int, default=50,
                        help="VMs for the naive run, its time scaled to --vmis (default 50; 0: "
                        "all of them - half an hour for 1,000)")
    args = parser.parse_args()
    naive_count = args.naive_vmis or args.vmis
    workdir = tempfile.mkdtemp(prefix="vmpod-bench-render-")
    try:
        vmi_dir = os.path.join(workdir, "vmis")
        write_vmis(vmi_dir, args.vmis)
        out = os.path.join(workdir, "out")
        fast = render_playbook(vmi_dir, out)
        again = render_playbook(vmi_dir, out)
        naive_dir = vmi_dir
        if naive_count != args.vmis:
            naive_dir = os.path.join(workdir, "naive-vmis")
            write_vmis(naive_dir, naive_count)
        naive_out = os.path.join(workdir, "naive-out")
        naive = naive_playbook(workdir, naive_dir, naive_out)
        reference = out
        if naive_count != args.vmis:
            reference = os.path.join(workdir, "out-subset")
            render_playbook(naive_dir, reference)
        differing = same_output(reference, naive_out)
        files = sum(len(names) for _root, _dirs, names in os.walk(out))
        naive_scaled = naive * args.vmis / naive_count
        print("render.yml, %d VMIs (%d files: launcher Pod, domain, plan): %.1f s wall "
              "(target <= %.0f s); second run, nothing to change: %.1f s"
              % (args.vmis, files, fast, TARGET_S, again))
        scaled = "" if naive_count == args.vmis else \
            " (measured over %d VMIs: %.1f s, scaled linearly)" % (naive_count, naive)
        print("naive playbook (template / copy task looping over the VMs): %.1f s%s"
              % (naive_scaled, scaled))
        print("ratio naive / render.yml: %.1fx; outputs %s"
              % (naive_scaled / fast, "identical" if not differing else
                 "DIFFER in %d files, e.g. %s" % (len(differing), ", ".join(differing[:3]))))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
