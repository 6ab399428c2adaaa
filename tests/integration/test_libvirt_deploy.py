# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain XML proven on a real libvirtd with QEMU/KVM on this machine.

hack/libvirtd.sh installs Debian's libvirt and QEMU when missing, mounts hugetlbfs, allocates 2Mi
hugepages and starts libvirtd. playbooks/render.yml renders examples/vmis/16-pinned-small.yaml
(1 dedicated vCPU, 128Mi in 2Mi hugepages) and a variant of it with an isolated emulator thread
for this machine's topology; playbooks/deploy.yml defines and starts each (type='kvm'). Then,
through the libvirt API and the kernel: the vCPU and emulator pinning equal the plan
(OUT/<vmi>/plan.json), numatune is strict on the planned nodes, and each node's free 2Mi pages
dropped by exactly the planned count (guest memory / page size). Each VM is then undefined and
every page is back.

A second test runs vmpod.core.libvirt_domain through ansible-playbook: check mode defines
nothing, a second run changes nothing (libvirt's file for the domain is not even rewritten),
diff mode shows the XML change, and XML that libvirt's schema refuses fails and changes nothing.
"""

import glob
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.libvirt import domain_xml as libvirt_xml
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset

from vmpod_libvirt import NEEDS_KVM, ROOT, libvirt_for_tests

libvirt = pytest.importorskip("libvirt")

RENDER = os.path.join(ROOT, "playbooks", "render.yml")
DEPLOY = os.path.join(ROOT, "playbooks", "deploy.yml")
PINNED_SMALL = os.path.join(ROOT, "examples", "vmis", "16-pinned-small.yaml")
PAGE_KIB = 2048
# The test's VMs live in this namespace, so their domains (<namespace>_<name>) are the test's own.
NAMESPACE = "vmpod-test"
GUEST_MEMORY = 128 * 1024 * 1024  # 16-pinned-small.yaml's memory request
PAGES = GUEST_MEMORY // (PAGE_KIB * 1024)

pytestmark = NEEDS_KVM


@pytest.fixture(scope="module")
def connection():
    """libvirtd up with PAGES free 2Mi pages; afterwards the test's domains are gone and what
    hack/libvirtd.sh set up is undone (only the hugepages when libvirtd was running before)."""
    yield from libvirt_for_tests(NAMESPACE, PAGES)


def ansible_playbook(*args):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook")] + list(args)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def free_pages_per_node():
    """Free 2Mi hugepages of each NUMA node, from sysfs."""
    free = {}
    for path in glob.glob("/sys/devices/system/node/node*/hugepages/hugepages-%dkB/free_hugepages"
                          % PAGE_KIB):
        node = re.search(r"/node(\d+)/", path).group(1)
        with open(path) as handle:
            free[node] = int(handle.read())
    return free


def meminfo_free_pages():
    with open("/proc/meminfo") as handle:
        return int(re.search(r"^HugePages_Free:\s+(\d+)", handle.read(), re.M).group(1))


def kernel_affinity(pid, thread_name):
    """The CPUs the kernel lets the QEMU threads called ``thread_name`` run on."""
    cpus = set()
    for task in glob.glob("/proc/%d/task/*" % pid):
        with open(task + "/comm") as handle:
            if handle.read().strip() != thread_name:
                continue
        with open(task + "/status") as handle:
            text = handle.read()
        cpus |= parse_cpuset(re.search(r"^Cpus_allowed_list:\s+(\S+)", text, re.M).group(1))
    return cpus


@pytest.fixture(scope="module")
def rendered(connection, tmp_path_factory):
    """OUT/<vmi>/{domain.xml,plan.json} by playbooks/render.yml for this machine: the example as it
    is, and with its emulator thread isolated (2 pCPUs: all this machine has)."""
    vmi_dir = tmp_path_factory.mktemp("vmis")
    out = tmp_path_factory.mktemp("out")
    with open(PINNED_SMALL) as handle:
        vmi = yaml.safe_load(handle)
    vmi["metadata"]["namespace"] = NAMESPACE
    (vmi_dir / "pinned-small.yaml").write_text(yaml.safe_dump(vmi))
    vmi["metadata"]["name"] = "pinned-isolated"
    vmi["spec"]["domain"]["cpu"]["isolateEmulatorThread"] = True
    (vmi_dir / "pinned-isolated.yaml").write_text(yaml.safe_dump(vmi))
    done = ansible_playbook(RENDER, "-e", "vmpod_vmi_dir=%s" % vmi_dir,
                            "-e", "vmpod_output_dir=%s" % out)
    assert done.returncode == 0, done.stdout[-4000:]
    return out


@pytest.mark.parametrize("vmi", ["pinned-small", "pinned-isolated"])
def test_pinned_hugepage_vm_runs_where_the_plan_put_it(connection, rendered, vmi):
    with open(str(rendered / vmi / "plan.json")) as handle:
        plan = json.load(handle)
    assert plan["fits"], plan["reasons"]
    assert sum(plan["hugepages"]["per_node"].values()) == PAGES
    name = libvirt_xml.domain_name(
        libvirt_xml.read_domain((rendered / vmi / "domain.xml").read_text()))
    free_before = free_pages_per_node()
    total_before = meminfo_free_pages()

    deploy = [DEPLOY, "-e", "vmpod_output_dir=%s" % rendered, "-e", "vmpod_stop_mode=destroy",
              "-e", json.dumps({"vmpod_vmi_names": [vmi]})]
    deployed = ansible_playbook(*deploy)
    assert deployed.returncode == 0, deployed.stdout[-4000:]
    emulator = plan["emulatorpin"] or "0-%d" % (os.cpu_count() - 1)  # unpinned: any host CPU
    assert re.search(r"%s\s+running\s+live\s+%s\s+%s\s+strict" % (
        name, ",".join(map(str, plan["vcpupin"])), emulator), deployed.stdout), deployed.stdout

    domain = connection.lookupByName(name)
    assert domain.isActive()
    assert domain.info()[0] == libvirt.VIR_DOMAIN_RUNNING
    live = libvirt.VIR_DOMAIN_AFFECT_LIVE
    assert [sorted(libvirt_xml.cpus_of_map(m)) for m in domain.vcpuPinInfo(live)] == \
        [[pcpu] for pcpu in plan["vcpupin"]]
    assert libvirt_xml.cpus_of_map(domain.emulatorPinInfo(live)) == parse_cpuset(emulator)
    numa = domain.numaParameters(live)
    assert numa["numa_mode"] == libvirt.VIR_DOMAIN_NUMATUNE_MEM_STRICT
    assert parse_cpuset(numa["numa_nodeset"]) == {int(n) for n in plan["hugepages"]["per_node"]}

    # the kernel agrees: QEMU's vCPU thread ("CPU 0/KVM") and its main (emulator) thread run
    # only where the plan put them
    with open("/run/libvirt/qemu/%s.pid" % name) as handle:
        qemu = int(handle.read())
    assert kernel_affinity(qemu, "CPU 0/KVM") == {plan["vcpupin"][0]}
    assert kernel_affinity(qemu, "qemu-system-x86") == parse_cpuset(emulator)

    used = {node: free_before[node] - free for node, free in free_pages_per_node().items()}
    assert {node: count for node, count in used.items() if count} == \
        plan["hugepages"]["per_node"]
    assert total_before - meminfo_free_pages() == GUEST_MEMORY // (PAGE_KIB * 1024)

    again = ansible_playbook(*deploy)
    assert re.search(r"localhost\s+:\s+ok=\d+\s+changed=0\s", again.stdout), again.stdout

    removed = ansible_playbook(*(deploy + ["-e", "vmpod_state=absent"]))
    assert removed.returncode == 0, removed.stdout[-4000:]
    assert name not in [d.name() for d in connection.listAllDomains()]
    assert free_pages_per_node() == free_before


# Every step a task, so the module runs ten times in one ansible-playbook process; check and diff
# mode per task. stat of libvirt's own file for the domain shows whether libvirt rewrote it.
MODULE_PLAYBOOK = """---
- name: Apply one domain step by step and keep every result
  hosts: localhost
  gather_facts: false
  vars:
    first: "{{ lookup('ansible.builtin.file', xml_dir ~ '/first.xml') }}"
    second: "{{ lookup('ansible.builtin.file', xml_dir ~ '/second.xml') }}"
    refused: "{{ lookup('ansible.builtin.file', xml_dir ~ '/refused.xml') }}"
    config: /etc/libvirt/qemu/{{ name }}.xml
  tasks:
    - {name: New domain checked, vmpod.core.libvirt_domain: {xml: "{{ first }}", state: running},
       check_mode: true, diff: true, register: checked_new}
    - {name: Its file, ansible.builtin.stat: {path: "{{ config }}"}, register: after_check}
    - {name: Define and start, vmpod.core.libvirt_domain: {xml: "{{ first }}", state: running},
       register: created}
    - {name: Its file, ansible.builtin.stat: {path: "{{ config }}"}, register: written}
    - {name: Again, vmpod.core.libvirt_domain: {xml: "{{ first }}", state: running},
       register: again}
    - {name: Again in check mode, vmpod.core.libvirt_domain: {xml: "{{ first }}", state: running},
       check_mode: true, register: again_checked}
    - {name: Its file, ansible.builtin.stat: {path: "{{ config }}"}, register: after_again}
    - {name: Changed XML in check mode, vmpod.core.libvirt_domain: {xml: "{{ second }}"},
       check_mode: true, diff: true, register: change_checked}
    - {name: Its file, ansible.builtin.stat: {path: "{{ config }}"}, register: after_change_checked}
    - {name: Changed XML, vmpod.core.libvirt_domain: {xml: "{{ second }}"}, diff: true,
       register: changed}
    - {name: Its file, ansible.builtin.stat: {path: "{{ config }}"}, register: after_change}
    - {name: XML the schema refuses, vmpod.core.libvirt_domain: {xml: "{{ refused }}"},
       register: refused_result, ignore_errors: true}
    - {name: Its file, ansible.builtin.stat: {path: "{{ config }}"}, register: after_refused}
    - {name: Remove, vmpod.core.libvirt_domain: {name: "{{ name }}", state: absent,
                                                 stop_mode: destroy}, register: gone}
    - {name: Its file, ansible.builtin.stat: {path: "{{ config }}"}, register: after_gone}
    - name: Keep the results
      ansible.builtin.copy:
        dest: "{{ xml_dir }}/results.json"
        mode: "0644"
        content: >-
          {{ dict(steps | zip(steps | map('extract', vars))) | ansible.builtin.to_json }}
      vars:
        steps: [checked_new, after_check, created, written, again, again_checked, after_again,
                change_checked, after_change_checked, changed, after_change, refused_result,
                after_refused, gone, after_gone]
"""

PLAIN = """<domain type='kvm'>
  <name>%s</name>
  <memory unit='KiB'>65536</memory>
  <vcpu placement='static'>1</vcpu>
  <cputune><vcpupin vcpu='0' cpuset='%d'/></cputune>
  <os><type arch='x86_64'>hvm</type></os>
  <devices><memballoon model='none'/></devices>
</domain>
"""


def test_module_is_idempotent_checks_and_diffs_on_real_libvirt(connection, tmp_path):
    name = NAMESPACE + "_module"
    first, second = PLAIN % (name, 0), PLAIN % (name, 1)
    (tmp_path / "first.xml").write_text(first)
    (tmp_path / "second.xml").write_text(second)
    (tmp_path / "refused.xml").write_text(
        second.replace("placement='static'", "placement='everywhere'"))
    (tmp_path / "apply.yml").write_text(MODULE_PLAYBOOK)
    done = ansible_playbook(str(tmp_path / "apply.yml"), "-e",
                            json.dumps({"xml_dir": str(tmp_path), "name": name}))
    assert done.returncode == 0, done.stdout[-4000:]
    step = json.loads((tmp_path / "results.json").read_text())

    def mtime(stat):
        return stat["stat"]["mtime"]

    # check mode: reported, nothing defined; the "after" side is the XML as given
    assert step["checked_new"]["changed"] is True
    assert step["checked_new"]["domain_state"] == "absent"
    assert step["checked_new"]["diff"]["before"] == ""
    assert step["checked_new"]["diff"]["after"] == first.rstrip("\n")
    assert step["after_check"]["stat"]["exists"] is False

    assert step["created"]["changed"] is True and step["created"]["domain_state"] == "running"
    assert step["created"]["placement"]["vcpupin"] == [0]
    assert step["created"]["placement"]["source"] == "live"

    # the second run changes nothing, and libvirt was not even asked to redefine
    assert step["again"]["changed"] is False and step["again_checked"]["changed"] is False
    assert mtime(step["after_again"]) == mtime(step["written"])

    # a change in check mode: reported with a diff, libvirt's file untouched
    assert step["change_checked"]["changed"] is True
    assert "cpuset='0'" in step["change_checked"]["diff"]["before"]
    assert "cpuset='1'" in step["change_checked"]["diff"]["after"]
    assert mtime(step["after_change_checked"]) == mtime(step["written"])

    # the change made: the diff is libvirt's XML before and after, one line apart
    changed = step["changed"]
    assert changed["changed"] is True and changed["restart_required"] is True
    before = changed["diff"]["before"].splitlines()
    after = changed["diff"]["after"].splitlines()
    assert [line for line in before if line not in after] == ["    <vcpupin vcpu='0' cpuset='0'/>"]
    assert [line for line in after if line not in before] == ["    <vcpupin vcpu='0' cpuset='1'/>"]
    assert changed["placement"]["vcpupin"] == [0]  # the running guest keeps its definition

    refused = step["refused_result"]
    assert refused["failed"] is True
    assert "failed to validate against schema" in refused["msg"] and "vcpu" in refused["msg"]
    assert mtime(step["after_refused"]) == mtime(step["after_change"])

    assert step["gone"]["changed"] is True and step["gone"]["domain_state"] == "absent"
    assert step["after_gone"]["stat"]["exists"] is False
    assert name not in [d.name() for d in connection.listAllDomains()]
