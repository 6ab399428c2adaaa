# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migration and fleet filters; documentation in the YAML files beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.module_utils.output.picture import (
    host_pictures as _host_pictures)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.fleet import (
    cluster_vmis as _cluster_vmis, hosts_from_nodes as _hosts_from_nodes, place_fleet as _place_fleet,
    plan_hugepage_pools as _plan_hugepage_pools, simulate_drain as _simulate_drain)
from ansible_collections.vmpod.core.plugins.module_utils.output.fleet_markdown import (
    fleet_markdown as _fleet_markdown)
from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    check_migration as _check_migration)


def check_migration(vmi, source_plan, target_host, config=None, arch="amd64", options=None,
                    source_host=None, source_cpu=None, target_cpu=None, namespace=None,
                    resource_quotas=(), network_attachment_definitions=()):
    try:
        return _check_migration(vmi, source_plan, target_host, config, arch, options,
                                source_host, source_cpu, target_cpu, namespace, resource_quotas,
                                network_attachment_definitions)
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))


def place_fleet(vmis, hosts, config=None, policy="pack", options=None, arch="amd64", namespaces=(),
                resource_quotas=(), network_attachment_definitions=()):
    try:
        return _place_fleet(vmis, hosts, config, policy, options, arch, namespaces, resource_quotas,
                            network_attachment_definitions)
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))


def simulate_drain(vmis, hosts, drain, config=None, policy="pack", options=None, arch="amd64",
                   namespaces=(), resource_quotas=(), network_attachment_definitions=()):
    try:
        return _simulate_drain(vmis, hosts, drain, config, policy, options, arch, namespaces,
                               resource_quotas, network_attachment_definitions)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.simulate_drain: %s" % err)


def plan_hugepage_pools(vmis, hosts, headroom=0.0, config=None, policy="pack", options=None,
                        arch="amd64", namespaces=(), resource_quotas=(),
                        network_attachment_definitions=()):
    try:
        return _plan_hugepage_pools(vmis, hosts, headroom, config, policy, options, arch,
                                    namespaces, resource_quotas, network_attachment_definitions)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.plan_hugepage_pools: %s" % err)


def hosts_from_nodes(nodes):
    try:
        return _hosts_from_nodes(nodes)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.hosts_from_nodes: %s" % err)


def cluster_vmis(vmis, vms=None):
    try:
        return _cluster_vmis(vmis, vms)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.cluster_vmis: %s" % err)


def fleet_markdown(fleet):
    try:
        return _fleet_markdown(fleet)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.fleet_markdown: %s" % err)


def host_pictures(fleet, hosts):
    try:
        return _host_pictures(fleet, hosts)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.host_pictures: %s" % err)


class FilterModule(object):
    def filters(self):
        return {"check_migration": check_migration, "place_fleet": place_fleet,
                "fleet_markdown": fleet_markdown, "host_pictures": host_pictures,
                "simulate_drain": simulate_drain, "hosts_from_nodes": hosts_from_nodes,
                "cluster_vmis": cluster_vmis,
                "plan_hugepage_pools": plan_hugepage_pools}
