#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# `ansible-test integration` on tests/integration/targets/ (the filters on the examples, the
# playbooks by their FQCN), from the local environment of a venv: .venv by default, or
# TARGETS_VENV (hack/matrix.sh runs it with each ansible-core release of the matrix).
#
# As for sanity (hack/sanity.sh), the checkout's files are copied to
# .build/targets/<venv>/ansible_collections/vmpod/core (copy_collection, hack/common.sh).
# Extra arguments go to ansible-test (e.g. `hack/targets.sh filters -v`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/common.sh
. "$ROOT/hack/common.sh"
VENV="${TARGETS_VENV:-$ROOT/.venv}"
DEST="$ROOT/.build/targets/$(basename "$VENV")/ansible_collections/vmpod/core"

log() { printf 'targets: %s\n' "$*" >&2; }

[[ -x $VENV/bin/ansible-test ]] || { log "no $VENV/bin/ansible-test: run hack/setup.sh (make setup)"; exit 1; }

copy_collection "$ROOT" "$DEST"

cd "$DEST"
log "ansible-test integration in ${DEST#"$ROOT"/} ($("$VENV/bin/python" -c 'import ansible.release as r; print("ansible-core", r.__version__)'))"
PATH="$VENV/bin:$PATH" "$VENV/bin/ansible-test" integration --local --color no "$@"
