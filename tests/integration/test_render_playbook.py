# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/render.yml run for real: every example's launcher Pod passes the Kubernetes schema
and the API's resource rules, every domain passes libvirt's RNG schema (virt-xml-validate),
files equal the engine's models; one task renders all VMs; check mode writes nothing, a second
run changes nothing, diff mode shows what would change; hostile input is escaped and never
executed; bad input fails naming the field and writes nothing."""

import glob
import json
import os
import shutil
import subprocess

import kubernetes_validate
import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.domain.model import domain_model
from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.validation import resource_rule_errors
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm import kvm_usable
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm_device import check_kvm
from vmpod_playbooks import ROOT, ansible_playbook, changed, playbook

PLAYBOOK = playbook("render.yml")
EXAMPLES = os.path.join(ROOT, "examples", "vmis")
VIRTLET = os.path.join(ROOT, "examples", "virtlet")
SERVER = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")
VIRT_XML_VALIDATE = shutil.which("virt-xml-validate")
KUBERNETES_VERSION = "1.33.0"


def run(vmi_dir, out, *extra):
    return ansible_playbook(PLAYBOOK, "-e", "vmpod_vmi_dir=%s" % vmi_dir, "-e", "vmpod_output_dir=%s" % out, *extra)


def load_all(directory):
    objects = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path) as handle:
            for doc in yaml.safe_load_all(handle):
                if doc:
                    objects[doc["metadata"]["name"]] = doc
    return objects


def validate_domains(paths):
    if VIRT_XML_VALIDATE is None:
        pytest.skip("virt-xml-validate is missing: install Debian's libvirt-clients and "
                    "libxml2-utils (CI does)")
    for path in paths:
        done = subprocess.run([VIRT_XML_VALIDATE, path, "domain"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        assert done.returncode == 0, "%s: %s" % (path, done.stdout)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The examples rendered once for the dual-socket server (shared by the tests below)."""
    out = tmp_path_factory.mktemp("render") / "out"
    done = run(EXAMPLES, out, "-e", "vmpod_host_file=%s" % SERVER)
    assert done.returncode == 0, done.stdout[-3000:]
    return out, done.stdout


def test_one_task_writes_three_files_per_vm(rendered):
    out, stdout = rendered
    vmis = load_all(EXAMPLES)
    assert sorted(os.listdir(out)) == sorted(vmis)
    for name in vmis:
        assert sorted(os.listdir(out / name)) == ["domain.xml", "launcher-pod.yaml", "plan.json"]
    assert changed(stdout) == 1
    assert "%d VMs rendered" % len(vmis) in stdout


def test_pods_are_the_engines_and_pass_schema_and_resource_rules(rendered):
    out, _stdout = rendered
    for name, vmi in load_all(EXAMPLES).items():
        with open(out / name / "launcher-pod.yaml") as handle:
            pod = yaml.safe_load(handle)
        assert pod == launcher_pod(vmi), name
        kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)
        assert resource_rule_errors(pod) == [], name


def test_domains_pass_libvirts_schema_and_plans_are_the_engines(rendered):
    out, _stdout = rendered
    with open(SERVER) as handle:
        host = yaml.safe_load(handle)
    for name, vmi in load_all(EXAMPLES).items():
        with open(out / name / "plan.json") as handle:
            written = json.load(handle)
        expected = plan_placement(vmi, host)
        for key in ("fits", "cpuset", "vcpupin", "emulatorpin", "iothreadpin", "hugepages"):
            assert written[key] == expected[key], (name, key)
        assert written["host"] == "dual-socket-server"
        model = domain_model(vmi, expected, host)
        xml = (out / name / "domain.xml").read_text()
        assert "<name>%s</name>" % model["name"] in xml
        for pin in (model["cputune"] or {}).get("vcpupin", ()):
            assert "<vcpupin vcpu='%d' cpuset='%s'/>" % (pin["vcpu"], pin["cpuset"]) in xml
    validate_domains(sorted(glob.glob(str(out / "*" / "domain.xml"))))


def test_second_run_changes_nothing_and_diff_shows_a_change(rendered):
    out, _stdout = rendered
    again = run(EXAMPLES, out, "-e", "vmpod_host_file=%s" % SERVER)
    assert again.returncode == 0, again.stdout[-3000:]
    assert changed(again.stdout) == 0
    domain = out / "plain-fedora" / "domain.xml"
    original = domain.read_text()
    domain.write_text(original.replace("<acpi/>", "<acpi/><!-- edited -->"))
    preview = run(EXAMPLES, out, "-e", "vmpod_host_file=%s" % SERVER, "--check", "--diff")
    assert preview.returncode == 0, preview.stdout[-3000:]
    assert changed(preview.stdout) == 1
    assert "-    <acpi/><!-- edited -->" in preview.stdout
    assert "edited" in domain.read_text()  # check mode wrote nothing
    domain.write_text(original)


def test_check_mode_writes_nothing(tmp_path):
    out = tmp_path / "out"
    done = run(EXAMPLES, out, "-e", "vmpod_host_file=%s" % SERVER, "--check")
    assert done.returncode == 0, done.stdout[-3000:]
    assert changed(done.stdout) == 1
    assert not out.exists()


def test_this_machine_gets_the_pinned_small_domain(tmp_path):
    out = tmp_path / "out"
    done = run(EXAMPLES, out)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "rendered for localhost" in done.stdout
    with open(out / "pinned-small" / "plan.json") as handle:
        plan = json.load(handle)
    xml = (out / "pinned-small" / "domain.xml").read_text()
    # KVM when /dev/kvm creates a VM here, else QEMU's TCG, and the output says why
    domain_type = "kvm" if kvm_usable(check_kvm("/dev/kvm")) else "qemu"
    assert "<domain type='%s'>" % domain_type in xml and "<cpu mode='host-model'>" in xml
    assert ("domains get type qemu (TCG emulation)" in done.stdout) == (domain_type == "qemu")
    # pinned when this machine has 64 free 2Mi pages, else placed nowhere and not pinned
    assert ("<vcpupin " in xml) == plan["fits"]
    validate_domains([str(out / "pinned-small" / "domain.xml")])


def test_virtlet_pods_render_domains_and_plans(tmp_path):
    out = tmp_path / "out"
    done = run(VIRTLET, out, "-e", "vmpod_host_file=%s" % SERVER)
    assert done.returncode == 0, done.stdout[-3000:]
    for name in load_all(VIRTLET):
        assert sorted(os.listdir(out / name)) == ["domain.xml", "plan.json"]
    xml = (out / "licensed-app" / "domain.xml").read_text()
    assert "<uuid>53008994-44c0-4017-ad44-9c49758083da</uuid>" in xml
    assert "<feature policy='disable' name='avx'/>" in xml
    validate_domains(sorted(glob.glob(str(out / "*" / "domain.xml"))))


def test_hostile_input_is_escaped_and_never_executed(tmp_path):
    marker = tmp_path / "executed"
    hostile = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}</domain>'\"&\n\u2028" % marker
    vmi_dir = tmp_path / "vmis"
    vmi_dir.mkdir()
    (vmi_dir / "hostile.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
        "metadata": {"name": "hostile", "namespace": "ns",
                     "annotations": {"note": hostile, "raw": "{% raw %}"}},
        "spec": {"domain": {"cpu": {"model": hostile.replace("\n", " ").replace("\u2028", "")},
                            "firmware": {"serial": "{{ 7 * 7 }}"},
                            "resources": {"requests": {"memory": "64Mi"}}}}}))
    out = tmp_path / "out"
    done = run(vmi_dir, out, "-e", "vmpod_host_file=%s" % SERVER)
    assert done.returncode == 0, done.stdout[-3000:]
    assert not marker.exists()
    with open(out / "hostile" / "launcher-pod.yaml") as handle:
        pod = yaml.safe_load(handle)
    assert pod["metadata"]["annotations"]["note"] == hostile
    assert pod["metadata"]["annotations"]["raw"] == "{% raw %}"
    xml = (out / "hostile" / "domain.xml").read_text()
    assert "<entry name='serial'>{{ 7 * 7 }}</entry>" in xml
    validate_domains([str(out / "hostile" / "domain.xml")])


def test_bad_vmi_fails_naming_the_field_and_writes_nothing(tmp_path):
    vmi_dir = tmp_path / "vmis"
    vmi_dir.mkdir()
    shutil.copy(os.path.join(EXAMPLES, "01-plain-fedora.yaml"), vmi_dir)
    (vmi_dir / "bad.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
        "metadata": {"name": "broken"},
        "spec": {"domain": {"resources": {"requests": {"memory": "1Gi"}},
                            "devices": {"disks": [{"name": "root"}]}}}}))
    out = tmp_path / "out"
    done = run(vmi_dir, out, "-e", "vmpod_host_file=%s" % SERVER)
    assert done.returncode != 0
    assert "vmis[1](broken).spec.domain.devices.disks[0].name: 'root' has no volume" in done.stdout
    assert not out.exists()
