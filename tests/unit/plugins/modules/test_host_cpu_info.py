# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.host_cpu_info run as Ansible runs it, against a stand-in for libvirt whose QEMU
cannot start a host-model vCPU while some features are on (as a hypervisor below a host can make
KVM refuse an MSR). tests/integration/test_host_cpu_probe.py runs it against the real libvirtd."""

import json
import types
import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.vmpod.core.plugins.modules import host_cpu_info

from vmpod_modules import module_result

DOMCAPS = """<domainCapabilities>
  <path>/usr/bin/qemu-system-x86_64</path>
  <domain>kvm</domain>
  <machine>pc-q35-8.2</machine>
  <arch>x86_64</arch>
  <cpu>
    <mode name='host-model' supported='yes'>
      <model fallback='forbid'>EPYC-Rome</model>
      <vendor>AMD</vendor>
      %s
      <feature policy='disable' name='pni'/>
    </mode>
    <mode name='custom' supported='yes'>
      <model usable='yes' vendor='AMD'>EPYC-Rome</model>
      <model usable='no' vendor='Intel'>Cascadelake-Server</model>
      <model usable='yes' vendor='AMD'>EPYC</model>
    </mode>
  </cpu>
</domainCapabilities>"""
NAMES = ("x2apic", "tsc-deadline", "hypervisor", "umip", "arch-capabilities", "mmxext", "clzero",
         "rdctl-no")
START_PAUSED, AUTODESTROY = 1, 2


class FakeLibvirtError(Exception):
    pass


class FakeConnection:
    """libvirtd whose QEMU fails to start a domain while a feature of ``unsettable`` is on."""

    def __init__(self, unsettable=(), names=NAMES, supported=True, libvirt_version=9000000):
        features = "".join("<feature policy='require' name='%s'/>" % n for n in names)
        self.domcaps = DOMCAPS % features
        if not supported:
            self.domcaps = self.domcaps.replace("supported='yes'", "supported='no'")
        self.unsettable = set(unsettable)
        self.libvirt_version = libvirt_version
        self.started = []
        self.destroyed = 0
        self.closed = False

    def getDomainCapabilities(self, emulator, arch, machine, virttype, flags):
        assert (emulator, arch, machine, flags) == (None, None, None, 0)
        assert virttype == "kvm"
        return self.domcaps

    def getLibVersion(self):
        return self.libvirt_version

    def getVersion(self):
        return 7002015

    def createXML(self, xml, flags):
        assert flags == START_PAUSED | AUTODESTROY
        root = ET.fromstring(xml)
        assert root.find("cpu").get("mode") == "host-model"
        disabled = {f.get("name") for f in root.findall("cpu/feature")
                    if f.get("policy") == "disable"}
        self.started.append(disabled)
        if self.unsettable - disabled:
            raise FakeLibvirtError("internal error: qemu unexpectedly closed the monitor: "
                                   "error: failed to set MSR 0x10a to 0x69")
        connection = self

        class Domain:
            def destroy(self):
                connection.destroyed += 1
        return Domain()

    def close(self):
        self.closed = True


@pytest.fixture
def libvirt_host():
    holder = {"connection": FakeConnection()}

    def open_connection(uri):
        if uri.startswith("qemu+ssh://"):
            raise FakeLibvirtError("Cannot recv data: Host key verification failed.")
        return holder["connection"]

    fake = types.SimpleNamespace(
        open=open_connection, libvirtError=FakeLibvirtError,
        VIR_DOMAIN_START_PAUSED=START_PAUSED, VIR_DOMAIN_START_AUTODESTROY=AUTODESTROY,
        registerErrorHandler=lambda handler, context: None)
    with mock.patch.object(host_cpu_info, "libvirt", fake), \
            mock.patch.object(host_cpu_info, "LIBVIRT_ERRORS", (FakeLibvirtError,)):
        yield holder


def run_module(capsys, **args):
    return module_result(host_cpu_info.main, capsys, args)


def test_the_host_model_cpu_and_the_feature_kvm_cannot_set(libvirt_host, capsys, tmp_path):
    connection = FakeConnection(unsettable=["arch-capabilities"])
    libvirt_host["connection"] = connection
    cache = tmp_path / "cache" / "host_cpu.json"
    result = run_module(capsys, cache_path=str(cache))
    assert result["changed"] is False
    facts = result["host_cpu"]
    assert (facts["arch"], facts["model"], facts["vendor"]) == ("x86_64", "EPYC-Rome", "AMD")
    assert facts["host_model_supported"] is True
    assert facts["features"][-1] == {"name": "pni", "policy": "disable"}
    assert facts["unsettable_features"] == ["arch-capabilities"]
    assert facts["cpu_features"] == [{"name": "arch-capabilities", "policy": "disable"}]
    assert facts["usable_models"] == ["EPYC-Rome", "EPYC"]  # custom mode, usable='yes' only
    probe = facts["probe"]
    assert probe["status"] == "fixed" and probe["cached"] is False
    assert "failed to set MSR" in probe["error"]
    assert probe["trials"] == len(connection.started) < len(NAMES)
    assert connection.destroyed == sum(1 for d in connection.started if "arch-capabilities" in d)
    assert connection.closed
    assert json.loads(cache.read_text())["key"] == probe["key"]  # its directory was made


def test_a_second_run_reads_the_cache_and_starts_nothing(libvirt_host, capsys, tmp_path):
    libvirt_host["connection"] = FakeConnection(unsettable=["rdctl-no", "x2apic"])
    cache = str(tmp_path / "host_cpu.json")
    first = run_module(capsys, cache_path=cache)["host_cpu"]
    libvirt_host["connection"] = again = FakeConnection(unsettable=["rdctl-no", "x2apic"])
    second = run_module(capsys, cache_path=cache)["host_cpu"]
    assert again.started == []
    assert second["probe"]["cached"] is True and second["probe"]["trials"] == 0
    assert second["unsettable_features"] == first["unsettable_features"] == ["x2apic", "rdctl-no"]
    # refresh probes again; a new libvirt is another key, so it probes too
    refreshed = run_module(capsys, cache_path=cache, refresh=True)["host_cpu"]
    assert refreshed["probe"]["cached"] is False
    libvirt_host["connection"] = FakeConnection(unsettable=["rdctl-no", "x2apic"],
                                                libvirt_version=10000000)
    assert run_module(capsys, cache_path=cache)["host_cpu"]["probe"]["cached"] is False


def test_a_host_without_quirks(libvirt_host, capsys, tmp_path):
    facts = run_module(capsys, cache_path=str(tmp_path / "c.json"))["host_cpu"]
    assert facts["probe"]["status"] == "starts" and facts["probe"]["trials"] == 1
    assert facts["unsettable_features"] == [] and facts["cpu_features"] == []
    assert facts["probe"]["error"] is None


def test_check_mode_probes_but_writes_no_cache(libvirt_host, capsys, tmp_path):
    libvirt_host["connection"] = FakeConnection(unsettable=["umip"])
    cache = tmp_path / "host_cpu.json"
    result = run_module(capsys, cache_path=str(cache), _ansible_check_mode=True)
    assert result["host_cpu"]["unsettable_features"] == ["umip"]
    assert not cache.exists()


def test_no_probe_without_host_model_or_when_not_asked(libvirt_host, capsys, tmp_path):
    libvirt_host["connection"] = FakeConnection(unsettable=["umip"], supported=False)
    facts = run_module(capsys, cache_path=str(tmp_path / "c.json"))["host_cpu"]
    assert facts["host_model_supported"] is False and facts["probe"]["status"] == "skipped"
    libvirt_host["connection"] = connection = FakeConnection(unsettable=["umip"])
    facts = run_module(capsys, cache_path=str(tmp_path / "c.json"), probe=False)["host_cpu"]
    assert facts["probe"]["status"] == "skipped" and connection.started == []
    assert facts["features"][0] == {"name": "x2apic", "policy": "require"}


def test_a_cache_that_cannot_be_written_is_a_warning(libvirt_host, capsys, tmp_path):
    (tmp_path / "file").write_text("")
    warned = []
    with mock.patch.object(basic.AnsibleModule, "warn", lambda self, text: warned.append(text)):
        result = run_module(capsys, cache_path=str(tmp_path / "file" / "host_cpu.json"))
    assert not result.get("failed") and result["host_cpu"]["probe"]["status"] == "starts"
    assert len(warned) == 1 and warned[0].startswith(
        "host_cpu_info: cannot write the cache %s/file/host_cpu.json: " % tmp_path)


@pytest.mark.parametrize("args, message", [
    ({"cache_path": "relative.json"}, "cache_path: "),
    ({"uri": "qemu+ssh://kvm-07/system"},
     "libvirt at qemu+ssh://kvm-07/system: Cannot recv data: Host key verification failed."),
    ({"virt_type": "xen"}, "value of virt_type must be one of: kvm, qemu, got: xen"),
])
def test_bad_input_fails_clearly(libvirt_host, capsys, args, message):
    result = run_module(capsys, **args)
    assert result["failed"] is True and message in result["msg"]


def test_without_the_bindings_it_fails_clearly(capsys):
    with mock.patch.object(host_cpu_info, "libvirt", None):
        result = run_module(capsys)
    assert result["failed"] is True
    assert "Failed to import the required Python library (libvirt-python)" in result["msg"]
