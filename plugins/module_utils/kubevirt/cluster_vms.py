# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VMs a cluster runs or would run, from what ``kubernetes.core.k8s_info`` reads: every
VirtualMachineInstance, and every VirtualMachine that has none (a stopped one; the engine takes
a VirtualMachine's ``spec.template`` as its VMI). A VirtualMachine that runs counts once, through
its VMI, which shares its namespace and name (virt-controller names it so)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


def cluster_vmis(vmis, vms=None):
    """``vmis`` and the ``vms`` without a VMI of the same namespace and name, in one list ordered
    by namespace and name (case-insensitive, as Jinja's ``sort``; VMIs before VMs of the same
    key). Both are lists of objects as the API returns them."""
    keyed = [(_key(obj, "vmis[%d]" % index), obj) for index, obj in enumerate(_objects(vmis, "vmis"))]
    running = set(key for key, _obj in keyed)
    for index, obj in enumerate(_objects(vms, "vms")):
        key = _key(obj, "vms[%d]" % index)
        if key not in running:
            keyed.append((key, obj))
    keyed.sort(key=lambda pair: (pair[0][0].lower(), pair[0][1].lower()))
    return [obj for _key_, obj in keyed]


def _objects(items, path):
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise VmpodInputError(path, items, "must be a list of objects as the API returns them")
    return items


def _key(obj, path):
    if not isinstance(obj, dict):
        raise VmpodInputError(path, obj, "must be an object (a mapping with metadata)")
    meta = f.mapping(obj, "metadata", path, required=True)
    where = f.join(path, "metadata")
    name = f.string(meta, "name", where)
    if not name:
        raise VmpodInputError(f.join(where, "name"), meta.get("name"), "is required")
    return f.string(meta, "namespace", where), name
