# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What kube-scheduler counts for a Pod, and the Pod's QoS class (``pod_envelope``).

A Pod is scheduled by the sum of its containers, not by one of them. Facts from Kubernetes:

* the API server's defaulting (``pkg/apis/core/v1/defaults.go`` ``SetDefaults_Pod``): a
  container with a limit and no request for a resource is given the limit as its request;
* ``PodRequests`` / ``PodLimits`` (``k8s.io/component-helpers/resource/helpers.go``): the
  regular containers summed; each init container runs alone, beside the sidecars started before
  it (init containers with ``restartPolicy: Always``, which also run beside the regular
  containers and so add to their sum); the Pod needs the larger of the two, plus its
  ``spec.overhead`` (added to a limit only where the Pod has that limit);
* ``GetPodQOS`` (``pkg/apis/core/helper/qos/qos.go``): only CPU and memory count; Guaranteed
  when every container (init containers too) has CPU and memory limits and the Pod's summed
  requests equal its summed limits, BestEffort when nothing is requested or limited, else
  Burstable. The static CPU manager gives exclusive CPUs only to Guaranteed Pods (and only to
  containers with a whole number of CPUs), so a dedicated-CPU VM whose Pod is not Guaranteed
  runs on shared CPUs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import Quantity, printed

_QOS_RESOURCES = ("cpu", "memory")
_ZERO = Quantity(0)


class _Container:
    __slots__ = ("name", "kind", "requests", "limits", "sidecar")


def container(name, kind, requests, limits, sidecar=False):
    """A container as the totals below take it: ``kind`` containers or initContainers,
    ``requests`` and ``limits`` resource name -> Quantity, requests defaulted from limits."""
    found = _Container()
    found.name, found.kind, found.sidecar = name, kind, sidecar
    found.limits = limits
    requests = dict(requests)
    for resource, limit in limits.items():
        requests.setdefault(resource, limit)
    found.requests = requests
    return found


def totals(containers, overhead=None):
    """(requests, limits, qos, qos reason) of containers made by ``container``: what
    ``pod_envelope`` gives, as Quantity values."""
    overhead = overhead or {}
    qos, reason = _qos(containers)
    return (_pod_total(containers, overhead, "requests"), _pod_total(containers, overhead, "limits"),
            qos, reason)


def read_containers(pod, path="pod"):
    """The containers and init containers of a Pod (a dict), with their requests defaulted from
    their limits as the API server would."""
    if not isinstance(pod, dict):
        raise VmpodInputError(path, pod, "must be a Pod (a mapping with spec.containers)")
    spec = f.mapping(pod, "spec", path, required=True)
    spec_path = f.join(path, "spec")
    found = []
    for kind in ("initContainers", "containers"):
        for where, item in f.mappings(spec, kind, spec_path):
            container = _Container()
            container.name = f.string(item, "name", where)
            container.kind = kind
            resources = f.mapping(item, "resources", where)
            rpath = f.join(where, "resources")
            container.limits = f.resource_list(resources, "limits", rpath)
            requests = dict(f.resource_list(resources, "requests", rpath))
            for name, limit in container.limits.items():
                requests.setdefault(name, limit)
            container.requests = requests
            policy = item.get("restartPolicy")
            if policy not in (None, "Always"):
                raise VmpodInputError(f.join(where, "restartPolicy"), policy,
                                      "must be Always (a sidecar) or absent")
            if policy == "Always" and kind == "containers":
                raise VmpodInputError(f.join(where, "restartPolicy"), policy,
                                      "is only allowed on init containers (sidecars)")
            container.sidecar = policy == "Always"
            found.append(container)
    if not any(container.kind == "containers" for container in found):
        raise VmpodInputError(f.join(spec_path, "containers"), spec.get("containers"),
                              "must hold at least one container")
    return found, f.resource_list(spec, "overhead", spec_path)


def _add(total, resources):
    for name, quantity in resources.items():
        total[name] = total[name] + quantity if name in total else quantity


def _max(total, resources):
    for name, quantity in resources.items():
        if name not in total or quantity > total[name]:
            total[name] = quantity


def _pod_total(containers, overhead, field):
    """PodRequests (``field`` requests) or PodLimits (``limits``)."""
    total, sidecars, init = {}, {}, {}
    for container in containers:
        if container.kind == "containers":
            _add(total, getattr(container, field))
    for container in containers:
        if container.kind != "initContainers":
            continue
        own = getattr(container, field)
        if container.sidecar:
            _add(total, own)
            _add(sidecars, own)
            running = dict(sidecars)
        else:
            running = dict(sidecars)
            _add(running, own)
        _max(init, running)
    _max(total, init)
    for name, quantity in overhead.items():
        if field == "requests" or name in total:
            total[name] = total[name] + quantity if name in total else quantity
    return total


def _qos(containers):
    """(class, reason) as GetPodQOS decides."""
    requests, limits, missing = {}, {}, []
    for container in containers:
        for source, target in ((container.requests, requests), (container.limits, limits)):
            for name in _QOS_RESOURCES:
                quantity = source.get(name)
                if quantity is not None and quantity > _ZERO:
                    target[name] = target[name] + quantity if name in target else quantity
        absent = [name for name in _QOS_RESOURCES
                  if not (name in container.limits and container.limits[name] > _ZERO)]
        if absent:
            missing.append("%s %s has no %s limit" % (
                "init container" if container.kind == "initContainers" else "container", container.name,
                " or ".join(absent)))
    if not requests and not limits:
        return "BestEffort", "no container requests or limits CPU or memory"
    if missing:
        return "Burstable", "; ".join(missing)
    unequal = ["%s: requests %s, limits %s" % (name, requests.get(name, _ZERO), limits[name])
               for name in _QOS_RESOURCES if requests.get(name, _ZERO) != limits[name]]
    if unequal:
        return "Burstable", "the Pod's requests differ from its limits (%s)" % "; ".join(unequal)
    return "Guaranteed", "every container limits CPU and memory, and the Pod's requests equal its limits"


def pod_envelope(pod):
    """What kube-scheduler counts for ``pod`` (a Pod as a dict) and its QoS class.

    Returns ``{requests, limits, qos, qos_reason, containers}``: ``requests`` and ``limits`` map
    each resource to its printed quantity; ``containers`` lists, for each container and init
    container in order, ``{name, kind (containers / initContainers), sidecar, requests,
    limits}`` after defaulting.
    """
    containers, overhead = read_containers(pod)
    qos, reason = _qos(containers)
    return {
        "requests": printed(_pod_total(containers, overhead, "requests")),
        "limits": printed(_pod_total(containers, overhead, "limits")),
        "qos": qos,
        "qos_reason": reason,
        "containers": [{"name": c.name, "kind": c.kind, "sidecar": c.sidecar,
                        "requests": printed(c.requests), "limits": printed(c.limits)} for c in containers],
    }
