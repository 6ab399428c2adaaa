# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """What the VMIs' namespaces add to their launcher Pods: ``DOCUMENTATION`` for the filters
    over many VMIs (each in its own namespace), ``ONE`` for those over one VMI, ``BOTH`` for
    those that take either."""

    DOCUMENTATION = r"""
options:
  namespaces:
    description:
      - The VMIs' Namespace objects (as C(kubernetes.core.k8s_info) returns them, or a
        C(kubectl get -o json) List); each VMI is sized in its own namespace (its labels
        matter). A VMI whose namespace is not among them has no namespace labels.
    type: list
    elements: dict
    default: []
  resource_quotas:
    description:
      - ResourceQuota objects; one with C(limits.cpu) or C(limits.memory) turns on automatic
        limits for the VMIs of its namespace (a quota without a namespace, for every VMI).
    type: list
    elements: dict
    default: []
  network_attachment_definitions:
    description:
      - NetworkAttachmentDefinition objects named by the VMIs' Multus networks. With
        KubeVirt's C(ExternalNetResourceInjection) feature gate disabled, the device a
        definition's C(k8s.v1.cni.cncf.io/resourceName) annotation names is requested by the
        launcher Pod, and a host must offer it (C(extended_resources), or a Node's
        allocatable); a Multus network without its definition is then an error naming the
        network.
    type: list
    elements: dict
    default: []
"""

    ONE = r"""
options:
  namespace:
    description: The VMI's Namespace object (its labels matter), as C(kubernetes.core.k8s_info) returns it.
    type: dict
  resource_quotas:
    description:
      - ResourceQuota objects; one with C(limits.cpu) or C(limits.memory) turns on automatic
        limits for the VMIs of its namespace (a quota without a namespace, for every VMI).
    type: list
    elements: dict
    default: []
  network_attachment_definitions:
    description:
      - NetworkAttachmentDefinition objects named by the VMIs' Multus networks. With
        KubeVirt's C(ExternalNetResourceInjection) feature gate disabled, the device a
        definition's C(k8s.v1.cni.cncf.io/resourceName) annotation names is requested by the
        launcher Pod, and a host must offer it (C(extended_resources), or a Node's
        allocatable); a Multus network without its definition is then an error naming the
        network.
    type: list
    elements: dict
    default: []
"""

    BOTH = r"""
options:
  namespace:
    description: For one VMI, its Namespace object (its labels matter), as C(kubernetes.core.k8s_info) returns it.
    type: dict
  namespaces:
    description:
      - For a list of VMIs, their Namespace objects (as C(kubernetes.core.k8s_info) returns them, or a
        C(kubectl get -o json) List); each VMI is sized in its own namespace (its labels
        matter). A VMI whose namespace is not among them has no namespace labels.
    type: list
    elements: dict
    default: []
  resource_quotas:
    description:
      - ResourceQuota objects; one with C(limits.cpu) or C(limits.memory) turns on automatic
        limits for the VMIs of its namespace (a quota without a namespace, for every VMI).
    type: list
    elements: dict
    default: []
  network_attachment_definitions:
    description:
      - NetworkAttachmentDefinition objects named by the VMIs' Multus networks. With
        KubeVirt's C(ExternalNetResourceInjection) feature gate disabled, the device a
        definition's C(k8s.v1.cni.cncf.io/resourceName) annotation names is requested by the
        launcher Pod, and a host must offer it (C(extended_resources), or a Node's
        allocatable); a Multus network without its definition is then an error naming the
        network.
    type: list
    elements: dict
    default: []
"""
