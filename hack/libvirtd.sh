#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# libvirtd with QEMU/KVM and 2Mi hugepages on this machine (Debian, root, no systemd), for the
# integration tests and the demo.  Idempotent: each step is done only when it is missing.
#
#   hack/libvirtd.sh [start] [PAGES]   Debian packages when missing; /dev/kvm for group kvm;
#                                      hugetlbfs (pagesize=2M) mounted at /dev/hugepages; at least
#                                      PAGES free 2Mi hugepages (default $VMPOD_HUGEPAGES or 0);
#                                      virtlogd and libvirtd started when not running; waits until
#                                      libvirtd answers on qemu:///system.
#   hack/libvirtd.sh install           Only the Debian packages, when missing (for hack/setup.sh).
#   hack/libvirtd.sh stop              Undoes what `start` did, and only that: stops the daemons
#                                      it started, gives back the hugepages it added, unmounts the
#                                      hugetlbfs it mounted.  Domains are left alone.
#   hack/libvirtd.sh release           Gives back only the hugepages `start` added (daemons and
#                                      mount stay): for a caller that found libvirtd running.
#   hack/libvirtd.sh status            Exit 0 when libvirtd answers on qemu:///system.
#
# What `start` did is recorded under .build/libvirtd/, which `stop` reads.  Daemons found already
# running are used as they are and never stopped.  Guests get no network: the `default` libvirt
# network that Debian's package marks for autostart (a bridge with a non-loopback address) is
# unmarked before libvirtd first starts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.build/libvirtd"
URI="qemu:///system"
SOCKET=/run/libvirt/libvirt-sock
HUGETLBFS=/dev/hugepages
PAGES_2M=/sys/kernel/mm/hugepages/hugepages-2048kB
PACKAGES=(libvirt-daemon-system qemu-system-x86 qemu-utils libvirt-clients)

log() { printf 'libvirtd.sh: %s\n' "$*" >&2; }
# shellcheck source=hack/debian-packages.sh
. "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh"
die() { log "$*"; exit 1; }

# The pid in a daemon's pid file, when that process is alive and is that daemon.
daemon_pid() {
    local name=$1 pid
    pid="$(cat "/run/$name.pid" 2>/dev/null || true)"
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" == "$name" ]] || return 1
    printf '%s\n' "$pid"
}

answers() { virsh -q -c "$URI" version >/dev/null 2>&1; }

install_packages() {
    install_debian_packages "${PACKAGES[@]}"
}

prepare_kvm() {
    [[ -c /dev/kvm ]] || die "/dev/kvm is missing: this machine offers no KVM"
    getent group kvm >/dev/null || groupadd --system kvm
    # Without udev nobody applies Debian's rule (group kvm, 0660) that QEMU, run by libvirt as
    # libvirt-qemu (a member of kvm), relies on.
    if [[ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ]]; then
        chgrp kvm /dev/kvm
        chmod 0660 /dev/kvm
    fi
}

# Debian marks the `default` network for autostart on install; it would bring up virbr0 with
# 192.168.122.1 (and needs dnsmasq, which we do not install).  Guests here use no network.
no_default_network() {
    local link=/etc/libvirt/qemu/networks/autostart/default.xml
    if [[ -L $link ]]; then
        log "unmarking libvirt's default network for autostart (guests here get no network)"
        rm -f "$link"
    fi
}

mount_hugetlbfs() {
    # libvirtd looks for hugetlbfs mounts when it starts: mount before starting it.
    if awk -v dir="$HUGETLBFS" '$2 == dir && $3 == "hugetlbfs" { found = 1 } END { exit !found }' \
            /proc/mounts; then
        return 0
    fi
    mkdir -p "$HUGETLBFS"
    mount -t hugetlbfs -o pagesize=2M hugetlbfs "$HUGETLBFS"
    printf '%s\n' "$HUGETLBFS" >"$STATE/mounted"
    log "mounted hugetlbfs (2M) at $HUGETLBFS"
}

# At least $1 free 2Mi pages in the pool; what is added is recorded for `stop`.
reserve_hugepages() {
    local want=$1 free total added target now
    ((want > 0)) || return 0
    [[ -d $PAGES_2M ]] || die "this kernel has no 2Mi hugepages ($PAGES_2M)"
    free="$(cat "$PAGES_2M/free_hugepages")"
    ((free < want)) || return 0
    total="$(cat "$PAGES_2M/nr_hugepages")"
    target=$((total + want - free))
    echo "$target" >"$PAGES_2M/nr_hugepages"
    now="$(cat "$PAGES_2M/nr_hugepages")"
    added="$(cat "$STATE/hugepages-added" 2>/dev/null || echo 0)"
    echo $((added + now - total)) >"$STATE/hugepages-added"
    if ((now < target)); then
        die "asked the kernel for $target 2Mi hugepages, it gave $now (memory too fragmented?)"
    fi
    log "2Mi hugepages: $total -> $now ($want free)"
}

start_daemon() {
    local name=$1
    if daemon_pid "$name" >/dev/null; then return 0; fi
    mkdir -p /run/libvirt
    "$name" -d
    touch "$STATE/started-$name"
    log "started $name"
}

wait_for_libvirtd() {
    local tries=0
    until [[ -S $SOCKET ]] && answers; do
        ((tries++ < 100)) || die "libvirtd does not answer on $URI after 20 s"
        sleep 0.2
    done
}

start() {
    local pages=${1:-${VMPOD_HUGEPAGES:-0}}
    [[ $pages =~ ^[0-9]+$ ]] || die "PAGES: '$pages' is not a number of 2Mi hugepages"
    [[ $(id -u) -eq 0 ]] || die "start needs root (/dev/kvm, hugetlbfs, hugepages, libvirtd)"
    mkdir -p "$STATE"
    install_packages
    prepare_kvm
    local mounted_before=1
    [[ -e $STATE/mounted ]] || mounted_before=0
    mount_hugetlbfs
    reserve_hugepages "$pages"
    if daemon_pid libvirtd >/dev/null && ((!mounted_before)) && [[ -e $STATE/mounted ]]; then
        if [[ -e $STATE/started-libvirtd ]]; then
            log "restarting libvirtd so that it sees $HUGETLBFS"
            stop_daemon libvirtd
        else
            log "warning: libvirtd was already running before $HUGETLBFS was mounted;" \
                "restart it before defining hugepage-backed domains"
        fi
    fi
    no_default_network
    start_daemon virtlogd
    start_daemon libvirtd
    wait_for_libvirtd
}

stop_daemon() {
    local name=$1 pid tries=0
    if pid="$(daemon_pid "$name")"; then
        kill "$pid"
        while kill -0 "$pid" 2>/dev/null; do
            ((tries++ < 100)) || die "$name ($pid) did not stop within 10 s"
            sleep 0.1
        done
        log "stopped $name ($pid)"
    fi
    rm -f "$STATE/started-$name"
}

release_hugepages() {
    local added total
    added="$(cat "$STATE/hugepages-added" 2>/dev/null || echo 0)"
    ((added > 0)) || return 0
    total="$(cat "$PAGES_2M/nr_hugepages")"
    # The kernel frees only pages no one uses; pages still in use stay until their owner exits.
    echo $((total > added ? total - added : 0)) >"$PAGES_2M/nr_hugepages"
    log "2Mi hugepages: $total -> $(cat "$PAGES_2M/nr_hugepages")"
    rm -f "$STATE/hugepages-added"
}

stop() {
    local name running
    [[ -d $STATE ]] || return 0
    if [[ -e $STATE/started-libvirtd ]] && answers; then
        running="$(virsh -q -c "$URI" list --name | grep -c . || true)"
        ((running == 0)) || log "warning: $running domain(s) still running; QEMU keeps running"
    fi
    for name in libvirtd virtlogd; do
        if [[ -e $STATE/started-$name ]]; then stop_daemon "$name"; fi
    done
    release_hugepages
    if [[ -e $STATE/mounted ]]; then
        umount "$(cat "$STATE/mounted")" && rm -f "$STATE/mounted"
    fi
}

case "${1:-start}" in
    start) start "${2:-}" ;;
    install) install_packages ;;
    stop | cleanup) stop ;;
    release) release_hugepages ;;
    status) answers ;;
    *) die "usage: hack/libvirtd.sh [start [PAGES] | install | stop | release | status]" ;;
esac
