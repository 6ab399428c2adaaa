#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpu_partition_info
short_description: Check a split of a host's CPUs into isolated and reserved CPUs
version_added: 0.1.0
description:
  - Reads the host's online CPUs and hyper-thread siblings from sysfs and checks a split of them
    into isolated CPUs (for pinned virtual machine vCPUs) and reserved, housekeeping CPUs (for
    the system, interrupts and the kubelet).
  - Fails, naming the option and the CPUs, when a set is empty, when a CPU is in both, when a
    CPU is not online, or when the two together leave an online CPU out.
  - Warns when the two sets split the hyper-thread siblings of a core.
  - Returns the kernel arguments that isolate the CPUs (for M(vmpod.core.kernel_cmdline)) and
    the reserved CPUs in the forms systemd and the kubelet take. The module changes nothing.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.info
options:
  isolated:
    description: The CPUs to isolate, in the Linux list format (V(2-7,10-15)).
    type: str
    required: true
  reserved:
    description: The housekeeping CPUs, in the Linux list format (V(0-1,8-9)).
    type: str
    required: true
  load_balance:
    description:
      - Whether the scheduler may still balance load onto the isolated CPUs. V(false) adds the
        C(domain) flag to C(isolcpus), which removes them from the scheduler domains.
    type: bool
    default: false
  sysfs_root:
    description: The directory holding the C(sys) tree (V(/) for this host).
    type: path
    default: /
seealso:
  - name: The kernel's CPU isolation parameters
    description: C(isolcpus), C(nohz_full), C(rcu_nocbs), C(irqaffinity).
    link: https://docs.kernel.org/admin-guide/kernel-parameters.html
"""

EXAMPLES = r"""
- name: Check the split and compute the kernel arguments
  vmpod.core.cpu_partition_info:
    isolated: 2-7,10-15
    reserved: 0-1,8-9
  register: partition

- name: Write them
  vmpod.core.kernel_cmdline:
    arguments: "{{ partition.kernel_arguments }}"
"""

RETURN = r"""
isolated:
  description: The isolated CPUs, in canonical Linux list format.
  returned: success
  type: str
  sample: 2-7,10-15
reserved:
  description: The reserved CPUs, in canonical Linux list format.
  returned: success
  type: str
  sample: 0-1,8-9
online:
  description: The host's online CPUs.
  returned: success
  type: str
  sample: 0-15
affinity:
  description: The reserved CPUs as systemd's C(CPUAffinity=) takes them.
  returned: success
  type: str
  sample: 0-1 8-9
kernel_arguments:
  description: C(isolcpus), C(nohz_full), C(rcu_nocbs) and C(irqaffinity) for the split.
  returned: success
  type: list
  elements: str
  sample: [isolcpus=managed_irq,domain,2-7,10-15, nohz_full=2-7,10-15, rcu_nocbs=2-7,10-15,
           irqaffinity=0-1,8-9]
argument_keys:
  description: The parameter names of RV(kernel_arguments) (the O(vmpod.core.kernel_cmdline#module:keys) a
    task that writes them owns).
  returned: success
  type: list
  elements: str
  sample: [isolcpus, nohz_full, rcu_nocbs, irqaffinity]
split_cores:
  description: One message per core whose hyper-thread siblings are on both sides.
  returned: success
  type: list
  elements: str
  sample: []
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.vmpod.core.plugins.module_utils.values.paths import check_paths
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.cpu_partition import (
    ISOLATION_ARGUMENT_KEYS,
    affinity_list,
    isolation_arguments,
    partition,
    siblings_from_lists,
)
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

CPU_DIR = "sys/devices/system/cpu"


def read_cpus(root):
    """The online CPUs and ``{cpu: siblings list text}``."""
    with open(os.path.join(root, CPU_DIR, "online")) as handle:
        online = parse_cpuset(handle.read().strip(), CPU_DIR + "/online")
    lists = {}
    for cpu in online:
        for name in ("core_cpus_list", "thread_siblings_list"):
            path = os.path.join(root, CPU_DIR, "cpu%d" % cpu, "topology", name)
            if os.path.exists(path):
                with open(path) as handle:
                    lists[cpu] = handle.read()
                break
    return online, lists


def main():
    module = AnsibleModule(
        argument_spec=dict(
            isolated=dict(type="str", required=True),
            reserved=dict(type="str", required=True),
            load_balance=dict(type="bool", default=False),
            sysfs_root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    try:  # before any file is opened: a NUL byte or a lone surrogate would raise inside a read
        check_paths(module.params, module.argument_spec)
    except VmpodInputError as exc:
        module.fail_json(msg=to_native(exc))
    params = module.params
    try:
        online, lists = read_cpus(params["sysfs_root"])
        part = partition(online, params["isolated"], params["reserved"],
                         siblings_from_lists(lists), paths=("isolated", "reserved"))
    except VmpodInputError as exc:
        module.fail_json(msg=str(exc))
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (exc.filename, exc.strerror))
    for warning in part.warnings:
        module.warn(warning)
    module.exit_json(
        changed=False,
        isolated=format_cpuset(part.isolated),
        reserved=format_cpuset(part.reserved),
        online=format_cpuset(online),
        affinity=affinity_list(part.reserved),
        kernel_arguments=isolation_arguments(part, params["load_balance"]),
        argument_keys=list(ISOLATION_ARGUMENT_KEYS),
        split_cores=part.warnings,
    )


if __name__ == "__main__":
    main()
