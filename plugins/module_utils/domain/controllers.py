# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain's controllers: USB, SCSI, the PCI root with the 64-bit hole disabled, and
virtio-serial, in KubeVirt's order.

KubeVirt ``pkg/virt-launcher/virtwrap/converter/compute/controllers.go`` (which controllers and
their drivers), ``arch/{amd64,arm64,s390x}.go`` (``IsUSBNeeded``, ``SCSIControllerModel``,
``SupportPCIHole64Disabling``) and ``iothreads/iothreads.go`` (``GetIOThreadsCountType``: the
shared IOThreads a SCSI controller's thread is counted over).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DISABLE_PCI_HOLE64 = "kubevirt.io/disablePCIHole64"
SUPPLEMENTAL_POOL = "supplementalPool"


def controllers(vmi, virtio, iothreads, vcpus, iommu):
    """The controllers; ``virtio``: the virtio model; ``iothreads``: the domain's IOThreads;
    ``vcpus``: the vCPUs requested (a SCSI controller's queues); ``iommu``:
    ``launch_security_iommu``."""
    result = [{"type": "usb", "index": 0, "model": "qemu-xhci" if usb_needed(vmi) else "none",
               "driver": None, "pcihole64": None}]
    if scsi_controller_needed(vmi):
        driver = dict(iommu) if iommu else None
        thread = scsi_controller_iothread(vmi, iothreads)
        if thread is not None:
            driver = dict(driver or {}, iothread=thread, queues=max(vcpus, 1))
        result.append({"type": "scsi", "index": 0,
                       "model": "virtio-scsi" if vmi.architecture == "s390x" else virtio,
                       "driver": driver, "pcihole64": None})
    if vmi.architecture == "amd64" and DISABLE_PCI_HOLE64 in vmi.annotations and \
            vmi.annotations[DISABLE_PCI_HOLE64].lower() == "true":
        result.append({"type": "pci", "index": 0, "model": "pcie-root", "driver": None,
                       "pcihole64": {"value": 0, "unit": "KiB"}})
    if vmi.autoattach_serial is not False:
        result.append({"type": "virtio-serial", "index": 0, "model": virtio,
                       "driver": dict(iommu) if iommu else None, "pcihole64": None})
    return result


def launch_security_iommu(vmi):
    """The driver of virtio devices under SEV or SNP (``util.IsSEVVMI``): ``iommu='on'``."""
    return {"iommu": "on"} if vmi.sev or vmi.snp else None


def usb_needed(vmi):
    """IsUSBNeeded: always on arm64, never on s390x; on amd64 when an input device or a disk
    is on the USB bus, or USB redirection (clientPassthrough) is asked for."""
    if vmi.architecture != "amd64":
        return vmi.architecture == "arm64"
    for item in vmi.domain.inputs:
        if item.bus == "usb":
            return True
    for disk in vmi.disks:
        if disk.bus == "usb" and disk.device == "disk":
            return True
    return vmi.domain.client_passthrough


def scsi_controller_needed(vmi):
    """requiresSCSIController: kept for disk hotplug unless disableHotplug, else for a disk,
    LUN or CD-ROM on the SCSI bus."""
    return not vmi.domain.disable_hotplug or any(disk.bus == "scsi" for disk in vmi.disks)


def scsi_controller_iothread(vmi, iothreads):
    """assignSCSIControllerIOThread: with shared IOThreads and a dedicatedIOThread disk on the
    SCSI bus, the shared thread after those of the virtio disks (computeScsiControllerThread);
    None otherwise."""
    if not iothreads or (vmi.io_threads_policy == SUPPLEMENTAL_POOL
                         and vmi.supplemental_pool_thread_count is not None):
        return None
    if not any(disk.bus == "scsi" and disk.dedicated_io_thread for disk in vmi.disks):
        return None
    auto = iothreads - sum(1 for disk in vmi.disks if disk.dedicated_io_thread)
    if auto <= 0:
        return None
    thread = 1
    for disk in vmi.disks:
        if disk.bus == "virtio" and not disk.dedicated_io_thread:
            thread = thread % auto + 1
    return thread
