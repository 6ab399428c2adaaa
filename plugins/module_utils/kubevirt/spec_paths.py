# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The field paths the VMI readers name in their errors, built once per spec path.

A VMI's spec is at ``spec``, a VirtualMachine's at ``spec.template.spec``: the readers
(``vmi``, ``vmi_domain``, ``vmi_pod``) take these paths from here instead of joining them again
for every VMI they read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f


class SpecPaths:
    """Field paths under one spec path."""

    def __init__(self, sp):
        self.selector = f.join(sp, "nodeSelector")
        self.domain = f.join(sp, "domain")
        self.resources = f.join(self.domain, "resources")
        self.memory = f.join(self.domain, "memory")
        self.hugepages = f.join(self.memory, "hugepages")
        self.reserved = f.join(self.memory, "reservedOverhead")
        # the memory sizes _check_memory_sizes checks: guest, maxGuest, requests, limits
        self.memory_sizes = (f.join(self.memory, "guest"), f.join(self.memory, "maxGuest"),
                             f.join(self.resources, "requests.memory"),
                             f.join(self.resources, "limits.memory"))
        self.cpu = f.join(self.domain, "cpu")
        self.io_threads = f.join(self.domain, "ioThreads")
        self.devices = f.join(self.domain, "devices")
        self.tpm = f.join(self.devices, "tpm")
        self.security = f.join(self.domain, "launchSecurity")
        self.sev = f.join(self.security, "sev")
        self.sev_policy = f.join(self.sev, "policy")
        self.snp = f.join(self.security, "snp")
        self.firmware = f.join(self.domain, "firmware")
        self.kernel_boot = f.join(self.firmware, "kernelBoot")
        self.bootloader = f.join(self.firmware, "bootloader")
        self.efi = f.join(self.firmware, "bootloader.efi")
        self.features = f.join(self.domain, "features")
        self.kvm = f.join(self.features, "kvm")
        self.pvspinlock = f.join(self.features, "pvspinlock")
        self.machine = f.join(self.domain, "machine")
        self.clock = f.join(self.domain, "clock")


_KNOWN = {"spec": SpecPaths("spec"), "spec.template.spec": SpecPaths("spec.template.spec")}


def spec_paths(sp):
    """The paths under ``sp``: the two spec paths' built once, any other's built now."""
    found = _KNOWN.get(sp)
    return found if found is not None else SpecPaths(sp)
