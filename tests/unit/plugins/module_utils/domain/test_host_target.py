# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VMI's domain made for a libvirt host target: every volume on real host storage, networks
mapped, secrets only in the seed's files, and every gap in the map an error naming the item."""

import base64
import copy

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.domain.host_target import (
    DEFAULT_STORAGE_DIR, read_host_target)
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from vmpod_domain_xml import HAS_SCHEMA, assert_valid, domain_xml


VMI = {
    "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
    "metadata": {"name": "web", "namespace": "lab", "uid": "6a1d1f52-2b7f-4c0e-9d8b-1f1e5e0c3a11"},
    "spec": {
        "domain": {
            "cpu": {"cores": 2},
            "memory": {"guest": "2Gi"},
            "firmware": {"bootloader": {"efi": {"secureBoot": False}}},
            "devices": {
                "disks": [{"name": "root", "disk": {"bus": "virtio"}},
                          {"name": "data", "disk": {"bus": "virtio"}},
                          {"name": "block", "disk": {"bus": "scsi"}},
                          {"name": "host", "disk": {"bus": "virtio"}},
                          {"name": "scratch", "disk": {"bus": "virtio"}},
                          {"name": "seed", "disk": {"bus": "virtio"}}],
                "interfaces": [{"name": "default", "masquerade": {}},
                               {"name": "storage", "bridge": {}}],
            },
        },
        "networks": [{"name": "default", "pod": {}},
                     {"name": "storage", "multus": {"networkName": "storage-net"}}],
        "volumes": [
            {"name": "root", "containerDisk": {"image": "quay.io/containerdisks/debian:12"}},
            {"name": "data", "persistentVolumeClaim": {"claimName": "web-data"}},
            {"name": "block", "dataVolume": {"name": "web-block"}},
            {"name": "host", "hostDisk": {"path": "/srv/disks/web.img", "type": "Disk"}},
            {"name": "scratch", "emptyDisk": {"capacity": "3Gi"}},
            {"name": "seed", "cloudInitNoCloud": {
                "userDataBase64": base64.b64encode(b"#cloud-config\npassword: SEEKRIT\n").decode(),
                "networkDataSecretRef": {"name": "web-net"}}},
        ],
    },
}
TARGET = {
    "storage_dir": "/srv/vms",
    "images": {"quay.io/containerdisks/debian:12": {
        "path": "/srv/images/debian-12.qcow2", "format": "qcow2"}},
    "claims": {"web-data": "/srv/claims/web-data.img", "web-block": "/dev/vg0/web-block"},
    "secrets": {"web-net": {"networkdata": "version: 2\nNETSEEKRIT\n"}},
    "networks": {"storage": {"bridge": "br-storage"}},
}


def render(vmi=None, target=None):
    return render_models([vmi or VMI], host_target=TARGET if target is None else target)[0]["domain"]


def test_every_volume_lands_on_host_storage():
    domain = render()
    disks = {disk["alias"]: disk for disk in domain["devices"]["disks"]}
    own = "/srv/vms/lab_web"
    assert domain["storage_dir"] == own
    assert (disks["ua-root"]["source"], disks["ua-root"]["format"]) == (own + "/root.qcow2", "qcow2")
    assert (disks["ua-data"]["source"], disks["ua-data"]["source_type"]) == ("/srv/claims/web-data.img", "file")
    assert (disks["ua-block"]["source"], disks["ua-block"]["source_type"]) == ("/dev/vg0/web-block", "block")
    assert disks["ua-host"]["source"] == "/srv/disks/web.img"
    assert disks["ua-scratch"]["source"] == own + "/scratch.qcow2"
    assert disks["ua-seed"]["source"] == own + "/seed.iso"
    storage = {item["volume"]: item for item in domain["storage"]}
    assert storage["root"] == {"kind": "overlay", "volume": "root", "path": own + "/root.qcow2",
                               "base": "/srv/images/debian-12.qcow2", "base_format": "qcow2"}
    assert storage["scratch"]["size"] == 3 * 1024 ** 3
    assert storage["data"]["kind"] == storage["block"]["kind"] == storage["host"]["kind"] == "existing"
    assert storage["block"]["block"] is True
    seed = storage["seed"]
    assert seed["label"] == "cidata" and seed["file"] == "seed.iso"
    assert seed["files"]["user-data"] == "#cloud-config\npassword: SEEKRIT\n"
    assert seed["files"]["network-config"] == "version: 2\nNETSEEKRIT\n"
    assert "instance-id: 6a1d1f52-2b7f-4c0e-9d8b-1f1e5e0c3a11" in seed["files"]["meta-data"]
    # nothing of the launcher's own directories is left
    assert "kubevirt" not in repr([disk["source"] for disk in domain["devices"]["disks"]])


def test_config_drive_seed():
    vmi = copy.deepcopy(VMI)
    vmi["spec"]["volumes"][5] = {"name": "seed", "cloudInitConfigDrive": {"userData": "#cloud-config\n"}}
    seed = [item for item in render(vmi)["storage"] if item["kind"] == "seed"][0]
    assert seed["label"] == "config-2"
    assert sorted(seed["files"]) == ["openstack/latest/meta_data.json", "openstack/latest/user_data"]


def test_user_data_from_its_secret_by_the_apis_field_name():
    # schema.go: the user-data Secret of cloudInitNoCloud / cloudInitConfigDrive is secretRef
    for kind in ("cloudInitNoCloud", "cloudInitConfigDrive"):
        vmi = copy.deepcopy(VMI)
        vmi["spec"]["volumes"][5] = {"name": "seed", kind: {"secretRef": {"name": "web-ud"}}}
        target = dict(TARGET, secrets={"web-ud": {"userdata": "#cloud-config\nUDSEEKRIT\n"}})
        seed = [item for item in render(vmi, target)["storage"] if item["kind"] == "seed"][0]
        assert "#cloud-config\nUDSEEKRIT\n" in seed["files"].values()
        with pytest.raises(VmpodInputError, match=r"volumes\(seed\)\.%s\.secretRef\.name" % kind):
            render(vmi)
        # the name the API does not have is refused, not ignored
        vmi["spec"]["volumes"][5] = {"name": "seed", kind: {"userDataSecretRef": {"name": "web-ud"}}}
        with pytest.raises(VmpodInputError, match="secretRef") as err:
            render(vmi, target)
        assert err.value.path.endswith(kind + ".userDataSecretRef")


def test_networks_serial_graphics_and_firmware():
    domain = render()
    interfaces = domain["devices"]["interfaces"]
    assert [(i["type"], i["source"]) for i in interfaces] == [("network", "default"), ("bridge", "br-storage")]
    assert domain["devices"]["serial"]["type"] == "pty"
    assert domain["devices"]["graphics"]["listen"] == "127.0.0.1"
    assert domain["os"]["firmware"] == "efi" and domain["os"]["loader"] is None
    assert domain["qemu_args"] == []


def test_user_network_forwards_only_from_loopback():
    target = dict(TARGET, networks={"default": {"user": {"forwards": [
        {"host_port": 2222, "guest_port": 22}, {"host_port": 8080, "guest_port": 80,
                                                "address": "127.0.0.2"}]}},
        "storage": {"network": "isolated"}})
    domain = render(target=target)
    assert [i["alias"] for i in domain["devices"]["interfaces"]] == ["ua-storage"]
    args = domain["qemu_args"]
    assert args[:2] == ["-netdev", "user,id=vmpod-ua-default,hostfwd=tcp:127.0.0.1:2222-:22,"
                                   "hostfwd=tcp:127.0.0.2:8080-:80"]
    assert args[2] == "-device" and "netdev=vmpod-ua-default,bus=pcie.0,addr=0x10" in args[3]
    for address in ("0.0.0.0", "192.168.1.5", "::1", "localhost"):
        bad = dict(TARGET, networks={"default": {"user": {"forwards": [
            {"host_port": 2222, "guest_port": 22, "address": address}]}}})
        with pytest.raises(VmpodInputError, match="address.*loopback"):
            render(target=bad)


@pytest.mark.parametrize("change, where", [
    (lambda t: t["images"].clear(), r"vmis\[0\]\(web\)\.spec\.volumes\(root\)\.containerDisk\.image"),
    (lambda t: t["claims"].pop("web-data"), r"volumes\(data\)\.persistentVolumeClaim\.claimName"),
    (lambda t: t["claims"].pop("web-block"), r"volumes\(block\)\.dataVolume\.name"),
    (lambda t: t["secrets"].clear(), r"volumes\(seed\)\.cloudInitNoCloud\.networkDataSecretRef\.name"),
    (lambda t: t["networks"].clear(), r"spec\.networks\(storage\)"),
    (lambda t: t.update(storage_dir="relative/dir"), r"host_target\.storage_dir"),
    (lambda t: t["images"].update(x={"path": "/a", "format": "vmdk"}), r"host_target\.images\.x\.format"),
    (lambda t: t.update(extra=1), r"host_target\.extra"),
    (lambda t: t["networks"].update(storage={"bridge": "a", "network": "b"}), r"host_target\.networks\.storage"),
])
def test_a_gap_in_the_map_names_the_item(change, where):
    target = copy.deepcopy(TARGET)
    change(target)
    with pytest.raises(VmpodInputError, match=where):
        render(target=target)


def test_errors_never_show_secrets():
    target = copy.deepcopy(TARGET)
    target["secrets"]["web-net"] = {"other": "NETSEEKRIT"}
    with pytest.raises(VmpodInputError) as err:
        render(target=target)
    assert "SEEKRIT" not in str(err.value)
    vmi = copy.deepcopy(VMI)
    vmi["spec"]["volumes"][5]["cloudInitNoCloud"]["userDataBase64"] = "SEEKRIT!!"
    with pytest.raises(VmpodInputError, match="userDataBase64") as err:
        render(vmi)
    assert "SEEKRIT" not in str(err.value)


def test_kinds_a_host_cannot_provide_are_refused():
    vmi = copy.deepcopy(VMI)
    vmi["spec"]["volumes"][1] = {"name": "data", "serviceAccount": {"serviceAccountName": "default"}}
    with pytest.raises(VmpodInputError, match=r"volumes\(data\).*serviceAccount.*cannot provide"):
        render(vmi)


def test_no_target_no_change():
    assert read_host_target(None) is None and read_host_target({}) is None
    assert read_host_target({"images": {}}).storage_dir == DEFAULT_STORAGE_DIR
    plain = render_models([VMI])[0]["domain"]
    assert "storage" not in plain and "kubevirt" in plain["devices"]["disks"][0]["source"]


@pytest.mark.skipif(not HAS_SCHEMA, reason="needs libvirt's schema and xmllint")
def test_the_rendered_domain_passes_libvirts_schema(tmp_path):
    target = dict(TARGET, networks={"default": {"user": {"forwards": [{"host_port": 2222, "guest_port": 22}]}},
                                    "storage": {"bridge": "br0", "mtu": 9000}},
                  host_devices={"nvidia.com/GA102GL_A10": ["0000:65:00.0"]})
    text = domain_xml(render(gpu_vmi("web", [("gpu1", "nvidia.com/GA102GL_A10")]), target=target))
    assert "<address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/>" in text
    assert "<source dev='/dev/vg0/web-block'/>" in text and "<disk type='block'" in text
    assert "<source bridge='br0'/>" in text and "<os firmware='efi'>" in text
    assert "<mtu size='9000'/>" in text
    assert "<qemu:arg value='-netdev'/>" in text
    assert_valid(text, tmp_path)


def test_config_map_and_secret_volumes_become_labelled_isos():
    vmi = copy.deepcopy(VMI)
    vmi["spec"]["volumes"][1] = {"name": "data", "configMap": {"name": "settings", "volumeLabel": "CFG"}}
    vmi["spec"]["volumes"][2] = {"name": "block", "secret": {"secretName": "tls"}}
    target = copy.deepcopy(TARGET)
    target["config_maps"] = {"settings": {"app.properties": "a=1\n"}}
    target["secrets"]["tls"] = {"tls.key": "KEYSEEKRIT"}
    storage = {item["volume"]: item for item in render(vmi, target)["storage"]}
    assert storage["data"]["label"] == "CFG" and storage["data"]["files"] == {"app.properties": "a=1\n"}
    assert storage["block"]["label"] == "cfgdata" and storage["block"]["files"] == {"tls.key": "KEYSEEKRIT"}
    del target["config_maps"]
    with pytest.raises(VmpodInputError, match=r"volumes\(data\)\.configMap\.name: 'settings' has no entry"):
        render(vmi, target)
    target["config_maps"] = {"settings": {"../escape": "x"}}
    with pytest.raises(VmpodInputError, match="data keys"):
        render(vmi, target)


def gpu_vmi(name, devices):
    vmi = copy.deepcopy(VMI)
    vmi["metadata"]["name"] = name
    vmi["spec"]["domain"]["devices"]["gpus"] = [{"name": n, "deviceName": d} for n, d in devices]
    return vmi


def test_gpus_take_the_mapped_pci_addresses_in_order_across_vms():
    target = dict(TARGET, host_devices={"nvidia.com/GA102GL_A10": ["0000:65:00.0", "0000:B3:00.0"]})
    models = render_models([gpu_vmi("a", [("gpu1", "nvidia.com/GA102GL_A10")]),
                            gpu_vmi("b", [("gpu1", "nvidia.com/GA102GL_A10")])], host_target=target)
    first, second = (model["domain"]["devices"]["hostdevs"] for model in models)
    assert first == [{"alias": "ua-gpu-gpu1", "domain": "0x0000", "bus": "0x65", "slot": "0x00",
                      "function": "0x0"}]
    assert second[0]["bus"] == "0xb3"
    assert {"kind": "pci", "volume": "gpu1", "path": "/sys/bus/pci/devices/0000:65:00.0"} \
        in models[0]["domain"]["storage"]
    assert not [note for note in models[0]["domain"]["omitted"] if note.startswith("GPU")]
    with pytest.raises(VmpodInputError, match=r"vmis\[2\]\(c\)\.spec\.domain\.devices\.gpus\(gpu1\)"
                                              r"\.deviceName.*all 2 addresses"):
        render_models([gpu_vmi(n, [("gpu1", "nvidia.com/GA102GL_A10")]) for n in "abc"], host_target=target)


@pytest.mark.parametrize("devices, message", [
    ({}, "has no entry in the host map's host_devices"),
    ({"nvidia.com/GA102GL_A10": ["65:00.0"]}, "is not a PCI address"),
    ({"nvidia.com/GA102GL_A10": ["0000:65:00.0", "0000:65:00.0"]}, "listed twice"),
    ({"nvidia.com/GA102GL_A10": ["0000:65:00.0"], "other": "0000:65:00.0"}, "listed under both"),
])
def test_a_bad_device_map_names_the_item(devices, message):
    target = dict(TARGET, host_devices=devices)
    with pytest.raises(VmpodInputError, match=message):
        render(gpu_vmi("a", [("gpu1", "nvidia.com/GA102GL_A10")]), target)


def test_launcher_sockets_are_left_out_or_refused():
    vmi = copy.deepcopy(VMI)
    vmi["spec"]["domain"]["devices"]["downwardMetrics"] = {}
    domain = render(vmi)
    assert [channel["name"] for channel in domain["devices"]["channels"]] == ["org.qemu.guest_agent.0"]
    assert any("vhostmd" in note for note in domain["omitted"])
    vmi["spec"]["domain"]["devices"]["clientPassthrough"] = {}
    with pytest.raises(VmpodInputError, match="clientPassthrough"):
        render(vmi)


def test_a_disk_or_create_host_disk_is_made_by_deploy():
    vmi = copy.deepcopy(VMI)
    vmi["spec"]["volumes"][3]["hostDisk"] = {"path": "/srv/disks/web.img", "type": "DiskOrCreate",
                                             "capacity": "2Gi"}
    storage = {item["volume"]: item for item in render(vmi)["storage"]}
    assert storage["host"] == {"kind": "host_disk", "volume": "host", "path": "/srv/disks/web.img",
                               "size": 2 * 1024 ** 3}
    del vmi["spec"]["volumes"][3]["hostDisk"]["capacity"]
    with pytest.raises(VmpodInputError) as error:
        render(vmi)
    assert "volumes[3].hostDisk.capacity" in str(error.value) and "DiskOrCreate" in str(error.value)
    vmi["spec"]["volumes"][3]["hostDisk"]["type"] = "Directory"
    with pytest.raises(VmpodInputError) as error:
        render(vmi)
    assert "hostDisk.type" in str(error.value) and "'Directory'" in str(error.value)


def test_an_absent_interface_is_left_out_and_the_others_keep_their_networks():
    vmi = copy.deepcopy(VMI)
    vmi["spec"]["domain"]["devices"]["interfaces"].insert(
        1, {"name": "gone", "bridge": {}, "state": "absent"})
    vmi["spec"]["networks"].insert(1, {"name": "gone", "multus": {"networkName": "old-net"}})
    interfaces = render(vmi)["devices"]["interfaces"]
    assert [(i["alias"], i["type"], i["source"]) for i in interfaces] == [
        ("ua-default", "network", "default"), ("ua-storage", "bridge", "br-storage")]
    # the same VMI for a launcher Pod: its domain has no interface for it either
    launcher = render_models([vmi])[0]["domain"]["devices"]["interfaces"]
    assert [i["alias"] for i in launcher] == ["ua-default", "ua-storage"]


def test_a_network_entry_may_set_the_nics_mtu():
    target = dict(TARGET, networks={"storage": {"bridge": "br-storage", "mtu": 9000}})
    interfaces = render(target=target)["devices"]["interfaces"]
    assert [i["mtu"] for i in interfaces] == [None, 9000]
    for entry, where in (({"bridge": "br0", "mtu": 20}, "networks.storage.mtu"),
                         ({"bridge": "br0", "mtu": "9000"}, "networks.storage.mtu"),
                         ({"user": {"forwards": []}, "mtu": 1500}, "networks.storage.mtu"),
                         ({"bridge": "br0", "network": "default"}, "networks.storage")):
        with pytest.raises(VmpodInputError) as error:
            render(target=dict(TARGET, networks={"storage": entry}))
        assert where in str(error.value)


def test_a_container_disk_image_may_be_a_storage_pool_volume():
    target = copy.deepcopy(TARGET)
    target["images"] = {"quay.io/containerdisks/debian:12": {"pool": "images", "volume": "debian-12.qcow2"}}
    domain = render(target=target)
    root = [item for item in domain["storage"] if item["volume"] == "root"][0]
    # the overlay is the VM's own file as before; deploy asks libvirt where the volume is
    assert root == {"kind": "overlay", "volume": "root", "path": "/srv/vms/lab_web/root.qcow2",
                    "base_pool": "images", "base_volume": "debian-12.qcow2"}
    disk = [disk for disk in domain["devices"]["disks"] if disk["alias"] == "ua-root"][0]
    assert (disk["source"], disk["format"]) == ("/srv/vms/lab_web/root.qcow2", "qcow2")


@pytest.mark.parametrize("entry, where", [
    ({"pool": "images"}, "host_target.images.quay.io/containerdisks/debian:12.volume"),
    ({"pool": "a/b", "volume": "v"}, "host_target.images.quay.io/containerdisks/debian:12.pool"),
    ({"pool": "images", "volume": "v", "path": "/x"}, "host_target.images.quay.io/containerdisks/debian:12"),
])
def test_a_bad_pool_volume_entry_names_the_field(entry, where):
    target = copy.deepcopy(TARGET)
    target["images"] = {"quay.io/containerdisks/debian:12": entry}
    with pytest.raises(VmpodInputError) as err:
        render(target=target)
    assert err.value.path.startswith(where), err.value.path


def test_a_kernel_boot_container_is_refused_on_a_host_target():
    vmi = copy.deepcopy(VMI)
    vmi["spec"]["domain"]["firmware"] = {"kernelBoot": {"container": {
        "image": "k:1", "kernelPath": "/boot/vmlinuz"}}}
    with pytest.raises(VmpodInputError) as err:
        render(vmi)
    assert err.value.path.endswith("spec.domain.firmware.kernelBoot.container"), err.value.path
    assert "cannot provide" in str(err.value)
