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
  - Tells whether KVM works by asking C(/dev/kvm) itself; it opens the device, reads its API
    version (C(KVM_GET_API_VERSION)) and creates a VM (C(KVM_CREATE_VM)), which it closes at
    once. The CPU flags do not decide it, since a guest of a hypervisor may run KVM without
    C(vmx) or C(svm) in its C(/proc/cpuinfo) (for example with the C(kvm_pvm) module), and
    firmware may disable an extension the CPU has.
  - Also reads the CPU's virtualisation extension from C(/proc/cpuinfo) (C(vmx) for Intel VT-x,
    C(svm) for AMD-V), the KVM module that drives KVM (named by the extension, else the KVM
    backend module loaded or built into the kernel) and whether it is loaded, the module's
    C(nested) parameter, and the versions of libvirt and QEMU when they are installed.
  - The module changes nothing on the host (the VM it creates holds no memory and no vCPU).
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.info
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
    msg: "{{ inventory_hostname }} cannot run KVM guests: {{ kvm.kvm_host.kvm_problem }}"
  when: not kvm.kvm_host.kvm_usable
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
      description:
        - The KVM module for the extension (V(kvm_intel), V(kvm_amd)); without an extension the
          KVM backend module that is loaded or built in (for example V(kvm_pvm)); else null.
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
      description:
        - Whether C(/dev/kvm) speaks KVM API 12 and created a VM for this module, whatever the
          CPU flags say.
      returned: always
      type: bool
      sample: true
    kvm_problem:
      description: Why KVM is not usable (the step that failed and the kernel's reason); null
        when it is.
      returned: always
      type: str
      sample: "KVM_CREATE_VM on /dev/kvm: [Errno 13] Permission denied"
    kvm_api_version:
      description: The API version C(/dev/kvm) reported, null when it could not be read.
      returned: always
      type: int
      sample: 12
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
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.paths import check_paths
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm_device import check_kvm
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


def list_dir(path):
    try:
        return os.listdir(path)
    except (IOError, OSError):
        return []


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
    try:  # before any file is opened: a NUL byte or a lone surrogate would raise inside a read
        check_paths(module.params, module.argument_spec)
    except VmpodInputError as exc:
        module.fail_json(msg=to_native(exc))
    root = module.params["root"]
    cpuinfo = read_text(os.path.join(root, "proc/cpuinfo"))
    if cpuinfo is None:
        module.fail_json(msg="cannot read %s" % os.path.join(root, "proc/cpuinfo"))
    cpu = cpu_info(cpuinfo)
    loaded = loaded_module_names(read_text(os.path.join(root, "proc/modules"), ""),
                                 list_dir(os.path.join(root, "sys/module")))
    module_name = kvm_module(virtualization(cpu["flags"]), loaded)
    nested = None
    if module_name:
        nested = read_text(os.path.join(root, "sys/module", module_name, "parameters/nested"))
    facts = kvm_facts(
        cpu,
        loaded,
        nested,
        check_kvm(os.path.join(root, "dev/kvm")),
        version_of(module, ["virtqemud", "libvirtd"]),
        version_of(module, ["qemu-system-x86_64", "qemu-kvm", "qemu-system-aarch64"]),
    )
    module.exit_json(changed=False, kvm_host=facts)


if __name__ == "__main__":
    main()
