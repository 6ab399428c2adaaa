# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain's devices: disks, interfaces, filesystems, serial console, channels, controllers,
graphics, memory balloon, TPM and RNG.

KubeVirt ``storage/disk.go`` (``assignDiskIOThread``), ``compute/console.go``,
``compute/channels.go``, ``compute/balloon.go`` and ``virtwrap/manager.go``
``isFreePageReportingEnabled``, ``compute/tpm.go``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

FREE_PAGE_REPORTING_DISABLED = "kubevirt.io/free-page-reporting-disabled"
VIRTIO_MODEL = "virtio-non-transitional"
_BUS_PREFIX = {"virtio": "vd", "sata": "sd", "scsi": "sd", "usb": "sd"}


def devices(vmi, name, namespace, uid, iothreads, opts, omitted):
    """The devices; ``iothreads``: the domain's IOThread count (``iothreads.iothread_count``)."""
    section = vmi.domain
    virtio = "virtio-transitional" if section.transitional else VIRTIO_MODEL
    private = "%s/%s" % (opts.private_dir, uid)
    result = {
        "disks": disks(vmi, name, namespace, virtio, iothreads, opts, omitted),
        "interfaces": interfaces(vmi, virtio, omitted),
        "filesystems": [{"name": fs, "socket": "/var/run/kubevirt/virtiofs-containers/%s.sock"
                         % fs} for fs in section.filesystems],
        "serial": None,
        "channels": ["org.qemu.guest_agent.0"],
        "controllers": [],
        "graphics": None,
        "memballoon": memballoon(vmi, virtio, opts),
        "tpm": None,
        "rng": {"model": virtio} if section.rng else None,
    }
    if vmi.architecture == "amd64":
        result["controllers"].append({"type": "usb", "index": 0, "model": "none"})
    result["controllers"].append({"type": "virtio-serial", "index": 0, "model": virtio})
    if vmi.autoattach_serial is not False:
        result["serial"] = {"type": "unix", "path": "%s/virt-serial0" % private,
                            "log": "%s/virt-serial0-log" % private}
    if vmi.autoattach_graphics is not False and vmi.architecture != "s390x":
        result["graphics"] = {"socket": "%s/virt-vnc" % private,
                              "video": "virtio" if vmi.architecture == "arm64" else "vga"}
    if vmi.tpm:
        persistent = section.tpm_persistent
        result["tpm"] = {"model": "tpm-crb" if persistent else "tpm-tis", "version": "2.0",
                         "persistent": "yes" if persistent else None}
    for kind, items in (("GPU", vmi.gpus), ("host device", vmi.host_devices)):
        for device in items:
            omitted.append("%s %s: its PCI address comes from the device plugin on the node"
                           % (kind, device.name))
    if vmi.sev or vmi.snp or vmi.tdx:
        omitted.append("launchSecurity: cbitpos and reducedPhysBits come from the node's "
                       "domain capabilities")
    return result


def disks(vmi, name, namespace, virtio, threads, opts, omitted):
    """Each disk with its volume's source, target (vda, vdb, ... sda, ... by bus), and IOThread
    (assignDiskIOThread: dedicated disks after the shared pool, shared ones round-robin)."""
    dedicated = sum(1 for disk in vmi.disks if disk.dedicated_io_thread)
    supplemental = vmi.io_threads_policy == "supplementalPool" and \
        vmi.supplemental_pool_thread_count is not None
    auto = max(threads - dedicated, 1) if not supplemental else threads
    next_auto, next_dedicated = 1, auto + 1
    used = {}
    result = []
    for disk in vmi.disks:
        volume = vmi.domain.volumes.get(disk.name)
        if volume is None:
            if disk.device != "cdrom":
                raise VmpodInputError(f.join(disk.path, "name"), disk.name,
                                      "has no volume of that name in spec.volumes")
            source, fmt = None, "raw"
        else:
            kind, template, fmt = volume.kind, volume.template, volume.format
            source = template if kind == "hostDisk" else template.format(
                private=opts.private_dir, name=disk.name, namespace=namespace, vmi=name)
        prefix = _BUS_PREFIX[disk.bus]
        used[prefix] = used.get(prefix, -1) + 1
        entry = {"device": disk.device, "source": source, "format": fmt,
                 "bus": disk.bus, "dev": prefix + _device_letters(used[prefix]),
                 "model": virtio if disk.bus == "virtio" else None,
                 "readonly": disk.readonly, "serial": disk.serial,
                 "boot_order": disk.boot_order, "alias": "ua-" + disk.name,
                 "discard": None if disk.device == "cdrom" else "unmap",
                 "tray": "closed" if disk.device == "cdrom" else None, "iothread": None}
        if disk.device == "lun":
            entry["device"] = "disk"  # a LUN needs the node's block device; rendered as a disk
            omitted.append("disk %s: LUN passthrough needs the node's block device; rendered as "
                           "a disk" % disk.name)
        if threads and disk.bus == "virtio":
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


def _device_letters(index):
    """0 -> a, 25 -> z, 26 -> aa: the suffix of vda, vdb, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def interfaces(vmi, virtio, omitted):
    """Pod-network bindings as a tap (``type='ethernet'``), passt as ``type='user'`` with the
    passt backend; SR-IOV VFs are left to the node (their PCI address is assigned there)."""
    result = []
    for item in vmi.interfaces:
        if item.sriov:
            omitted.append("interface %s: the SR-IOV VF's PCI address is assigned on the node"
                           % item.name)
            continue
        model = item.model or "virtio"
        passt = item.uses_passt
        result.append({"type": "user" if passt else "ethernet",
                       "backend": "passt" if passt else None,
                       "ports": [{"port": port["port"], "protocol": port["protocol"]}
                                 for port in item.ports] if passt else [],
                       "model": virtio if model == "virtio" else model,
                       "mac": item.mac, "boot_order": item.boot_order,
                       "alias": "ua-" + item.name, "rom": "no"})
    return result


def memballoon(vmi, virtio, opts):
    """balloon.go: model none when autoattachMemBalloon is false; stats every
    memBalloonStatsPeriod seconds; free page reporting unless disabled for the cluster, by the
    VMI's annotation, or for a high-performance VMI (dedicated CPUs, realtime, hugepages)."""
    if vmi.autoattach_memballoon is False:
        return {"model": "none", "free_page_reporting": None, "stats_period": None,
                "iommu": False}
    high_performance = vmi.cpu.dedicated or vmi.cpu.realtime or vmi.hugepage_size is not None
    reporting = opts.free_page_reporting and not high_performance and \
        vmi.annotations.get(FREE_PAGE_REPORTING_DISABLED) != "true"
    return {"model": virtio, "free_page_reporting": "on" if reporting else "off",
            "stats_period": opts.mem_balloon_stats_period or None,
            "iommu": bool(vmi.sev or vmi.snp)}
