# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``<launchSecurity>``: AMD SEV, SEV-ES and SEV-SNP, and Intel TDX guests.

Facts from KubeVirt ``pkg/virt-launcher/virtwrap/converter/`` (the amd64 converter's
``LaunchSecurity``) and ``pkg/virt-launcher/virtwrap/launchsecurity/`` (the policy bits):

* SEV: the guest policy always has NoDebug (bit 0), and EncryptedState (bit 2) for SEV-ES,
  printed as ``0x`` and lowercase hexadecimal; ``dhCert`` and ``session`` pass through;
* SEV-SNP (without SEV): the guest's own policy, else SMT allowed (bit 16) and the reserved
  must-be-one bit 17 (``0x30000``);
* TDX: the type alone;
* only on amd64 (arm64 has none; on s390x virt-launcher sets the IOMMU on each device instead).

KubeVirt leaves ``cbitpos`` and ``reducedPhysBits`` to libvirt, which fills them from the
host's domain capabilities. Where the renderer knows them (the domain option ``sev``, which
``playbooks/render.yml`` takes from ``vmpod.core.host_cpu_info``) they are written, so the
domain says what it will get.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SEV_POLICY_NO_DEBUG = 1 << 0
SEV_POLICY_ENCRYPTED_STATE = 1 << 2
SNP_POLICY_SMT = 1 << 16
SNP_POLICY_RESERVED = 1 << 17


def launch_security(vmi, opts):
    """``{type, policy, dh_cert, session, cbitpos, reduced_phys_bits}`` or None."""
    if vmi.architecture != "amd64":
        return None
    host = opts.sev or {}
    if vmi.sev:
        bits = SEV_POLICY_NO_DEBUG | (SEV_POLICY_ENCRYPTED_STATE if vmi.sev_es else 0)
        return {"type": "sev", "policy": "0x%x" % bits, "dh_cert": vmi.sev_dh_cert or None,
                "session": vmi.sev_session or None, "cbitpos": host.get("cbitpos"),
                "reduced_phys_bits": host.get("reduced_phys_bits")}
    if vmi.snp:
        bits = vmi.snp_policy if vmi.snp_policy is not None else SNP_POLICY_SMT | SNP_POLICY_RESERVED
        return {"type": "sev-snp", "policy": "0x%x" % bits, "dh_cert": None, "session": None,
                "cbitpos": host.get("cbitpos"), "reduced_phys_bits": host.get("reduced_phys_bits")}
    if vmi.tdx:
        return {"type": "tdx", "policy": None, "dh_cert": None, "session": None, "cbitpos": None,
                "reduced_phys_bits": None}
    return None
