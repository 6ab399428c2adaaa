#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# `ansible-test sanity` with the newest ansible-core (requirements-matrix-newest.txt), which needs
# Python >= 3.12: its checks are stricter than those of the release in requirements-dev.txt
# (for example validate-modules' bad-return-value-key since 2.20).  The venv is that of the
# version matrix (hack/matrix-venv.sh); with no such Python here the test is skipped with a
# message (exit 0), since there is nothing to run it with.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=hack/matrix-venv.sh
. "$ROOT/hack/matrix-venv.sh"

matrix_venv newest || exit 0
SANITY_VENV="$MATRIX_VENV" SANITY_PYTHON="$MATRIX_PYTHON" exec bash "$ROOT/hack/sanity.sh" "$@"
