# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the renderer writes for a list of VMs, each taken one way through: read once
(with its Pod and domain sections), sized once, planned once, then the launcher Pod and the
domain built from those values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.domain.host_target import (
    read_host_target, retarget)
from ansible_collections.vmpod.core.plugins.module_utils.domain.model import build_domain
from ansible_collections.vmpod.core.plugins.module_utils.domain.options import read_domain_options
from ansible_collections.vmpod.core.plugins.module_utils.domain.plan_view import plan_view
from ansible_collections.vmpod.core.plugins.module_utils.domain.virtlet import virtlet_domain_model
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.defaults import apply_vmi_defaults
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import build_pod
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_options import read_pod_options
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.identity import vm_keys
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import size_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.planning.options import read_options
from ansible_collections.vmpod.core.plugins.module_utils.planning.plan import place
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import (
    VmpodInputError, each_item)
from ansible_collections.vmpod.core.plugins.module_utils.virtlet import pod as virtlet

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")


def output_name(name, path):
    """The VM's name as the name of its output directory: a Kubernetes object name (RFC 1123
    subdomain, at most 253 characters), so never a path."""
    if not name or len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise VmpodInputError(path, name, "is not a Kubernetes object name (lower-case RFC 1123 "
                              "subdomain): it names the output directory")
    return name


def render_models(vmis, host=None, config=None, arch="amd64", placement_options=None,
                  domain_options=None, pod_options=None, apply_defaults=False, host_target=None):
    """Everything the renderer writes, for each VMI / VirtualMachine / Virtlet VM pod of a list:
    ``{"name", "namespace", "kind", "pod", "domain", "plan", "resources", "dir"}``.

    ``pod`` is the launcher Pod (None for a Virtlet pod, which is its own Pod); ``plan`` the
    placement on ``host`` (None without a host; for a Virtlet pod, that of the VMI it amounts
    to, ``virtlet.equivalent_vmi``); ``domain`` the domain model placed by that plan. The
    cluster configuration, host and options are read once. Errors name the item
    (``vmis[3](name).spec...``). ``dir`` is the VM's output directory: its name, or
    ``namespace_name`` when VMs of other namespaces share the name; two items of one namespace
    and name are refused. ``apply_defaults``: apply virt-api's webhook defaults to each VMI
    first (``kubevirt.defaults``), as a cluster does to a VMI as users write it.
    ``host_target``: a libvirt host's map (``domain.host_target.read_host_target``): each
    domain is made for that host, with ``storage`` (what deploy makes or must find; seed
    entries hold the cloud-init secrets in ``files``).
    """
    if not isinstance(vmis, (list, tuple)):
        raise VmpodInputError("vmis", vmis, "must be a list of VMIs")
    cfg = read_config(config)
    topo = read_host(host) if host is not None else None
    placement_opts = read_options(placement_options)
    domain_opts = read_domain_options(domain_options)
    pod_opts = read_pod_options(pod_options)
    target = read_host_target(host_target)
    taken = {}  # host devices given out so far, by device name
    models = each_item(vmis, lambda obj: _render_one(obj, cfg, topo, arch, placement_opts,
                                                     domain_opts, pod_opts, apply_defaults, target,
                                                     taken))
    # the output directory: the name, or namespace_name (the libvirt domain's name) for a name
    # that VMs of other namespaces share; the same namespace and name twice is refused
    for entry, key in zip(models, vm_keys([(entry["namespace"], entry["name"]) for entry in models], "_")):
        entry["dir"] = key
    return models


def _pci_numa_nodes(topo):
    """{PCI address: NUMA node} of the host's PCI devices (``pci_devices`` in its data, as
    ``host_topology_info`` reads them from sysfs), or None: where the host map names a device
    without its node, the domain still puts it next to its guest NUMA cell."""
    if topo is None or not topo.pci_devices:
        return None
    return dict((device.address, device.numa_node) for device in topo.pci_devices)


def _render_one(obj, cfg, topo, arch, placement_opts, domain_opts, pod_opts, apply_defaults,
                target=None, taken=None):
    if virtlet.is_virtlet_pod(obj):
        pod_spec = virtlet.read_virtlet_pod(obj)
        name = output_name(pod_spec.name, "metadata.name")
        sized = size_vmi(read_vmi(virtlet.equivalent_vmi(pod_spec), arch), cfg)
        pod, kind, namespace = None, "Pod", pod_spec.namespace
        plan = place(sized, topo, placement_opts) if topo else None
        domain = virtlet_domain_model(pod_spec, domain_opts)
    else:
        if apply_defaults:
            obj = apply_vmi_defaults(obj, cfg, arch)
        vmi = read_vmi(obj, arch, with_domain=True, with_pod=True)
        name = output_name(vmi.name, "metadata.name")
        kind, namespace = vmi.kind, vmi.namespace
        sized = size_vmi(vmi, cfg)
        plan = place(sized, topo, placement_opts) if topo else None
        pod = build_pod(sized, pod_opts, cfg)
        domain = build_domain(sized, plan_view(plan), topo, cfg, domain_opts)
        if target is not None:
            domain = retarget(domain, vmi, target, taken=taken, pci_numa_nodes=_pci_numa_nodes(topo))
    plan_data = None
    if plan is not None:
        plan_data = plan.as_dict()
        plan_data["name"] = name
    return {"name": name, "namespace": namespace, "kind": kind, "pod": pod, "domain": domain,
            "plan": plan_data, "resources": sized.as_dict()}
