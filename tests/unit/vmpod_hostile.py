# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hostile input for ``test_fuzz_hostile_input.py``: the examples with secrets planted in them,
hostile values, mutations of a data tree, one call bounded in time and measured in memory, and
the check of what a call raised."""

import copy
import fnmatch
import glob
import os
import re
import signal
import time
import traceback
import tracemalloc

import yaml
from hypothesis import strategies as st

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from vmpod_examples import ROOT
from vmpod_placement_data import HOSTS, VMIS

# -- secrets planted where a VM keeps them; no error text may show them ----------------------

SECRET_USERDATA = "S3CR3T-USERDATA-4c1e7b"
SECRET_NETWORKDATA = "S3CR3T-NETWORKDATA-9b7d20"
SECRET_PASSWORD = "S3CR3T-PASSWORD-2f60aa"
SECRET_TOKEN = "S3CR3T-TOKEN-e83a51"
SECRETS = (SECRET_USERDATA, SECRET_NETWORKDATA, SECRET_PASSWORD, SECRET_TOKEN)

TOKEN_ANNOTATIONS = ("vmpod.example.com/api-token", "token.vmpod.example.com/bearer")
PASSWORD_ANNOTATION = "vmpod.example.com/password"


def _secret_annotations():
    annotations = dict.fromkeys(TOKEN_ANNOTATIONS, SECRET_TOKEN)
    annotations[PASSWORD_ANNOTATION] = SECRET_PASSWORD
    return annotations


def plant_in_vmi(obj):
    """A copy of a VMI or VirtualMachine with cloud-init user and network data (a password in
    the user data), and a token and a password in annotations."""
    obj = copy.deepcopy(obj)
    holder = obj["spec"]["template"] if obj.get("kind") == "VirtualMachine" else obj
    meta = holder.setdefault("metadata", {})
    meta.setdefault("annotations", {}).update(_secret_annotations())
    spec = holder["spec"]
    spec.setdefault("volumes", []).append({"name": "cloudinitdisk", "cloudInitNoCloud": {
        "userData": "#cloud-config\npassword: %s\nchpasswd: {expire: false}\n# %s\n"
                    % (SECRET_PASSWORD, SECRET_USERDATA),
        "networkData": "version: 2\n# %s\n" % SECRET_NETWORKDATA}})
    devices = spec["domain"].setdefault("devices", {})
    devices.setdefault("disks", []).append({"name": "cloudinitdisk", "disk": {"bus": "virtio"}})
    return obj


def plant_in_pod(pod):
    """A copy of a Virtlet VM pod with Virtlet's cloud-init user data annotation and secrets."""
    pod = copy.deepcopy(pod)
    annotations = pod["metadata"].setdefault("annotations", {})
    annotations.update(_secret_annotations())
    annotations["VirtletCloudInitUserData"] = "password: %s\n# %s\n" % (SECRET_PASSWORD, SECRET_USERDATA)
    return pod


def plant_in_host(host):
    """A copy of host data with a BMC password beside the topology (read_host ignores it)."""
    host = copy.deepcopy(host)
    host["bmc_password"] = SECRET_PASSWORD
    return host


def _virtlet_pods():
    pods = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "virtlet", "*.yaml"))):
        with open(path) as handle:
            for doc in yaml.safe_load_all(handle):
                if doc:
                    pods[doc["metadata"]["name"]] = doc
    return pods


PLANTED_VMIS = dict((name, plant_in_vmi(obj)) for name, obj in VMIS.items())
PLANTED_PODS = dict((name, plant_in_pod(obj)) for name, obj in _virtlet_pods().items())
PLANTED_HOSTS = dict((name, plant_in_host(obj)) for name, obj in HOSTS.items())

# What the other arguments are when they are not the hostile one: each a working value.
CONFIGS = (
    None, {},
    {"developerConfiguration": {"cpuAllocationRatio": 4, "memoryOvercommit": 150,
                                "featureGates": ["IOMMUFD"], "disabledFeatureGates": ["GPUsWithDRA"]},
     "additionalGuestMemoryOverheadRatio": "1.5",
     "network": {"defaultNetworkInterface": "masquerade",
                 "binding": {"passt": {"computeResourceOverhead": {"requests": {"memory": "500Mi"}}}}},
     "permittedHostDevices": {"pciHostDevices": [{"resourceName": "nvidia.com/GA100"}]},
     "cpuModel": "Skylake-Server", "cpuRequest": "200m",
     "autoCPULimitNamespaceLabelSelector": {
         "matchLabels": {"autocpulimit": "true"},
         "matchExpressions": [{"key": "tier", "operator": "In", "values": ["gold"]}]},
     "architectureConfiguration": {"amd64": {"machineType": "q35"}},
     "liveUpdateConfiguration": {"maxHotplugRatio": 4, "maxCpuSockets": 8, "maxGuest": "64Gi"},
     "vmRolloutStrategy": "LiveUpdate"},
)
ARCHES = ("amd64", "arm64", "s390x")
PLACEMENT_OPTIONS = (
    None, {},
    {"topology_policy": "single-numa-node", "thread_policy": "isolate", "full_pcpus_only": True},
    {"topology_policy": "best-effort", "numa_nodes": 2, "numa_cpus": {0: "0", "1": "1-3"},
     "numa_mem": {0: "1Gi", 1: "3Gi"}},
    {"numa_nodes": 2, "numa_share_host_nodes": True},
)
# a libvirt host's map for the example VMIs (render_models' host_target)
HOST_TARGETS = (
    None,
    {"storage_dir": "/srv/vms",
     "images": {"quay.io/containerdisks/fedora:41": "/srv/images/fedora-41.qcow2",
                "quay.io/containerdisks/ubuntu:24.04": {"path": "/srv/images/ubuntu.raw", "format": "raw"},
                "quay.io/containerdisks/centos-stream:9": "/srv/images/centos.qcow2"},
     "claims": {name: "/srv/claims/%s.img" % name
                for name in ("analytics-root", "db-root", "hpc-root", "ml-root", "windows-root")},
     "secrets": {"cloud-init": {"userdata": "#cloud-config\n"}},
     "host_devices": {"nvidia.com/GA102GL_A10": ["0000:65:00.0"], "intel.com/P5800X": "0000:b3:00.0"},
     "networks": {"default": {"user": {"forwards": [{"host_port": 2222, "guest_port": 22}]}},
                  "storage": {"bridge": "br0"}}},
)
DOMAIN_OPTIONS = (
    None,
    {"domain_type": "qemu", "cpu_features": [{"name": "arch-capabilities", "policy": "disable"}],
     "cfs_period": 100000, "memory_hard_limit": True, "free_page_reporting": False,
     "mem_balloon_stats_period": 5, "private_dir": "/var/run/kubevirt-private",
     "ovmf_path": "/usr/share/OVMF"},
)
POD_OPTIONS = (
    None,
    {"image": "quay.io/kubevirt/virt-launcher:v1.6.0", "image_pull_policy": "Always",
     "qemu_timeout": 300, "ovmf_path": "/usr/share/OVMF", "hypervisor": "kvm",
     "memory_overhead_annotation": False},
)
NAMESPACES = (
    None,
    {"metadata": {"name": "telco", "labels": {"autocpulimit": "true", "tier": "gold"}}},
)
RESOURCE_QUOTAS = (
    (), [{"metadata": {"namespace": "telco"}, "spec": {"hard": {"limits.cpu": "10",
                                                                "limits.memory": "20Gi"}}}],
)
NADS = (
    (), [{"metadata": {"name": "sriov-vf-net", "namespace": "telco",
                       "annotations": {"k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov_vf"}}}],
)

# -- inputs that say how they were made -----------------------------------------------------


class Input:
    """A generated argument and the recipe it was made by. Hypothesis shows a failing example
    with ``repr()``: the recipe, short and readable, where the value itself may be an alias
    bomb (millions of leaves by reference) or a number whose repr() raises."""

    __slots__ = ("value", "recipe")

    def __init__(self, value, recipe):
        self.value = value
        self.recipe = recipe

    def __repr__(self):
        return self.recipe


class Call:
    """Keyword arguments of one call, each an Input."""

    __slots__ = ("inputs",)

    def __init__(self, inputs):
        self.inputs = inputs

    def kwargs(self):
        return dict((name, item.value) for name, item in self.inputs.items())

    def __repr__(self):
        return "(%s)" % ", ".join("%s=%r" % item for item in self.inputs.items())


def example(values, label):
    """One of ``values`` (a mapping by name), deep-copied, as an Input named ``label[name]``."""
    names = sorted(values, key=str)
    return st.sampled_from(range(len(names))).map(
        lambda index: Input(copy.deepcopy(values[names[index]]), "%s[%r]" % (label, names[index])))


def examples(values, label):
    """An Input of each of ``values`` (a tuple), deep-copied."""
    return st.sampled_from(range(len(values))).map(
        lambda index: Input(copy.deepcopy(values[index]), "%s[%d]" % (label, index)))


def pick(values):
    """One of ``values``, drawn by index: hypothesis describes a strategy by repr() of what it
    samples, and repr() of HUGE_INT raises."""
    values = tuple(values)
    return st.sampled_from(range(len(values))).map(values.__getitem__)


# -- hostile values -------------------------------------------------------------------------


class Text(str):
    """A str subclass, as Ansible hands filters its tagged or unsafe strings."""


class Number(int):
    """An int subclass."""


class Mapping(dict):
    """A dict subclass, as Ansible hands filters its tagged mappings."""


HUGE_INT = 10 ** 5000  # str() and repr() of it raise ValueError (more than 4300 digits)
LONG = "x" * 100000

HOSTILE_SCALARS = (
    None, True, False, 0, -1, 1, 3, 255, 2 ** 31 - 1, 2 ** 31, 4294967295, 2 ** 32, 2 ** 63 - 1,
    2 ** 63, 2 ** 64, 10 ** 9, 10 ** 30, -10 ** 30, HUGE_INT, -HUGE_INT, Number(7),
    0.0, -0.0, 0.5, 1.5, -2.5, 1e-300, 1e308, 1e400, float("-inf"), float("nan"),
    "", " ", "\n", "\t", "0", "-1", "1\n", "2Gi\n", " 2Gi", "2Gi ", "1.5", "1e400", "1E400", "-1e400",
    "1e-400", "NaN", "nan", "Inf", "+Inf", "0x10", "0o7", "1_000", "1,000", "true", "null", "~",
    "\u00b2", "\u0663", "\uff11", "1\u00b2Gi", "\u0663Gi", "\uff11Gi", "2\u00a0Gi", "\u216b",
    "\x00", "a\x00b", "\x1b[2J", "\x7f", "\u0085", "\u2028", "\u202e", "\ufeff", "\ud800",
    "a\udfffb", "9" * 5000, "1" + "0" * 4999, "0." + "0" * 5000 + "1", "1e" + "9" * 5000,
    "1e999999999", "0-4294967295", "0-999999999", "4294967295", "1000000000", "0-8191", "3-1",
    "0,,1", "-5", LONG, "\u00e9" * 50000, "a" * 254, "{{ lookup('pipe', 'id') }}",
    "<script>alert(1)</script>", "../../etc/passwd", "line1\nline2", "%s%n%d", "\\", '"',
    Text("2Gi"), Text("\ud800"), b"2Gi", b"\xff",
)

HOSTILE_KEYS = (
    0, -1, 1, None, (1, 2), ("a", None), 1.5, float("nan"), float("inf"), True, HUGE_INT, "", " ", LONG,
    "\ud800", "a.b", "[0]", "\n", "\x00", "metadata", "__class__", "\u540d\u524d", Text("name"),
)


def describe(value, depth=0):
    """A short text for ``value``: what a recipe shows of it."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        if abs(value) == HUGE_INT:
            return "-10 ** 5000" if value < 0 else "10 ** 5000"
        if value.bit_length() > 128:
            return "<int of %d bits>" % value.bit_length()
        return repr(value) if value.__class__ is int else "%s(%d)" % (type(value).__name__, value)
    if isinstance(value, (str, bytes)):
        shown = value if len(value) <= 40 else None
        if shown is None and len(set(value)) == 1:
            text = "%r * %d" % (value[:1], len(value))
        elif shown is None:
            text = "%r + ... (%d long)" % (value[:16], len(value))
        else:
            text = repr(shown)
        return "%s(%s)" % (type(value).__name__, text) if type(value) not in (str, bytes) else text
    if isinstance(value, float):
        return repr(value)
    if depth > 1:
        return "<%s of %d>" % (type(value).__name__, len(value)) if hasattr(value, "__len__") \
            else "<%s>" % type(value).__name__
    if isinstance(value, dict):
        items = list(value.items())
        text = "{%s%s}" % (", ".join("%s: %s" % (describe(k, depth + 1), describe(v, depth + 1))
                                     for k, v in items[:4]), ", ..." if len(items) > 4 else "")
    elif isinstance(value, (list, tuple)):
        text = ", ".join(describe(v, depth + 1) for v in value[:4]) + (", ..." if len(value) > 4 else "")
        text = "(%s,)" % text if isinstance(value, tuple) else "[%s]" % text
    else:
        return "<%s>" % type(value).__name__
    return "%s(%s)" % (type(value).__name__, text) if type(value) not in (dict, list, tuple) else text


def nested_list(depth=200):
    value = "leaf"
    for _level in range(depth):
        value = [value]
    return value


def nested_dict(depth=200):
    value = "leaf"
    for _level in range(depth):
        value = {"a": value}
    return value


def nested_mixed(depth=200):
    value = {"cores": 2}
    for level in range(depth):
        value = {"spec": value} if level % 2 else [value]
    return value


# Levels of an alias bomb: 2**21 leaves by reference. Code that expands it runs out of time (or
# memory) at once, yet str() or json.dumps() of it, which run in C where no alarm stops them, end
# within seconds (more levels could exhaust the machine's memory before a limit is checked).
ALIAS_LEVELS = 21


def aliased_lists(levels=ALIAS_LEVELS):
    """2**levels leaves, every level the same list twice (a YAML alias bomb, already expanded
    by reference)."""
    value = ["lol"]
    for _level in range(levels):
        value = [value, value]
    return value


def aliased_dicts(levels=ALIAS_LEVELS):
    value = {"name": "x", "cores": 2}
    for _level in range(levels):
        value = {"a": value, "b": value}
    return value


def shared_items(count=5000):
    """One mapping referenced ``count`` times from one list."""
    shared = {"name": "disk", "disk": {"bus": "virtio"}, "cores": 2, "id": 0}
    return [shared] * count


def wide_dict(count=20000):
    return dict(("k%d" % index, index) for index in range(count))


def odd_keys():
    return {0: "a", None: "b", (1, 2): "c", 1.5: "d", True: "e", HUGE_INT: "f", "": "g"}


# (recipe, builder): structures made fresh for each use
HOSTILE_BUILDERS = (
    ("[]", list), ("{}", dict), ("[None]", lambda: [None]), ("{'': None}", lambda: {"": None}),
    ("[[]]", lambda: [[]]), ("{None: None}", lambda: {None: None}),
    ("nested_list(200)", nested_list), ("nested_dict(200)", nested_dict),
    ("nested_mixed(200)", nested_mixed), ("aliased_lists()", aliased_lists),
    ("aliased_dicts()", aliased_dicts), ("shared_items(5000)", shared_items),
    ("wide_dict(20000)", wide_dict), ("odd_keys()", odd_keys),
    ("[0] * 100000", lambda: [0] * 100000), ("[LONG] * 100", lambda: [LONG] * 100),
    ("Mapping(a=1)", lambda: Mapping(a=1)), ("(1, 2)", lambda: (1, 2)), ("('a',)", lambda: ("a",)),
    ("{'name': 'x'}", lambda: {"name": "x"}), ("[{'name': 'x'}] * 2", lambda: [{"name": "x"}] * 2),
)


def _scalars():
    return st.one_of(
        pick(HOSTILE_SCALARS),
        st.text(max_size=12),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
    )


def _built(index):
    recipe, build = HOSTILE_BUILDERS[index]
    return Input(build(), recipe)


def _plain(value):
    return Input(value, describe(value))


def _hostile_values():
    built = range(len(HOSTILE_BUILDERS))
    return st.one_of(
        _scalars().map(_plain),
        st.sampled_from(built).map(_built),
        st.lists(_scalars(), max_size=4).map(_plain),
        st.dictionaries(st.one_of(pick(HOSTILE_KEYS), st.text(max_size=6)), _scalars(),
                        max_size=3).map(_plain),
    )


hostile_values = _hostile_values()
hostile_keys = st.one_of(pick(HOSTILE_KEYS), st.text(max_size=8))
_SUFFIXES = ("\n", "\ud800", "\x00", "\x1b[0m", "\u00b2", "\u0663", " ", "\t", LONG, "9" * 5000,
             "Gi", "Qi", "-", ".", "/", "\u202e")


def _retyped(value):
    """``value`` in the wrong type: lists and dicts around it, numbers as text and back."""
    choices = [[value], {"value": value}, None, True]
    if isinstance(value, str):
        choices += [Text(value), 0, 1.5, value.encode("utf-8", "surrogatepass"), list(value[:8])]
        digits = re.sub(r"[^0-9]", "", value)[:12]
        if digits:
            choices.append(int(digits))
    elif isinstance(value, bool):
        choices += ["true", 1, 0]
    elif isinstance(value, int) and value.bit_length() < 1000:
        choices += [str(value), float(value), value + 0.5, -value - 1, Number(value), str(value) + "\n"]
    elif isinstance(value, dict) and holds_secret(value):  # its keys must stay keys, they say so
        choices += [Mapping(value)]
    elif isinstance(value, dict):
        choices += [list(value.items()), list(value), Mapping(value), describe(list(value)[:3])]
    elif isinstance(value, list):
        choices += [tuple(value), dict(enumerate(value)), value[:1], value * 2]
    return choices


# -- mutations of a data tree ---------------------------------------------------------------

def _child_path(path, key):
    if key.__class__ is int and key.bit_length() < 64:
        return "%s[%d]" % (path, key)
    if isinstance(key, str) and re.match(r"[A-Za-z_][-\w/]*\Z", key) and len(key) < 60:
        return "%s.%s" % (path, key) if path else key
    return "%s[%s]" % (path, describe(key))


def slots(tree, limit_depth=40):
    """``(container, key, path)`` for every entry of ``tree``'s dicts and lists, each container
    visited once (an aliased one is not walked again)."""
    found = []
    seen = set()

    def walk(node, path, depth):
        if id(node) in seen or depth > limit_depth:
            return
        if isinstance(node, dict):
            seen.add(id(node))
            for key in list(node):
                found.append((node, key, _child_path(path, key)))
                walk(node[key], _child_path(path, key), depth + 1)
        elif isinstance(node, list):
            seen.add(id(node))
            if len(node) > 50:  # a long list: its first items stand for the others
                found.append((node, len(node) - 1, "%s[%d]" % (path, len(node) - 1)))
            for index in range(min(len(node), 50)):
                found.append((node, index, "%s[%d]" % (path, index)))
                walk(node[index], "%s[%d]" % (path, index), depth + 1)
    walk(tree, "", 0)
    return found


def _dicts(tree):
    found = []
    if isinstance(tree, dict):
        found.append((tree, "(top)"))
    found.extend((node[key], path) for node, key, path in slots(tree) if isinstance(node[key], dict))
    unique = {}
    for node, path in found:
        unique.setdefault(id(node), (node, path))
    return list(unique.values())


def holds_secret(value):
    """Whether a planted secret is somewhere in ``value`` (each container looked at once)."""
    seen = set()
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if any(secret in node for secret in SECRETS):
                return True
        elif isinstance(node, (dict, list, tuple)) and id(node) not in seen:
            seen.add(id(node))
            if isinstance(node, dict):
                stack.extend(node.keys())
                stack.extend(node.values())
            else:
                stack.extend(node[:100])
    return False


MUTATIONS = ("replace", "replace", "retype", "insert", "rename", "delete", "append", "alias")


@st.composite
def mutated(draw, base, max_mutations=3):
    """``base`` (an Input) deep-copied with one to ``max_mutations`` hostile changes anywhere in
    it. No change copies a planted secret to another
    place (an error may show a value it names)."""
    values = hostile_values
    tree = copy.deepcopy(base.value)
    changes = []
    for _change in range(draw(st.integers(1, max_mutations))):
        kind = draw(st.sampled_from(MUTATIONS))
        if kind == "insert":
            dicts = _dicts(tree)
            if not dicts:
                continue
            node, path = draw(pick(dicts))
            key, value = draw(hostile_keys), draw(values)
            node[key] = value.value
            changes.append("%s[%s] = %s" % (path, describe(key), value))
            continue
        places = slots(tree)
        if not places:
            break
        node, key, path = draw(pick(places))
        value = node[key]
        if kind == "replace":
            new = draw(values)
            node[key] = new.value
            changes.append("%s = %s" % (path, new))
        elif kind == "retype":
            node[key] = draw(pick(_retyped(value)))
            changes.append("%s = %s" % (path, describe(node[key])))
        elif kind == "delete":
            del node[key]
            changes.append("del %s" % path)
        elif kind == "rename" and isinstance(node, dict) and not holds_secret(value):
            if isinstance(key, str) and draw(st.booleans()):
                suffix = draw(pick(_SUFFIXES))
                new_key = key + suffix
            else:
                new_key = draw(hostile_keys)
            node[new_key] = node.pop(key)
            changes.append("%s renamed %s" % (path, describe(new_key)))
        elif kind == "rename" and isinstance(node, list):  # a list item keeps its place: a new value
            new = draw(values)
            node[key] = new.value
            changes.append("%s = %s" % (path, new))
        elif kind == "append" and isinstance(value, str):
            suffix = draw(pick(_SUFFIXES))
            before = draw(st.booleans())
            node[key] = suffix + value if before else value + suffix
            first, second = (describe(suffix), path) if before else (path, describe(suffix))
            changes.append("%s = %s + %s" % (path, first, second))
        elif kind == "append":
            new = draw(values)
            node[key] = new.value
            changes.append("%s = %s" % (path, new))
        elif kind == "alias" and not holds_secret(value):
            if isinstance(value, list) and value:
                count = draw(st.sampled_from((2, 64, 5000)))
                node[key] = [value[0]] * count
                changes.append("%s = [%s[0]] * %d (one object)" % (path, path, count))
            else:
                levels = draw(st.sampled_from((1, 8, ALIAS_LEVELS)))
                shared = value
                for _level in range(levels):
                    shared = [shared, shared]
                node[key] = shared
                changes.append("%s = itself in %d levels of [x, x]" % (path, levels))
    return Input(tree, "%s with %s" % (base.recipe, "; ".join(changes) or "no change"))


def damaged(base):
    """``base`` (an Input) mutated, or replaced by a hostile value altogether."""
    changed = mutated(base)
    return st.one_of(changed, changed, changed, hostile_values)


def damaged_part(labels):
    """For an Input holding a tuple (a VMI with its plan and host): one part damaged."""
    def build(base):
        def part(index):
            values = base.value
            piece = Input(values[index], "%s of %s" % (labels[index], base.recipe))
            return damaged(piece).map(lambda bad: Input(
                tuple(bad.value if j == index else value for j, value in enumerate(values)),
                "%s: %s" % (labels[index], bad.recipe)))
        return st.sampled_from(range(len(labels))).flatmap(part)
    return build


# -- hostile YAML text ---------------------------------------------------------------------

def _alias_bomb(levels=12, width=9):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append("a%d: &a%d [%s]" % (level, level, ", ".join(["*a%d" % (level - 1)] * width)))
    return "\n".join(lines) + "\n"


HOSTILE_YAML = (
    _alias_bomb(), "[" * 200 + "]" * 200, "{a: " * 200 + "1" + "}" * 200,
    "".join("%sa:\n" % ("  " * level) for level in range(200)) + "  " * 200 + "b: 1\n",
    "!!python/object/apply:os.system ['true']\n", "a: !!python/name:os.system\n",
    "&a [*a]\n", "a: &a {b: *a}\n", "--- 1\n--- 2\n--- 3\n", "...\n", "---\n",
    "\tkey: value\n", "a: 1\na: 2\n", "? [1, 2]\n: x\n", "? {a: 1}\n: x\n", "*undefined\n",
    "9" * 5000 + "\n", "a: " + "9" * 5000 + "\n", "9" * 5000 + ": x\n", "0x" + "f" * 5000 + "\n",
    "a: 1e400\n", "a: .nan\n", "a: !!binary AAAA\n", "!!set {a, b}\n", "!!omap [a: 1, b: 2]\n",
    "a: !!timestamp 2024-01-01\n", "a: 2024-01-01\n", "%YAML 9.9\n---\na: 1\n", "%TAG ! !x\n",
    "a: \"\\ud800\"\n", "\ufeffa: 1\n", "a: \x00\n", "a: \x85b\n", "<<: {a: 1}\n",
    "a: &x 1\nb: *x\n", "- " * 200 + "x\n", "'" + LONG + "'\n", "a: |\n" + "  x\n" * 20000,
    b"\xff\xfe\x00a", b"a: 1\n", b"\xef\xbb\xbfa: 1\n", b"a: \xc3\n",
)


def _example_texts():
    texts = []
    for folder in ("vmis", "hosts", "virtlet"):
        for path in sorted(glob.glob(os.path.join(ROOT, "examples", folder, "*.yaml"))):
            with open(path) as handle:
                texts.append(handle.read())
    return tuple(texts)


EXAMPLE_TEXTS = _example_texts()


@st.composite
def yaml_texts(draw):
    """An example file's text with hostile YAML or values spliced in, or hostile YAML alone."""
    kind = draw(st.sampled_from(("hostile", "splice", "line", "truncate", "text")))
    if kind == "hostile":
        index = draw(st.sampled_from(range(len(HOSTILE_YAML))))
        return Input(HOSTILE_YAML[index], "HOSTILE_YAML[%d]: %s" % (index, describe(HOSTILE_YAML[index])))
    if kind == "text":
        return _plain(draw(st.text(max_size=40)))
    index = draw(st.sampled_from(range(len(EXAMPLE_TEXTS))))
    text = EXAMPLE_TEXTS[index]
    at = draw(st.integers(0, len(text)))
    if kind == "truncate":
        return Input(text[:at], "EXAMPLE_TEXTS[%d][:%d]" % (index, at))
    snippet = draw(st.one_of(pick(t for t in HOSTILE_YAML if isinstance(t, str)),
                             pick(v for v in HOSTILE_SCALARS if isinstance(v, str))))
    if kind == "splice":
        return Input(text[:at] + snippet + text[at:],
                     "EXAMPLE_TEXTS[%d] with %s inserted at %d" % (index, describe(snippet), at))
    lines = text.split("\n")
    line = draw(st.integers(0, len(lines) - 1))
    indent = re.match(r"\s*(- )?", lines[line]).group(0)
    key = lines[line].strip().split(":")[0] if ":" in lines[line] else "x"
    lines[line] = "%s%s: %s" % (indent, key, snippet.split("\n")[0])
    return Input("\n".join(lines), "EXAMPLE_TEXTS[%d] with line %d = %s" % (
        index, line, describe(lines[line])))


# -- hosts that contradict themselves -------------------------------------------------------

def _siblings_apart(host):
    cpus = host["cpus"]
    first = cpus[0]
    for cpu in cpus[1:]:
        if cpu["socket"] == first["socket"] and cpu["core"] == first["core"]:
            cpu["node"] = first["node"] + 1
            break
    else:
        cpus.append(dict(first, id=max(c["id"] for c in cpus) + 1, node=first["node"] + 1))


def _cpu_id_huge(host):
    host["cpus"][-1]["id"] = 10 ** 9


def _distance_zero(host):
    host["nodes"][0]["distances"] = [0] * len(host["nodes"])


def _page_size_three(host):
    host["nodes"][0]["hugepages"]["3"] = {"total": 4, "free": 4}


def _free_over_total(host):
    pools = host["nodes"][-1]["hugepages"]
    for pool in pools.values():
        pool["free"] = pool["total"] + 1000


def _missing_node(host):
    host["cpus"][0]["node"] = 7


def _duplicate_node(host):
    host["nodes"].append(copy.deepcopy(host["nodes"][0]))


def _short_distances(host):
    host["nodes"][-1]["distances"] = [10]


def _reserved_everything(host):
    host["reserved_cpus"] = "0-%d" % max(cpu["id"] for cpu in host["cpus"])


def _used_overlaps(host):
    host["used_cpus"] = host.get("reserved_cpus") or "0"
    host["reserved_cpus"] = host["used_cpus"]


def _no_memory(host):
    for node in host["nodes"]:
        node["memory"] = "0"


def _negative_pages(host):
    host["nodes"][0]["hugepages"] = {"2Mi": {"total": -1, "free": -5}}


def _cpus_of_missing_socket(host):
    host["cpus"] = [dict(cpu, socket=-1) for cpu in host["cpus"]]


HOST_DAMAGE = (_siblings_apart, _cpu_id_huge, _distance_zero, _page_size_three, _free_over_total,
               _missing_node, _duplicate_node, _short_distances, _reserved_everything,
               _used_overlaps, _no_memory, _negative_pages, _cpus_of_missing_socket)


@st.composite
def inconsistent_host(draw, base):
    """``base`` (an Input of host data) made to contradict itself in one to three ways."""
    host = copy.deepcopy(base.value)
    damages = draw(st.lists(st.sampled_from(HOST_DAMAGE), min_size=1, max_size=3, unique=True))
    for damage in damages:
        damage(host)
    return Input(host, "%s with %s" % (base.recipe, ", ".join(d.__name__.strip("_") for d in damages)))


def hostile_host(base):
    """Host data mutated, contradicting itself, both, or a hostile value."""
    if not isinstance(base.value, dict):  # an optional host left out: anything in its place
        return damaged(base)
    return st.one_of(mutated(base), inconsistent_host(base), inconsistent_host(base).flatmap(mutated),
                     hostile_values)


# -- one call, bounded and measured ---------------------------------------------------------

# seconds per call (the suite's hypothesis deadline is the same, per example): a call still
# running then is stopped by an alarm (unless it is in C code, which runs on to its end) and fails
TIME_LIMIT = 2.0
MEMORY_LIMIT = 200 * 1024 * 1024  # bytes of traced peak growth per call
MESSAGE_LIMIT = 400

# entry point -> {"calls", "max_seconds", "max_peak_bytes"}; asserted by the suite's last test
STATS = {}


class CallTimedOut(BaseException):
    """Raised into a call still running after TIME_LIMIT (BaseException: no ``except Exception``
    in the engine swallows it)."""


def _alarm(signum, frame):
    raise CallTimedOut("still running after %s s" % TIME_LIMIT)


def bounded_call(entry, function, *args, stats=None, **kwargs):
    """``(result, exception)`` of ``function(*args, **kwargs)``, run under a wall-clock alarm and
    tracemalloc; the time and traced peak go into ``stats[entry]`` (``stats``: STATS unless
    given); fails past TIME_LIMIT or MEMORY_LIMIT."""
    stats = STATS if stats is None else stats
    previous = signal.signal(signal.SIGALRM, _alarm)
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    result = error = None
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        result = function(*args, **kwargs)
    except (Exception, CallTimedOut) as err:  # judged by check_error
        error = err
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] - base
        if not tracing:
            tracemalloc.stop()
        signal.signal(signal.SIGALRM, previous)
    figures = stats.setdefault(entry, {"calls": 0, "max_seconds": 0.0, "max_peak_bytes": 0})
    figures["calls"] += 1
    figures["max_seconds"] = max(figures["max_seconds"], elapsed)
    figures["max_peak_bytes"] = max(figures["max_peak_bytes"], peak)
    assert elapsed < TIME_LIMIT, "%s took %.2f s" % (entry, elapsed)
    assert peak < MEMORY_LIMIT, "%s grew the traced memory by %d bytes" % (entry, peak)
    return result, error


# -- what a call may raise ------------------------------------------------------------------

_ENGINE = os.sep + os.path.join("plugins", "module_utils") + os.sep
_FILTERS = os.sep + os.path.join("plugins", "filter") + os.sep
# where a filter turns a foreign exception into its error by design: yaml_flow's JSON encoding
_CONVERTED = ("yaml_flow.py:yaml_flow",)


def raised_at(err):
    """``file.py:function`` of the innermost engine frame (``filter/file.py:function`` for a
    filter's) that ``err`` passed through."""
    where = None
    for frame in traceback.extract_tb(err.__traceback__):
        if _ENGINE in frame.filename:
            where = "%s:%s" % (os.path.basename(frame.filename), frame.name)
        elif _FILTERS in frame.filename:
            where = "filter/%s:%s" % (os.path.basename(frame.filename), frame.name)
    return where


def _message_defects(message, path, where):
    defects = []
    if len(message) > MESSAGE_LIMIT:
        # the path alone can make it long (a key of 100,000 characters): a defect of its own
        kind = "path too long" if path and len(message) - len(path) <= MESSAGE_LIMIT else "message too long"
        defects.append((kind, where, "the message is %d characters long" % len(message)))
    for secret in SECRETS:
        if secret in message:
            defects.append(("secret shown", where, "the message shows the planted secret %s" % secret))
    return defects


def _input_error_defects(err):
    message = str(err)
    origin = err
    while isinstance(origin.__context__, VmpodInputError):  # each_item names the item: the first raise
        origin = origin.__context__
    where = raised_at(origin)
    defects = _message_defects(message, err.path, where)
    start = err.path or "input"
    if not start.strip() or not (message.startswith(start + ": ") or message.startswith(start + " ")):
        defects.append(("no field path", where, "the message does not start with its path %r" % start[:80]))
    return defects


def defects(err, via_filter=False):
    """What is wrong with what a call raised (``err``, None when it returned), as ``(kind,
    where, text)``: kind is a foreign exception's name, ``did not finish``, ``message too long``,
    ``path too long``, ``secret shown``, ``no field path`` or ``filter hides <name>``; where is
    ``raised_at``. An input error (through a filter: an AnsibleFilterError made of one) whose
    message starts with its field path, is at most MESSAGE_LIMIT characters and shows no planted
    secret has none."""
    if err is None:
        return []
    where = raised_at(err)
    if isinstance(err, CallTimedOut):
        return [("did not finish", where, "still running after %s s" % TIME_LIMIT)]
    expected = AnsibleFilterError if via_filter else VmpodInputError
    if not isinstance(err, expected):
        return [(type(err).__name__, where, _short(err))]
    if not via_filter:
        return _input_error_defects(err)
    cause = err.__context__
    if isinstance(cause, VmpodInputError):
        found = _input_error_defects(cause)
        if not (str(err) == str(cause) or str(err).endswith(": " + str(cause))):
            found.append(("not the input error", raised_at(cause), _short(str(err))))
        return found
    found = _message_defects(str(err), None, where)
    inner = raised_at(cause) if cause is not None else None
    if inner is not None and not inner.startswith("filter/") and inner not in _CONVERTED:
        # a foreign exception of the engine that the filter turned into its own error
        found.append(("filter hides %s" % type(cause).__name__, inner, _short(str(err))))
    if not re.match(r"[^\s:]+[:\s]", str(err)):
        found.append(("no field path", where, "the message starts with neither a path nor the filter's name"))
    return found


def is_known(entry, defect, known):
    """Whether ``known`` (``(entry, kind, where, text)`` fnmatch patterns) holds ``defect``."""
    values = (entry,) + tuple(defect)
    return any(all(fnmatch.fnmatchcase(value or "", part) for value, part in zip(values, pattern))
               for pattern in known)


def check_error(entry, err, known=(), via_filter=False):
    """Fail on every defect of ``err`` that ``known`` does not hold."""
    unknown = [defect for defect in defects(err, via_filter) if not is_known(entry, defect, known)]
    assert not unknown, "%s: %s" % (entry, "; ".join("%s at %s: %s" % defect for defect in unknown))


def _short(value):
    try:
        text = str(value)
    except ValueError:  # a KeyError of a 5000-digit key: its str() raises too
        text = "<%s that str() cannot show>" % type(value).__name__
    return text if len(text) <= 300 else text[:300] + "...(%d characters)" % len(text)
