# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """How VMs are placed on a host: ``options`` of the filters that plan (plan_placement,
    check_migration, place_fleet); the renderers take the same as ``placement_options``."""

    DOCUMENTATION = r"""
options:
  options:
    description:
      - C(topology_policy) - C(none) (default), C(best-effort), C(restricted) or
        C(single-numa-node), as the kubelet Topology Manager.
      - C(full_pcpus_only) - bool, as the kubelet CPU manager policy option.
      - C(thread_policy) - C(prefer) (default), C(isolate) or C(require), as Nova's
        C(hw:cpu_thread_policy).
      - C(numa_nodes), C(numa_cpus), C(numa_mem) - an explicit guest NUMA layout with Nova's
        C(hw:numa_nodes), C(hw:numa_cpus.N) and C(hw:numa_mem.N) semantics (C(numa_cpus) and
        C(numa_mem) map guest node numbers to a vCPU set and a memory quantity).
      - C(numa_share_host_nodes) - bool; guest NUMA nodes of an explicit layout may share a host
        node (each host node then holds all of its guest nodes' vCPUs and memory). Nova places
        each on a host node of its own; libvirt allows both, and a host with fewer nodes than
        the layout needs this.
    type: dict
"""
