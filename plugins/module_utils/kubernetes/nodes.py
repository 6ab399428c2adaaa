# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet hosts from Kubernetes Node objects, as the API returns them (``kubectl get nodes -o
json``, ``kubernetes.core.k8s_info``): what a Node tells of itself, in the host file's shape.

A Node says how many CPUs it has (``status.capacity.cpu``) and what the scheduler may hand out
(``status.allocatable``), not its topology. So each Node becomes a host of one NUMA node whose
CPUs are each their own core (no thread siblings), the CPUs the kubelet keeps for the system
(capacity less allocatable, rounded up to whole CPUs) being the lowest-numbered, as the static
CPU manager's default reservation takes them. Its memory is the allocatable memory plus the
hugepage pools (``hugepages-<size>`` in allocatable), so that the memory outside the pools is
what the scheduler counts. The rest of allocatable (device plugins' GPUs, host devices, SEV,
KubeVirt's ``devices.kubevirt.io/kvm``, and ``pods``) becomes ``extended_resources``, which
fleet placement counts launcher Pods against. The architecture is the ``kubernetes.io/arch`` label, else
``status.nodeInfo.architecture``. Where the real topology matters (pinning, NUMA), read the host
with ``host_topology_info`` instead.

A Node the scheduler would not give a new Pod is no host, with the reason: cordoned
(``spec.unschedulable``), not Ready, or tainted NoSchedule / NoExecute.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import check_subdomain
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import host_architecture
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import MAX_CPU_ID
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

HUGEPAGES_PREFIX = "hugepages-"
ARCH_LABEL = "kubernetes.io/arch"
_BLOCKING = ("NoSchedule", "NoExecute")


def _items(nodes):
    """The Node objects of a NodeList, a list of Nodes, or k8s_info's result."""
    if isinstance(nodes, dict):
        for key in ("items", "resources"):
            if isinstance(nodes.get(key), list):
                return nodes[key], key
        raise VmpodInputError("nodes", nodes, "must be a NodeList (items) or k8s_info's result (resources)")
    if isinstance(nodes, list):
        return nodes, "nodes"
    raise VmpodInputError("nodes", nodes, "must be a list of Node objects")


def _not_schedulable(node, status, path):
    """Why the scheduler would give the node no new Pod, or None."""
    spec = f.mapping(node, "spec", path)
    if f.boolean(spec, "unschedulable", f.join(path, "spec"), False):
        return "cordoned (spec.unschedulable)"
    for index, taint in enumerate(f.sequence(spec, "taints", f.join(path, "spec"))):
        where = "%s.spec.taints[%d]" % (path, index)
        if not isinstance(taint, dict):
            raise VmpodInputError(where, taint, "must be a mapping (key, value, effect)")
        if taint.get("effect") in _BLOCKING:
            return "tainted %s%s:%s" % (f.string(taint, "key", where),
                                        "=" + f.string(taint, "value", where) if taint.get("value") else "",
                                        taint["effect"])
    ready = [c for c in f.sequence(status, "conditions", f.join(path, "status"))
             if isinstance(c, dict) and c.get("type") == "Ready"]
    if not ready or ready[0].get("status") != "True":
        return "not Ready"
    return None


def _host(node, path):
    meta = f.mapping(node, "metadata", path, required=True)
    name = check_subdomain(f.string(meta, "name", f.join(path, "metadata")), f.join(path, "metadata.name"))
    status = f.mapping(node, "status", path, required=True)
    labels = f.mapping(meta, "labels", f.join(path, "metadata"))
    info = f.mapping(status, "nodeInfo", f.join(path, "status"))
    arch = labels.get(ARCH_LABEL) or info.get("architecture") or None
    capacity = f.resource_list(status, "capacity", f.join(path, "status"))
    allocatable = f.resource_list(status, "allocatable", f.join(path, "status"))
    where = f.join(path, "status.capacity")
    if "cpu" not in capacity or "cpu" not in allocatable or "memory" not in allocatable:
        raise VmpodInputError(path + ".status", None, "must give capacity.cpu, allocatable.cpu and "
                              "allocatable.memory")
    raw_capacity, raw_allocatable = status["capacity"], status["allocatable"]
    cpus = capacity["cpu"].value()
    if not 1 <= cpus <= MAX_CPU_ID + 1:
        raise VmpodInputError(where + ".cpu", raw_capacity["cpu"],
                              "must be 1 to %d CPUs" % (MAX_CPU_ID + 1))
    allocatable_millis = allocatable["cpu"].milli_value()
    if allocatable_millis > cpus * 1000:
        raise VmpodInputError(f.join(path, "status.allocatable.cpu"), raw_allocatable["cpu"],
                              "exceeds the capacity (%d CPUs)" % cpus)
    reserved = -(-(cpus * 1000 - allocatable_millis) // 1000)
    pools, pooled = {}, 0
    for resource, amount in sorted(allocatable.items()):
        if not resource.startswith(HUGEPAGES_PREFIX):
            continue
        size = parse_quantity(resource[len(HUGEPAGES_PREFIX):],
                              f.join(path, "status.allocatable") + "." + resource).value()
        total = amount.value()
        if size < 4096 or size & (size - 1) or total % size:
            raise VmpodInputError(f.join(path, "status.allocatable") + "." + resource, raw_allocatable[resource],
                                  "is not a whole number of pages of a power-of-two size")
        if total:
            pools[resource[len(HUGEPAGES_PREFIX):]] = {"total": total // size, "free": total // size}
            pooled += total
    host = {
        "name": name,
        "cpus": [{"id": cpu, "socket": 0, "core": cpu, "node": 0} for cpu in range(cpus)],
        "nodes": [{"id": 0, "memory": allocatable["memory"].value() + pooled, "distances": [10],
                   "hugepages": pools}],
    }
    if arch:
        host["architecture"] = arch
        host_architecture(host, path + ".metadata.labels['%s']" % ARCH_LABEL)
    if reserved:
        host["reserved_cpus"] = "0" if reserved == 1 else "0-%d" % (reserved - 1)
    extended = {}
    for resource, amount in sorted(allocatable.items()):
        if resource in ("cpu", "memory", "ephemeral-storage") or resource.startswith(HUGEPAGES_PREFIX):
            continue
        if amount.unscaled < 0 or amount.milli_value() % 1000:
            raise VmpodInputError(f.join(path, "status.allocatable") + "." + resource,
                                  raw_allocatable[resource], "must be a whole number")
        extended[resource] = amount.value()
    if extended:  # device plugins (GPUs, host devices, SEV, KubeVirt's kvm/tun/vhost-net), pods
        host["extended_resources"] = extended
    return name, host, status


def hosts_from_nodes(nodes):
    """``{"hosts": {name: host}, "skipped": {name: reason}}`` from Kubernetes Node objects: a
    NodeList, a list of Nodes or ``kubernetes.core.k8s_info``'s result. The hosts are in the host
    file's shape, for ``place_fleet``, ``simulate_drain`` and the capacity report."""
    items, where = _items(nodes)
    hosts, skipped = {}, {}
    for index, node in enumerate(items):
        path = "%s[%d]" % (where, index)
        if not isinstance(node, dict):
            raise VmpodInputError(path, node, "must be a Node object")
        if node.get("kind", "Node") != "Node":
            raise VmpodInputError(path + ".kind", node.get("kind"), "must be Node")
        name, host, status = _host(node, path)
        if name in hosts or name in skipped:
            raise VmpodInputError(path + ".metadata.name", name, "is a duplicate Node name")
        reason = _not_schedulable(node, status, path)
        if reason:
            skipped[name] = reason
        else:
            hosts[name] = host
    return {"hosts": hosts, "skipped": skipped}
