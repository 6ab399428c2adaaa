# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement filters; documentation in the YAML files beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    plan_placement as _plan_placement, plan_placements)
from ansible_collections.vmpod.core.plugins.module_utils.output.tables import (
    placement_table as _placement_table)


def plan_placement(vmi, host, config=None, arch="amd64", options=None, **namespaces):
    """One VMI -> its plan on ``host``; a list of VMIs -> a list of plans (each on the bare host).
    ``namespaces``: ``namespace`` (one VMI) or ``namespaces`` (a list), ``resource_quotas``,
    ``network_attachment_definitions``."""
    try:
        if isinstance(vmi, (list, tuple)):
            return plan_placements(vmi, host, config, arch, options, **namespaces)
        return _plan_placement(vmi, host, config, arch, options, **namespaces)
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))
    except TypeError as err:  # an unknown keyword argument
        raise AnsibleFilterError("vmpod.core.plan_placement: %s" % err)


def placement_table(plans):
    if not isinstance(plans, (list, tuple)) or not all(
            isinstance(plan, dict) and "fits" in plan and "numa_cells" in plan for plan in plans):
        raise AnsibleFilterError("vmpod.core.placement_table: expects the list that "
                                 "vmpod.core.plan_placement returns for a list of VMIs")
    try:
        return _placement_table(plans)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.placement_table: %s" % err)


class FilterModule(object):
    def filters(self):
        return {"plan_placement": plan_placement, "placement_table": placement_table}
