# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The launcher Pod's annotations: the VMI's own (less ``filterVMIAnnotationsForPod``'s), the
ones ``template.go`` ``generatePodAnnotations`` always writes, and those of KubeVirt's annotation
generators - ``pkg/network/pod/annotations`` (Multus networks, binding plugins, Istio) and
``pkg/storage/pod/annotations`` (Velero's backup hooks)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

# KubeVirt's VMI annotations that stay off the Pod (filterVMIAnnotationsForPod)
_FILTERED_ANNOTATION_PREFIXES = ("kubectl.kubernetes.io",
                                 "kubevirt.io/storage-observed-api-version",
                                 "kubevirt.io/latest-observed-api-version")


def pod_annotations(sized, opts, cfg):
    vmi = sized.vmi
    # generatePodAnnotations: the domain's name first, the VMI's own annotations over it
    annotations = {"kubevirt.io/domain": vmi.name}
    if vmi.annotations:
        annotations.update((key, value) for key, value in vmi.annotations.items()
                           if not key.startswith(_FILTERED_ANNOTATION_PREFIXES))
    annotations["kubectl.kubernetes.io/default-container"] = "compute"
    annotations["kubevirt.io/migrationTransportUnix"] = "true"
    annotations["descheduler.alpha.kubernetes.io/request-evict-only"] = ""
    if opts.memory_overhead_annotation:
        annotations["kubevirt.io/memory-overhead-bytes"] = str(sized.overhead.value())
    annotations.update(network_annotations(vmi, cfg))
    annotations.update(backup_hook_annotations(vmi))
    return _sorted(annotations)


def network_annotations(vmi, cfg):
    """pkg/network/pod/annotations: the Multus networks the Pod joins (each secondary network
    on the interface ``pod`` + 11 hex digits of the SHA-256 of its name; binding plugins with a
    NetworkAttachmentDefinition), the Multus default network, Istio's for masquerade."""
    interfaces = {interface.name: interface for interface in vmi.interfaces
                  if not interface.absent}
    elements = []
    for network in vmi.networks:
        interface = interfaces.get(network.name)
        if interface is None:
            continue
        name, nad, mac, binding = network.name, network.multus_network, interface.mac, interface.binding
        if nad is not None and not network.multus_default:
            namespace, nad_name = _nad_name(nad, vmi)
            element = {"name": nad_name, "namespace": namespace}
            if mac:
                element["mac"] = mac
            element["interface"] = "pod" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:11]
            elements.append(element)
        if binding is not None:
            if binding not in cfg.binding_nads:
                raise VmpodInputError("%s.domain.devices.interfaces" % vmi.spec_path, binding,
                                      "names a network binding plugin the cluster does not have "
                                      "(config.network.binding)")
            plugin_nad = cfg.binding_nads[binding]
            if plugin_nad:
                namespace, nad_name = _nad_name(plugin_nad, vmi)
                elements.append({"name": nad_name, "namespace": namespace,
                                 "cni-args": {"logicNetworkName": name}})
    found = {}
    if elements:
        found["k8s.v1.cni.cncf.io/networks"] = json.dumps(elements, separators=(",", ":"))
    default = next((n.multus_network for n in vmi.networks if n.multus_default), None)
    if default:
        found["v1.multus-cni.io/default-network"] = default
    if any(interface.masquerade for interface in vmi.interfaces):
        found["traffic.sidecar.istio.io/kubevirtInterfaces"] = "k6t-eth0"
        found["istio.io/reroute-virtual-interfaces"] = "k6t-eth0"
    return found


def _nad_name(nad, vmi):
    """NetAttachDefNamespacedName: ``namespace/name``, or the name in the VMI's namespace."""
    if "/" in nad:
        namespace, name = nad.split("/", 1)
        return namespace, name
    return vmi.namespace or "default", nad


_TRUE = ("1", "t", "T", "TRUE", "true", "True")  # strconv.ParseBool


def backup_hook_annotations(vmi):
    """pkg/storage/pod/annotations: Velero's pre- and post-backup hooks freeze and thaw the
    guest from ``compute``, unless ``kubevirt.io/skip-backup-hooks`` is true."""
    if vmi.annotations.get("kubevirt.io/skip-backup-hooks") in _TRUE:
        return {}
    names = _json_text(vmi.name), _json_text(vmi.namespace)
    return {
        "pre.hook.backup.velero.io/container": "compute",
        "pre.hook.backup.velero.io/command":
            '["/usr/bin/virt-freezer", "--freeze", "--name", %s, "--namespace", %s]' % names,
        "pre.hook.backup.velero.io/timeout": "60s",
        "post.hook.backup.velero.io/container": "compute",
        "post.hook.backup.velero.io/command":
            '["/usr/bin/virt-freezer", "--unfreeze", "--name", %s, "--namespace", %s]' % names,
    }


_PLAIN_TEXT = re.compile(r"[a-z0-9.-]*\Z")  # a checked name or namespace: JSON needs no escapes


def _json_text(text):
    """``json.dumps(text)``, without its cost for the plain names Kubernetes objects have."""
    return '"%s"' % text if _PLAIN_TEXT.match(text) else json.dumps(text)


def _sorted(mapping):
    return {key: mapping[key] for key in sorted(mapping)}
