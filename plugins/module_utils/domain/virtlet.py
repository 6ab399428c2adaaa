# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain of a Virtlet VM pod, in the same model as a VMI's (``virtlet.pod`` reads the pod)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.domain.options import (
    DEFAULT_DOMAIN_OPTIONS)
from ansible_collections.vmpod.core.plugins.module_utils.domain.system import sysinfo_entries
from ansible_collections.vmpod.core.plugins.module_utils.virtlet import pod as virtlet


def virtlet_domain_model(spec, opts=DEFAULT_DOMAIN_OPTIONS):
    """The domain Virtlet defines for a read VM pod (``virtlet.read_virtlet_pod``), in the same
    model as a VMI's: 1 vCPU unless VirtletVCPUCount, the container memory limit (1Gi without
    one), the libvirt ``<cpu>`` of VirtletLibvirtCPUSetting, else of VirtletCPUModel, else
    libvirt's default; VirtletSystemUUID as domain and SMBIOS uuid; the Pod's CPU limit spread
    over the vCPUs."""
    domain_id = virtlet.domain_uuid(spec)
    tune = {"vcpupin": [], "emulatorpin": None, "iothreadpin": []}
    tune.update(virtlet.cpu_bandwidth(spec.cpu_request_millis or 0, spec.cpu_limit_millis,
                                      spec.vcpus, opts.cfs_period))
    if tune["shares"] is None:
        tune["shares"] = virtlet.cpu_shares(0)  # the kubelet gives every container 2 shares
    cpu = virtlet_cpu(spec, opts)
    return {
        "type": opts.domain_type,
        "name": virtlet.domain_name(spec, domain_id),
        "uuid": domain_id,
        "metadata": None,
        "memory_bytes": spec.memory_bytes,
        "vcpu": spec.vcpus,
        "vcpus": [],
        "iothreads": 0,
        "cputune": tune,
        "numatune": None,
        "memory_backing": None,
        "memtune": {"hard_limit_bytes": spec.memory_bytes} if opts.memory_hard_limit else None,
        "os": {"arch": "x86_64", "machine": None, "smbios": "sysinfo" if spec.system_uuid
               else None, "loader": None, "nvram": None},
        "sysinfo": sysinfo_entries(spec.system_uuid, None) if spec.system_uuid else [],
        "features": {"acpi": True, "apic": False, "smm": False, "kvm_hidden": None,
                     "kvm_hint_dedicated": False, "pmu": None, "vmport": None,
                     "pvspinlock": None},
        "cpu": cpu,
        "clock": None,
        "launch_security": None,
        "devices": {"disks": [], "interfaces": [], "filesystems": [], "channels": [],
                    "serial": {"type": "pty", "path": None, "log": None}, "controllers": [],
                    "graphics": None, "video": None, "inputs": [], "watchdog": None,
                    "sound": None, "panics": [], "vsock": None, "redirections": [],
                    "memballoon": None, "tpm": None, "rng": None},
        "omitted": ["Virtlet's root volume, network and cloud-init disk are made on the node"],
    }


def virtlet_cpu(spec, opts):
    """VirtletLibvirtCPUSetting wins over VirtletCPUModel; neither leaves libvirt's default."""
    element = {"mode": None, "model": None, "model_fallback": None, "model_vendor_id": None,
               "match": None, "check": None, "migratable": None, "vendor": None,
               "features": [], "topology": None, "numa_cells": []}
    if spec.cpu_setting is not None:
        element.update(spec.cpu_setting)
        element["features"] = list(spec.cpu_setting["features"])
    elif spec.cpu_model == "host-model":
        # virtualization.go: nested virtualization with host-model needs vmx
        element.update(mode="host-model", model_fallback="forbid",
                       features=[{"name": "vmx", "policy": "require"}])
    listed = {feature["name"] for feature in element["features"]}
    for feature in opts.cpu_features:
        if feature["name"] not in listed:
            element["features"].append(dict(feature))
    if not (element["mode"] or element["model"] or element["features"] or element["topology"]):
        return None
    return element
