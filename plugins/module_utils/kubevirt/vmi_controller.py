# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What KubeVirt's VM controller gives the VMI it creates from a VirtualMachine, beyond the
template (``kubevirt.vmi.read_vmi`` applies these to a VirtualMachine's VMI): its generation
and migration-target annotations, a uid of its own, and a disk for each volume no disk names.
Each fills ``v``, the fields ``read_vmi`` has read so far, in place."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_devices import read_disk
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f


def default_volume_disks(v, spec, devices, sp):
    """util.SetDefaultVolumeDisk, which the VM controller applies to the VMI it creates: a
    volume that no disk and no filesystem names gets a disk of its name."""
    named = {disk.name for disk in v.get("disks", ())}
    named.update(item.get("name") for item in f.mapping_items(devices, "filesystems", sp))
    added = [read_disk({"name": item["name"]}, f.item_path(sp, "volumes", index))
             for index, item in enumerate(f.mapping_items(spec, "volumes", sp))
             if isinstance(item.get("name"), str) and item["name"] not in named]
    if added:
        v["disks"] = tuple(v.get("disks", ())) + tuple(added)


VM_GENERATION = "kubevirt.io/vm-generation"  # v1.VirtualMachineGenerationAnnotation
CREATE_MIGRATION_TARGET = "kubevirt.io/create-migration-target"


def vm_controller_metadata(v, meta, spec):
    """What the VM controller gives the VMI it creates (watch/vm/vm.go startVMI,
    SetupVMIFromVM): the VM's generation as an annotation (1, the API server's first, for a VM
    not read back from one), ``create-migration-target`` for a WaitAsReceiver VM, and a uid of
    its own: the API server's, not the VM's (so the stable stand-in stands for it)."""
    generation = f.integer(meta, "generation", "metadata", 1, minimum=0)
    annotations = dict(v["annotations"])
    annotations[VM_GENERATION] = str(generation)
    if spec.get("runStrategy") == "WaitAsReceiver":
        annotations[CREATE_MIGRATION_TARGET] = "true"
    v["annotations"], v["uid"] = annotations, ""
