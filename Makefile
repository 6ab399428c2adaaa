# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# vmpod.core: build and test entry points.  `make test` is what CI runs (.ci/run).
#
#   make setup    .venv with the pinned tools, collection layout under .build/ (hack/setup.sh)
#   make test     setup, then unit, integration, lint, sanity and molecule, in that order; stops at
#                 the first failure
#   make unit     pytest tests/unit (from the repository root, so conftest.py applies)
#   make integration  pytest tests/integration: real ansible-playbook runs; then
#                 `ansible-test integration` on tests/integration/targets/ (hack/targets.sh)
#   make lint     ansible-lint --offline, production profile (.ansible-lint)
#   make sanity   ansible-test sanity, no ignore files (hack/sanity.sh)
#   make sanity-newest  the same with the newest ansible-core, on Python >= 3.12 where there is
#                 one (hack/sanity-newest.sh; skipped with a message where there is none)
#   make changelog  antsibull-changelog lint, and CHANGELOG.rst checked against the fragments
#                 (hack/changelog.sh; `bash hack/changelog.sh` rewrites it)
#   make matrix   the unit tests, the integration targets and the installed collection on
#                 ansible-core 2.16 (the oldest supported) and the newest, sanity on 2.16
#                 (hack/matrix.sh)
#   make molecule the host roles on a real QEMU guest, every scenario of extensions/molecule/
#                 (hack/molecule.sh; ~20 min with no cached guest image, ~17 min with one)
#   make demo     size examples/vmis, plan them on an example host and on this machine, render Pods
#                 and domains, and where libvirtd can run start the pinned VM (all into out/)
#   make bench    bench/bench_engine.py (per-VMI steps beside their targets), bench_launcher.py,
#                 bench_placement.py, bench_fleet.py, bench_drain.py and bench_render.py
#   make libvirtd libvirtd with QEMU/KVM and 64 free 2Mi hugepages here; `make libvirtd-stop` undoes it
#   make clean    remove build output (.build, out, caches); `make distclean` also removes .venv

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := test
# Targets run one after another, in the order given, even under `make -j`.
.NOTPARALLEL:

VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin

# Every Ansible command reads the project's configuration, wherever make is called from.
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# Tools that start other tools (ansible-lint runs ansible-playbook/ansible-galaxy, ansible-test
# runs ansible-doc, tests and benchmarks may run ansible-playbook) find the venv's on PATH.
VENV_PATH = PATH="$(BIN):$$PATH"

.PHONY: libvirtd libvirtd-stop setup test unit integration lint changelog sanity sanity-newest matrix molecule demo \
	bench clean \
	distclean

setup:
	bash hack/setup.sh

test: setup unit integration lint changelog sanity sanity-newest matrix molecule

unit: setup
	$(VENV_PATH) $(BIN)/python -m pytest tests/unit -q

integration: setup
	$(VENV_PATH) $(BIN)/python -m pytest tests/integration -q
	bash hack/targets.sh

# (ansible-lint colours its output even when it goes to a file; not in CI logs)
lint: setup
	$(VENV_PATH) $(BIN)/ansible-lint --offline $$([[ -t 1 ]] || echo --nocolor)

sanity: setup
	bash hack/sanity.sh

sanity-newest: setup
	bash hack/sanity-newest.sh

changelog: setup
	bash hack/changelog.sh --check

matrix: setup
	bash hack/matrix.sh

molecule: setup
	bash hack/molecule.sh

demo: setup
	$(VENV_PATH) $(BIN)/ansible-playbook playbooks/launcher_resources.yml \
		-e vmpod_vmi_dir=examples/vmis -e vmpod_output_dir=out
	$(VENV_PATH) $(BIN)/ansible-playbook playbooks/plan_placement.yml \
		-e vmpod_vmi_dir=examples/vmis -e vmpod_output_dir=out \
		-e vmpod_host_file=examples/hosts/dual-socket-server.yaml
	$(VENV_PATH) $(BIN)/ansible-playbook playbooks/plan_placement.yml \
		-e vmpod_vmi_dir=examples/vmis -e vmpod_output_dir=out
	$(VENV_PATH) $(BIN)/ansible-playbook playbooks/render.yml \
		-e vmpod_vmi_dir=examples/vmis -e vmpod_output_dir=out/render-server \
		-e vmpod_host_file=examples/hosts/dual-socket-server.yaml
	# where libvirtd can run here: render for this machine (its KVM asked through /dev/kvm, the
	# host-model features its KVM cannot set probed and disabled; TCG without KVM, as the output
	# says), define and start the pinned VM, print its pinning read back from libvirt, then
	# remove it again, also when a step before failed (a failed start is rolled back by itself)
	if [[ $$(id -u) -eq 0 && -c /dev/kvm ]]; then bash hack/libvirtd.sh start 64; fi
	$(VENV_PATH) $(BIN)/ansible-playbook playbooks/render.yml \
		-e vmpod_vmi_dir=examples/vmis -e vmpod_output_dir=out/render
	if bash hack/libvirtd.sh status >/dev/null 2>&1; then rc=0; \
	  $(VENV_PATH) $(BIN)/ansible-playbook playbooks/deploy.yml -e vmpod_output_dir=out/render \
	    -e '{"vmpod_vmi_names": ["pinned-small"]}' || rc=$$?; \
	  $(VENV_PATH) $(BIN)/ansible-playbook playbooks/deploy.yml -e vmpod_output_dir=out/render \
	    -e '{"vmpod_vmi_names": ["pinned-small"]}' -e vmpod_state=absent -e vmpod_stop_mode=destroy \
	    || rc=$$?; exit $$rc; fi

bench: setup
	$(VENV_PATH) $(BIN)/python bench/bench_engine.py
	$(VENV_PATH) $(BIN)/python bench/bench_launcher.py
	$(VENV_PATH) $(BIN)/python bench/bench_placement.py
	$(VENV_PATH) $(BIN)/python bench/bench_fleet.py
	$(VENV_PATH) $(BIN)/python bench/bench_drain.py
	$(VENV_PATH) $(BIN)/python bench/bench_render.py

libvirtd:
	bash hack/libvirtd.sh start 64

libvirtd-stop:
	bash hack/libvirtd.sh stop

clean:
	-bash hack/libvirtd.sh stop
	rm -rf .build out .pytest_cache .hypothesis tests/output
	find . -path ./.venv -prune -o -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venv
