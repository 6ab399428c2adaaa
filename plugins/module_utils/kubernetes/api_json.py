# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON that the Kubernetes API's Go types write for a value they have read.

KubeVirt renders the launcher Pod from its typed VMI, so what it copies from the VMI (tolerations,
DNS config, topology spread constraints, affinity) comes out as Go's encoding/json writes those
types (k8s.io/api/core/v1 ``types.go``, apimachinery's ``LabelSelector``):

* a field tagged ``omitempty`` is left out when empty: ``""``, ``0``, an empty list or map, a nil
  pointer; a pointer keeps its zero value (a DNS option's ``value: ""`` stays);
* any other field is always written: ``""`` or ``0`` when absent, a struct as ``{}``, a list as
  ``null``;
* fields the type does not have are dropped.

A value of a type the field does not take (Go would refuse to decode it) is copied as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Field kinds: TEXT / INT (always written), TEXT_OR_NONE (omitempty), POINTER (omitempty, zero
# kept), TEXTS (a []string, omitempty), LABELS (a map, omitempty), LIST (a []T, omitempty),
# ALL_OF (a []T, always written), OPTIONAL (a *T, omitempty), STRUCT (a T, always written).
TEXT, INT, TEXT_OR_NONE, POINTER, TEXTS, LABELS, LIST, ALL_OF, OPTIONAL, STRUCT = range(10)

TOLERATION = (("key", TEXT_OR_NONE), ("operator", TEXT_OR_NONE), ("value", TEXT_OR_NONE),
              ("effect", TEXT_OR_NONE), ("tolerationSeconds", POINTER))
DNS_CONFIG = (("nameservers", TEXTS), ("searches", TEXTS),
              ("options", LIST, (("name", TEXT_OR_NONE), ("value", POINTER))))
_REQUIREMENT = (("key", TEXT), ("operator", TEXT), ("values", TEXTS))
_LABEL_SELECTOR = (("matchLabels", LABELS), ("matchExpressions", LIST, _REQUIREMENT))
TOPOLOGY_SPREAD = (("maxSkew", INT), ("topologyKey", TEXT), ("whenUnsatisfiable", TEXT),
                   ("labelSelector", OPTIONAL, _LABEL_SELECTOR), ("minDomains", POINTER),
                   ("nodeAffinityPolicy", POINTER), ("nodeTaintsPolicy", POINTER),
                   ("matchLabelKeys", TEXTS))
_NODE_TERM = (("matchExpressions", LIST, _REQUIREMENT), ("matchFields", LIST, _REQUIREMENT))
_NODE_AFFINITY = (
    ("requiredDuringSchedulingIgnoredDuringExecution", OPTIONAL, (("nodeSelectorTerms", ALL_OF, _NODE_TERM),)),
    ("preferredDuringSchedulingIgnoredDuringExecution", LIST,
     (("weight", INT), ("preference", STRUCT, _NODE_TERM))))
_POD_TERM = (("labelSelector", OPTIONAL, _LABEL_SELECTOR), ("namespaces", TEXTS), ("topologyKey", TEXT),
             ("namespaceSelector", OPTIONAL, _LABEL_SELECTOR), ("matchLabelKeys", TEXTS),
             ("mismatchLabelKeys", TEXTS))
_POD_AFFINITY = (("requiredDuringSchedulingIgnoredDuringExecution", LIST, _POD_TERM),
                 ("preferredDuringSchedulingIgnoredDuringExecution", LIST,
                  (("weight", INT), ("podAffinityTerm", STRUCT, _POD_TERM))))
AFFINITY = (("nodeAffinity", OPTIONAL, _NODE_AFFINITY), ("podAffinity", OPTIONAL, _POD_AFFINITY),
            ("podAntiAffinity", OPTIONAL, _POD_AFFINITY))

_ZERO = {TEXT: "", INT: 0, ALL_OF: None}


def written(value, fields):
    """``value`` (a mapping read as the Go type whose ``fields`` are given) as Go writes it: a new
    plain dict sharing nothing with ``value``."""
    if not isinstance(value, dict):
        return json_copy(value)
    result = {}
    for field in fields:
        name, kind = field[0], field[1]
        item = value.get(name)
        if kind in _ZERO:
            if item is None:
                result[name] = _ZERO[kind]
            elif kind == ALL_OF:
                result[name] = _items(item, field[2])
            else:
                result[name] = json_copy(item)
        elif kind == STRUCT:
            result[name] = written(item if item is not None else {}, field[2])
        elif kind == POINTER or kind == OPTIONAL:
            if item is not None:
                result[name] = written(item, field[2]) if kind == OPTIONAL else json_copy(item)
        elif item or (item is not None and not isinstance(item, (str, list, dict))):
            # omitempty: "", [] and {} are left out (a value of another type is Go's error: kept)
            result[name] = _items(item, field[2]) if kind == LIST else json_copy(item)
    return result


def _items(items, fields):
    return [written(item, fields) for item in items] if isinstance(items, list) else json_copy(items)


def json_copy(value):
    """A copy of JSON data (dicts, lists, scalars) from the VMI that shares nothing mutable
    with it: a Pod may be changed by its caller without changing the VMI or another Pod."""
    if value.__class__ is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if value.__class__ is list:
        return [json_copy(item) for item in value]
    return value
