# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain's CPU: topology, the ``<vcpus>`` hotplug list, ``<cpu>`` and ``<cputune>``.

KubeVirt ``pkg/virt-launcher/virtwrap/converter/compute/cpu.go`` (topology, hotplug list, CPU
mode / model / features, ``mpx`` disabled for named models) and ``vcpu/vcpu.go`` (pinning).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.guest import guest_vcpus
from ansible_collections.vmpod.core.plugins.module_utils.virtlet import pod as virtlet


def cpu_topology(vmi):
    """GetCPUTopology and configureCPUTopology: (topology, vCPUs in <vcpu>, vCPUs enabled).

    An unset topology takes the guest's vCPUs (``guest.guest_vcpus``) as sockets; ``maxSockets``
    widens the sockets to the hotplug maximum while only the requested vCPUs stay enabled.
    """
    cpu = vmi.cpu
    if cpu.sockets or cpu.cores or cpu.threads:
        sockets, cores, threads = cpu.sockets or 1, cpu.cores or 1, cpu.threads or 1
    else:
        sockets, cores, threads = guest_vcpus(vmi), 1, 1
    enabled = sockets * cores * threads
    if cpu.max_sockets:
        sockets = cpu.max_sockets
    return {"sockets": sockets, "cores": cores, "threads": threads}, sockets * cores * threads, \
        enabled


def vcpu_hotplug_list(vmi, topology, vcpus, enabled):
    """``<vcpus>`` when maxSockets is set: vCPU i enabled below the requested count, hot-
    pluggable from the first socket on (cores * threads)."""
    if not vmi.cpu.max_sockets:
        return []
    first_socket = topology["cores"] * topology["threads"]
    return [{"id": index, "enabled": "yes" if index < enabled else "no",
             "hotpluggable": "yes" if index >= first_socket else "no"}
            for index in range(vcpus)]


def cpu_element(vmi, cfg, topology, cells, opts):
    """``<cpu>``: host-model by default (the cluster's cpuModel first), host-passthrough, or a
    named model (mode custom, ``mpx`` disabled on amd64 unless listed); the VMI's features, then
    the renderer's ``cpu_features``; topology; guest NUMA cells."""
    model_name = vmi.cpu.model or cfg.cpu_model or "host-model"
    element = {"mode": "custom", "model": None, "model_fallback": None, "model_vendor_id": None,
               "match": None, "check": None, "migratable": None, "vendor": None,
               "features": [dict(feature) for feature in vmi.cpu.features],
               "topology": topology, "numa_cells": cells}
    if model_name in ("host-model", "host-passthrough"):
        element["mode"] = model_name
    else:
        element["model"] = model_name
    listed = {feature["name"] for feature in vmi.cpu.features}
    if element["model"] and vmi.architecture == "amd64" and "mpx" not in listed:
        element["features"].append({"name": "mpx", "policy": "disable"})
        listed.add("mpx")
    for feature in opts.cpu_features:
        if feature["name"] not in listed:
            element["features"].append(dict(feature))
    return element


def cputune(sized, view, vcpus, opts):
    """Pinning from the plan (dedicated CPUs), else the shared-CPU bandwidth of the Pod's CPU
    request and limit (Virtlet's rule, ``virtlet.cpu_bandwidth``)."""
    tune = {"vcpupin": [], "emulatorpin": None, "iothreadpin": []}
    if sized.vmi.cpu.dedicated:
        tune.update(vcpupin=list(view.vcpupin), emulatorpin=view.emulatorpin,
                    iothreadpin=list(view.iothreadpin))
        tune.update(virtlet.cpu_bandwidth(None, None, vcpus))
        return tune
    tune.update(virtlet.cpu_bandwidth(_millis(sized.requests.get("cpu")),
                                      _millis(sized.limits.get("cpu")), vcpus, opts.cfs_period))
    if tune["shares"] is None and tune["quota"] is None:
        return None
    return tune


def _millis(quantity):
    return quantity.milli_value() if quantity is not None else None
