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
    name = vmi.cpu.model or cfg.cpu_model or "host-model"
    if name in ("host-model", "host-passthrough"):
        mode, model = name, None
    else:
        mode, model = "custom", name
    features = [dict(feature) for feature in vmi.cpu.features]
    add_mpx = model and vmi.architecture == "amd64"
    if add_mpx or opts.cpu_features:
        listed = {feature["name"] for feature in features}
        if add_mpx and "mpx" not in listed:
            features.append({"name": "mpx", "policy": "disable"})
            listed.add("mpx")
        for feature in opts.cpu_features:
            if feature["name"] not in listed:
                features.append(dict(feature))
    return {"mode": mode, "model": model, "model_fallback": None, "model_vendor_id": None,
            "match": None, "check": None, "migratable": None, "vendor": None,
            "features": features, "topology": topology, "numa_cells": cells}


def cputune(sized, view, vcpus, opts):
    """Pinning from the plan (dedicated CPUs), else the shared-CPU bandwidth of the Pod's CPU
    request and limit (Virtlet's rule, ``virtlet.cpu_bandwidth``)."""
    if sized.vmi.cpu.dedicated:
        # copies of the view's pins: a model shares nothing mutable with another of the same plan
        tune = {"vcpupin": [dict(pin) for pin in view.vcpupin], "emulatorpin": view.emulatorpin,
                "iothreadpin": [dict(pin) for pin in view.iothreadpin]}
        tune.update(virtlet.cpu_bandwidth(None, None, vcpus))
        return tune
    bandwidth = virtlet.cpu_bandwidth(_millis(sized.requests.get("cpu")),
                                      _millis(sized.limits.get("cpu")), vcpus, opts.cfs_period)
    if bandwidth["shares"] is None and bandwidth["quota"] is None:
        return None
    tune = {"vcpupin": [], "emulatorpin": None, "iothreadpin": []}
    tune.update(bandwidth)
    return tune


def _millis(quantity):
    return quantity.milli_value() if quantity is not None else None
