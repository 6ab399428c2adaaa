# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migration and fleet filters; documentation in the YAML files beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.module_utils.output.picture import host_picture
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet as _place_fleet
from ansible_collections.vmpod.core.plugins.module_utils.output.fleet_markdown import (
    fleet_markdown as _fleet_markdown)
from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    check_migration as _check_migration)


def check_migration(vmi, source_plan, target_host, config=None, arch="amd64", options=None,
                    source_host=None):
    try:
        return _check_migration(vmi, source_plan, target_host, config, arch, options,
                                source_host)
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))


def place_fleet(vmis, hosts, config=None, policy="pack", options=None, arch="amd64"):
    try:
        return _place_fleet(vmis, hosts, config, policy, options, arch)
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))


def capacity_markdown(fleet):
    try:
        return _fleet_markdown(fleet)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.capacity_markdown: %s" % err)


def capacity_pictures(fleet, hosts):
    """{host name: SVG text} for every host of ``fleet`` found in ``hosts`` (as place_fleet
    took them: a mapping by name or a list of host data with names)."""
    if not isinstance(fleet, dict) or not isinstance(fleet.get("hosts"), dict):
        raise AnsibleFilterError("vmpod.core.capacity_pictures: expects the result of "
                                 "vmpod.core.place_fleet")
    if isinstance(hosts, (list, tuple)):
        hosts = dict((data.get("name"), data) for data in hosts if isinstance(data, dict))
    if not isinstance(hosts, dict):
        raise AnsibleFilterError("vmpod.core.capacity_pictures: hosts must be what "
                                 "vmpod.core.place_fleet took")
    try:
        return dict((name, host_picture(hosts[name], usage, fleet.get("plans"), name))
                    for name, usage in fleet["hosts"].items() if name in hosts)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.capacity_pictures: %s" % err)


class FilterModule(object):
    def filters(self):
        return {"check_migration": check_migration, "place_fleet": place_fleet,
                "capacity_markdown": capacity_markdown, "capacity_pictures": capacity_pictures}
