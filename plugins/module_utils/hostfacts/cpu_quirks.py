# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host-model CPU features a host's KVM cannot really set, found by starting probe domains.

libvirt expands ``<cpu mode='host-model'/>`` to a model and features it reads from QEMU and the
host (``domcapabilities``); some hypervisors below the host advertise features whose MSRs KVM then
refuses to set (QEMU aborts with ``failed to set MSR ...``), so every host-model guest fails to
start. Which features: whatever disabling makes a probe domain start, found by bisecting over the
host-model feature list. No I/O here: the caller passes a ``starts(disabled)`` function that
starts a probe domain with those features disabled and says whether it started.

The result is cached per host under a key of everything that would change it
(``cache_key``): libvirt and QEMU versions, kernel, CPU identity and microcode, and the host-model
CPU libvirt offers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import xml.etree.ElementTree as ET

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

# Bump when the probe or its result changes meaning: older cache files are then ignored.
PROBE_VERSION = 1
CACHE_FORMAT = "vmpod.core/host_cpu_probe"
PROBE_MEMORY_MIB = 16

# probe outcomes
STARTS = "starts"          # host-model starts as libvirt gives it
FIXED = "fixed"            # it starts with ``features`` disabled
FAILS = "fails"            # it does not start even with every host-model feature disabled
SKIPPED = "skipped"        # no probe: host-model is not available, or probing was not asked for


class ProbeOutcome:
    """What the probe found: ``status`` (above), the ``features`` to disable, the ``trials`` it
    made (disabled features, started) and what libvirt said when host-model failed (``error``)."""

    __slots__ = ("status", "features", "trials", "error")

    def __init__(self, status, features=(), trials=(), error=None):
        self.status = status
        self.features = tuple(features)
        self.trials = tuple(trials)
        self.error = error

    def as_dict(self):
        return {"status": self.status, "features": list(self.features),
                "trials": len(self.trials), "error": self.error}


class _Trials:
    """``starts`` memoised by the set of disabled features, every call kept in order."""

    def __init__(self, starts, order):
        self.starts = starts
        self.order = order
        self.known = {}
        self.made = []
        self.first_error = None

    def __call__(self, disabled):
        key = frozenset(disabled)
        if key not in self.known:
            ordered = tuple(name for name in self.order if name in key)
            started, message = self.starts(ordered)
            self.known[key] = bool(started)
            self.made.append((ordered, bool(started)))
            if not started and self.first_error is None:
                self.first_error = message
        return self.known[key]


def find_unsettable_features(candidates, starts):
    """The ``ProbeOutcome`` for the host-model features ``candidates`` (names, libvirt's order).

    ``starts(disabled)`` starts a probe domain with the features ``disabled`` (a tuple) turned
    off and returns ``(started, message)``. A feature set is a culprit set when disabling it lets
    the probe start; the search assumes that disabling more never hurts (adaptive group testing:
    halve the candidates, keep the half whose disabling suffices, recurse into both halves only
    when needed), and checks its answer with one more start, searching again among the rest of
    the candidates until that start succeeds.
    """
    candidates = _unique(candidates)
    trial = _Trials(starts, candidates)
    if trial(()):
        return ProbeOutcome(STARTS, (), trial.made)
    if not candidates or not trial(candidates):
        return ProbeOutcome(FAILS, (), trial.made, trial.first_error)
    found = ()
    while not trial(found):
        rest = tuple(name for name in candidates if name not in found)
        found = found + _culprits(rest, found, trial)
    ordered = tuple(name for name in candidates if name in found)
    return ProbeOutcome(FIXED, ordered, trial.made, trial.first_error)


def _culprits(candidates, fixed, trial):
    """A non-empty part of ``candidates`` whose disabling (with ``fixed``) lets the probe start,
    given that ``fixed`` alone does not and ``fixed`` with all ``candidates`` does."""
    if len(candidates) == 1:
        return candidates
    half = len(candidates) // 2
    first, second = candidates[:half], candidates[half:]
    if trial(fixed + first):
        return _culprits(first, fixed, trial)
    in_second = _culprits(second, fixed + first, trial)
    if trial(fixed + in_second):
        return in_second
    return in_second + _culprits(first, fixed + in_second, trial)


def _unique(names):
    seen = set()
    result = []
    for name in names:
        if name not in seen:
            seen.add(name)
            result.append(name)
    return tuple(result)


def disable_entries(features):
    """``[{name, policy: disable}]``: the renderer's ``domain_options.cpu_features`` for them."""
    return [{"name": name, "policy": "disable"} for name in features]


# -- the probe domain ----------------------------------------------------------------------------

def probe_domain_xml(name, cpu, disabled):
    """A domain with no disks, no network and 16 MiB that only has to start (paused) to show
    whether QEMU can set up a vCPU of ``cpu`` (a ``HostModelCpu``) with ``disabled`` turned off."""
    domain = ET.Element("domain", {"type": cpu.domain_type})
    ET.SubElement(domain, "name").text = name
    ET.SubElement(domain, "memory", {"unit": "MiB"}).text = str(PROBE_MEMORY_MIB)
    ET.SubElement(domain, "vcpu").text = "1"
    os_element = ET.SubElement(domain, "os")
    type_attributes = {"arch": cpu.arch}
    if cpu.machine:
        type_attributes["machine"] = cpu.machine
    ET.SubElement(os_element, "type", type_attributes).text = "hvm"
    cpu_element = ET.SubElement(domain, "cpu", {"mode": "host-model"})
    for feature in disabled:
        ET.SubElement(cpu_element, "feature", {"policy": "disable", "name": feature})
    devices = ET.SubElement(domain, "devices")
    if cpu.emulator:
        ET.SubElement(devices, "emulator").text = cpu.emulator
    ET.SubElement(devices, "controller", {"type": "usb", "model": "none"})
    ET.SubElement(devices, "memballoon", {"model": "none"})
    return ET.tostring(domain, encoding="unicode")


# -- the cache -----------------------------------------------------------------------------------

def cpu_identity(cpuinfo):
    """The fields of the first processor in ``/proc/cpuinfo`` that name the CPU and its
    microcode (a microcode update can change what KVM may set)."""
    fields = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip(), value.strip())
    wanted = ("vendor_id", "cpu family", "model", "stepping", "microcode", "model name",
              "CPU implementer", "CPU part", "CPU variant", "CPU revision")
    return dict((name, fields[name]) for name in wanted if name in fields)


def cache_key(fields):
    """The SHA-256 of ``fields`` (what would change the probe's result: see ``key_fields``)."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_fields(cpu, libvirt_version, qemu_version, kernel, cpuinfo):
    """What the probe's result depends on: the software on both sides of KVM, the CPU, and the
    host-model CPU libvirt offers (``cpu``, a ``HostModelCpu``)."""
    return {
        "probe_version": PROBE_VERSION,
        "libvirt": libvirt_version,
        "qemu": qemu_version,
        "kernel": kernel,
        "cpu": cpu_identity(cpuinfo),
        "host_model": cpu.as_dict(),
    }


def cache_text(key, fields, outcome):
    """The cache file's content for a probe ``outcome`` under ``key``."""
    return json.dumps({"format": CACHE_FORMAT, "key": key, "fields": fields,
                       "probe": outcome.as_dict()}, indent=1, sort_keys=True) + "\n"


def cached_outcome(text, key):
    """The ``ProbeOutcome`` stored in a cache file's ``text`` under ``key``, or None when the
    text is not a cache file, holds another key, or holds no usable outcome."""
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("format") != CACHE_FORMAT:
        return None
    if record.get("key") != key:
        return None
    probe = record.get("probe")
    if not isinstance(probe, dict) or probe.get("status") not in (STARTS, FIXED, FAILS, SKIPPED):
        return None
    features = probe.get("features")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        return None
    return ProbeOutcome(probe["status"], features, (), probe.get("error"))


def check_cache_path(path):
    """The cache path as given; it must be an absolute file name."""
    if not isinstance(path, str) or not path.startswith("/") or path.endswith("/"):
        raise VmpodInputError("cache_path", path, "must be an absolute file path")
    return path
