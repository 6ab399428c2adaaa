#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: numa_hugepages
short_description: Allocate hugepages per NUMA node at runtime
version_added: 0.1.0
description:
  - Takes hugepages in the shape of OpenShift's PerformanceProfile C(spec.hugepages), a list of
    C({size, count, node}) and a default size.
  - Pages with a C(node) are allocated now, in that node's pool
    (C(/sys/devices/system/node/nodeN/hugepages/hugepages-<kB>kB/nr_hugepages)). Each count is
    written, read back, and written again after memory compaction until the kernel holds it or
    O(retries) run out. Pools that shrink are written first, so that their memory can serve the
    pools that grow.
  - When the kernel cannot give a node its pages, every pool the module changed is put back as
    it was and the module fails with the wanted and the actual count per node.
  - Pages without a node are boot-time pages; the module does not allocate them but returns the
    kernel arguments that do (RV(kernel_arguments)), for M(vmpod.core.kernel_cmdline), and the
    pools as the running kernel has them (RV(boot_pools)).
  - Sizes the host does not offer (C(1Gi) needs a CPU with C(pdpe1gb)) and nodes it does not have
    fail before anything changes.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.info
options:
  pages:
    description:
      - The hugepages, each C(size) (V(2Mi), V(1Gi); the kernel's V(2M), V(1G) too), C(count) and
        optionally C(node).
      - A size has either a node in every entry or in none. One entry per size and node.
    type: list
    elements: dict
    default: []
  default_size:
    description:
      - The default hugepage size (C(default_hugepagesz)), the page size of C(MAP_HUGETLB) and of
        hugetlbfs mounts without C(pagesize).
    type: str
  retries:
    description:
      - How many times a count is written again when the kernel gave fewer pages, from 0 to
        100; an integer or its digits as text (as AWX surveys and C(-e) give it).
    type: raw
    default: 5
  delay:
    description: Seconds to wait before each new try, from 0 to 3600.
    type: float
    default: 1.0
  compact:
    description: Ask the kernel to compact memory (C(/proc/sys/vm/compact_memory)) before each
      new try, which frees contiguous memory for the larger page sizes.
    type: bool
    default: true
  sysfs_root:
    description: The directory holding the C(sys) and C(proc) trees (V(/) for this host).
    type: path
    default: /
notes:
  - The counts hold until the next boot; the vmpod.core.hugepages role installs a systemd unit
    that writes them again at boot.
seealso:
  - name: Linux hugepages
    description: The per-node pools and the boot-time parameters.
    link: https://docs.kernel.org/admin-guide/mm/hugetlbpage.html
  - name: OpenShift PerformanceProfile hugepages
    description: The shape of O(pages).
    link: https://docs.openshift.com/container-platform/latest/scalability_and_performance/cnf-tuning-low-latency-nodes-with-perf-profile.html
"""

EXAMPLES = r"""
- name: 4 x 1Gi on node 0 and 512 x 2Mi on node 1, now
  vmpod.core.numa_hugepages:
    pages:
      - {size: 1Gi, count: 4, node: 0}
      - {size: 2Mi, count: 512, node: 1}

- name: Boot-time pages, for which only the kernel arguments are computed
  vmpod.core.numa_hugepages:
    default_size: 1Gi
    pages:
      - {size: 1Gi, count: 16}
  register: hugepages

- name: Put them on the kernel command line
  vmpod.core.kernel_cmdline:
    arguments: "{{ hugepages.kernel_arguments }}"
    keys: [default_hugepagesz, hugepagesz, hugepages]
"""

RETURN = r"""
pools:
  description: One entry per node pool of O(pages), with the pages before and after.
  returned: always
  type: list
  elements: dict
  sample: [{node: 0, size: 1Gi, wanted: 4, before: 0, actual: 4}]
boot_pools:
  description: One entry per size without a node, with the pages the running kernel holds
    (C(/sys/kernel/mm/hugepages/hugepages-<kB>kB/nr_hugepages)).
  returned: always
  type: list
  elements: dict
  sample: [{size: 2Mi, wanted: 512, actual: 512}]
kernel_arguments:
  description: The kernel arguments for the default size and the pages without a node, sizes
    ascending.
  returned: always
  type: list
  elements: str
  sample: [default_hugepagesz=1G, hugepagesz=2M, hugepages=512, hugepagesz=1G, hugepages=4]
nodes:
  description: The host's NUMA nodes.
  returned: always
  type: list
  elements: int
  sample: [0, 1]
page_sizes:
  description: The page sizes O(pages) and O(default_size) use, ascending, each as a Kubernetes
    quantity (C(size)), as the kernel and hugetlbfs's C(pagesize) spell it (C(pagesize)) and in
    KiB (C(kib)).
  returned: always
  type: list
  elements: dict
  sample: [{size: 2Mi, pagesize: 2M, kib: 2048}, {size: 1Gi, pagesize: 1G, kib: 1048576}]
sizes:
  description: The page sizes the host offers.
  returned: always
  type: list
  elements: str
  sample: [2Mi, 1Gi]
"""

import os
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.vmpod.core.plugins.module_utils.values.paths import check_paths
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.hugepage_pools import (
    allocation_order,
    boot_arguments,
    check_host,
    kernel_size,
    parse_page_size,
    parse_pages,
    pool_path,
    pool_report,
    quantity_size,
    runtime_targets,
    shortfall_message,
    supported_sizes,
)

NODE_DIR = "sys/devices/system/node"
HUGEPAGES_DIR = "sys/kernel/mm/hugepages"


class Pools:
    """The hugepage files of one host, under ``root``."""

    def __init__(self, root):
        self.root = root

    def path(self, relative):
        return os.path.join(self.root, relative)

    def nodes(self):
        directory = self.path(NODE_DIR)
        if not os.path.isdir(directory):
            return {0} if os.path.isdir(self.path(HUGEPAGES_DIR)) else set()
        return set(int(name[4:]) for name in os.listdir(directory) if re.match(r"^node\d+$", name))

    def sizes(self):
        directory = self.path(HUGEPAGES_DIR)
        return supported_sizes(os.listdir(directory)) if os.path.isdir(directory) else set()

    def node_file(self, node, size):
        return self.path(os.path.join(NODE_DIR, pool_path(node, size)))

    def read(self, node, size):
        with open(self.node_file(node, size)) as handle:
            return int(handle.read().strip())

    def write(self, node, size, count):
        with open(self.node_file(node, size), "w") as handle:
            handle.write("%d\n" % count)

    def read_global(self, size):
        path = self.path(os.path.join(HUGEPAGES_DIR, "hugepages-%dkB" % size, "nr_hugepages"))
        with open(path) as handle:
            return int(handle.read().strip())

    def compact(self):
        path = self.path("proc/sys/vm/compact_memory")
        if os.path.exists(path):
            try:
                with open(path, "w") as handle:
                    handle.write("1\n")
            except (IOError, OSError):
                pass  # compaction helps, it is not needed


MAX_RETRIES = 100
MAX_DELAY = 3600


def set_pool(pools, node, size, count, retries, delay, compact):
    """Write ``count`` until the kernel holds it; the count it holds at the end."""
    actual = None
    for attempt in range(retries + 1):
        if attempt:
            if compact:
                pools.compact()
            time.sleep(delay)
        try:
            pools.write(node, size, count)
        except (IOError, OSError):
            pass  # the kernel refuses part of a count with ENOMEM on some versions
        actual = pools.read(node, size)
        if actual == count:
            break
    return actual


def page_sizes(requests, default_size):
    """The sizes the pages and the default size use, for one hugetlbfs mount each."""
    sizes = set(r.size_kib for r in requests)
    if default_size:
        sizes.add(parse_page_size(default_size, "default_size"))
    return [{"size": quantity_size(size), "pagesize": kernel_size(size), "kib": size}
            for size in sorted(sizes)]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            pages=dict(type="list", elements="dict", default=[]),
            default_size=dict(type="str"),
            retries=dict(type="raw", default=5),  # checked below: ansible-core's int raises on "Inf"
            delay=dict(type="float", default=1.0),
            compact=dict(type="bool", default=True),
            sysfs_root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    try:  # before any file is opened: a NUL byte or a lone surrogate would raise inside a read
        check_paths(module.params, module.argument_spec)
    except VmpodInputError as exc:
        module.fail_json(msg=to_native(exc))
    params = module.params
    retries = params["retries"]
    if isinstance(retries, str) and retries.strip().isascii() and retries.strip().isdigit() and len(retries.strip()) <= 3:
        retries = int(retries)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_RETRIES:
        module.fail_json(msg=to_native(VmpodInputError("retries", params["retries"],
                                                       "must be a whole number from 0 to %d" % MAX_RETRIES)))
    params["retries"] = retries
    if not 0 <= params["delay"] <= MAX_DELAY:  # (not a number, infinity: outside too)
        module.fail_json(msg=to_native(VmpodInputError("delay", params["delay"],
                                                       "must be from 0 to %d seconds" % MAX_DELAY)))
    pools = Pools(params["sysfs_root"])
    try:
        requests = parse_pages(params["pages"], "pages")
        arguments = boot_arguments(requests, params["default_size"], "default_size")
        nodes, sizes = pools.nodes(), pools.sizes()
        check_host(requests, nodes, sizes, params["default_size"], "default_size")
        targets = runtime_targets(requests)
        before = dict((pool, pools.read(*pool)) for pool in targets)
        boot = [{"size": quantity_size(r.size_kib), "wanted": r.count,
                 "actual": pools.read_global(r.size_kib)}
                for r in sorted(requests, key=lambda r: r.size_kib) if r.node is None]
    except VmpodInputError as exc:
        module.fail_json(msg=str(exc))
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (exc.filename, exc.strerror))
    result = dict(changed=False, kernel_arguments=arguments, boot_pools=boot,
                  nodes=sorted(nodes), sizes=[quantity_size(size) for size in sorted(sizes)],
                  page_sizes=page_sizes(requests, params["default_size"]))
    order = allocation_order(targets, before)
    if module.check_mode or not order:
        result.update(changed=bool(order), pools=pool_report(targets, before, before))
        module.exit_json(**result)

    actual = dict(before)
    written = []
    try:
        for node, size in order:
            written.append((node, size))
            actual[(node, size)] = set_pool(pools, node, size, targets[(node, size)],
                                            params["retries"], params["delay"], params["compact"])
            if actual[(node, size)] != targets[(node, size)]:
                break
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot write %s: %s" % (exc.filename, exc.strerror),
                         pools=pool_report(targets, before, actual), **result)
    if all(actual[pool] == targets[pool] for pool in targets):
        result.update(changed=True, pools=pool_report(targets, before, actual))
        module.exit_json(**result)

    restored = {}
    for node, size in reversed(written):  # the grown pools first: they give memory back
        restored[(node, size)] = set_pool(pools, node, size, before[(node, size)],
                                          params["retries"], params["delay"], False)
    result["pools"] = pool_report(targets, before, actual)
    module.fail_json(msg=shortfall_message(targets, actual, before, restored), restored=[
        {"node": node, "size": quantity_size(size), "pages": pages}
        for (node, size), pages in sorted(restored.items())], **result)


if __name__ == "__main__":
    main()
