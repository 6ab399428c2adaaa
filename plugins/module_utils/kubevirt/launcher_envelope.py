# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What kube-scheduler counts for a VMI's launcher Pod, from its sized VMI without rendering the
Pod: ``compute`` and the support containers ``pod_containers.support_resources`` lists, summed
as ``kubernetes/envelope.py`` sums a Pod's containers (``pod_envelope`` of the rendered Pod gives
the same totals; the unit tests hold the two together)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.envelope import container, totals
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_containers import support_resources


def launcher_envelope(sized, cfg):
    """(requests, limits, qos, qos reason) of the launcher Pod of ``sized`` (its VMI read with
    the Pod section), Quantity values."""
    containers = [container("compute", "containers", sized.requests, sized.limits)]
    for name, kind, sidecar, resources in support_resources(sized.vmi, cfg):
        containers.append(container(name, kind, resources["requests"], resources["limits"], sidecar))
    return totals(containers)
