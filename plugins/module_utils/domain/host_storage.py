# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The volumes of a VMI on a libvirt host target (``domain.host_target``): the host map's
``images``, ``claims``, ``secrets`` and ``config_maps`` read once, and each disk of a built
domain turned into the file or device it is on that host, with what deploy makes or must find
(``storage``: overlays, empty disks, host disks, seed and data ISOs, existing files).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import posixpath
import re
from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import xml_string

_FORMATS = ("raw", "qcow2")
_SEED_LABELS = {"cloudInitNoCloud": "cidata", "cloudInitConfigDrive": "config-2"}
_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+\Z")  # a ConfigMap's or Secret's key (its file name)
_ISO_LABEL = re.compile(r"[ -~]{1,32}\Z")  # an ISO 9660 volume identifier: 32 characters


class HostFile(NamedTuple):
    path: str
    format: str
    block: bool


class PoolVolume(NamedTuple):
    """A containerDisk image kept as a libvirt storage-pool volume: deploy (``vm_storage``)
    asks libvirt for its path and format."""

    pool: str
    volume: str


def named_section(data, key, path):
    """The mapping at ``data[key]``, its keys non-empty strings (names)."""
    section = f.mapping(data, key, path)
    for name in section:
        if not isinstance(name, str) or not name:
            raise VmpodInputError(f.join(path, key), name, "names must be non-empty strings")
    return section


def read_files(data, key, path, pools=False):
    """``{name: HostFile}`` of a map section whose entries are a path or ``{path, format}``
    (with ``pools``: or ``{pool, volume}``, a ``PoolVolume``)."""
    result = {}
    for name, entry in named_section(data, key, path).items():
        ep = f.join(f.join(path, key), name)
        if isinstance(entry, str):
            entry = {"path": entry}
        if not isinstance(entry, dict):
            raise VmpodInputError(ep, entry, "must be a path or {path, format}" + (
                " or {pool, volume}" if pools else ""))
        if pools and ("pool" in entry or "volume" in entry):
            f.option_map(entry, ep, ("pool", "volume"))
            pool, volume = xml_string(entry, "pool", ep), xml_string(entry, "volume", ep)
            for field, value in (("pool", pool), ("volume", volume)):
                if not value or "/" in value:
                    raise VmpodInputError(f.join(ep, field), value,
                                          "must name a libvirt storage %s" % field)
            result[name] = PoolVolume(pool, volume)
            continue
        f.option_map(entry, ep, ("path", "format"))
        file_path = xml_string(entry, "path", ep)
        if not file_path.startswith("/"):
            raise VmpodInputError(f.join(ep, "path"), file_path, "must be an absolute path")
        fmt = f.string(entry, "format", ep, "raw")
        if fmt not in _FORMATS:
            raise VmpodInputError(f.join(ep, "format"), fmt, "must be raw or qcow2")
        result[name] = HostFile(posixpath.normpath(file_path), fmt,
                                file_path.startswith("/dev/"))
    return result


def read_data_maps(data, key, path):
    """``{name: {key: text}}`` of Secrets or ConfigMaps (values never shown in errors)."""
    result = {}
    for name, entry in named_section(data, key, path).items():
        ep = f.join(f.join(path, key), name)
        if not isinstance(entry, dict):
            raise VmpodInputError(ep, "(not shown)", "must be a mapping of keys to text")
        for key, value in entry.items():
            if not isinstance(key, str) or not _DATA_KEY.match(key) or key in (".", ".."):
                raise VmpodInputError(ep, key, "keys must be Kubernetes data keys (letters, "
                                      "digits, '-', '_', '.'): each is a file name")
            if not isinstance(value, str):
                raise VmpodInputError(f.join(ep, key), "(not shown)", "must be text")
        result[name] = dict(entry)
    return result


def disk_on_host(disk, vmi, target, directory, storage, path, uid):
    """The domain disk ``disk`` with its source on the host ``target``; what deploy makes or
    must find for it is appended to ``storage``. ``directory``: the VM's own files'."""
    name = disk["alias"][len("ua-"):]
    volume = vmi.domain.volumes.get(name)
    if volume is None:  # an empty CD-ROM tray
        disk["source_type"] = "file"
        return disk
    vp = "%s.volumes(%s)" % (path, name)
    kind = volume.kind
    own = posixpath.join(directory, name)
    if kind == "containerDisk":
        base = _mapped(target.images, volume.ref, vp, "containerDisk.image", "images")
        disk.update(source=own + ".qcow2", format="qcow2")
        if isinstance(base, PoolVolume):  # deploy asks libvirt where it is
            storage.append({"kind": "overlay", "volume": name, "path": own + ".qcow2",
                            "base_pool": base.pool, "base_volume": base.volume})
        else:
            storage.append({"kind": "overlay", "volume": name, "path": own + ".qcow2",
                            "base": base.path, "base_format": base.format})
    elif kind in ("persistentVolumeClaim", "dataVolume"):
        key = "persistentVolumeClaim.claimName" if kind == "persistentVolumeClaim" else "dataVolume.name"
        claim = _mapped(target.claims, volume.ref, vp, key, "claims")
        disk.update(source=claim.path, format=claim.format)
        storage.append({"kind": "existing", "volume": name, "path": claim.path, "block": claim.block})
        disk["source_type"] = "block" if claim.block else "file"
        return disk
    elif kind == "hostDisk" and volume.ref == "DiskOrCreate":
        storage.append({"kind": "host_disk", "volume": name, "path": volume.template,
                        "size": volume.capacity})
    elif kind == "hostDisk":
        storage.append({"kind": "existing", "volume": name, "path": volume.template, "block": False})
    elif kind == "emptyDisk":
        if not volume.capacity:
            raise VmpodInputError(vp + ".emptyDisk.capacity", volume.capacity,
                                  "is required: deploy creates the disk of that size")
        disk.update(source=own + ".qcow2", format="qcow2")
        storage.append({"kind": "empty", "volume": name, "path": own + ".qcow2",
                        "size": volume.capacity})
    elif kind in _SEED_LABELS:
        disk.update(source=own + ".iso", format="raw")
        storage.append({"kind": "seed", "volume": name, "path": own + ".iso",
                        "file": "%s.iso" % name, "label": _SEED_LABELS[kind],
                        "files": _seed_files(kind, volume.cloud_init, vmi, target, vp + "." + kind,
                                             uid)})
    elif kind in ("configMap", "secret"):
        section, key = (target.config_maps, "config_maps") if kind == "configMap" else (target.secrets, "secrets")
        field = "configMap.name" if kind == "configMap" else "secret.secretName"
        data = _mapped(section, volume.ref, vp, field, key)
        if volume.label is not None and not _ISO_LABEL.match(volume.label):
            raise VmpodInputError(vp + "." + kind + ".volumeLabel", volume.label,
                                  "must be 1 to 32 printable ASCII characters (an ISO 9660 label)")
        disk.update(source=own + ".iso", format="raw")
        storage.append({"kind": "seed", "volume": name, "path": own + ".iso",
                        "file": "%s.iso" % name, "label": volume.label or "cfgdata",
                        "files": dict(data)})
    else:
        raise VmpodInputError(vp, kind, "is a kind of volume a libvirt host target cannot "
                              "provide (containerDisk, persistentVolumeClaim, dataVolume, "
                              "hostDisk, emptyDisk, cloudInitNoCloud, cloudInitConfigDrive, "
                              "configMap, secret)")
    disk["source_type"] = "file"
    return disk


def _mapped(section, ref, path, field, key):
    if not ref:
        raise VmpodInputError(path + "." + field, ref, "is required on a libvirt host target")
    entry = section.get(ref)
    if entry is None:
        raise VmpodInputError(path + "." + field, ref, "has no entry in the host map's %s: "
                              "say where it is on the host" % key)
    return entry


def _seed_files(kind, cloud_init, vmi, target, path, uid):
    """The seed's files (secrets: they go into the seed and nowhere else)."""
    user = _secret_text(cloud_init.user_data, cloud_init.user_data_secret, ("userdata", "userData"),
                        target, path + ".secretRef.name")
    network = _secret_text(cloud_init.network_data, cloud_init.network_data_secret,
                           ("networkdata", "networkData"), target,
                           path + ".networkDataSecretRef.name")
    if kind == "cloudInitNoCloud":
        # cloud-init's NoCloud: meta-data names the instance (KubeVirt: the VMI's UID)
        files = {"meta-data": "instance-id: %s\nlocal-hostname: %s\n" % (uid, vmi.name), "user-data": user or ""}
        if network is not None:
            files["network-config"] = network
        return files
    files = {"openstack/latest/meta_data.json": '{"uuid": "%s", "hostname": "%s"}\n' % (uid, vmi.name), "openstack/latest/user_data": user or ""}
    if network is not None:
        files["openstack/latest/network_data.json"] = network
    return files


def _secret_text(inline, secret, keys, target, path):
    if secret is None:
        return inline
    entry = target.secrets.get(secret)
    if entry is None:
        raise VmpodInputError(path, secret, "has no entry in the host map's secrets")
    for key in keys:
        if key in entry:
            return entry[key]
    raise VmpodInputError(path, secret, "the host map's secret has none of the keys %s"
                          % ", ".join(keys))
