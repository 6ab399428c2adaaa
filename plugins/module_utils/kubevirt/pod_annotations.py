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

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

# KubeVirt's VMI annotations that stay off the Pod (filterVMIAnnotationsForPod)
_FILTERED_ANNOTATION_PREFIXES = ("kubectl.kubernetes.io",
                                 "kubevirt.io/storage-observed-api-version",
                                 "kubevirt.io/latest-observed-api-version")


def pod_annotations(sized, opts, cfg):
    vmi = sized.vmi
    own = vmi.annotations
    # generatePodAnnotations: the domain's name first, the VMI's own annotations over it
    annotations = {"kubevirt.io/domain": vmi.name}
    if own:
        for key, value in own.items():
            if not key.startswith(_FILTERED_ANNOTATION_PREFIXES):
                annotations[key] = value
    annotations["kubectl.kubernetes.io/default-container"] = "compute"
    annotations["kubevirt.io/migrationTransportUnix"] = "true"
    annotations["descheduler.alpha.kubernetes.io/request-evict-only"] = ""
    if opts.memory_overhead_annotation:
        annotations["kubevirt.io/memory-overhead-bytes"] = str(sized.overhead.value())
    network = network_annotations(vmi, cfg)
    if network:
        annotations.update(network)
    annotations.update(backup_hook_annotations(vmi))
    return {key: annotations[key] for key in sorted(annotations)}


def network_annotations(vmi, cfg):
    """pkg/network/pod/annotations: the Multus networks the Pod joins (each secondary network
    on the interface ``pod`` + 11 hex digits of the SHA-256 of its name; binding plugins with a
    NetworkAttachmentDefinition), the Multus default network, Istio's for masquerade."""
    interfaces, masquerade = {}, False
    for interface in vmi.interfaces:
        if not interface.absent:
            interfaces[interface.name] = interface
        if interface.masquerade:
            masquerade = True
    elements = []
    default = None
    for network in vmi.networks:
        if network.multus_default and default is None:
            default = network.multus_network or ""
        interface = interfaces.get(network.name)
        if interface is None:
            continue
        name, nad, binding = network.name, network.multus_network, interface.binding
        if nad is not None and not network.multus_default:
            namespace, nad_name = _nad_name(nad, vmi)
            pod_interface = "pod" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:11]
            if interface.mac:
                elements.append('{"name":%s,"namespace":%s,"mac":%s,"interface":"%s"}' % (
                    _json_text(nad_name), _json_text(namespace), _json_text(interface.mac),
                    pod_interface))
            else:
                elements.append('{"name":%s,"namespace":%s,"interface":"%s"}' % (
                    _json_text(nad_name), _json_text(namespace), pod_interface))
        if binding is not None:
            if binding not in cfg.binding_nads:
                raise VmpodInputError("%s.domain.devices.interfaces" % vmi.spec_path, binding,
                                      "names a network binding plugin the cluster does not have "
                                      "(config.network.binding)")
            plugin_nad = cfg.binding_nads[binding]
            if plugin_nad:
                namespace, nad_name = _nad_name(plugin_nad, vmi)
                elements.append('{"name":%s,"namespace":%s,"cni-args":{"logicNetworkName":%s}}' % (
                    _json_text(nad_name), _json_text(namespace), _json_text(name)))
    found = {}
    if elements:  # json.dumps(elements, separators=(",", ":")), element by element
        found["k8s.v1.cni.cncf.io/networks"] = "[%s]" % ",".join(elements)
    if default:
        found["v1.multus-cni.io/default-network"] = default
    if masquerade:
        found["traffic.sidecar.istio.io/kubevirtInterfaces"] = "k6t-eth0"
        found["istio.io/reroute-virtual-interfaces"] = "k6t-eth0"
    return found


def _nad_name(nad, vmi):
    """NetAttachDefNamespacedName: ``namespace/name``, or the name in the VMI's namespace."""
    if "/" in nad:
        namespace, name = nad.split("/", 1)
        return namespace, name
    return vmi.namespace or "default", nad


_TRUE = frozenset(("1", "t", "T", "TRUE", "true", "True"))  # strconv.ParseBool


def backup_hook_annotations(vmi):
    """pkg/storage/pod/annotations: Velero's pre- and post-backup hooks freeze and thaw the
    guest from ``compute``, unless ``kubevirt.io/skip-backup-hooks`` is true."""
    if vmi.annotations.get("kubevirt.io/skip-backup-hooks") in _TRUE:
        return {}
    name, namespace = vmi.name, vmi.namespace
    names = ('"%s"' % name, '"%s"' % namespace) if _plain(name + namespace) else (
        json.dumps(name), json.dumps(namespace))
    return {
        "pre.hook.backup.velero.io/container": "compute",
        "pre.hook.backup.velero.io/command":
            '["/usr/bin/virt-freezer", "--freeze", "--name", %s, "--namespace", %s]' % names,
        "pre.hook.backup.velero.io/timeout": "60s",
        "post.hook.backup.velero.io/container": "compute",
        "post.hook.backup.velero.io/command":
            '["/usr/bin/virt-freezer", "--unfreeze", "--name", %s, "--namespace", %s]' % names,
    }


def _json_text(text):
    """``json.dumps(text)``, without its cost for text that needs no escapes, as the names of
    Kubernetes objects are."""
    return '"%s"' % text if _plain(text) else json.dumps(text)


def _plain(text):
    """Whether JSON holds ``text`` as it is: printable ASCII without quotes or backslashes."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text
