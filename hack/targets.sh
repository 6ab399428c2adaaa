#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# `ansible-test integration` on tests/integration/targets/ (the filters on the examples, the
# playbooks by their FQCN), from the local environment of a venv: .venv by default, or
# TARGETS_VENV (hack/matrix.sh runs it with each ansible-core release of the matrix).
#
# As for sanity (hack/sanity.sh), ansible-test wants the collection at
# .../ansible_collections/vmpod/core with a git repository of its own: the checkout's files are
# copied to .build/targets/<venv>/ansible_collections/vmpod/core.  Extra arguments go to
# ansible-test (e.g. `hack/targets.sh filters -v`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${TARGETS_VENV:-$ROOT/.venv}"
DEST="$ROOT/.build/targets/$(basename "$VENV")/ansible_collections/vmpod/core"

log() { printf 'targets: %s\n' "$*" >&2; }

[[ -x $VENV/bin/ansible-test ]] || { log "no $VENV/bin/ansible-test: run hack/setup.sh (make setup)"; exit 1; }

rm -rf "$DEST"
mkdir -p "$DEST"
(
    cd "$ROOT"
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
        done |
        tar --null --no-recursion -T - -cf -
) | tar -C "$DEST" -xf -
git -C "$DEST" -c init.defaultBranch=main init -q
git -C "$DEST" add -A

cd "$DEST"
log "ansible-test integration in ${DEST#"$ROOT"/} ($("$VENV/bin/python" -c 'import ansible.release as r; print("ansible-core", r.__version__)'))"
PATH="$VENV/bin:$PATH" "$VENV/bin/ansible-test" integration --local --color no "$@"
