# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``/dev/kvm`` probe the host modules share (``kvm_host_info``, ``host_audit_info``).

Module side, like ``libvirt/client.py``: it opens the device and does the ioctls, which the
engine never does; ``hostfacts/kvm.py`` holds the ioctl numbers and judges the ``KvmCheck``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm import (
    KVM_CREATE_VM, KVM_GET_API_VERSION, KvmCheck)


def check_kvm(path):
    """Open ``path`` (``/dev/kvm``), read its API version and create a VM, closed at once."""
    if not os.path.exists(path):
        return KvmCheck(False)
    try:
        device = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        return KvmCheck(True, error="open %s: %s" % (path, exc))
    api_version = None
    try:
        api_version = fcntl.ioctl(device, KVM_GET_API_VERSION, 0)
        os.close(fcntl.ioctl(device, KVM_CREATE_VM, 0))
    except (IOError, OSError) as exc:
        step = "KVM_GET_API_VERSION" if api_version is None else "KVM_CREATE_VM"
        return KvmCheck(True, api_version, error="%s on %s: %s" % (step, path, exc))
    finally:
        os.close(device)
    return KvmCheck(True, api_version, vm_created=True)
