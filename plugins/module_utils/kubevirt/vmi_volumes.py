# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VMI's ``spec.volumes`` as its launcher Pod reads them (``vmi_pod.read_pod_section``): each
volume's name, its one source and whether its own Pod attaches it (hotplug)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import DNS1123_LABEL, check_label
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi_domain import check_cloud_init_refs
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


class PodVolume(NamedTuple):
    """A volume of ``spec.volumes``: its name, source kind and the source as given."""

    name: str
    kind: str  # the source's key: containerDisk, persistentVolumeClaim, dataVolume, ...
    source: dict
    index: int  # its place in spec.volumes (container disks are named by it)
    hotplug: bool  # a hotpluggable PVC or DataVolume: attached by its own Pod, not the launcher


VOLUME_KINDS = ("containerDisk", "persistentVolumeClaim", "dataVolume", "ephemeral", "hostDisk",
                "secret", "configMap", "downwardAPI", "serviceAccount", "cloudInitNoCloud",
                "cloudInitConfigDrive", "downwardMetrics", "emptyDisk", "sysprep", "memoryDump",
                "containerPath")


def read_volumes(spec, sp):
    """``spec.volumes`` as PodVolume values; names unique, one source each. (Paths are built
    only for an error: this runs once per VMI on the rendering road.)"""
    found, names = [], set()
    for index, item in enumerate(f.mapping_items(spec, "volumes", sp)):
        name = item.get("name")
        if name.__class__ is not str or name not in _GOOD_VOLUME_NAMES:  # (seen valid: no match)
            name = _volume_name(item, f.item_path(sp, "volumes", index))
        if name in names:
            raise VmpodInputError(f.join(f.item_path(sp, "volumes", index), "name"), name,
                                  "names another volume too")
        names.add(name)
        kind = None
        for key in item:
            if key in _VOLUME_KIND_SET and item[key] is not None:
                if kind is not None:
                    kind = _TWO_SOURCES
                    break
                kind = key
        if kind is None or kind is _TWO_SOURCES:
            raise VmpodInputError(f.item_path(sp, "volumes", index),
                                  sorted(str(k) for k in item if k != "name"),
                                  "must have exactly one volume source (containerDisk, "
                                  "persistentVolumeClaim, dataVolume, cloudInitNoCloud, ...)")
        source = item[kind]
        plain = source.__class__ is dict
        if plain:
            for key, value in source.items():  # names, paths and images all text: the usual case
                if value is not None and (key in _SOURCE_REF_SET or (
                        key in _SOURCE_TEXT_SET and value.__class__ is not str)):
                    plain = False  # (a reference, or a name that is not text: read checked)
                    break
        if not plain:
            source = _checked_source(item, kind, f.item_path(sp, "volumes", index))
        if kind in _CLOUD_INIT_KINDS and "userDataSecretRef" in source:
            check_cloud_init_refs(source, f.join(f.item_path(sp, "volumes", index), kind))
        hotplug = False
        if kind in _CLAIM_KINDS and "hotpluggable" in source:
            hotplug = source["hotpluggable"] is True
            f.boolean(source, "hotpluggable", f.join(f.item_path(sp, "volumes", index), kind))
        found.append(_new_volume(PodVolume, (name, kind, source, index, hotplug)))
    return tuple(found)


# volume names recur across VMIs (rootdisk, cloudinitdisk): those seen valid are not matched
# again; a bounded set, so hostile input cannot grow it without end
_GOOD_VOLUME_NAMES = set()
_GOOD_NAMES_KEPT = 4096


def _volume_name(item, where):
    """A volume's name, checked: required, a DNS-1123 label."""
    name = f.string(item, "name", where)
    if not name:
        raise VmpodInputError(f.join(where, "name"), name, "is required")
    if not DNS1123_LABEL.match(name) or len(name) > 63:
        check_label(name, f.join(where, "name"))
    if len(_GOOD_VOLUME_NAMES) < _GOOD_NAMES_KEPT:
        _GOOD_VOLUME_NAMES.add(name)
    return name


_CLAIM_KINDS = frozenset(("persistentVolumeClaim", "dataVolume"))
_CLOUD_INIT_KINDS = frozenset(("cloudInitNoCloud", "cloudInitConfigDrive"))
_new_volume = tuple.__new__  # PodVolume's fields in order, without its __new__'s frame


_VOLUME_KIND_SET = frozenset(VOLUME_KINDS)
_TWO_SOURCES = object()  # (a volume with more than one source)
_SOURCE_TEXTS = ("claimName", "name", "image", "imagePullPolicy", "imagePullSecret", "path",
                 "type", "secretName", "serviceAccountName")
_SOURCE_REFS = ("secretRef", "networkDataSecretRef", "persistentVolumeClaim", "secret",
                "configMap")


def status_hotplug(volumes, obj):
    """The volumes with those the status shows hotplugged (a ``hotplugVolume`` in
    ``status.volumeStatus``) marked so (rendervolumes.go hotplugVolumes): their own Pod
    attaches them, not the launcher."""
    status = f.mapping(obj, "status", "")
    names = {f.string(item, "name", where) for where, item in f.mappings(status, "volumeStatus", "status")
             if item.get("hotplugVolume") is not None}
    return tuple(volume._replace(hotplug=True) if volume.name in names else volume
                 for volume in volumes) if names else volumes


_SOURCE_TEXT_SET = frozenset(_SOURCE_TEXTS)
_SOURCE_REF_SET = frozenset(_SOURCE_REFS)


def _checked_source(item, kind, where):
    """A volume source whose names, paths and images (all the Pod takes from it) are text."""
    source = f.mapping(item, kind, where)
    source_path = f.join(where, kind)
    for key in _SOURCE_TEXTS:
        f.string(source, key, source_path)
    for key in _SOURCE_REFS:
        ref = f.mapping(source, key, source_path)
        for text in ("name", "claimName"):
            f.string(ref, text, f.join(source_path, key))
    return source
