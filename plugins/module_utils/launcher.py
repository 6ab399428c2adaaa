# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Public entry point: the launcher Pod's resources and memory overhead of a VMI, and what the
scheduler counts for a whole Pod (``pod_envelope``, from ``kubernetes.envelope``).

One way through: the VMI dict is read once (``kubevirt.vmi``), sized once (``kubevirt.resources``,
KubeVirt's rules in its order), and printed here, at the boundary, as canonical quantity strings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.defaults import apply_vmi_defaults
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.launcher_envelope import (
    launcher_envelope as _envelope)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.namespace import (
    read_namespace_context)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.overhead import (
    hypervisor_overhead)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import size_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.envelope import pod_envelope  # noqa: F401 (public)
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import printed

__all__ = ("launcher_resources", "launcher_envelope", "memory_overhead", "pod_envelope")


def launcher_resources(vmi, config=None, arch="amd64", namespace=None, resource_quotas=(),
                       network_attachment_definitions=(), apply_defaults=False):
    """Requests, limits, claims and memory overhead of the launcher Pod's compute container.

    ``vmi``: a VirtualMachineInstance or VirtualMachine dict; ``config``: the KubeVirt CR's
    ``spec.configuration``; ``namespace``, ``resource_quotas``, ``network_attachment_definitions``:
    objects as ``kubernetes.core.k8s_info`` returns them. Quantities print in canonical form.
    """
    cfg = read_config(config)
    if apply_defaults:
        vmi = apply_vmi_defaults(vmi, cfg, arch)
    read = read_vmi(vmi, arch)
    context = read_namespace_context(read, namespace, resource_quotas,
                                     network_attachment_definitions)
    return size_vmi(read, cfg, context).as_dict()


def launcher_envelope(vmi, config=None, arch="amd64", namespace=None, resource_quotas=(),
                      network_attachment_definitions=(), apply_defaults=False):
    """What kube-scheduler counts for the VMI's whole launcher Pod, without rendering it:
    ``{requests, limits, qos, qos_reason}`` (``compute``, the console log sidecar, disk, virtiofs
    and hook containers, summed as ``pod_envelope`` sums a rendered Pod). Arguments as
    ``launcher_resources``."""
    cfg = read_config(config)
    if apply_defaults:
        vmi = apply_vmi_defaults(vmi, cfg, arch)
    read = read_vmi(vmi, arch, with_pod=True)
    context = read_namespace_context(read, namespace, resource_quotas,
                                     network_attachment_definitions)
    requests, limits, qos, reason = _envelope(size_vmi(read, cfg, context), cfg)
    return {"requests": printed(requests), "limits": printed(limits), "qos": qos,
            "qos_reason": reason}


def memory_overhead(vmi, config=None, arch="amd64"):
    """The hypervisor's memory overhead alone (after the ratio), as a canonical quantity."""
    return str(hypervisor_overhead(read_vmi(vmi, arch), read_config(config)))
