# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain's identity and platform: name and UUIDs, ``<os>`` (machine, firmware), SMBIOS
entries and ``<features>``.

KubeVirt ``compute/os.go``, ``compute/sysinfo.go``, ``compute/hypervisor_features.go`` and
``vcpu/vcpu.go`` (``hint-dedicated``, PMU off for realtime); the firmware UUID from
``pkg/virt-controller/watch/vm/firmware.go`` ``CalculateLegacyUUID``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import DEFAULT_OVMF_PATHS
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import vmi_uid
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_volumes import ROOT_NVRAM_DIR
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.paths import go_base
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import check_xml_text

LIBVIRT_ARCH = {"amd64": "x86_64", "arm64": "aarch64", "s390x": "s390x"}
CONTAINER_DISKS_DIR = "/var/run/kubevirt/container-disks"  # pkg/container-disk: mountBaseDir
# KubeVirt's default firmware directories (kubevirt.config), amd64's where its default is empty
OVMF_PATH = {arch: path or DEFAULT_OVMF_PATHS["amd64"] for arch, path in DEFAULT_OVMF_PATHS.items()}


def object_name(vmi):
    if not vmi.name:
        raise VmpodInputError("metadata.name", None, "is required")
    check_xml_text("metadata.name", vmi.name)
    check_xml_text("metadata.namespace", vmi.namespace)
    return vmi.name, vmi.namespace or "default"


def object_uid(vmi):
    """The VMI's uid (``kubevirt.pod.vmi_uid``: metadata.uid or a stable stand-in)."""
    check_xml_text("metadata.uid", vmi.uid)
    return vmi_uid(vmi)


def os_section(vmi, cfg, name, opts):
    arch = vmi.architecture
    section = vmi.domain
    loader = nvram = None
    if section.efi:
        # the directory virt-launcher is told (--ovmf-path, kubevirt.pod), amd64's where it is empty
        base = opts.ovmf_path or cfg.ovmf_path(arch) or OVMF_PATH[arch]
        if arch == "arm64":
            code, template = "AAVMF_CODE.fd", "AAVMF_VARS.fd"
        elif section.secure_boot:
            code, template = "OVMF_CODE.secboot.fd", "OVMF_VARS.secboot.fd"
        else:
            code, template = "OVMF_CODE.fd", "OVMF_VARS.fd"
        loader = {"path": "%s/%s" % (base, code),
                  "secure": "yes" if section.secure_boot else "no"}
        # util.PathForNVram: in the private directory for a non-root launcher, else libvirt's
        nvram_dir = (opts.private_dir + "/libvirt/qemu/nvram" if section.non_root
                     else ROOT_NVRAM_DIR)
        nvram = {"path": "%s/%s_VARS.fd" % (nvram_dir, name),
                 "template": "%s/%s" % (base, template)}
        if (vmi.snp and not vmi.sev) or vmi.tdx:  # os.go configureEFI: stateless firmware
            loader["type"], nvram = "rom", None
    result = {"arch": LIBVIRT_ARCH[arch], "machine": section.machine or cfg.machine_types[arch],
              "smbios": "sysinfo" if arch == "amd64" else None, "loader": loader, "nvram": nvram,
              "kernel": None, "initrd": None, "cmdline": None}
    if section.kernel_boot is not None:
        # os.go configureKernelBoot: the kernel-boot container's files where virt-handler mounts
        # them for the launcher (containerdisk.GetKernelBootArtifactPathFromLauncherView), and
        # the kernel arguments even without a container
        args, kernel, initrd = section.kernel_boot
        result["cmdline"] = args
        if kernel:
            result["kernel"] = "%s/kernel-boot/%s" % (CONTAINER_DISKS_DIR, go_base(kernel))
        if initrd:
            result["initrd"] = "%s/kernel-boot/%s" % (CONTAINER_DISKS_DIR, go_base(initrd))
    return result


def sysinfo_entries(firmware_uuid, serial):
    entries = [{"name": "uuid", "value": firmware_uuid}]
    if serial:
        entries.append({"name": "serial", "value": serial})
    return entries


def features(vmi, pinned):
    amd64 = vmi.architecture == "amd64"
    section = vmi.domain
    return {"acpi": section.acpi, "apic": section.apic and amd64, "smm": section.smm,
            "kvm_hidden": section.kvm_hidden,
            "kvm_hint_dedicated": pinned and amd64,
            "pmu": "off" if vmi.cpu.realtime else None,
            "vmport": "off" if amd64 and section.has_features else None,
            "pvspinlock": section.pvspinlock}
