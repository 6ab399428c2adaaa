# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real VM on this machine's libvirtd from a VMI as users write it, through render and deploy
to a libvirt host target, and logged into.

The VMI: a containerDisk (the Molecule test guest, hack/test-guest.sh: Debian bookworm with
cloud-init, booting through OVMF), an emptyDisk, cloudInitNoCloud user data that makes a user
with an SSH key of this test and sets the host name, 2 dedicated vCPUs with guest NUMA
in 2 guest NUMA cells (an explicit layout whose cells may share a host node: this machine has
one), 1Gi of guest memory in 2Mi hugepages. The host map puts the image where it is,
the pod network on QEMU user networking with SSH forwarded from a loopback port.

Under KVM where this machine runs a Linux guest; under TCG (domain type qemu) where it is itself
a VM (the CPU's ``hypervisor`` flag: a Linux kernel hangs under nested KVM on these machines), and
the output says which. In the guest over SSH: nproc, the NUMA nodes, the memory, the host name
cloud-init set. From libvirt and the kernel: the vCPU pinning equals the plan, and the guest's
memory is in 2Mi hugepages. A second deploy changes nothing; then state absent leaves no
domain and no file of the VM, and the image is as it was.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import time

import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset

from vmpod_libvirt import NEEDS_KVM, ROOT, libvirt_for_tests
from vmpod_playbooks import ansible_playbook, changed, playbook

libvirt = pytest.importorskip("libvirt")

# qemu-img comes with libvirtd (hack/libvirtd.sh installs qemu-utils); the fixture checks it
pytestmark = [NEEDS_KVM]

NAMESPACE = "vmpod-guest"
NAME = "booted"
DOMAIN = "%s_%s" % (NAMESPACE, NAME)
HOSTNAME = "vmpod-booted"
IMAGE_REF = "vmpod/test-guest:bookworm"
PAGES = 512 + 16  # 1Gi in 2Mi pages, and room
# the base image where libvirt's QEMU user can read it (the build's cache is under root's home)
IMAGE_DIR = "/var/lib/libvirt/images/vmpod-test-images"
STORAGE_DIR = "/var/lib/libvirt/images/vmpod-test"
BOOT_TIMEOUT = 600


def nested():
    """Whether this machine is itself a VM (the CPU's ``hypervisor`` flag)."""
    with open("/proc/cpuinfo") as handle:
        return re.search(r"^flags\s*:.*\bhypervisor\b", handle.read(), re.M) is not None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vmi(public_key):
    user_data = "#cloud-config\n" + yaml.safe_dump({
        "hostname": HOSTNAME,
        "users": [{"name": "tester", "shell": "/bin/bash", "sudo": "ALL=(ALL) NOPASSWD:ALL",
                   "ssh_authorized_keys": [public_key]}],
    })
    return {
        "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
        "metadata": {"name": NAME, "namespace": NAMESPACE},
        "spec": {
            "domain": {
                "cpu": {"cores": 1, "sockets": 2, "dedicatedCpuPlacement": True},
                "memory": {"guest": "1Gi", "hugepages": {"pageSize": "2Mi"}},
                "firmware": {"bootloader": {"efi": {"secureBoot": False}}},
                "devices": {
                    "disks": [{"name": "root", "disk": {"bus": "virtio"}},
                              {"name": "scratch", "disk": {"bus": "virtio"}},
                              {"name": "cloudinit", "disk": {"bus": "virtio"}}],
                    "interfaces": [{"name": "default", "masquerade": {}}],
                },
            },
            "networks": [{"name": "default", "pod": {}}],
            "volumes": [
                {"name": "root", "containerDisk": {"image": IMAGE_REF}},
                {"name": "scratch", "emptyDisk": {"capacity": "1Gi"}},
                {"name": "cloudinit", "cloudInitNoCloud": {"userData": user_data}},
            ],
        },
    }


@pytest.fixture(scope="module")
def guest_image():
    """The test guest's disk image (built or reused by hack/test-guest.sh), copied where QEMU's
    user can read it; removed afterwards."""
    built = subprocess.run(["bash", os.path.join(ROOT, "hack", "test-guest.sh"), "build"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, check=False)
    assert built.returncode == 0, built.stdout[-3000:]
    cache = os.environ.get("VMPOD_TEST_GUEST_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "vmpod.core", "test-guest")
    os.makedirs(IMAGE_DIR, mode=0o755, exist_ok=True)
    image = os.path.join(IMAGE_DIR, "test-guest.raw")
    subprocess.run(["cp", "--sparse=always", os.path.join(cache, "disk.raw"), image], check=True)
    os.chmod(image, 0o644)
    yield image
    shutil.rmtree(IMAGE_DIR, ignore_errors=True)


@pytest.fixture(scope="module")
def connection():
    yield from libvirt_for_tests(NAMESPACE, PAGES, lambda: shutil.rmtree(STORAGE_DIR, ignore_errors=True))


def ssh(key, port, command):
    return subprocess.run(["ssh", "-i", key, "-p", str(port), "-o", "BatchMode=yes",
                           "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
                           "tester@127.0.0.1", command],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False, timeout=120)


def qemu_pid(domain):
    with open("/run/libvirt/qemu/%s.pid" % domain) as handle:
        return int(handle.read().strip())


def hugetlb_bytes(pid):
    """The hugetlbfs memory the process maps (smaps_rollup: shared and private)."""
    with open("/proc/%d/smaps_rollup" % pid) as handle:
        text = handle.read()
    return sum(int(kib) * 1024 for kib in re.findall(r"^(?:Shared|Private)_Hugetlb:\s+(\d+) kB", text, re.M))


def test_a_vmi_boots_on_this_host_and_sees_its_plan(connection, guest_image, tmp_path):
    key = str(tmp_path / "id_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    with open(key + ".pub") as handle:
        public_key = handle.read().strip()
    vmi_dir, out = tmp_path / "vmis", tmp_path / "out"
    vmi_dir.mkdir()
    (vmi_dir / "booted.yaml").write_text(yaml.safe_dump(vmi(public_key)))
    port = free_port()
    tcg = nested()
    extra = {
        "vmpod_host_target": {
            "storage_dir": STORAGE_DIR,
            "images": {IMAGE_REF: guest_image},
            "networks": {"default": {"user": {"forwards": [{"host_port": port, "guest_port": 22}]}}},
        },
        "vmpod_domain_options": {"domain_type": "qemu"} if tcg else {},
        # 2 guest NUMA cells on whatever this host has (one node here: they share it)
        "vmpod_placement_options": {"numa_nodes": 2, "numa_share_host_nodes": True},
    }
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    print("guest runs under %s" % ("TCG (domain type qemu): this machine is itself a VM, and a "
                                   "Linux kernel hangs under its nested KVM" if tcg else "KVM"))
    with open(guest_image, "rb") as handle:
        image_head = handle.read(1 << 20)
    image_mtime = os.stat(guest_image).st_mtime

    done = ansible_playbook(playbook("render.yml"), "-e", "vmpod_vmi_dir=%s" % vmi_dir,
                            "-e", "vmpod_output_dir=%s" % out, "-e", "@%s" % (tmp_path / "extra.json"))
    assert done.returncode == 0, done.stdout[-4000:]
    plan = json.loads((out / NAME / "plan.json").read_text())
    assert plan["fits"], plan["reasons"]
    assert "hunter" not in done.stdout and public_key not in done.stdout
    assert oct(os.stat(str(out / NAME / "cloudinit.iso")).st_mode & 0o777) == "0o600"

    # --check makes nothing
    checked = ansible_playbook(playbook("deploy.yml"), "--check", "-e", "vmpod_output_dir=%s" % out)
    assert checked.returncode == 0, checked.stdout[-4000:]
    assert DOMAIN not in [d.name() for d in connection.listAllDomains()]
    assert not os.path.exists(os.path.join(STORAGE_DIR, DOMAIN))

    deploy = ansible_playbook(playbook("deploy.yml"), "-e", "vmpod_output_dir=%s" % out)
    assert deploy.returncode == 0, deploy.stdout[-4000:]
    assert public_key not in deploy.stdout
    directory = os.path.join(STORAGE_DIR, DOMAIN)
    assert sorted(os.listdir(directory)) == ["cloudinit.iso", "root.qcow2", "scratch.qcow2"]

    # the guest, over SSH on the loopback port
    deadline, answer = time.time() + BOOT_TIMEOUT, None
    while time.time() < deadline:
        answer = ssh(key, port, "nproc; ls -d /sys/devices/system/node/node*; "
                                "grep MemTotal /proc/meminfo; hostname; lsblk -bdno NAME,SIZE")
        if answer.returncode == 0:
            break
        time.sleep(5)
    assert answer is not None and answer.returncode == 0, (
        "no SSH login within %d s: %s" % (BOOT_TIMEOUT, answer.stdout if answer else ""))
    lines = answer.stdout.split("\n")
    print("in the guest:\n" + answer.stdout)
    assert lines[0] == "2"
    nodes = [line for line in lines if line.startswith("/sys/devices/system/node/node")]
    assert len(plan["numa_cells"]) == 2
    assert nodes == ["/sys/devices/system/node/node0", "/sys/devices/system/node/node1"], nodes
    mem_kib = int(re.search(r"MemTotal:\s+(\d+)", answer.stdout).group(1))
    assert 768 * 1024 < mem_kib <= 1024 * 1024
    assert HOSTNAME in lines
    assert re.search(r"^vdb\s+%d$" % (1 << 30), answer.stdout, re.M), answer.stdout

    # outside: libvirt's pinning is the plan's, and the guest's memory is in 2Mi hugepages
    domain = connection.lookupByName(DOMAIN)
    pins = [sorted(i for i, on in enumerate(cpus) if on) for cpus in domain.vcpuPinInfo()]
    assert pins == [[cpu] for cpu in plan["vcpupin"]]
    # host_topology_info counts the running VM's pinned CPUs as used (plans start from them)
    topology = tmp_path / "topology.yml"
    topology.write_text(yaml.safe_dump([{
        "hosts": "localhost", "connection": "local", "gather_facts": False,
        "tasks": [{"vmpod.core.host_topology_info": {"libvirt_domains": True}, "register": "topo"},
                  {"ansible.builtin.copy": {"content": "{{ topo.host | to_json }}",
                                            "dest": str(tmp_path / "host.json"), "mode": "0644"}}]}]))
    read = ansible_playbook(topology)
    assert read.returncode == 0, read.stdout[-3000:]
    used = parse_cpuset(json.loads((tmp_path / "host.json").read_text())["used_cpus"])
    assert set(plan["vcpupin"]) <= used <= parse_cpuset(plan["cpuset"]), used
    pid = qemu_pid(DOMAIN)
    assert hugetlb_bytes(pid) == 1 << 30  # all the guest's memory, in hugepages

    # a second deploy changes nothing, nor does removing in check mode
    again = ansible_playbook(playbook("deploy.yml"), "-e", "vmpod_output_dir=%s" % out)
    assert again.returncode == 0 and changed(again.stdout) == 0, again.stdout[-3000:]
    check = ansible_playbook(playbook("deploy.yml"), "--check", "-e", "vmpod_output_dir=%s" % out,
                             "-e", "vmpod_state=absent", "-e", "vmpod_stop_mode=destroy")
    assert check.returncode == 0, check.stdout[-3000:]
    assert domain.isActive() and len(os.listdir(directory)) == 3

    gone = ansible_playbook(playbook("deploy.yml"), "-e", "vmpod_output_dir=%s" % out,
                            "-e", "vmpod_state=absent", "-e", "vmpod_stop_mode=destroy")
    assert gone.returncode == 0, gone.stdout[-3000:]
    assert DOMAIN not in [d.name() for d in connection.listAllDomains()]
    assert not os.path.exists(directory)
    assert not os.path.exists("/proc/%d" % pid)
    assert os.stat(guest_image).st_mtime == image_mtime
    with open(guest_image, "rb") as handle:
        assert handle.read(1 << 20) == image_head


@pytest.mark.parametrize("fault", ["missing image", "unknown network", "unknown PCI device"])
def test_bad_input_defines_nothing_and_leaves_nothing(connection, tmp_path, fault):
    """An image file that is not there fails before anything is made; a libvirt network that does
    not exist fails at start, and the domain and files the run made are removed again. Each error
    names the VM and the item."""
    image_dir = tmp_path / "images"
    image_dir.mkdir()
    image = image_dir / "tiny.raw"
    image.write_bytes(b"\0" * (1 << 20))
    os.chmod(str(tmp_path), 0o755)
    os.chmod(str(image_dir), 0o755)
    os.chmod(str(image), 0o644)
    vmi_dir, out = tmp_path / "vmis", tmp_path / "out"
    vmi_dir.mkdir()
    spec = vmi("ssh-ed25519 AAAA test")
    spec["metadata"]["name"] = "faulty"
    spec["spec"]["domain"]["cpu"] = {"cores": 1}
    spec["spec"]["domain"]["memory"] = {"guest": "64Mi"}
    target = {"storage_dir": STORAGE_DIR}
    if fault == "unknown PCI device":
        spec["spec"]["domain"]["devices"]["hostDevices"] = [{"name": "nic1", "deviceName": "vmpod.test/nic"}]
        target["host_devices"] = {"vmpod.test/nic": ["0000:ff:1f.7"]}
    (vmi_dir / "faulty.yaml").write_text(yaml.safe_dump(spec))
    networks = {"default": {"network": "vmpod-no-such-network"}}
    images = {IMAGE_REF: str(image) + (".gone" if fault == "missing image" else "")}
    target.update(images=images, networks=networks)
    extra = {"vmpod_host_target": target,
             "vmpod_domain_options": {"domain_type": "qemu"}}
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    done = ansible_playbook(playbook("render.yml"), "-e", "vmpod_vmi_dir=%s" % vmi_dir,
                            "-e", "vmpod_output_dir=%s" % out, "-e", "@%s" % (tmp_path / "extra.json"))
    assert done.returncode == 0, done.stdout[-4000:]
    failed = ansible_playbook(playbook("deploy.yml"), "-e", "vmpod_output_dir=%s" % out)
    assert failed.returncode != 0
    said = " ".join(failed.stdout.split())
    if fault == "missing image":
        assert "nothing made: vmpod-guest_faulty: volume root: the image %s.gone is not a file" % image \
            in said, failed.stdout[-3000:]
    elif fault == "unknown PCI device":
        assert "nothing made: vmpod-guest_faulty: device nic1: 0000:ff:1f.7 is not a PCI device of " \
            "this host" in said, failed.stdout[-3000:]
    else:
        assert "vmpod-no-such-network" in failed.stdout and "faulty" in failed.stdout, failed.stdout[-3000:]
        assert "this run made were removed" in failed.stdout
    assert "vmpod-guest_faulty" not in [d.name() for d in connection.listAllDomains()]
    assert not os.path.exists(os.path.join(STORAGE_DIR, "vmpod-guest_faulty"))
    assert image.read_bytes() == b"\0" * (1 << 20)
