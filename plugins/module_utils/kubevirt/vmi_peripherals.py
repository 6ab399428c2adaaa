# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VMI's peripheral devices that only the domain uses: input devices, the watchdog, the
sound card, the video type, panic devices and the VSOCK CID (``vmi_domain.read_domain_section`` calls these).

Checked as KubeVirt's webhooks check them and defaulted as its mutating webhook defaults them:
``pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go``
(``validateInputDevices``, ``validateSoundDevices``, ``validateVideoConfig``,
``validatePanicDevices``),
``pkg/virt-api/webhooks/{amd64,arm64,s390x}.go`` (watchdog and video types per architecture),
``staging/src/kubevirt.io/api/core/v1/defaults.go`` (an input's bus usb and type tablet),
``pkg/defaults/{amd64,s390x}.go`` (the watchdog's device and its action reset) and
``pkg/virt-controller/watch/vm/vm.go`` ``AutoAttachInputDevice``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import xml_string

INPUT_BUSES = ("usb", "virtio")
WATCHDOG_ACTIONS = ("poweroff", "reset", "shutdown")
SOUND_MODELS = ("ich9", "ac97")
PANIC_MODELS = ("hyperv", "isa", "pvpanic")
# the webhooks' video types per architecture
VIDEO_TYPES = {"amd64": ("vga", "cirrus", "virtio", "ramfb", "bochs"),
               "arm64": ("virtio", "ramfb"), "s390x": ("virtio",)}
# the watchdog device per architecture (arm64 has none)
_WATCHDOG_MODELS = {"amd64": "i6300esb", "s390x": "diag288"}


class InputDevice(NamedTuple):
    name: str
    type: str  # tablet
    bus: str  # usb or virtio


class Watchdog(NamedTuple):
    name: str
    model: str  # i6300esb (amd64) or diag288 (s390x)
    action: str  # poweroff, reset or shutdown


class SoundCard(NamedTuple):
    name: str
    model: str  # ich9 or ac97


def read_inputs(devices, path, from_vm):
    """``devices.inputs``: bus usb and type tablet when unset; only a tablet on usb or virtio.
    A VirtualMachine's VMI with autoattachInputDevice and no inputs gets ``default-0``."""
    result = []
    for ipath, item in f.mappings(devices, "inputs", path):
        bus = f.string(item, "bus", ipath) or "usb"
        if bus not in INPUT_BUSES:
            raise VmpodInputError(f.join(ipath, "bus"), bus, "must be virtio or usb")
        kind = f.string(item, "type", ipath) or "tablet"
        if kind != "tablet":
            raise VmpodInputError(f.join(ipath, "type"), kind, "must be tablet (KubeVirt "
                                  "emulates no other input device)")
        result.append(InputDevice(_name(item, ipath), kind, bus))
    if not result and from_vm and f.boolean(devices, "autoattachInputDevice", path, False):
        result.append(InputDevice("default-0", "tablet", "usb"))
    return tuple(result)


def read_watchdog(devices, path, architecture):
    """``devices.watchdog``: the architecture's device (i6300esb on amd64, diag288 on s390x;
    none on arm64), its action reset unless given."""
    watchdog = f.optional_mapping(devices, "watchdog", path)
    if watchdog is None:
        return None
    wp = f.join(path, "watchdog")
    model = _WATCHDOG_MODELS.get(architecture)
    if model is None:
        raise VmpodInputError(wp, watchdog, "is not supported on %s" % architecture)
    other = "diag288" if model == "i6300esb" else "i6300esb"
    if f.optional_mapping(watchdog, other, wp) is not None:
        raise VmpodInputError(f.join(wp, other), watchdog[other],
                              "is not a watchdog of %s (only %s)" % (architecture, model))
    section = f.optional_mapping(watchdog, model, wp) or {}
    action = f.string(section, "action", f.join(wp, model)) or "reset"
    if action not in WATCHDOG_ACTIONS:
        raise VmpodInputError(f.join(wp, model + ".action"), action,
                              "must be one of %s" % ", ".join(WATCHDOG_ACTIONS))
    return Watchdog(_name(watchdog, wp), model, action)


def read_sound(devices, path):
    """``devices.sound``: a named ich9 (the default) or ac97 card."""
    sound = f.optional_mapping(devices, "sound", path)
    if sound is None:
        return None
    sp = f.join(path, "sound")
    model = f.string(sound, "model", sp) or "ich9"
    if model not in SOUND_MODELS:
        raise VmpodInputError(f.join(sp, "model"), model, "must be ich9 or ac97")
    return SoundCard(_name(sound, sp), model)


def read_video(devices, path, architecture):
    """``devices.video.type``, one of the architecture's types; None when not given."""
    video = f.optional_mapping(devices, "video", path)
    if video is None:
        return None
    vp = f.join(path, "video")
    if f.boolean(devices, "autoattachGraphicsDevice", path, True) is False:
        raise VmpodInputError(vp, video, "is not allowed when autoattachGraphicsDevice is false")
    kind = f.string(video, "type", vp)
    valid = VIDEO_TYPES[architecture]
    if kind not in valid:
        raise VmpodInputError(f.join(vp, "type"), kind, "is not a video type of %s (%s)"
                              % (architecture, ", ".join(valid)))
    return kind


def read_panic_devices(devices, path, architecture):
    """``devices.panicDevices``: each model one of hyperv, isa, pvpanic, or None for the
    hypervisor's default; none on s390x."""
    result = []
    for ppath, item in f.mappings(devices, "panicDevices", path):
        if architecture == "s390x":
            raise VmpodInputError(f.join(path, "panicDevices"), devices["panicDevices"],
                                  "are not supported on s390x")
        model = f.string(item, "model", ppath) or None
        if model is not None and model not in PANIC_MODELS:
            raise VmpodInputError(f.join(ppath, "model"), model,
                                  "must be one of %s" % ", ".join(PANIC_MODELS))
        result.append(model)
    return tuple(result)


def read_vsock_cid(status):
    """``status.VSOCKCID``: the CID virt-controller allocated (autoattachVSOCK), or None."""
    if not status:
        return None
    if not isinstance(status, dict):
        raise VmpodInputError("status", status, "must be a mapping")
    if status.get("VSOCKCID") is None:
        return None
    # pkg/virt-controller/watch/vsock/vsock.go allocates from 3 (0-2 are reserved) to 2^32-1
    return f.integer(status, "VSOCKCID", "status", None, minimum=3, maximum=(1 << 32) - 1)


def _name(item, path):
    name = xml_string(item, "name", path)
    if not name:
        raise VmpodInputError(f.join(path, "name"), None, "is required")
    return name
