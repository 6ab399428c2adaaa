# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Public entry point: many VMs onto many hosts (``planning.packing``), what every host has left
(``planning.usage``) and why a VM goes nowhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
from ansible_collections.vmpod.core.plugins.module_utils.planning.options import read_options
from ansible_collections.vmpod.core.plugins.module_utils.planning.packing import (
    Packer, Spreader, read_fleet_hosts, read_fleet_vmis, take, try_place, unplaced_reasons)
from ansible_collections.vmpod.core.plugins.module_utils.planning.usage import host_usage
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

__all__ = ("place_fleet", "POLICIES")

POLICIES = ("pack", "spread")


def place_fleet(vmis, hosts, config=None, policy="pack", options=None, arch="amd64"):
    """Place every VMI on a host, or leave it unplaced with the reason from each host.

    ``vmis``: a list of VMIs (or VirtualMachines), names unique. ``hosts``: host name -> host
    data (as ``plan_placement`` takes it, optionally with ``architecture``), or a list of host
    data each with its ``name``. ``config``: the KubeVirt CR's ``spec.configuration``
    (``cpuAllocationRatio``, ``memoryOvercommit``). ``policy``: ``pack`` or ``spread``.
    ``options``: placement options for every VM (``plan_placement``'s). ``arch``: the cluster
    architecture for VMIs that do not name theirs.

    Returns ``{placements: {vmi: host or None}, unplaced: {vmi: [reasons]}, hosts: {name:
    usage}, plans: {vmi: plan}, warnings: [..], policy}``.
    """
    if policy not in POLICIES:
        raise VmpodInputError("policy", policy, "must be one of %s" % ", ".join(POLICIES))
    cfg = read_config(config)
    opts = read_options(options)
    states = read_fleet_hosts(hosts)
    vms = read_fleet_vmis(vmis, cfg, arch)
    picker = Packer(states) if policy == "pack" else Spreader(states)
    placements, unplaced, plans = {}, {}, {}
    nowhere = {}  # shape -> reasons, for shapes no host took
    for vm in vms:
        if vm.shape in nowhere:
            placements[vm.name] = None
            unplaced[vm.name] = list(nowhere[vm.shape])
            continue
        state, plan = picker.place(vm, lambda state, vm=vm: try_place(state, vm, opts))
        if state is None:
            reasons = unplaced_reasons(vm, states, opts)
            nowhere[vm.shape] = reasons
            placements[vm.name] = None
            unplaced[vm.name] = list(reasons)
            continue
        take(state, vm, plan)
        picker.taken(state)
        placements[vm.name] = state.name
        result = plan.as_dict()
        result["name"] = vm.name
        result["host"] = state.name
        plans[vm.name] = result
    usage = dict((state.name, host_usage(state, cfg)) for state in states)
    warnings = ["%s: %s" % (name, warning) for name, host in usage.items()
                for warning in host["warnings"]]
    return {"placements": placements, "unplaced": unplaced, "hosts": usage, "plans": plans,
            "warnings": warnings, "policy": policy}
