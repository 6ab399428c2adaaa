# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU architectures, by KubeVirt's names, and the kernel's names of the same."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# KubeVirt's architectures (pkg/virt-controller/services and pkg/defaults per architecture)
ARCHITECTURES = ("amd64", "arm64", "s390x")

# The kernel's names (uname -m, Ansible's ansible_architecture, libvirt's <arch>) of those
_KERNEL_NAMES = {"x86_64": "amd64", "aarch64": "arm64", "s390x": "s390x"}


def kernel_architecture(machine):
    """KubeVirt's name of a kernel machine name (``x86_64`` is ``amd64``), of KubeVirt's own
    names as they are, or None for an architecture KubeVirt does not run on."""
    if not isinstance(machine, str):
        return None
    machine = _KERNEL_NAMES.get(machine, machine)
    return machine if machine in ARCHITECTURES else None
