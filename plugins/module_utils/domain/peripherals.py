# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The domain's peripherals: input devices, video, watchdog, sound card, panic devices, VSOCK,
the virtio channels and USB redirection.

KubeVirt ``pkg/virt-launcher/virtwrap/converter/compute/``: ``input_device.go``,
``graphics.go`` (the video model: vram 16384 KiB and one head; bochs for EFI guests on amd64
unless the KubeVirt CR carries ``kubevirt.io/vga-display-efi-x86``, ``virt-handler/options.go``),
``watchdog.go``, ``sound.go``, ``panic_devices.go``, ``vsock.go``, ``channels.go`` with ``pkg/downwardmetrics``
(the channel and its socket) and ``usb_redir.go``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0"
DOWNWARD_METRICS_CHANNEL = "org.github.vhostmd.1"  # downwardmetrics.DownwardMetricsSerialDeviceName
VIDEO_VRAM_KIB = 16384  # graphicsDeviceDefaultVRAM
VIDEO_HEADS = 1
USB_REDIRECTIONS = 4  # api/core/v1: UsbClientPassthroughMaxNumberOf
VSOCK_MODEL = "virtio-non-transitional"  # vsock.go forces virtio 1 for vhost-vsock-pci


def inputs(vmi):
    """The VMI's input devices (alias ``ua-<name>``, model virtio on the virtio bus); with
    graphics, arm64 adds a USB tablet (unless one is there) and a USB keyboard, s390x a virtio
    keyboard."""
    result = [{"type": item.type, "bus": item.bus,
               "model": "virtio" if item.bus == "virtio" else None, "alias": "ua-" + item.name}
              for item in vmi.domain.inputs]
    if vmi.autoattach_graphics is False:
        return result
    if vmi.architecture == "arm64":
        if not any(item.type == "tablet" for item in vmi.domain.inputs):
            result.append({"type": "tablet", "bus": "usb", "model": None, "alias": None})
        result.append({"type": "keyboard", "bus": "usb", "model": None, "alias": None})
    elif vmi.architecture == "s390x":
        result.append({"type": "keyboard", "bus": "virtio", "model": None, "alias": None})
    return result


def video(vmi, vga_for_efi):
    """The video device beside the VNC graphics: the VMI's type (vram and heads set), else bochs
    for an EFI guest on amd64 (``vga_for_efi``: the cluster asked for VGA instead), VGA on
    amd64, virtio elsewhere."""
    if vmi.domain.video is not None:
        return {"type": vmi.domain.video, "vram": VIDEO_VRAM_KIB, "heads": VIDEO_HEADS}
    if vmi.architecture != "amd64":
        return {"type": "virtio", "vram": None, "heads": VIDEO_HEADS}
    if vmi.domain.efi and not vga_for_efi:
        return {"type": "bochs", "vram": None, "heads": VIDEO_HEADS}
    return {"type": "vga", "vram": VIDEO_VRAM_KIB, "heads": VIDEO_HEADS}


def watchdog(vmi):
    item = vmi.domain.watchdog
    if item is None:
        return None
    return {"model": item.model, "action": item.action, "alias": "ua-" + item.name}


def sound(vmi):
    item = vmi.domain.sound
    if item is None:
        return None
    return {"model": item.model, "alias": "ua-" + item.name}


def panic_devices(vmi):
    """Each panic device with its model, or libvirt's default model when it names none."""
    return [{"model": model} for model in vmi.domain.panic_devices]


def vsock(vmi):
    """The CID virt-controller allocated (status.VSOCKCID), fixed (``auto='no'``); before the
    VMI has one, under autoattachVSOCK, libvirt's choice (``auto='yes'``)."""
    cid = vmi.domain.vsock_cid
    if cid is not None:
        return {"model": VSOCK_MODEL, "auto": "no", "address": cid}
    if vmi.autoattach_vsock:
        return {"model": VSOCK_MODEL, "auto": "yes", "address": None}
    return None


def channels(vmi, private_dir):
    """The guest agent's channel (its socket left to libvirt), then the downward metrics'
    (``devices.downwardMetrics``), bound to virt-launcher's socket."""
    result = [{"name": GUEST_AGENT_CHANNEL, "path": None}]
    if vmi.domain.downward_metrics_device:
        result.append({"name": DOWNWARD_METRICS_CHANNEL,
                       "path": "%s/downwardmetrics-channel/downwardmetrics.sock" % private_dir})
    return result


def usb_redirections(vmi, private):
    """clientPassthrough: the most USB redirections QEMU and KubeVirt allow, each bound to a
    socket in the VM's private directory ``private``."""
    if not vmi.domain.client_passthrough:
        return []
    return ["%s/virt-usbredir-%d" % (private, index) for index in range(USB_REDIRECTIONS)]
