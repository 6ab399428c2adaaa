# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Sourced by the hack/ scripts: install the Debian packages that are missing, and nothing else.
#
#   install_debian_packages PACKAGE...
#
# Uses the caller's log function.  Runs apt-get through sudo when not root; waits up to ten
# minutes for another apt-get (another script, or unattended upgrades) to let go of the lock.
# No recommends: they add a desktop's worth of QEMU UI and network helpers the scripts never use.
# Does nothing on a machine without dpkg.
# shellcheck shell=bash

install_debian_packages() {
    command -v dpkg-query >/dev/null 2>&1 || return 0
    local missing=() pkg sudo=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$pkg")
    done
    ((${#missing[@]})) || return 0
    log "installing Debian packages: ${missing[*]}"
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=600 update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}
