#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Prepare a checkout of vmpod.core for development and CI.  Idempotent, and quick when done.
#
#   1. Debian packages that the Python packages need to build (installed only when missing).
#   2. .venv with the pinned tools of requirements-dev.txt.  The venv is rebuilt from scratch
#      whenever requirements-dev.txt (or the Python it was made with) changes; a stamp file in
#      .venv records the hash of what was installed.
#   3. .build/collections/ansible_collections/vmpod/core -> repository root, the layout in which
#      Ansible (ansible.cfg: collections_path) and `import ansible_collections.vmpod.core` find
#      the collection.  The repository's conftest.py makes the same link for pytest.
#
# Nothing is written to ~/.ansible.  Environment: PYTHON (default python3) picks the interpreter.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/requirements-dev.txt"
STAMP="$VENV/.vmpod-requirements.sha256"

log() { printf 'setup: %s\n' "$*" >&2; }
# shellcheck source=hack/debian-packages.sh
. "$ROOT/hack/debian-packages.sh"
# shellcheck source=hack/common.sh
. "$ROOT/hack/common.sh"

# --- 1. Debian build dependencies ------------------------------------------------------------
# Every package in requirements-dev.txt ships a wheel for CPython 3.11 on Linux, so only tools
# are listed: git and make for the scripts, shellcheck for ansible-test's `shellcheck` sanity
# test (which ansible-test skips, with a mere warning, when the program is missing); gcc,
# pkg-config and libvirt-dev to build libvirt-python (it ships no wheel); libvirt-clients and
# libxml2-utils for virt-xml-validate (which calls xmllint) in the rendering tests; qemu-utils
# for qemu-img, which vmpod.core.vm_storage runs (its unit tests use the real one).
DEBIAN_PACKAGES=(git make shellcheck gcc pkg-config libvirt-dev libvirt-clients libxml2-utils qemu-utils)

install_debian_packages "${DEBIAN_PACKAGES[@]}"

# --- 1b. libvirt and QEMU/KVM for tests/integration/test_libvirt_deploy.py (skipped without KVM)
if [[ -c /dev/kvm && $(id -u) -eq 0 ]]; then bash "$ROOT/hack/libvirtd.sh" install; fi

# --- 2. Python virtual environment -----------------------------------------------------------
# Pick the interpreter outside .venv (a PATH that already holds .venv/bin must not make the
# venv build itself from the venv it is about to delete).
PYTHON="${PYTHON:-python3}"
if [[ $PYTHON != */* ]]; then
    clean_path="$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$VENV/bin" | paste -sd: -)"
    PYTHON="$(PATH="$clean_path" command -v "$PYTHON")" || { log "no $PYTHON on PATH"; exit 1; }
fi
"$PYTHON" - <<'EOF' || { log "Python >= 3.11 is required (ansible-core 2.19 controller)"; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
EOF

# The venv depends on the requirements, the interpreter and its own path (scripts in .venv/bin
# carry absolute shebangs, so a moved or copied checkout needs a new one).
want="$( { sha256sum "$REQUIREMENTS" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; echo "$VENV"; } |
    sha256sum | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"

if [[ $want != "$have" || ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c '' 2>/dev/null; then
    log "creating .venv with $("$PYTHON" -V 2>&1) and installing requirements-dev.txt"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    if ! pip_install_quietly "$VENV/bin/python" "$REQUIREMENTS"; then
        log "pip install failed"
        exit 1
    fi
    "$VENV/bin/python" -m pip check --disable-pip-version-check >&2
    printf '%s\n' "$want" >"$STAMP"
    # (not `ansible --version`: that creates ~/.ansible/tmp)
    log "installed: ansible-core $("$VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)')"
else
    log ".venv is up to date"
fi

# --- 3. Collection layout --------------------------------------------------------------------
# A relative link, so that a copied or moved checkout still points at itself.
LINK_DIR="$ROOT/.build/collections/ansible_collections/vmpod"
mkdir -p "$LINK_DIR"
if [[ "$(readlink "$LINK_DIR/core" 2>/dev/null || true)" != "../../../.." ]]; then
    rm -rf "$LINK_DIR/core"
    ln -s ../../../.. "$LINK_DIR/core"
fi
[[ -f $LINK_DIR/core/galaxy.yml ]] || { log "collection link is broken: $LINK_DIR/core"; exit 1; }

# --- 4. kubernetes.core for the tests that read a (fake) cluster -----------------------------
# Galaxy is not reachable from CI, only package registries: the collection is taken from the
# `ansible` package's wheel on PyPI (it bundles kubernetes.core), at a pinned version checked by
# its hash, and only ansible_collections/kubernetes/core is unpacked beside the vmpod link.
# ansible 12.3.0 is the ansible-core 2.19 release line; it holds kubernetes.core 6.2.0
# (requires_ansible >= 2.16.0; Python needs: kubernetes, requests-oauthlib, jsonpatch, pinned in
# requirements-dev.txt).
ANSIBLE_WHEEL_VERSION=12.3.0
ANSIBLE_WHEEL_SHA256=cd156f82fa87f7a899212b0efa9f7ca3a24d609212de9f78428a572eb01e5414
KUBERNETES_CORE_VERSION=6.2.0
K8S_DIR="$ROOT/.build/collections/ansible_collections/kubernetes/core"
K8S_STAMP="$ROOT/.build/collections/.kubernetes-core-from-ansible-$ANSIBLE_WHEEL_VERSION"
if [[ ! -f $K8S_STAMP || ! -f $K8S_DIR/MANIFEST.json ]]; then
    log "unpacking kubernetes.core $KUBERNETES_CORE_VERSION from the ansible $ANSIBLE_WHEEL_VERSION wheel"
    wheel_dir="$ROOT/.build/wheels"
    mkdir -p "$wheel_dir"
    pins="$(mktemp)"
    printf 'ansible==%s --hash=sha256:%s\n' "$ANSIBLE_WHEEL_VERSION" "$ANSIBLE_WHEEL_SHA256" >"$pins"
    if ! "$VENV/bin/python" -m pip download --disable-pip-version-check --no-input --no-deps \
            --require-hashes -r "$pins" -d "$wheel_dir" >"$pins.log" 2>&1; then
        grep -v "^WARNING: Location 'file:" "$pins.log" >&2 || true
        rm -f "$pins" "$pins.log"
        log "could not download the ansible $ANSIBLE_WHEEL_VERSION wheel"
        exit 1
    fi
    rm -f "$pins" "$pins.log"
    rm -rf "$K8S_DIR" "$ROOT"/.build/collections/.kubernetes-core-from-ansible-*
    "$VENV/bin/python" - "$wheel_dir/ansible-$ANSIBLE_WHEEL_VERSION-py3-none-any.whl" \
        "$ROOT/.build/collections" "$KUBERNETES_CORE_VERSION" <<'PY'
import json, os, sys, zipfile
wheel, dest, version = sys.argv[1:]
prefix = "ansible_collections/kubernetes/core/"
with zipfile.ZipFile(wheel) as archive:
    members = [name for name in archive.namelist()
               if name.startswith(prefix) and ".." not in name.split("/")]
    found = json.loads(archive.read(prefix + "MANIFEST.json"))["collection_info"]["version"]
    if found != version:
        sys.exit("setup: the wheel holds kubernetes.core %s, not %s" % (found, version))
    archive.extractall(dest, members)
PY
    touch "$K8S_STAMP"
fi
