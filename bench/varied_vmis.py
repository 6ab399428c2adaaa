# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A varied set of VMIs for the benchmarks: every combination of the shapes that change the
work (CPU placement, memory backing, devices, firmware, architecture), deterministic."""

import itertools

CPUS = (
    {},
    {"cores": 2},
    {"sockets": 2, "cores": 2, "threads": 2},
    {"cores": 4, "dedicatedCpuPlacement": True},
    {"cores": 2, "threads": 2, "dedicatedCpuPlacement": True, "isolateEmulatorThread": True},
)
MEMORY = (
    ({}, {"requests": {"memory": "2Gi"}}),
    ({"guest": "4Gi"}, {"requests": {"memory": "3Gi"}, "limits": {"memory": "6Gi"}}),
    ({"hugepages": {"pageSize": "2Mi"}}, {"requests": {"memory": "4Gi"}}),
)
DEVICES = (
    {},
    {"disks": [{"name": "rootdisk", "disk": {"bus": "virtio"}},
               {"name": "cloudinitdisk", "disk": {"bus": "virtio"}}],
     "interfaces": [{"name": "default", "masquerade": {}}]},
    {"disks": [{"name": "rootdisk", "disk": {"bus": "virtio"}, "dedicatedIOThread": True},
               {"name": "data", "disk": {"bus": "scsi"}}, {"name": "iso", "cdrom": {}}],
     "interfaces": [{"name": "default", "masquerade": {}},
                    {"name": "fast", "sriov": {}, "macAddress": "02:00:00:00:00:01"}],
     "gpus": [{"name": "gpu0", "deviceName": "nvidia.com/GA102"}], "tpm": {}},
)
FIRMWARE = ({}, {"firmware": {"bootloader": {"efi": {"secureBoot": False}}}})
ARCHITECTURES = ("amd64", "arm64")
VOLUMES = [{"name": "rootdisk", "containerDisk": {"image": "quay.io/containerdisks/fedora"}},
           {"name": "cloudinitdisk", "cloudInitNoCloud": {"userData": "#cloud-config\n"}},
           {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
           {"name": "iso", "dataVolume": {"name": "iso"}}]


def varied_vmis():
    vmis = []
    shapes = itertools.product(CPUS, MEMORY, DEVICES, FIRMWARE, ARCHITECTURES)
    for index, (cpu, (memory, resources), devices, firmware, arch) in enumerate(shapes):
        if arch == "arm64" and (memory or devices.get("gpus")):
            continue  # keep arm64 plain: hugepages and GPUs vary on amd64
        domain = {"cpu": dict(cpu), "memory": dict(memory), "resources": resources,
                  "devices": devices}
        domain.update(firmware)
        if cpu.get("dedicatedCpuPlacement") and "limits" in resources:
            domain["resources"] = {"requests": resources["requests"]}
        if "hugepages" in memory and "guest" not in memory:
            domain["resources"] = {"requests": {"memory": "4Gi"}}
        vmis.append({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
                     "metadata": {"name": "varied-%03d" % index, "namespace": "bench"},
                     "spec": {"architecture": arch, "domain": domain, "volumes": VOLUMES,
                              "networks": [{"name": "default", "pod": {}},
                                           {"name": "fast", "multus": {"networkName": "sriov"}}]
                              if devices.get("interfaces") and len(devices["interfaces"]) > 1
                              else [{"name": "default", "pod": {}}]}})
    return vmis
