# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many IOThreads a domain has (KubeVirt ``pkg/virt-launcher/virtwrap/converter/iothreads``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SHARED = "shared"
AUTO = "auto"
SUPPLEMENTAL_POOL = "supplementalPool"


def iothread_count(vmi):
    """The domain's IOThreads (iothreads.go GetIOThreadsCountType), 0 when it has none.

    ``vmi``: a ``Vmi`` from ``read_vmi``. supplementalPool: its
    supplementalPoolThreadCount. Otherwise one per dedicatedIOThread disk plus one per other
    disk, the shared ones cut to the policy's pool limit (at least one when cut): shared or no
    policy 1; auto twice the CPU request (else limit, else 1), or 1 when dedicated CPUs isolate
    the emulator thread (the IOThread shares its pCPU); any other policy 0.
    """
    policy = vmi.io_threads_policy
    dedicated = sum(1 for disk in vmi.disks if disk.dedicated_io_thread)
    if policy is None and not dedicated:
        return 0  # iothreads.HasIOThreads is false
    if policy == SUPPLEMENTAL_POOL and vmi.supplemental_pool_thread_count is not None:
        return vmi.supplemental_pool_thread_count
    shared = len(vmi.disks) - dedicated
    limit = _thread_pool_limit(vmi)
    if shared + dedicated > limit:
        shared = max(limit - dedicated, 1)
    return shared + dedicated


def _thread_pool_limit(vmi):
    """iothreads.go getThreadPoolLimit."""
    policy = vmi.io_threads_policy
    if policy is None or policy == SHARED:
        return 1
    if policy != AUTO:
        return 0
    if vmi.cpu.dedicated and vmi.cpu.isolate_emulator_thread:
        return 1
    cpus = vmi.requests.get("cpu", vmi.limits.get("cpu"))
    return 2 * (cpus.value() if cpus is not None else 1)
