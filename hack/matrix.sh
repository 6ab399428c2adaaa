#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# The ansible-core version matrix beyond the pinned release (which `make unit`, `make
# integration` and `make sanity` run): on the oldest supported release (2.16) and the newest, the
# unit tests, `ansible-test integration` on tests/integration/targets/ (hack/targets.sh) and the
# installed collection (tests/integration/test_installed_collection.py: the tarball built,
# installed and run with that release's ansible-galaxy, ansible-playbook and ansible-doc); on
# 2.16 also ansible-test sanity (`make sanity-newest` runs it on the newest).
# A release with no Python here to run it is skipped with a message.
#
#   hack/matrix.sh [RELEASE...]     default: 2.16 newest
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/matrix-venv.sh
. "$ROOT/hack/matrix-venv.sh"

releases=("$@")
((${#releases[@]})) || releases=(2.16 newest)

cd "$ROOT"
for release in "${releases[@]}"; do
    matrix_venv "$release" || continue
    core="$("$MATRIX_VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)')"
    matrix_log "ansible-core $core on Python $MATRIX_PYTHON: unit tests"
    PATH="$MATRIX_VENV/bin:$PATH" "$MATRIX_VENV/bin/python" -m pytest tests/unit -q -p no:cacheprovider
    matrix_log "ansible-core $core on Python $MATRIX_PYTHON: ansible-test integration"
    TARGETS_VENV="$MATRIX_VENV" bash "$ROOT/hack/targets.sh"
    matrix_log "ansible-core $core on Python $MATRIX_PYTHON: the installed collection"
    # (pytest and the engine from the pinned venv; the Ansible commands from this release's)
    VMPOD_ANSIBLE_BIN="$MATRIX_VENV/bin" "$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider \
        tests/integration/test_installed_collection.py
    if [[ $release != newest ]]; then
        matrix_log "ansible-core $core on Python $MATRIX_PYTHON: ansible-test sanity"
        SANITY_VENV="$MATRIX_VENV" SANITY_PYTHON="$MATRIX_PYTHON" bash "$ROOT/hack/sanity.sh"
    fi
done
