#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_audit_info
short_description: Audit a VM host - memory overhead, drift from the plans, readiness
version_added: 0.1.0
description:
  - Reads what a host runs and how it is set up, changes nothing, and returns one report with
    three sections.
  - C(overhead) - for every running QEMU guest (found in C(/proc) by its C(-name guest=) and
    C(-m) arguments, so libvirt domains and KubeVirt launcher Pods alike) the memory it uses
    beyond guest RAM, against the overhead computed for it (C(launcher_resources.memory_overhead)
    of its plan). Counted - the larger of (a) the QEMU process's resident pages (C(Rss) over
    C(/proc/<pid>/smaps), hugetlb pages excluded) minus the resident pages of its guest RAM
    mapping (the mapping of exactly the guest's size), and (b) the peak usage of the VM's memory
    cgroup (libvirt's C(machine-qemu...scope) or C(qemu-N-name.libvirt-qemu), a Pod's
    C(pod<uid>); C(memory.peak) or C(memory.max_usage_in_bytes)) minus the resident guest RAM.
    Hugetlb pages (hugepage-backed guest RAM) are reported apart and never counted as overhead.
    Each VM gets a margin, an OOM risk, and each class of VM (dedicated or shared CPUs, page
    size) a recommended C(additionalGuestMemoryOverheadRatio) factor or
    C(reservedOverhead.addedOverhead).
  - C(drift) - the live vCPU, emulator and IOThread pinning and numatune of each running libvirt
    domain (through the libvirt API at O(uri)) and the hugepages its QEMU maps per NUMA node
    (C(/proc/<pid>/numa_maps)) against its plan. A guest that libvirt at O(uri) does not list (a
    KubeVirt VM, whose libvirt runs inside its launcher Pod, or any guest when libvirt cannot be
    read) is read from its QEMU threads instead - the C(Cpus_allowed_list) of its C(CPU n/KVM)
    and C(IO iothreadN) threads and of its main thread (the emulator), and the main thread's
    C(Mems_allowed_list) (the cgroup's C(cpuset.mems) a strict numatune sets); the kubelet's C(cpu_manager_state) and
    C(memory_manager_state) under O(kubelet_root), where present, against the plans together.
  - C(readiness) - C(/proc/cmdline) against the kernel arguments the C(cpu_isolation) and
    C(hugepages) roles want for the same variables, the isolated CPUs
    (C(/sys/devices/system/cpu/isolated), C(nohz_full)), the hugepage pools per node, the
    hugetlbfs mounts, the kubelet's configuration (static CPU manager, Topology Manager policy,
    memory manager, C(reservedSystemCPUs)) and whether C(/dev/kvm) creates a VM.
  - A host without libvirt-python or without a reachable libvirtd is not a failure - the report
    says why the domains' drift was skipped. Bad input (a variable of the wrong shape, a plan
    that is not a C(plan.json)) fails with the field and the value.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.info
options:
  host:
    description: The name the report gives the host (the inventory name); the node name when
      empty.
    type: str
    default: ""
  plans:
    description:
      - The plans of the VMs this host should run, each the content of a C(plan.json) that
        C(playbooks/render.yml) wrote (a C(vmpod.core.plan_placement) result with C(name),
        C(namespace) and C(launcher_resources)). A domain is matched by its name,
        C(<namespace>_<name>) as KubeVirt names it; plans that did not fit are ignored.
    type: list
    elements: dict
    default: []
  libvirt:
    description: Whether to read the domains through libvirt (drift). V(false) on a host
      without libvirt; the overhead is measured from C(/proc) either way.
    type: bool
    default: true
  uri:
    description: The libvirt connection URI.
    type: str
    default: qemu:///system
  root:
    description: The directory holding the C(proc), C(sys), C(dev) and C(run) trees (V(/) for
      this host).
    type: path
    default: /
  kubelet_root:
    description: The kubelet's root directory, holding C(cpu_manager_state),
      C(memory_manager_state) and C(config.yaml). Files that do not exist are skipped.
    type: path
    default: /var/lib/kubelet
  kubelet_config_dir:
    description: The kubelet's drop-in directory (C(--config-dir)); its C(*.conf) files are
      merged over C(config.yaml) in name order.
    type: path
    default: /etc/kubernetes/kubelet.conf.d
  cpu_isolation_isolated:
    description: As the C(vmpod.core.cpu_isolation) role takes it - the isolated CPUs. Without
      it the host is taken as not partitioned.
    type: str
  cpu_isolation_reserved:
    description: As the C(cpu_isolation) role takes it - the housekeeping CPUs.
    type: str
  cpu_isolation_load_balance:
    description: As the C(cpu_isolation) role takes it.
    type: bool
    default: false
  cpu_isolation_kernel_arguments:
    description: As the C(cpu_isolation) role takes it; V(false) skips its kernel arguments.
    type: bool
    default: true
  cpu_isolation_tuned:
    description: As the C(cpu_isolation) role takes it; V(true) leaves the arguments to TuneD,
      so only the isolated CPUs are checked.
    type: bool
    default: false
  cpu_isolation_kubelet_topology_manager_policy:
    description: As the C(cpu_isolation) role takes it.
    type: str
    choices: [none, best-effort, restricted, single-numa-node]
    default: single-numa-node
  cpu_isolation_kubelet_memory_manager:
    description: As the C(cpu_isolation) role takes it.
    type: bool
    default: true
  hugepages_pages:
    description: As the C(vmpod.core.hugepages) role takes it - C({size, count, node}) entries.
    type: list
    elements: dict
    default: []
  hugepages_default_size:
    description: As the C(hugepages) role takes it.
    type: str
    default: ""
  hugepages_mount:
    description: As the C(hugepages) role takes it.
    type: bool
    default: true
  hugepages_mount_prefix:
    description: As the C(hugepages) role takes it.
    type: path
    default: /dev/hugepages
  kernel_arguments:
    description: More kernel arguments the running kernel must have (V(intel_iommu=on)).
    type: list
    elements: str
    default: []
requirements:
  - libvirt-python on the managed host for the domains' drift (without it that part is
    skipped and the report says so)
notes:
  - The module runs in check mode as it does otherwise; it never changes anything.
  - On a bare libvirt host libvirtd and virtlogd serve every domain and are not counted; a
    launcher Pod's cgroup holds virt-launcher and virtqemud too, which KubeVirt's overhead
    covers. So a libvirt host shows a larger margin than the same VM in a Pod.
seealso:
  - name: KubeVirt - memory overhead
    description: additionalGuestMemoryOverheadRatio and the overhead a VMI's Pod is given.
    link: https://kubevirt.io/user-guide/compute/virtual_hardware/#memory-overhead
"""

EXAMPLES = r"""
- name: Audit this host against the plans render.yml wrote
  vmpod.core.host_audit_info:
    host: "{{ inventory_hostname }}"
    plans: "{{ query('ansible.builtin.fileglob', 'out/render/*/plan.json')
               | map('ansible.builtin.file') | map('ansible.builtin.from_json') }}"
    cpu_isolation_isolated: 2-7
    cpu_isolation_reserved: 0-1
    hugepages_pages: [{size: 2Mi, count: 512, node: 0}]
  register: audit

- name: Show the report
  ansible.builtin.debug:
    msg: "{{ audit.markdown }}"
"""

RETURN = r"""
audit:
  description: The report.
  returned: always
  type: dict
  contains:
    host:
      description: The host's name.
      returned: always
      type: str
      sample: kvm-07
    verdict:
      description: The worst status found - V(fail), V(warn), V(ok), or V(skip) when nothing
        was checked.
      returned: always
      type: str
      sample: warn
    counts:
      description: How many findings (and overhead rows) have each status.
      returned: always
      type: dict
      sample: {"fail": 0, "warn": 1, "ok": 12, "skip": 3}
    overhead:
      description:
        - C(rows) - one per running QEMU guest - C(domain), C(class), C(guest_memory),
          C(accelerator) (V(kvm), V(tcg)), C(computed_overhead), C(measured_overhead), C(margin) (computed minus measured, bytes),
          C(counted) (V(process) or V(cgroup), the larger view), C(oom_risk) (V(high) above the
          computed overhead, V(medium) within 10% of it, V(low), V(unknown) without a plan),
          C(process) (C(rss), C(guest_resident), C(hugetlb), C(overhead), C(guest_ram_found)) and
          C(cgroup) (C(path), C(current), C(peak)).
        - C(recommendations) - per class (dedicated or shared CPUs, hugepage size or regular
          memory, TCG when emulated) - C(measured_to_computed),
          C(additionalGuestMemoryOverheadRatio) (the factor to multiply the ratio the plans were
          made with; null when none is needed), C(addedOverhead) (a quantity; null when none is
          needed), C(advice).
        - C(counted) says what is counted; C(problem) why libvirt could not be read, if so.
      returned: always
      type: dict
    drift:
      description: C(verdict) and C(findings) - each C(check) (V(drift), V(kubelet_state)),
        C(subject), C(status) (V(ok), V(warn), V(fail), V(skip)), C(wanted), C(actual),
        C(message).
      returned: always
      type: dict
    readiness:
      description: C(verdict) and C(findings), as in RV(audit.drift); the checks V(kvm),
        V(kernel_arguments), V(isolated_cpus), V(hugepage_pools), V(hugetlbfs_mounts),
        V(kubelet).
      returned: always
      type: dict
markdown:
  description: The report laid out as Markdown.
  returned: always
  type: str
"""

import glob
import os
import platform

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.vmpod.core.plugins.module_utils.audit import procfs
from ansible_collections.vmpod.core.plugins.module_utils.audit.drift import KubeletState, LiveDomain
from ansible_collections.vmpod.core.plugins.module_utils.audit.overhead import Measured
from ansible_collections.vmpod.core.plugins.module_utils.audit.plans import read_planned_vms
from ansible_collections.vmpod.core.plugins.module_utils.audit.readiness import (
    HostFacts, kubelet_configuration)
from ansible_collections.vmpod.core.plugins.module_utils.audit.report import host_report, markdown
from ansible_collections.vmpod.core.plugins.module_utils.audit.wanted import read_wanted
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm_device import check_kvm
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kvm import (
    kvm_problem, kvm_usable)
from ansible_collections.vmpod.core.plugins.module_utils.libvirt import domain_xml as libvirt_xml
from ansible_collections.vmpod.core.plugins.module_utils.libvirt.client import LIBVIRT_ERRORS, libvirt
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.paths import check_paths

WANTED_OPTIONS = (
    "cpu_isolation_isolated", "cpu_isolation_reserved", "cpu_isolation_load_balance",
    "cpu_isolation_kernel_arguments", "cpu_isolation_tuned",
    "cpu_isolation_kubelet_topology_manager_policy", "cpu_isolation_kubelet_memory_manager",
    "hugepages_pages", "hugepages_default_size", "hugepages_mount", "hugepages_mount_prefix",
    "kernel_arguments")


def read_text(path, default=None):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError, UnicodeDecodeError):
        return default


def read_int(path):
    text = read_text(path)
    try:
        return int(text.strip()) if text is not None else None
    except ValueError:
        return None


def hugepage_pools(root):
    """``({node: {KiB: (nr, free)}}, {KiB: nr})`` from sysfs."""
    nodes = {}
    for directory in glob.glob(os.path.join(root, "sys/devices/system/node/node*/hugepages/hugepages-*kB")):
        node = int(directory.split("/node/node", 1)[1].split("/", 1)[0])
        kib = int(directory.rsplit("hugepages-", 1)[1][:-2])
        nodes.setdefault(node, {})[kib] = (read_int(os.path.join(directory, "nr_hugepages")) or 0,
                                           read_int(os.path.join(directory, "free_hugepages")) or 0)
    pools = {}
    for directory in glob.glob(os.path.join(root, "sys/kernel/mm/hugepages/hugepages-*kB")):
        pools[int(directory.rsplit("hugepages-", 1)[1][:-2])] = read_int(
            os.path.join(directory, "nr_hugepages")) or 0
    return nodes, pools


def cpu_nodes(root):
    found = {}
    for path in glob.glob(os.path.join(root, "sys/devices/system/node/node*/cpulist")):
        node = int(path.split("/node/node", 1)[1].split("/", 1)[0])
        for cpu in parse_cpuset((read_text(path) or "").strip(), path):
            found[cpu] = node
    return found


def default_page_kib(meminfo):
    for line in (meminfo or "").splitlines():
        if line.startswith("Hugepagesize:"):
            return int(line.split()[1])
    return None


def kubelet_files(params):
    paths = [os.path.join(params["kubelet_root"], "config.yaml")]
    paths += sorted(glob.glob(os.path.join(params["kubelet_config_dir"], "*.conf")))
    return [(path, read_text(path)) for path in paths if os.path.isfile(path)]


def host_facts(params):
    root = params["root"]
    files = kubelet_files(params)
    settings, problem = kubelet_configuration([(p, t) for p, t in files if t is not None])
    unreadable = [p for p, t in files if t is None]
    if unreadable:
        problem = "cannot read %s" % ", ".join(unreadable)
    check = check_kvm(os.path.join(root, "dev/kvm"))
    nodes, pools = hugepage_pools(root)
    cpu = os.path.join(root, "sys/devices/system/cpu")
    return HostFacts(
        cmdline=read_text(os.path.join(root, "proc/cmdline"), ""),
        online=parse_cpuset((read_text(os.path.join(cpu, "online")) or "").strip(), "online"),
        cpu_nodes=cpu_nodes(root),
        isolated=read_text(os.path.join(cpu, "isolated")),
        nohz_full=read_text(os.path.join(cpu, "nohz_full")),
        node_pools=nodes,
        global_pools=pools,
        default_page_kib=default_page_kib(read_text(os.path.join(root, "proc/meminfo"))),
        mounts=tuple(procfs.hugetlbfs_mounts(read_text(os.path.join(root, "proc/mounts"), ""))),
        kvm={"usable": kvm_usable(check), "problem": kvm_problem(check)},
        kubelet=settings,
        kubelet_files=tuple(item[0] for item in files),
        kubelet_problem=problem,
    )


def qemu_processes(root):
    """``{guest name: (pid, guest KiB, accelerator)}`` of the QEMU processes in ``/proc``."""
    found = {}
    try:
        entries = os.listdir(os.path.join(root, "proc"))
    except (IOError, OSError):
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        text = read_text(os.path.join(root, "proc", entry, "cmdline"))
        arguments = text.split("\0") if text else []
        guest = procfs.qemu_guest(arguments)
        if guest is not None:
            found[guest[0]] = (int(entry), guest[1], procfs.qemu_accelerator(arguments))
    return found


def threads(root, pid):
    """``[(tid, comm, status text)]`` of a process's threads."""
    found = []
    for task in glob.glob(os.path.join(root, "proc", str(pid), "task", "[0-9]*")):
        comm = read_text(os.path.join(task, "comm"))
        status = read_text(os.path.join(task, "status"))
        if comm is not None and status is not None:
            found.append((int(os.path.basename(task)), comm, status))
    return sorted(found)


def measure(root, name, pid, guest_kib, accelerator):
    """The ``Measured`` of one QEMU process, and its hugepages per node (None if unreadable)."""
    proc = os.path.join(root, "proc", str(pid))
    smaps = read_text(os.path.join(proc, "smaps"))
    numa_maps = read_text(os.path.join(proc, "numa_maps"))
    cgroup = procfs.vm_cgroup(read_text(os.path.join(proc, "cgroup"), ""))
    current = peak = None
    if cgroup is not None:
        now, high = cgroup.files()
        current = read_int(os.path.join(root, "sys/fs/cgroup", now.lstrip("/")))
        peak = read_int(os.path.join(root, "sys/fs/cgroup", high.lstrip("/")))
    measured = Measured(name, guest_kib * 1024,
                        procfs.process_memory(smaps, guest_kib) if smaps is not None else None,
                        cgroup.path if cgroup else None, current, peak, accelerator)
    pages = procfs.hugetlb_pages_per_node(numa_maps) if numa_maps is not None else None
    return measured, pages


def read_placement(domain):
    """The live pinning, as ``libvirt_domain`` reads it back."""
    flags = libvirt.VIR_DOMAIN_AFFECT_LIVE
    iothreads = [(info[0], info[1]) for info in domain.ioThreadInfo(flags)]
    memnodes = libvirt_xml.numatune_from_xml(libvirt_xml.read_domain(domain.XMLDesc(0),
                                                                     "libvirt's XML"))
    return libvirt_xml.placement_from_libvirt(
        domain.vcpuPinInfo(flags), domain.emulatorPinInfo(flags), iothreads,
        domain.numaParameters(flags), memnodes["memnodes"], "live")


def live_placements(params):
    """``({domain name: placement}, problem)``; problem says why libvirt was not read."""
    if not params["libvirt"]:
        return {}, "libvirt not read (libvirt=false)"
    if libvirt is None:
        return {}, "libvirt not read: %s" % missing_required_lib("libvirt-python")
    try:
        connection = libvirt.open(params["uri"])
    except LIBVIRT_ERRORS as exc:
        return {}, "libvirt at %s cannot be reached: %s" % (params["uri"], exc)
    try:
        return dict((domain.name(), read_placement(domain))
                    for domain in connection.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)), None
    except LIBVIRT_ERRORS as exc:
        return {}, "libvirt at %s: %s" % (params["uri"], exc)
    finally:
        connection.close()


def run(params):
    wanted = read_wanted(dict((name, params[name]) for name in WANTED_OPTIONS))
    planned = read_planned_vms(params["plans"])
    facts = host_facts(params)
    measurements = []
    pages = {}
    processes = qemu_processes(params["root"])
    for name, process in sorted(processes.items()):
        measured, pages[name] = measure(params["root"], name, *process)
        measurements.append(measured)
    placements, problem = live_placements(params)
    # a guest libvirt does not list here (libvirt unreachable, or inside a launcher Pod): the
    # pinning its threads have
    for name, process in processes.items():
        if name not in placements:
            placement = procfs.thread_placement(process[0], threads(params["root"], process[0]))
            if placement is not None:
                placements[name] = placement
    live = [LiveDomain(name, placement, pages.get(name)) for name, placement in sorted(placements.items())]
    state = KubeletState(*(
        (text, path) if text is not None else None
        for path, text in ((path, read_text(path)) for path in (
            os.path.join(params["kubelet_root"], "cpu_manager_state"),
            os.path.join(params["kubelet_root"], "memory_manager_state")))))
    report = host_report(params["host"] or platform.node(), facts, wanted, planned, live,
                         measurements, state, problem)
    return report


def main():
    module = AnsibleModule(
        argument_spec=dict(
            host=dict(type="str", default=""),
            plans=dict(type="list", elements="dict", default=[]),
            libvirt=dict(type="bool", default=True),
            uri=dict(type="str", default="qemu:///system"),
            root=dict(type="path", default="/"),
            kubelet_root=dict(type="path", default="/var/lib/kubelet"),
            kubelet_config_dir=dict(type="path", default="/etc/kubernetes/kubelet.conf.d"),
            cpu_isolation_isolated=dict(type="str"),
            cpu_isolation_reserved=dict(type="str"),
            cpu_isolation_load_balance=dict(type="bool", default=False),
            cpu_isolation_kernel_arguments=dict(type="bool", default=True),
            cpu_isolation_tuned=dict(type="bool", default=False),
            cpu_isolation_kubelet_topology_manager_policy=dict(
                type="str", default="single-numa-node",
                choices=["none", "best-effort", "restricted", "single-numa-node"]),
            cpu_isolation_kubelet_memory_manager=dict(type="bool", default=True),
            hugepages_pages=dict(type="list", elements="dict", default=[]),
            hugepages_default_size=dict(type="str", default=""),
            hugepages_mount=dict(type="bool", default=True),
            hugepages_mount_prefix=dict(type="path", default="/dev/hugepages"),
            kernel_arguments=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    try:  # before any file is opened: a NUL byte or a lone surrogate would raise inside a read
        check_paths(module.params, module.argument_spec)
        report = run(module.params)
    except VmpodInputError as exc:
        module.fail_json(msg=to_native(exc))
    module.exit_json(changed=False, audit=report, markdown=markdown(report))


if __name__ == "__main__":
    main()
