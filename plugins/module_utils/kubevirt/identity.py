# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who a VM is, where the cluster would have said it: its uid, which the API server assigns (a
VMI read from a file has none, so one stable for its namespace/name stands in: labels, socket
paths), and its firmware UUID, which virt-controller defaults from the VM's name
(``pkg/virt-controller/watch/vm/firmware.go`` ``CalculateLegacyUUID``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.uuids import namespace_hash, uuid5_of_digest

# Not a KubeVirt value: the namespace of the stand-in uids.
_UID_NAMESPACE = uuid.UUID("0b6f8f0e-55a4-5b8e-9d0a-3c8b1f7e2d41")
# firmware.go: magicUUID, the namespace of CalculateLegacyUUID
FIRMWARE_UUID_NAMESPACE = uuid.UUID("6a1a24a1-4061-4607-8bf4-a3963d0c5895")
# each namespace hashed once: a copy of its hash takes the name (uuids.namespace_hash)
_UID_HASH = namespace_hash(_UID_NAMESPACE.bytes).copy
_FIRMWARE_HASH = namespace_hash(FIRMWARE_UUID_NAMESPACE.bytes).copy


def stand_in_uid(namespace, name):
    """A uid stable for namespace/name, for a VMI without ``metadata.uid``."""
    sha = _UID_HASH()
    sha.update(("%s/%s" % (namespace or "default", name)).encode("utf-8"))
    return uuid5_of_digest(sha.hexdigest())


def legacy_firmware_uuid(name):
    """CalculateLegacyUUID: uuid5 of the VM's name (its name alone, not its namespace) in
    KubeVirt's namespace - what KubeVirt writes into firmware.uuid of every VM it starts."""
    sha = _FIRMWARE_HASH()
    sha.update(name.encode("utf-8"))
    return uuid5_of_digest(sha.hexdigest())


def vm_keys(identities, joint):
    """What a list of VMs is keyed by, from their ``(namespace, name)``: the name, as Kubernetes
    users name a VM; ``namespace<joint>name`` for a name that VMs of other namespaces share (as
    KubeVirt allows; no namespace reads as ``default``). The same namespace and name twice is
    refused: the API server would keep one object."""
    namespaces = {}
    for index, (namespace, name) in enumerate(identities):
        namespace = namespace or "default"
        seen = namespaces.setdefault(name, {})
        if namespace in seen:
            raise VmpodInputError("vmis[%d].metadata.name" % index, name,
                                  "is a duplicate of vmis[%d] in namespace %s" % (seen[namespace], namespace))
        seen[namespace] = index
    return [name if len(namespaces[name]) == 1 else "%s%s%s" % (namespace or "default", joint, name)
            for namespace, name in identities]
