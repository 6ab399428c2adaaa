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


def libvirt_for_tests(prefix, pages, cleanup=None):
    """A generator for a module-scoped fixture: libvirtd up with ``pages`` free 2Mi pages and a
    connection to it; afterwards the domains whose names start with ``prefix`` are gone (with
    their UEFI variables), ``cleanup()`` has run, and what hack/libvirtd.sh set up is undone (only
    the hugepages when libvirtd was running before)."""
    import libvirt  # pylint: disable=import-outside-toplevel; the tests skip without it
    was_running = script("status").returncode == 0
    started = script("start", str(pages))
    assert started.returncode == 0, started.stdout
    conn = libvirt.open(URI)
    yield conn
    for domain in conn.listAllDomains():
        if domain.name().startswith(prefix):
            if domain.isActive():
                domain.destroy()
            domain.undefineFlags(getattr(libvirt, "VIR_DOMAIN_UNDEFINE_NVRAM", 0))
    conn.close()
    if cleanup is not None:
        cleanup()
    done = script("release" if was_running else "stop")
    assert done.returncode == 0, done.stdout
