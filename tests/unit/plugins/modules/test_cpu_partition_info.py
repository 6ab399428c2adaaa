# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.cpu_partition_info on a fake sysfs tree: 4 cores x 2 threads, siblings n and n+4."""

from ansible_collections.vmpod.core.plugins.modules import cpu_partition_info

from vmpod_modules import module_result


def fake_sysfs(root):
    base = root / "sys/devices/system/cpu"
    base.mkdir(parents=True)
    (base / "online").write_text("0-7\n")
    for cpu in range(8):
        topology = base / ("cpu%d" % cpu) / "topology"
        topology.mkdir(parents=True)
        (topology / "thread_siblings_list").write_text("%d,%d\n" % (cpu % 4, cpu % 4 + 4))
    return root


def run_module(capsys, **args):
    return module_result(cpu_partition_info.main, capsys, args)


def test_partition(capsys, tmp_path):
    result = run_module(capsys, isolated="1-3,5-7", reserved="4,0", sysfs_root=str(fake_sysfs(tmp_path)))
    assert not result["changed"]
    assert result["reserved"] == "0,4" and result["affinity"] == "0 4" and result["online"] == "0-7"
    assert result["kernel_arguments"] == [
        "isolcpus=managed_irq,domain,1-3,5-7", "nohz_full=1-3,5-7", "rcu_nocbs=1-3,5-7",
        "irqaffinity=0,4"]
    assert result["split_cores"] == []


def test_split_core_warns(capsys, tmp_path):
    result = run_module(capsys, isolated="1-7", reserved="0", sysfs_root=str(fake_sysfs(tmp_path)))
    assert len(result["split_cores"]) == 1
    assert result["split_cores"][0].startswith("CPUs 0,4 are hyper-thread siblings of one core")


def test_offline_cpu_fails_naming_the_option(capsys, tmp_path):
    result = run_module(capsys, isolated="1-8", reserved="0", sysfs_root=str(fake_sysfs(tmp_path)))
    assert result["failed"]
    assert result["msg"] == "isolated: '1-8' names CPUs 8 that are not online (online: 0-7)"
