# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Domain XML for vmpod.core.libvirt_domain: reading it, its canonical form, the applied record,
and the pinning read back in the plan's shapes. The XML is libvirt's domain format
(https://libvirt.org/formatdomain.html) as libvirt 9.0 writes it (``virsh dumpxml --inactive``)."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.libvirt import domain_xml as libvirt_xml
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

GIVEN = """<domain type='kvm'>
  <name>pinned-small</name>
  <memory unit='KiB'>131072</memory>
  <vcpu placement='static'>1</vcpu>
  <cputune>
    <vcpupin vcpu='0' cpuset='0'/>
    <emulatorpin cpuset='1'/>
  </cputune>
  <numatune><memory mode='strict' nodeset='0'/></numatune>
  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>"""

# What libvirt 9.0 keeps of GIVEN, with the record this module adds (virsh dumpxml --inactive).
DEFINED = """<domain type='kvm'>
  <name>pinned-small</name>
  <uuid>1541c6de-68aa-432a-82aa-24ff860da0b0</uuid>
  <metadata>
    <vmpod:applied xmlns:vmpod="urn:vmpod:core:libvirt_domain" input-sha256="a" defined-sha256="c"/>
  </metadata>
  <memory unit='KiB'>131072</memory>
  <currentMemory unit='KiB'>131072</currentMemory>
  <memoryBacking>
    <hugepages>
      <page size='2048' unit='KiB'/>
    </hugepages>
  </memoryBacking>
  <vcpu placement='static'>1</vcpu>
  <cputune>
    <vcpupin vcpu='0' cpuset='0'/>
    <emulatorpin cpuset='1'/>
  </cputune>
  <numatune>
    <memory mode='strict' nodeset='0'/>
  </numatune>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
</domain>
"""


def test_reads_name_and_uuid():
    root = libvirt_xml.read_domain(DEFINED)
    assert libvirt_xml.domain_name(root) == "pinned-small"
    assert libvirt_xml.domain_uuid(root) == "1541c6de-68aa-432a-82aa-24ff860da0b0"
    assert libvirt_xml.domain_uuid(libvirt_xml.read_domain(GIVEN)) is None


def test_uuid_is_compared_in_libvirts_form():
    # libvirt accepts the 32 hex digits in any case, with or without dashes (virUUIDParse)
    root = libvirt_xml.read_domain(GIVEN.replace(
        "<name>", "<uuid>1541C6DE68AA432A82AA24FF860DA0B0</uuid><name>"))
    assert libvirt_xml.domain_uuid(root) == "1541c6de-68aa-432a-82aa-24ff860da0b0"


@pytest.mark.parametrize("text, message", [
    ("", "xml: '' must be the text of a libvirt <domain> XML document"),
    (None, "xml: None must be the text of a libvirt <domain> XML document"),
    ("<domain><name>a</name>", "xml: '<domain><name>a</name>' is not well-formed XML: "),
    ("<network><name>a</name></network>", "xml: '<network>' is not a libvirt <domain> document"),
    ("<domain type='kvm'><name> </name></domain>", "xml/domain/name is required"),
    ("<domain type='kvm'/>", "xml/domain/name is required"),
    ("<domain><name>a</name><uuid>not-a-uuid</uuid></domain>",
     "xml/domain/uuid: 'not-a-uuid' is not a UUID"),
])
def test_bad_documents_name_the_field_and_value(text, message):
    with pytest.raises(VmpodInputError) as err:
        libvirt_xml.read_domain(text)
    assert str(err.value).startswith(message)


def test_canonical_form_ignores_layout_quotes_attribute_order_and_comments():
    plain = libvirt_xml.read_domain(
        "<domain type='kvm'><name>a</name><vcpu placement='static' cpuset='0-1'>2</vcpu></domain>")
    styled = libvirt_xml.read_domain("""<?xml version="1.0"?>
<!-- rendered by vmpod.core -->
<domain type="kvm">
    <name>a</name>
    <vcpu cpuset="0-1" placement="static">2</vcpu>
</domain>""")
    assert libvirt_xml.canonical_xml(plain) == libvirt_xml.canonical_xml(styled)
    assert libvirt_xml.fingerprint(plain) == libvirt_xml.fingerprint(styled)


def test_canonical_form_sees_values_and_removed_elements():
    base = libvirt_xml.read_domain(GIVEN)
    other_pin = libvirt_xml.read_domain(GIVEN.replace("cpuset='0'", "cpuset='1'"))
    no_emulatorpin = libvirt_xml.read_domain(GIVEN.replace("<emulatorpin cpuset='1'/>", ""))
    prints = {libvirt_xml.fingerprint(root) for root in (base, other_pin, no_emulatorpin)}
    assert len(prints) == 3


def test_the_record_is_not_part_of_the_fingerprint():
    with_record = libvirt_xml.read_domain(DEFINED)
    without = libvirt_xml.read_domain(DEFINED.replace(
        DEFINED[DEFINED.index("  <metadata>"):DEFINED.index("  <memory")], ""))
    assert libvirt_xml.fingerprint(with_record) == libvirt_xml.fingerprint(without)
    other_metadata = libvirt_xml.read_domain(DEFINED.replace(
        "<metadata>", "<metadata><app:owner xmlns:app='urn:example'>ops</app:owner>"))
    assert libvirt_xml.fingerprint(other_metadata) != libvirt_xml.fingerprint(without)


def test_applied_record_round_trip():
    assert libvirt_xml.applied_record(libvirt_xml.read_domain(GIVEN)) is None
    record = libvirt_xml.applied_record(libvirt_xml.read_domain(DEFINED))
    assert (record.input, record.defined) == ("a", "c")
    assert record.matches("a", "c") and not record.matches("a", "d")
    element = libvirt_xml.record_metadata(libvirt_xml.AppliedRecord("1" * 64, "2" * 64))
    assert element == '<applied input-sha256="%s" defined-sha256="%s" />' % ("1" * 64, "2" * 64)


def test_diff_text_drops_the_record_lines_only():
    text = libvirt_xml.without_record_text(DEFINED)
    assert "metadata" not in text and "vmpod" not in text
    assert text.splitlines()[:4] == ["<domain type='kvm'>", "  <name>pinned-small</name>",
                                     "  <uuid>1541c6de-68aa-432a-82aa-24ff860da0b0</uuid>",
                                     "  <memory unit='KiB'>131072</memory>"]
    kept = DEFINED.replace("<metadata>", "<metadata>\n    <app:owner xmlns:app='urn:x'/>")
    assert "<metadata>" in libvirt_xml.without_record_text(kept)
    assert libvirt_xml.without_record_text(GIVEN) == GIVEN


def test_definition_text_is_the_input_unless_it_must_change():
    root = libvirt_xml.read_domain(GIVEN)
    assert libvirt_xml.definition_text(GIVEN, root, None) is GIVEN
    uuid = "1541c6de-68aa-432a-82aa-24ff860da0b0"
    redefined = libvirt_xml.read_domain(libvirt_xml.definition_text(GIVEN, root, uuid))
    assert libvirt_xml.domain_uuid(redefined) == uuid
    assert [child.tag for child in redefined][:2] == ["name", "uuid"]
    # a dumpxml pasted back: the stale record goes, everything else stays
    pasted = libvirt_xml.read_domain(DEFINED)
    text = libvirt_xml.definition_text(DEFINED, pasted, uuid)
    assert "applied" not in text
    assert libvirt_xml.fingerprint(libvirt_xml.read_domain(text)) == libvirt_xml.fingerprint(pasted)


def test_numatune_from_xml():
    root = libvirt_xml.read_domain("""<domain><name>a</name>
      <cputune>
        <vcpupin vcpu='1' cpuset='3'/><vcpupin vcpu='0' cpuset='2,1'/>
        <emulatorpin cpuset='0-3,^1'/>
        <iothreadpin iothread='1' cpuset='4'/>
      </cputune>
      <numatune>
        <memory mode='strict' nodeset='1,0'/>
        <memnode cellid='0' mode='strict' nodeset='0'/>
        <memnode cellid='1' mode='preferred' nodeset='1'/>
      </numatune></domain>""")
    assert libvirt_xml.numatune_from_xml(root) == {
        "memory": {"mode": "strict", "nodeset": "0-1"},
        "memnodes": {"0": {"mode": "strict", "nodeset": "0"},
                     "1": {"mode": "preferred", "nodeset": "1"}}}
    bare = libvirt_xml.read_domain("<domain><name>a</name></domain>")
    assert libvirt_xml.numatune_from_xml(bare) == {"memory": None, "memnodes": {}}


# The values libvirt-python 12.8 returned for a 2-vCPU domain on a 4-CPU host: vcpuPinInfo is a
# list of per-vCPU tuples of booleans (one per host CPU), emulatorPinInfo one tuple,
# ioThreadInfo a list of (id, tuple) pairs, numaParameters a dict (virsh numatune's fields).
def test_placement_in_the_plans_shapes():
    placement = libvirt_xml.placement_from_libvirt(
        [(False, False, True, False), (False, False, False, True)],
        (True, True, False, False),
        [(1, (True, False, False, False))],
        {"numa_mode": 0, "numa_nodeset": "0"},
        {"0": {"mode": "strict", "nodeset": "0"}},
        "live")
    assert placement == {
        "source": "live",
        "vcpupin": [2, 3],
        "vcpu_cpusets": ["2", "3"],
        "emulatorpin": "0-1",
        "iothreadpin": {"1": "0"},
        "numatune": {"mode": "strict", "nodeset": "0"},
        "memnodes": {"0": {"mode": "strict", "nodeset": "0"}},
    }


def test_placement_of_an_unpinned_domain():
    placement = libvirt_xml.placement_from_libvirt(
        [(True, True), (True, True)], (True, True), [], {"numa_mode": 0, "numa_nodeset": ""},
        {}, "config")
    assert placement["vcpupin"] is None
    assert placement["vcpu_cpusets"] == ["0-1", "0-1"]
    assert placement["numatune"] is None
    assert placement["iothreadpin"] == {}


@pytest.mark.parametrize("value, name", [(0, "strict"), (1, "preferred"), (2, "interleave"),
                                         (3, "restrictive"), (9, "9")])
def test_numatune_modes_follow_virDomainNumatuneMemMode(value, name):
    assert libvirt_xml.numatune_mode(value) == name


def test_diff_text_of_xml_on_one_line_is_serialised_anew():
    one_line = "".join(line.strip() for line in DEFINED.splitlines())
    text = libvirt_xml.without_record_text(one_line)
    assert "applied" not in text and "<metadata" not in text
    assert libvirt_xml.read_domain(text).findtext("uuid") == "1541c6de-68aa-432a-82aa-24ff860da0b0"


# -- a domain of the wanted name already defined: redefine, replace or refuse --------------------

OURS = """<domain type='kvm'><name>lab_vm</name><uuid>%s</uuid><memory>1</memory>
  <metadata><vmpod:applied xmlns:vmpod='urn:vmpod:core:libvirt_domain' input-sha256='a'
    defined-sha256='b'/></metadata></domain>"""
FOREIGN = "<domain type='kvm'><name>lab_vm</name><uuid>%s</uuid><memory>1</memory></domain>"
UUID_A = "11111111-1111-4111-8111-111111111111"
UUID_B = "22222222-2222-4222-8222-222222222222"


def wanted(uuid=None):
    uuid_element = "<uuid>%s</uuid>" % uuid if uuid else ""
    return libvirt_xml.read_domain("<domain><name>lab_vm</name>%s</domain>" % uuid_element)


@pytest.mark.parametrize("existing, want, active, plan", [
    (OURS % UUID_A, None, False, libvirt_xml.REDEFINE),
    (OURS % UUID_A, UUID_A, True, libvirt_xml.REDEFINE),
    (OURS % UUID_A, UUID_B, False, libvirt_xml.REPLACE),  # left by an earlier run
])
def test_a_domain_the_collection_made_is_redefined_or_replaced(existing, want, active, plan):
    root = libvirt_xml.read_domain(existing)
    assert libvirt_xml.made_by_collection(root)
    assert libvirt_xml.existing_domain_plan(root, wanted(want), active) == plan


def test_a_running_domain_of_another_uuid_is_refused():
    with pytest.raises(VmpodInputError) as error:
        libvirt_xml.existing_domain_plan(libvirt_xml.read_domain(OURS % UUID_A), wanted(UUID_B),
                                         True)
    assert str(error.value) == (
        "xml/domain/uuid: '%s' differs from the UUID of the defined domain 'lab_vm' (%s); it is "
        "running, so it is not replaced" % (UUID_B, UUID_A))


@pytest.mark.parametrize("active", [False, True])
def test_a_domain_the_collection_did_not_make_is_refused_unless_adopted(active):
    root = libvirt_xml.read_domain(FOREIGN % UUID_A)
    assert not libvirt_xml.made_by_collection(root)
    with pytest.raises(VmpodInputError) as error:
        libvirt_xml.existing_domain_plan(root, wanted(), active)
    assert str(error.value).startswith(
        "xml/domain/name: 'lab_vm' is a domain that vmpod.core did not define (its <metadata> "
        "has no <vmpod:applied> element in namespace urn:vmpod:core:libvirt_domain), so it is "
        "left untouched")
    assert libvirt_xml.existing_domain_plan(root, wanted(), active, adopt=True) == \
        libvirt_xml.REDEFINE
    with pytest.raises(VmpodInputError):  # adopted, but never replaced
        libvirt_xml.existing_domain_plan(root, wanted(UUID_B), active, adopt=True)


def test_pinned_cpus_are_what_a_dedicated_domain_holds():
    pinned = libvirt_xml.read_domain(
        "<domain type='kvm'><name>a</name><cputune><vcpupin vcpu='0' cpuset='2'/>"
        "<vcpupin vcpu='1' cpuset='3'/><emulatorpin cpuset='4'/>"
        "<iothreadpin iothread='1' cpuset='5-6,^6'/></cputune></domain>")
    assert libvirt_xml.pinned_cpus(pinned) == {2, 3, 4, 5}
    shared = libvirt_xml.read_domain(
        "<domain type='kvm'><name>b</name><cputune><shares>1024</shares>"
        "<emulatorpin cpuset='0-7'/></cputune></domain>")
    assert libvirt_xml.pinned_cpus(shared) == set()
    assert libvirt_xml.pinned_cpus(libvirt_xml.read_domain("<domain type='kvm'><name>c</name></domain>")) == set()


def test_the_place_of_a_controller_does_not_count_but_its_content_does():
    """libvirt adds a virtio-serial controller for a channel at a place of its own choosing,
    which differed between two definitions of the same XML (seen on libvirt 9.0)."""
    first = libvirt_xml.read_domain(
        "<domain type='kvm'><name>a</name><devices><controller type='usb' index='0' model='none'/>"
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
        "<controller type='virtio-serial' index='0'/></devices></domain>")
    second = libvirt_xml.read_domain(
        "<domain type='kvm'><name>a</name><devices><controller type='virtio-serial' index='0'/>"
        "<controller type='usb' index='0' model='none'/>"
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
        "</devices></domain>")
    assert libvirt_xml.fingerprint(first) == libvirt_xml.fingerprint(second)
    changed = libvirt_xml.read_domain(
        "<domain type='kvm'><name>a</name><devices><controller type='usb' index='0' model='qemu-xhci'/>"
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
        "<controller type='virtio-serial' index='0'/></devices></domain>")
    assert libvirt_xml.fingerprint(first) != libvirt_xml.fingerprint(changed)
