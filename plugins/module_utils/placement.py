# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Public entry point: where one VM goes on one host, and whether it can move to another.

Each function reads its inputs once (``kubevirt.vmi``, ``kubevirt.config``, ``planning.host``,
``planning.options``), sizes the VM once (``kubevirt.resources.size_vmi``), plans it once
(``planning.plan.place``) and prints the ``Plan`` at the boundary (``Plan.as_dict``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import (
    EMPTY_CONTEXT, read_namespace_context, read_namespace_contexts)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import size_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.launcher_envelope import (
    launcher_envelope)
from ansible_collections.vmpod.core.plugins.module_utils.planning.cpu_compat import cpu_reasons, read_host_cpu
from ansible_collections.vmpod.core.plugins.module_utils.planning.fleet_vms import fleet_vm
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import host_architecture, read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.migration import migration_reasons, read_source_plan
from ansible_collections.vmpod.core.plugins.module_utils.planning.options import read_options
from ansible_collections.vmpod.core.plugins.module_utils.planning.packing import target_admission
from ansible_collections.vmpod.core.plugins.module_utils.planning.plan import place
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import each_item
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import printed

__all__ = ("plan_placement", "plan_placements", "check_migration", "host_architecture")


def plan_placement(vmi, host, config=None, arch="amd64", options=None, namespace=None,
                   resource_quotas=(), network_attachment_definitions=()):
    """Plan one VM on one host: pCPUs, vCPU / emulator / IOThread pinning, guest NUMA cells and
    hugepages per host node, or ``fits: false`` with reasons (a host whose ``architecture``
    differs from the VM's takes none). ``namespace``, ``resource_quotas`` and
    ``network_attachment_definitions`` as ``launcher_resources`` takes them (the device a Multus
    network asks for is one the host must offer). Bad input raises VmpodInputError; not fitting
    is a plan."""
    cfg = read_config(config)
    read = read_vmi(vmi, arch)
    topo = read_host(host)
    opts = read_options(options)
    context = read_namespace_context(read, namespace, resource_quotas, network_attachment_definitions)
    return place(size_vmi(read, cfg, context), topo, opts).as_dict()


def plan_placements(vmis, host, config=None, arch="amd64", options=None, namespaces=(),
                    resource_quotas=(), network_attachment_definitions=()):
    """``plan_placement`` of each VMI on the same host as given (each plan on its own, not
    one after another), each sized in its own namespace (``namespaces``, ``resource_quotas``,
    ``network_attachment_definitions`` as ``place_fleet`` takes them); errors name the VMI's
    index."""
    cfg = read_config(config) if isinstance(vmis, (list, tuple)) else None
    topo = read_host(host) if cfg is not None else None
    opts = read_options(options) if cfg is not None else None
    contexts = read_namespace_contexts(namespaces, resource_quotas, network_attachment_definitions) \
        if cfg is not None else None

    def plan_one(obj):
        read = read_vmi(obj, arch)
        context = EMPTY_CONTEXT if contexts is None else contexts.context(read.namespace)
        plan = place(size_vmi(read, cfg, context), topo, opts).as_dict()
        plan["name"] = read.name
        return plan
    return each_item(vmis, plan_one, named=False)


def check_migration(vmi, source_plan, target_host, config=None, arch="amd64", options=None,
                    source_host=None, source_cpu=None, target_cpu=None, namespace=None,
                    resource_quotas=(), network_attachment_definitions=()):
    """Can the VM that ``source_plan`` places move to ``target_host`` unchanged?

    The VM is planned on the target as ``plan_placement`` plans it (the target's own memory
    overhead, for the VMI's architecture, else ``arch``), then held to what a live migration
    cannot change: the vCPU count, which vCPUs are hyper-thread siblings, the guest NUMA cells
    (their vCPUs and memory) and the page size. ``source_host``, the source's topology, tells
    which vCPUs are siblings there; without it each guest core is taken to sit on one host core,
    as KubeVirt places it on a host with hyper-threads. ``source_cpu`` and ``target_cpu``, the
    hosts' CPUs as ``vmpod.core.host_cpu_info`` returns them (its ``host_cpu``, with
    ``usable_models``), hold the guest's CPU model and features to what the target's CPU offers
    (``planning/cpu_compat.py``), named feature by feature; without them the CPU is not checked.
    ``namespace``, ``resource_quotas`` and ``network_attachment_definitions`` as
    ``plan_placement`` takes them.

    The target's launcher Pod is held to what the scheduler counts for the whole Pod
    (``launcher_envelope``): the target must admit it (CPU and memory requests against its
    allocatable, its used CPUs held, and the extended resources it states), and a dedicated-CPU
    VM's Pod must be Guaranteed there to be pinned at all.

    Returns ``{fits, reasons, target_plan, target_memory_overhead, target_envelope}``
    (``target_envelope``: ``{requests, limits, qos, qos_reason}``); every reason names the
    resource and the numbers.
    """
    cfg = read_config(config)
    read = read_vmi(vmi, arch, with_pod=True)
    target = read_host(target_host, "target_host")
    source = read_source_plan(source_plan)
    source_topology = read_host(source_host, "source_host") if source_host is not None else None
    opts = read_options(options)
    sized = size_vmi(read, cfg, read_namespace_context(read, namespace, resource_quotas,
                                                       network_attachment_definitions))
    plan = place(sized, target, opts)
    target_plan = plan.as_dict()
    reasons = migration_reasons(sized, plan, target_plan, source, source_topology, target,
                                target.architecture, opts)
    vm = fleet_vm(0, sized, cfg)
    if not reasons:  # the plan fits: the target's scheduler and kubelet must take the Pod too
        refused = target_admission(target, vm)
        if refused:
            reasons.append("the target would not admit the launcher Pod: " + refused)
        reasons.extend(not_pinned_reasons(vm))
    reasons += cpu_reasons(read, read_host_cpu(source_cpu, "source_cpu"),
                           read_host_cpu(target_cpu, "target_cpu"))
    requests, limits, qos, qos_reason = launcher_envelope(sized, cfg)
    return {"fits": not reasons, "reasons": reasons, "target_plan": target_plan,
            "target_memory_overhead": str(sized.overhead),
            "target_envelope": {"requests": printed(requests), "limits": printed(limits),
                                "qos": qos, "qos_reason": qos_reason}}


def not_pinned_reasons(vm):
    """A dedicated-CPU VM whose launcher Pod would not be Guaranteed gets shared CPUs from the
    kubelet's static CPU manager (the reason names the container)."""
    if vm.dedicated and vm.qos != "Guaranteed":
        return ["dedicated CPUs, but the target's launcher Pod would be %s (%s): the kubelet "
                "there gives it shared CPUs" % (vm.qos, vm.qos_reason)]
    return []
