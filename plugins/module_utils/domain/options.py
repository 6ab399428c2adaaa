# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How to render domains beyond what each VMI says: the renderer's domain options, read once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import cpu_feature, xml_string
from ansible_collections.vmpod.core.plugins.module_utils.virtlet.pod import CFS_PERIOD_US

KUBEVIRT_PRIVATE_DIR = "/var/run/kubevirt-private"  # pkg/util: VirtPrivateDir
_OPTION_KEYS = ("domain_type", "cpu_features", "cfs_period", "memory_hard_limit",
                "free_page_reporting", "mem_balloon_stats_period", "private_dir", "ovmf_path",
                "vga_display_for_efi", "sev")


@dataclass(frozen=True)
class DomainOptions:
    """See ``read_domain_options``."""

    domain_type: str = "kvm"
    cpu_features: tuple = ()
    cfs_period: int = CFS_PERIOD_US
    memory_hard_limit: bool = False
    free_page_reporting: bool = True
    mem_balloon_stats_period: int = 10  # pkg/virt-config: DefaultMemBalloonStatsPeriod
    private_dir: str = KUBEVIRT_PRIVATE_DIR
    ovmf_path: object = None  # str or None
    vga_display_for_efi: bool = False
    sev: object = None  # {cbitpos, reduced_phys_bits} of the host, or None


DEFAULT_DOMAIN_OPTIONS = DomainOptions()


def read_domain_options(options, path="domain_options"):
    """Check the renderer's domain options (all optional):

    * ``domain_type``: ``kvm`` (default) or ``qemu``;
    * ``cpu_features``: ``[{name, policy}]`` added to every domain's ``<cpu>`` - a host's quirks,
      such as ``arch-capabilities`` disabled (``playbooks/render.yml`` passes what
      ``vmpod.core.host_cpu_info`` finds); a VMI's own feature of the
      same name wins;
    * ``cfs_period``: CFS period in microseconds for shared-CPU bandwidth (1000-1000000);
    * ``memory_hard_limit``: ``<memtune><hard_limit>`` = the launcher Pod's memory limit;
    * ``free_page_reporting``: false is KubeVirt's cluster-wide freePageReportingDisabled;
    * ``mem_balloon_stats_period``: seconds, 0 for none (KubeVirt's memBalloonStatsPeriod);
    * ``private_dir``: virt-launcher's private directory (disk images, sockets, NVRAM);
    * ``ovmf_path``: directory of the UEFI firmware files (default: the KubeVirt CR's for the
      VMI's architecture, as virt-launcher's ``--ovmf-path``);
    * ``vga_display_for_efi``: VGA instead of bochs video for EFI guests on amd64 (the KubeVirt
      CR's ``kubevirt.io/vga-display-efi-x86`` annotation, ``virt-handler/options.go``);
    * ``sev``: the host's SEV ``{cbitpos, reduced_phys_bits}`` (what ``vmpod.core.host_cpu_info``
      reads from libvirt's domain capabilities), written into SEV and SEV-SNP guests'
      ``<launchSecurity>``; without it libvirt fills them in when the domain is defined.
    """
    if options is None:
        return DEFAULT_DOMAIN_OPTIONS
    f.option_map(options, path, _OPTION_KEYS)
    domain_type = f.string(options, "domain_type", path, "kvm")
    if domain_type not in ("kvm", "qemu"):
        raise VmpodInputError(f.join(path, "domain_type"), domain_type, "must be kvm or qemu")
    return DomainOptions(
        domain_type=domain_type,
        cpu_features=tuple(cpu_feature(item, p)
                           for p, item in f.mappings(options, "cpu_features", path)),
        cfs_period=f.integer(options, "cfs_period", path, CFS_PERIOD_US, minimum=1000,
                             maximum=1000000),
        memory_hard_limit=f.boolean(options, "memory_hard_limit", path, False),
        free_page_reporting=f.boolean(options, "free_page_reporting", path, True),
        mem_balloon_stats_period=f.integer(options, "mem_balloon_stats_period", path, 10,
                                           minimum=0),
        private_dir=xml_string(options, "private_dir", path) or KUBEVIRT_PRIVATE_DIR,
        ovmf_path=xml_string(options, "ovmf_path", path) or None,
        vga_display_for_efi=bool(f.boolean(options, "vga_display_for_efi", path, False)),
        sev=read_sev_option(options, path),
    )


def read_sev_option(options, path):
    """``sev``: ``{cbitpos, reduced_phys_bits}``, each a small whole number (the C-bit's position
    in a page table entry, and the physical address bits the encryption takes away)."""
    sev = f.optional_mapping(options, "sev", path)
    if sev is None:
        return None
    where = f.join(path, "sev")
    f.option_map(sev, where, ("cbitpos", "reduced_phys_bits", "supported", "max_guests",
                              "max_es_guests"))
    return {"cbitpos": f.integer(sev, "cbitpos", where, None, minimum=0, maximum=63),
            "reduced_phys_bits": f.integer(sev, "reduced_phys_bits", where, None, minimum=0,
                                           maximum=63)}
