# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as users get it: the tarball `ansible-galaxy collection build` makes, installed
with `ansible-galaxy collection install` into a fresh environment (an empty home, no
ansible.cfg, a working directory of its own) and used from there: playbooks by their FQCN,
ansible-doc, and an execution environment built on it with ansible-builder.

The Ansible commands are those beside this Python, or those of VMPOD_ANSIBLE_BIN (hack/matrix.sh
runs this file with the other ansible-core releases of the version matrix)."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("VMPOD_ANSIBLE_BIN") or os.path.dirname(sys.executable)
EE_EXAMPLE = os.path.join(ROOT, "examples", "execution-environment", "execution-environment.yml")

# what a tarball must hold to run, and what must stay in the checkout
NEEDED = ("MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.rst", "COPYING",
          "meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
          "changelogs/changelog.yaml", "playbooks/render.yml", "templates/domain.xml.j2",
          "roles/hugepages/meta/argument_specs.yml", "examples/vmis",
          "plugins/module_utils/launcher.py", "plugins/filter/launcher.py")
LEFT_OUT = ("tests/", "extensions/", "hack/", "bench/", "changelogs/fragments/", ".ci/", "out/",
            "requirements-dev.txt", "requirements-sanity-newest.txt", "Makefile", "ansible.cfg",
            "conftest.py", ".gitignore")


def run(command, cwd, env, check=True, apart=False):
    """The command's result; its standard error is in stdout too, unless ``apart`` (for output
    that must parse: ansible-doc's JSON, which some releases follow warnings with)."""
    done = subprocess.run(command, cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE if apart else subprocess.STDOUT,
                          universal_newlines=True, check=False)
    if check:
        assert done.returncode == 0, "%s\n%s\n%s" % (
            " ".join(map(str, command)), done.stdout[-4000:], (done.stderr or "")[-2000:])
    return done


def fresh_env(home, collections):
    """What a new user's shell has: no ANSIBLE_* settings from this checkout, an empty home (no
    ~/.ansible.cfg, no collections installed by hand), only the installed collection."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(HOME=str(home), ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + env.get("PATH", ""))
    return env


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    env = fresh_env(out, out)
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out),
         ROOT], ROOT, env)
    (path,) = out.glob("vmpod-core-*.tar.gz")
    return path


@pytest.fixture(scope="module")
def installed(tarball, tmp_path_factory):
    base = tmp_path_factory.mktemp("user")
    home, collections = base / "home", base / "collections"
    home.mkdir()
    env = fresh_env(home, collections)
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", str(tarball),
         "-p", str(collections)], base, env)
    tree = collections / "ansible_collections" / "vmpod" / "core"
    assert (tree / "MANIFEST.json").is_file()
    return base, env, tree


def listing(tree):
    return sorted((os.path.relpath(os.path.join(top, name), str(tree)),
                   os.path.getmtime(os.path.join(top, name)))
                  for top, _dirs, names in os.walk(str(tree)) for name in names)


def test_the_tarball_holds_what_runs_and_nothing_else(tarball):
    with tarfile.open(str(tarball)) as archive:
        names = archive.getnames()
    for needed in NEEDED:
        assert any(name == needed or name.startswith(needed + "/") for name in names), needed
    for left_out in LEFT_OUT:
        assert not [name for name in names if name == left_out.rstrip("/")
                    or name.startswith(left_out)], left_out
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_playbooks_run_by_fqcn_from_any_directory_and_write_there(installed):
    base, env, tree = installed
    work = base / "work"
    work.mkdir()
    before = listing(tree)
    done = run([os.path.join(BIN, "ansible-playbook"), "vmpod.core.launcher_resources"], work, env)
    assert "failed=0" in done.stdout
    written = json.loads((work / "out" / "launcher-resources.json").read_text())
    examples = []
    for path in sorted((tree / "examples" / "vmis").glob("*.yaml")):
        examples.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    assert [entry["name"] for entry in written] == [vmi["metadata"]["name"] for vmi in examples]
    for entry, vmi in zip(written, examples):
        expected = launcher_resources(vmi)
        assert (entry["requests"], entry["limits"], entry["memory_overhead"]) == (
            expected["requests"], expected["limits"], expected["memory_overhead"])
    # the installed collection is left as installed: no out/ inside it, nothing changed
    assert listing(tree) == before
    # the table reads as a table without the checkout's ansible.cfg: one row per line
    assert "\\n" not in done.stdout, done.stdout[-3000:]
    rows = [line for line in done.stdout.splitlines() if re.match(r'\s*"plain-fedora\s+2\s', line)]
    assert len(rows) == 1, done.stdout[-3000:]


def test_render_from_the_installed_collection(installed):
    base, env, tree = installed
    work = base / "render"
    work.mkdir()
    host = tree / "examples" / "hosts" / "dual-socket-server.yaml"
    before = listing(tree)
    done = run([os.path.join(BIN, "ansible-playbook"), "vmpod.core.render",
                "-e", "vmpod_host_file=%s" % host], work, env)
    assert "failed=0" in done.stdout
    assert sorted(p.name for p in (work / "out" / "render").iterdir()) == sorted(
        yaml.safe_load(p.read_text())["metadata"]["name"]
        for p in (tree / "examples" / "vmis").glob("*.yaml"))
    assert (work / "out" / "render" / "pinned-small" / "domain.xml").is_file()
    assert listing(tree) == before


def test_under_awx_nothing_is_written_and_the_result_is_the_artifact(installed):
    base, env, tree = installed
    work = base / "awx"
    work.mkdir()
    env = dict(env, ANSIBLE_SHOW_CUSTOM_STATS="1")
    done = run([os.path.join(BIN, "ansible-playbook"), "vmpod.core.launcher_resources",
                "-e", "awx_job_id=42"], work, env)
    assert list(work.iterdir()) == []
    stats = done.stdout.split("CUSTOM STATS:", 1)[1]
    assert '"vmpod_sized"' in stats and '"plain-fedora"' in stats
    # a playbook that must write somewhere says so, and writes nothing
    before = listing(tree)
    refused = run([os.path.join(BIN, "ansible-playbook"), "vmpod.core.render",
                   "-e", "awx_job_id=42"], work, env, check=False)
    assert refused.returncode == 2
    assert "Set vmpod_output_dir (an extra variable): under AWX nothing is written" in refused.stdout
    assert list(work.iterdir()) == [] and listing(tree) == before


def test_survey_specs_from_the_installed_collection(installed):
    base, env, _tree = installed
    work = base / "surveys"
    work.mkdir()
    run([os.path.join(BIN, "ansible-playbook"), "vmpod.core.survey_specs"], work, env)
    written = sorted(p.name for p in (work / "out" / "surveys").iterdir())
    assert written == ["cpu_isolation.json", "hugepages.json", "kvm_host.json", "prepare_hosts.json"]
    survey = json.loads((work / "out" / "surveys" / "prepare_hosts.json").read_text())
    assert survey["name"] == "Prepare KVM hosts"
    assert {q["variable"] for q in survey["spec"]} >= {
        "hugepages_pages_json", "hugepages_reboot_ok", "cpu_isolation_isolated", "kvm_host_kvm_mode"}


@pytest.mark.parametrize("kind, name", [
    ("module", "vmpod.core.render_vmis"),
    ("module", "vmpod.core.host_topology_info"),
    ("filter", "vmpod.core.launcher_resources"),
    ("filter", "vmpod.core.simulate_drain"),
    ("filter", "vmpod.core.survey_spec"),
    ("filter", "vmpod.core.survey_answers"),
    ("lookup", "vmpod.core.yaml_documents"),
    ("role", "vmpod.core.hugepages"),
])
def test_ansible_doc_reads_the_installed_plugins(installed, kind, name):
    base, env, _tree = installed
    done = run([os.path.join(BIN, "ansible-doc"), "-t", kind, "--json", name], base, env, apart=True)
    docs = json.loads(done.stdout)
    assert name in docs or name.split(".")[-1] in docs, done.stdout[:500]


def test_ansible_doc_lists_every_module(installed):
    base, env, tree = installed
    done = run([os.path.join(BIN, "ansible-doc"), "-t", "module", "-l", "vmpod.core", "--json"],
               base, env, apart=True)
    listed = set(json.loads(done.stdout))
    modules = {"vmpod.core." + p.stem for p in (tree / "plugins" / "modules").glob("*.py")
               if p.stem != "__init__"}
    assert listed == modules


def third_party_imports(tree):
    """The top-level names the plugins import that neither Python nor Ansible provides."""
    found = set()
    for path in (tree / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                found.add(node.module.split(".")[0])
    bundled = {"ansible", "ansible_collections", "jinja2", "yaml", "__future__"}
    return {name for name in found if name not in sys.stdlib_module_names and name not in bundled}


def requirement_names(path):
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.append(re.match(r"[A-Za-z0-9_.-]+", line).group(0))
            assert not re.search(r"<|==|~=", line), "no upper caps or pins: %s" % line
    return names


def test_the_requirements_are_what_the_plugins_import(installed):
    _base, _env, tree = installed
    meta = yaml.safe_load((tree / "meta" / "execution-environment.yml").read_text())
    assert meta["version"] == 3
    python = tree / meta["dependencies"]["python"]
    # the import name of each distribution the requirements list
    distributions = {"libvirt-python": "libvirt", "pycdlib": "pycdlib"}
    assert {distributions[name] for name in requirement_names(python)} == third_party_imports(tree)


@pytest.mark.skipif(not shutil.which("ansible-builder", path=os.path.dirname(sys.executable)),
                    reason="ansible-builder is in requirements-dev.txt; not in this venv")
def test_the_example_execution_environment_builds_a_context_with_the_collection(
        tarball, installed, tmp_path):
    definition = tmp_path / "execution-environment.yml"
    shutil.copy(EE_EXAMPLE, str(definition))
    shutil.copy(str(tarball), str(tmp_path))
    builder = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    env = dict(os.environ, HOME=str(tmp_path))
    run([builder, "create", "-f", str(definition), "-c", str(tmp_path / "context")], tmp_path, env)
    context = tmp_path / "context"
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile")
                         if p.exists()).read_text()
    assert (context / "_build" / "collections" / tarball.name).is_file()
    stages = re.split(r"^FROM ", containerfile, flags=re.M)
    galaxy = next(stage for stage in stages if stage.startswith("base AS galaxy"))
    assert "ansible-galaxy collection install --offline /build/collections/vmpod-core-*.tar.gz" \
        in galaxy
    assert "ansible-core==" in containerfile and "introspect" in containerfile
    # what the builder stage then reads from the installed collection, with builder's own script
    _base, _env, tree = installed
    found = run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"),
                 "introspect", str(tree.parents[2])], tmp_path, env)
    wanted = yaml.safe_load(found.stdout)
    python = [line.split("#")[0].strip() for line in wanted["python"]]
    assert python == ["libvirt-python", "pycdlib"]
    system = [line.split("#")[0].strip() for line in wanted["system"]]
    compile_only = {line.split()[0] for line in system if "compile" in line}
    run_time = {line.split()[0] for line in system if "compile" not in line}
    assert {"gcc", "libvirt-dev", "libvirt-devel", "python3-devel"} <= compile_only
    assert run_time == {"libvirt0", "libvirt-libs", "libxml2-utils", "libxml2"}
