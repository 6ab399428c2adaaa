#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kvm_host_info
short_description: Tell what a host can do for KVM
version_added: 0.1.0
description:
  - Reads the CPU's virtualisation extension from C(/proc/cpuinfo) (C(vmx) for Intel VT-x,
    C(svm) for AMD-V), whether the matching KVM module is loaded and C(/dev/kvm) exists, the
    module's C(nested) parameter, and the versions of libvirt and QEMU when they are installed.
  - The module changes nothing on the host.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  root:
    description: The directory holding the C(proc), C(sys) and C(dev) trees (V(/) for this host).
    type: path
    default: /
"""

EXAMPLES = r"""
- name: What can this host do?
  vmpod.core.kvm_host_info:
  register: kvm

- name: Stop early on a host without hardware virtualisation
  ansible.builtin.fail:
    msg: "{{ inventory_hostname }} has no VT-x / AMD-V"
  when: kvm.kvm_host.virtualization is none
"""

RETURN = r"""
kvm_host:
  description: What the host can do for KVM.
  returned: always
  type: dict
  contains:
    cpu_vendor:
      description: The CPU's C(vendor_id).
      returned: always
      type: str
      sample: GenuineIntel
    cpu_model:
      description: The CPU's C(model name).
      returned: always
      type: str
      sample: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz
    virtualization:
      description: V(vmx), V(svm), or null without hardware virtualisation.
      returned: always
      type: str
      sample: vmx
    kvm_module:
      description: The KVM module for the extension (V(kvm_intel), V(kvm_amd)), or null.
      returned: always
      type: str
      sample: kvm_intel
    kvm_module_loaded:
      description: Whether that module is loaded.
      returned: always
      type: bool
      sample: true
    dev_kvm:
      description: Whether C(/dev/kvm) exists.
      returned: always
      type: bool
      sample: true
    kvm_usable:
      description: Whether the CPU has the extension and C(/dev/kvm) exists.
      returned: always
      type: bool
      sample: true
    nested:
      description: The module's C(nested) parameter, null when the module is not loaded.
      returned: always
      type: bool
      sample: false
    libvirt_version:
      description: The version of libvirt's daemon, null when none is installed.
      returned: always
      type: str
      sample: 9.0.0
    qemu_version:
      description: QEMU's version, null when it is not installed.
      returned: always
      type: str
      sample: 7.2.15
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm import (
    cpu_info,
    kvm_facts,
    kvm_module,
    loaded_module_names,
    program_version,
    virtualization,
)

SBIN = ["/usr/sbin", "/sbin", "/usr/libexec"]


def read_text(path, default=None):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return default


def version_of(module, programs):
    """The version the first installed program prints with ``--version``."""
    for program in programs:
        path = module.get_bin_path(program, opt_dirs=SBIN)
        if path:
            rc, out, err = module.run_command([path, "--version"])
            if rc == 0:
                return program_version(out or err)
    return None


def main():
    module = AnsibleModule(
        argument_spec=dict(root=dict(type="path", default="/")),
        supports_check_mode=True,
    )
    root = module.params["root"]
    cpuinfo = read_text(os.path.join(root, "proc/cpuinfo"))
    if cpuinfo is None:
        module.fail_json(msg="cannot read %s" % os.path.join(root, "proc/cpuinfo"))
    cpu = cpu_info(cpuinfo)
    module_name = kvm_module(virtualization(cpu["flags"]))
    nested = None
    if module_name:
        nested = read_text(os.path.join(root, "sys/module", module_name, "parameters/nested"))
    facts = kvm_facts(
        cpu,
        loaded_module_names(read_text(os.path.join(root, "proc/modules"), "")),
        nested,
        os.path.exists(os.path.join(root, "dev/kvm")),
        version_of(module, ["virtqemud", "libvirtd"]),
        version_of(module, ["qemu-system-x86_64", "qemu-kvm", "qemu-system-aarch64"]),
    )
    module.exit_json(changed=False, kvm_host=facts)


if __name__ == "__main__":
    main()
