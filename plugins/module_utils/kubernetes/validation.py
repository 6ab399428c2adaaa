# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the Kubernetes API server's validation of container resources refuses, checked on any Pod
(``resource_rule_errors``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

_NATIVE = ("cpu", "memory", "ephemeral-storage", "storage")


def resource_rule_errors(pod):
    """What the API server's validation of container resources would refuse, as messages that
    name the field: quantities that do not parse, a request above its limit, hugepages whose
    request differs from the limit or that come without CPU or memory, and extended resources
    (device plugins) that are not whole numbers or whose request differs from the limit.

    Facts from Kubernetes ``pkg/apis/core/validation/validation.go``
    (``ValidateResourceRequirements``, ``validateResourceQuantityHugePageValue``,
    ``ValidateContainerResourceName``, ``IsOvercommitAllowed``). ``[]`` when all is well.
    """
    errors = []
    spec = pod.get("spec") if isinstance(pod, dict) else None
    if not isinstance(spec, dict):
        return ["spec: %r is not a Pod spec" % (spec,)]
    for group in ("initContainers", "containers"):
        for index, container in enumerate(spec.get(group) or ()):
            where = "spec.%s[%d].resources" % (group, index)
            resources = container.get("resources") if isinstance(container, dict) else None
            errors.extend(_container_rule_errors(resources or {}, where))
    return errors


def _container_rule_errors(resources, where):
    errors = []
    tables = {}
    for kind in ("requests", "limits"):
        table = resources.get(kind) or {}
        tables[kind] = {}
        for name, value in table.items():
            try:
                tables[kind][name] = parse_quantity(value, "%s.%s.%s" % (where, kind, name))
            except VmpodInputError as err:
                errors.append(str(err))
    requests, limits = tables["requests"], tables["limits"]
    for name in sorted(set(requests) | set(limits)):
        request, limit = requests.get(name), limits.get(name)
        req_path = "%s.requests.%s" % (where, name)
        if request is not None and limit is not None and request > limit:
            errors.append("%s: %r must be less than or equal to limits.%s (%r)"
                          % (req_path, str(request), name, str(limit)))
        if name.startswith("hugepages-"):
            if request is not None and limit is not None and request != limit:
                errors.append("%s: %r must equal limits.%s (%r): hugepages cannot be "
                              "overcommitted" % (req_path, str(request), name, str(limit)))
            if limit is None:
                errors.append("%s.limits.%s: must be set: hugepages cannot be overcommitted"
                              % (where, name))
        elif _is_extended(name):
            for kind, value in (("requests", request), ("limits", limit)):
                if value is not None and value.as_fraction().denominator != 1:
                    errors.append("%s.%s.%s: %r must be a whole number" % (where, kind, name,
                                                                           str(value)))
            if request is not None and limit is None:
                errors.append("%s.limits.%s: must be set: %s cannot be overcommitted"
                              % (where, name, name))
            elif request is not None and request != limit:
                errors.append("%s: %r must equal limits.%s (%r): %s cannot be overcommitted"
                              % (req_path, str(request), name, str(limit), name))
    pages = [n for n in set(requests) | set(limits) if n.startswith("hugepages-")]
    if pages and not any(n in table for n in ("cpu", "memory") for table in (requests, limits)):
        errors.append("%s: hugepages require cpu or memory" % where)
    return errors


def _is_extended(name):
    """Not a native resource (``cpu``, ``memory``, ``hugepages-*``, ``kubernetes.io/...``)."""
    if name in _NATIVE or name.startswith("hugepages-"):
        return False
    if "/" not in name:
        return False
    domain = name.split("/", 1)[0]
    return not (domain == "kubernetes.io" or domain.endswith(".kubernetes.io"))
