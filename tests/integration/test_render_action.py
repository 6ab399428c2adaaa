# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The render_vmis action in real playbook runs: VM files read by the action (``src``) render
the same files as VMs passed as data (``vmis``); the collection's templates through the plain
Jinja environment render the same as a user's copy of them through Ansible's templar; what the
files hold is data, never a template; bad ``src`` fails naming the file and writes nothing."""

import filecmp
import glob
import os
import shutil
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
  vars:
    separator: "\\n---\\n"
  tasks:
    - name: Render
      vmpod.core.render_vmis:
{args}
        host: "{{{{ lookup('ansible.builtin.file', '{host}') | ansible.builtin.from_yaml }}}}"
        dest: "{dest}"
"""


def play(tmp_path, name, args):
    path = tmp_path / ("%s.yml" % name)
    dest = tmp_path / name
    path.write_text(PLAY.format(args=args, host=SERVER, dest=dest))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                           str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    return done, dest


def same_tree(left, right):
    files = sorted(os.path.relpath(p, left) for p in glob.glob(str(left / "*" / "*")))
    assert files == sorted(os.path.relpath(p, right) for p in glob.glob(str(right / "*" / "*")))
    match, mismatch, errors = filecmp.cmpfiles(left, right, files, shallow=False)
    assert not mismatch and not errors
    return len(match)


def test_src_renders_what_vmis_renders(tmp_path):
    files = sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))
    from_src, src_out = play(tmp_path, "src", "        src: %r" % files)
    assert from_src.returncode == 0, from_src.stdout[-3000:]
    as_data, data_out = play(tmp_path, "data", """        vmis: >-
          {{{{ query('ansible.builtin.file', *{files}) | join(separator)
             | ansible.builtin.from_yaml_all | select | list }}}}""".format(files=files))
    assert as_data.returncode == 0, as_data.stdout[-3000:]
    assert same_tree(src_out, data_out) == 48  # 16 VMs: launcher Pod, domain and plan each


def test_a_copy_of_the_templates_through_the_templar_renders_the_same(tmp_path):
    user = tmp_path / "templates"
    shutil.copytree(os.path.join(ROOT, "templates"), user)
    files = sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))
    plain, plain_out = play(tmp_path, "plain", "        src: %r" % files)
    templar, templar_out = play(tmp_path, "templar", """        src: %r
        pod_template: %s
        domain_template: %s""" % (files, user / "launcher_pod.yaml.j2", user / "domain.xml.j2"))
    assert plain.returncode == 0 and templar.returncode == 0, templar.stdout[-3000:]
    assert same_tree(plain_out, templar_out) == 48


def test_what_a_file_holds_is_never_a_template(tmp_path):
    marker = tmp_path / "executed"
    vmi = tmp_path / "vmi.yaml"
    vmi.write_text("""apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: hostile
  annotations:
    note: "{{{{ lookup('ansible.builtin.pipe', 'touch {marker}') }}}}"
spec:
  domain:
    resources: {{requests: {{memory: 1Gi}}}}
""".format(marker=marker))
    done, out = play(tmp_path, "hostile", "        src: [%s]" % vmi)
    assert done.returncode == 0, done.stdout[-3000:]
    assert not marker.exists()
    assert "lookup('ansible.builtin.pipe'" in (out / "hostile" / "launcher-pod.yaml").read_text()


def test_bad_src_fails_naming_the_file_and_writes_nothing(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("metadata: {name: [\n")
    done, out = play(tmp_path, "broken", "        src: [%s]" % broken)
    assert done.returncode != 0
    assert "src: %s is not YAML" % broken in done.stdout
    assert not out.exists()
    missing = tmp_path / "missing.yaml"
    done, out = play(tmp_path, "missing", "        src: [%s]" % missing)
    assert done.returncode != 0 and "src: %s:" % missing in done.stdout and not out.exists()
    both, out = play(tmp_path, "both", "        src: [%s]\n        vmis: []" % missing)
    assert both.returncode != 0 and "give one of them, not both" in both.stdout


def _user_templates(tmp_path, pod_change=None, domain_change=None):
    user = tmp_path / "templates"
    shutil.copytree(os.path.join(ROOT, "templates"), user)
    for name, change in (("launcher_pod.yaml.j2", pod_change), ("domain.xml.j2", domain_change)):
        if change:
            path = user / name
            path.write_text(change(path.read_text()))
    return "        pod_template: %s\n        domain_template: %s" % (
        user / "launcher_pod.yaml.j2", user / "domain.xml.j2")


def test_files_that_do_not_read_back_fail_the_task_and_nothing_is_written(tmp_path):
    files = sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))
    cases = {
        # a user's template that writes a name raw: '<' and '&' break the XML
        "xml": _user_templates(tmp_path / "xml", domain_change=lambda text: text.replace(
            "<name>{{ domain.name | e }}</name>", "<name>{{ domain.name }} & co</name>")),
        # an element libvirt's schema does not know: parses, but libvirt refuses it
        "schema": _user_templates(tmp_path / "schema", domain_change=lambda text: text.replace(
            "<name>{{ domain.name | e }}</name>", "<name>{{ domain.name | e }}</name><vmpod-bogus/>", 1)),
        # a Pod template that writes another kind
        "pod": _user_templates(tmp_path / "pod", pod_change=lambda text: text.replace(
            "kind: {{ pod.kind | vmpod.core.yaml_flow }}", "kind: Deployment")),
    }
    expected = {"xml": "domain.xml is not XML", "schema": "libvirt's schema",
                "pod": "launcher-pod.yaml is not a v1 Pod"}
    for name, templates in cases.items():
        (tmp_path / name).mkdir(exist_ok=True)
        done, out = play(tmp_path / name, "out", "        src: %r\n%s" % (files, templates))
        assert done.returncode != 0, (name, done.stdout[-2000:])
        assert expected[name] in done.stdout and "nothing written" in done.stdout, (name, done.stdout[-2000:])
        assert not out.exists(), name


def test_what_was_checked_is_reported(tmp_path):
    files = sorted(glob.glob(os.path.join(EXAMPLES, "*.yaml")))
    path = tmp_path / "checked.yml"
    path.write_text(PLAY.format(args="        src: %r\n        domain_schema: required" % files, host=SERVER,
                                dest=tmp_path / "out").replace(
        "        dest: \"%s\"\n" % (tmp_path / "out"),
        "        dest: \"%s\"\n      register: done\n    - name: Show\n      ansible.builtin.debug:\n"
        "        var: done.checked\n" % (tmp_path / "out")))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(path)],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    if shutil.which("xmllint") is None:
        assert done.returncode != 0 and "domain_schema: required, but xmllint" in done.stdout
        return
    assert done.returncode == 0, done.stdout[-3000:]
    assert "pods: 16" in done.stdout and "domains: 16" in done.stdout, done.stdout[-2000:]
    assert "domain_schema: checked against /" in done.stdout


def test_a_launch_security_type_newer_than_this_libvirts_schema_is_said_not_checked(tmp_path):
    # an SEV-SNP guest rendered for a KubeVirt node (whose libvirt knows sev-snp) from a
    # controller whose libvirt schema may predate it (Debian 12: libvirt 9.0); SEV is checked
    vmis = tmp_path / "vmis"
    vmis.mkdir()
    for name, security in (("snp", "{snp: {}}"), ("sev", "{sev: {}}")):
        (vmis / ("%s.yaml" % name)).write_text(
            "apiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\n"
            "metadata: {name: %s, namespace: vms}\n"
            "spec:\n  domain:\n    resources: {requests: {memory: 1Gi}}\n"
            "    firmware: {bootloader: {efi: {secureBoot: false}}}\n"
            "    launchSecurity: %s\n    devices: {}\n" % (name, security))
    files = sorted(str(p) for p in vmis.iterdir())
    out = tmp_path / "out"
    path = tmp_path / "snp.yml"
    path.write_text(PLAY.format(args="        src: %r" % files, host=SERVER, dest=out).replace(
        "        dest: \"%s\"\n" % out,
        "        dest: \"%s\"\n      register: done\n    - name: Show\n      ansible.builtin.debug:\n"
        "        var: done.checked.domain_schema\n" % out))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(path)],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "<launchSecurity type='sev-snp'>" in (out / "snp" / "domain.xml").read_text()
    rng = "/usr/share/libvirt/schemas/domaincommon.rng"
    if shutil.which("xmllint") is None or not os.path.isfile(rng):
        return
    with open(rng) as handle:
        knows_snp = "<value>sev-snp</value>" in handle.read()
    printed = " ".join(done.stdout.split()).replace("''", "'")
    said = "not checked, as this libvirt's schema predates their launchSecurity type: snp (sev-snp)"
    assert "domain_schema: 'checked against /" in printed, printed[-2000:]
    assert (said in printed) is not knows_snp, printed[-2000:]
