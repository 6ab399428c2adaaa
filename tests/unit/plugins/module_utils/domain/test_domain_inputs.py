# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values that used to render domains libvirt's schema refuses: now input errors naming the
field, before anything is rendered; the same fields with good values render valid domains."""

import os
import shutil
import subprocess

import jinja2
import pytest

from ansible_collections.vmpod.core.plugins.module_utils.domain.model import domain_model
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 5))


def vmi(volumes=None, interfaces=None, **domain):
    body = dict({"resources": {"requests": {"memory": "1Gi"}}, "devices": {}}, **domain)
    spec = {"domain": body}
    if volumes:
        body["devices"]["disks"] = [{"name": "d", "disk": {}}]
        spec["volumes"] = volumes
    if interfaces:
        body["devices"]["interfaces"] = interfaces
        spec["networks"] = [{"name": "default", "pod": {}}]
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "t", "namespace": "n"}, "spec": spec}


def host_disk(path):
    return [{"name": "d", "hostDisk": {"path": path, "type": "Disk"}}]


def mac(address):
    return [{"name": "default", "masquerade": {}, "macAddress": address}]


@pytest.mark.parametrize("obj, path, problem", [
    (vmi(machine={"type": "pc q35"}), "spec.domain.machine.type", "is not a machine type"),
    (vmi(machine={"type": "q35<"}), "spec.domain.machine.type", "is not a machine type"),
    (vmi(clock={"timezone": "Europe/Ber lin"}), "spec.domain.clock.timezone", "is not a time zone name"),
    (vmi(volumes=host_disk("images/d.img")), "spec.volumes[0].hostDisk.path", "is not an absolute path"),
    (vmi(interfaces=mac("02:00:00:00:00:01\n")), "spec.domain.devices.interfaces[0].macAddress", "is not a MAC address"),
    (vmi(memory={"guest": "1e30"}), "spec.domain.memory.guest", "is more memory than a VM can have"),
])
def test_values_the_schema_refuses_are_input_errors(obj, path, problem):
    with pytest.raises(VmpodInputError) as err:
        domain_model(obj)
    assert err.value.path == path and problem in str(err.value)


@pytest.mark.skipif(shutil.which("virt-xml-validate") is None, reason="virt-xml-validate is not installed")
def test_good_values_of_the_same_fields_render_valid_domains(tmp_path):
    obj = vmi(machine={"type": "pc-q35-rhel9.2.0"}, clock={"timezone": "America/Port-au-Prince"},
              volumes=host_disk("/var/lib/images/d.img"), interfaces=mac("02:00:00:00:00:01"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROOT, "templates")),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    path = tmp_path / "domain.xml"
    path.write_text(env.get_template("domain.xml.j2").render(domain=domain_model(obj)) + "\n")
    done = subprocess.run(["virt-xml-validate", str(path), "domain"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert done.returncode == 0, done.stdout + path.read_text()


def test_kernel_boot_paths_and_arguments(tmp_path):
    # os.go configureKernelBoot: the container's kernel and initrd where virt-handler mounts them
    # for the launcher (container-disk.go GetKernelBootArtifactPathFromLauncherView: the base
    # name under /var/run/kubevirt/container-disks/kernel-boot), and the kernel arguments even
    # without a container
    from ansible_collections.vmpod.core.plugins.module_utils.domain.model import domain_model
    from vmpod_domain_xml import HAS_SCHEMA, assert_valid, domain_xml
    vmi = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
           "metadata": {"name": "kernel", "namespace": "vms"},
           "spec": {"domain": {"resources": {"requests": {"memory": "1Gi"}}, "devices": {},
                               "firmware": {"kernelBoot": {"kernelArgs": "console=ttyS0", "container": {
                                   "image": "k:1", "kernelPath": "/boot/vmlinuz-6.1",
                                   "initrdPath": "/boot/initrd.img/"}}}}}}
    os_section = domain_model(vmi)["os"]
    assert (os_section["kernel"], os_section["initrd"], os_section["cmdline"]) == (
        "/var/run/kubevirt/container-disks/kernel-boot/vmlinuz-6.1",
        "/var/run/kubevirt/container-disks/kernel-boot/initrd.img", "console=ttyS0")
    if HAS_SCHEMA:
        assert_valid(domain_xml(domain_model(vmi)), tmp_path)
    del vmi["spec"]["domain"]["firmware"]["kernelBoot"]["container"]
    os_section = domain_model(vmi)["os"]
    assert (os_section["kernel"], os_section["cmdline"]) == (None, "console=ttyS0")
