#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Run `ansible-test sanity` on vmpod.core, offline-friendly (package registries only).
#
# ansible-test wants the collection at .../ansible_collections/vmpod/core and lists its files
# through git.  The checkout's own files (git ls-files, so uncommitted and untracked-but-not-
# ignored files count too) are copied to .build/sanity/<venv>/ansible_collections/vmpod/core, which
# gets its own git repository: without one, ansible-test would walk up to this checkout's .git,
# where .build/ is ignored, and find no files at all.
#
# Each sanity test runs in a virtual environment that ansible-test creates under
# ~/.ansible/test/venv/<test>/<python>/<hash of its requirements> and reuses on later runs.
# To create one it first downloads a pip bootstrap script from a host outside the package
# registries; we put a stand-in at the cache path it checks first (see write_get_pip below).
#
# Extra arguments are passed to ansible-test (e.g. `hack/sanity.sh --test pylint -v`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/common.sh
. "$ROOT/hack/common.sh"
# SANITY_VENV: a venv with another ansible-core (hack/sanity-newest.sh), SANITY_PYTHON its Python
VENV="${SANITY_VENV:-$ROOT/.venv}"
PYTHON_VERSION="${SANITY_PYTHON:-3.11}"
DEST="$ROOT/.build/sanity/$(basename "$VENV")/ansible_collections/vmpod/core"
CA_BUNDLE="${SANITY_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"

log() { printf 'sanity: %s\n' "$*" >&2; }

[[ -x $VENV/bin/ansible-test ]] || { log "no $VENV/bin/ansible-test: run hack/setup.sh (make setup)"; exit 1; }

# --- 1. the collection tree ------------------------------------------------------------------
copy_collection "$ROOT" "$DEST"

# --- 2. stand-in for the pip bootstrap script ------------------------------------------------
# ansible-test's bootstrap (ansible_test/_util/target/setup/requirements.py) runs
#   python ~/.ansible/test/cache/get_pip_<X_Y>.py --disable-pip-version-check pip==<X.Y> \
#          --no-setuptools --no-wheel
# in each new sanity venv (created without pip), with an environment reduced to HOME, LC_ALL and
# PATH.  <X.Y> is ansible_test._internal.python_requirements.get_venv_packages()['pip'].
# The stand-in installs the pip bundled with Python (ensurepip), then upgrades to the requested
# pip from the package index, naming the CA bundle because PIP_CERT is not passed through.
pip_version="$("$VENV/bin/python" - "$PYTHON_VERSION" <<'EOF'
import sys
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))['pip'])
EOF
)"
GET_PIP="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
MARKER='# vmpod.core stand-in for get-pip.py'

write_get_pip() {
    local cert_args=''
    if [[ -f $CA_BUNDLE ]]; then cert_args="'--cert', '$CA_BUNDLE', "; fi
    cat <<EOF
$MARKER (written by hack/sanity.sh; the real one cannot be downloaded here).
"""Bootstrap pip into an empty virtual environment from the package index."""
import ensurepip
import subprocess
import sys

args = sys.argv[1:]
pip_args = [a for a in args if a not in ('--no-setuptools', '--no-wheel')]
ensurepip.bootstrap(upgrade=True)
subprocess.check_call([sys.executable, '-m', 'pip', 'install', ${cert_args}'--quiet'] + pip_args)

# ensurepip of Python < 3.12 also installs setuptools: honour --no-setuptools like get-pip.py.
if '--no-setuptools' in args:
    subprocess.call([sys.executable, '-m', 'pip', 'uninstall', '--quiet', '--yes', 'setuptools'],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
EOF
}

if [[ ! -e $GET_PIP ]] || head -n1 "$GET_PIP" | grep -qF "$MARKER"; then
    # (re)write our own stand-in; a real get-pip.py someone saved there is left alone
    mkdir -p "$(dirname "$GET_PIP")"
    write_get_pip >"$GET_PIP.tmp"
    if ! cmp -s "$GET_PIP.tmp" "$GET_PIP"; then mv "$GET_PIP.tmp" "$GET_PIP"; else rm -f "$GET_PIP.tmp"; fi
fi

# --- 3. run ----------------------------------------------------------------------------------
# No tests/sanity/ignore-*.txt: every finding must be fixed, not ignored.
shopt -s nullglob
ignores=("$DEST"/tests/sanity/ignore-*.txt)
shopt -u nullglob
if ((${#ignores[@]})); then
    log "sanity ignore files are not allowed in this project: ${ignores[*]#"$DEST"/}"
    exit 1
fi

# Sanity tests that cannot run here.  None at present: all default tests run offline.
#  - shellcheck needs the shellcheck program: hack/setup.sh installs Debian's (without it
#    ansible-test only warns and skips the test).
#  - pslint needs pwsh, which no registry reachable here provides; it only looks at .ps1/.psm1
#    files and this collection has none, so it passes with nothing to check.
#  - changelog needs antsibull-changelog only once changelogs/config.yaml exists; it then
#    installs it from PyPI like the other tests' requirements.
SKIP_TESTS=()

skip_args=()
for t in "${SKIP_TESTS[@]}"; do skip_args+=(--skip-test "$t"); done

cd "$DEST"
log "ansible-test sanity in ${DEST#"$ROOT"/} (pip bootstrap: ${GET_PIP/#"$HOME"/\~})"
# When ansible-test creates a sanity venv, pip warns about every package that this machine's
# pip configuration (extra-index-url of local directories that may be absent) cannot find
# locally: drop those lines, keep everything else and ansible-test's exit status.
set +e
PATH="$VENV/bin:$PATH" "$VENV/bin/ansible-test" sanity \
    --requirements --python "$PYTHON_VERSION" --color no \
    "${skip_args[@]}" "$@" 2>&1 |
    grep --line-buffered -v "^WARNING: Location 'file:.*' is ignored: it is neither a file nor a directory\.$"
status=${PIPESTATUS[0]}
set -e
exit "$status"
