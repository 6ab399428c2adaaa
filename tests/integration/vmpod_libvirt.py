# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests against this machine's real libvirtd share: where it is, when they can run,
and hack/libvirtd.sh to start it (and undo what it started)."""

import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIBVIRTD_SH = os.path.join(ROOT, "hack", "libvirtd.sh")
URI = "qemu:///system"

NEEDS_KVM = pytest.mark.skipif(
    not os.path.exists("/dev/kvm") or os.geteuid() != 0,
    reason="needs root and /dev/kvm (libvirtd with QEMU/KVM on this machine)")


def script(*args):
    """hack/libvirtd.sh with these arguments; its output in ``stdout``."""
    return subprocess.run(["bash", LIBVIRTD_SH] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
