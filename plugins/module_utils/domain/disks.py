# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain's disks: source, target name by bus, SCSI and PCI addresses, the driver (cache,
io, error policy, queues, discard, IOThread), CD-ROM trays, shareable disks.

KubeVirt ``pkg/virt-launcher/virtwrap/converter/storage/disk.go``
(``convert_v1_Disk_To_api_Disk``, ``assignDiskToSCSIController``, ``makeDeviceName``,
``setErrorPolicy``, ``assignDiskIOThread``) and ``storage/configurator.go`` (blockMultiQueue:
queues = the vCPUs requested). A cache or io mode the VMI leaves unset is decided on the node
(``converter.go`` ``SetDriverCacheMode``: none when the disk's file system takes direct I/O,
else writethrough; ``SetOptimalIOMode``: native for a block device or preallocated image under
cache none); the model leaves it to the host too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

_BUS_PREFIX = {"virtio": "vd", "sata": "sd", "scsi": "sd", "usb": "sd"}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def disks(vmi, name, namespace, virtio, threads, vcpus, opts, iommu, omitted):
    """Each disk with its volume's source, target (vda, vdb, ... sda, ... by bus), and IOThread
    (assignDiskIOThread: dedicated disks after the shared pool, shared ones round-robin);
    ``iommu``: ``controllers.launch_security_iommu``."""
    if not vmi.disks:
        return []
    supplemental = vmi.io_threads_policy == "supplementalPool" and \
        vmi.supplemental_pool_thread_count is not None
    auto = threads
    if threads and not supplemental:
        auto = max(threads - sum(1 for disk in vmi.disks if disk.dedicated_io_thread), 1)
    next_auto, next_dedicated = 1, auto + 1
    queues = max(vcpus, 1) if vmi.domain.block_multi_queue else None
    volumes = vmi.domain.volumes
    names = {"private": opts.private_dir, "namespace": namespace, "vmi": name}  # and the disk's
    used = {}
    result = []
    for disk in vmi.disks:
        volume = volumes.get(disk.name)
        if volume is None:
            if disk.device != "cdrom":
                raise VmpodInputError(f.join(disk.path, "name"), disk.name,
                                      "has no volume of that name in spec.volumes")
            kind, source, fmt = None, None, "raw"
        else:
            kind, template, fmt = volume.kind, volume.template, volume.format
            if kind == "hostDisk":
                source = template
            else:
                names["name"] = disk.name
                source = template.format_map(names)
        prefix = _BUS_PREFIX[disk.bus]
        unit = used[prefix] = used.get(prefix, -1) + 1
        virtio_bus = disk.bus == "virtio"
        entry = {"device": disk.device, "source": source, "format": fmt,
                 "bus": disk.bus, "dev": prefix + _device_letters(unit),
                 "model": virtio if virtio_bus and disk.device == "disk" else None,
                 "readonly": disk.readonly, "serial": disk.serial,
                 "boot_order": disk.boot_order, "alias": "ua-" + disk.name,
                 "discard": None if disk.device == "cdrom" else "unmap",
                 "tray": disk.tray, "iothread": None,
                 "cache": disk.cache, "io": disk.io}  # (the rest one by one, as in model.py)
        entry["error_policy"] = disk.error_policy
        entry["queues"] = queues if virtio_bus else None
        entry["iommu"] = "on" if iommu and virtio_bus else None
        entry["shareable"] = disk.shareable
        entry["address"] = _address(disk, unit)
        if kind == "downwardMetrics":
            # volume.go convert_v1_DownwardMetricSource_To_api_Disk: a read-only virtio disk
            # with a driver of its own (raw, no discard, cache, io or queues)
            entry.update(readonly=True, model=virtio, discard=None, cache=None, io=None,
                         queues=None)
        if disk.device == "lun":
            entry["device"] = "disk"  # a LUN needs the node's block device; rendered as a disk
            omitted.append("disk %s: LUN passthrough needs the node's block device; rendered as "
                           "a disk" % disk.name)
        if threads and virtio_bus:
            if supplemental:
                # KubeVirt maps each disk's queues over all pool IOThreads (<driver><iothreads>,
                # libvirt >= 10.0); round-robin keeps the domain valid for older libvirt
                entry["iothread"] = next_auto
                next_auto = next_auto % threads + 1
            elif disk.dedicated_io_thread:
                entry["iothread"] = next_dedicated
                next_dedicated += 1
            else:
                entry["iothread"] = next_auto
                next_auto = next_auto % auto + 1
        result.append(entry)
    return result


def _address(disk, unit):
    """A disk or LUN on the SCSI bus sits on controller 0, bus 0, at the unit of its name (sda:
    0); a virtio disk target may name its PCI address."""
    if disk.bus == "scsi" and disk.device != "cdrom":
        return {"type": "drive", "controller": 0, "bus": 0, "unit": unit}
    if disk.pci_address is not None:
        domain, bus, slot, function = disk.pci_address
        return {"type": "pci", "domain": "0x" + domain, "bus": "0x" + bus, "slot": "0x" + slot,
                "function": "0x" + function}
    return None


def _device_letters(index):
    """0 -> a, 25 -> z, 26 -> aa: the suffix of vda, vdb, ..."""
    if index < 26:
        return _LETTERS[index]
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
