# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.host_cpu_info and vmpod.core.libvirt_domain on the real libvirtd of this machine.

The probe's answer, whatever this host's quirks are, is checked against libvirt itself: a
host-model domain with the features it names disabled starts; when it names features, the same
domain without them does not. A cached answer is the same answer, and check mode writes no cache.
A domain that libvirt defines but cannot start is undefined again, with libvirt's words and the
rollback in the error; a domain of the same name that the collection did not make is refused and
left as it was; a stopped one the collection made with another UUID is replaced.
"""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.libvirt.domcapabilities import sev_capabilities
from vmpod_libvirt import NEEDS_KVM, ROOT, URI, script

libvirt = pytest.importorskip("libvirt")

# every domain of these tests has this prefix, so the fixture can clean up after a failure
PREFIX = "vmpod-test-cpu"

pytestmark = NEEDS_KVM


@pytest.fixture(scope="module")
def connection():
    """libvirtd up; afterwards the tests' domains are gone and libvirtd is as it was."""
    was_running = script("status").returncode == 0
    started = script("start", "0")
    assert started.returncode == 0, started.stdout
    conn = libvirt.open(URI)
    libvirt.registerErrorHandler(lambda _context, _error: None, None)
    yield conn
    for domain in conn.listAllDomains():
        if domain.name().startswith(PREFIX):
            if domain.isActive():
                domain.destroy()
            if domain.isPersistent():
                domain.undefine()
    conn.close()
    if not was_running:
        done = script("stop")
        assert done.returncode == 0, done.stdout


def ansible_playbook(path, extra):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(path),
               "-e", json.dumps(extra)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)


def run_tasks(tmp_path, tasks, extra):
    """Run ``tasks`` (YAML text) on localhost; every registered result lands in results.json."""
    playbook = tmp_path / "play.yml"
    playbook.write_text("""---
- name: Tasks of the test
  hosts: localhost
  gather_facts: false
  tasks:
%s
    - name: Keep the results
      ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0644"
        content: "{{ dict(steps | zip(steps | map('extract', vars))) | ansible.builtin.to_json }}"
""" % tasks)
    extra = dict(extra, out=str(tmp_path / "results.json"))
    done = ansible_playbook(playbook, extra)
    assert done.returncode == 0, done.stdout[-4000:]
    return json.loads((tmp_path / "results.json").read_text())


PROBE_TASKS = """
    - {name: Probe, vmpod.core.host_cpu_info: {cache_path: "{{ cache }}", refresh: true},
       register: cold}
    - {name: Again, vmpod.core.host_cpu_info: {cache_path: "{{ cache }}"}, register: cached}
    - {name: In check mode, vmpod.core.host_cpu_info: {cache_path: "{{ cache2 }}"},
       check_mode: true, register: checked}
    - {name: No cache written in check mode, ansible.builtin.stat: {path: "{{ cache2 }}"},
       register: cache2_stat}
    - ansible.builtin.set_fact: {steps: [cold, cached, checked, cache2_stat]}
"""


def host_model_domain(name, disabled):
    features = "".join("<feature policy='disable' name='%s'/>" % f for f in disabled)
    return ("<domain type='kvm'><name>%s</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>"
            "<os><type>hvm</type></os><cpu mode='host-model'>%s</cpu>"
            "<devices><memballoon model='none'/></devices></domain>" % (name, features))


def starts(connection, xml):
    """Whether libvirt starts the transient domain ``xml`` (paused; destroyed at once)."""
    try:
        domain = connection.createXML(xml, libvirt.VIR_DOMAIN_START_PAUSED)
    except libvirt.libvirtError as exc:
        return False, str(exc)
    domain.destroy()
    return True, None


@pytest.fixture(scope="module")
def probed(connection, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("probe")
    return run_tasks(tmp_path, PROBE_TASKS, {"cache": str(tmp_path / "cache.json"),
                                             "cache2": str(tmp_path / "cache2.json")})


def test_the_probes_answer_lets_a_host_model_domain_start(connection, probed):
    facts = probed["cold"]["host_cpu"]
    assert facts["host_model_supported"], facts
    assert facts["probe"]["status"] in ("starts", "fixed"), facts["probe"]
    assert not facts["probe"]["cached"] and facts["probe"]["trials"] >= 1
    unsettable = facts["unsettable_features"]
    enabled = [f["name"] for f in facts["features"] if f["policy"] != "disable"]
    assert set(unsettable) <= set(enabled)
    assert facts["cpu_features"] == [{"name": n, "policy": "disable"} for n in unsettable]
    started, message = starts(connection, host_model_domain(PREFIX + "-fixed", unsettable))
    assert started, message
    if unsettable:  # the probe's claim: host-model as libvirt gives it does not start here
        assert facts["probe"]["status"] == "fixed" and facts["probe"]["error"]
        assert not starts(connection, host_model_domain(PREFIX + "-as-is", []))[0]
    else:
        assert facts["probe"]["status"] == "starts"


def test_the_sev_facts_are_libvirts(connection, probed):
    # what this host's domain capabilities say of AMD SEV, read by our own parser from the same
    # document libvirt gives anyone (here: an EPYC host whose KVM offers no SEV, or one that does)
    facts = probed["cold"]["host_cpu"]["sev"]
    expected = sev_capabilities(connection.getDomainCapabilities(None, None, None, "kvm", 0))
    assert facts == expected
    assert set(facts) == {"supported", "cbitpos", "reduced_phys_bits", "max_guests", "max_es_guests"}
    if facts["supported"]:
        assert facts["cbitpos"] is not None and facts["reduced_phys_bits"] is not None
    else:
        assert facts["cbitpos"] is None


def test_a_cached_answer_is_the_same_and_check_mode_writes_no_cache(probed):
    cold, cached = probed["cold"]["host_cpu"], probed["cached"]["host_cpu"]
    assert cached["probe"]["cached"] is True and cached["probe"]["trials"] == 0
    assert cached["probe"]["key"] == cold["probe"]["key"]
    assert cached["unsettable_features"] == cold["unsettable_features"]
    assert probed["checked"]["host_cpu"]["unsettable_features"] == cold["unsettable_features"]
    assert probed["cache2_stat"]["stat"]["exists"] is False
    assert not any(r["changed"] for r in (probed["cold"], probed["cached"], probed["checked"]))


# A domain libvirt defines but cannot start, on any host: its disk file does not exist.
CANNOT_START = """<domain type='kvm'>
  <name>%s</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/nonexistent/vmpod-test-missing.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <memballoon model='none'/>
  </devices>
</domain>
"""
PLAIN = """<domain type='kvm'>
  <name>%s</name>%s
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices><memballoon model='none'/></devices>
</domain>
"""

APPLY_TASKS = """
    - {name: Apply, vmpod.core.libvirt_domain: {xml: "{{ xml }}", state: running},
       register: applied, ignore_errors: true}
    - {name: Again, vmpod.core.libvirt_domain: {xml: "{{ xml }}", state: running},
       register: again, ignore_errors: true}
    - ansible.builtin.set_fact: {steps: [applied, again]}
"""


def names(connection):
    return [d.name() for d in connection.listAllDomains()]


def test_a_domain_that_cannot_start_is_undefined_again(connection, tmp_path):
    name = PREFIX + "-cannot-start"
    step = run_tasks(tmp_path, APPLY_TASKS, {"xml": CANNOT_START % name})
    for result in (step["applied"], step["again"]):  # the second run meets no leftover
        assert result["failed"] is True and result["changed"] is False
        assert "vmpod-test-missing.qcow2" in result["msg"]  # what libvirt said
        assert result["msg"].endswith(
            "; rolled back: undefined %s, which this run had defined" % name)
        assert "already" not in result["msg"]
    assert name not in names(connection)


def test_a_domain_the_collection_did_not_make_is_refused_untouched(connection, tmp_path):
    name = PREFIX + "-foreign"
    foreign = connection.defineXML(PLAIN % (name, ""))  # as virsh define would
    before = foreign.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    try:
        step = run_tasks(tmp_path, APPLY_TASKS, {"xml": PLAIN % (name, "")})
        result = step["applied"]
        assert result["failed"] is True and not result.get("changed")
        assert "is a domain that vmpod.core did not define" in result["msg"]
        assert connection.lookupByName(name).XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) == before
        assert not connection.lookupByName(name).isActive()
    finally:
        foreign.undefine()


def test_a_stopped_domain_the_collection_made_is_replaced(connection, tmp_path):
    name = PREFIX + "-leftover"
    tasks = """
    - {name: Define (an earlier run), vmpod.core.libvirt_domain: {xml: "{{ first }}"},
       register: first_run}
    - {name: Another UUID, vmpod.core.libvirt_domain: {xml: "{{ second }}", state: running},
       register: replaced}
    - {name: Remove, vmpod.core.libvirt_domain: {name: "{{ name }}", state: absent,
                                                 stop_mode: destroy}, register: gone}
    - ansible.builtin.set_fact: {steps: [first_run, replaced, gone]}
"""
    uuids = ("5d1a1c3e-0000-4000-8000-000000000001", "5d1a1c3e-0000-4000-8000-000000000002")
    step = run_tasks(tmp_path, tasks, {
        "name": name,
        "first": PLAIN % (name, "\n  <uuid>%s</uuid>" % uuids[0]),
        "second": PLAIN % (name, "\n  <uuid>%s</uuid>" % uuids[1])})
    assert step["first_run"]["uuid"] == uuids[0]
    assert step["replaced"]["changed"] is True and step["replaced"]["uuid"] == uuids[1]
    assert step["replaced"]["domain_state"] == "running"
    assert step["gone"]["domain_state"] == "absent"
    assert name not in names(connection)
