#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: libvirt_domain
short_description: Define, start, stop and undefine a libvirt domain, and read back its pinning
version_added: 0.1.0
description:
  - Makes a libvirt domain (a virtual machine) defined from the given XML, running, stopped or
    absent, through the libvirt API at O(uri), and returns the vCPU, emulator and IOThread pinning
    and the NUMA memory policy that libvirt applied, in the shapes the C(vmpod.core.plan_placement)
    filter plans them, so a playbook can check the plan against what runs.
  - Defining is idempotent without touching libvirt when nothing changed. libvirt rewrites every
    definition (machine type, controllers, PCI addresses, CPU model ...), so the given XML is never
    equal to what libvirt keeps. The module therefore records, in the domain's C(<metadata>) (as
    C(<vmpod:applied>) in the namespace C(urn:vmpod:core:libvirt_domain)), a fingerprint of the XML
    it was given and one of the definition libvirt made of it. When the next run gives the same XML
    (compared in canonical form; whitespace, attribute order and comments do not count) and the
    definition still has its recorded fingerprint, nothing is defined and nothing changes. Any
    other case defines the XML and compares libvirt's inactive XML before and after, so a change
    that libvirt normalises away is reported as no change.
  - A domain of the same name that this module did not define (its C(<metadata>) has no record)
    is refused and left untouched, unless O(adopt=true); an adopted domain is redefined on the
    first run, which reports a change only when libvirt's definition differs afterwards; in check
    mode such a domain is reported as changed, because only libvirt can tell what it would make
    of the XML.
  - A stopped domain of the same name that this module defined with another UUID (for example
    one left by an earlier failed run) is replaced, undefined and defined anew; a running one is
    refused.
  - A run that fails undoes what it did - a domain it defined and could not start is undefined
    again, a definition it replaced or changed is restored - and its error says what libvirt
    said and what was rolled back (RV(rolled_back)).
  - Redefining a running domain changes its persistent definition only; the running guest keeps
    its old one until it is stopped and started (RV(restart_required)).
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows libvirt's inactive XML of the domain before and after. In check mode the
        "after" side is the given XML as written, since libvirt adds its defaults only when it
        defines it.
  platform:
    platforms: posix
options:
  name:
    description:
      - The domain's name.
      - Required unless O(xml) is given, whose C(<name>) is then used; when both are given they
        must be equal.
    type: str
  xml:
    description:
      - The domain XML (libvirt's L(domain format,https://libvirt.org/formatdomain.html)) to
        define, for example a file that C(playbooks/render.yml) wrote, read with
        C(lookup('ansible.builtin.file', ...)).
      - Without it, the domain must already be defined, except with O(state=absent).
      - When the XML has no C(<uuid>) and the domain is already defined, the domain keeps its UUID.
      - libvirt validates the XML against its schema before defining it; an invalid document fails
        the task and changes nothing.
    type: str
  state:
    description:
      - V(present) defines the domain from O(xml) and leaves it running or not, as it is.
      - V(running) also starts it (or resumes it when paused).
      - V(stopped) also stops it, as O(stop_mode) says.
      - V(absent) stops it when it runs (as O(stop_mode) says) and undefines it, with its managed
        save image, its snapshot and checkpoint metadata and its UEFI variables file.
    type: str
    choices: [present, running, stopped, absent]
    default: present
  uri:
    description:
      - The libvirt connection URI.
    type: str
    default: qemu:///system
  adopt:
    description:
      - Redefine a domain of the same name that this module did not define (no record in its
        C(<metadata>)). Without it such a domain is refused and left untouched.
    type: bool
    default: false
  autostart:
    description:
      - Whether libvirtd starts the domain when it starts itself. Left as it is when not given.
    type: bool
  stop_mode:
    description:
      - How a running domain is stopped for O(state=stopped) and O(state=absent).
      - V(destroy) stops it at once, as pulling the power cord does.
      - V(shutdown) asks the guest to shut down (ACPI power button or guest agent) and waits up to
        O(shutdown_timeout) seconds; a guest that is still running then fails the task.
    type: str
    choices: [shutdown, destroy]
    default: shutdown
  shutdown_timeout:
    description:
      - Seconds to wait for a guest to shut down with O(stop_mode=shutdown).
    type: int
    default: 120
requirements:
  - libvirt-python on the managed host (the C(python3-libvirt) package on Debian, Ubuntu and
    Fedora)
notes:
  - The C(community.libvirt.virt) module also defines domains, but it defines on every run (each
    run rewrites the definition and emits libvirt events), has no check mode for definitions,
    needs C(lxml) on the managed host, and does not read back the pinning; this module does all
    three of those and needs the libvirt bindings only.
seealso:
  - name: libvirt domain XML format
    description: C(<cputune>), C(<numatune>) and C(<memoryBacking>), which carry the placement.
    link: https://libvirt.org/formatdomain.html#cpu-tuning
  - name: virDomainDefineXMLFlags
    description: The call that defines the domain.
    link: https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDefineXMLFlags
"""

EXAMPLES = r"""
- name: Define and start the VM that playbooks/render.yml wrote
  vmpod.core.libvirt_domain:
    xml: "{{ lookup('ansible.builtin.file', 'out/render/pinned-small/domain.xml') }}"
    state: running
  register: vm

- name: Check that libvirt pinned the vCPUs where the plan put them
  ansible.builtin.assert:
    that:
      - vm.placement.vcpupin == plan.vcpupin
      - plan.emulatorpin in [none, vm.placement.emulatorpin]
    quiet: true
  vars:
    plan: "{{ lookup('ansible.builtin.file', 'out/render/pinned-small/plan.json') | from_json }}"

- name: Stop it gracefully, waiting up to five minutes
  vmpod.core.libvirt_domain:
    name: lab_pinned-small
    state: stopped
    stop_mode: shutdown
    shutdown_timeout: 300

- name: Remove it, power-cord style
  vmpod.core.libvirt_domain:
    name: lab_pinned-small
    state: absent
    stop_mode: destroy
"""

RETURN = r"""
name:
  description: The domain's name.
  returned: always
  type: str
  sample: lab_pinned-small
uuid:
  description: The domain's UUID.
  returned: when the domain is defined
  type: str
  sample: 0b1a3e04-8b8e-4c5c-9a4c-5a1e3c0f9d21
domain_state:
  description:
    - The domain's state after the task, as libvirt names it (C(virDomainState)), or V(absent)
      when it is not defined.
    - In check mode, the state it has now.
  returned: always
  type: str
  sample: running
restart_required:
  description:
    - Whether this run changed the persistent definition of a domain that is running, whose
      running guest therefore still has its old definition.
  returned: always
  type: bool
  sample: false
rolled_back:
  description:
    - What a failed run undid, one sentence per step, last step first; empty when nothing was
      undone.
  returned: on failure
  type: list
  elements: str
  sample: ["undefined lab_pinned-small, which this run had defined"]
placement:
  description:
    - The pinning and NUMA memory policy that libvirt applies to the domain, read through the
      libvirt API (C(virDomainGetVcpuPinInfo), C(virDomainGetEmulatorPinInfo),
      C(virDomainGetIOThreadInfo), C(virDomainGetNumaParameters)), in the shapes of the
      C(vmpod.core.plan_placement) plan.
    - From the running domain when it runs, else from its persistent definition.
  returned: when the domain is defined
  type: dict
  contains:
    source:
      description: V(live) when read from the running domain, V(config) from its definition.
      returned: when the domain is defined
      type: str
      sample: live
    vcpupin:
      description:
        - The host CPU of each vCPU, by vCPU number, as the plan's C(vcpupin); null when a vCPU
          may run on more than one host CPU (see RV(placement.vcpu_cpusets)).
      returned: when the domain is defined
      type: list
      elements: int
      sample: [1]
    vcpu_cpusets:
      description: The host CPUs each vCPU may run on, by vCPU number, in Linux list format.
      returned: when the domain is defined
      type: list
      elements: str
      sample: ["1"]
    emulatorpin:
      description: The host CPUs the emulator threads may run on, in Linux list format.
      returned: when the domain is defined
      type: str
      sample: "0"
    iothreadpin:
      description:
        - IOThread id (as text) to the host CPUs it may run on, as the plan's C(iothreadpin).
      returned: when the domain is defined
      type: dict
      sample: {"1": "0"}
    numatune:
      description:
        - The memory policy of the whole guest, C(mode) (V(strict), V(preferred),
          V(interleave) or V(restrictive)) and C(nodeset) (host NUMA nodes); null when the
          domain has no C(<numatune>) node set.
      returned: when the domain is defined
      type: dict
      sample: {"mode": "strict", "nodeset": "0"}
    memnodes:
      description:
        - Guest NUMA cell id (as text) to its C(<memnode>) policy, C(mode) and C(nodeset), read
          from the domain XML (the API has no call for them).
      returned: when the domain is defined
      type: dict
      sample: {"0": {"mode": "strict", "nodeset": "0"}}
"""

import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vmpod.core.plugins.module_utils.libvirt import domain_xml as libvirt_xml
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from ansible_collections.vmpod.core.plugins.module_utils.libvirt.client import (
    LIBVIRT_ERRORS, libvirt, require_libvirt)

# virDomainState, by value
DOMAIN_STATES = ("nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed",
                 "pmsuspended")
UNDEFINE_FLAG_NAMES = ("VIR_DOMAIN_UNDEFINE_MANAGED_SAVE", "VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA",
                       "VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA", "VIR_DOMAIN_UNDEFINE_NVRAM")
# a domain replaced keeps its UEFI variables, so a rollback restores it whole
REPLACE_UNDEFINE_FLAG_NAMES = ("VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA",
                               "VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA",
                               "VIR_DOMAIN_UNDEFINE_KEEP_NVRAM")
SHUTDOWN_POLL_SECONDS = 0.5
# what a failed apply raises, and is rolled back for: libvirt's errors and a shutdown that
# timed out
APPLY_ERRORS = LIBVIRT_ERRORS + (TimeoutError,)


class Request:
    """The task's arguments, checked: ``xml_root`` is the parsed XML (or None)."""

    def __init__(self, params):
        self.xml = params["xml"]
        self.xml_root = None
        self.name = params["name"]
        if self.xml is not None:
            self.xml_root = libvirt_xml.read_domain(self.xml)
            xml_name = libvirt_xml.domain_name(self.xml_root)
            if self.name is not None and self.name != xml_name:
                raise VmpodInputError("name", self.name,
                                      "differs from the <name> of xml (%r)" % xml_name)
            self.name = xml_name
        if not self.name:
            raise VmpodInputError("name", self.name, "must not be empty")
        self.state = params["state"]
        self.adopt = params["adopt"]
        self.autostart = params["autostart"]
        self.stop_mode = params["stop_mode"]
        self.shutdown_timeout = params["shutdown_timeout"]
        if self.shutdown_timeout < 0:
            raise VmpodInputError("shutdown_timeout", self.shutdown_timeout, "must not be negative")


class Outcome:
    """What the task did, reported by ``as_result``."""

    def __init__(self, name):
        self.name = name
        self.changed = False
        self.restart_required = False
        self.before_xml = None
        self.after_xml = None
        self.after_header = "libvirt's definition"


class Rollback:
    """What a run did to the definitions, as steps that undo it, undone when the run fails."""

    def __init__(self):
        self.steps = []

    def add(self, description, undo):
        self.steps.append((description, undo))

    def undo(self):
        """Undo every step, last first; returns (what was undone, what could not be)."""
        done, failed = [], []
        for description, step in reversed(self.steps):
            try:
                step()
            except LIBVIRT_ERRORS as exc:
                failed.append("%s failed: %s" % (description, exc))
            else:
                done.append(description)
        self.steps = []
        return done, failed


class RunFailed(Exception):
    """A failure after changes, with what was rolled back (``rolled_back``) and whether
    something is left changed (``changed``)."""

    def __init__(self, message, rolled_back, changed):
        super(RunFailed, self).__init__(message)
        self.rolled_back = rolled_back
        self.changed = changed


def undefine_flags(names):
    flags = 0
    for flag_name in names:
        flags |= getattr(libvirt, flag_name, 0)
    return flags


def lookup(connection, name):
    """The domain called ``name``, or None."""
    try:
        return connection.lookupByName(name)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise


def inactive_xml(domain, secure=False):
    flags = libvirt.VIR_DOMAIN_XML_INACTIVE
    if secure:
        flags |= libvirt.VIR_DOMAIN_XML_SECURE
    return domain.XMLDesc(flags)


def ensure_defined(connection, domain, request, outcome, check_mode, rollback):
    """Define ``request.xml`` unless the domain already has it; returns the domain (None when
    check mode would have defined a new one). A domain the module did not make is refused
    (unless adopted); a stopped one it made with another UUID is replaced."""
    input_sha = libvirt_xml.fingerprint(request.xml_root)
    before = None
    if domain is not None:
        before_text = inactive_xml(domain, secure=True)
        before = libvirt_xml.read_domain(before_text, "libvirt's XML")
        plan = libvirt_xml.existing_domain_plan(before, request.xml_root,
                                                bool(domain.isActive()), request.adopt)
        if plan == libvirt_xml.REPLACE:
            outcome.before_xml = libvirt_xml.without_record_text(inactive_xml(domain))
            if check_mode:
                outcome.changed = True
                outcome.after_xml = request.xml
                outcome.after_header = ("the given XML (libvirt adds its defaults when it "
                                        "defines it)")
                return domain
            replace(connection, domain, request.name, before_text, rollback)
            outcome.changed = True
            domain, before = None, None
    if domain is not None:
        record = libvirt_xml.applied_record(before)
        if record is not None and record.matches(input_sha, libvirt_xml.fingerprint(before)):
            return domain  # the same input onto the definition libvirt made of it
        outcome.before_xml = libvirt_xml.without_record_text(inactive_xml(domain))
    if check_mode:
        outcome.changed = True
        outcome.after_xml = request.xml
        outcome.after_header = "the given XML (libvirt adds its defaults when it defines it)"
        outcome.restart_required = domain is not None and bool(domain.isActive())
        return domain
    return define(connection, domain, request, input_sha, before, outcome, rollback)


def replace(connection, domain, name, before_text, rollback):
    """Undefine a stopped domain the module made, to define the XML anew; the rollback defines
    it again as it was."""
    domain.undefineFlags(undefine_flags(REPLACE_UNDEFINE_FLAG_NAMES))
    rollback.add("restored the earlier definition of %s, which this run had replaced" % name,
                 lambda: connection.defineXMLFlags(before_text, 0))


def define(connection, domain, request, input_sha, before, outcome, rollback):
    """Define the XML, record what was applied, and compare libvirt's definitions before and
    after: libvirt is the judge of whether the definition changed."""
    uuid = domain.UUIDString() if domain is not None else None
    text = libvirt_xml.definition_text(request.xml, request.xml_root, uuid)
    previous = inactive_xml(domain, secure=True) if domain is not None else None
    domain = connection.defineXMLFlags(text, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    if previous is None:
        defined = domain
        rollback.add("undefined %s, which this run had defined" % request.name,
                     lambda: defined.undefineFlags(undefine_flags(UNDEFINE_FLAG_NAMES)))
    else:
        rollback.add("restored the earlier definition of %s" % request.name,
                     lambda: connection.defineXMLFlags(previous, 0))
    after_text = inactive_xml(domain)
    defined_sha = libvirt_xml.fingerprint(
        libvirt_xml.read_domain(inactive_xml(domain, secure=True), "libvirt's XML"))
    record = libvirt_xml.AppliedRecord(input_sha, defined_sha)
    domain.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, libvirt_xml.record_metadata(record),
                       libvirt_xml.RECORD_PREFIX, libvirt_xml.RECORD_NAMESPACE,
                       libvirt.VIR_DOMAIN_AFFECT_CONFIG)
    if before is None or libvirt_xml.fingerprint(before) != defined_sha:
        outcome.changed = True
        outcome.after_xml = after_text
        outcome.restart_required = bool(domain.isActive())
    else:
        outcome.before_xml = None
    return domain


def domain_state(domain):
    if domain is None:
        return "absent"
    state = domain.state()[0]
    return DOMAIN_STATES[state] if 0 <= state < len(DOMAIN_STATES) else str(state)


def ensure_running(domain, outcome, check_mode):
    if domain is None:  # defined in check mode only
        outcome.changed = True
        return
    state = domain_state(domain)
    if state in ("running", "blocked"):  # blocked: running, waiting on a resource
        return
    outcome.changed = True
    if check_mode:
        return
    if state in ("paused", "pmsuspended"):
        if state == "paused":
            domain.resume()
        else:
            domain.pMWakeup()
    elif not domain.isActive():
        domain.create()


def ensure_stopped(domain, request, outcome, check_mode):
    if domain is None or not domain.isActive():
        return
    outcome.changed = True
    outcome.restart_required = False
    if check_mode:
        return
    if request.stop_mode == "destroy":
        domain.destroy()
        return
    domain.shutdown()
    deadline = time.monotonic() + request.shutdown_timeout
    while domain.isActive():
        if time.monotonic() >= deadline:
            raise TimeoutError("domain %r did not shut down within %d s (use stop_mode=destroy "
                               "to stop it at once)" % (request.name, request.shutdown_timeout))
        time.sleep(SHUTDOWN_POLL_SECONDS)


def ensure_absent(domain, request, outcome, check_mode):
    if domain is None:
        return None
    outcome.before_xml = libvirt_xml.without_record_text(inactive_xml(domain))
    outcome.after_xml = ""
    ensure_stopped(domain, request, outcome, check_mode)
    outcome.changed = True
    if not check_mode:
        domain.undefineFlags(undefine_flags(UNDEFINE_FLAG_NAMES))
        return None
    return domain


def ensure_autostart(domain, wanted, outcome, check_mode):
    if wanted is None:
        return
    if domain is None:
        outcome.changed = outcome.changed or wanted
        return
    if bool(domain.autostart()) == wanted:
        return
    outcome.changed = True
    if not check_mode:
        domain.setAutostart(1 if wanted else 0)


def read_placement(domain):
    """The pinning libvirt applies, in the placement plan's shapes (``libvirt_xml``)."""
    if domain.isActive():
        flags, source, xml = libvirt.VIR_DOMAIN_AFFECT_LIVE, "live", domain.XMLDesc(0)
    else:
        flags, source, xml = libvirt.VIR_DOMAIN_AFFECT_CONFIG, "config", inactive_xml(domain)
    iothreads = [(info[0], info[1]) for info in domain.ioThreadInfo(flags)]
    memnodes = libvirt_xml.numatune_from_xml(libvirt_xml.read_domain(xml, "libvirt's XML"))
    return libvirt_xml.placement_from_libvirt(
        domain.vcpuPinInfo(flags), domain.emulatorPinInfo(flags), iothreads,
        domain.numaParameters(flags), memnodes["memnodes"], source)


def apply(connection, request, check_mode):
    """Bring the domain to ``request.state``; returns the ``Outcome`` and the domain (or None).
    When a step fails after the definition changed, the change is rolled back first."""
    outcome = Outcome(request.name)
    domain = lookup(connection, request.name)
    if request.state == "absent":
        return outcome, ensure_absent(domain, request, outcome, check_mode)
    if request.xml_root is None and domain is None:
        raise VmpodInputError("name", request.name,
                              "is not a defined domain; give xml to define it")
    rollback = Rollback()
    try:
        if request.xml_root is not None:
            domain = ensure_defined(connection, domain, request, outcome, check_mode, rollback)
        if request.state == "running":
            ensure_running(domain, outcome, check_mode)
        elif request.state == "stopped":
            ensure_stopped(domain, request, outcome, check_mode)
        ensure_autostart(domain, request.autostart, outcome, check_mode)
    except APPLY_ERRORS as exc:
        if not rollback.steps:
            raise
        done, failed = rollback.undo()
        message = "%s; rolled back: %s" % (exc, "; ".join(done) or "nothing")
        if failed:
            message += "; NOT rolled back: %s" % "; ".join(failed)
        raise RunFailed(message, done, changed=bool(failed) or isinstance(exc, TimeoutError))
    return outcome, domain


def as_result(outcome, domain, diff):
    result = {
        "changed": outcome.changed,
        "name": outcome.name,
        "domain_state": domain_state(domain),
        "restart_required": outcome.restart_required,
    }
    if domain is not None:
        result["uuid"] = domain.UUIDString()
        result["placement"] = read_placement(domain)
    if diff and outcome.changed and (outcome.before_xml is not None
                                     or outcome.after_xml is not None):
        result["diff"] = {
            "before": outcome.before_xml or "",
            "after": outcome.after_xml or "",
            "before_header": "libvirt's definition of %s" % outcome.name,
            "after_header": outcome.after_header,
        }
    return result


def run(params, check_mode, diff):
    """The task: check the arguments, connect, apply, report."""
    request = Request(params)
    connection = libvirt.open(params["uri"])
    try:
        outcome, domain = apply(connection, request, check_mode)
        return as_result(outcome, domain, diff)
    finally:
        connection.close()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str"),
            xml=dict(type="str"),
            state=dict(type="str", choices=["present", "running", "stopped", "absent"],
                       default="present"),
            uri=dict(type="str", default="qemu:///system"),
            adopt=dict(type="bool", default=False),
            autostart=dict(type="bool"),
            stop_mode=dict(type="str", choices=["shutdown", "destroy"], default="shutdown"),
            shutdown_timeout=dict(type="int", default=120),
        ),
        required_one_of=[("name", "xml")],
        supports_check_mode=True,
    )
    require_libvirt(module, libvirt, missing_required_lib("libvirt-python"))
    try:
        result = run(module.params, module.check_mode, module._diff)
    except VmpodInputError as exc:
        module.fail_json(msg=str(exc))
    except RunFailed as exc:
        module.fail_json(msg="libvirt at %s: %s" % (module.params["uri"], exc),
                         rolled_back=exc.rolled_back, changed=exc.changed)
    except LIBVIRT_ERRORS as exc:
        module.fail_json(msg="libvirt at %s: %s" % (module.params["uri"], exc))
    except TimeoutError as exc:
        module.fail_json(msg=str(exc), changed=True)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
