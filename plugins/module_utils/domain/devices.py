# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain's devices: disks (``domain.disks``), interfaces, filesystems, serial console,
channels, controllers (``domain.controllers``), graphics and video, input devices, watchdog,
sound, panic devices, VSOCK, USB redirection (``domain.peripherals``), memory balloon, TPM and
RNG.

KubeVirt ``pkg/virt-launcher/virtwrap/converter/``: ``compute/console.go``,
``compute/balloon.go`` and ``virtwrap/manager.go`` ``isFreePageReportingEnabled``,
``compute/tpm.go``, ``compute/rng.go``, ``network/configurator.go`` and ``network/virtio-queues.go`` (interfaces:
multiqueue, PCI address, ACPI index; the MTU is the Pod NIC's, read on the node), ``arch/``
(``TransitionalModelType``: plain ``virtio`` on s390x).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.domain import peripherals
from ansible_collections.vmpod.core.plugins.module_utils.domain.controllers import (
    controllers, launch_security_iommu)
from ansible_collections.vmpod.core.plugins.module_utils.domain.disks import disks

FREE_PAGE_REPORTING_DISABLED = "kubevirt.io/free-page-reporting-disabled"
VIRTIO_MODEL = "virtio-non-transitional"
MULTI_QUEUE_MAX = 256  # network/virtio-queues.go MultiQueueMaxQueues (a tap device's queues)
_FROM_DEVICE_PLUGIN = "%s %s: its PCI address comes from the device plugin on the node"


def virtio_model(vmi):
    """virtio.InterpretTransitionalModelType: virtio on s390x, else (non-)transitional."""
    if vmi.architecture == "s390x":
        return "virtio"
    return "virtio-transitional" if vmi.domain.transitional else VIRTIO_MODEL


def devices(vmi, name, namespace, uid, iothreads, vcpus, opts, omitted):
    """The devices; ``iothreads``: the domain's IOThread count (``iothreads.iothread_count``);
    ``vcpus``: the vCPUs requested (the queues of multiqueue disks and interfaces)."""
    section = vmi.domain
    virtio = virtio_model(vmi)
    iommu = launch_security_iommu(vmi)
    private = "%s/%s" % (opts.private_dir, uid)
    serial = graphics = video = tpm = None
    if vmi.autoattach_serial is not False:
        serial = {"type": "unix", "path": "%s/virt-serial0" % private,
                  "log": "%s/virt-serial0-log" % private}
    if vmi.autoattach_graphics is not False:
        graphics = {"socket": "%s/virt-vnc" % private}
        video = peripherals.video(vmi, opts.vga_display_for_efi)
    if vmi.tpm:
        persistent = section.tpm_persistent
        tpm = {"model": "tpm-crb" if persistent else "tpm-tis", "version": "2.0",
               "persistent": "yes" if persistent else None}
    result = {
        "disks": disks(vmi, name, namespace, virtio, iothreads, vcpus, opts, iommu, omitted),
        "interfaces": interfaces(vmi, virtio, vcpus, iommu, omitted),
        "filesystems": [{"name": fs, "socket": "/var/run/kubevirt/virtiofs-containers/%s.sock"
                         % fs} for fs in section.filesystems],
        "serial": serial,
        "channels": peripherals.channels(vmi, opts.private_dir),
        "controllers": controllers(vmi, virtio, iothreads, vcpus, iommu),
        "graphics": graphics,
        "video": video,
        "inputs": peripherals.inputs(vmi),
        "watchdog": peripherals.watchdog(vmi),
        "sound": peripherals.sound(vmi),
        "panics": peripherals.panic_devices(vmi),
        "vsock": peripherals.vsock(vmi),
        "redirections": peripherals.usb_redirections(vmi, private),
        "memballoon": memballoon(vmi, virtio, opts),
        "tpm": tpm,
        # rng.go: the IOMMU under SEV
        "rng": {"model": virtio, "iommu": "on" if iommu else None} if section.rng else None,
    }
    for device in vmi.gpus:
        omitted.append(_FROM_DEVICE_PLUGIN % ("GPU", device.name))
    for device in vmi.host_devices:
        omitted.append(_FROM_DEVICE_PLUGIN % ("host device", device.name))
    return result


def domain_interfaces(vmi):
    """The VMI's interfaces that become a domain ``<interface>``, in order: not SR-IOV (a
    hostdev the node assigns) and not ``state: absent`` (being hot-unplugged; the converter's
    ``CreateDomainInterfaces`` leaves those out, and their networks with them)."""
    return [item for item in vmi.interfaces if not item.sriov and not item.absent]


def interfaces(vmi, virtio, vcpus, iommu, omitted):
    """Pod-network bindings as a tap (``type='ethernet'``), passt as ``type='user'`` with the
    passt backend; SR-IOV VFs are left to the node (their PCI address is assigned there).

    A virtio NIC's driver: vhost with a queue per requested vCPU (at most 256) under
    networkInterfaceMultiqueue, the IOMMU under SEV; a tap's option ROM off unless the NIC
    boots (always off under SEV; s390x has none to tune), its link down when its state says
    so; the PCI address and ACPI index given. ``iommu``: ``launch_security_iommu``."""
    if not vmi.interfaces:
        return []
    queues = min(max(vcpus, 1), MULTI_QUEUE_MAX) if vmi.domain.network_multi_queue else None
    result = []
    for item in vmi.interfaces:
        if item.sriov and not item.absent:
            omitted.append("interface %s: the SR-IOV VF's PCI address is assigned on the node"
                           % item.name)
    for item in domain_interfaces(vmi):
        model = item.model or "virtio"
        passt = item.uses_passt
        driver = None
        if model == "virtio" and (queues or iommu):
            driver = {"name": "vhost", "queues": queues, "iommu": iommu["iommu"] if iommu
                      else None}
        rom = None  # tapBindingOptions: tuned for a tap only (passt's options have no ROM)
        if not passt and vmi.architecture != "s390x" and (item.boot_order is None or iommu):
            rom = "no"
        address = None
        if item.pci_address is not None:
            domain, bus, slot, function = item.pci_address
            address = {"type": "pci", "domain": "0x" + domain, "bus": "0x" + bus,
                       "slot": "0x" + slot, "function": "0x" + function}
        result.append({"type": "user" if passt else "ethernet",
                       "backend": "passt" if passt else None,
                       "ports": [{"port": port["port"], "protocol": port["protocol"]}
                                 for port in item.ports] if passt else [],
                       "model": virtio if model == "virtio" else model,
                       "mac": item.mac, "boot_order": item.boot_order,
                       "alias": "ua-" + item.name, "rom": rom, "driver": driver,
                       "address": address, "acpi_index": item.acpi_index or None,
                       "link_state": "down" if item.link_down and not passt else None})
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
