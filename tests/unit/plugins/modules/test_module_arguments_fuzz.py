# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host modules' arguments, fuzzed (issue 13): each module runs as Ansible runs it (JSON
arguments in, one JSON result out, SystemExit), in check mode, on a fake root in a temporary
directory, with one argument replaced by a hostile value (wrong types, huge and special numbers,
Unicode digits, control characters, lone surrogates, 100,000 characters, ranges of a billion
CPUs). Every run must end in a result: ``failed`` with a message of at most 1,000 characters and
no traceback, or success; never an exception out of ``main``, never past the time and memory
bounds of the engine's fuzz suite, never a change to a file in check mode.

Ansible's own argument validation (types, choices) runs before a module's code and quotes the
value whole; its messages are left out of the length bound."""

import json
import math
import os
import sys
import traceback
import types
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings
from ansible.module_utils.common.text.converters import to_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.modules import (
    cpu_partition_info, host_audit_info, host_topology_info, kernel_cmdline, kvm_host_info, numa_hugepages)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from vmpod_hostile import HOSTILE_SCALARS, LONG, STATS, TIME_LIMIT, bounded_call  # noqa: E402 pylint: disable=wrong-import-position

try:
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # ansible-core before 2.19 has no controller switch
    module_utils_internal = types.SimpleNamespace()

MESSAGE_LIMIT = 1000


def _json_safe(value):
    """Whether ``value`` can be a module argument: JSON that Ansible decodes (a lone surrogate
    is refused by Ansible before a module runs: "Failed to decode JSON module parameters")."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
        return json.loads(json.dumps(value)) == value or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError, OverflowError, UnicodeEncodeError):
        return False


# the engine suite's scalars that survive JSON (module arguments arrive as JSON), and more
SCALARS = [value for value in HOSTILE_SCALARS if _json_safe(value)] + [
    "0-400000000", "0-3,8191", "0-3,8192", "4294967295", "-1", "1-0", "0,,1", "0-3\n", "٣", "²",
    "1\u00a0-2", LONG[:5000], ["0-3"], {"a": 1}, [], {}, [[]], [{"size": "2Mi"}],
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
hostile = st.one_of(st.sampled_from(SCALARS), TEXT, st.integers(), st.floats(allow_nan=False),
                    st.lists(st.sampled_from(SCALARS), max_size=3),
                    st.dictionaries(st.sampled_from(["size", "count", "node", "nodes", "x"]),
                                    st.sampled_from(SCALARS), max_size=3))


def fake_root(root):
    """A small host: 4 CPUs on one NUMA node, 2Mi and 1Gi pools, a GRUB defaults file."""
    system = os.path.join(root, "sys/devices/system")
    for cpu in range(4):
        topology = os.path.join(system, "cpu/cpu%d/topology" % cpu)
        os.makedirs(topology)
        for name, text in (("physical_package_id", "0"), ("core_id", str(cpu // 2)),
                           ("thread_siblings_list", "%d-%d" % (cpu // 2 * 2, cpu // 2 * 2 + 1))):
            with open(os.path.join(topology, name), "w") as handle:
                handle.write(text + "\n")
    node = os.path.join(system, "node/node0")
    os.makedirs(node)
    files = {
        os.path.join(system, "cpu/online"): "0-3", os.path.join(system, "cpu/isolated"): "",
        os.path.join(system, "node/online"): "0", os.path.join(node, "cpulist"): "0-3",
        os.path.join(node, "distance"): "10",
        os.path.join(node, "meminfo"): "Node 0 MemTotal:       8388608 kB\nNode 0 MemFree:        4194304 kB",
        os.path.join(root, "proc/cmdline"): "BOOT_IMAGE=/vmlinuz ro quiet",
        os.path.join(root, "proc/cpuinfo"): "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vmx\n",
        os.path.join(root, "proc/sys/vm/compact_memory"): "",
        os.path.join(root, "etc/default/grub"): 'GRUB_CMDLINE_LINUX="quiet"',
        os.path.join(root, "dev/kvm"): "",
    }
    for size in (2048, 1048576):
        for where in ("sys/kernel/mm/hugepages", "sys/devices/system/node/node0/hugepages"):
            pool = os.path.join(root, where, "hugepages-%dkB" % size)
            files[os.path.join(pool, "nr_hugepages")] = "0"
            files[os.path.join(pool, "free_hugepages")] = "0"
    for path, text in files.items():
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        with open(path, "w") as handle:
            handle.write(text + "\n")
    return root


def modules(root):
    """module -> its valid arguments on ``root`` (each fuzzed one at a time)."""
    return {
        "cpu_partition_info": (cpu_partition_info, {"isolated": "2-3", "reserved": "0-1", "load_balance": False,
                                                    "sysfs_root": root}),
        "host_topology_info": (host_topology_info, {"sysfs_root": root, "reserved_cpus": "0", "used_cpus": "1"}),
        "kernel_cmdline": (kernel_cmdline, {"arguments": ["isolcpus=2-3"], "keys": [], "state": "present",
                                            "bootloader": "grub", "grub_defaults": os.path.join(root, "etc/default/grub"),
                                            "proc_cmdline": os.path.join(root, "proc/cmdline"),
                                            "grub_config_command": ["true"],
                                            "ostree_booted": os.path.join(root, "run/ostree-booted")}),
        "numa_hugepages": (numa_hugepages, {"pages": [{"node": 0, "size": "2Mi", "count": 2}], "default_size": "2Mi",
                                            "retries": 1, "delay": 0, "compact": True, "sysfs_root": root}),
        "kvm_host_info": (kvm_host_info, {"root": root}),
        "host_audit_info": (host_audit_info, {
            "root": root, "libvirt": False, "kubelet_root": os.path.join(root, "var/lib/kubelet"),
            "kubelet_config_dir": os.path.join(root, "etc/kubernetes/kubelet.conf.d"),
            "cpu_isolation_isolated": "2-3", "cpu_isolation_reserved": "0-1",
            "hugepages_pages": [{"node": 0, "size": "2Mi", "count": 0}],
            "plans": [{"name": "vm", "namespace": "lab", "fits": True, "cpuset": "2", "vcpupin": [2],
                       "hugepages": {"page_size": "2Mi", "per_node": {"0": 1}},
                       "launcher_resources": {"memory_overhead": "300Mi"}}]}),
    }


def run(module, args, capsys):
    """The module's result (a dict), run in check mode; an exception out of main is raised."""
    payload = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=True)}),
                       errors="surrogate_or_strict")
    with mock.patch.object(basic, "_ANSIBLE_ARGS", payload), \
            mock.patch.object(basic, "_ANSIBLE_PROFILE", "legacy", create=True), \
            mock.patch.object(warnings, "_global_warnings", type(warnings._global_warnings)()), \
            mock.patch.object(module_utils_internal, "is_controller", False, create=True):
        try:
            module.main()
        except SystemExit:
            pass
    out, _err = capsys.readouterr()
    return json.loads(out)


FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
ROOTS = {}


def syslog_refused_nul(error, value):
    """ansible-core logs the invocation to syslog before the module's code runs; on 2.16 with
    Python 3.12 a NUL byte in an argument raises ValueError there, out of AnsibleModule."""
    return (isinstance(error, ValueError) and isinstance(value, str) and "\x00" in value
            and str(error) == "embedded null character"
            and "_log_to_syslog" in [frame.name for frame in traceback.extract_tb(error.__traceback__)])


def _root(tmp_path_factory):
    if "root" not in ROOTS:
        ROOTS["root"] = fake_root(str(tmp_path_factory.mktemp("host")))
    return ROOTS["root"]


@pytest.mark.parametrize("name", sorted(modules("/")))
@FUZZ
@given(data=st.data())
def test_a_hostile_argument_gives_a_clean_result(name, data, capsys, tmp_path_factory):
    root = _root(tmp_path_factory)
    module, valid = modules(root)[name]
    args = dict(valid)
    option = data.draw(st.sampled_from(sorted(module_options(module))), label="option")
    args[option] = data.draw(hostile, label="value")
    before = snapshot(root)
    result, error = bounded_call("module " + name, run, module, args, capsys)
    if error is not None and syslog_refused_nul(error, args[option]):
        return  # ansible-core 2.16 on Python 3.12, before the module's code runs
    assert error is None, "%s: %s=%r raised %r" % (name, option, args[option], error)
    assert snapshot(root) == before, "check mode changed a file: %r" % result
    message = result.get("msg", "")
    assert "Traceback" not in message and "exception" not in result, result
    if not message.startswith(ANSIBLE_VALIDATION):
        assert len(message) <= MESSAGE_LIMIT, "%s: a message of %d characters" % (name, len(message))


# how ansible-core's argument spec validation starts its messages
ANSIBLE_VALIDATION = ("value of ", "argument '", "Unsupported parameters", "Elements value for option",
                      "missing required arguments", "parameters are mutually exclusive")


def snapshot(root):
    found = {}
    for directory, _dirs, names in os.walk(root):
        for name in names:
            with open(os.path.join(directory, name), "rb") as handle:
                found[os.path.join(directory, name)] = handle.read()
    return found


def module_options(module):
    """The options a module documents (what a user can pass)."""
    import yaml
    return list(yaml.safe_load(module.DOCUMENTATION)["options"])


def test_the_valid_arguments_succeed(tmp_path_factory, capsys):
    """So that a fuzzed failure comes from the value put in, not from the fake host."""
    for name, (module, args) in sorted(modules(_root(tmp_path_factory)).items()):
        result = run(module, args, capsys)
        assert not result.get("failed"), (name, result)


def test_the_modules_stayed_within_bounds():
    entries = dict((entry, figures) for entry, figures in STATS.items() if entry.startswith("module "))
    if not entries:
        pytest.skip("no module fuzz test ran")
    for entry, figures in entries.items():
        assert figures["max_seconds"] < TIME_LIMIT, (entry, figures)


@pytest.mark.parametrize("name, option, value, message", [
    # found by the fuzzing: open() raised "embedded null byte" out of main
    ("kernel_cmdline", "proc_cmdline", "\x00", "proc_cmdline: '\\x00' holds a NUL byte"),
    ("host_topology_info", "sysfs_root", "/a\x00", "sysfs_root: '/a\\x00' holds a NUL byte"),
    ("numa_hugepages", "sysfs_root", "/" + "a" * 5000, "sysfs_root: '/aaaa"),
    ("kvm_host_info", "root", "/\x00", "root: '/\\x00' holds a NUL byte"),
    # ansible-core's int type raised OverflowError on "Inf" out of main; delay inf slept forever
    ("numa_hugepages", "retries", "Inf", "retries: 'Inf' must be a whole number from 0 to 100"),
    ("numa_hugepages", "retries", -1, "retries: -1 must be a whole number from 0 to 100"),
    ("numa_hugepages", "delay", "inf", "delay: inf must be from 0 to 3600 seconds"),
])
def test_a_path_no_file_can_have_fails_naming_the_option(name, option, value, message, tmp_path_factory, capsys):
    module, args = modules(_root(tmp_path_factory))[name]
    # ansible-core logs the invocation to syslog before the module's code runs, and there a NUL
    # byte fails first: 2.20 and later fail the module with a message of their own, 2.16 on
    # Python 3.12 raises ValueError out of AnsibleModule (a module failure with a traceback)
    try:
        result = run(module, dict(args, **{option: value}), capsys)
    except ValueError as err:
        assert syslog_refused_nul(err, value), err
        return
    ours = result.get("msg", "").startswith(message)
    theirs = result.get("msg", "").startswith("Failed to log to syslog (embedded null character)")
    assert result.get("failed") and (ours or theirs and "\x00" in value), result


def test_retries_as_text_is_read_as_a_number(tmp_path_factory, capsys):
    module, args = modules(_root(tmp_path_factory))["numa_hugepages"]
    assert not run(module, dict(args, retries="3"), capsys).get("failed")
