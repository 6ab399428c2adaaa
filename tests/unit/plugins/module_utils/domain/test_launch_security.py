# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""<launchSecurity> as KubeVirt's amd64 converter writes it (launchsecurity/sev.go: NoDebug
always, EncryptedState for SEV-ES; SEV-SNP's default policy 0x30000; TDX by type), with the
host's cbitpos and reducedPhysBits from libvirt's domain capabilities when they are known."""

import pytest
from lxml import etree

from ansible_collections.vmpod.core.plugins.module_utils.domain.model import domain_model
from ansible_collections.vmpod.core.plugins.module_utils.libvirt.domcapabilities import (
    sev_capabilities)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from vmpod_domain_xml import HAS_SCHEMA, RNG, assert_valid, domain_xml

NEEDS_SCHEMA = pytest.mark.skipif(not HAS_SCHEMA, reason="needs libvirt's schema and xmllint")
HOST_SEV = {"supported": True, "cbitpos": 51, "reduced_phys_bits": 1, "max_guests": 15,
            "max_es_guests": 494}


def schema_knows(security_type):
    """libvirt's installed schema has this launchSecurity type (sev-snp came with libvirt
    10.5, tdx later)."""
    if not HAS_SCHEMA:
        return False
    with open(RNG.replace("domain.rng", "domaincommon.rng")) as handle:
        return "<value>%s</value>" % security_type in handle.read()


def vmi(security, arch=None):
    spec = {"domain": {"resources": {"requests": {"memory": "1Gi"}}, "devices": {},
                       "firmware": {"bootloader": {"efi": {"secureBoot": False}}},
                       "launchSecurity": security}}
    if arch:
        spec["architecture"] = arch
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "secret", "namespace": "vms"}, "spec": spec}


def rendered(obj, options=None):
    return etree.fromstring(domain_xml(domain_model(obj, options=options)).encode())


@pytest.mark.parametrize("security, policy", [
    ({"sev": {}}, "0x1"),
    ({"sev": {"policy": {"encryptedState": False}}}, "0x1"),
    ({"sev": {"policy": {"encryptedState": True}}}, "0x5"),
    # SEV wins over SNP when both are given (the converter checks SNP only without SEV)
    ({"sev": {}, "snp": {}}, "0x1"),
])
def test_sev_policy_bits(security, policy):
    element = rendered(vmi(security)).find("launchSecurity")
    assert element.get("type") == "sev"
    assert element.findtext("policy") == policy
    # KubeVirt leaves these to libvirt, which fills them from the host's capabilities
    assert element.find("cbitpos") is None and element.find("reducedPhysBits") is None


@NEEDS_SCHEMA
def test_sev_with_the_hosts_cbitpos_and_attestation_data_passes_the_schema(tmp_path):
    obj = vmi({"sev": {"policy": {"encryptedState": True}, "dhCert": "AAAB", "session": "BBBC"}})
    text = domain_xml(domain_model(obj, options={"sev": HOST_SEV}))
    element = etree.fromstring(text.encode()).find("launchSecurity")
    assert [(child.tag, child.text) for child in element] == [
        ("cbitpos", "51"), ("reducedPhysBits", "1"), ("policy", "0x5"), ("dhCert", "AAAB"),
        ("session", "BBBC")]
    assert_valid(text, tmp_path)
    # the devices get the IOMMU under SEV (controllers.go, rng.go) as before
    root = etree.fromstring(text.encode())
    assert root.find("devices/controller[@type='virtio-serial']/driver").get("iommu") == "on"
    assert_valid(domain_xml(domain_model(vmi({"sev": {}}))), tmp_path)


@pytest.mark.parametrize("snp, policy", [
    ({}, "0x30000"),
    ({"policy": "0x70000"}, "0x70000"),
    ({"policy": "196608"}, "0x30000"),
])
def test_snp_policy(snp, policy, tmp_path):
    text = domain_xml(domain_model(vmi({"snp": snp}), options={"sev": HOST_SEV}))
    element = etree.fromstring(text.encode()).find("launchSecurity")
    assert (element.get("type"), element.findtext("policy"), element.findtext("cbitpos")) == (
        "sev-snp", policy, "51")
    if schema_knows("sev-snp"):
        assert_valid(text, tmp_path)


def test_tdx_is_its_type_alone(tmp_path):
    text = domain_xml(domain_model(vmi({"tdx": {}})))
    element = etree.fromstring(text.encode()).find("launchSecurity")
    assert element.attrib == {"type": "tdx"} and len(element) == 0
    if schema_knows("tdx"):
        assert_valid(text, tmp_path)


def test_no_launch_security_off_amd64_or_without_it():
    assert rendered(vmi({"sev": {}}, arch="arm64")).find("launchSecurity") is None
    plain = vmi({})
    del plain["spec"]["domain"]["launchSecurity"]
    assert domain_model(plain)["launch_security"] is None


@pytest.mark.parametrize("obj, options, path", [
    (vmi({"snp": {"policy": "0xzz"}}), None, "spec.domain.launchSecurity.snp.policy"),
    (vmi({"snp": {"policy": "-1"}}), None, "spec.domain.launchSecurity.snp.policy"),
    (vmi({"sev": {"dhCert": "a\x01"}}), None, "spec.domain.launchSecurity.sev.dhCert"),
    (vmi({"sev": {}}), {"sev": {"cbitpos": 64}}, "domain_options.sev.cbitpos"),
    (vmi({"sev": {}}), {"sev": {"cbitpos": "51"}}, "domain_options.sev.cbitpos"),
    (vmi({"sev": {}}), {"sev": {"c_bit": 51}}, "domain_options.sev.c_bit"),
])
def test_bad_input_names_the_field(obj, options, path):
    with pytest.raises(VmpodInputError) as err:
        domain_model(obj, options=options)
    assert err.value.path == path


def capabilities(sev):
    return ("<domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain>"
            "<arch>x86_64</arch><features>%s</features></domainCapabilities>" % sev)


def test_sev_capabilities_from_libvirt():
    # formatdomaincaps.html "SEV capabilities"
    facts = sev_capabilities(capabilities(
        "<sev supported='yes'><cbitpos>51</cbitpos><reducedPhysBits>1</reducedPhysBits>"
        "<maxGuests>15</maxGuests><maxESGuests>494</maxESGuests></sev>"))
    assert facts == HOST_SEV
    assert sev_capabilities(capabilities("<sev supported='no'/>")) == {
        "supported": False, "cbitpos": None, "reduced_phys_bits": None, "max_guests": None,
        "max_es_guests": None}
    assert sev_capabilities(capabilities(""))["supported"] is False
    with pytest.raises(VmpodInputError) as err:
        sev_capabilities(capabilities("<sev supported='yes'><cbitpos>x</cbitpos></sev>"))
    assert err.value.path == "domcapabilities/features/sev/cbitpos"


@NEEDS_SCHEMA
def test_snp_and_tdx_boot_stateless_firmware(tmp_path):
    # os.go configureEFI: a ROM loader and no NVRAM for SEV-SNP and TDX guests; SEV keeps pflash
    for security, loader_type, nvram in (({"snp": {}}, "rom", False), ({"tdx": {}}, "rom", False),
                                         ({"sev": {}}, "pflash", True)):
        text = domain_xml(domain_model(vmi(security)))
        root = etree.fromstring(text.encode())
        assert root.find("os/loader").get("type") == loader_type
        assert (root.find("os/nvram") is not None) is nvram
        if security == {"sev": {}}:
            assert_valid(text, tmp_path)


@pytest.mark.parametrize("status, annotations, directory", [
    (None, None, "/var/lib/libvirt/qemu/nvram"),
    ({"runtimeUser": 0}, None, "/var/lib/libvirt/qemu/nvram"),
    ({"runtimeUser": 107}, None, "/var/run/kubevirt-private/libvirt/qemu/nvram"),
    (None, {"kubevirt.io/nonroot": ""}, "/var/run/kubevirt-private/libvirt/qemu/nvram"),
])
def test_nvram_lives_where_the_launchers_user_keeps_it(status, annotations, directory):
    """util.PathForNVram: libvirt's directory for a root launcher, the private directory for a
    non-root one - the directory the Pod mounts a persistent EFI's backend storage on."""
    obj = vmi({"sev": {}})
    del obj["spec"]["domain"]["launchSecurity"]
    if status is not None:
        obj["status"] = status
    if annotations is not None:
        obj["metadata"]["annotations"] = annotations
    assert rendered(obj).find("os/nvram").text == directory + "/secret_VARS.fd"
