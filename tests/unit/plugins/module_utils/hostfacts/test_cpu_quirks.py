# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the host-model features a host's KVM cannot set, driven by fake ``starts`` functions
(a host is a rule saying which disabled sets let a domain start); the probe domain; the cache."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts import cpu_quirks
from ansible_collections.vmpod.core.plugins.module_utils.libvirt.domcapabilities import (
    CpuFeature,
    HostModelCpu,
)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

FEATURES = tuple("f%02d" % i for i in range(26))  # as many as a host-model list often has
QEMU_SAYS = "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69"


class Host:
    """A host that starts a domain when ``fixes(disabled)`` holds; counts the starts."""

    def __init__(self, fixes):
        self.fixes = fixes
        self.starts_made = []

    def __call__(self, disabled):
        assert isinstance(disabled, tuple)
        self.starts_made.append(disabled)
        if self.fixes(frozenset(disabled)):
            return True, None
        return False, QEMU_SAYS


def needs(*culprits):
    return Host(lambda disabled: set(culprits) <= disabled)


def test_a_host_without_quirks_costs_one_start():
    host = Host(lambda disabled: True)
    outcome = cpu_quirks.find_unsettable_features(FEATURES, host)
    assert (outcome.status, outcome.features, outcome.error) == (cpu_quirks.STARTS, (), None)
    assert host.starts_made == [()]


@pytest.mark.parametrize("culprit", FEATURES)
def test_one_culprit_is_found_wherever_it_is(culprit):
    host = needs(culprit)
    outcome = cpu_quirks.find_unsettable_features(FEATURES, host)
    assert outcome.status == cpu_quirks.FIXED and outcome.features == (culprit,)
    assert outcome.error == QEMU_SAYS  # what libvirt said for host-model as it is
    # as-is, all disabled, a halving per level, the final check: far fewer than 26
    assert len(host.starts_made) <= 2 + 2 * 5 + 1
    assert (culprit,) in host.starts_made  # the answer was checked by a start


def test_two_culprits_in_different_halves_are_both_found():
    outcome = cpu_quirks.find_unsettable_features(FEATURES, needs("f03", "f20"))
    assert outcome.features == ("f03", "f20")


@given(st.sets(st.sampled_from(FEATURES), min_size=1, max_size=4))
def test_any_set_of_culprits_is_found_exactly(culprits):
    host = needs(*culprits)
    outcome = cpu_quirks.find_unsettable_features(FEATURES, host)
    assert outcome.status == cpu_quirks.FIXED
    assert set(outcome.features) == culprits
    assert list(outcome.features) == sorted(outcome.features, key=FEATURES.index)


def test_when_either_of_two_sets_fixes_it_the_answer_is_one_that_starts():
    # as an MSR: disabling the feature, or every bit of its value, lets QEMU set it
    bits = {"f21", "f22", "f23", "f24"}
    host = Host(lambda disabled: "f10" in disabled or bits <= disabled)
    outcome = cpu_quirks.find_unsettable_features(FEATURES, host)
    assert outcome.status == cpu_quirks.FIXED
    assert host(outcome.features)[0]
    assert set(outcome.features) in ({"f10"}, bits)


def test_a_host_where_disabling_more_hurts_still_gets_an_answer_that_starts():
    # not monotone: f05 alone fixes it, but f05 with f06 does not; the answer is checked
    host = Host(lambda disabled: "f05" in disabled and "f06" not in disabled
                or disabled == frozenset(FEATURES))
    outcome = cpu_quirks.find_unsettable_features(FEATURES, host)
    assert outcome.status == cpu_quirks.FIXED
    assert host(outcome.features)[0]


def test_a_host_where_nothing_helps_fails_with_what_libvirt_said():
    host = Host(lambda disabled: False)
    outcome = cpu_quirks.find_unsettable_features(FEATURES, host)
    assert outcome.status == cpu_quirks.FAILS and outcome.features == ()
    assert outcome.error == QEMU_SAYS
    assert host.starts_made == [(), FEATURES]
    host = Host(lambda disabled: False)
    assert cpu_quirks.find_unsettable_features((), host).status == cpu_quirks.FAILS
    assert host.starts_made == [()]


def test_a_start_is_never_repeated_and_features_keep_their_order():
    host = needs("f07")
    cpu_quirks.find_unsettable_features(FEATURES + ("f07",), host)
    assert len(set(host.starts_made)) == len(host.starts_made)
    for disabled in host.starts_made:
        assert list(disabled) == sorted(disabled, key=FEATURES.index)


def test_disable_entries_are_the_renderers_cpu_features():
    assert cpu_quirks.disable_entries(("arch-capabilities",)) == [
        {"name": "arch-capabilities", "policy": "disable"}]


CPU = HostModelCpu("x86_64", "kvm", "pc-q35-8.2", "/usr/bin/qemu-system-x86_64", True,
                   "EPYC-Rome", "AMD", (CpuFeature("x2apic", "require"),
                                        CpuFeature("arch-capabilities", "require")))


def test_the_probe_domain_has_a_host_model_cpu_and_nothing_else_to_start():
    root = ET.fromstring(cpu_quirks.probe_domain_xml("vmpod-cpu-probe-1", CPU,
                                                     ("arch-capabilities",)))
    assert root.get("type") == "kvm" and root.findtext("name") == "vmpod-cpu-probe-1"
    assert root.find("os/type").attrib == {"arch": "x86_64", "machine": "pc-q35-8.2"}
    assert root.find("cpu").get("mode") == "host-model"
    assert [f.attrib for f in root.findall("cpu/feature")] == [
        {"policy": "disable", "name": "arch-capabilities"}]
    assert root.find("devices/disk") is None and root.find("devices/interface") is None
    assert root.findtext("devices/emulator") == "/usr/bin/qemu-system-x86_64"
    assert int(root.findtext("memory")) == cpu_quirks.PROBE_MEMORY_MIB


CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC 9654
stepping\t: 1
microcode\t: 0xa101148
cpu MHz\t\t: 2400.000

processor\t: 1
microcode\t: 0xdifferent
"""


def fields(**changes):
    values = dict(cpu=CPU, libvirt_version=9000000, qemu_version=7002015,
                  kernel="6.1.0-18-amd64 #1 SMP", cpuinfo=CPUINFO)
    values.update(changes)
    return cpu_quirks.key_fields(values["cpu"], values["libvirt_version"],
                                 values["qemu_version"], values["kernel"], values["cpuinfo"])


def test_the_key_holds_the_first_cpus_identity_and_microcode():
    assert fields()["cpu"] == {"vendor_id": "AuthenticAMD", "cpu family": "25", "model": "17",
                               "model name": "AMD EPYC 9654", "stepping": "1",
                               "microcode": "0xa101148"}


@pytest.mark.parametrize("change", [
    {"libvirt_version": 10000000}, {"qemu_version": 8002000},
    {"kernel": "6.1.0-19-amd64 #1 SMP"},
    {"cpuinfo": CPUINFO.replace("0xa101148", "0xa101150")},  # a microcode update
    {"cpu": CPU._replace(features=CPU.features[:1])},  # libvirt offers other features
    {"cpu": CPU._replace(machine="pc-q35-9.0")},
])
def test_the_key_changes_with_what_would_change_the_answer(change):
    assert cpu_quirks.cache_key(fields(**change)) != cpu_quirks.cache_key(fields())


def test_the_key_ignores_what_would_not():
    assert cpu_quirks.cache_key(fields(cpuinfo=CPUINFO.replace("2400.000", "3100.000"))) == \
        cpu_quirks.cache_key(fields())


def test_the_cache_gives_back_the_outcome_under_its_key_only():
    key = cpu_quirks.cache_key(fields())
    outcome = cpu_quirks.ProbeOutcome(cpu_quirks.FIXED, ("arch-capabilities",), [((), False)],
                                      QEMU_SAYS)
    text = cpu_quirks.cache_text(key, fields(), outcome)
    back = cpu_quirks.cached_outcome(text, key)
    assert (back.status, back.features, back.error) == (outcome.status, outcome.features,
                                                        QEMU_SAYS)
    assert cpu_quirks.cached_outcome(text, "0" * 64) is None


@pytest.mark.parametrize("text", [
    "", "not json", "[]", '{"format": "other", "key": "k", "probe": {"status": "starts"}}',
    '{"format": "vmpod.core/host_cpu_probe", "key": "k", "probe": {"status": "maybe", '
    '"features": []}}',
    '{"format": "vmpod.core/host_cpu_probe", "key": "k", "probe": {"status": "fixed", '
    '"features": "arch-capabilities"}}',
])
def test_a_cache_file_that_is_not_one_is_ignored(text):
    assert cpu_quirks.cached_outcome(text, "k") is None


@pytest.mark.parametrize("path", ["relative/cache.json", "/var/cache/", ""])
def test_the_cache_path_must_be_an_absolute_file(path):
    with pytest.raises(VmpodInputError) as error:
        cpu_quirks.check_cache_path(path)
    assert str(error.value).startswith("cache_path: %r must be an absolute file path" % path)
