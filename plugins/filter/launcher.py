# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the launcher sizing engine; documentation in the YAML files beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.launcher import (
    launcher_envelope as _launcher_envelope, launcher_resources as _launcher_resources,
    memory_overhead as _memory_overhead, pod_envelope as _pod_envelope)
from ansible_collections.vmpod.core.plugins.module_utils.output.tables import resources_table as _resources_table
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.sizing import size_vmis


def launcher_resources(vmi, **options):
    """One VMI -> its launcher resources; a list of VMIs -> a list of sized entries."""
    try:
        if isinstance(vmi, (list, tuple)):
            return size_vmis(vmi, **options)
        return _launcher_resources(vmi, **options)
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))
    except TypeError as err:  # an unknown keyword argument
        raise AnsibleFilterError("vmpod.core.launcher_resources: %s" % err)


def launcher_envelope(vmi, **options):
    """One VMI -> what kube-scheduler counts for its whole launcher Pod; a list -> a list."""
    try:
        if isinstance(vmi, (list, tuple)):
            return [_launcher_envelope(item, **options) for item in vmi]
        return _launcher_envelope(vmi, **options)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.launcher_envelope: %s" % err)
    except TypeError as err:  # an unknown keyword argument
        raise AnsibleFilterError("vmpod.core.launcher_envelope: %s" % err)


def memory_overhead(vmi, config=None, arch="amd64"):
    try:
        if isinstance(vmi, (list, tuple)):
            return [_memory_overhead(item, config, arch) for item in vmi]
        return _memory_overhead(vmi, config, arch)
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))


def resources_table(sized):
    if not isinstance(sized, (list, tuple)) or not all(
            isinstance(entry, dict) and "requests" in entry and "name" in entry for entry in sized):
        raise AnsibleFilterError(
            "vmpod.core.resources_table: expects the list that vmpod.core.launcher_resources "
            "returns for a list of VMIs")
    try:
        return _resources_table(sized)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.resources_table: %s" % err)


def pod_envelope(pod):
    """A Pod -> what the scheduler counts for it and its QoS class; a list of Pods -> a list."""
    try:
        if isinstance(pod, (list, tuple)):
            return [_pod_envelope(item) for item in pod]
        return _pod_envelope(pod)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.pod_envelope: %s" % err)


class FilterModule(object):
    def filters(self):
        return {
            "launcher_envelope": launcher_envelope,
            "launcher_resources": launcher_resources,
            "memory_overhead": memory_overhead,
            "pod_envelope": pod_envelope,
            "resources_table": resources_table,
        }
