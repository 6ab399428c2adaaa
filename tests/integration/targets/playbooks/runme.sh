#!/usr/bin/env bash
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# The playbooks by their FQCN, from a directory of their own, as a user of the installed
# collection runs them, under `ansible-test integration`: outputs in the working directory, a
# second run changes nothing, check mode writes nothing.
set -euo pipefail

# (ansible-test points the configured interpreter nowhere: the playbooks' localhost uses its Python)
set -- -e "ansible_python_interpreter=${ANSIBLE_TEST_PYTHON_INTERPRETER:-$(command -v python3)}" "$@"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

recap() { grep -E '^localhost +: ok=' "$1"; }

ansible-playbook vmpod.core.launcher_resources "$@" | tee first.log
recap first.log | grep -q 'changed=3 .*failed=0'
"${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" - <<'PY'
import json
sized = json.load(open("out/launcher-resources.json"))
byname = {entry["name"]: entry for entry in sized}
assert byname["plain-fedora"]["requests"]["memory"] == "4613734401", byname["plain-fedora"]
assert len(sized) == 16, len(sized)
PY
ansible-playbook vmpod.core.launcher_resources "$@" > second.log
recap second.log | grep -q 'changed=0 .*failed=0'

ansible-playbook vmpod.core.survey_specs --check "$@" > check.log
recap check.log | grep -q 'failed=0'
[[ ! -e out/surveys ]]
ansible-playbook vmpod.core.survey_specs "$@" > surveys.log
"${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}" - <<'PY'
import json
survey = json.load(open("out/surveys/prepare_hosts.json"))
assert survey["name"] == "Prepare KVM hosts"
assert "hugepages_pages_json" in [q["variable"] for q in survey["spec"]]
PY
echo "playbooks: ok"
