# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readiness of a host against the roles' variables: the kernel arguments are the ones the
cpu_isolation and hugepages roles write for the same variables (cpu_partition.isolation_arguments,
hugepage_pools.boot_arguments; Documentation/admin-guide/kernel-parameters.txt), the kubelet fields
those of KubeletConfiguration v1beta1 (cpuManagerPolicy, topologyManagerPolicy,
memoryManagerPolicy, reservedSystemCPUs)."""

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.audit.readiness import (
    HostFacts, kubelet_configuration, readiness)
from ansible_collections.vmpod.core.plugins.module_utils.audit.wanted import read_wanted
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

PREPARED_CMDLINE = ("BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=UUID=0b6e ro quiet "
                    "isolcpus=managed_irq,domain,2-7 nohz_full=2-7 rcu_nocbs=2-7 irqaffinity=0-1 "
                    "hugepagesz=1G hugepages=4")
WANTED = {"cpu_isolation_isolated": "2-7", "cpu_isolation_reserved": "0-1",
          "hugepages_pages": [{"size": "1Gi", "count": 4}, {"size": "2Mi", "count": 512, "node": 0}]}
KUBELET = {"cpuManagerPolicy": "static", "topologyManagerPolicy": "single-numa-node",
           "memoryManagerPolicy": "Static", "reservedSystemCPUs": "0-1"}


def facts(**changes):
    values = dict(
        cmdline=PREPARED_CMDLINE, online=frozenset(range(8)), isolated="2-7\n", nohz_full="2-7\n",
        node_pools={0: {2048: (512, 448), 1048576: (2, 2)}, 1: {2048: (0, 0), 1048576: (2, 2)}},
        global_pools={2048: 512, 1048576: 4}, default_page_kib=2048,
        mounts=(("/dev/hugepages", None), ("/dev/hugepages1G", 1048576), ("/dev/hugepages2M", 2048)),
        kvm={"usable": True, "problem": None}, kubelet=dict(KUBELET),
        kubelet_files=("/var/lib/kubelet/config.yaml",))
    values.update(changes)
    return HostFacts(**values)


def statuses(found):
    return dict(("%s %s" % (f["check"], f["subject"]), f["status"]) for f in found)


def test_a_prepared_host_is_ready():
    found = readiness(facts(), read_wanted(WANTED))
    assert set(f["status"] for f in found) == {"ok"}, [f for f in found if f["status"] != "ok"]
    assert statuses(found) == {
        "kvm /dev/kvm": "ok", "kernel_arguments cpu isolation": "ok", "kernel_arguments hugepages": "ok",
        "isolated_cpus /sys/devices/system/cpu/isolated": "ok",
        "isolated_cpus /sys/devices/system/cpu/nohz_full": "ok",
        "hugepage_pools 1Gi (boot time, all nodes)": "ok", "hugepage_pools node 0 2Mi": "ok",
        "hugetlbfs_mounts /dev/hugepages1G": "ok", "hugetlbfs_mounts /dev/hugepages2M": "ok",
        "kubelet cpuManagerPolicy": "ok", "kubelet topologyManagerPolicy": "ok",
        "kubelet memoryManagerPolicy": "ok", "kubelet reservedSystemCPUs": "ok"}


def test_a_host_not_rebooted_lacks_the_arguments():
    found = readiness(facts(cmdline="BOOT_IMAGE=/vmlinuz ro quiet isolcpus=2-3", isolated="2-3\n",
                            nohz_full=None), read_wanted(WANTED))
    by_subject = dict((f["subject"], f) for f in found)
    isolation = by_subject["cpu isolation"]
    assert isolation["status"] == "fail"
    assert "lacks isolcpus=managed_irq,domain,2-7 nohz_full=2-7" in isolation["message"]
    assert "has instead isolcpus=2-3" in isolation["message"]
    assert by_subject["hugepages"]["actual"] == []
    assert by_subject["/sys/devices/system/cpu/isolated"]["status"] == "fail"
    assert by_subject["/sys/devices/system/cpu/nohz_full"]["status"] == "warn"


def test_short_pools_unmounted_sizes_and_a_default_kubelet():
    found = readiness(facts(node_pools={0: {2048: (100, 100)}}, global_pools={2048: 100},
                            mounts=(("/dev/hugepages", None),), kubelet={"cpuManagerPolicy": "none"},
                            kvm={"usable": False, "problem": "/dev/kvm is missing"}),
                      read_wanted(WANTED))
    result = statuses(found)
    assert result["kvm /dev/kvm"] == "fail"
    assert result["hugepage_pools node 0 2Mi"] == "fail"
    assert result["hugepage_pools 1Gi (boot time, all nodes)"] == "fail"  # no 1Gi pool at all
    assert result["hugetlbfs_mounts /dev/hugepages1G"] == "fail"
    assert result["hugetlbfs_mounts /dev/hugepages2M"] == "warn"  # the default-size mount has 2Mi
    assert result["kubelet cpuManagerPolicy"] == "fail"
    assert result["kubelet reservedSystemCPUs"] == "fail"


def test_offline_isolated_cpus_are_a_finding_not_an_error():
    found = readiness(facts(online=frozenset(range(4))), read_wanted(WANTED))
    isolation = [f for f in found if f["subject"] == "cpu isolation"][0]
    assert isolation["status"] == "fail" and "not online" in isolation["message"]


def test_no_wishes_no_kubelet_skips():
    found = readiness(facts(kubelet=None, kubelet_files=()), read_wanted({}))
    result = statuses(found)
    assert result["isolated_cpus cpu isolation"] == "skip"
    assert result["kubelet configuration"] == "skip"
    assert result["hugetlbfs_mounts hugetlbfs"] == "skip"
    assert "node 0 2Mi: 512 (448 free)" in [f for f in found if f["check"] == "hugepage_pools"][0]["message"]


def test_extra_kernel_arguments():
    found = readiness(facts(), read_wanted({"kernel_arguments": ["quiet", "intel_iommu=on"]}))
    result = statuses(found)
    assert (result["kernel_arguments quiet"], result["kernel_arguments intel_iommu=on"]) == ("ok", "fail")


def test_kubelet_drop_ins_win_over_the_config_file():
    settings, problem = kubelet_configuration([
        ("/var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\n"
                                         "kind: KubeletConfiguration\ncpuManagerPolicy: none\n"),
        ("/etc/kubernetes/kubelet.conf.d/50-vmpod-cpu-isolation.conf",
         "cpuManagerPolicy: static\nreservedSystemCPUs: \"0-1\"\n")])
    assert problem is None
    assert settings["cpuManagerPolicy"] == "static" and settings["reservedSystemCPUs"] == "0-1"
    settings, problem = kubelet_configuration([("/var/lib/kubelet/config.yaml", "- a\n")])
    assert settings is None and "not a KubeletConfiguration" in problem


@pytest.mark.parametrize("params, message", [
    ({"cpu_isolation_isolated": "2-7"}, "cpu_isolation_reserved is required"),
    ({"cpu_isolation_isolated": "2-x", "cpu_isolation_reserved": "0"}, "cpu_isolation_isolated: '2-x'"),
    ({"hugepages_pages": [{"size": "3Mi", "count": 1}]}, "hugepages_pages[0].size: '3Mi'"),
    ({"hugepages_mount": "yes"}, "hugepages_mount: 'yes' is not a boolean"),
    ({"kernel_arguments": ["a b"]}, "kernel_arguments[0]: 'a b'"),
    ({"cpu_isolation_kubelet_topology_manager_policy": "numa"}, "'numa' is not one of"),
])
def test_bad_wishes_name_the_variable(params, message):
    with pytest.raises(VmpodInputError) as err:
        read_wanted(params)
    assert message in str(err.value)
