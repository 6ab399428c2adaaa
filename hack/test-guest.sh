#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# A bootable Debian bookworm test guest for the host roles' Molecule scenarios, and the
# containerDisk image of tests/integration/test_libvirt_host_guest.py (it has cloud-init).
#
#   hack/test-guest.sh build                 build the base disk image (or reuse the cached one)
#   hack/test-guest.sh start DIR [PORT]      boot a throw-away copy of it; state in DIR
#   hack/test-guest.sh stop DIR              power it off and remove DIR's disk and firmware
#   hack/test-guest.sh ssh DIR [COMMAND...]  run a command in a started guest
#
# The image is built without loop devices, so it works unprivileged in a container as long as
# the build runs as root (debootstrap and chroot need it):
#   debootstrap (minbase) -> mkfs.ext4 -d (root filesystem from the tree) -> an EFI system
#   partition made with mkfs.vfat -C + mtools holding a grub-mkstandalone BOOTX64.EFI that loads
#   the root filesystem's /boot/grub/grub.cfg -> sfdisk (GPT) on a plain file + dd of both.
# So the guest boots through a real bootloader: kernel arguments written to /etc/default/grub
# and update-grub inside the guest take effect on reboot.
#
# The guest runs under QEMU TCG (a Linux guest hangs under nested KVM on the CI machines) with
# two NUMA nodes (one CPU and half of the memory each), OVMF firmware, and user-mode networking:
# SSH is forwarded from 127.0.0.1:PORT, nothing else is exposed, and the guest reaches only what
# this machine reaches (the Debian mirror, for apt).  Its CPU is QEMU's `qemu64` with 1 GiB pages
# (`pdpe1gb`) and without `svm`: a host without hardware virtualisation, which is what the
# kvm_host role must handle cleanly.  (TCG's `max` model offers a nested SVM; `max,svm=off`
# boots a guest whose udevd and mounts fail, so it is not used.)
#
# Cache: the image, its SSH key and a stamp live in $VMPOD_TEST_GUEST_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/vmpod.core/test-guest), outside the work tree, so that a fresh
# clone on the same machine reuses it.  The stamp is the hash of the recipe (the build functions
# and package lists below): editing the recipe rebuilds the image.  `start` never writes to the base image (a qcow2 overlay per guest).
#
# Environment: VMPOD_TEST_GUEST_MEMORY (MiB, default 6144), VMPOD_TEST_GUEST_MIRROR,
# VMPOD_TEST_GUEST_BOOT_TIMEOUT (s, default 420), VMPOD_TEST_GUEST_CPU (QEMU -cpu).
set -euo pipefail

CACHE="${VMPOD_TEST_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmpod.core/test-guest}"
MIRROR="${VMPOD_TEST_GUEST_MIRROR:-http://deb.debian.org/debian}"
# 3 GiB per node: enough for a 1 GiB boot-time hugepage on a node (the kernel's early
# allocations take the top of each node; with 2 GiB nodes no aligned 1 GiB block is left).
MEMORY_MIB="${VMPOD_TEST_GUEST_MEMORY:-6144}"
BOOT_TIMEOUT="${VMPOD_TEST_GUEST_BOOT_TIMEOUT:-420}"
# A CPU without VT-x/AMD-V, with 1 GiB pages.
CPU_MODEL="${VMPOD_TEST_GUEST_CPU:-qemu64,+pdpe1gb,-svm}"
SUITE=bookworm
IMAGE="$CACHE/disk.raw"
KEY="$CACHE/id_ed25519"
STAMP="$CACHE/stamp"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

# Build machine packages (Debian names) and the guest's packages.
HOST_PACKAGES=(debootstrap e2fsprogs grub-efi-amd64-bin mtools dosfstools fdisk ovmf
    qemu-system-x86 qemu-utils openssh-client)
GUEST_PACKAGES=(linux-image-cloud-amd64 systemd-sysv udev openssh-server python3 python3-apt
    ifupdown isc-dhcp-client iproute2 kmod procps sudo ca-certificates
    grub2-common grub-efi-amd64-bin)
# Installed with apt-get in the tree after debootstrap, whose own configuration of them fails
# (python3-cryptography): cloud-init, for the libvirt-host guest test (NoCloud seeds only).
LATER_PACKAGES=(cloud-init)
DISK_SIZE_MIB=6144
ESP_SIZE_MIB=32

log() { printf 'test-guest: %s\n' "$*" >&2; }
# shellcheck source=hack/debian-packages.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh"
die() { log "$*"; exit 1; }

# The image depends on the recipe only: the functions that build it and the package lists.
recipe_hash() {
    { declare -f configure_tree build; echo "$SUITE $MIRROR ${GUEST_PACKAGES[*]} ${LATER_PACKAGES[*]}";
        echo "$DISK_SIZE_MIB $ESP_SIZE_MIB"; } | sha256sum | cut -d' ' -f1
}

install_host_packages() {
    install_debian_packages "${HOST_PACKAGES[@]}"
}

# Files of the guest's root tree (written before mkfs.ext4 -d copies the tree).
configure_tree() {
    local tree=$1 root_uuid=$2 kernel initrd
    echo vmpod-guest >"$tree/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 vmpod-guest\n' >"$tree/etc/hosts"
    printf 'UUID=%s / ext4 errors=remount-ro 0 1\n' "$root_uuid" >"$tree/etc/fstab"
    cat >"$tree/etc/network/interfaces" <<'EOF'
auto lo
iface lo inet loopback

allow-hotplug ens3
iface ens3 inet dhcp

allow-hotplug eth0
iface eth0 inet dhcp
EOF
    cat >"$tree/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
EOF
    # cloud-init looks for a NoCloud seed only (tests/integration/test_libvirt_host_guest.py
    # gives one); without one, as in the Molecule scenarios, ds-identify turns it off.
    printf 'datasource_list: [ NoCloud ]\n' >"$tree/etc/cloud/cloud.cfg.d/90-vmpod.cfg"
    install -d -m 0700 "$tree/root/.ssh"
    install -m 0600 "$KEY.pub" "$tree/root/.ssh/authorized_keys"
    # One boot entry, no menu; serial console for the log QEMU writes.
    cat >"$tree/etc/default/grub" <<'EOF'
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_TIMEOUT_STYLE=hidden
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="console=ttyS0 net.ifnames=0"
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"
GRUB_DISABLE_OS_PROBER=true
EOF
    kernel="$(find "$tree/boot" -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sort -V | tail -n1)"
    initrd="initrd.img-${kernel#vmlinuz-}"
    [[ -f $tree/boot/$initrd ]] || die "no $initrd in the guest tree"
    # The first grub.cfg, by hand (update-grub in the guest replaces it).
    mkdir -p "$tree/boot/grub"
    cat >"$tree/boot/grub/grub.cfg" <<EOF
set timeout=0
search --no-floppy --fs-uuid --set=root $root_uuid
linux /boot/$kernel root=UUID=$root_uuid ro console=ttyS0 net.ifnames=0
initrd /boot/$initrd
boot
EOF
    # Quicker boots under TCG: no waiting for network interfaces that never come.
    rm -f "$tree/etc/systemd/system/network-online.target.wants/"* 2>/dev/null || true
    # Host keys generated now: sshd starts without entropy waits.
    chroot "$tree" ssh-keygen -A >/dev/null
    # The package lists stay: check mode (apt without update) needs them to know the packages.
    rm -f "$tree/var/cache/apt/archives/"*.deb
}

build() {
    install_host_packages
    if [[ -f $IMAGE && -f $KEY && "$(cat "$STAMP" 2>/dev/null)" == "$(recipe_hash)" ]]; then
        log "using the cached image $IMAGE"
        return 0
    fi
    [[ $(id -u) -eq 0 ]] || die "building the image needs root (debootstrap, chroot)"
    local started=$SECONDS work root_uuid esp_sectors root_start total_sectors
    mkdir -p "$CACHE"
    work="$(mktemp -d "$CACHE/build.XXXXXX")"
    # shellcheck disable=SC2064  # expand now: the trap must remove this build's directory
    trap "rm -rf '$work'" EXIT
    rm -f "$KEY" "$KEY.pub"
    ssh-keygen -q -t ed25519 -N '' -C vmpod-test-guest -f "$KEY"
    root_uuid="$(cat /proc/sys/kernel/random/uuid)"

    log "debootstrap $SUITE ($MIRROR)"
    local packages
    packages="$(IFS=,; echo "${GUEST_PACKAGES[*]}")"
    debootstrap --variant=minbase --include="$packages" "$SUITE" "$work/tree" "$MIRROR" \
        >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    log "apt-get install ${LATER_PACKAGES[*]} (in the tree)"
    chroot "$work/tree" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${LATER_PACKAGES[@]}" >"$work/apt.log" 2>&1 ||
        { tail -n 30 "$work/apt.log" >&2; die "apt-get install in the tree failed"; }
    configure_tree "$work/tree" "$root_uuid"

    log "root filesystem (mkfs.ext4 -d)"
    local root_mib=$((DISK_SIZE_MIB - ESP_SIZE_MIB - 2))
    mkfs.ext4 -q -F -L vmpod-root -U "$root_uuid" -d "$work/tree" "$work/root.img" "${root_mib}M"

    log "EFI system partition (grub-mkstandalone, mtools)"
    # The prefix stays in the image's memdisk, which holds every GRUB module: the grub.cfg that
    # update-grub writes loads modules (test, sleep ...) the root filesystem does not have.
    cat >"$work/embedded.cfg" <<EOF
search --no-floppy --fs-uuid --set=root $root_uuid
configfile (\$root)/boot/grub/grub.cfg
EOF
    grub-mkstandalone -O x86_64-efi -o "$work/BOOTX64.EFI" \
        --modules="part_gpt ext2 fat search search_fs_uuid configfile linux normal serial test" \
        "boot/grub/grub.cfg=$work/embedded.cfg"
    mkfs.vfat -C "$work/esp.img" $((ESP_SIZE_MIB * 1024)) >/dev/null
    mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
    mcopy -i "$work/esp.img" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

    log "disk (sfdisk GPT, dd)"
    esp_sectors=$((ESP_SIZE_MIB * 2048))
    root_start=$((2048 + esp_sectors))
    total_sectors=$((DISK_SIZE_MIB * 2048))
    truncate -s "${DISK_SIZE_MIB}M" "$work/disk.raw"
    sfdisk -q "$work/disk.raw" <<EOF
label: gpt
start=2048, size=$esp_sectors, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=esp
start=$root_start, size=$((total_sectors - root_start - 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name=root
EOF
    dd if="$work/esp.img" of="$work/disk.raw" bs=512 seek=2048 conv=notrunc,sparse status=none
    dd if="$work/root.img" of="$work/disk.raw" bs=512 seek="$root_start" conv=notrunc,sparse \
        status=none
    mv "$work/disk.raw" "$IMAGE"
    recipe_hash >"$STAMP"
    log "built $IMAGE in $((SECONDS - started)) s"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ssh_args() {
    local dir=$1
    printf '%s\n' -i "$KEY" -p "$(cat "$dir/port")" -o BatchMode=yes -o ConnectTimeout=10 \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1
}

guest_ssh() {
    local dir=$1
    shift
    local args
    mapfile -t args < <(ssh_args "$dir")
    # shellcheck disable=SC2029  # the command is meant to run in the guest as given
    ssh "${args[@]}" "$@"
}

start() {
    local dir=$1 port=${2:-}
    [[ -f $IMAGE ]] || build
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [[ -f $dir/qemu.pid ]] && kill -0 "$(cat "$dir/qemu.pid")" 2>/dev/null; then
        die "a guest already runs from $dir (pid $(cat "$dir/qemu.pid"))"
    fi
    [[ -n $port ]] || port="$(free_port)"
    echo "$port" >"$dir/port"
    cp "$OVMF_VARS" "$dir/OVMF_VARS.fd"
    rm -f "$dir/disk.qcow2" "$dir/console.log"
    qemu-img create -q -f qcow2 -b "$IMAGE" -F raw "$dir/disk.qcow2"
    local half=$((MEMORY_MIB / 2))
    log "booting the guest (TCG, 2 NUMA nodes, ${MEMORY_MIB} MiB), ssh on 127.0.0.1:$port"
    qemu-system-x86_64 -name vmpod-test-guest -machine pc -accel tcg,thread=multi -cpu "$CPU_MODEL" \
        -smp 2,sockets=2,cores=1,threads=1 -m "${MEMORY_MIB}M" \
        -object "memory-backend-ram,id=mem0,size=${half}M" \
        -object "memory-backend-ram,id=mem1,size=$((MEMORY_MIB - half))M" \
        -numa node,nodeid=0,cpus=0,memdev=mem0 -numa node,nodeid=1,cpus=1,memdev=mem1 \
        -drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" \
        -drive "if=pflash,format=raw,unit=1,file=$dir/OVMF_VARS.fd" \
        -drive "file=$dir/disk.qcow2,if=virtio,format=qcow2,cache=unsafe" \
        -netdev "user,id=net0,hostfwd=tcp:127.0.0.1:$port-:22" -device virtio-net-pci,netdev=net0 \
        -display none -vga none -serial "file:$dir/console.log" -monitor none \
        -pidfile "$dir/qemu.pid" -daemonize
    wait_ssh "$dir"
}

wait_ssh() {
    local dir=$1 started=$SECONDS
    while ((SECONDS - started < BOOT_TIMEOUT)); do
        if guest_ssh "$dir" true 2>/dev/null; then
            log "SSH answered after $((SECONDS - started)) s"
            return 0
        fi
        kill -0 "$(cat "$dir/qemu.pid")" 2>/dev/null || { tail -n 40 "$dir/console.log" >&2; die "QEMU exited"; }
        sleep 3
    done
    tail -n 40 "$dir/console.log" >&2
    die "no SSH after $BOOT_TIMEOUT s"
}

stop() {
    local dir=$1 pid
    if [[ -f $dir/qemu.pid ]]; then
        pid="$(cat "$dir/qemu.pid")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
        fi
        rm -f "$dir/qemu.pid"
    fi
    # The serial console of every boot of this guest, kept where the caller asks
    # (hack/molecule.sh: .build/molecule/NAME-console.log, which Molecule does not prune).
    if [[ -n ${VMPOD_TEST_GUEST_CONSOLE:-} && -f $dir/console.log ]]; then
        cat "$dir/console.log" >>"$VMPOD_TEST_GUEST_CONSOLE"
    fi
    rm -f "$dir/disk.qcow2" "$dir/OVMF_VARS.fd"
}

case "${1:-}" in
    build) build ;;
    start) [[ $# -ge 2 ]] || die "usage: $0 start DIR [PORT]"; start "$2" "${3:-}" ;;
    stop) [[ $# -ge 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
    ssh) [[ $# -ge 2 ]] || die "usage: $0 ssh DIR [COMMAND...]"; dir=$2; shift 2; guest_ssh "$dir" "$@" ;;
    key) echo "$KEY" ;;
    *) die "usage: $0 build | start DIR [PORT] | stop DIR | ssh DIR [COMMAND...] | key" ;;
esac
