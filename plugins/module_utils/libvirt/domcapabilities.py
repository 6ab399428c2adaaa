# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host-model CPU from libvirt's domain capabilities (``virsh domcapabilities``).

No I/O here: the caller passes the text of ``virConnectGetDomainCapabilities``. The part read is
(https://libvirt.org/formatdomaincaps.html#cpu-configuration)::

    <domainCapabilities>
      <path>/usr/bin/qemu-system-x86_64</path>
      <domain>kvm</domain>
      <machine>pc-i440fx-7.2</machine>
      <arch>x86_64</arch>
      <cpu>
        <mode name='host-model' supported='yes'>
          <model fallback='forbid'>EPYC-Rome</model>
          <vendor>AMD</vendor>
          <feature policy='require' name='x2apic'/>
          <feature policy='disable' name='pni'/>

A ``host-model`` guest CPU is that model plus those features: what libvirt expands
``<cpu mode='host-model'/>`` to when the domain starts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

from ansible_collections.vmpod.core.plugins.module_utils.libvirt.document import parse_document
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

HOST_MODEL = "cpu/mode[@name='host-model']"
# the policies that turn a feature on (formatdomain "CPU model and topology")
ENABLING_POLICIES = ("force", "require", "optional")

CpuFeature = namedtuple("CpuFeature", ["name", "policy"])


class HostModelCpu(namedtuple("HostModelCpu", [
        "arch", "domain_type", "machine", "emulator", "supported", "model", "vendor",
        "features"])):
    """The host-model CPU of one emulator and domain type; ``features`` are ``CpuFeature``s in
    libvirt's order. ``supported`` is false when libvirt cannot give host-model here."""

    __slots__ = ()

    def enabled_features(self):
        """The names of the features host-model turns on, in libvirt's order."""
        return tuple(f.name for f in self.features if f.policy in ENABLING_POLICIES)

    def as_dict(self):
        return {
            "arch": self.arch,
            "domain_type": self.domain_type,
            "machine": self.machine,
            "emulator": self.emulator,
            "supported": self.supported,
            "model": self.model,
            "vendor": self.vendor,
            "features": [{"name": f.name, "policy": f.policy} for f in self.features],
        }


def host_model_cpu(xml_text):
    """The ``HostModelCpu`` of a ``<domainCapabilities>`` document."""
    root = parse_document(xml_text, "domainCapabilities", "domcapabilities")
    mode = root.find(HOST_MODEL)
    supported = mode is not None and mode.get("supported", "no") == "yes"
    model = None
    vendor = None
    features = []
    if supported:
        model = (mode.findtext("model") or "").strip() or None
        vendor = (mode.findtext("vendor") or "").strip() or None
        for index, element in enumerate(mode.findall("feature")):
            features.append(_feature(element, "%s/feature[%d]" % (HOST_MODEL, index + 1)))
    return HostModelCpu(
        arch=_required_text(root, "arch"),
        domain_type=_required_text(root, "domain"),
        machine=(root.findtext("machine") or "").strip() or None,
        emulator=(root.findtext("path") or "").strip() or None,
        supported=supported,
        model=model,
        vendor=vendor,
        features=tuple(features),
    )


def usable_models(xml_text):
    """The named CPU models of custom mode this host can run (``usable='yes'``), in libvirt's
    order: what a guest with a named model needs of a migration target."""
    root = parse_document(xml_text, "domainCapabilities", "domcapabilities")
    mode = root.find("cpu/mode[@name='custom']")
    if mode is None or mode.get("supported", "no") != "yes":
        return ()
    return tuple((element.text or "").strip() for element in mode.findall("model")
                 if element.get("usable") == "yes" and (element.text or "").strip())


def sev_capabilities(xml_text):
    """The host's AMD SEV facts (https://libvirt.org/formatdomaincaps.html#sev-capabilities):
    ``{supported, cbitpos, reduced_phys_bits, max_guests, max_es_guests}``, the numbers None
    where libvirt gives none (no SEV, or an older libvirt)."""
    root = parse_document(xml_text, "domainCapabilities", "domcapabilities")
    sev = root.find("features/sev")
    supported = sev is not None and sev.get("supported", "no") == "yes"
    facts = {"supported": supported}
    for key, tag in (("cbitpos", "cbitpos"), ("reduced_phys_bits", "reducedPhysBits"),
                     ("max_guests", "maxGuests"), ("max_es_guests", "maxESGuests")):
        text = (sev.findtext(tag) or "").strip() if supported else ""
        if text and not text.isdigit():
            raise VmpodInputError("domcapabilities/features/sev/" + tag, text,
                                  "is not a whole number")
        facts[key] = int(text) if text else None
    return facts


def _feature(element, path):
    name = element.get("name")
    if not name:
        raise VmpodInputError("domcapabilities/" + path + "/@name", name, "is required")
    policy = element.get("policy", "require")
    if policy not in ENABLING_POLICIES + ("disable", "forbid"):
        raise VmpodInputError("domcapabilities/" + path + "/@policy", policy,
                              "is not a libvirt feature policy")
    return CpuFeature(name, policy)


def _required_text(root, tag):
    text = (root.findtext(tag) or "").strip()
    if not text:
        raise VmpodInputError("domcapabilities/" + tag, None, "is required")
    return text
