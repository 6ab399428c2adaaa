#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# `ansible-test sanity` with the newest ansible-core (requirements-sanity-newest.txt), which needs
# Python >= 3.12: its checks are stricter than those of the release in requirements-dev.txt
# (for example validate-modules' bad-return-value-key since 2.20).
#
# The Python is the first found of python3.14, python3.13 and python3.12 on PATH, then pyenv's
# versions; with none the test is skipped with a message (exit 0), since there is nothing to run
# it with.  The venv is .build/venv-core-newest, rebuilt when the requirements file changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUIREMENTS="$ROOT/requirements-sanity-newest.txt"
VENV="$ROOT/.build/venv-core-newest"
STAMP="$VENV/.vmpod-requirements.sha256"

log() { printf 'sanity-newest: %s\n' "$*" >&2; }

# (a pyenv shim on PATH exists even when its version is not selected: each candidate must run)
find_python() {
    local candidate
    for candidate in python3.14 python3.13 python3.12 \
            "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3.1[2-9]; do
        if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return
        fi
    done
    return 1
}

if ! python="$(find_python)"; then
    log "SKIPPED: no Python >= 3.12 here (python3.12-3.14 on PATH or under pyenv), which the newest ansible-core needs"
    exit 0
fi
version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

want="$( { sha256sum "$REQUIREMENTS" | cut -d' ' -f1; "$python" -VV; echo "$VENV"; } | sha256sum | cut -d' ' -f1)"
if [[ $want != "$(cat "$STAMP" 2>/dev/null || true)" ]]; then
    log "creating ${VENV#"$ROOT"/} with $("$python" -V) and $(grep '^ansible-core==' "$REQUIREMENTS")"
    rm -rf "$VENV"
    "$python" -m venv "$VENV"
    log_file="$(mktemp)"
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input \
            -r "$REQUIREMENTS" >"$log_file" 2>&1; then
        grep -v "^WARNING: Location 'file:" "$log_file" >&2 || true
        rm -f "$log_file"
        log "pip install failed"
        exit 1
    fi
    rm -f "$log_file"
    printf '%s\n' "$want" >"$STAMP"
fi

SANITY_VENV="$VENV" SANITY_PYTHON="$version" exec bash "$ROOT/hack/sanity.sh" "$@"
