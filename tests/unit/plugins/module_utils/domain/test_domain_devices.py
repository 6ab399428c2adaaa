# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Device classes of the domain as KubeVirt's converter writes them: controllers, input
devices, video, watchdog, sound, VSOCK, channels, disk and interface details; each domain laid
out by templates/domain.xml.j2 passes libvirt's schema.

Expectations come from kubevirt/kubevirt at d923fdb8, pkg/virt-launcher/virtwrap/converter/
(compute/*_test.go, converter_test.go, testdata/domain_*.xml), as each case names.
"""


import pytest
from lxml import etree

from ansible_collections.vmpod.core.plugins.module_utils.domain.model import domain_model
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from vmpod_domain_xml import HAS_SCHEMA, assert_valid, domain_xml

NEEDS_SCHEMA = pytest.mark.skipif(not HAS_SCHEMA, reason="needs libvirt's schema and xmllint")


def vmi(devices=None, volumes=None, arch=None, annotations=None, cpu="1", **domain):
    body = {"resources": {"requests": {"memory": "1Gi", "cpu": cpu}}, "devices": devices or {}}
    body.update(domain)
    spec = {"domain": body}
    if arch:
        spec["architecture"] = arch
    if volumes:
        spec["volumes"] = volumes
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "testvmi", "namespace": "mynamespace",
                         "annotations": annotations or {}},
            "spec": spec}


def empty_disks(*names):
    return [{"name": name, "emptyDisk": {"capacity": "1Gi"}} for name in names]


def render(model):
    return domain_xml(model) + "\n"


def rendered(obj, tmp_path, **kwargs):
    """The domain of ``obj`` laid out, checked against libvirt's schema, parsed."""
    text = render(domain_model(obj, **kwargs))
    if HAS_SCHEMA:
        assert_valid(text, tmp_path)
    return etree.fromstring(text.encode())


def controllers(obj):
    return [(c["type"], c["model"], c["driver"]) for c in
            domain_model(obj)["devices"]["controllers"]]


# -- controllers (compute/controllers_test.go, converter_test.go) -------------------------------

USB_NONE = ("usb", "none", None)
SERIAL = ("virtio-serial", "virtio-non-transitional", None)
SCSI = ("scsi", "virtio-non-transitional", None)


@pytest.mark.parametrize("devices, expected", [
    # "when USB is NOT needed and disk hotplug is enabled": the SCSI controller stays for hotplug
    ({}, [USB_NONE, SCSI, SERIAL]),
    # "when USB is NOT needed and disk hotplug is disabled"
    ({"disableHotplug": True}, [USB_NONE, SERIAL]),
    # "when VMI has SCSI disk and disk hotplug is disabled"
    ({"disableHotplug": True, "disks": [{"name": "a", "disk": {"bus": "scsi"}}]},
     [USB_NONE, SCSI, SERIAL]),
    # a LUN's bus is SCSI by default (getBusFromDisk)
    ({"disableHotplug": True, "disks": [{"name": "a", "lun": {}}]}, [USB_NONE, SCSI, SERIAL]),
    # "when serial console is disabled": no virtio-serial controller
    ({"disableHotplug": True, "autoattachSerialConsole": False}, [USB_NONE]),
    # "should use virtio-transitional models if requested"
    ({"useVirtioTransitional": True},
     [USB_NONE, ("scsi", "virtio-transitional", None),
      ("virtio-serial", "virtio-transitional", None)]),
    # amd64 IsUSBNeeded: a USB input (its bus defaults to usb) or a USB disk
    ({"disableHotplug": True, "inputs": [{"name": "t", "type": "tablet"}]},
     [("usb", "qemu-xhci", None), SERIAL]),
    ({"disableHotplug": True, "inputs": [{"name": "t", "type": "tablet", "bus": "virtio"}]},
     [USB_NONE, SERIAL]),
    ({"disableHotplug": True, "disks": [{"name": "a", "disk": {"bus": "usb"}}]},
     [("usb", "qemu-xhci", None), SERIAL]),
    # "usb redirection": "should be enabled on amd64 when number of USB client devices > 0"
    ({"disableHotplug": True, "clientPassthrough": {}}, [("usb", "qemu-xhci", None), SERIAL]),
])
def test_controllers(devices, expected):
    volumes = empty_disks(*[d["name"] for d in devices.get("disks", [])])
    assert controllers(vmi(devices, volumes)) == expected


@pytest.mark.parametrize("arch, expected", [
    # "a scsi controller should appear if enabled for s390x" (virtio-scsi); IsUSBNeeded: arm64
    # always, s390x never; testdata/domain_{arm64,s390x}.xml
    ("arm64", [("usb", "qemu-xhci", None), SCSI, SERIAL]),
    ("s390x", [USB_NONE, ("scsi", "virtio-scsi", None), ("virtio-serial", "virtio", None)]),
])
def test_controllers_by_architecture(arch, expected):
    assert controllers(vmi(arch=arch)) == expected


def test_scsi_controller_iothread_and_queues():
    # "VMI has SCSI disk with dedicatedIOThread and Virtio disk, VMI has 4 shared IO threads":
    # IOThread 2; here the 4 shared threads are the 4 disks without a dedicated one (ioThreadsPolicy
    # auto, 4 CPUs: a pool of 8); queues = the requested vCPUs
    disks = [{"name": "scsi-disk", "disk": {"bus": "scsi"}, "dedicatedIOThread": True},
             {"name": "virtio-disk", "disk": {"bus": "virtio"}}] + \
        [{"name": "s%d" % i, "disk": {"bus": "sata"}} for i in range(3)]
    obj = vmi({"disks": disks}, empty_disks(*[d["name"] for d in disks]), cpu="4",
              ioThreadsPolicy="auto")
    assert ("scsi", "virtio-non-transitional", {"iothread": 2, "queues": 4}) in controllers(obj)
    # "... 2 shared IO threads, should roll over controller thread": IOThread 1
    disks = [{"name": "scsi-disk", "disk": {"bus": "scsi"}, "dedicatedIOThread": True},
             {"name": "virtio-disk1", "disk": {"bus": "virtio"}},
             {"name": "virtio-disk2", "disk": {"bus": "virtio"}}]
    obj = vmi({"disks": disks}, empty_disks(*[d["name"] for d in disks]), cpu="2",
              ioThreadsPolicy="auto")
    assert ("scsi", "virtio-non-transitional", {"iothread": 1, "queues": 2}) in controllers(obj)
    # "when VMI has SCSI disk without dedicatedIOThread and VMI has IOThreads": no driver
    obj = vmi({"disks": [{"name": "a", "disk": {"bus": "scsi"}}]}, empty_disks("a"),
              ioThreadsPolicy="shared")
    assert SCSI in controllers(obj)


def test_launch_security_and_pci_hole():
    # "when SEV is active, SCSI and virtio-serial get IOMMU driver"
    obj = vmi(launchSecurity={"sev": {}})
    assert controllers(obj) == [USB_NONE, ("scsi", "virtio-non-transitional", {"iommu": "on"}),
                                ("virtio-serial", "virtio-non-transitional", {"iommu": "on"})]
    # "PCIHole64 on pcie-root Controller should be set to zero on amd64 when annotation was set
    # to true", after the SCSI controller; not on arm64
    obj = vmi(annotations={"kubevirt.io/disablePCIHole64": "true"})
    model = domain_model(obj)["devices"]["controllers"]
    assert [c["type"] for c in model] == ["usb", "scsi", "pci", "virtio-serial"]
    assert (model[2]["model"], model[2]["pcihole64"]) == ("pcie-root", {"value": 0, "unit": "KiB"})
    obj = vmi(arch="arm64", annotations={"kubevirt.io/disablePCIHole64": "true"})
    assert "pci" not in [c[0] for c in controllers(obj)]


def test_controllers_render(tmp_path):
    disks = [{"name": "scsi-disk", "disk": {"bus": "scsi"}, "dedicatedIOThread": True},
             {"name": "virtio-disk", "disk": {"bus": "virtio"}}]
    obj = vmi({"disks": disks}, empty_disks("scsi-disk", "virtio-disk"), cpu="2",
              ioThreadsPolicy="auto", annotations={"kubevirt.io/disablePCIHole64": "true"})
    root = rendered(obj, tmp_path)
    scsi = root.find("devices/controller[@type='scsi']")
    assert (scsi.get("index"), scsi.get("model")) == ("0", "virtio-non-transitional")
    assert scsi.find("driver").attrib == {"queues": "2", "iothread": "1"}
    assert root.findtext("devices/controller[@type='pci']/pcihole64") == "0"
    # disk.go assignDiskToSCSIController: controller 0, bus 0, the unit of its name (sda: 0)
    address = root.find("devices/disk/target[@dev='sda']/../address")
    assert address.attrib == {"type": "drive", "controller": "0", "bus": "0", "unit": "0"}


# -- input devices (compute/input_device_test.go, converter_test.go) ------------------------------

def test_inputs():
    # testdata/domain_x86_64.xml: <input type="tablet" bus="virtio" model="virtio"> ua-tablet0
    obj = vmi({"inputs": [{"name": "tablet0", "type": "tablet", "bus": "virtio"}]})
    assert domain_model(obj)["devices"]["inputs"] == [
        {"type": "tablet", "bus": "virtio", "model": "virtio", "alias": "ua-tablet0"}]
    # "should succeed when input device bus is empty": usb
    obj = vmi({"inputs": [{"name": "t"}]})
    assert domain_model(obj)["devices"]["inputs"] == [
        {"type": "tablet", "bus": "usb", "model": None, "alias": "ua-t"}]


@pytest.mark.parametrize("arch, expected", [
    # testdata/domain_arm64.xml: the user's tablet, then a USB keyboard (no second tablet)
    ("arm64", [("tablet", "virtio"), ("keyboard", "usb")]),
    # testdata/domain_s390x.xml: a virtio keyboard
    ("s390x", [("tablet", "virtio"), ("keyboard", "virtio")]),
    ("amd64", [("tablet", "virtio")]),
])
def test_architecture_inputs(arch, expected):
    obj = vmi({"inputs": [{"name": "tablet0", "type": "tablet", "bus": "virtio"}]}, arch=arch)
    got = domain_model(obj)["devices"]["inputs"]
    assert [(i["type"], i["bus"]) for i in got] == expected
    # input_device.go addArchitectureSpecificInputDevices: arm64 adds a tablet when none is there
    if arch == "arm64":
        got = domain_model(vmi(arch=arch))["devices"]["inputs"]
        assert [(i["type"], i["bus"]) for i in got] == [("tablet", "usb"), ("keyboard", "usb")]
        got = domain_model(vmi({"autoattachGraphicsDevice": False}, arch=arch))["devices"]
        assert got["inputs"] == [] and got["graphics"] is None and got["video"] is None


@pytest.mark.parametrize("item, path, problem", [
    # "should fail when input device is set to ps2 bus" / "... to keyboard type"
    ({"name": "t", "bus": "ps2"}, "spec.domain.devices.inputs[0].bus", "virtio or usb"),
    ({"name": "t", "type": "keyboard"}, "spec.domain.devices.inputs[0].type", "tablet"),
    ({"type": "tablet"}, "spec.domain.devices.inputs[0].name", "is required"),
])
def test_bad_inputs(item, path, problem):
    with pytest.raises(VmpodInputError, match=problem) as err:
        domain_model(vmi({"inputs": [item]}))
    assert err.value.path == path


def test_autoattach_input_device_on_a_virtual_machine(tmp_path):
    # virt-controller vm.go AutoAttachInputDevice: "default-0", then the webhook's usb tablet
    inner = vmi({"autoattachInputDevice": True})
    vm = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": inner["metadata"],
          "spec": {"template": {"metadata": {}, "spec": inner["spec"]}}}
    model = domain_model(vm)
    assert model["devices"]["inputs"] == [
        {"type": "tablet", "bus": "usb", "model": None, "alias": "ua-default-0"}]
    assert model["devices"]["controllers"][0]["model"] == "qemu-xhci"
    # a bare VMI is not given one (only the VM controller does it)
    assert domain_model(inner)["devices"]["inputs"] == []
    root = rendered(vm, tmp_path)
    assert root.find("devices/input").attrib == {"type": "tablet", "bus": "usb"}
    assert root.find("devices/input/alias").get("name") == "ua-default-0"


# -- firmware ----------------------------------------------------------------------------------

EFI = {"firmware": {"bootloader": {"efi": {"secureBoot": False}}}}
SECURE_EFI = {"firmware": {"bootloader": {"efi": {}}}, "features": {"smm": {}}}


@pytest.mark.parametrize("arch, domain, config, options, code, template", [
    # KubeVirt's defaults (pkg/virt-config DefaultARCHOVMFPath, DefaultAARCH64OVMFPath)
    ("amd64", EFI, None, None, "/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"),
    ("amd64", SECURE_EFI, None, None, "/usr/share/edk2/ovmf/OVMF_CODE.secboot.fd",
     "/usr/share/edk2/ovmf/OVMF_VARS.secboot.fd"),
    ("arm64", EFI, None, None, "/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF_VARS.fd"),
    # the KubeVirt CR's directory for the VMI's architecture, as virt-launcher is told it
    ("arm64", EFI, {"architectureConfiguration": {"arm64": {"ovmfPath": "/opt/aavmf"}}}, None,
     "/opt/aavmf/AAVMF_CODE.fd", "/opt/aavmf/AAVMF_VARS.fd"),
    ("amd64", EFI, {"architectureConfiguration": {"arm64": {"ovmfPath": "/opt/aavmf"}}}, None,
     "/usr/share/edk2/ovmf/OVMF_CODE.fd", "/usr/share/edk2/ovmf/OVMF_VARS.fd"),
    ("amd64", EFI, {"ovmfPath": "/usr/share/OVMF"}, None,  # the old top-level field
     "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"),
    # the domain option is the caller's own override
    ("amd64", EFI, {"ovmfPath": "/usr/share/OVMF"}, {"ovmf_path": "/srv/fw"},
     "/srv/fw/OVMF_CODE.fd", "/srv/fw/OVMF_VARS.fd"),
])
def test_the_loader_follows_the_launchers_firmware_directory(arch, domain, config, options,
                                                             code, template, tmp_path):
    obj = vmi(arch=arch, **domain)
    model = domain_model(obj, config=config, options=options)
    assert model["os"]["loader"]["path"] == code
    assert model["os"]["nvram"]["template"] == template
    if arch == "amd64":
        root = rendered(obj, tmp_path, config=config, options=options)
        assert root.findtext("os/loader") == code
        assert root.find("os/nvram").get("template") == template
    # the directory the launcher Pod's --ovmf-path names, when no domain option overrides it
    if not options:
        args = launcher_pod(obj, config)["spec"]["containers"][0]["args"]
        assert code.startswith(args[args.index("--ovmf-path") + 1] + "/")


# -- video, watchdog, sound, VSOCK, channels, USB redirection -------------------------------------

@pytest.mark.parametrize("arch, domain, options, expected", [
    # graphics_test.go newExpectedAMD64VideoDevice: vga, heads 1, vram 16384
    ("amd64", {}, None, {"type": "vga", "vram": 16384, "heads": 1}),
    # "amd64 EFI with Bochs enabled uses Bochs" (virt-handler enables it unless the KubeVirt CR
    # carries kubevirt.io/vga-display-efi-x86): heads 1, no vram
    ("amd64", {"firmware": {"bootloader": {"efi": {"secureBoot": False}}}}, None,
     {"type": "bochs", "vram": None, "heads": 1}),
    ("amd64", {"firmware": {"bootloader": {"efi": {"secureBoot": False}}}},
     {"vga_display_for_efi": True}, {"type": "vga", "vram": 16384, "heads": 1}),
    # newExpectedARM64VideoDevice / newExpectedS390XVideoDevice: virtio, heads 1
    ("arm64", {}, None, {"type": "virtio", "vram": None, "heads": 1}),
    ("s390x", {}, None, {"type": "virtio", "vram": None, "heads": 1}),
])
def test_default_video(arch, domain, options, expected):
    model = domain_model(vmi(arch=arch, **domain), options=options)
    assert model["devices"]["video"] == expected
    assert model["devices"]["graphics"]["socket"].endswith("/virt-vnc")


def test_video_type_from_the_vmi(tmp_path):
    # graphics_test.go: a VMI's video type takes vram 16384 and heads 1
    obj = vmi({"video": {"type": "virtio"}})
    assert domain_model(obj)["devices"]["video"] == {"type": "virtio", "vram": 16384, "heads": 1}
    model = rendered(obj, tmp_path).find("devices/video/model")
    assert model.attrib == {"type": "virtio", "vram": "16384", "heads": "1"}
    # webhooks/arm64.go: only virtio and ramfb; vmi-create-admitter: not without graphics
    with pytest.raises(VmpodInputError, match="not a video type of arm64") as err:
        domain_model(vmi({"video": {"type": "vga"}}, arch="arm64"))
    assert err.value.path == "spec.domain.devices.video.type"
    with pytest.raises(VmpodInputError, match="autoattachGraphicsDevice"):
        domain_model(vmi({"video": {"type": "vga"}, "autoattachGraphicsDevice": False}))


@pytest.mark.parametrize("arch, watchdog, expected", [
    # watchdog_test.go "amd64 with I6300ESB" and "s390x with Diag288"
    ("amd64", {"name": "mywatchdog", "i6300esb": {"action": "poweroff"}},
     {"model": "i6300esb", "action": "poweroff", "alias": "ua-mywatchdog"}),
    ("s390x", {"name": "diagwatchdog", "diag288": {"action": "reset"}},
     {"model": "diag288", "action": "reset", "alias": "ua-diagwatchdog"}),
    # pkg/defaults/amd64.go SetAmd64Watchdog: i6300esb, action reset
    ("amd64", {"name": "w"}, {"model": "i6300esb", "action": "reset", "alias": "ua-w"}),
])
def test_watchdog(arch, watchdog, expected):
    assert domain_model(vmi({"watchdog": watchdog}, arch=arch))["devices"]["watchdog"] == expected


@pytest.mark.parametrize("arch, watchdog, path, problem", [
    ("arm64", {"name": "w"}, "spec.domain.devices.watchdog", "not supported on arm64"),  # "arm64 not supported"
    ("amd64", {"name": "w", "diag288": {}}, "spec.domain.devices.watchdog.diag288",
     "only i6300esb"),  # webhooks/amd64.go isOnlyI6300ESBWatchdog
    ("amd64", {"name": "w", "i6300esb": {"action": "explode"}},
     "spec.domain.devices.watchdog.i6300esb.action", "poweroff, reset, shutdown"),
])
def test_bad_watchdog(arch, watchdog, path, problem):
    with pytest.raises(VmpodInputError, match=problem) as err:
        domain_model(vmi({"watchdog": watchdog}, arch=arch))
    assert err.value.path == path


def test_sound():
    # converter_test.go "should enable default sound card with existing but empty sound devices"
    # and "should enable ac97 sound card"; "should not enable sound cards emulation by default"
    sound = domain_model(vmi({"sound": {"name": "audio-default-ich9"}}))["devices"]["sound"]
    assert sound == {"model": "ich9", "alias": "ua-audio-default-ich9"}
    sound = domain_model(vmi({"sound": {"name": "audio-ac97", "model": "ac97"}}))["devices"]
    assert sound["sound"] == {"model": "ac97", "alias": "ua-audio-ac97"}
    assert domain_model(vmi())["devices"]["sound"] is None
    with pytest.raises(VmpodInputError, match="ich9 or ac97"):  # sound.go "invalid model"
        domain_model(vmi({"sound": {"name": "s", "model": "sb16"}}))


def test_vsock():
    # vsock_test.go "Should configure VSOCK when VSOCKCID is present in global mode"
    obj = vmi({"autoattachVSOCK": True})
    obj["status"] = {"VSOCKCID": 1234}
    assert domain_model(obj)["devices"]["vsock"] == {
        "model": "virtio-non-transitional", "auto": "no", "address": 1234}
    # before virt-controller allocated one, libvirt picks it; "Should not configure VSOCK when
    # VSOCKCID is absent" (and no autoattachVSOCK)
    assert domain_model(vmi({"autoattachVSOCK": True}))["devices"]["vsock"] == {
        "model": "virtio-non-transitional", "auto": "yes", "address": None}
    assert domain_model(vmi())["devices"]["vsock"] is None
    obj["status"] = {"VSOCKCID": 2}
    with pytest.raises(VmpodInputError) as err:
        domain_model(obj)
    assert err.value.path == "status.VSOCKCID"


def test_channels_and_usb_redirection():
    # channels_test.go: the guest agent's channel, then the downward metrics' bound to
    # downwardmetrics.DownwardMetricsChannelSocket
    model = domain_model(vmi({"downwardMetrics": {}, "clientPassthrough": {}}))
    assert model["devices"]["channels"] == [
        {"name": "org.qemu.guest_agent.0", "path": None},
        {"name": "org.github.vhostmd.1",
         "path": "/var/run/kubevirt-private/downwardmetrics-channel/downwardmetrics.sock"}]
    # usb_redir.go: UsbClientPassthroughMaxNumberOf (4) sockets virt-usbredir-<n>
    redirections = model["devices"]["redirections"]
    assert len(redirections) == 4 and redirections[3].endswith("/virt-usbredir-3")
    assert "kubevirt-private/" in redirections[0]
    assert domain_model(vmi())["devices"]["channels"] == [
        {"name": "org.qemu.guest_agent.0", "path": None}]


def test_peripherals_render(tmp_path):
    obj = vmi({"watchdog": {"name": "mywatchdog", "i6300esb": {"action": "poweroff"}},
               "sound": {"name": "audio"}, "autoattachVSOCK": True, "downwardMetrics": {},
               "clientPassthrough": {}, "inputs": [{"name": "tablet0", "bus": "virtio"}]})
    obj["status"] = {"VSOCKCID": 1234}
    root = rendered(obj, tmp_path)
    assert root.find("devices/watchdog").attrib == {"model": "i6300esb", "action": "poweroff"}
    assert root.find("devices/sound").get("model") == "ich9"
    assert root.find("devices/vsock/cid").attrib == {"auto": "no", "address": "1234"}
    channel = root.find("devices/channel/target[@name='org.github.vhostmd.1']/..")
    assert channel.find("source").attrib["mode"] == "bind"
    assert len(root.findall("devices/redirdev[@bus='usb']")) == 4
    assert root.find("devices/input").attrib == {"type": "tablet", "bus": "virtio",
                                                 "model": "virtio"}


# -- disk details (converter_test.go, storage/disk.go) ---------------------------------------------

def one_disk(disk, cpu="1", **domain):
    return vmi({"disks": [dict(disk, name="a")]}, empty_disks("a"), cpu=cpu, **domain)


@pytest.mark.parametrize("policy", [None, "stop", "ignore", "report", "enospace"])
def test_error_policy(policy):
    # "Should set the error policy": not specified -> stop, else as given
    disk = {"disk": {"bus": "virtio"}}
    if policy:
        disk["errorPolicy"] = policy
    assert domain_model(one_disk(disk))["devices"]["disks"][0]["error_policy"] == (policy or "stop")


def test_cache_io_and_shareable(tmp_path):
    # "should not overwrite the IO policy when IO threads are enabled": io native kept
    got = domain_model(one_disk({"io": "native", "cache": "writethrough"}))["devices"]["disks"][0]
    assert (got["cache"], got["io"], got["shareable"]) == ("writethrough", "native", False)
    # unset, the node decides (SetDriverCacheMode, SetOptimalIOMode): left to the host
    got = domain_model(one_disk({}))["devices"]["disks"][0]
    assert (got["cache"], got["io"]) == (None, None)
    # disk.go: a shareable disk takes cache none, and no other
    got = domain_model(one_disk({"shareable": True}))["devices"]["disks"][0]
    assert (got["cache"], got["shareable"]) == ("none", True)
    with pytest.raises(VmpodInputError, match="none for a shareable disk") as err:
        domain_model(one_disk({"shareable": True, "cache": "writeback"}))
    assert err.value.path == "spec.domain.devices.disks[0].cache"
    root = rendered(one_disk({"shareable": True, "io": "native", "errorPolicy": "report"}),
                    tmp_path)
    driver = root.find("devices/disk/driver")
    assert (driver.get("cache"), driver.get("io"), driver.get("error_policy")) == (
        "none", "native", "report")
    assert root.find("devices/disk/shareable") is not None


@pytest.mark.parametrize("disk, path", [
    ({"cache": "unsafe"}, "spec.domain.devices.disks[0].cache"),  # validateCacheMode
    ({"io": "io_uring"}, "spec.domain.devices.disks[0].io"),  # validateIOMode
    ({"errorPolicy": "retry"}, "spec.domain.devices.disks[0].errorPolicy"),
    ({"cdrom": {"tray": "ajar"}}, "spec.domain.devices.disks[0].cdrom.tray"),
    ({"disk": {"bus": "sata", "pciAddress": "0000:81:01.0"}},
     "spec.domain.devices.disks[0].disk.pciAddress"),  # validatePciAddress: virtio only
    ({"disk": {"pciAddress": "0000:81:01"}}, "spec.domain.devices.disks[0].disk.pciAddress"),
])
def test_bad_disk_details(disk, path):
    with pytest.raises(VmpodInputError) as err:
        domain_model(one_disk(disk))
    assert err.value.path == path


def test_block_multi_queue_and_pci_address(tmp_path):
    # "should honor multiQueue setting": queues = the requested vCPUs (2 cores)
    obj = one_disk({"disk": {"bus": "virtio", "pciAddress": "0000:81:01.1"}})
    obj["spec"]["domain"]["devices"]["blockMultiQueue"] = True
    obj["spec"]["domain"]["cpu"] = {"cores": 2}
    disk = domain_model(obj)["devices"]["disks"][0]
    assert disk["queues"] == 2
    # device.NewPciAddressField: domain, bus, slot, function in hex
    assert disk["address"] == {"type": "pci", "domain": "0x0000", "bus": "0x81",
                               "slot": "0x01", "function": "0x1"}
    root = rendered(obj, tmp_path)
    assert root.find("devices/disk/driver").get("queues") == "2"
    assert root.find("devices/disk/address").get("slot") == "0x01"
    # "should assign correct number of queues with CPU hotplug topology": the requested 2*2*2,
    # not the maxSockets maximum
    obj["spec"]["domain"]["cpu"] = {"cores": 2, "threads": 2, "sockets": 2, "maxSockets": 8}
    assert domain_model(obj)["devices"]["disks"][0]["queues"] == 8


def test_cdrom_tray_and_readonly(tmp_path):
    # testdata/domain_x86_64.xml: cdrom_tray_open on sata with tray open; defaults.go: closed,
    # read-only unless said otherwise
    obj = vmi({"disks": [{"name": "open", "cdrom": {"tray": "open"}},
                         {"name": "shut", "cdrom": {"readonly": False}}]}, empty_disks("open", "shut"))
    disks = domain_model(obj)["devices"]["disks"]
    assert [(d["dev"], d["tray"], d["readonly"]) for d in disks] == [
        ("sda", "open", True), ("sdb", "closed", False)]
    root = rendered(obj, tmp_path)
    assert root.find("devices/disk/target").attrib == {"dev": "sda", "bus": "sata", "tray": "open"}


def test_virtio_disks_use_the_iommu_under_sev():
    # disk.go: SEV -> driver iommu on for virtio-bus disks only
    obj = vmi({"disks": [{"name": "a", "disk": {"bus": "virtio"}}, {"name": "b", "disk": {"bus": "sata"}}]},
              empty_disks("a", "b"), launchSecurity={"sev": {}})
    assert [d["iommu"] for d in domain_model(obj)["devices"]["disks"]] == ["on", None]


# -- interfaces (network/configurator.go, network/virtio-queues.go) ------------------------------

def interfaces(items, **devices):
    return vmi(dict(devices, interfaces=items))


def test_interface_multiqueue(tmp_path):
    # converter_test.go "should assign queues to a device if requested": 2 cores -> vhost, 2
    obj = interfaces([{"name": "default", "masquerade": {}}], networkInterfaceMultiqueue=True)
    obj["spec"]["domain"]["cpu"] = {"cores": 2}
    iface = domain_model(obj)["devices"]["interfaces"][0]
    assert iface["driver"] == {"name": "vhost", "queues": 2, "iommu": None}
    # "... based on vcpus": cores 2, sockets 1, threads 2 -> 4
    obj["spec"]["domain"]["cpu"] = {"cores": 2, "sockets": 1, "threads": 2}
    assert domain_model(obj)["devices"]["interfaces"][0]["driver"]["queues"] == 4
    assert rendered(obj, tmp_path).find("devices/interface/driver").attrib == {
        "name": "vhost", "queues": "4"}
    # virtio-queues.go MultiQueueMaxQueues: a tap device has at most 256 queues
    obj["spec"]["domain"]["cpu"] = {"cores": 300}
    assert domain_model(obj)["devices"]["interfaces"][0]["driver"]["queues"] == 256
    # no multiqueue, no driver; a non-virtio model has none either
    plain = interfaces([{"name": "default", "masquerade": {}}])
    assert domain_model(plain)["devices"]["interfaces"][0]["driver"] is None
    e1000 = interfaces([{"name": "default", "masquerade": {}, "model": "e1000"}],
                       networkInterfaceMultiqueue=True)
    assert domain_model(e1000)["devices"]["interfaces"][0]["driver"] is None


def test_interface_pci_address_acpi_index_and_rom(tmp_path):
    obj = interfaces([{"name": "default", "masquerade": {}, "pciAddress": "0000:02:01.0",
                       "acpiIndex": 3},
                      {"name": "boot", "bridge": {}, "bootOrder": 1}])
    first, second = domain_model(obj)["devices"]["interfaces"]
    assert first["address"] == {"type": "pci", "domain": "0x0000", "bus": "0x02",
                                "slot": "0x01", "function": "0x0"}
    assert first["acpi_index"] == 3
    # tapBindingOptions: the ROM off unless the NIC boots (testdata: rom enabled no)
    assert (first["rom"], second["rom"]) == ("no", None)
    root = rendered(obj, tmp_path)
    assert root.find("devices/interface/acpi").get("index") == "3"
    assert root.find("devices/interface/address").get("bus") == "0x02"
    assert root.findall("devices/interface")[1].find("rom") is None
    # tapBindingOptions: state down -> <link state='down'/>
    down = interfaces([{"name": "default", "masquerade": {}, "state": "down"}])
    assert domain_model(down)["devices"]["interfaces"][0]["link_state"] == "down"
    assert rendered(down, tmp_path).find("devices/interface/link").get("state") == "down"
    # passtBindingOptions set no ROM
    passt = interfaces([{"name": "default", "passtBinding": {}}])
    assert domain_model(passt)["devices"]["interfaces"][0]["rom"] is None
    with pytest.raises(VmpodInputError) as err:
        domain_model(interfaces([{"name": "default", "masquerade": {}, "pciAddress": "81:01.0"}]))
    assert err.value.path == "spec.domain.devices.interfaces[0].pciAddress"


def test_downward_metrics_and_downward_api_disks(tmp_path):
    # volume.go convert_v1_DownwardMetricSource_To_api_Disk: config.DownwardMetricDisk, read-only
    # virtio, raw, no discard; convert_v1_Config_To_api_Disk: GetDownwardAPIDiskPath
    obj = vmi({"disks": [{"name": "metrics", "disk": {"bus": "virtio"}},
                         {"name": "info", "disk": {"bus": "sata"}}], "blockMultiQueue": True},
              [{"name": "metrics", "downwardMetrics": {}},
               {"name": "info", "downwardAPI": {"fields": []}}])
    metrics, info = domain_model(obj)["devices"]["disks"]
    assert metrics["source"] == "/var/run/kubevirt-private/downwardapi-disks/vhostmd0"
    assert (metrics["readonly"], metrics["discard"], metrics["queues"], metrics["model"]) == (
        True, None, None, "virtio-non-transitional")
    assert info["source"] == "/var/run/kubevirt-private/downwardapi-disks/info.iso"
    assert rendered(obj, tmp_path).find("devices/disk/readonly") is not None


def test_panic_devices_and_rng_iommu(tmp_path):
    # converter_test.go "should use panic devices if requested": hyperv; panic_devices.go keeps
    # each model, an unset one left to libvirt
    obj = vmi({"panicDevices": [{"model": "hyperv"}, {}], "rng": {}},
              launchSecurity={"sev": {}})
    devices = domain_model(obj)["devices"]
    assert devices["panics"] == [{"model": "hyperv"}, {"model": None}]
    # rng.go: driver iommu on under SEV
    assert devices["rng"] == {"model": "virtio-non-transitional", "iommu": "on"}
    root = rendered(obj, tmp_path)
    assert [p.get("model") for p in root.findall("devices/panic")] == ["hyperv", None]
    assert root.find("devices/rng/driver").get("iommu") == "on"
    # vmi-create-admitter.go validatePanicDevices: the three models, none on s390x
    with pytest.raises(VmpodInputError) as err:
        domain_model(vmi({"panicDevices": [{"model": "s390"}]}))
    assert err.value.path == "spec.domain.devices.panicDevices[0].model"
    with pytest.raises(VmpodInputError, match="s390x"):
        domain_model(vmi({"panicDevices": [{}]}, arch="s390x"))
