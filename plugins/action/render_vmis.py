# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin vmpod.core.render_vmis: render and write the files of many VMs in one task.

Why an action plugin, not a filter plus ``template`` / ``copy`` tasks: a task per VM and file
costs Ansible a module run each (3,000 for 1,000 VMs: minutes); a filter could render the text
but not write it, and a filter that wrote files would hide changes from check and diff mode.
This plugin runs on the controller, reads the VM files itself when given ``src`` (PyYAML's safe
loader: data, never templates, and a tenth of the time of ``query('file') | from_yaml_all``),
computes every model with the engine first (bad input fails before anything is written), renders
each template once over the whole list (``{% include %}`` in a loop: the template is compiled
once), then compares each file with what is on disk and writes only what differs, atomically.
The collection's own templates only loop and escape, so they are rendered by a plain Jinja
environment with the collection's filters (Ansible's templar costs seconds more for 1,000 VMs);
a user's ``pod_template`` / ``domain_template`` goes through Ansible's templar, with every
filter a playbook has. Check mode writes nothing and reports what would change; diff mode
returns a before/after per changed file.

The files are written on the controller (the playbooks run it on localhost).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import ctypes
import io
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading

import jinja2

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase

try:
    import pycdlib
except ImportError:
    pycdlib = None

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: every template string is trusted
    def trust_as_template(value):
        return value

from ansible_collections.vmpod.core.plugins.module_utils.output.checks import domain_text_errors, pod_text_errors
from ansible_collections.vmpod.core.plugins.module_utils.output.yaml_flow import yaml_flow
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.secrets import hide_in_yaml
from ansible_collections.vmpod.core.plugins.module_utils.values.yaml_data import load_documents


COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = os.path.join(COLLECTION_ROOT, "templates")
DEFAULT_POD_TEMPLATE = os.path.join(TEMPLATES, "launcher_pod.yaml.j2")
DEFAULT_DOMAIN_TEMPLATE = os.path.join(TEMPLATES, "domain.xml.j2")
POD_FILE = "launcher-pod.yaml"
DOMAIN_FILE = "domain.xml"
PLAN_FILE = "plan.json"
STORAGE_FILE = "storage.json"
SEED_SUFFIX = ".iso"
# Ends each rendered document in the one-pass output. Neither template can emit it: the domain
# engine refuses control characters in XML text and yaml_flow escapes them.
SEPARATOR = "\x1e"
_TEMPLATE_OVERRIDES = {"trim_blocks": True, "lstrip_blocks": True}

# ``vmis`` is checked apart: Ansible's validator walks every value of every VMI (no_log and
# type checks), two seconds for 1,000 VMIs; the engine checks each field it reads anyway.
ARGUMENT_SPEC = {
    "src": {"type": "list", "elements": "path"},
    "dest": {"type": "path", "required": True},
    "host": {"type": "dict"},
    "config": {"type": "dict"},
    "arch": {"type": "str", "default": "amd64"},
    "placement_options": {"type": "dict"},
    "domain_options": {"type": "dict"},
    "pod_options": {"type": "dict"},
    "apply_defaults": {"type": "bool", "default": False},
    "host_target": {"type": "dict"},
    "pod_template": {"type": "path"},
    "domain_template": {"type": "path"},
    "domain_schema": {"type": "str", "choices": ["auto", "required", "skip"], "default": "auto"},
}

# libvirt's RNG schemas, where distributions install them (virt-xml-validate reads them there)
SCHEMA_DIRS = ("/usr/share/libvirt/schemas", "/usr/local/share/libvirt/schemas")


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        _stop_with_the_parent()
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # not used: everything happens on the controller
        args = dict(self._task.args)
        vmis = args.pop("vmis", None)
        validated = ArgumentSpecValidator(ARGUMENT_SPEC).validate(args)
        if validated.error_messages:
            raise AnsibleActionFail("; ".join(validated.error_messages).replace(
                "Supported parameters include: ", "Supported parameters include: vmis, "))
        args = validated.validated_parameters
        if args["src"] is not None:
            if vmis is not None:
                raise AnsibleActionFail("vmis, src: give one of them, not both")
            vmis = read_vm_files(args["src"])
        if not isinstance(vmis, list):
            raise AnsibleActionFail("vmis: a list of VMIs, VirtualMachines or Virtlet VM pods is "
                                    "required (or src: the files that hold them), got %r"
                                    % (vmis,))
        dest = args["dest"]
        if not os.path.isabs(dest):
            raise AnsibleActionFail("dest: %r must be an absolute path on the controller" % dest)
        try:
            models = render_models(vmis, args["host"], args["config"], args["arch"],
                                   args["placement_options"], args["domain_options"],
                                   args["pod_options"], args["apply_defaults"],
                                   args["host_target"])
        except VmpodInputError as err:
            raise AnsibleActionFail(to_text(err))
        pod_template = self._template_path(args["pod_template"], DEFAULT_POD_TEMPLATE)
        domain_template = self._template_path(args["domain_template"], DEFAULT_DOMAIN_TEMPLATE)
        pods = self._render_all(pod_template, "pod", [m["pod"] for m in models if m["pod"]])
        domains = self._render_all(domain_template, "domain", [m["domain"] for m in models])
        files = planned_files(models, dest, args["host"], pods, domains)
        # every file to be written is read back first: a bad one fails the task, and no file of
        # any VM is written (one the disk already holds was checked when it was written)
        pending = frozenset(relative for relative, text in files if not isinstance(text, Seed) and
                            _read(os.path.join(dest, relative)) != to_bytes(text, errors="surrogate_or_strict"))
        checked = check_outputs(models, pods, domains, pod_template == DEFAULT_POD_TEMPLATE,
                                args["domain_schema"], lambda name, file: os.path.join(name, file) in pending)
        changes = write_files(dest, files, self._task.check_mode, self._task.diff)
        result.update(changed=bool(changes["written"] or changes["directories"] or changes["removed"]),
                      dest=dest, rendered=len(models),
                      written=changes["written"], unchanged=changes["unchanged"],
                      removed=changes["removed"],
                      vms=[summary(model, dest) for model in models], checked=checked,
                      unfit=[model["name"] for model in models
                             if model["plan"] is not None and not model["plan"]["fits"]])
        if self._task.diff and changes["diffs"]:
            result["diff"] = changes["diffs"]
        return result

    def _template_path(self, given, default):
        if not given:
            return default
        return self._find_needle("templates", given)

    def _render_all(self, path, variable, items):
        """Each item laid out by the template at ``path``, in one pass over the list."""
        if not items:
            return []
        wrapper = "{%% for %s in vmpod_items %%}{%% include %s %%}%s{%% endfor %%}" % (
            variable, json.dumps(os.path.basename(path)), SEPARATOR)
        if os.path.dirname(path) == TEMPLATES:
            text = _collection_templates().from_string(wrapper).render(vmpod_items=items)
        else:
            templar = self._templar.copy_with_new_env(
                searchpath=[os.path.dirname(path)], available_variables={"vmpod_items": items})
            text = templar.template(trust_as_template(wrapper), escape_backslashes=False,
                                    overrides=_TEMPLATE_OVERRIDES)
        documents = to_text(text).split(SEPARATOR)
        if len(documents) != len(items) + 1:
            raise AnsibleActionFail("%s: rendered %d documents for %d VMs; the template must not "
                                    "write the character U+001E" % (path, len(documents) - 1,
                                                                    len(items)))
        # Jinja drops an included template's final newline; the template module keeps it
        return [document if document.endswith("\n") else document + "\n"
                for document in documents[:-1]]


def read_vm_files(paths):
    """Every document of every YAML file in ``paths`` (empty ones skipped, as ``select`` would),
    in order: plain data, never templates."""
    documents = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                documents.extend(load_documents(handle, path))
        except (IOError, OSError) as err:
            raise AnsibleActionFail("src: %s: %s" % (path, err))
        except VmpodInputError as err:
            raise AnsibleActionFail("src: %s" % err)
    return documents


_ENVIRONMENT = []


def _collection_templates():
    """The Jinja environment of the collection's own templates, as Ansible's template module
    configures it (trim_blocks, lstrip_blocks, no autoescape), with the one filter they use."""
    if not _ENVIRONMENT:
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                                         undefined=jinja2.StrictUndefined, autoescape=False,
                                         **_TEMPLATE_OVERRIDES)
        environment.filters["vmpod.core.yaml_flow"] = yaml_flow
        _ENVIRONMENT.append(environment)
    return _ENVIRONMENT[0]


def check_outputs(models, pods, domains, own_pod_template, domain_schema, pending=lambda name, file: True):
    """Read back every rendered file that ``pending(vm name, file name)`` says is to be written
    (output.checks) and, unless ``domain_schema`` is ``skip``, check those domains against
    libvirt's RNG schema with one ``xmllint`` run (``auto``: where xmllint and the schema are
    installed on the controller; ``required``: fail where they are not), which runs while the
    Pods are read back. Raises naming the faults; returns what was checked."""
    pod_pairs = [(model, text) for model, text in zip([m for m in models if m["pod"]], pods)
                 if pending(model["dir"], POD_FILE)]
    domain_pairs = [(model, text) for model, text in zip(models, domains) if pending(model["dir"], DOMAIN_FILE)]
    schema = _DomainSchema(domain_pairs, domain_schema)
    try:
        faults = []
        for model, text in pod_pairs:
            faults.extend("%s/%s %s" % (model["dir"], POD_FILE, error)
                          for error in pod_text_errors(text, model["pod"], own_pod_template))
        for model, text in domain_pairs:
            faults.extend("%s/%s %s" % (model["dir"], DOMAIN_FILE, error)
                          for error in domain_text_errors(text, model["domain"]["name"]))
        if faults:
            raise AnsibleActionFail("rendered files that would not be read back, nothing written: %s" % "; ".join(
                faults[:5]) + ("; and %d more" % (len(faults) - 5) if len(faults) > 5 else ""))
        return {"pods": len(pod_pairs), "domains": len(domain_pairs), "domain_schema": schema.result()}
    finally:
        schema.close()


class _DomainSchema:
    """One ``xmllint --relaxng domain.rng`` run over the given domains, started at once; its
    answer is read by ``result`` (which raises naming the domains the schema refuses)."""

    def __init__(self, pairs, mode):
        self.pairs, self.process, self.directory, self.answer = pairs, None, None, None
        if mode == "skip":
            self.answer = "skipped (domain_schema: skip)"
            return
        xmllint = shutil.which("xmllint")
        self.rng = next((os.path.join(d, "domain.rng") for d in SCHEMA_DIRS
                         if os.path.isfile(os.path.join(d, "domain.rng"))), None)
        if xmllint is None or self.rng is None:
            missing = "xmllint" if xmllint is None else "libvirt's domain.rng (in %s)" % " or ".join(SCHEMA_DIRS)
            if mode == "required":
                raise AnsibleActionFail("domain_schema: required, but %s is not installed on the controller "
                                        "(Debian: libxml2-utils and libvirt0; Fedora: libxml2 and "
                                        "libvirt-libs)" % missing)
            self.answer = "not checked: %s is not installed on the controller" % missing
            return
        self.unknown = []  # (dir, type) of domains whose launchSecurity this schema predates
        known = _security_types(self.rng)
        kept = []
        for model, text in pairs:
            security = (model.get("domain") or {}).get("launch_security") or {}
            if security.get("type") and security["type"] not in known:
                self.unknown.append((model["dir"], security["type"]))
            else:
                kept.append((model, text))
        self.pairs = pairs = kept
        if not pairs:
            self.answer = self._checked()
            return
        # the domains hold no secrets, but the directory is private all the same (mkdtemp: 0700)
        self.directory = tempfile.mkdtemp(prefix="vmpod-schema-")
        self.paths = []
        for index, (_model, text) in enumerate(pairs):
            self.paths.append(os.path.join(self.directory, "%d.xml" % index))
            with open(self.paths[-1], "wb") as handle:
                handle.write(to_bytes(text, errors="surrogate_or_strict"))
        self.process = subprocess.Popen([xmllint, "--noout", "--relaxng", self.rng] + self.paths,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def result(self):
        if self.answer is not None:
            return self.answer
        _out, errors = self.process.communicate()
        if self.process.returncode == 0:
            return self._checked()
        names = dict((path, model["dir"]) for path, (model, _text) in zip(self.paths, self.pairs))
        faults = []
        for line in to_text(errors, errors="surrogate_or_replace").splitlines():
            path, _colon, rest = line.partition(":")
            if path in names:
                faults.append("%s/%s:%s" % (names[path], DOMAIN_FILE, rest))
        raise AnsibleActionFail("rendered domains that libvirt's schema (%s) refuses, nothing written: %s"
                                % (self.rng, "; ".join(faults[:5]) or to_text(errors)[:500]))

    def _checked(self):
        text = "checked against %s" % self.rng
        if self.unknown:
            text += "; not checked, as this libvirt's schema predates their launchSecurity type: %s" % (
                ", ".join("%s (%s)" % pair for pair in self.unknown))
        return text

    def close(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)


def _security_types(rng):
    """The ``<launchSecurity type>`` values libvirt's installed schema knows (sev-snp came with
    libvirt 10.5, tdx later): a domain rendered for a newer libvirt (a KubeVirt node's) is not
    held to an older schema here."""
    try:
        with open(os.path.join(os.path.dirname(rng), "domaincommon.rng")) as handle:
            text = handle.read()
    except (IOError, OSError):
        return frozenset()
    return frozenset(name for name in ("sev", "sev-snp", "tdx", "s390-pv") if re.search(
        r'<attribute name="type">\s*<value>%s</value>' % re.escape(name), text))


def planned_files(models, dest, host, pods, domains):
    """[(relative path, text or Seed)] of every VM: launcher-pod.yaml (not for a Virtlet pod),
    domain.xml, plan.json when there is a host, and for a libvirt host target storage.json
    (what deploy makes or must find) and a seed image per cloud-init volume."""
    host_name = host.get("name") if isinstance(host, dict) else None
    pods = iter(pods)
    files = []
    for model, domain in zip(models, domains):
        if model["pod"]:
            files.append((os.path.join(model["dir"], POD_FILE), next(pods)))
        files.append((os.path.join(model["dir"], DOMAIN_FILE), domain))
        if model["plan"] is not None:
            plan = dict(model["plan"], namespace=model["namespace"], kind=model["kind"],
                        host=host_name or "localhost", launcher_resources=model["resources"])
            files.append((os.path.join(model["dir"], PLAN_FILE),
                          json.dumps(plan, indent=2, sort_keys=True) + "\n"))
        storage = model["domain"].get("storage")
        if storage is not None:
            listed = [dict((key, value) for key, value in item.items() if key != "files")
                      for item in storage]
            files.append((os.path.join(model["dir"], STORAGE_FILE), json.dumps(
                {"domain": model["domain"]["name"], "directory": model["domain"]["storage_dir"],
                 "items": listed}, indent=2, sort_keys=True) + "\n"))
            for item in storage:
                if item["kind"] == "seed":
                    files.append((os.path.join(model["dir"], item["file"]),
                                  Seed(item["label"], item["files"])))
    return files


class Seed:
    """A cloud-init seed image (ISO 9660 with Rock Ridge and Joliet names, volume label
    ``cidata`` or ``config-2``) of text files that are secrets: built with pycdlib only when it
    is to be written, compared by its files (an ISO holds its time of making), never shown."""

    def __init__(self, label, files):
        self.label, self.files = label, files

    def image(self):
        if pycdlib is None:
            raise AnsibleActionFail("host_target: building cloud-init seed images needs the "
                                    "Python package pycdlib on the controller (pip install pycdlib)")
        iso = pycdlib.PyCdlib()
        iso.new(interchange_level=3, joliet=3, rock_ridge="1.09", vol_ident=self.label)
        directories = {}
        for number, name in enumerate(sorted(self.files)):
            parts = name.split("/")
            parent = ""
            for depth in range(1, len(parts)):
                joined = "/".join(parts[:depth])
                if joined not in directories:
                    directories[joined] = "%s/D%d" % (directories.get(parent, ""), len(directories))
                    iso.add_directory(directories[joined], rr_name=parts[depth - 1],
                                      joliet_path="/" + joined)
                parent = joined
            data = to_bytes(self.files[name], errors="surrogate_or_strict")
            iso.add_fp(io.BytesIO(data), len(data), "%s/F%d.;1" % (directories.get(parent, ""), number),
                       rr_name=parts[-1], joliet_path="/" + name)
        out = io.BytesIO()
        iso.write_fp(out)
        iso.close()
        return out.getvalue()

    def matches(self, path):
        """Whether the image at ``path`` holds exactly these files under this label."""
        if pycdlib is None or not os.path.isfile(path) or os.path.islink(path):
            return False
        iso = pycdlib.PyCdlib()
        try:
            iso.open(path)
            try:
                if iso.pvd.volume_identifier.decode("ascii", "replace").strip(" \0") != self.label:
                    return False
                present = set()
                for root, _dirs, names in iso.walk(rr_path="/"):
                    present.update(("%s/%s" % (root, name)).lstrip("/") for name in names)
                if present != set(self.files):
                    return False
                for name, text in self.files.items():
                    buffer = io.BytesIO()
                    iso.get_file_from_iso_fp(buffer, rr_path="/" + name)
                    if buffer.getvalue() != to_bytes(text, errors="surrogate_or_strict"):
                        return False
                return True
            finally:
                iso.close()
        except Exception:  # pylint: disable=broad-except; any unreadable image is rewritten
            return False


OWN_FILES = frozenset((POD_FILE, DOMAIN_FILE, PLAN_FILE, STORAGE_FILE))


def _own(names):
    """Which of ``names`` (in a VM's directory) a render writes: its fixed files and seeds."""
    return set(name for name in names if name in OWN_FILES or name.endswith(SEED_SUFFIX))


TEMPORARY_PREFIX = ".vmpod-"


def _stop_with_the_parent():
    """This worker process ends when ansible-playbook does, even killed (SIGKILL): the kernel
    sends it SIGTERM (Linux prctl PR_SET_PDEATHSIG), instead of leaving it to finish and block on
    a result nobody reads."""
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: nothing to ask for
        return
    if os.getppid() != parent:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


@contextlib.contextmanager
def _interruptible():
    """SIGINT and SIGTERM raise while files are written, so that a temporary file is removed
    (``_atomic_write``) instead of left behind by the default action; restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame):
        # the first signal stops the writing; a second one (Ctrl-C sends SIGINT to the whole
        # process group, then ansible-playbook sends its workers SIGTERM) must not interrupt the
        # removal of the temporary file that the first one started
        for other in (signal.SIGINT, signal.SIGTERM):
            signal.signal(other, signal.SIG_IGN)
        raise KeyboardInterrupt() if signum == signal.SIGINT else SystemExit(128 + signum)
    previous = dict((signum, signal.signal(signum, stop)) for signum in (signal.SIGINT, signal.SIGTERM))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stale_outputs(dest, files):
    """What earlier renders left in ``dest`` that this one does not write: our files in the
    directory of a VM no longer rendered (the directory too, when nothing else is in it), and our
    files a rendered VM no longer has (plan.json without a host). A directory holding anything
    else is not ours and is left alone, and so is a link."""
    wanted = {}
    for relative, _text in files:
        directory, name = os.path.split(relative)
        wanted.setdefault(directory, set()).add(name)
    stale, directories = [], []
    try:
        entries = sorted(os.listdir(dest))
    except OSError:
        return stale, directories
    for entry in entries:
        directory = os.path.join(dest, entry)
        if os.path.islink(directory) or not os.path.isdir(directory):
            continue
        present = set(os.listdir(directory))
        # temporary files of a run that was killed while it wrote are ours and always stale
        leftovers = sorted(name for name in present if name.startswith(TEMPORARY_PREFIX))
        stale.extend(os.path.join(entry, name) for name in leftovers)
        present.difference_update(leftovers)
        if entry not in wanted and present != _own(present):
            continue
        ours = sorted(_own(present) - wanted.get(entry, set()))
        stale.extend(os.path.join(entry, name) for name in ours
                     if not os.path.islink(os.path.join(directory, name)))
        if entry not in wanted and present == _own(present):
            directories.append(entry)
    return stale, directories


def write_files(dest, files, check_mode, diff=True):
    """Write what differs from the disk (nothing in check mode), remove what earlier renders
    left that this one does not write (``stale_outputs``); report what did, with a
    before/after of each file when ``diff``. Nothing is written through a link."""
    with _interruptible():
        return _write_files(dest, files, check_mode, diff)


def _write_files(dest, files, check_mode, diff):
    changes = {"written": [], "unchanged": 0, "directories": [], "diffs": [], "removed": []}
    for relative, text in files:
        path = os.path.join(dest, relative)
        for link in (os.path.dirname(path), path):
            if os.path.islink(link):
                raise AnsibleActionFail("dest: %s is a symbolic link: the render writes only files "
                                        "of its own below dest, never through a link" % link)
        if isinstance(text, Seed):
            if _mode(path) == 0o600 and text.matches(path):
                changes["unchanged"] += 1
                continue
            changes["written"].append(relative)
            if diff:
                changes["diffs"].append({"before_header": path, "after_header": path, "before": "",
                                         "after": "(a cloud-init seed image: it holds secrets, not shown)\n"})
            if not check_mode:
                _write_new(path, text.image(), changes, 0o600)
            continue
        data = to_bytes(text, errors="surrogate_or_strict")
        before = _read(path)
        if before == data and _mode(path) == 0o644:
            changes["unchanged"] += 1
            continue
        changes["written"].append(relative)
        if diff:  # what is shown leaves secrets out (the files hold them)
            changes["diffs"].append({"before_header": path, "after_header": path,
                                     "before": hide_in_yaml(to_text(before or b"")),
                                     "after": hide_in_yaml(text)})
        if check_mode:
            continue
        _write_new(path, data, changes)
    stale, directories = stale_outputs(dest, files)
    for relative in stale:
        changes["removed"].append(relative)
        if diff and relative.endswith(SEED_SUFFIX):
            changes["diffs"].append({"before_header": os.path.join(dest, relative),
                                     "after_header": "%s (removed)" % os.path.join(dest, relative),
                                     "before": "(a cloud-init seed image: not shown)\n", "after": ""})
        elif diff:
            changes["diffs"].append({"before_header": os.path.join(dest, relative),
                                     "after_header": "%s (removed)" % os.path.join(dest, relative),
                                     "before": hide_in_yaml(to_text(_read(os.path.join(dest, relative)) or b"")),
                                     "after": ""})
        if not check_mode:
            try:
                os.unlink(os.path.join(dest, relative))
            except OSError as err:
                raise AnsibleActionFail("cannot remove %s: %s"
                                        % (os.path.join(dest, relative), err.strerror or err))
    for relative in directories:
        if not check_mode:
            try:
                os.rmdir(os.path.join(dest, relative))
            except OSError:
                pass  # something appeared in it meanwhile: it stays
    return changes


def _write_new(path, data, changes, mode=0o644):
    directory = os.path.dirname(path)
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
            changes["directories"].append(directory)
        _atomic_write(path, data, mode)
    except OSError as err:
        raise AnsibleActionFail("cannot write %s: %s" % (path, err.strerror or err))


def _read(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def _mode(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return None


def _atomic_write(path, data, mode=0o644):
    """Never a half-written file: a temporary file in the same directory, then a rename."""
    temporary = None
    try:
        # an interrupt between the file's creation and its name coming back would lose the name:
        # SIGINT and SIGTERM wait until it is known (they are delivered right after)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGTERM))
        try:
            handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=TEMPORARY_PREFIX)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
        raise


def summary(model, dest):
    plan = model["plan"] or {}
    return {"name": model["name"], "namespace": model["namespace"], "kind": model["kind"],
            "dir": os.path.join(dest, model["dir"]), "fits": plan.get("fits"),
            "reasons": plan.get("reasons", []), "omitted": model["domain"]["omitted"]}
