# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VMI's ``spec.domain.cpu`` read once (``read_vmi``'s CPU section): the topology, checked
against the most vCPUs a guest can have before anything is built per vCPU, the model, dedicated
placement and its options, NUMA passthrough and the CPU features."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import cpu_feature, xml_string


class Cpu(NamedTuple):
    """``spec.domain.cpu``; ``present`` is False when the VMI has no cpu section at all."""

    present: bool = False
    sockets: int = 0
    cores: int = 0
    threads: int = 0
    max_sockets: int = 0
    model: str = ""
    dedicated: bool = False
    isolate_emulator_thread: bool = False
    numa_passthrough: bool = False
    has_numa: bool = False
    realtime: bool = False
    features: tuple = ()  # ({"name", "policy"}, ...)
    vcpu_count: int = 0  # vcpus(), counted once when read (an attribute costs less than a call)

    def vcpus(self):
        """hardware.GetNumberOfVCPUs: sockets * cores * threads, a zero factor skipped (0 if all 0)."""
        count, sockets, threads = self.cores, self.sockets, self.threads
        if sockets:
            count = (count * sockets) & 0xFFFFFFFF if count else sockets  # Go uint32 arithmetic
        if threads:
            count = (count * threads) & 0xFFFFFFFF if count else threads
        return count


NO_CPU = Cpu()
_UINT32_MAX = 0xFFFFFFFF
_TOPOLOGY = ("sockets", "cores", "threads", "maxSockets")
# The most vCPUs a guest can have: QEMU's q35 machine takes 4096 (hw/i386/pc_q35.c max_cpus,
# QEMU 8.2+), the other machine types fewer.  Checked before anything is built per vCPU.
MAX_VCPUS = 4096
_new_tuple = tuple.__new__  # a NamedTuple's own __new__ is a costly Python-level call


def _too_many_vcpus(data, path, sockets, cores, threads, max_sockets):
    name = "maxSockets" if max_sockets > sockets else "sockets"
    count = max(sockets, max_sockets, 1)
    key = name if count > 1 else "cores" if cores > 1 else "threads"
    raise VmpodInputError(f.join(path, key), data.get(key),
                          "gives %d vCPUs (%s %d x cores %d x threads %d); a guest has at most %d "
                          "(QEMU's q35 machine)" % (count * (cores or 1) * (threads or 1), name,
                                                    count, cores or 1, threads or 1, MAX_VCPUS))


def read_cpu(data, path):
    if data is None:
        return NO_CPU
    passthrough = has_numa = False
    if "numa" in data:
        numa = f.mapping(data, "numa", path)
        has_numa = data["numa"] is not None
        passthrough = f.optional_mapping(numa, "guestMappingPassthrough",
                                         f.join(path, "numa")) is not None
    features = ()
    if "features" in data:
        features = tuple([cpu_feature(item, p) for p, item in f.mappings(data, "features", path)])
    sockets, cores = data.get("sockets", 0), data.get("cores", 0)
    threads, max_sockets = data.get("threads", 0), data.get("maxSockets", 0)
    # fast path: all plain ints (absent reads 0) in uint32 range - non-negative and below 2**32
    # exactly when their bitwise or is; anything else is read checked, in order, for its error
    if not (sockets.__class__ is cores.__class__ is threads.__class__ is max_sockets.__class__
            is int and 0 <= (sockets | cores | threads | max_sockets) <= _UINT32_MAX):
        sockets, cores, threads, max_sockets = [f.uint32(data, key, path) for key in _TOPOLOGY]
    per_socket = (cores or 1) * (threads or 1)
    if max(sockets, max_sockets, 1) * per_socket > MAX_VCPUS:
        _too_many_vcpus(data, path, sockets, cores, threads, max_sockets)
    model = xml_string(data, "model", path) if "model" in data else ""
    dedicated = data.get("dedicatedCpuPlacement", False)
    if dedicated.__class__ is not bool:  # (null, or not a boolean: read checked)
        dedicated = f.boolean(data, "dedicatedCpuPlacement", path, False)
    isolate = data.get("isolateEmulatorThread", False)
    if isolate.__class__ is not bool:
        isolate = f.boolean(data, "isolateEmulatorThread", path, False)
    realtime = "realtime" in data and f.optional_mapping(data, "realtime", path) is not None
    # vcpus(): within MAX_VCPUS, so Go's uint32 arithmetic does not wrap
    count = (sockets or 1) * per_socket if (sockets or cores or threads) else 0
    return _new_tuple(Cpu, (True, sockets, cores, threads, max_sockets, model, dedicated, isolate,
                            passthrough, has_numa, realtime, features, count))
