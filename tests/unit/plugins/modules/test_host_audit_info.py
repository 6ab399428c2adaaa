# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.host_audit_info on a fake host tree: a QEMU process in /proc (its command line,
smaps, numa_maps and cgroup as QEMU 7.2 under libvirt 9.0 has them), its memory cgroup (v1), the
hugepage pools in sysfs, a kubelet configuration and checkpoint, /dev/kvm answering as the kernel
does. libvirt is not read here (libvirt=false); the integration test reads a real one."""

import json
import os
from unittest import mock

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts import kvm_device
from ansible_collections.vmpod.core.plugins.modules import host_audit_info

from vmpod_modules import module_result

PLAN = {"name": "pinned-small", "namespace": "lab", "fits": True, "cpuset": "1", "vcpupin": [1],
        "emulatorpin": None, "iothreadpin": {}, "numa_cells": [],
        "hugepages": {"page_size": "2Mi", "per_node": {"0": 64}},
        "launcher_resources": {"memory_overhead": "373555200"}}
SMAPS = ("55a0d3f14000-55a0d431b000 r--p 00000000 fe:00 2170941 /usr/bin/qemu-system-x86_64\n"
         "Size:               4124 kB\nRss:                4124 kB\nPrivate_Hugetlb:       0 kB\n"
         "7fe8afe00000-7fe8b7e00000 rw-s 00000000 00:11 2058422 /memfd:memory-backend-memfd (deleted)\n"
         "Size:             131072 kB\nRss:                   0 kB\nPrivate_Hugetlb:  131072 kB\n"
         "7fe8c0000000-7fe8c2000000 rw-p 00000000 00:00 0\n"
         "Size:              32768 kB\nRss:               20000 kB\nPrivate_Hugetlb:       0 kB\n")
CGROUP = "/machine/qemu-1-lab_pinned-small.libvirt-qemu"


def write(root, path, text):
    path = os.path.join(str(root), path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


@pytest.fixture
def host(tmp_path):
    files = {
        "proc/cmdline": "BOOT_IMAGE=/vmlinuz ro quiet isolcpus=managed_irq,domain,1 nohz_full=1 "
                        "rcu_nocbs=1 irqaffinity=0\n",
        "proc/meminfo": "MemTotal: 8000000 kB\nHugepagesize:       2048 kB\n",
        "proc/mounts": "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n",
        "proc/4242/cmdline": "\0".join(["/usr/bin/qemu-system-x86_64", "-name",
                                        "guest=lab_pinned-small,debug-threads=on", "-m", "128", ""]),
        "proc/4242/smaps": SMAPS,
        "proc/4242/numa_maps": "7fe8afe00000 bind:0 file=/memfd:memory-backend-memfd huge dirty=64 "
                               "N0=64 kernelpagesize_kB=2048\n",
        "proc/4242/cgroup": "4:memory:%s\n0::%s/emulator\n" % (CGROUP, CGROUP),
        "proc/4242/task/4242/comm": "qemu-system-x86\n",
        "proc/4242/task/4242/status": "Name:\tqemu-system-x86\nCpus_allowed_list:\t0-1\n"
                                      "Mems_allowed_list:\t0\n",
        "proc/4242/task/4250/comm": "CPU 0/KVM\n",
        "proc/4242/task/4250/status": "Name:\tCPU 0/KVM\nCpus_allowed_list:\t1\nMems_allowed_list:\t0\n",
        "proc/1/cmdline": "/sbin/init\0",
        "sys/fs/cgroup/memory%s/memory.usage_in_bytes" % CGROUP: "16818176\n",
        "sys/fs/cgroup/memory%s/memory.max_usage_in_bytes" % CGROUP: "23244800\n",
        "sys/devices/system/cpu/online": "0-1\n",
        "sys/devices/system/cpu/isolated": "1\n",
        "sys/devices/system/cpu/nohz_full": "1\n",
        "sys/devices/system/node/node0/cpulist": "0-1\n",
        "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages": "64\n",
        "sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages": "0\n",
        "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "64\n",
        "dev/kvm": "",
        "var/lib/kubelet/config.yaml": "kind: KubeletConfiguration\ncpuManagerPolicy: static\n"
                                       "topologyManagerPolicy: single-numa-node\n"
                                       "memoryManagerPolicy: Static\nreservedSystemCPUs: \"0\"\n",
        "var/lib/kubelet/cpu_manager_state": json.dumps({
            "policyName": "static", "defaultCpuSet": "0",
            "entries": {"uid": {"compute": "1"}}, "checksum": 1}),
    }
    for path, text in files.items():
        write(tmp_path, path, text)
    return str(tmp_path)


def fake_ioctl(fd, request, arg=0):
    if request == 0xAE00:
        return 12
    return os.open(os.devnull, os.O_RDONLY)


def run_module(capsys, check_mode=True, **args):
    return module_result(host_audit_info.main, capsys, args, check_mode=check_mode,
                         patches=[mock.patch.object(kvm_device.fcntl, "ioctl", fake_ioctl)])


def arguments(root, **more):
    return dict(root=root, host="kvm-07", libvirt=False, plans=[PLAN],
                kubelet_root=os.path.join(root, "var/lib/kubelet"),
                kubelet_config_dir=os.path.join(root, "etc/kubernetes/kubelet.conf.d"),
                cpu_isolation_isolated="1", cpu_isolation_reserved="0",
                hugepages_pages=[{"size": "2Mi", "count": 64, "node": 0}], **more)


def test_a_pinned_hugepage_guest_on_a_prepared_node(host, capsys):
    result = run_module(capsys, **arguments(host))
    assert result["changed"] is False and not result.get("failed"), result
    audit = result["audit"]
    assert audit["host"] == "kvm-07"
    row = audit["overhead"]["rows"][0]
    assert row["domain"] == "lab_pinned-small"
    assert row["process"] == {"rss": 24124 * 1024, "guest_resident": 0, "hugetlb": 128 * 1048576,
                              "overhead": 24124 * 1024, "guest_ram_found": True}
    assert row["cgroup"] == {"path": CGROUP, "current": 16818176, "peak": 23244800}
    assert (row["measured_overhead"], row["counted"]) == (24124 * 1024, "process")
    assert row["margin"] == 373555200 - 24124 * 1024 and row["oom_risk"] == "low"
    drift = dict((f["subject"], f["status"]) for f in audit["drift"]["findings"])
    assert drift["libvirt"] == "skip"
    # libvirt not read: the pinning of the QEMU threads
    assert drift["lab_pinned-small vcpupin"] == "ok"
    assert drift["lab_pinned-small numatune"] == "ok"
    assert drift["lab_pinned-small hugepages"] == "ok"
    assert drift["lab_pinned-small cpu_manager_state"] == "ok"
    ready = dict((f["subject"], f["status"]) for f in audit["readiness"]["findings"])
    assert ready["/dev/kvm"] == "ok"
    assert ready["cpu isolation"] == "ok"
    assert ready["node 0 2Mi"] == "ok"
    assert ready["/dev/hugepages2M"] == "warn"  # mounted at /dev/hugepages only
    assert ready["reservedSystemCPUs"] == "ok"
    assert audit["readiness"]["verdict"] == "warn"
    assert result["markdown"].startswith("# Audit of kvm-07: warn")


def test_without_libvirt_python_the_report_says_so(host, capsys):
    with mock.patch.object(host_audit_info, "libvirt", None):
        args = arguments(host)
        args["libvirt"] = True
        result = run_module(capsys, **args)
    assert not result.get("failed")
    assert "libvirt-python" in result["audit"]["overhead"]["problem"]


def test_bad_input_fails_naming_the_field(host, capsys):
    args = arguments(host)
    args["plans"] = [dict(PLAN, vcpupin="x")]
    result = run_module(capsys, **args)
    assert result["failed"] and result["msg"].startswith("plans[0].vcpupin")
    args = arguments(host)
    args["hugepages_pages"] = [{"size": "2Mi"}]
    result = run_module(capsys, **args)
    assert result["failed"] and result["msg"] == "hugepages_pages[0].count is required"
