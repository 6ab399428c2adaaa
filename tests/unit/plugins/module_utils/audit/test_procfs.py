# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A QEMU process's memory from /proc, on texts taken from a real QEMU 7.2 on this machine:
a 128Mi guest in 2Mi hugepages (memfd backend, hugetlb, so its RAM is not in Rss: see
Documentation/filesystems/proc.rst, "Rss" and "Private_Hugetlb"), and a 1Gi TCG guest with two
512Mi RAM backends (two guest NUMA cells)."""

from ansible_collections.vmpod.core.plugins.module_utils.audit.procfs import (
    hugetlb_pages_per_node, hugetlbfs_mounts, process_memory, qemu_accelerator, qemu_guest,
    smaps_mappings, thread_placement, vm_cgroup)


def mapping(start, name, size, rss, hugetlb=0):
    return ("%012x-%012x rw-p 00000000 00:00 0                          %s\n"
            "Size:           %8d kB\nKernelPageSize:        4 kB\nRss:            %8d kB\n"
            "Pss:            %8d kB\nShared_Hugetlb:        0 kB\nPrivate_Hugetlb: %8d kB\n"
            "VmFlags: rd wr mr mw me ac sd\n" % (start, start + size * 1024, name, size, rss, rss,
                                                 hugetlb))


HUGEPAGE_GUEST = (
    mapping(0x55a0d3f14000, "/usr/bin/qemu-system-x86_64", 4124, 4124)
    + mapping(0x55a0d5000000, "[heap]", 20480, 15000)
    + mapping(0x7fe8afe00000, "/memfd:memory-backend-memfd (deleted)", 131072, 0, 131072)
    + mapping(0x7fe8c0000000, "/usr/lib/x86_64-linux-gnu/libc.so.6", 18244, 18244))

TCG_GUEST = (
    mapping(0x55a0d3f14000, "/usr/bin/qemu-system-x86_64", 4124, 4124)
    + mapping(0x7f0000000000, "", 524288, 165888)
    + mapping(0x7f0100000000, "", 524288, 182272)
    + mapping(0x7f0200000000, "", 65532, 65532))


def test_smaps_fields_per_mapping():
    found = smaps_mappings(HUGEPAGE_GUEST)
    assert [(m.name, m.size_kib, m.rss_kib, m.hugetlb_kib) for m in found] == [
        ("/usr/bin/qemu-system-x86_64", 4124, 4124, 0), ("[heap]", 20480, 15000, 0),
        ("/memfd:memory-backend-memfd (deleted)", 131072, 0, 131072),
        ("/usr/lib/x86_64-linux-gnu/libc.so.6", 18244, 18244, 0)]


def test_hugepage_guest_ram_is_hugetlb_and_all_rss_is_overhead():
    memory = process_memory(HUGEPAGE_GUEST, 131072)
    assert (memory.rss, memory.guest_rss, memory.hugetlb, memory.guest_mappings) == (
        4124 + 15000 + 18244, 0, 131072, 1)
    assert memory.overhead == 4124 + 15000 + 18244


def test_guest_ram_split_over_two_backends_is_found_whole():
    memory = process_memory(TCG_GUEST, 1048576)
    assert memory.guest_mappings == 2
    assert memory.guest_rss == 165888 + 182272
    assert memory.overhead == 4124 + 65532


def test_no_guest_ram_mapping_counts_everything():
    memory = process_memory(TCG_GUEST, 2097152)
    assert (memory.guest_mappings, memory.guest_rss) == (0, 0)
    assert memory.overhead == memory.rss


def test_numa_maps_hugetlb_pages_per_node():
    text = ("55a0d3f14000 default file=/usr/bin/qemu-system-x86_64 mapped=1031 active=0 N0=1031 "
            "kernelpagesize_kB=4\n"
            "7fe8afe00000 bind:0 file=/memfd:memory-backend-memfd\\040(deleted) huge dirty=64 N0=64 "
            "kernelpagesize_kB=2048\n"
            "7fe900000000 bind:1 file=/memfd:ram-node1 huge dirty=3 N1=2 N0=1 kernelpagesize_kB=1048576\n")
    assert hugetlb_pages_per_node(text) == {(0, 2048): 64, (1, 1048576): 2, (0, 1048576): 1}


def test_vm_cgroup_libvirt_cgroupfs_v1_takes_the_memory_controller():
    text = ("9:name=systemd:/\n4:memory:/machine/qemu-4-vmpod-audit-probe.libvirt-qemu\n"
            "3:cpuset:/machine/qemu-4-vmpod-audit-probe.libvirt-qemu/emulator\n"
            "0::/machine/qemu-4-vmpod-audit-probe.libvirt-qemu/emulator\n")
    cgroup = vm_cgroup(text)
    assert (cgroup.version, cgroup.path) == (1, "/machine/qemu-4-vmpod-audit-probe.libvirt-qemu")
    assert cgroup.files() == (
        "memory/machine/qemu-4-vmpod-audit-probe.libvirt-qemu/memory.usage_in_bytes",
        "memory/machine/qemu-4-vmpod-audit-probe.libvirt-qemu/memory.max_usage_in_bytes")


def test_vm_cgroup_systemd_scope_v2_is_the_scope_not_the_emulator_child():
    text = "0::/machine.slice/machine-qemu\\x2d1\\x2dlab_vm.scope/libvirt/emulator\n"
    cgroup = vm_cgroup(text)
    assert (cgroup.version, cgroup.path) == (2, "/machine.slice/machine-qemu\\x2d1\\x2dlab_vm.scope")
    assert cgroup.files()[1].endswith(".scope/memory.peak")


def test_vm_cgroup_of_a_launcher_pod_is_the_pod():
    pod = ("/kubepods.slice/kubepods-pod3f0e8a52_1c2d_4e5f_8a9b_0c1d2e3f4a5b.slice/"
           "cri-containerd-0123abcd.scope")
    assert vm_cgroup("0::" + pod + "\n").path == pod.rsplit("/", 1)[0]


def test_vm_cgroup_of_a_launcher_pod_with_the_cgroupfs_driver_v1():
    text = ("12:memory:/kubepods/pod3f0e8a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b/0123abcd\n"
            "0::/kubepods/pod3f0e8a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b/0123abcd\n")
    cgroup = vm_cgroup(text)
    assert (cgroup.version, cgroup.path) == (1, "/kubepods/pod3f0e8a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b")


def test_vm_cgroup_none_outside_a_vm():
    assert vm_cgroup("0::/user.slice/user-0.slice/session-1.scope\n") is None


def test_hugetlbfs_mounts_with_their_page_size():
    text = ("proc /proc proc rw 0 0\nhugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n"
            "none /dev/hugepages1G hugetlbfs rw,pagesize=1024M 0 0\nnone /mnt/h hugetlbfs rw 0 0\n")
    assert hugetlbfs_mounts(text) == [("/dev/hugepages", 2048), ("/dev/hugepages1G", 1048576),
                                      ("/mnt/h", None)]


def test_qemu_accelerator():
    assert qemu_accelerator(["qemu-system-x86_64", "-machine", "pc-q35-7.2,usb=off", "-accel", "kvm"]) == "kvm"
    assert qemu_accelerator(["qemu-system-x86_64", "-accel", "tcg"]) == "tcg"
    assert qemu_accelerator(["qemu-system-x86_64", "-machine", "q35,accel=tcg"]) == "tcg"
    assert qemu_accelerator(["qemu-kvm", "-enable-kvm"]) == "kvm"
    assert qemu_accelerator(["qemu-kvm"]) is None


def test_qemu_guest_from_libvirts_command_line():
    arguments = ["/usr/bin/qemu-system-x86_64", "-name", "guest=lab_pinned-small,debug-threads=on",
                 "-S", "-m", "128", "-smp", "1"]
    assert qemu_guest(arguments) == ("lab_pinned-small", 131072)
    assert qemu_guest(["/usr/libexec/qemu-kvm", "-name", "guest=a,,b", "-m",
                       "size=4194304k,slots=16,maxmem=8G"]) == ("a,b", 4194304)
    assert qemu_guest(["/usr/bin/virtqemud", "--timeout", "120"]) is None
    assert qemu_guest(["/usr/bin/qemu-system-x86_64", "-m", "1G"]) is None  # no guest name


def status(cpus, mems="0"):
    return "Name:\tx\nCpus_allowed:\t3\nCpus_allowed_list:\t%s\nMems_allowed_list:\t%s\n" % (cpus, mems)


def test_thread_placement_of_a_pinned_guest():
    # the threads of the pinned-small domain under libvirt 9.0, QEMU 7.2 (debug-threads=on)
    threads = [(29916, "qemu-system-x86\n", status("0-1")), (29920, "call_rcu\n", status("0-1")),
               (29921, "TC tc-ram-node0\n", status("0-1")), (29922, "IO mon_iothread\n", status("0-1")),
               (29923, "CPU 0/KVM\n", status("0")), (29925, "kvm-nx-lpage-re\n", status("0")),
               (29926, "IO iothread1\n", status("1"))]
    assert thread_placement(29916, threads) == {
        "source": "threads", "vcpupin": [0], "vcpu_cpusets": ["0"], "emulatorpin": "0-1",
        "iothreadpin": {"1": "1"}, "numatune": {"mode": "strict", "nodeset": "0"}, "memnodes": {}}


def test_thread_placement_unpinned_and_unnamed():
    threads = [(10, "qemu-kvm", status("0-3", "0-1")), (11, "CPU 0/KVM", status("0-3")),
               (12, "CPU 1/KVM", status("0-3"))]
    placement = thread_placement(10, threads)
    assert placement["vcpupin"] is None and placement["vcpu_cpusets"] == ["0-3", "0-3"]
    assert thread_placement(10, [(10, "qemu-kvm", status("0-3"))]) is None
