# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt domain of a VM, as plain data that ``templates/domain.xml.j2`` lays out.

``build_domain`` runs the configurators in KubeVirt's converter order over values already
read, sized and planned: identity and platform (``domain.system``), CPU (``domain.cpu``),
memory (``domain.memory``), devices (``domain.devices``). Every value is decided there; the
template only loops and escapes. ``domain_model`` is the same for one VMI given as data, or for
a Virtlet VM pod (``domain.virtlet``).

Facts from KubeVirt (``kubevirt/kubevirt`` at d923fdb8), ``pkg/virt-launcher/virtwrap/converter/``:
``converter.go`` (the order of the configurators, pinning only for dedicated CPUs); each
configurator file names its own sources.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.domain.cpu import (
    cpu_element, cpu_topology, cputune, vcpu_hotplug_list)
from ansible_collections.vmpod.core.plugins.module_utils.domain.devices import devices
from ansible_collections.vmpod.core.plugins.module_utils.domain.launch_security import launch_security
from ansible_collections.vmpod.core.plugins.module_utils.domain.memory import (
    guest_memory_bytes, guest_numa_cells, memfd_required, memory_backing, memtune, numatune,
    page_size_bytes, shared_access_required)
from ansible_collections.vmpod.core.plugins.module_utils.domain.options import read_domain_options
from ansible_collections.vmpod.core.plugins.module_utils.domain.plan_view import read_plan
from ansible_collections.vmpod.core.plugins.module_utils.domain.system import (
    features, object_name, object_uid, os_section, sysinfo_entries)
from ansible_collections.vmpod.core.plugins.module_utils.domain.virtlet import virtlet_domain_model
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.iothreads import iothread_count
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import size_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.virtlet import pod as virtlet


def domain_model(vmi, plan=None, host=None, config=None, arch="amd64", options=None):
    """The domain model of a VMI (or VirtualMachine), or of a Virtlet VM pod.

    ``plan``: the VMI's placement plan on the host (``plan_placement``), None for an unplaced
    domain (no pinning); ``host``: that host's topology, for the NUMA nodes of pinned pCPUs.
    """
    opts = read_domain_options(options)
    if virtlet.is_virtlet_pod(vmi):
        return virtlet_domain_model(virtlet.read_virtlet_pod(vmi), opts)
    cfg = read_config(config)
    sized = size_vmi(read_vmi(vmi, arch, with_domain=True), cfg)
    topo = read_host(host) if host is not None else None
    return build_domain(sized, read_plan(plan), topo, cfg, opts)


def build_domain(sized, view, host, cfg, opts):
    """The domain model of a sized VMI (read with its domain section) placed by ``view`` (a
    ``domain.plan_view.PlanView``) on ``host`` (a read host or None)."""
    vmi = sized.vmi
    name, namespace = object_name(vmi)
    uid = object_uid(vmi)
    firmware_uuid = vmi.domain.firmware_uuid
    topology, vcpus, enabled = cpu_topology(vmi)
    memory = guest_memory_bytes(vmi)
    page = page_size_bytes(vmi, memory)
    pinned = vmi.cpu.dedicated and view.pinned
    shared = shared_access_required(vmi)
    memfd = memfd_required(vmi, shared)
    cells = guest_numa_cells(vmi, view, memory, vcpus, memfd)
    iothreads = iothread_count(vmi)
    model = {
        "type": opts.domain_type,
        "name": "%s_%s" % (namespace, name),  # VMINamespaceKeyFunc
        "uuid": firmware_uuid,
        "metadata": {"uid": uid, "grace_period": vmi.grace_period},
        "memory_bytes": memory,
        "vcpu": vcpus,
        "vcpus": vcpu_hotplug_list(vmi, topology, vcpus, enabled),
        "iothreads": iothreads,
        "cputune": cputune(sized, view, enabled, opts) if pinned or not vmi.cpu.dedicated
        else None,
        "numatune": numatune(view, host, cells),
        "memory_backing": memory_backing(vmi, page, cells, memfd, shared),
        "memtune": memtune(sized, opts),
        "os": os_section(vmi, cfg, name, opts),
        "sysinfo": sysinfo_entries(firmware_uuid, vmi.domain.firmware_serial),
        "features": features(vmi, pinned),
    }  # (and the rest one by one: CPython grows a literal of over 15 entries as it fills it)
    omitted = []
    model["cpu"] = cpu_element(vmi, cfg, topology, cells, opts)
    model["clock"] = vmi.domain.clock
    model["devices"] = devices(vmi, name, namespace, uid, iothreads, enabled, opts, omitted)
    model["launch_security"] = launch_security(vmi, opts)
    model["omitted"] = omitted
    return model
