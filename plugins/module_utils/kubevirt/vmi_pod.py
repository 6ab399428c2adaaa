# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fields of a VMI that only its launcher Pod uses (scheduling and naming), read once into a
``PodSection`` (``kubevirt.vmi.read_vmi(obj, with_pod=True)``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import (
    check_label, check_labels, check_qualified_name, check_subdomain)
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


@dataclass(frozen=True)
class PodSection:
    node_selector: dict
    tolerations: tuple
    affinity: object  # dict or None
    priority_class: str
    scheduler: str
    hostname: str
    subdomain: str


def read_pod_section(spec, sp):
    """The Pod's part of a VMI, each field checked as the API server checks the Pod's."""
    return PodSection(
        node_selector=check_labels(string_map(spec, "nodeSelector", sp), f.join(sp, "nodeSelector")),
        tolerations=tuple(_toleration(item, p) for p, item in f.mappings(spec, "tolerations", sp)),
        affinity=f.optional_mapping(spec, "affinity", sp),
        priority_class=_named(spec, "priorityClassName", sp, check_subdomain),
        scheduler=_named(spec, "schedulerName", sp, check_subdomain),
        hostname=_named(spec, "hostname", sp, check_label),
        subdomain=_named(spec, "subdomain", sp, check_label),
    )


def _named(spec, key, path, check):
    value = f.string(spec, key, path)
    return check(value, f.join(path, key)) if value else value


_OPERATORS = ("", "Exists", "Equal")
_EFFECTS = ("", "NoSchedule", "PreferNoSchedule", "NoExecute")


def _toleration(item, path):
    """A toleration as core/v1 validation takes it (validateTolerations)."""
    key, value = f.string(item, "key", path), f.string(item, "value", path)
    if key:
        check_qualified_name(key, f.join(path, "key"))
    if value:
        check_labels({"value": value}, path)
    operator = f.string(item, "operator", path)
    if operator not in _OPERATORS:
        raise VmpodInputError(f.join(path, "operator"), operator, "must be Exists or Equal")
    if operator == "Exists" and value:
        raise VmpodInputError(f.join(path, "value"), value, "must be empty when operator is Exists")
    effect = f.string(item, "effect", path)
    if effect not in _EFFECTS:
        raise VmpodInputError(f.join(path, "effect"), effect,
                              "must be NoSchedule, PreferNoSchedule or NoExecute")
    return item


def string_map(data, key, path):
    """A mapping of strings to strings (labels, annotations, a node selector)."""
    raw = f.mapping(data, key, path)
    for name, value in raw.items():
        if not isinstance(value, str):
            raise VmpodInputError(f.join(f.join(path, key), name), value, "must be a string")
    return raw
