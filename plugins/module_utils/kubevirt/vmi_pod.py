# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fields of a VMI that only its launcher Pod uses (scheduling and naming), read once into a
``PodSection`` (``kubevirt.vmi.read_vmi(obj, with_pod=True)``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from dataclasses import dataclass

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
    return PodSection(
        node_selector=string_map(spec, "nodeSelector", sp),
        tolerations=tuple(item for _p, item in f.mappings(spec, "tolerations", sp)),
        affinity=f.optional_mapping(spec, "affinity", sp),
        priority_class=f.string(spec, "priorityClassName", sp),
        scheduler=f.string(spec, "schedulerName", sp),
        hostname=f.string(spec, "hostname", sp),
        subdomain=f.string(spec, "subdomain", sp),
    )


def string_map(data, key, path):
    """A mapping of strings to strings (labels, annotations, a node selector)."""
    raw = f.mapping(data, key, path)
    for name, value in raw.items():
        if not isinstance(value, str):
            raise VmpodInputError("%s.%s" % (f.join(path, key), name), value, "must be a string")
    return raw
