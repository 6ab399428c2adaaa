# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host-model CPU of libvirt's domain capabilities; the document's shape is libvirt's
(https://libvirt.org/formatdomaincaps.html#cpu-configuration, whose example this follows)."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.libvirt.domcapabilities import (
    CpuFeature,
    host_model_cpu,
)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

DOMCAPS = """<domainCapabilities>
  <path>/usr/bin/qemu-system-x86_64</path>
  <domain>kvm</domain>
  <machine>pc-i440fx-2.9</machine>
  <arch>x86_64</arch>
  <vcpu max='255'/>
  <cpu>
    <mode name='host-passthrough' supported='yes'/>
    <mode name='host-model' supported='yes'>
      <model fallback='allow'>Broadwell</model>
      <vendor>Intel</vendor>
      <feature policy='disable' name='aes'/>
      <feature policy='require' name='vmx'/>
      <feature policy='require' name='arch-capabilities'/>
    </mode>
    <mode name='custom' supported='yes'>
      <model usable='no' deprecated='no' vendor='Intel'>Broadwell</model>
    </mode>
  </cpu>
</domainCapabilities>"""


def test_the_host_model_cpu():
    cpu = host_model_cpu(DOMCAPS)
    assert (cpu.arch, cpu.domain_type, cpu.machine, cpu.emulator) == (
        "x86_64", "kvm", "pc-i440fx-2.9", "/usr/bin/qemu-system-x86_64")
    assert cpu.supported and (cpu.model, cpu.vendor) == ("Broadwell", "Intel")
    assert cpu.features == (CpuFeature("aes", "disable"), CpuFeature("vmx", "require"),
                            CpuFeature("arch-capabilities", "require"))
    # what host-model turns on: not the features it disables
    assert cpu.enabled_features() == ("vmx", "arch-capabilities")
    assert cpu.as_dict()["features"][0] == {"name": "aes", "policy": "disable"}


def test_host_model_not_supported_is_a_fact():
    text = DOMCAPS.replace("<mode name='host-model' supported='yes'>",
                           "<mode name='host-model' supported='no'>")
    cpu = host_model_cpu(text)
    assert not cpu.supported and cpu.model is None and cpu.features == ()
    assert cpu.enabled_features() == ()


def test_no_cpu_element_means_no_host_model():
    text = DOMCAPS[:DOMCAPS.index("  <cpu>")] + "</domainCapabilities>"
    assert host_model_cpu(text).supported is False


@pytest.mark.parametrize("text, message", [
    ("", "domcapabilities: '' must be the text of a libvirt <domainCapabilities> document"),
    ("<domainCapabilities>", "domcapabilities: '<domainCapabilities>' is not XML"),
    ("<capabilities/>", "domcapabilities: '<capabilities>' is not a libvirt <domainCapabilities>"),
    (DOMCAPS.replace("<arch>x86_64</arch>", ""), "domcapabilities/arch is required"),
    (DOMCAPS.replace("policy='require' name='vmx'", "policy='maybe' name='vmx'"),
     "domcapabilities/cpu/mode[@name='host-model']/feature[2]/@policy: 'maybe' is not a libvirt"),
    (DOMCAPS.replace("name='vmx'", ""),
     "domcapabilities/cpu/mode[@name='host-model']/feature[2]/@name is required"),
])
def test_bad_documents_name_the_field(text, message):
    with pytest.raises(VmpodInputError) as error:
        host_model_cpu(text)
    assert str(error.value).startswith(message)
