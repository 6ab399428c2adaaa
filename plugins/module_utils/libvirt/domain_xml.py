# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt domain XML for ``vmpod.core.libvirt_domain``: reading it, its canonical form, the
record of what was applied, and the pinning read back in the placement plan's shapes.

No I/O and no libvirt import here: the module passes the texts and the values libvirt returned.

Why a record: libvirt rewrites a domain it defines (it adds a machine type, controllers, PCI
addresses, a CPU model, ...), so the XML a user gives never equals the XML libvirt keeps, and a
normalised comparison cannot tell a default libvirt added from an element the user removed. The
module therefore stores, in the domain's ``<metadata>``, the fingerprint of the XML it was given
and the fingerprint of the definition libvirt made of it. The next run compares both: the same
input onto an untouched definition is no change, without defining anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import xml.etree.ElementTree as ET

from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import format_cpuset, parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

RECORD_NAMESPACE = "urn:vmpod:core:libvirt_domain"
RECORD_PREFIX = "vmpod"
RECORD_NAME = "applied"
_RECORD_TAG = "{%s}%s" % (RECORD_NAMESPACE, RECORD_NAME)

# virDomainNumatuneMemMode, by value (libvirt-domain.h)
NUMATUNE_MODES = ("strict", "preferred", "interleave", "restrictive")


class AppliedRecord:
    """The fingerprints stored with a domain: of the input XML, and of libvirt's definition."""

    __slots__ = ("input", "defined")

    def __init__(self, input_sha256, defined_sha256):
        self.input = input_sha256
        self.defined = defined_sha256

    def matches(self, input_sha256, defined_sha256):
        return self.input == input_sha256 and self.defined == defined_sha256


def read_domain(text, path="xml"):
    """The parsed ``<domain>`` of ``text``; it must have a non-empty ``<name>``."""
    if not isinstance(text, str) or not text.strip():
        raise VmpodInputError(path, text, "must be the text of a libvirt <domain> XML document")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise VmpodInputError(path, _head(text), "is not well-formed XML: %s" % exc)
    if root.tag != "domain":
        raise VmpodInputError(path, "<%s>" % root.tag, "is not a libvirt <domain> document")
    if not domain_name(root):
        raise VmpodInputError(path + "/domain/name", None, "is required")
    uuid = root.findtext("uuid")
    if uuid is not None and not _is_uuid(uuid.strip()):
        raise VmpodInputError(path + "/domain/uuid", uuid, "is not a UUID")
    return root


def domain_name(root):
    return (root.findtext("name") or "").strip()


def domain_uuid(root):
    """The ``<uuid>`` in the canonical lower-case form libvirt prints, or None."""
    text = root.findtext("uuid")
    if text is None:
        return None
    return _uuid_text(text.strip())


def canonical_xml(root):
    """The Canonical XML 2.0 text of ``root`` without the vmpod record: attribute order, quoting,
    namespace prefixes, comments and indentation do not count, nor the place of a
    ``<controller>`` among the devices (a controller is named by its type and index; libvirt adds
    the ones a domain needs but does not list, such as virtio-serial for a channel, at a place
    of its own choosing that differs between definitions)."""
    plain = without_record(root)
    devices = plain.find("devices")
    if devices is not None:
        controllers = devices.findall("controller")
        for element in controllers:
            devices.remove(element)
        controllers.sort(key=lambda element: (element.get("type") or "", element.get("index") or "",
                                              ET.tostring(element, encoding="unicode")))
        for position, element in enumerate(controllers):
            devices.insert(position, element)
    text = ET.tostring(plain, encoding="unicode")
    return ET.canonicalize(text, strip_text=True, rewrite_prefixes=True)


def fingerprint(root):
    return hashlib.sha256(canonical_xml(root).encode("utf-8")).hexdigest()


def applied_record(root):
    """The ``AppliedRecord`` stored in the domain's ``<metadata>``, or None."""
    element = root.find("metadata/" + _RECORD_TAG)
    if element is None:
        return None
    return AppliedRecord(element.get("input-sha256"), element.get("defined-sha256"))


# what to do with a domain of the wanted name that is already defined (``existing_domain_plan``)
REDEFINE = "redefine"   # define the XML over it, keeping its UUID
REPLACE = "replace"     # undefine it, then define the XML anew


def made_by_collection(root):
    """Whether a domain's definition carries the vmpod record: this module defined it."""
    return applied_record(root) is not None


def existing_domain_plan(existing, wanted, active, adopt=False):
    """``REDEFINE`` or ``REPLACE`` for the defined domain ``existing`` (libvirt's XML, parsed)
    given the ``wanted`` XML; raises ``VmpodInputError`` for a domain that must stay untouched.

    * not made by the collection (no record): refused, unless ``adopt``;
    * the same UUID, or none wanted: redefined;
    * another UUID: a stopped domain the collection made (for example left by an earlier failed
      run) is replaced; a running one, or an adopted one, is refused.
    """
    name = domain_name(existing)
    ours = made_by_collection(existing)
    if not ours and not adopt:
        raise VmpodInputError(
            "xml/domain/name", name,
            "is a domain that vmpod.core did not define (its <metadata> has no <%s:%s> "
            "element in namespace %s), so it is left untouched: undefine or rename it, or set "
            "adopt=true to redefine it" % (RECORD_PREFIX, RECORD_NAME, RECORD_NAMESPACE))
    wanted_uuid = domain_uuid(wanted)
    existing_uuid = domain_uuid(existing)
    if wanted_uuid is None or wanted_uuid == existing_uuid:
        return REDEFINE
    if ours and not active:
        return REPLACE
    raise VmpodInputError(
        "xml/domain/uuid", wanted_uuid,
        "differs from the UUID of the defined domain %r (%s)%s"
        % (name, existing_uuid, "; it is running, so it is not replaced" if ours else ""))


def record_metadata(record):
    """The ``<applied>`` element to store with ``virDomainSetMetadata`` (``RECORD_NAMESPACE``)."""
    element = ET.Element(RECORD_NAME, {"input-sha256": record.input,
                                       "defined-sha256": record.defined})
    return ET.tostring(element, encoding="unicode")


def without_record(root):
    """A copy of ``root`` without the vmpod record (and without ``<metadata>`` left empty)."""
    result = copy.deepcopy(root)
    metadata = result.find("metadata")
    if metadata is not None:
        for element in metadata.findall(_RECORD_TAG):
            metadata.remove(element)
        if len(metadata) == 0 and not (metadata.text or "").strip():
            result.remove(metadata)
    return result


def without_record_text(text):
    """libvirt's formatted XML ``text`` without the lines of the vmpod record, for diffs that
    keep libvirt's own layout (one element per line, as ``virDomainGetXMLDesc`` writes it)."""
    if RECORD_NAMESPACE not in text:
        return text
    result = []
    for line in text.splitlines(True):
        if _is_record_line(line):
            continue
        if line.strip() == "</metadata>" and result and result[-1].strip() == "<metadata>":
            result.pop()  # a <metadata> left empty goes too
            continue
        result.append(line)
    text = "".join(result)
    if RECORD_NAMESPACE in text:  # not laid out one element per line: serialise it anew
        text = ET.tostring(without_record(ET.fromstring(text)), encoding="unicode")
    return text


def _is_record_line(line):
    stripped = line.strip()
    if not (stripped.startswith("<") and stripped.endswith("/>")):
        return False
    tag = stripped[1:].split(None, 1)[0]
    return tag.split(":")[-1] == RECORD_NAME and RECORD_NAMESPACE in stripped


def definition_text(text, root, uuid):
    """The XML to give ``virDomainDefineXML``: the input as written, unless it carries a vmpod
    record (dropped: the module writes its own) or lacks the ``<uuid>`` of the domain it
    redefines (added: libvirt refuses a second domain of the same name)."""
    has_record = root.find("metadata/" + _RECORD_TAG) is not None
    if not has_record and (uuid is None or domain_uuid(root) is not None):
        return text
    result = without_record(root)
    if uuid is not None and domain_uuid(result) is None:
        element = ET.Element("uuid")
        element.text = uuid
        element.tail = result.find("name").tail
        result.insert(list(result).index(result.find("name")) + 1, element)
    return ET.tostring(result, encoding="unicode")


# -- what libvirt says about the pinning, in the placement plan's shapes -------------------------

def placement_from_libvirt(vcpu_maps, emulator_map, iothreads, numa_parameters, memnodes, source):
    """The pinning as ``plan_placement`` plans it, from the values libvirt-python returns.

    ``vcpu_maps``: ``virDomain.vcpuPinInfo`` (one CPU map per vCPU, a tuple of booleans per host
    CPU); ``emulator_map``: ``emulatorPinInfo``; ``iothreads``: ``ioThreadInfo`` (``(id, map)``
    pairs); ``numa_parameters``: ``numaParameters`` (``numa_mode``, ``numa_nodeset``);
    ``memnodes``: per guest cell, from the XML (``numatune_from_xml``); ``source``: ``live`` or
    ``config``.
    """
    cpusets = [cpus_of_map(cpu_map) for cpu_map in vcpu_maps]
    single = all(len(cpus) == 1 for cpus in cpusets)
    numatune = None
    nodeset = (numa_parameters or {}).get("numa_nodeset") or ""
    if nodeset:
        numatune = {"mode": numatune_mode(numa_parameters.get("numa_mode", 0)),
                    "nodeset": format_cpuset(parse_cpuset(nodeset, "numa_nodeset"))}
    return {
        "source": source,
        "vcpupin": [min(cpus) for cpus in cpusets] if cpusets and single else None,
        "vcpu_cpusets": [format_cpuset(cpus) for cpus in cpusets],
        "emulatorpin": format_cpuset(cpus_of_map(emulator_map)) if emulator_map else None,
        "iothreadpin": {str(thread_id): format_cpuset(cpus_of_map(cpu_map))
                        for thread_id, cpu_map in sorted(iothreads or ())},
        "numatune": numatune,
        "memnodes": memnodes,
    }


def cpus_of_map(cpu_map):
    """The host CPU ids set in a libvirt CPU map (a sequence of booleans, one per host CPU)."""
    return frozenset(index for index, used in enumerate(cpu_map) if used)


def numatune_mode(value):
    if isinstance(value, int) and 0 <= value < len(NUMATUNE_MODES):
        return NUMATUNE_MODES[value]
    return str(value)


def numatune_from_xml(root):
    """``<numatune>`` as written: ``memory`` (``{mode, nodeset}`` or None) and ``memnodes``
    (guest cell id as text -> ``{mode, nodeset}``)."""
    tune = root.find("numatune")
    result = {"memory": None, "memnodes": {}}
    if tune is None:
        return result
    memory = tune.find("memory")
    if memory is not None and memory.get("nodeset"):
        result["memory"] = {"mode": memory.get("mode", "strict"),
                            "nodeset": _cpuset_attribute(memory, "nodeset")}
    for element in tune.findall("memnode"):
        result["memnodes"][element.get("cellid")] = {
            "mode": element.get("mode", "strict"),
            "nodeset": _cpuset_attribute(element, "nodeset")}
    return result


def pinned_cpus(root):
    """The host CPUs a domain's ``<cputune>`` pins its vCPUs to (each ``vcpupin``), and its
    emulator and IOThreads when it pins vCPUs at all: the CPUs a running VM with dedicated CPUs
    holds. A domain without ``vcpupin`` (shared CPUs) holds none. A set of ints."""
    tune = root.find("cputune")
    if tune is None or tune.find("vcpupin") is None:
        return set()
    held = set()
    for tag in ("vcpupin", "emulatorpin", "iothreadpin"):
        for element in tune.findall(tag):
            cpus = _cpuset_attribute(element, "cpuset")
            if cpus:
                held |= parse_cpuset(cpus, "cpuset")
    return held


def _cpuset_attribute(element, name):
    value = element.get(name)
    if value is None:
        return None
    # libvirt writes "0-3,^2" for exclusions; the plan never does, so read them literally.
    ids = set()
    for part in value.split(","):
        part = part.strip()
        if part.startswith("^"):
            ids -= parse_cpuset(part[1:], name)
        else:
            ids |= parse_cpuset(part, name)
    return format_cpuset(ids)


def _is_uuid(text):
    return _uuid_text(text) is not None


def _uuid_text(text):
    """libvirt accepts 32 hex digits with or without dashes between them."""
    digits = text.replace("-", "").lower()
    if len(digits) != 32 or any(c not in "0123456789abcdef" for c in digits):
        return None
    return "%s-%s-%s-%s-%s" % (digits[:8], digits[8:12], digits[12:16], digits[16:20], digits[20:])


def _head(text):
    return text if len(text) <= 60 else text[:57] + "..."
