# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.libvirt_domain run as Ansible runs it, against a stand-in for libvirt that keeps
definitions the way libvirtd does: it adds a UUID and defaults to what it is given, keeps
<metadata> elements set with virDomainSetMetadata, and refuses a second domain of a name.
tests/integration/test_libvirt_domain.py runs the same module against a real libvirtd."""

import types
import xml.etree.ElementTree as ET
from unittest import mock

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.libvirt import domain_xml as libvirt_xml
from ansible_collections.vmpod.core.plugins.modules import libvirt_domain

from vmpod_modules import module_result

XML = """<domain type='kvm'>
  <name>pinned-small</name>
  <memory unit='KiB'>131072</memory>
  <vcpu placement='static'>1</vcpu>
  <cputune><vcpupin vcpu='0' cpuset='0'/><emulatorpin cpuset='1'/></cputune>
  <numatune><memory mode='strict' nodeset='0'/></numatune>
  <os><type arch='x86_64'>hvm</type></os>
</domain>"""

INACTIVE, SECURE, VALIDATE = 2, 1, 1
LIVE, CONFIG = 1, 2
RUNNING, PAUSED, SHUTOFF = 1, 3, 5


class FakeLibvirtError(Exception):
    def __init__(self, message, code=1):
        super(FakeLibvirtError, self).__init__(message)
        self.code = code

    def get_error_code(self):
        return self.code


class FakeDomain:
    def __init__(self, host, root):
        self.host = host
        self.root = root
        self.state_code = SHUTOFF
        self.autostart_flag = 0
        self.ignores_shutdown = False

    # what libvirt does to a definition: defaults in, UUID kept
    @staticmethod
    def with_defaults(root):
        if root.find("currentMemory") is None:
            current = ET.Element("currentMemory", {"unit": "KiB"})
            current.text = root.findtext("memory")
            root.insert(list(root).index(root.find("memory")) + 1, current)
        machine = root.find("os/type")
        if machine is not None and machine.get("machine") in (None, "pc"):
            machine.set("machine", "pc-i440fx-7.2")
        return root

    def XMLDesc(self, flags=0):
        shown = ET.fromstring(ET.tostring(self.root))
        ET.indent(shown)  # one element per line, as libvirt writes it
        return ET.tostring(shown, encoding="unicode")

    def UUIDString(self):
        return self.root.findtext("uuid")

    def name(self):
        return self.root.findtext("name")

    def isActive(self):
        return self.state_code in (RUNNING, PAUSED)

    def state(self):
        return [self.state_code, 1]

    def create(self):
        self.host.calls.append(("create", self.name()))
        if self.host.start_error:
            raise FakeLibvirtError(self.host.start_error)
        self.state_code = RUNNING

    def resume(self):
        self.host.calls.append(("resume", self.name()))
        self.state_code = RUNNING

    def destroy(self):
        self.host.calls.append(("destroy", self.name()))
        self.state_code = SHUTOFF

    def shutdown(self):
        self.host.calls.append(("shutdown", self.name()))
        if not self.ignores_shutdown:
            self.state_code = SHUTOFF

    def undefineFlags(self, flags):
        self.host.calls.append(("undefine", self.name(), flags))
        del self.host.domains[self.name()]

    def autostart(self):
        return self.autostart_flag

    def setAutostart(self, value):
        self.host.calls.append(("autostart", self.name(), value))
        self.autostart_flag = value

    def setMetadata(self, kind, text, prefix, uri, flags):
        self.host.calls.append(("metadata", self.name()))
        assert (kind, prefix, uri, flags) == (2, "vmpod", libvirt_xml.RECORD_NAMESPACE, CONFIG)
        metadata = self.root.find("metadata")
        if metadata is None:
            metadata = ET.Element("metadata")
            self.root.insert(2, metadata)
        for old in metadata.findall("{%s}applied" % uri):
            metadata.remove(old)
        element = ET.fromstring(text)
        element.tag = "{%s}%s" % (uri, element.tag)
        metadata.append(element)

    def vcpuPinInfo(self, flags):
        return [(True, False)]

    def emulatorPinInfo(self, flags):
        return (False, True)

    def ioThreadInfo(self, flags):
        return []

    def numaParameters(self, flags):
        return {"numa_mode": 0, "numa_nodeset": "0"}


class FakeHost:
    """libvirtd with its domains by name, recording every call that changes something."""

    def __init__(self):
        self.domains = {}
        self.calls = []
        self.opened = []
        self.start_error = None  # what QEMU says when a domain cannot start

    def open(self, uri):
        self.opened.append(uri)
        if uri.startswith("qemu+ssh://"):
            raise FakeLibvirtError("Cannot recv data: Host key verification failed.")
        return self

    def close(self):
        pass

    def lookupByName(self, name):
        if name not in self.domains:
            raise FakeLibvirtError("Domain not found: no domain with matching name '%s'" % name,
                                   code=42)
        return self.domains[name]

    def defineXMLFlags(self, text, flags):
        assert flags in (0, VALIDATE)
        root = ET.fromstring(text)
        if root.find("memory") is None:
            raise FakeLibvirtError("XML document failed to validate against schema")
        name = root.findtext("name")
        self.calls.append(("define", name))
        existing = self.domains.get(name)
        if existing is not None:
            if root.findtext("uuid") != existing.UUIDString():
                raise FakeLibvirtError("operation failed: domain '%s' already exists" % name)
            existing.root = FakeDomain.with_defaults(root)
            return existing
        if root.find("uuid") is None:
            uuid = ET.Element("uuid")
            uuid.text = "1541c6de-68aa-432a-82aa-24ff860da0b0"
            root.insert(1, uuid)
        domain = FakeDomain(self, FakeDomain.with_defaults(root))
        self.domains[name] = domain
        return domain

    def changes(self):
        made, self.calls = self.calls, []
        return made


def fake_libvirt(host):
    return types.SimpleNamespace(
        open=host.open, libvirtError=FakeLibvirtError, VIR_ERR_NO_DOMAIN=42,
        VIR_DOMAIN_XML_INACTIVE=INACTIVE, VIR_DOMAIN_XML_SECURE=SECURE,
        VIR_DOMAIN_DEFINE_VALIDATE=VALIDATE, VIR_DOMAIN_METADATA_ELEMENT=2,
        VIR_DOMAIN_AFFECT_LIVE=LIVE, VIR_DOMAIN_AFFECT_CONFIG=CONFIG,
        VIR_DOMAIN_UNDEFINE_MANAGED_SAVE=1, VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA=2,
        VIR_DOMAIN_UNDEFINE_NVRAM=4, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA=32)


@pytest.fixture
def host():
    fake = FakeHost()
    with mock.patch.object(libvirt_domain, "libvirt", fake_libvirt(fake)), \
            mock.patch.object(libvirt_domain, "LIBVIRT_ERRORS", (FakeLibvirtError,)), \
            mock.patch.object(libvirt_domain, "APPLY_ERRORS", (FakeLibvirtError, TimeoutError)), \
            mock.patch.object(libvirt_domain, "SHUTDOWN_POLL_SECONDS", 0.01):
        yield fake


def run_module(capsys, **args):
    """main() with ``args``, as Ansible would call it: the parsed JSON result."""
    return module_result(libvirt_domain.main, capsys, args)


def test_defines_then_changes_nothing_on_the_second_run(host, capsys):
    first = run_module(capsys, xml=XML)
    assert first["changed"] is True
    assert first["name"] == "pinned-small" and first["domain_state"] == "shutoff"
    assert host.changes() == [("define", "pinned-small"), ("metadata", "pinned-small")]
    second = run_module(capsys, xml=XML)
    assert second["changed"] is False
    assert host.changes() == []  # not even a redefinition
    assert second["uuid"] == "1541c6de-68aa-432a-82aa-24ff860da0b0"


def test_the_same_xml_in_another_layout_is_no_change(host, capsys):
    run_module(capsys, xml=XML)
    host.changes()
    relaid = XML.replace("'", '"').replace("\n  ", "\n      ")
    assert run_module(capsys, xml=relaid)["changed"] is False
    assert host.changes() == []


def test_a_changed_xml_is_defined_and_the_diff_shows_libvirts_xml(host, capsys):
    run_module(capsys, xml=XML)
    host.changes()
    changed = XML.replace("<vcpupin vcpu='0' cpuset='0'/>", "<vcpupin vcpu='0' cpuset='1'/>")
    result = run_module(capsys, xml=changed, _ansible_diff=True)
    assert result["changed"] is True
    assert host.changes() == [("define", "pinned-small"), ("metadata", "pinned-small")]
    assert 'cpuset="0"' in result["diff"]["before"] and 'cpuset="1"' in result["diff"]["after"]
    # the record is bookkeeping, not part of what the diff shows
    assert "applied" not in result["diff"]["before"] + result["diff"]["after"]
    assert "currentMemory" in result["diff"]["after"]  # libvirt's definition, defaults included


def test_check_mode_defines_nothing(host, capsys):
    result = run_module(capsys, xml=XML, state="running", _ansible_check_mode=True,
                        _ansible_diff=True)
    assert result["changed"] is True
    assert result["domain_state"] == "absent"
    assert result["diff"]["before"] == "" and result["diff"]["after"] == XML
    assert host.changes() == [] and host.domains == {}
    run_module(capsys, xml=XML)
    host.changes()
    assert run_module(capsys, xml=XML, _ansible_check_mode=True)["changed"] is False
    changed = XML.replace("131072", "262144")
    assert run_module(capsys, xml=changed, _ansible_check_mode=True)["changed"] is True
    assert host.changes() == []


def test_a_definition_changed_behind_the_modules_back_is_put_right(host, capsys):
    run_module(capsys, xml=XML)
    host.changes()
    domain = host.domains["pinned-small"]
    domain.root.find("cputune/vcpupin").set("cpuset", "1")  # virsh edit by someone
    assert run_module(capsys, xml=XML, _ansible_check_mode=True)["changed"] is True
    result = run_module(capsys, xml=XML)
    assert result["changed"] is True
    assert domain.root.find("cputune/vcpupin").get("cpuset") == "0"


def test_an_adopted_domain_defined_elsewhere_is_redefined_once_and_reported_unchanged(host, capsys):
    # defined by virsh with the same XML: no record, so the module defines once to learn
    host.defineXMLFlags(XML, VALIDATE)
    host.changes()
    assert run_module(capsys, xml=XML, adopt=True, _ansible_check_mode=True)["changed"] is True
    result = run_module(capsys, xml=XML, adopt=True)
    assert result["changed"] is False
    assert host.changes() == [("define", "pinned-small"), ("metadata", "pinned-small")]
    assert run_module(capsys, xml=XML)["changed"] is False
    assert host.changes() == []


@pytest.mark.parametrize("state", ["present", "running", "stopped"])
def test_a_domain_defined_elsewhere_is_refused_untouched(host, capsys, state):
    host.defineXMLFlags(XML.replace("131072", "262144"), VALIDATE)
    host.changes()
    before = definition(host)
    for check_mode in (True, False):
        result = run_module(capsys, xml=XML, state=state, _ansible_check_mode=check_mode)
        assert result["failed"] is True and not result.get("changed")
        assert result["msg"].startswith(
            "xml/domain/name: 'pinned-small' is a domain that vmpod.core did not define")
        assert "adopt=true" in result["msg"]
    assert host.changes() == []
    assert definition(host) == before


def test_xml_without_uuid_keeps_the_domains_uuid(host, capsys):
    run_module(capsys, xml=XML)
    result = run_module(capsys, xml=XML.replace("131072", "262144"))
    assert result["changed"] is True
    assert result["uuid"] == "1541c6de-68aa-432a-82aa-24ff860da0b0"


def test_running_starts_and_stopped_destroys(host, capsys):
    result = run_module(capsys, xml=XML, state="running")
    assert result["changed"] is True and result["domain_state"] == "running"
    assert ("create", "pinned-small") in host.changes()
    assert result["placement"] == {
        "source": "live", "vcpupin": [0], "vcpu_cpusets": ["0"], "emulatorpin": "1",
        "iothreadpin": {}, "numatune": {"mode": "strict", "nodeset": "0"}, "memnodes": {}}
    assert run_module(capsys, name="pinned-small", state="running")["changed"] is False
    stopped = run_module(capsys, name="pinned-small", state="stopped", stop_mode="destroy")
    assert stopped["changed"] is True and stopped["domain_state"] == "shutoff"
    assert host.changes() == [("destroy", "pinned-small")]
    assert stopped["placement"]["source"] == "config"


def test_a_paused_domain_is_resumed(host, capsys):
    run_module(capsys, xml=XML)
    host.domains["pinned-small"].state_code = PAUSED
    host.changes()
    assert run_module(capsys, name="pinned-small", state="running")["changed"] is True
    assert host.changes() == [("resume", "pinned-small")]


def test_redefining_a_running_domain_says_it_needs_a_restart(host, capsys):
    run_module(capsys, xml=XML, state="running")
    result = run_module(capsys, xml=XML.replace("131072", "262144"), state="running")
    assert result["changed"] is True and result["restart_required"] is True
    assert run_module(capsys, xml=XML.replace("131072", "262144"))["restart_required"] is False


def test_shutdown_waits_and_fails_after_the_timeout(host, capsys):
    run_module(capsys, xml=XML, state="running")
    host.changes()
    assert run_module(capsys, name="pinned-small", state="stopped")["domain_state"] == "shutoff"
    assert host.changes() == [("shutdown", "pinned-small")]
    run_module(capsys, name="pinned-small", state="running")
    host.domains["pinned-small"].ignores_shutdown = True
    result = run_module(capsys, name="pinned-small", state="stopped", shutdown_timeout=0)
    assert result["failed"] is True
    assert result["msg"] == ("domain 'pinned-small' did not shut down within 0 s (use "
                             "stop_mode=destroy to stop it at once)")


def test_absent_stops_and_undefines(host, capsys):
    run_module(capsys, xml=XML, state="running")
    host.changes()
    checked = run_module(capsys, name="pinned-small", state="absent", stop_mode="destroy",
                         _ansible_check_mode=True)
    assert checked["changed"] is True and host.changes() == []
    result = run_module(capsys, name="pinned-small", state="absent", stop_mode="destroy",
                        _ansible_diff=True)
    assert result["changed"] is True and result["domain_state"] == "absent"
    assert result["diff"]["after"] == "" and "pinned-small" in result["diff"]["before"]
    assert host.changes() == [("destroy", "pinned-small"), ("undefine", "pinned-small", 39)]
    assert run_module(capsys, name="pinned-small", state="absent")["changed"] is False


def test_autostart_is_set_only_when_asked_and_different(host, capsys):
    run_module(capsys, xml=XML)
    host.changes()
    assert run_module(capsys, name="pinned-small", autostart=True)["changed"] is True
    assert host.changes() == [("autostart", "pinned-small", 1)]
    assert run_module(capsys, name="pinned-small", autostart=True)["changed"] is False
    assert run_module(capsys, name="pinned-small")["changed"] is False
    assert host.changes() == []


@pytest.mark.parametrize("args, message", [
    ({"xml": "<domain><name>a</name>"}, "xml: '<domain><name>a</name>' is not well-formed XML"),
    ({"xml": XML, "name": "other"},
     "name: 'other' differs from the <name> of xml ('pinned-small')"),
    ({"name": "nowhere"}, "name: 'nowhere' is not a defined domain; give xml to define it"),
    ({"name": ""}, "name: '' must not be empty"),
    ({"xml": XML, "shutdown_timeout": -1}, "shutdown_timeout: -1 must not be negative"),
    ({"xml": XML.replace("<memory unit='KiB'>131072</memory>", "")},
     "libvirt at qemu:///system: XML document failed to validate against schema"),
    ({"xml": XML, "uri": "qemu+ssh://kvm-07/system"},
     "libvirt at qemu+ssh://kvm-07/system: Cannot recv data: Host key verification failed."),
])
def test_bad_input_fails_naming_the_field_and_changes_nothing(host, capsys, args, message):
    result = run_module(capsys, **args)
    assert result["failed"] is True
    assert result["msg"].startswith(message)
    assert host.domains == {} and host.changes() == []


def definition(host):
    """The fake libvirt's definition of pinned-small, layout aside."""
    return ET.canonicalize(ET.tostring(host.domains["pinned-small"].root, encoding="unicode"),
                           strip_text=True)


OTHER_UUID = "00000000-0000-0000-0000-000000000001"
WITH_OTHER_UUID = XML.replace("<name>pinned-small</name>",
                              "<name>pinned-small</name><uuid>%s</uuid>" % OTHER_UUID)


def test_a_uuid_other_than_a_running_domains_fails_before_defining(host, capsys):
    run_module(capsys, xml=XML, state="running")
    host.changes()
    result = run_module(capsys, xml=WITH_OTHER_UUID)
    assert result["msg"] == ("xml/domain/uuid: '00000000-0000-0000-0000-000000000001' differs "
                             "from the UUID of the defined domain 'pinned-small' "
                             "(1541c6de-68aa-432a-82aa-24ff860da0b0); it is running, so it is "
                             "not replaced")
    assert host.changes() == []


def test_a_stopped_domain_it_made_with_another_uuid_is_replaced(host, capsys):
    run_module(capsys, xml=XML)  # as an earlier run left it
    host.changes()
    checked = run_module(capsys, xml=WITH_OTHER_UUID, _ansible_check_mode=True)
    assert checked["changed"] is True and host.changes() == []
    result = run_module(capsys, xml=WITH_OTHER_UUID, state="running")
    assert result["changed"] is True and result["uuid"] == OTHER_UUID
    assert result["domain_state"] == "running"
    assert [call[0] for call in host.changes()] == ["undefine", "define", "metadata", "create"]
    assert run_module(capsys, xml=WITH_OTHER_UUID, state="running")["changed"] is False


QEMU_SAYS = ("internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: error: "
             "failed to set MSR 0x10a to 0x69")


def test_a_domain_it_defined_and_could_not_start_is_undefined_again(host, capsys):
    host.start_error = QEMU_SAYS
    result = run_module(capsys, xml=XML, state="running")
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"] == ("libvirt at qemu:///system: %s; rolled back: undefined "
                             "pinned-small, which this run had defined" % QEMU_SAYS)
    assert result["rolled_back"] == ["undefined pinned-small, which this run had defined"]
    assert host.domains == {}
    assert [call[0] for call in host.changes()] == ["define", "metadata", "create", "undefine"]
    host.start_error = None  # the next run starts from nothing: no "already defined"
    assert run_module(capsys, xml=XML, state="running")["domain_state"] == "running"


def test_a_changed_definition_that_cannot_start_is_restored(host, capsys):
    run_module(capsys, xml=XML)
    before = definition(host)
    host.changes()
    host.start_error = QEMU_SAYS
    result = run_module(capsys, xml=XML.replace("131072", "262144"), state="running")
    assert result["failed"] is True and result["changed"] is False
    assert result["rolled_back"] == ["restored the earlier definition of pinned-small"]
    assert definition(host) == before
    host.start_error = None
    assert run_module(capsys, xml=XML)["changed"] is False  # the record came back with it


def test_a_replaced_domain_that_cannot_start_is_put_back(host, capsys):
    run_module(capsys, xml=XML)
    before = definition(host)
    host.changes()
    host.start_error = QEMU_SAYS
    result = run_module(capsys, xml=WITH_OTHER_UUID, state="running")
    assert result["failed"] is True
    assert result["rolled_back"] == [
        "undefined pinned-small, which this run had defined",
        "restored the earlier definition of pinned-small, which this run had replaced"]
    assert definition(host) == before


def test_a_start_failure_without_changes_rolls_nothing_back(host, capsys):
    run_module(capsys, xml=XML)
    host.changes()
    host.start_error = QEMU_SAYS
    result = run_module(capsys, xml=XML, state="running")
    assert result["msg"] == "libvirt at qemu:///system: %s" % QEMU_SAYS
    assert "rolled_back" not in result
    assert "pinned-small" in host.domains


def test_name_or_xml_is_required(host, capsys):
    result = run_module(capsys, state="running")
    assert result["failed"] is True
    assert "one of the following is required: name, xml" in result["msg"]


def test_without_the_bindings_it_fails_clearly(capsys):
    with mock.patch.object(libvirt_domain, "libvirt", None):
        result = run_module(capsys, xml=XML)
    assert result["failed"] is True
    assert "Failed to import the required Python library (libvirt-python)" in result["msg"]
