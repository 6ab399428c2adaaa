# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The libvirt domain model: KubeVirt's converter rules, placed by the plan, laid out by
templates/domain.xml.j2 (escaping, libvirt's schema).

Expectations marked with a KubeVirt test file come from kubevirt/kubevirt at d923fdb8,
pkg/virt-launcher/virtwrap/converter/ (compute/cpu_test.go, compute/balloon_test.go,
compute/memory_backing_test.go, converter_test.go and its testdata/domain_x86_64.xml).
"""

import copy
import glob
import os
import shutil
import subprocess
import uuid

import jinja2
import pytest
import yaml
from lxml import etree

from ansible_collections.vmpod.core.plugins.module_utils.domain.model import domain_model
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.identity import legacy_firmware_uuid
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.placement import plan_placement

from vmpod_examples import ROOT
VMI_FILES = sorted(glob.glob(os.path.join(ROOT, "examples", "vmis", "*.yaml")))
VIRT_XML_VALIDATE = shutil.which("virt-xml-validate")


def load(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return yaml.safe_load(handle)


SERVER = load("examples", "hosts", "dual-socket-server.yaml")


def this_machine_with_2mi_pages(pages=64):
    host = load("examples", "hosts", "this-machine.yaml")
    host["nodes"][0]["hugepages"]["2Mi"] = {"total": pages, "free": pages}
    return host


def vmi(cpu=None, memory="1Gi", annotations=None, devices=None, volumes=None, **domain):
    body = {"resources": {"requests": {"memory": memory}}, "devices": devices or {}}
    if cpu is not None:
        body["cpu"] = cpu
    body.update(domain)
    spec = {"domain": body}
    if volumes:
        spec["volumes"] = volumes
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "testvmi", "namespace": "mynamespace",
                         "annotations": annotations or {}},
            "spec": spec}


def placed(obj, host):
    return domain_model(obj, plan_placement(obj, host), host)


def render(domain):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROOT, "templates")),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return env.get_template("domain.xml.j2").render(domain=domain) + "\n"


def validate(xml, tmp_path):
    """libvirt's RNG schema, as CI checks every example (the integration test too)."""
    if VIRT_XML_VALIDATE is None:
        pytest.skip("virt-xml-validate is not installed (Debian: libvirt-clients, libxml2-utils)")
    path = tmp_path / "domain.xml"
    path.write_text(xml)
    done = subprocess.run([VIRT_XML_VALIDATE, str(path), "domain"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert done.returncode == 0, done.stdout + xml


# -- identity ----------------------------------------------------------------------------------

def test_name_uuid_and_metadata():
    model = domain_model(vmi())
    assert model["name"] == "mynamespace_testvmi"  # testdata/domain_x86_64.xml
    # firmware.go CalculateLegacyUUID: a version-5 (SHA-1) UUID of the name alone
    assert model["uuid"] == legacy_firmware_uuid("testvmi")
    assert uuid.UUID(model["uuid"]).version == 5
    assert model["sysinfo"] == [{"name": "uuid", "value": model["uuid"]}]
    assert model["metadata"]["grace_period"] == 30


def test_firmware_uuid_and_serial_win():
    obj = vmi(firmware={"uuid": "E4686D2C-6E8D-4335-B8FD-81BEE22F4814",
                        "serial": "e4686d2c-6e8d-4335-b8fd-81bee22f4815"})
    model = domain_model(obj)
    assert model["uuid"] == "e4686d2c-6e8d-4335-b8fd-81bee22f4814"
    # sysinfo.go buildSystem: uuid, then serial
    assert model["sysinfo"] == [{"name": "uuid", "value": model["uuid"]},
                                {"name": "serial", "value": "e4686d2c-6e8d-4335-b8fd-81bee22f4815"}]


# -- CPU (compute/cpu_test.go) ---------------------------------------------------------------

@pytest.mark.parametrize("cpu, resources, topology, count", [
    (None, {}, (1, 1, 1), 1),  # "with no CPU spec"
    ({"cores": 4, "threads": 2, "sockets": 6}, {}, (6, 4, 2), 48),  # explicit
    (None, {"requests": {"cpu": "4"}}, (4, 1, 1), 4),  # "with CPU resource request only"
    (None, {"limits": {"cpu": "8"}}, (8, 1, 1), 8),  # "with CPU resource limit only"
])
def test_topology(cpu, resources, topology, count):
    obj = vmi(cpu=cpu)
    for table, values in resources.items():
        obj["spec"]["domain"]["resources"].setdefault(table, {}).update(values)
    model = domain_model(obj)
    got = model["cpu"]["topology"]
    assert (got["sockets"], got["cores"], got["threads"]) == topology
    assert model["vcpu"] == count and model["vcpus"] == []


@pytest.mark.parametrize("cpu, topology, expected", [
    # "should configure VCPUs for hotplug when MaxSockets is set": WithCPUCount(1, 1, 2)
    ({"cores": 1, "threads": 1, "sockets": 2, "maxSockets": 4}, (4, 1, 1),
     [("yes", "no"), ("yes", "yes"), ("no", "yes"), ("no", "yes")]),
    # "should mark first socket vCPUs as non-hotpluggable": WithCPUCount(2, 1, 1), 3 sockets
    ({"cores": 2, "threads": 1, "sockets": 1, "maxSockets": 3}, (3, 2, 1),
     [("yes", "no"), ("yes", "no")] + [("no", "yes")] * 4),
])
def test_vcpu_hotplug(cpu, topology, expected):
    model = domain_model(vmi(cpu=cpu))
    got = model["cpu"]["topology"]
    assert (got["sockets"], got["cores"], got["threads"]) == topology
    assert model["vcpu"] == len(expected)
    assert [(v["enabled"], v["hotpluggable"]) for v in model["vcpus"]] == expected
    assert [v["id"] for v in model["vcpus"]] == list(range(len(expected)))


@pytest.mark.parametrize("cpu, mode, model_name, features", [
    ({"cores": 1}, "host-model", None, []),  # "defaults to host-model when model is empty"
    ({"model": "host-model"}, "host-model", None, []),
    ({"model": "host-passthrough"}, "host-passthrough", None, []),
    # "adds mpx disable for custom model when MPX validation is required" (amd64 requires it)
    ({"model": "Skylake-Server"}, "custom", "Skylake-Server",
     [{"name": "mpx", "policy": "disable"}]),
    # "should set features from VMI spec", then mpx
    ({"model": "Skylake-Server", "features": [{"name": "avx2", "policy": "require"},
                                              {"name": "vmx", "policy": "disable"}]},
     "custom", "Skylake-Server", [{"name": "avx2", "policy": "require"},
                                  {"name": "vmx", "policy": "disable"},
                                  {"name": "mpx", "policy": "disable"}]),
    # "does not add mpx when user already specifies it"; a feature's policy defaults to require
    ({"model": "Skylake-Server", "features": [{"name": "mpx"}]}, "custom", "Skylake-Server",
     [{"name": "mpx", "policy": "require"}]),
])
def test_cpu_mode_model_and_features(cpu, mode, model_name, features):
    element = domain_model(vmi(cpu=cpu))["cpu"]
    got = (element["mode"], element["model"], element["features"])
    assert got == (mode, model_name, features)


def test_cluster_cpu_model_applies_when_the_vmi_names_none():
    element = domain_model(vmi(), config={"cpuModel": "host-passthrough"})["cpu"]
    assert element["mode"] == "host-passthrough"


def test_renderer_cpu_features_are_inputs_and_the_vmi_wins():
    # a host's quirk (host-passthrough without arch-capabilities on this machine) is an input
    options = {"cpu_features": [{"name": "arch-capabilities", "policy": "disable"},
                                {"name": "vmx", "policy": "disable"}]}
    obj = vmi(cpu={"model": "host-passthrough", "features": [{"name": "vmx", "policy": "require"}]})
    features = domain_model(obj, options=options)["cpu"]["features"]
    assert features == [{"name": "vmx", "policy": "require"},
                        {"name": "arch-capabilities", "policy": "disable"}]


# -- memory -----------------------------------------------------------------------------------

@pytest.mark.parametrize("memory_section, resources, expected", [
    ({"guest": "25761732Ki"}, {"requests": {"memory": "1Gi"}}, 25761732 * 1024),
    (None, {"requests": {"memory": "4Gi"}}, 4 << 30),
    (None, {"limits": {"memory": "2Gi"}}, 2 << 30),  # limit without request
    (None, {"requests": {"memory": "1.5"}}, 1),  # QuantityToByte: a fraction loses a byte
])
def test_guest_memory_bytes(memory_section, resources, expected):
    obj = vmi()
    obj["spec"]["domain"]["resources"] = resources
    if memory_section:
        obj["spec"]["domain"]["memory"] = memory_section
    assert domain_model(obj)["memory_bytes"] == expected


def test_synthetic_numa_cell_for_memfd_hugepages():
    # cpu_test.go "should create a synthetic NUMA cell ... with hotplug": numaWith(4, 128*1024)
    obj = vmi(cpu={"cores": 1, "threads": 1, "sockets": 2, "maxSockets": 4}, memory="128Mi")
    obj["spec"]["domain"]["memory"] = {"hugepages": {"pageSize": "2Mi"}}
    model = domain_model(obj)
    assert model["cpu"]["numa_cells"] == [{"id": 0, "cpus": "0-3", "memory": 128 * 1024,
                                           "unit": "KiB", "distances": [], "host_node": None}]
    backing = model["memory_backing"]
    assert backing["source"] == "memfd" and backing["access"] is None
    assert backing["hugepages"] == [{"size_kib": 2048, "nodeset": "0"}]
    assert backing["allocation"] == "immediate"


def test_memfd_annotation_false_keeps_hugetlbfs_files():
    obj = vmi(memory="128Mi", annotations={"kubevirt.io/memfd": "false"})
    obj["spec"]["domain"]["memory"] = {"hugepages": {"pageSize": "2Mi"}}
    model = domain_model(obj)
    assert model["cpu"]["numa_cells"] == []
    assert model["memory_backing"]["source"] is None
    assert model["memory_backing"]["hugepages"] == [{"size_kib": 2048, "nodeset": None}]


def test_passt_needs_shared_memfd_memory():
    # memory_backing.go: passt binding -> shared access, memfd source
    obj = load("examples", "vmis", "11-passt.yaml")
    backing = domain_model(obj)["memory_backing"]
    assert (backing["source"], backing["access"], backing["hugepages"]) == ("memfd", "shared", [])
    assert domain_model(load("examples", "vmis", "01-plain-fedora.yaml"))["memory_backing"] is None


def test_hugepages_must_divide_the_guest_memory():
    obj = vmi(memory="129Mi")
    obj["spec"]["domain"]["memory"] = {"hugepages": {"pageSize": "2Mi"}}
    with pytest.raises(VmpodInputError, match="whole pages") as err:
        domain_model(obj)
    assert err.value.path == "spec.domain.memory.hugepages.pageSize"


def test_memtune_hard_limit_when_asked():
    obj = load("examples", "vmis", "04-hugepages-2mi.yaml")
    assert domain_model(obj)["memtune"] is None
    limit = domain_model(obj, options={"memory_hard_limit": True})["memtune"]
    # the launcher Pod's memory - with hugepages its own resource, that is the overhead alone
    overhead = int(launcher_resources(obj)["requests"]["memory"])
    assert limit == {"hard_limit_bytes": overhead}


# -- placement: pinning, NUMA, hugepages ---------------------------------------------------------

def test_dedicated_vm_pinned_by_the_plan():
    obj = load("examples", "vmis", "06-dedicated-isolated-emulator.yaml")
    model = placed(obj, SERVER)
    tune = model["cputune"]
    assert [(p["vcpu"], p["cpuset"]) for p in tune["vcpupin"]] == [(0, "5"), (1, "21"), (2, "6"),
                                                                   (3, "22")]
    assert tune["emulatorpin"] == "7,23"
    assert tune["iothreadpin"] == [{"iothread": 1, "cpuset": "7,23"}]
    assert tune["shares"] is None and tune["quota"] is None
    # vcpu.go AdjustDomainForTopologyAndCPUSet: hint-dedicated on amd64
    assert model["features"]["kvm_hint_dedicated"] is True
    # strict memory on the node of the pinned pCPUs (a bare libvirt host needs it said)
    assert model["numatune"] == {"mode": "strict", "nodeset": "0", "memnodes": []}
    # balloon: a high-performance VMI gets no free page reporting
    assert model["devices"]["memballoon"]["free_page_reporting"] == "off"


def test_an_unplaced_dedicated_vm_is_not_pinned():
    obj = load("examples", "vmis", "06-dedicated-isolated-emulator.yaml")
    plan = plan_placement(obj, load("examples", "hosts", "this-machine.yaml"))
    assert not plan["fits"]
    model = domain_model(obj, plan)
    assert model["cputune"] is None and model["numatune"] is None
    assert model["features"]["kvm_hint_dedicated"] is False


def test_numa_passthrough_follows_the_plan():
    # vcpu.go numaMapping: a guest cell per host node, strict memnodes, a page size per cell,
    # immediate allocation
    obj = load("examples", "vmis", "07-numa-passthrough.yaml")
    plan = plan_placement(obj, SERVER)
    model = domain_model(obj, plan, SERVER)
    cells = model["cpu"]["numa_cells"]
    assert [(c["id"], c["cpus"], c["memory"], c["unit"]) for c in cells] == [
        (0, "0-5", 16 << 30, "b"), (1, "6-15", 16 << 30, "b")]
    assert cells[0]["distances"] == [{"id": 0, "value": 10}, {"id": 1, "value": 21}]
    assert model["numatune"] == {"mode": "strict", "nodeset": "0-1",
                                 "memnodes": [{"cellid": 0, "nodeset": "0"},
                                              {"cellid": 1, "nodeset": "1"}]}
    assert model["memory_backing"]["hugepages"] == [{"size_kib": 1 << 20, "nodeset": "0"},
                                                    {"size_kib": 1 << 20, "nodeset": "1"}]
    assert model["memory_backing"]["allocation"] == "immediate"
    assert model["iothreads"] == 2
    assert model["cputune"]["iothreadpin"] == [{"iothread": 1, "cpuset": "14"},
                                               {"iothread": 2, "cpuset": "30"}]


def test_realtime_disables_pmu_and_page_sharing():
    obj = vmi(cpu={"cores": 2, "dedicatedCpuPlacement": True, "realtime": {}}, memory="2Gi")
    obj["spec"]["domain"]["memory"] = {"hugepages": {"pageSize": "1Gi"}}
    model = placed(obj, SERVER)
    assert model["features"]["pmu"] == "off"
    assert model["memory_backing"]["nosharepages"] is True


def test_shared_cpus_get_the_pod_limit_spread_over_the_vcpus():
    # Virtlet's rule (seed 002) on the launcher Pod's CPU: request 4 and limit 4, 4 vCPUs
    model = placed(load("examples", "vmis", "12-tpm-efi.yaml"), SERVER)
    tune = model["cputune"]
    assert (tune["shares"], tune["period"], tune["quota"]) == (4096, 100000, 100000)
    assert (tune["emulator_period"], tune["emulator_quota"]) == (100000, 400000)
    assert (tune["global_period"], tune["global_quota"]) == (100000, 400000)
    assert tune["vcpupin"] == []
    # without a CPU limit: shares of the request (2 vCPUs / cpuAllocationRatio 10 = 200m)
    plain = placed(load("examples", "vmis", "01-plain-fedora.yaml"), SERVER)["cputune"]
    assert (plain["shares"], plain["quota"]) == (204, None)


def test_pinned_small_fits_this_machine_with_2mi_pages():
    obj = load("examples", "vmis", "16-pinned-small.yaml")
    host = this_machine_with_2mi_pages(64)
    plan = plan_placement(obj, host)
    assert plan["fits"], plan["reasons"]
    assert plan["hugepages"] == {"page_size": "2Mi", "per_node": {"0": 64}}
    model = domain_model(obj, plan, host)
    assert model["type"] == "kvm" and model["cpu"]["mode"] == "host-model"
    assert len(model["cputune"]["vcpupin"]) == 1 and model["cputune"]["emulatorpin"] is None
    assert model["memory_bytes"] == 128 << 20
    assert model["numatune"]["nodeset"] == "0"
    devices = model["devices"]
    # nothing that only exists on a Kubernetes node
    assert devices["disks"] == devices["interfaces"] == []
    assert devices["serial"] is None and devices["graphics"] is None
    assert not plan_placement(obj, this_machine_with_2mi_pages(63))["fits"]


# -- devices ---------------------------------------------------------------------------------

@pytest.mark.parametrize("devices, annotations, options, expected", [
    # balloon_test.go "should configure memballoon with model none when AutoattachMemBalloon is
    # false"; manager.go isFreePageReportingEnabled
    ({"autoattachMemBalloon": False}, {}, {}, ("none", None, None)),
    ({}, {}, {}, ("virtio-non-transitional", "on", 10)),
    ({}, {"kubevirt.io/free-page-reporting-disabled": "true"}, {},
     ("virtio-non-transitional", "off", 10)),
    ({}, {}, {"free_page_reporting": False, "mem_balloon_stats_period": 0},
     ("virtio-non-transitional", "off", None)),
    ({"useVirtioTransitional": True}, {}, {}, ("virtio-transitional", "on", 10)),
])
def test_memballoon(devices, annotations, options, expected):
    balloon = domain_model(vmi(devices=devices, annotations=annotations),
                           options=options)["devices"]["memballoon"]
    assert (balloon["model"], balloon["free_page_reporting"], balloon["stats_period"]) == expected


def test_sev_balloon_uses_the_iommu():
    # balloon_test.go "SEV enabled": driver iommu on
    balloon = domain_model(load("examples", "vmis", "13-sev.yaml"))["devices"]["memballoon"]
    assert balloon["model"] == "none"  # the example turns the balloon off
    obj = load("examples", "vmis", "13-sev.yaml")
    del obj["spec"]["domain"]["devices"]["autoattachMemBalloon"]
    assert domain_model(obj)["devices"]["memballoon"]["iommu"] is True


def test_disks_targets_sources_and_iothreads():
    obj = vmi(devices={"disks": [
        {"name": "root", "disk": {"bus": "virtio"}},
        {"name": "data", "disk": {}, "dedicatedIOThread": True},
        {"name": "logs", "disk": {"bus": "virtio"}},
        {"name": "iso", "cdrom": {}},
        {"name": "cloudinit", "disk": {"bus": "sata"}, "serial": "CVLY623300HK240D"}]},
        volumes=[{"name": "root", "persistentVolumeClaim": {"claimName": "c"}},
                 {"name": "data", "dataVolume": {"name": "d"}},
                 {"name": "logs", "emptyDisk": {"capacity": "1Gi"}},
                 {"name": "iso", "containerDisk": {"image": "x"}},
                 {"name": "cloudinit", "cloudInitNoCloud": {"userData": "#cloud-config"}}],
        ioThreadsPolicy="auto")
    obj["spec"]["domain"]["resources"]["requests"]["cpu"] = "1"
    disks = domain_model(obj)["devices"]["disks"]
    assert [(d["dev"], d["bus"], d["device"]) for d in disks] == [
        ("vda", "virtio", "disk"), ("vdb", "virtio", "disk"), ("vdc", "virtio", "disk"),
        ("sda", "sata", "cdrom"), ("sdb", "sata", "disk")]
    # testdata/domain_x86_64.xml paths
    assert disks[0]["source"] == "/var/run/kubevirt-private/vmi-disks/root/disk.img"
    assert disks[4]["source"] == \
        "/var/run/libvirt/cloud-init-dir/mynamespace/testvmi/noCloud.iso"
    assert disks[0]["model"] == "virtio-non-transitional" and disks[3]["model"] is None
    assert disks[3]["readonly"] and disks[3]["tray"] == "closed" and disks[3]["discard"] is None
    assert disks[4]["serial"] == "CVLY623300HK240D"
    # iothreads.go: auto with 1 CPU -> 2 threads; 1 dedicated; disk.go assignDiskIOThread
    assert [d["iothread"] for d in disks] == [1, 2, 1, None, None]
    assert [d["alias"] for d in disks][:2] == ["ua-root", "ua-data"]


def test_interfaces():
    obj = vmi(devices={"interfaces": [
        {"name": "default", "masquerade": {}, "macAddress": "02:00:00:00:00:01", "bootOrder": 2},
        {"name": "e1k", "bridge": {}, "model": "e1000e"},
        {"name": "vf", "sriov": {}}]})
    model = domain_model(obj)
    interfaces = model["devices"]["interfaces"]
    assert [(i["type"], i["model"], i["alias"]) for i in interfaces] == [
        ("ethernet", "virtio-non-transitional", "ua-default"), ("ethernet", "e1000e", "ua-e1k")]
    assert interfaces[0]["mac"] == "02:00:00:00:00:01" and interfaces[0]["boot_order"] == 2
    assert any("SR-IOV" in reason for reason in model["omitted"])


@pytest.mark.parametrize("devices, volumes, path, problem", [
    ({"disks": [{"name": "root"}]}, None, "spec.domain.devices.disks[0].name", "no volume"),
    ({"disks": [{"name": "Root_Disk"}]}, None, "spec.domain.devices.disks[0].name",
     "DNS-1123 label"),
    ({"disks": [{"name": "root", "serial": "a b<"}]},
     [{"name": "root", "emptyDisk": {}}], "spec.domain.devices.disks[0].serial", "disk serial"),
    ({"disks": [{"name": "root", "disk": {"bus": "ide"}}]}, None,
     "spec.domain.devices.disks[0].disk.bus", "must be one of"),
    ({"interfaces": [{"name": "eth 0"}]}, None, "spec.domain.devices.interfaces[0].name",
     "interface name"),
    ({"interfaces": [{"name": "eth0", "macAddress": "02:00:00:00:00"}]}, None,
     "spec.domain.devices.interfaces[0].macAddress", "MAC address"),
    ({"disks": [{"name": "root"}]}, [{"name": "root", "persistentVolumeClaim": [{"claimName": "c"}]}],
     "spec.volumes[0].persistentVolumeClaim", "must be a mapping"),
])
def test_bad_devices_name_the_field(devices, volumes, path, problem):
    with pytest.raises(VmpodInputError, match=problem) as err:
        domain_model(vmi(devices=devices, volumes=volumes))
    assert err.value.path == path


@pytest.mark.parametrize("change, path, problem", [
    (lambda v: v["spec"]["domain"].update(firmware={"uuid": "nope"}),
     "spec.domain.firmware.uuid", "is not a UUID"),
    (lambda v: v["spec"]["domain"].update(cpu={"model": "Sky\x01lake"}),
     "spec.domain.cpu.model", "XML cannot carry"),
    (lambda v: v["spec"]["domain"].update(resources={}),
     "spec.domain.memory.guest", "is required"),
    (lambda v: v["spec"]["domain"].update(cpu={"features": [{"name": "a b"}]}),
     "spec.domain.cpu.features[0].name", "CPU feature name"),
])
def test_bad_input_names_the_field(change, path, problem):
    obj = vmi()
    change(obj)
    with pytest.raises(VmpodInputError, match=problem) as err:
        domain_model(obj)
    assert err.value.path == path


@pytest.mark.parametrize("options, path", [
    ({"domain_type": "xen"}, "domain_options.domain_type"),
    ({"cfs_period": 10}, "domain_options.cfs_period"),
    ({"cpu_features": [{"name": "x", "policy": "sometimes"}]},
     "domain_options.cpu_features[0].policy"),
    ({"colour": 1}, "domain_options.colour"),
])
def test_bad_options_name_the_option(options, path):
    with pytest.raises(VmpodInputError) as err:
        domain_model(vmi(), options=options)
    assert err.value.path == path


def test_a_bad_plan_is_named():
    with pytest.raises(VmpodInputError) as err:
        domain_model(vmi(cpu={"dedicatedCpuPlacement": True}),
                     {"fits": True, "vcpupin": ["x"], "cpuset": "0"})
    assert err.value.path == "plan.vcpupin[0]"


# -- many VMs ----------------------------------------------------------------------------------

def test_render_models_over_the_examples():
    vmis = [load(path) for path in VMI_FILES]
    models = render_models(vmis, SERVER)
    assert [m["name"] for m in models] == [v["metadata"]["name"] for v in vmis]
    for model in models:
        assert model["plan"]["name"] == model["name"]
        assert model["pod"]["kind"] == "Pod"


def test_duplicate_names_and_path_like_names_are_refused():
    one = vmi()
    with pytest.raises(VmpodInputError, match="is a duplicate of vmis\\[0\\] in namespace mynamespace") as err:
        render_models([one, copy.deepcopy(one)])
    assert err.value.path == "vmis[1].metadata.name"
    sneaky = vmi()
    sneaky["metadata"]["name"] = "../etc"
    with pytest.raises(VmpodInputError, match="is not a DNS-1123 subdomain") as err:
        render_models([sneaky])
    assert err.value.path == "vmis[0](../etc).metadata.name"


def test_one_name_in_two_namespaces_renders_two_directories():
    """KubeVirt allows it; each gets the directory of its libvirt domain's name."""
    one, other, alone = vmi(), vmi(), vmi()
    other["metadata"]["namespace"] = "other"
    alone["metadata"]["name"] = "alone"
    models = render_models([one, other, alone])
    assert [model["dir"] for model in models] == ["mynamespace_testvmi", "other_testvmi", "alone"]
    assert [model["domain"]["name"] for model in models] == [
        "mynamespace_testvmi", "other_testvmi", "mynamespace_alone"]
    assert [model["name"] for model in models] == ["testvmi", "testvmi", "alone"]


# -- the template --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", VMI_FILES, ids=os.path.basename)
def test_every_example_domain_is_valid_libvirt_xml(path, tmp_path):
    model = placed(load(path), SERVER)
    xml = render(model)
    root = etree.fromstring(xml.encode())
    assert root.findtext("name") == model["name"]
    validate(xml, tmp_path)


def test_pinned_small_domain_for_this_machine_is_valid(tmp_path):
    host = this_machine_with_2mi_pages()
    xml = render(placed(load("examples", "vmis", "16-pinned-small.yaml"), host))
    root = etree.fromstring(xml.encode())
    assert root.get("type") == "kvm"
    assert root.find("cputune/vcpupin").get("cpuset") == "0"
    assert root.find("memoryBacking/hugepages/page").get("size") == "2048"
    validate(xml, tmp_path)


def test_hostile_values_are_escaped(tmp_path):
    hostile = "</domain><domain type='qemu'>&amp;\"]]>{{ x }}"
    obj = vmi(cpu={"model": hostile},
              firmware={"serial": hostile},
              devices={"disks": [{"name": "root"}]},
              volumes=[{"name": "root", "hostDisk": {"path": "/p/" + hostile, "type": "Disk"}}])
    obj["metadata"]["annotations"] = {"note": hostile}
    model = domain_model(obj)
    root = etree.fromstring(render(model).encode())
    assert root.findtext("cpu/model") == hostile
    assert root.find("sysinfo/system/entry[@name='serial']").text == hostile
    assert root.find("devices/disk/source").get("file") == "/p/" + hostile
    validate(render(model), tmp_path)
    # a namespace is a DNS-1123 label, as the API server checks it: no markup reaches the name
    obj["metadata"]["namespace"] = "n'\"<&>"
    with pytest.raises(VmpodInputError, match="^metadata.namespace: .* is not a DNS-1123 label"):
        domain_model(obj)


def test_the_render_filters_are_thin():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.vmpod.core.plugins.filter.render import FilterModule
    filters = FilterModule().filters()
    one = load("examples", "vmis", "01-plain-fedora.yaml")
    assert filters["render_models"](one, SERVER) == render_models([one], SERVER)[0]
    with pytest.raises(AnsibleFilterError, match=r"vmis\[0\]\(testvmi\)\.spec\.domain\.memory"):
        filters["render_models"]([vmi(memory="0")])
    assert filters["yaml_flow"]("a\u2028b") == '"a\\u2028b"'
    with pytest.raises(AnsibleFilterError, match="yaml_flow"):
        filters["yaml_flow"](object())


def test_models_of_one_plan_share_nothing_mutable():
    # the fleet and render pipelines build many models from one plan (look-alike VMs): changing
    # one model's pins or NUMA distances must not change another's
    from ansible_collections.vmpod.core.plugins.module_utils.domain.model import build_domain
    from ansible_collections.vmpod.core.plugins.module_utils.domain.options import read_domain_options
    from ansible_collections.vmpod.core.plugins.module_utils.domain.plan_view import plan_view
    from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import read_config
    from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import size_vmi
    from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
    from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
    from ansible_collections.vmpod.core.plugins.module_utils.planning.options import read_options
    from ansible_collections.vmpod.core.plugins.module_utils.planning.plan import place

    with open(os.path.join(ROOT, "examples", "vmis", "07-numa-passthrough.yaml")) as handle:
        the_vmi = yaml.safe_load(handle)
    with open(os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")) as handle:
        host = read_host(yaml.safe_load(handle))
    cfg = read_config(None)
    sized = size_vmi(read_vmi(the_vmi, with_domain=True), cfg)
    view = plan_view(place(sized, host, read_options(None)))
    first, second = (build_domain(sized, view, host, cfg, read_domain_options(None)) for _round in range(2))
    assert first == second
    before = copy.deepcopy(second)
    assert first["cputune"]["vcpupin"] and first["cpu"]["numa_cells"][0]["distances"]
    first["cputune"]["vcpupin"][0]["cpuset"] = "999"
    first["cputune"]["iothreadpin"].append({"iothread": 9, "cpuset": "9"})
    first["cpu"]["numa_cells"][0]["distances"][0]["value"] = 99
    assert second == before
