#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# The venvs of the ansible-core version matrix, sourced by hack/matrix.sh and
# hack/sanity-newest.sh.  `matrix_venv NAME` makes (or reuses) .build/venv-matrix-NAME from
# requirements-matrix-NAME.txt with a Python the release runs on, and sets MATRIX_VENV and
# MATRIX_PYTHON (its X.Y); it returns 1, with a message, when there is no such Python here.
# The venv is rebuilt when the requirements file or the Python changes.
#
#   release  controller Pythons   (ansible-core's support matrix)
#   2.16     3.10 - 3.12          the oldest that meta/runtime.yml's requires_ansible admits
#   newest   3.12 - 3.14          the newest release (2.21); requirements-dev.txt pins the third
#
# Pythons are looked for as pythonX.Y on PATH, then under pyenv; a pyenv shim on PATH exists even
# when its version is not selected, so each candidate must run.

MATRIX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/common.sh
. "$MATRIX_ROOT/hack/common.sh"

matrix_log() { printf 'matrix: %s\n' "$*" >&2; }

# the minor versions of Python 3 a release runs on, oldest first
matrix_pythons() {
    case $1 in
        2.16) echo 10 11 12 ;;
        newest) echo 12 13 14 ;;
        *) matrix_log "unknown release $1"; return 1 ;;
    esac
}

matrix_find_python() {
    local minor candidate
    # newest Python first: most users run the newest their release allows
    for minor in $(matrix_pythons "$1" | tr ' ' '\n' | sort -rn); do
        for candidate in "python3.$minor" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$minor".*/bin/python3."$minor"; do
            if "$candidate" -c "import sys, venv; sys.exit(sys.version_info[:2] != (3, $minor))" 2>/dev/null; then
                "$candidate" -c 'import sys; print(sys.executable)'
                return
            fi
        done
    done
    return 1
}

matrix_venv() {
    local name=$1 python want
    local requirements="$MATRIX_ROOT/requirements-matrix-$name.txt"
    MATRIX_VENV="$MATRIX_ROOT/.build/venv-matrix-$name"
    if ! python="$(matrix_find_python "$name")"; then
        matrix_log "SKIPPED $name: no Python 3.{$(matrix_pythons "$name" | tr ' ' ,)} here (on PATH or under pyenv)"
        return 1
    fi
    # shellcheck disable=SC2034  # (read by the scripts that source this file)
    MATRIX_PYTHON="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    want="$( { sha256sum "$requirements" | cut -d' ' -f1; "$python" -VV; echo "$MATRIX_VENV"; } | sha256sum | cut -d' ' -f1)"
    if [[ $want != "$(cat "$MATRIX_VENV/.vmpod-requirements.sha256" 2>/dev/null || true)" ]]; then
        matrix_log "creating ${MATRIX_VENV#"$MATRIX_ROOT"/} with $("$python" -V) and $(grep '^ansible-core==' "$requirements")"
        rm -rf "$MATRIX_VENV"
        "$python" -m venv "$MATRIX_VENV"
        if ! pip_install_quietly "$MATRIX_VENV/bin/python" "$requirements"; then
            matrix_log "pip install failed for $name"
            exit 1
        fi
        printf '%s\n' "$want" >"$MATRIX_VENV/.vmpod-requirements.sha256"
    fi
}
