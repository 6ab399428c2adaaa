#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_cpu_info
short_description: Read the host-model CPU libvirt gives guests, and the features KVM cannot set
version_added: 0.1.0
description:
  - Reads the architecture and the C(host-model) guest CPU (model, vendor and features) from
    libvirt's domain capabilities (C(virConnectGetDomainCapabilities), as C(virsh
    domcapabilities) prints them) at O(uri).
  - Then finds the host-model features that this host's KVM cannot really set. Some hypervisors
    below a host advertise CPU features whose MSRs KVM then refuses (QEMU stops with C(failed to
    set MSR ...)), so no guest with a host-model CPU can start there. The module starts a probe
    domain (transient, paused, 1 vCPU, 16 MiB, no disks, no network, destroyed at once) with a
    host-model CPU; when it does not start, it bisects over the host-model features, starting
    probes with halves of them disabled (C(policy='disable')), until it has the features whose
    disabling lets the probe start, and checks that set with one more start. No feature name is
    assumed.
  - The result is cached in O(cache_path) under a key of everything that would change it, the
    libvirt and QEMU versions, the kernel, the CPU (vendor, family, model, stepping, microcode)
    and the host-model CPU libvirt offers. A cached probe costs one domain-capabilities call.
  - RV(host_cpu.cpu_features) is ready for the renderer's C(domain_options.cpu_features)
    (C(playbooks/render.yml) merges it when it renders for this machine).
  - The module changes nothing on the host but its cache file, which is not reported as a change;
    in check mode the probe runs (it leaves nothing behind) and the cache is not written.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.info
options:
  uri:
    description:
      - The libvirt connection URI. The probe starts domains, so the connection is read-write.
    type: str
    default: qemu:///system
  virt_type:
    description:
      - The domain type whose host-model CPU is read and probed; V(kvm) for QEMU/KVM guests.
    type: str
    choices: [kvm, qemu]
    default: kvm
  probe:
    description:
      - Whether to find the features KVM cannot set (from the cache, or by starting probe
        domains). With V(false) only the domain capabilities are read.
    type: bool
    default: true
  refresh:
    description:
      - Probe again even when the cache holds a result for this host as it is now.
    type: bool
    default: false
  cache_path:
    description:
      - The file that keeps the probe's result, with its key. Its directory is created when
        missing. A cache that cannot be written gives a warning, not a failure.
    type: path
    default: /var/cache/vmpod.core/host_cpu_info.json
requirements:
  - libvirt-python on the managed host (the C(python3-libvirt) package on Debian, Ubuntu and
    Fedora)
seealso:
  - name: libvirt domain capabilities
    description: The C(<cpu><mode name='host-model'>) element read here.
    link: https://libvirt.org/formatdomaincaps.html#cpu-configuration
  - module: vmpod.core.kvm_host_info
"""

EXAMPLES = r"""
- name: Read the host-model CPU and what this host's KVM cannot set
  vmpod.core.host_cpu_info:
  register: cpu

- name: Render domains that start here
  vmpod.core.render_vmis:
    vmis: "{{ vmis }}"
    host: "{{ host }}"
    dest: out/render
    domain_options:
      cpu_features: "{{ cpu.host_cpu.cpu_features }}"

- name: Probe again, ignoring the cache
  vmpod.core.host_cpu_info:
    refresh: true
"""

RETURN = r"""
host_cpu:
  description: The host-model CPU and the features this host's KVM cannot set.
  returned: always
  type: dict
  contains:
    arch:
      description: The guest architecture of the domain capabilities.
      returned: always
      type: str
      sample: x86_64
    domain_type:
      description: The domain type the capabilities are for.
      returned: always
      type: str
      sample: kvm
    machine:
      description: The default machine type.
      returned: always
      type: str
      sample: pc-i440fx-7.2
    host_model_supported:
      description: Whether libvirt can give guests a host-model CPU here.
      returned: always
      type: bool
      sample: true
    model:
      description: The CPU model host-model starts from, null when host-model is not supported.
      returned: always
      type: str
      sample: EPYC-Rome
    vendor:
      description: The CPU vendor libvirt names.
      returned: always
      type: str
      sample: AMD
    features:
      description: The host-model features, each C(name) and C(policy), in libvirt's order.
      returned: always
      type: list
      elements: dict
      sample: [{"name": "x2apic", "policy": "require"}, {"name": "pni", "policy": "disable"}]
    usable_models:
      description:
        - The named CPU models this host can run (libvirt's custom mode, C(usable=yes)), for
          C(vmpod.core.check_migration)'s C(target_cpu).
      returned: always
      type: list
      elements: str
      sample: [Skylake-Server-noTSX-IBRS, Haswell-noTSX]
    sev:
      description:
        - AMD SEV on this host, from libvirt's domain capabilities - C(supported), C(cbitpos),
          C(reduced_phys_bits), C(max_guests), C(max_es_guests) (the numbers null where libvirt
          gives none). C(playbooks/render.yml) passes it as the domain option C(sev), so SEV and
          SEV-SNP guests' C(<launchSecurity>) carry this host's C(cbitpos) and C(reducedPhysBits).
      returned: always
      type: dict
      sample: {"supported": true, "cbitpos": 51, "reduced_phys_bits": 1, "max_guests": 15,
               "max_es_guests": 494}
    unsettable_features:
      description: The host-model features KVM here cannot set (empty when none, or unknown).
      returned: always
      type: list
      elements: str
      sample: [arch-capabilities]
    cpu_features:
      description:
        - RV(host_cpu.unsettable_features) as C({name, policy}) entries with policy
          V(disable), for the renderer's C(domain_options.cpu_features).
      returned: always
      type: list
      elements: dict
      sample: [{"name": "arch-capabilities", "policy": "disable"}]
    probe:
      description: How the features were found.
      returned: always
      type: dict
      contains:
        status:
          description:
            - V(starts) a host-model domain starts as it is; V(fixed) it starts with
              RV(host_cpu.unsettable_features) disabled; V(fails) it does not start even with
              every host-model feature disabled (see C(error)); V(skipped) no probe (O(probe)
              false, or host-model not supported).
          returned: always
          type: str
          sample: fixed
        cached:
          description: Whether the result came from O(cache_path).
          returned: always
          type: bool
          sample: false
        trials:
          description: How many probe domains were started in this run.
          returned: always
          type: int
          sample: 7
        seconds:
          description: The time the probe took in this run.
          returned: always
          type: float
          sample: 12.5
        error:
          description: What libvirt said when the host-model probe did not start, else null.
          returned: always
          type: str
        key:
          description: The cache key (SHA-256 of what the result depends on).
          returned: always
          type: str
"""

import os
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts import cpu_quirks
from ansible_collections.vmpod.core.plugins.module_utils.libvirt.domcapabilities import (
    host_model_cpu, sev_capabilities, usable_models,
)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

from ansible_collections.vmpod.core.plugins.module_utils.libvirt.client import (
    LIBVIRT_ERRORS, libvirt, require_libvirt)


def read_text(path, default=""):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return default


def probe_starter(connection, cpu):
    """``starts(disabled)`` for ``cpu_quirks``: a transient paused probe domain, destroyed at
    once (and by libvirt when this connection closes, should the module die first)."""
    name = "vmpod-cpu-probe-%d" % os.getpid()
    flags = libvirt.VIR_DOMAIN_START_PAUSED | libvirt.VIR_DOMAIN_START_AUTODESTROY

    def starts(disabled):
        try:
            domain = connection.createXML(cpu_quirks.probe_domain_xml(name, cpu, disabled), flags)
        except libvirt.libvirtError as exc:
            return False, str(exc)
        domain.destroy()
        return True, None

    return starts


def read_cache(path, key):
    return cpu_quirks.cached_outcome(read_text(path, ""), key)


def write_cache(path, text):
    """Write the cache atomically; returns a warning text when it cannot."""
    try:
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        handle, scratch = tempfile.mkstemp(dir=directory, prefix=".host_cpu_info.")
        with os.fdopen(handle, "w") as out:
            out.write(text)
        os.chmod(scratch, 0o644)
        os.rename(scratch, path)
    except (IOError, OSError) as exc:
        return "host_cpu_info: cannot write the cache %s: %s" % (path, exc)
    return None


def run(params, check_mode, warn):
    """Read the domain capabilities, then the probe's outcome from the cache or a new probe."""
    cache_path = cpu_quirks.check_cache_path(params["cache_path"])
    libvirt.registerErrorHandler(lambda _context, _error: None, None)  # no stderr noise
    connection = libvirt.open(params["uri"])
    try:
        capabilities = connection.getDomainCapabilities(None, None, None, params["virt_type"], 0)
        cpu = host_model_cpu(capabilities)
        usable = usable_models(capabilities)
        uname = os.uname()
        fields = cpu_quirks.key_fields(cpu, connection.getLibVersion(), connection.getVersion(),
                                       "%s %s" % (uname.release, uname.version),
                                       read_text("/proc/cpuinfo"))
        key = cpu_quirks.cache_key(fields)
        started = time.monotonic()
        outcome, cached = None, False
        if not params["probe"] or not cpu.supported:
            outcome = cpu_quirks.ProbeOutcome(cpu_quirks.SKIPPED)
        elif not params["refresh"]:
            outcome = read_cache(cache_path, key)
            cached = outcome is not None
        if outcome is None:
            outcome = cpu_quirks.find_unsettable_features(cpu.enabled_features(),
                                                          probe_starter(connection, cpu))
            if not check_mode:
                warning = write_cache(cache_path, cpu_quirks.cache_text(key, fields, outcome))
                if warning:
                    warn(warning)
        seconds = round(time.monotonic() - started, 3)
    finally:
        connection.close()
    facts = cpu.as_dict()
    facts["host_model_supported"] = facts.pop("supported")
    facts["usable_models"] = list(usable)
    facts["sev"] = sev_capabilities(capabilities)
    facts["unsettable_features"] = list(outcome.features)
    facts["cpu_features"] = cpu_quirks.disable_entries(outcome.features)
    facts["probe"] = {"status": outcome.status, "cached": cached, "trials": len(outcome.trials),
                      "seconds": seconds, "error": outcome.error, "key": key}
    return facts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            uri=dict(type="str", default="qemu:///system"),
            virt_type=dict(type="str", choices=["kvm", "qemu"], default="kvm"),
            probe=dict(type="bool", default=True),
            refresh=dict(type="bool", default=False),
            cache_path=dict(type="path", default="/var/cache/vmpod.core/host_cpu_info.json"),
        ),
        supports_check_mode=True,
    )
    require_libvirt(module, libvirt, missing_required_lib("libvirt-python"))
    try:
        facts = run(module.params, module.check_mode, module.warn)
    except VmpodInputError as exc:
        module.fail_json(msg=str(exc))
    except LIBVIRT_ERRORS as exc:
        module.fail_json(msg="libvirt at %s: %s" % (module.params["uri"], exc))
    module.exit_json(changed=False, host_cpu=facts)


if __name__ == "__main__":
    main()
