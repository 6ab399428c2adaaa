#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_topology_info
short_description: Read a host's CPU, NUMA and hugepage topology
version_added: 0.1.0
description:
  - Reads the topology of a Linux host that runs virtual machines, from sysfs or from libvirt's
    capabilities, and returns it as the host data that vmpod.core's placement functions take
    (the C(host) argument of the C(vmpod.core.plan_placement) filter).
  - One entry per online logical CPU with its socket, core and NUMA node; hyper-thread siblings
    share socket and core. One entry per NUMA node with its memory, its distances to every node
    and its hugepage pools (total and free pages of each page size).
  - With O(source=sysfs) (the default) the module reads C(/sys/devices/system/cpu) (C(online),
    C(isolated), and C(cpuN/topology/physical_package_id), C(core_id), C(core_cpus_list) or
    C(thread_siblings_list), and the C(cpuN/nodeM) links), and for each node
    C(/sys/devices/system/node/nodeN/cpulist), C(meminfo) (C(MemTotal)), C(distance) and
    C(hugepages/hugepages-<size>kB/nr_hugepages) and C(free_hugepages).
  - A kernel without NUMA support has no C(/sys/devices/system/node); the host is then one node
    0 that holds every CPU, with the memory of C(/proc/meminfo) and the hugepage pools of
    C(/sys/kernel/mm/hugepages).
  - With O(pci_devices=true) (the default) and O(source=sysfs) the module also reads the PCI
    devices under C(/sys/bus/pci/devices) (C(vendor), C(device), C(class), C(numa_node), the
    C(driver) link, C(sriov_totalvfs), C(sriov_numvfs) and the C(physfn) link of an SR-IOV
    virtual function), so that plans put the pinned CPUs and hugepages of a VM with GPUs or host
    devices on their NUMA node.
  - With O(source=libvirt) the module reads the C(<host><topology>) of libvirt's capabilities
    XML (what C(virsh capabilities) prints) over a read-only connection to O(uri).
  - The module changes nothing on the host.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.info
options:
  source:
    description:
      - Where the topology is read from.
      - V(sysfs) reads the kernel's files under O(sysfs_root) and needs nothing installed.
      - V(libvirt) asks libvirtd at O(uri) for its capabilities; it needs the libvirt Python
        bindings on the managed host. Those carry no free hugepage counts, so each pool's
        RV(host.nodes[].hugepages) C(free) is reported equal to its C(total), and they do not
        give RV(host.isolated_cpus).
    type: str
    choices: [sysfs, libvirt]
    default: sysfs
  uri:
    description:
      - The libvirt connection URI, opened read-only. Used with O(source=libvirt) only.
    type: str
    default: qemu:///system
  sysfs_root:
    description:
      - The directory that holds the C(sys) and C(proc) trees to read. Used with
        O(source=sysfs) only.
      - V(/) reads the running kernel; another directory reads a copy of another machine's
        C(/sys/devices/system), C(/sys/kernel/mm/hugepages) and C(/proc/meminfo), such as one
        collected by sosreport.
    type: path
    default: /
  reserved_cpus:
    description:
      - CPUs never given to virtual machines, in the Linux list format (V(0,32) or V(0-1,32-33)),
        typically the kubelet's C(reservedSystemCPUs) or the housekeeping CPUs of a tuned
        profile. Returned as RV(host.reserved_cpus).
      - The module fails, naming this option, when it lists a CPU the host does not have.
    type: str
  used_cpus:
    description:
      - CPUs already taken exclusively (by running virtual machines with dedicated CPUs), in the
        Linux list format. Returned as RV(host.used_cpus).
      - The module fails, naming this option, when it lists a CPU the host does not have or a
        CPU of O(reserved_cpus).
    type: str
  kubelet_root:
    description:
      - The kubelet's root directory (V(/var/lib/kubelet)). When given, the CPUs the static CPU
        manager gave containers exclusively (its C(cpu_manager_state)) join RV(host.used_cpus),
        and the hugepages the memory manager reserved for containers on each NUMA node (its
        C(memory_manager_state)) are taken from that node's free pages - so that plans and
        fleet placement start from what running Pods hold. A checkpoint that does not exist is
        skipped (another CPU or memory manager policy).
    type: path
  libvirt_domains:
    description:
      - Whether the CPUs that running libvirt domains at O(uri) pin (C(<cputune>) C(vcpupin),
        and their C(emulatorpin) and C(iothreadpin)) join RV(host.used_cpus), read from each
        running domain's live XML over a read-only connection. Domains without C(vcpupin)
        (shared CPUs) hold none.
      - With O(source=sysfs) the free hugepages are the kernel's, which already leave out the
        pages running domains hold.
    type: bool
    default: false
  pci_devices:
    description:
      - Whether to read the host's PCI devices into RV(host.pci_devices). Used with
        O(source=sysfs) only; bridges are left out.
    type: bool
    default: true
requirements:
  - libvirt-python, only for O(source=libvirt) and O(libvirt_domains)
notes:
  - Offline CPUs are left out, and so are the offline CPUs that C(isolcpus) names.
  - When the kernel's core ids do not identify the hyper-thread siblings within a socket (core
    ids repeated across the dies of one package, for example), each core is numbered by its
    lowest CPU id so that siblings still share socket and core.
  - Every hugepage size the kernel supports is listed, empty pools included.
seealso:
  - name: Linux sysfs CPU topology
    description: The kernel's description of the C(topology) files.
    link: https://docs.kernel.org/admin-guide/cputopology.html
  - name: Linux hugepages
    description: The per-node and global hugepage pools.
    link: https://docs.kernel.org/admin-guide/mm/hugetlbpage.html
  - name: libvirt capabilities XML format
    description: The C(<host><topology>) element read with O(source=libvirt).
    link: https://libvirt.org/formatcaps.html
"""

EXAMPLES = r"""
- name: Read the topology of each KVM host, with the CPUs the kubelet keeps for itself
  vmpod.core.host_topology_info:
    reserved_cpus: "0,32"
  register: topology

- name: Name it after the inventory host for the fleet placement
  ansible.builtin.set_fact:
    vmpod_host: "{{ topology.host | combine({'name': inventory_hostname}) }}"

- name: Save it next to the playbook, as a host file the planning playbooks read
  ansible.builtin.copy:
    content: "{{ vmpod_host | to_nice_yaml(indent=2, sort_keys=false) }}"
    dest: "{{ playbook_dir }}/hosts/{{ inventory_hostname }}.yaml"
    mode: "0644"
  delegate_to: localhost

- name: How many 1Gi pages are still free on node 1?
  ansible.builtin.debug:
    msg: "{{ (topology.host.nodes | selectattr('id', 'equalto', 1) | first).hugepages['1Gi'].free | default(0) }}"

- name: Read the topology as libvirt reports it, with the CPUs running VMs already hold
  vmpod.core.host_topology_info:
    source: libvirt
    uri: qemu:///system
    reserved_cpus: "0-1,32-33"
    used_cpus: "4-11,36-43"
  register: libvirt_topology

- name: Read a copy of another machine's /sys and /proc/meminfo (for example from a sosreport)
  vmpod.core.host_topology_info:
    sysfs_root: /srv/sosreports/kvm-07
  delegate_to: localhost
  register: kvm07
"""

RETURN = r"""
host:
  description:
    - The host's topology, in the form the vmpod.core placement functions read.
  returned: success
  type: dict
  contains:
    architecture:
      description:
        - The host's architecture by KubeVirt's name (V(amd64), V(arm64), V(s390x)); the placement
          functions then take only VMs of that architecture.
        - From the running kernel with O(source=sysfs) and the default O(sysfs_root), from
          libvirt's capabilities with O(source=libvirt); absent for other architectures.
      returned: when known
      type: str
      sample: amd64
    cpus:
      description:
        - One entry per online logical CPU, ascending by id.
        - Logical CPUs with the same RV(host.cpus[].socket) and RV(host.cpus[].core) are
          hyper-thread siblings of one physical core.
      returned: success
      type: list
      elements: dict
      contains:
        id:
          description: The Linux CPU number (C(cpuN) in sysfs, the number C(taskset) and cgroups use).
          returned: success
          type: int
          sample: 16
        socket:
          description: The physical package (C(physical_package_id)).
          returned: success
          type: int
          sample: 0
        core:
          description:
            - The physical core within the socket (the kernel's C(core_id)), shared by
              hyper-thread siblings. Core numbers may be sparse.
          returned: success
          type: int
          sample: 0
        node:
          description: The NUMA node the CPU belongs to.
          returned: success
          type: int
          sample: 0
    nodes:
      description:
        - One entry per NUMA node, ascending by id; nodes without CPUs (memory only) included.
      returned: success
      type: list
      elements: dict
      contains:
        id:
          description: The NUMA node number.
          returned: success
          type: int
          sample: 0
        memory:
          description:
            - The node's total memory (C(MemTotal)), hugepage pools included, as a Kubernetes
              quantity in canonical form.
          returned: success
          type: str
          sample: 131811156Ki
        distances:
          description:
            - The ACPI SLIT distance from this node to each node, in the order of
              RV(host.nodes); 10 is local.
          returned: success
          type: list
          elements: int
          sample: [10, 21]
        hugepages:
          description:
            - The node's hugepage pools by page size, the size as a canonical Kubernetes binary
              quantity (V(2Mi), V(1Gi), V(64Ki) ...), each with C(total) (C(nr_hugepages)) and
              C(free) (C(free_hugepages)) pages.
            - With O(source=libvirt), C(free) equals C(total).
          returned: success
          type: dict
          sample: {"2Mi": {"total": 1024, "free": 1000}, "1Gi": {"total": 8, "free": 8}}
    reserved_cpus:
      description: O(reserved_cpus) in canonical Linux list format.
      returned: when O(reserved_cpus) is given
      type: str
      sample: "0,32"
    used_cpus:
      description:
        - O(used_cpus) in canonical Linux list format, with the CPUs the kubelet's CPU manager
          (O(kubelet_root)) and running libvirt domains (O(libvirt_domains)) hold.
      returned: when O(used_cpus) is given or one of those holds CPUs
      type: str
      sample: "4-11,36-43"
    isolated_cpus:
      description:
        - The online CPUs the kernel isolates from the scheduler (C(isolcpus)), from
          C(/sys/devices/system/cpu/isolated); V("") when none.
      returned: with O(source=sysfs), when the kernel reports it
      type: str
      sample: "2-31,34-63"
    pci_devices:
      description:
        - The host's PCI devices but bridges, ascending by address, from
          C(/sys/bus/pci/devices).
      returned: with O(source=sysfs) and O(pci_devices=true), when the tree has C(sys/bus/pci/devices)
      type: list
      elements: dict
      contains:
        address:
          description: The PCI address, C(domain:bus:device.function).
          returned: success
          type: str
          sample: "0000:3b:00.0"
        vendor:
          description: The vendor id, four lower-case hexadecimal digits (C(10de) NVIDIA, C(8086) Intel).
          returned: success
          type: str
          sample: 10de
        device:
          description:
            - The device id, four lower-case hexadecimal digits. With RV(host.pci_devices[].vendor)
              it is what KubeVirt's C(permittedHostDevices.pciHostDevices[].pciVendorSelector)
              names (V(10DE:2236)).
          returned: success
          type: str
          sample: "2236"
        class:
          description: The PCI class code (base class, subclass, programming interface).
          returned: success
          type: str
          sample: "0x030200"
        kind:
          description:
            - V(gpu) for a display controller (class C(0x03)), V(nic) for a network controller
              (class C(0x02)), V(other) for the rest.
          returned: success
          type: str
          sample: gpu
        numa_node:
          description:
            - The NUMA node the device is attached to; V(-1) when the kernel does not know (the
              firmware gives no proximity, or a kernel without NUMA), then the device has no
              NUMA affinity and plans do not align anything with it.
          returned: success
          type: int
          sample: 1
        driver:
          description:
            - The driver bound to the device (V(vfio-pci) for a device ready for passthrough, as
              KubeVirt's device plugin needs it); null when none is bound.
          returned: success
          type: str
          sample: vfio-pci
        sriov_totalvfs:
          description: How many SR-IOV virtual functions the physical function can have.
          returned: for SR-IOV physical functions
          type: int
          sample: 64
        sriov_numvfs:
          description: How many SR-IOV virtual functions are enabled.
          returned: for SR-IOV physical functions
          type: int
          sample: 8
        physfn:
          description: The address of the physical function of an SR-IOV virtual function.
          returned: for SR-IOV virtual functions
          type: str
          sample: "0000:5e:00.0"
  sample:
    cpus:
      - {id: 0, socket: 0, core: 0, node: 0}
      - {id: 1, socket: 0, core: 1, node: 0}
      - {id: 2, socket: 1, core: 0, node: 1}
      - {id: 3, socket: 1, core: 1, node: 1}
      - {id: 4, socket: 0, core: 0, node: 0}
      - {id: 5, socket: 0, core: 1, node: 0}
      - {id: 6, socket: 1, core: 0, node: 1}
      - {id: 7, socket: 1, core: 1, node: 1}
    nodes:
      - id: 0
        memory: 64Gi
        distances: [10, 21]
        hugepages: {"2Mi": {total: 1024, free: 1000}, "1Gi": {total: 8, free: 8}}
      - id: 1
        memory: 64Gi
        distances: [21, 10]
        hugepages: {"2Mi": {total: 1024, free: 1024}, "1Gi": {total: 8, free: 4}}
    reserved_cpus: "0,4"
    isolated_cpus: "1-3,5-7"
    pci_devices:
      - {address: "0000:3b:00.0", vendor: 10de, device: "2236", class: "0x030200", kind: gpu,
         numa_node: 1, driver: vfio-pci}
"""

import errno
import glob
import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.vmpod.core.plugins.module_utils.values.paths import check_paths
from ansible_collections.vmpod.core.plugins.module_utils.values.architecture import kernel_architecture
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.libvirt.capabilities import (
    host_from_capabilities,
)
from ansible_collections.vmpod.core.plugins.module_utils.libvirt import domain_xml
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts import kubelet_state
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.pci_devices import (
    PCI_DIR,
    PCI_FILES,
    pci_devices_from_sysfs,
)
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.sysfs import (
    SYSFS_FILES,
    host_from_sysfs,
)

from ansible_collections.vmpod.core.plugins.module_utils.libvirt.client import (
    LIBVIRT_ERRORS, libvirt, require_libvirt)


def read_text(path):
    with open(path) as handle:
        return handle.read()


def gather_sysfs(root, patterns=SYSFS_FILES):
    """``{path relative to root: text}`` of the files ``patterns`` (``SYSFS_FILES`` unless
    told) name that exist under ``root``; a symbolic link gives its target, a directory ``""``."""
    files = {}
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            relative = os.path.relpath(path, root)
            try:
                if os.path.islink(path):
                    files[relative] = os.readlink(path)
                elif os.path.isdir(path):
                    files[relative] = ""
                else:
                    with open(path) as handle:
                        files[relative] = handle.read()
            except (IOError, OSError) as exc:
                if exc.errno != errno.ENOENT:  # gone since the glob: a CPU went offline
                    raise
    return files


def read_capabilities(uri):
    """libvirt's capabilities XML over a read-only connection."""
    connection = libvirt.openReadOnly(uri)  # raises libvirtError when it cannot connect
    try:
        return connection.getCapabilities()
    finally:
        connection.close()


def domains_pinned_cpus(uri):
    """The CPUs the running domains at ``uri`` pin (``domain_xml.pinned_cpus``)."""
    connection = libvirt.openReadOnly(uri)
    try:
        held = set()
        for domain in connection.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE):
            held |= domain_xml.pinned_cpus(domain_xml.read_domain(domain.XMLDesc(0), "libvirt's XML"))
        return held
    finally:
        connection.close()


def with_domains(used_cpus, held):
    """``used_cpus`` (text or None) joined by the CPUs domains hold."""
    if not held:
        return used_cpus
    given = parse_cpuset(used_cpus, "used_cpus") if used_cpus else set()
    return format_cpuset(given | held)


def with_cpusets(host, reserved_cpus, used_cpus):
    """The host data with the reserved and used CPU sets, both checked against its CPUs."""
    for key, value in (("reserved_cpus", reserved_cpus), ("used_cpus", used_cpus)):
        if value is not None:
            host[key] = value
    checked = read_host(host, path="")
    for key, cpus in (("reserved_cpus", checked.reserved), ("used_cpus", checked.used)):
        if key in host:
            host[key] = format_cpuset(cpus)
    return host


def with_kubelet_state(host, root, used_cpus):
    """The used CPUs with the CPU manager's exclusive ones; the memory manager's reserved
    hugepages taken from each node's free pages (``hostfacts.kubelet_state``)."""
    texts = {}
    for name in ("cpu_manager_state", "memory_manager_state"):
        path = os.path.join(root, name)
        if os.path.exists(path):
            texts[name] = (read_text(path), path)
    return kubelet_state.apply_kubelet_state(host, used_cpus, texts.get("cpu_manager_state"),
                                             texts.get("memory_manager_state"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="str", choices=["sysfs", "libvirt"], default="sysfs"),
            uri=dict(type="str", default="qemu:///system"),
            sysfs_root=dict(type="path", default="/"),
            reserved_cpus=dict(type="str"),
            used_cpus=dict(type="str"),
            kubelet_root=dict(type="path"),
            libvirt_domains=dict(type="bool", default=False),
            pci_devices=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    try:  # before any file is opened: a NUL byte or a lone surrogate would raise inside a read
        check_paths(module.params, module.argument_spec)
    except VmpodInputError as exc:
        module.fail_json(msg=to_native(exc))
    params = module.params
    if params["source"] == "libvirt" or params["libvirt_domains"]:
        require_libvirt(module, libvirt, missing_required_lib("libvirt-python"))
    try:
        if params["source"] == "libvirt":
            host = host_from_capabilities(read_capabilities(params["uri"]))
        else:
            host = host_from_sysfs(gather_sysfs(params["sysfs_root"]))
            if params["sysfs_root"] == "/":  # this host's own: its kernel names the architecture
                architecture = kernel_architecture(os.uname()[4])
                if architecture is not None:
                    host["architecture"] = architecture
            if params["pci_devices"] and os.path.isdir(os.path.join(params["sysfs_root"], PCI_DIR)):
                host["pci_devices"] = pci_devices_from_sysfs(gather_sysfs(params["sysfs_root"], PCI_FILES))
        used = params["used_cpus"]
        if params["kubelet_root"]:
            used = with_kubelet_state(host, params["kubelet_root"], used)
        if params["libvirt_domains"]:
            used = with_domains(used, domains_pinned_cpus(params["uri"]))
        host = with_cpusets(host, params["reserved_cpus"], used)
    except VmpodInputError as exc:
        module.fail_json(msg=str(exc))
    except LIBVIRT_ERRORS as exc:
        module.fail_json(msg="libvirt at %s: %s" % (params["uri"], exc))
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (exc.filename, exc.strerror))
    module.exit_json(changed=False, host=host)


if __name__ == "__main__":
    main()
