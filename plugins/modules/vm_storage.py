#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vm_storage
short_description: Make or remove the disk files of VMs rendered for a libvirt host
version_added: 0.1.0
description:
  - Takes the C(storage.json) lists that M(vmpod.core.render_vmis) writes for a libvirt host
    target (one per VM) and makes on this host what they list, or removes it.
  - O(state=present) first checks every VM's list; when anything is wrong (an image, claim or host
    disk that is not there, a PCI device the host does not have, a path outside the VM's directory) it fails naming the VM and the volume,
    and nothing is made. Then, per VM, its directory, a qcow2 overlay over each containerDisk
    image (the image is only read), and a sparse qcow2 for each emptyDisk, each only when it is
    not there yet, and a sparse raw file of its capacity for a hostDisk of type DiskOrCreate that
    is not there yet (its directory must be). When C(qemu-img) fails, what this run made is
    removed again.
  - Cloud-init seed images are listed too; the playbook copies them from the render's output
    (they hold secrets, and this module never reads them).
  - O(state=absent) removes the overlays, empty disks and seeds the lists name, each only when it
    is what deploy makes (a qcow2 image; an ISO 9660 image with the seed's label), then each VM's
    directory when nothing else is left in it. Images, claims and host disks (also those a
    DiskOrCreate made, which hold the user's data, as KubeVirt keeps them) are never touched.
    O(only_new) limits it to VMs whose directories RV(created_directories) of a failed present
    run named.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.changes
options:
  vms:
    description:
      - The VMs' storage lists, each as C(storage.json) holds it, C({domain, directory, items}).
      - Each item has C(kind) (V(overlay), V(empty), V(seed), V(existing), V(host_disk), V(pci)),
        C(volume), C(path), and for an overlay C(base) and C(base_format) (or C(base_pool) and
        C(base_volume), a libvirt storage-pool volume whose path and format libvirt gives), for an empty disk or a
        host disk C(size) in bytes, for an existing one C(block).
    type: list
    elements: dict
    required: true
  state:
    description: Whether the files are to be there.
    type: str
    choices: [present, absent]
    default: present
  only_new:
    description: With O(state=absent), the directories of the VMs to clear; the others are left as
      they are. None clears every VM of O(vms).
    type: list
    elements: path
  made_files:
    description: With O(state=absent), the files a failed present run made (its RV(made)); host
      disks of type DiskOrCreate among them are removed too, to undo that run. Other host disks
      are never removed.
    type: list
    elements: path
    default: []
  uri:
    description: The libvirt connection URI, asked for the path and format of an overlay's image
      that is a storage-pool volume (C(base_pool), C(base_volume)); not used without one.
    type: str
    default: qemu:///system
notes:
  - Needs C(qemu-img) (Debian C(qemu-utils)) on the host for overlays and empty disks, and
    libvirt-python for images that are storage-pool volumes.
seealso:
  - module: vmpod.core.libvirt_domain
"""

EXAMPLES = r"""
- name: Make the disks of the rendered VMs
  vmpod.core.vm_storage:
    vms: "{{ query('ansible.builtin.fileglob', 'out/render/*/storage.json') | map('ansible.builtin.file') | map('from_json') }}"
  register: storage

- name: Remove them
  vmpod.core.vm_storage:
    vms: "{{ storage_lists }}"
    state: absent
"""

RETURN = r"""
made:
  description: The files made (present) or removed (absent), or that would be in check mode.
  returned: always
  type: list
  elements: str
created_directories:
  description: The VM directories made by this run (or that would be).
  returned: always
  type: list
  elements: str
"""

import os
import posixpath
import shutil
import stat

from xml.etree import ElementTree

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.vmpod.core.plugins.module_utils.libvirt.client import (
    LIBVIRT_ERRORS, libvirt, require_libvirt)

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.paths import check_path

_OWN = ("overlay", "empty", "seed")
_KINDS = _OWN + ("existing", "host_disk", "pci")
_PCI_DEVICES = "/sys/bus/pci/devices/"
_FORMATS = ("raw", "qcow2")


def read_lists(vms):
    """Each VM's (domain, directory, items) checked as data: names, kinds, absolute paths, its
    own files inside its directory. Raises VmpodInputError naming the VM and item."""
    result = []
    for index, vm in enumerate(vms):
        where = "vms[%d]" % index
        if not isinstance(vm, dict):
            raise VmpodInputError(where, vm, "must be a storage list {domain, directory, items}")
        domain = vm.get("domain")
        directory = vm.get("directory")
        if not isinstance(domain, str) or not domain:
            raise VmpodInputError(where + ".domain", domain, "must name the domain")
        where = "vms[%d](%s)" % (index, domain)
        check_path(directory, where + ".directory")
        if not isinstance(directory, str) or not posixpath.isabs(directory) or \
                posixpath.normpath(directory) != directory or directory == "/":
            raise VmpodInputError(where + ".directory", directory, "must be an absolute, normal path")
        items = vm.get("items")
        if not isinstance(items, list):
            raise VmpodInputError(where + ".items", items, "must be a list")
        checked = []
        for number, item in enumerate(items):
            ip = "%s.items[%d]" % (where, number)
            if not isinstance(item, dict) or item.get("kind") not in _KINDS:
                raise VmpodInputError(ip, item, "must be an item of kind %s" % ", ".join(_KINDS))
            path = check_path(item.get("path"), ip + ".path")
            if not isinstance(path, str) or not posixpath.isabs(path):
                raise VmpodInputError(ip + ".path", path, "must be an absolute path")
            if item["kind"] == "pci" and not path.startswith(_PCI_DEVICES):
                raise VmpodInputError(ip + ".path", path, "must be under %s" % _PCI_DEVICES)
            if item["kind"] in _OWN and posixpath.dirname(posixpath.normpath(path)) != directory:
                raise VmpodInputError(ip + ".path", path, "must be a file directly in %s" % directory)
            if item["kind"] == "overlay" and "base_pool" in item:
                for key in ("base_pool", "base_volume"):
                    if not isinstance(item.get(key), str) or not item[key] or "/" in item[key]:
                        raise VmpodInputError(ip + "." + key, item.get(key),
                                              "must name a libvirt storage pool and volume")
            elif item["kind"] == "overlay":
                check_path(item.get("base"), ip + ".base")
                if not isinstance(item.get("base"), str) or item.get("base_format") not in _FORMATS:
                    raise VmpodInputError(ip, item, "an overlay needs base and base_format (raw, "
                                                    "qcow2), or base_pool and base_volume")
            if item["kind"] in ("empty", "host_disk") and (
                    not isinstance(item.get("size"), int) or isinstance(item.get("size"), bool) or item["size"] <= 0):
                raise VmpodInputError(ip + ".size", item.get("size"), "must be a positive number of bytes")
            checked.append(item)
        result.append((domain, directory, checked))
    return result


def pool_volumes(lists):
    """The overlays whose image is a libvirt storage-pool volume."""
    return [(domain, item) for domain, _directory, items in lists for item in items
            if item["kind"] == "overlay" and "base_pool" in item]


def resolve_pool_volumes(connection, overlays):
    """Fill in ``base`` and ``base_format`` of each overlay over a pool volume from libvirt
    (the volume's path and format); returns [message] for what libvirt does not have."""
    problems = []
    for domain, item in overlays:
        where = "%s: volume %s: storage pool %s" % (domain, item.get("volume"), item["base_pool"])
        try:
            pool = connection.storagePoolLookupByName(item["base_pool"])
        except LIBVIRT_ERRORS:
            problems.append(where + " is not defined in libvirt")
            continue
        if not pool.isActive():
            problems.append(where + " is not active (virsh pool-start %s)" % item["base_pool"])
            continue
        try:
            volume = pool.storageVolLookupByName(item["base_volume"])
        except LIBVIRT_ERRORS:
            problems.append("%s has no volume %s" % (where, item["base_volume"]))
            continue
        element = ElementTree.fromstring(volume.XMLDesc(0)).find("target/format")
        fmt = element.get("type") if element is not None else None
        if fmt not in _FORMATS:
            problems.append("%s: volume %s is of format %s, not raw or qcow2" % (
                where, item["base_volume"], fmt))
            continue
        item["base"], item["base_format"] = volume.path(), fmt
    return problems


def missing(lists):
    """What the host lacks that the lists say must be there: [message]."""
    problems = []
    for domain, _directory, items in lists:
        for item in items:
            where = "%s: volume %s" % (domain, item.get("volume"))
            if item["kind"] == "overlay":
                if "base" not in item:  # a pool volume libvirt did not give (said already)
                    continue
                if not os.path.isfile(item["base"]):
                    problems.append("%s: the image %s is not a file on this host" % (where, item["base"]))
                elif not os.access(item["base"], os.R_OK):
                    problems.append("%s: the image %s cannot be read" % (where, item["base"]))
            elif item["kind"] == "pci":
                if not os.path.isdir(item["path"]):
                    problems.append("%s: device %s: %s is not a PCI device of this host" % (
                        domain, item.get("volume"), posixpath.basename(item["path"])))
            elif item["kind"] == "host_disk":
                if os.path.lexists(item["path"]) and not os.path.isfile(item["path"]):
                    problems.append("%s: %s is there but is not a file" % (where, item["path"]))
                elif not os.path.lexists(item["path"]) and \
                        not os.path.isdir(posixpath.dirname(posixpath.normpath(item["path"]))):
                    problems.append("%s: the directory of %s is not on this host" % (where, item["path"]))
            elif item["kind"] == "existing":
                try:
                    mode = os.stat(item["path"]).st_mode
                except OSError:
                    problems.append("%s: %s is not on this host" % (where, item["path"]))
                    continue
                if item.get("block") and not stat.S_ISBLK(mode):
                    problems.append("%s: %s is not a block device" % (where, item["path"]))
                elif not item.get("block") and not stat.S_ISREG(mode):
                    problems.append("%s: %s is not a file" % (where, item["path"]))
    return problems


def make(module, lists):
    made, created = [], []

    def undo(message):
        for path in made:
            if os.path.lexists(path):
                os.unlink(path)
        for path in reversed(created):
            shutil.rmtree(path, ignore_errors=True)
        module.fail_json(msg=message + ", and what this run made was removed", made=[],
                         created_directories=[])

    for _domain, directory, items in lists:
        wanted = [item for item in items if item["kind"] in ("overlay", "empty", "host_disk")
                  and not os.path.lexists(item["path"])]
        try:
            if not os.path.isdir(directory):
                if not module.check_mode:
                    os.makedirs(directory, 0o755)
                    os.chmod(directory, 0o755)  # QEMU's user reaches its files through it
                created.append(directory)
            for item in wanted:
                if module.check_mode:
                    made.append(item["path"])
                    continue
                if item["kind"] == "host_disk":
                    _sparse_file(item["path"], item["size"])
                    made.append(item["path"])
                    continue
                if item["kind"] == "overlay":
                    command = ["qemu-img", "create", "-q", "-f", "qcow2", "-F", item["base_format"],
                               "-b", item["base"], item["path"]]
                else:
                    command = ["qemu-img", "create", "-q", "-f", "qcow2", item["path"], str(item["size"])]
                code, _out, err = module.run_command(command)
                if code != 0:
                    if os.path.lexists(item["path"]):  # a partial image of this run's
                        os.unlink(item["path"])
                    undo("%s failed: %s" % (" ".join(command[:2]), err.strip()))
                made.append(item["path"])
        except (IOError, OSError) as exc:
            undo("%s: %s" % (exc.filename, exc.strerror))
    return made, created


def _sparse_file(path, size):
    """A hostDisk of type DiskOrCreate: a sparse raw file of ``size`` bytes, made only when
    there is none (never over an existing file)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o660)
    try:
        os.ftruncate(handle, size)
    finally:
        os.close(handle)


def made_here(item):
    """Whether the file at the item's path is what deploy makes for it: a qcow2 image (overlays,
    empty disks) or an ISO 9660 image labelled as the seed (its volume identifier)."""
    path = item["path"]
    if os.path.islink(path) or not os.path.isfile(path):
        return False
    with open(path, "rb") as handle:
        if item["kind"] != "seed":
            return handle.read(4) == b"QFI\xfb"
        handle.seek(0x8000)
        descriptor = handle.read(72)
    label = item.get("label")
    return descriptor[1:6] == b"CD001" and isinstance(label, str) and \
        descriptor[40:72].rstrip(b" ") == label.encode("ascii", "replace")


def remove(module, lists, only, made_files):
    removed = []
    for _domain, directory, items in lists:
        for item in items:  # host disks a failed run made (rolled back); never any other
            if item["kind"] == "host_disk" and item["path"] in made_files and \
                    os.path.isfile(item["path"]) and not os.path.islink(item["path"]):
                removed.append(item["path"])
                if not module.check_mode:
                    os.unlink(item["path"])
        if only is not None and directory not in only:
            continue
        for item in items:
            if item["kind"] in _OWN and made_here(item):
                removed.append(item["path"])
                if not module.check_mode:
                    os.unlink(item["path"])
        if os.path.isdir(directory) and not os.path.islink(directory):
            left = [name for name in os.listdir(directory)
                    if os.path.join(directory, name) not in removed]
            if not left:
                removed.append(directory)
                if not module.check_mode:
                    os.rmdir(directory)
    return removed


def over_pool_volumes(module, overlays):
    """Ask libvirt at ``uri`` for the pool volumes' paths; [message] for what it lacks."""
    require_libvirt(module, libvirt, missing_required_lib("libvirt-python"))
    libvirt.registerErrorHandler(lambda _context, _error: None, None)  # no stderr noise
    try:
        connection = libvirt.open(module.params["uri"])
    except LIBVIRT_ERRORS as exc:
        return ["cannot reach libvirt at %s for the storage pools: %s" % (module.params["uri"], exc)]
    try:
        return resolve_pool_volumes(connection, overlays)
    finally:
        connection.close()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            vms=dict(type="list", elements="dict", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            only_new=dict(type="list", elements="path"),
            made_files=dict(type="list", elements="path", default=[]),
            uri=dict(type="str", default="qemu:///system"),
        ),
        supports_check_mode=True,
    )
    try:
        lists = read_lists(module.params["vms"])
        for index, path in enumerate(module.params["only_new"] or []):
            check_path(path, "only_new[%d]" % index)
    except VmpodInputError as exc:
        module.fail_json(msg=to_native(exc))
    try:
        if module.params["state"] == "absent":
            removed = remove(module, lists, module.params["only_new"], module.params["made_files"])
            module.exit_json(changed=bool(removed), made=removed, created_directories=[],
                             diff={"before": "\n".join(removed) + ("\n" if removed else ""), "after": ""})
        problems = []
        overlays = pool_volumes(lists)
        if overlays:
            problems = over_pool_volumes(module, overlays)
        problems += missing(lists)
        if problems:
            module.fail_json(msg="nothing made: " + "; ".join(problems), made=[], created_directories=[])
        made, created = make(module, lists)
    except (IOError, OSError) as exc:
        module.fail_json(msg="%s: %s" % (exc.filename, exc.strerror))
    module.exit_json(changed=bool(made or created), made=made, created_directories=created,
                     diff={"before": "", "after": "".join(path + "\n" for path in created + made)})


if __name__ == "__main__":
    main()
