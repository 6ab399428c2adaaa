#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Run the Molecule scenarios of extensions/molecule/ (the host roles on a real QEMU guest).
#
#   hack/molecule.sh                 every scenario, one after the other (one guest at a time)
#   hack/molecule.sh default         the named scenarios
#
# Each scenario runs as `molecule test -s NAME` with its working files in .build/molecule/NAME
# (not in ~/.ansible).
# Each scenario builds its guest with hack/test-guest.sh (the image is cached outside the work
# tree, see there) and boots it under QEMU TCG; it needs root for the first image build.
# Prints the time of each step and of the whole run, keeps each scenario's output in
# .build/molecule/NAME.log, and repeats the failed tasks of a failed scenario at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
cd "$ROOT"

[[ -x $VENV/bin/molecule ]] || { echo "molecule: no $VENV/bin/molecule: run make setup" >&2; exit 1; }
[[ -e $ROOT/.build/collections/ansible_collections/vmpod/core ]] ||
    { echo "molecule: no collection link under .build/: run make setup" >&2; exit 1; }

export PATH="$VENV/bin:$PATH"
# The collection from this checkout (hack/setup.sh links it), nothing from ~/.ansible.
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.build/collections"
export ANSIBLE_LOCAL_TEMP="$ROOT/.build/ansible-tmp"
export ANSIBLE_FORCE_COLOR=0
export PY_COLORS=0
export NO_COLOR=1

scenarios=("$@")
if ((${#scenarios[@]} == 0)); then
    for file in extensions/molecule/*/molecule.yml; do
        scenarios+=("$(basename "$(dirname "$file")")")
    done
fi

# What went wrong in a failed scenario, repeated at the very end of the output: CI logs are
# often read from the tail, and the failed task may be thousands of lines up.
report_failure() {
    local scenario=$1 log=$2 console="$ROOT/.build/molecule/$1-console.log"
    echo "molecule: scenario $scenario failed; its failed tasks and errors ($log):" >&2
    grep -n -B3 -A30 -E '^(fatal|failed): |^ERROR|CRITICAL|UNREACHABLE!' "$log" | tail -n 150 >&2 ||
        tail -n 60 "$log" >&2
    if [[ -s $console ]]; then
        echo "molecule: the end of the guest's serial console, all its boots ($console):" >&2
        tail -n 60 "$console" >&2
    fi
}

mkdir -p "$ROOT/.build/molecule"
started=$SECONDS
status=0
failed=()
for scenario in "${scenarios[@]}"; do
    scenario_started=$SECONDS
    log="$ROOT/.build/molecule/$scenario.log"
    # hack/test-guest.sh stop appends the guest's serial console here
    export VMPOD_TEST_GUEST_CONSOLE="$ROOT/.build/molecule/$scenario-console.log"
    rm -f "$VMPOD_TEST_GUEST_CONSOLE"
    rc=0
    # Each step's start and end with the seconds since the scenario started; all of it also
    # kept in the scenario's log.
    MOLECULE_EPHEMERAL_DIRECTORY="$ROOT/.build/molecule/$scenario" molecule test -s "$scenario" 2>&1 |
        while IFS= read -r line; do
            if [[ $line == *"] Executing"* || $line == *"] Executed"* ]]; then
                printf '[%5d s] %s\n' "$((SECONDS - scenario_started))" "$line"
            else
                printf '%s\n' "$line"
            fi
        done | tee "$log" || rc=$?
    echo "molecule: scenario $scenario: exit $rc after $((SECONDS - scenario_started)) s" >&2
    if ((rc != 0)); then
        status=$rc
        failed+=("$scenario")
    fi
done
for scenario in "${failed[@]}"; do
    report_failure "$scenario" "$ROOT/.build/molecule/$scenario.log"
done
echo "molecule: ${#scenarios[@]} scenario(s) in $((SECONDS - started)) s (exit $status)" >&2
exit "$status"
