# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the VMI's namespace adds to its launcher: quotas that turn on automatic limits, the
memory-limit ratio label, and the device resources of its NetworkAttachmentDefinitions.

Facts from KubeVirt ``pkg/virt-controller/services/template.go`` (doesVMIRequireAutoResourceLimits,
doesVMIRequireAutoCPULimits), ``renderresources.go`` (getMemoryLimitsRatio) and
``pkg/network/multus/nad.go`` (NetworkToResource). Objects are shaped as ``kubernetes.core.k8s_info``
returns them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import check_labels
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values import gofloat
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

MEMORY_LIMITS_RATIO_LABEL = "alpha.kubevirt.io/auto-memory-limits-ratio"
NAD_RESOURCE_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName"
DEFAULT_MEMORY_LIMIT_RATIO = 2.0


class NamespaceContext:
    __slots__ = ("name", "labels", "quota_limits", "nads")

    def auto_cpu_limits(self, vmi, config):
        """A CPU limit is set for the user by a quota with limits.cpu, or a namespace selector."""
        if "cpu" in self.quota_limits and "cpu" not in vmi.limits:
            return True
        selector = config.auto_cpu_limit_selector
        if selector is None or "cpu" in vmi.limits or self.labels is None:
            return False
        return selector_matches(selector, self.labels)

    def auto_memory_limits(self, vmi):
        """A memory limit is set for the user by a quota with limits.memory."""
        return "memory" in self.quota_limits and "memory" not in vmi.limits

    def memory_limit_ratio(self):
        """The namespace label's ratio; 2.0 when absent, unparsable or below 1."""
        if self.labels is None or MEMORY_LIMITS_RATIO_LABEL not in self.labels:
            return DEFAULT_MEMORY_LIMIT_RATIO
        ratio = gofloat.parse_float(self.labels[MEMORY_LIMITS_RATIO_LABEL])
        if ratio is None or ratio < 1.0:
            return DEFAULT_MEMORY_LIMIT_RATIO
        return ratio

    def network_resource_names(self, vmi):
        """The device resource each Multus network's NetworkAttachmentDefinition asks for."""
        by_network = {}
        for index, network in enumerate(vmi.networks):
            if network.multus_network is None:
                continue
            if "/" in network.multus_network:
                namespace, name = network.multus_network.split("/", 1)
            else:
                namespace, name = self.name, network.multus_network
            annotations = self.nads.get((namespace, name))
            if annotations is None:
                annotations = self.nads.get((None, name))
            if annotations is None:
                raise VmpodInputError(
                    "%s.networks[%d].multus.networkName" % (vmi.spec_path, index),
                    network.multus_network,
                    "names no NetworkAttachmentDefinition given in network_attachment_definitions")
            by_network[network.name] = annotations.get(NAD_RESOURCE_ANNOTATION, "")
        return list(by_network.values())


def read_namespace_context(vmi, namespace, resource_quotas, network_attachment_definitions):
    """The context of one VMI: ``namespace``, its Namespace object or None; quotas of other
    namespaces than the VMI's (or the Namespace object's) are left out."""
    if namespace is None and not resource_quotas and not network_attachment_definitions:
        return EMPTY_CONTEXT
    labels, ns_name = None, ""
    if namespace is not None:
        if not isinstance(namespace, dict):
            raise VmpodInputError("namespace", namespace, "must be a Namespace object (mapping)")
        ns_name, labels = _read_namespace(namespace, "namespace")
    name = vmi.namespace or ns_name or None
    return _context(name, labels, _read_quotas(resource_quotas),
                    _read_nads(network_attachment_definitions))


class NamespaceContexts:
    """The contexts of a fleet's VMIs, namespace by namespace, from lists of Namespace objects,
    ResourceQuotas and NetworkAttachmentDefinitions read once (``read_namespace_contexts``).

    A VMI in a namespace no Namespace object names has no labels; one without a namespace is
    taken as ``read_namespace_context`` takes it with no Namespace object: no labels, every quota,
    and only NetworkAttachmentDefinitions without a namespace for its unqualified network names.
    """

    __slots__ = ("labels", "quotas", "nads", "cache")

    def context(self, name):
        """The ``NamespaceContext`` of the namespace ``name`` ("" or None: none given)."""
        name = name or None
        ctx = self.cache.get(name)
        if ctx is None:
            ctx = self.cache[name] = _context(name, self.labels.get(name), self.quotas, self.nads)
        return ctx


def read_namespace_contexts(namespaces, resource_quotas, network_attachment_definitions):
    """``NamespaceContexts`` for a fleet, or None when nothing is given (every VMI then sizes in
    ``EMPTY_CONTEXT``). ``namespaces``: Namespace objects (a list, or a ``k8s_info`` result or
    ``kubectl get -o json`` List); a name given twice is an error naming both."""
    if not namespaces and not resource_quotas and not network_attachment_definitions:
        return None
    contexts = NamespaceContexts()
    contexts.labels = {}
    for index, namespace in enumerate(_objects(namespaces, "namespaces")):
        where = "namespaces[%d]" % index
        name, labels = _read_namespace(namespace, where)
        if name in contexts.labels:
            raise VmpodInputError(where + ".metadata.name", name,
                                  "names a namespace given twice in namespaces")
        contexts.labels[name] = labels
    contexts.quotas = _read_quotas(resource_quotas)
    contexts.nads = _read_nads(network_attachment_definitions)
    contexts.cache = {}
    return contexts


def _read_namespace(namespace, where):
    meta = f.mapping(namespace, "metadata", where)
    name = f.string(meta, "name", where + ".metadata")
    labels = f.mapping(meta, "labels", where + ".metadata")
    return name, dict(check_labels(labels, where + ".metadata.labels"))


def _read_quotas(resource_quotas):
    """``[(namespace or "", {"cpu", "memory"} whose limits the quota sets)]``."""
    quotas = []
    for index, quota in enumerate(_objects(resource_quotas, "resource_quotas")):
        where = "resource_quotas[%d]" % index
        quota_ns = f.string(f.mapping(quota, "metadata", where), "namespace", where + ".metadata")
        hard = f.mapping(f.mapping(quota, "spec", where), "hard", where + ".spec")
        quotas.append((quota_ns, frozenset(
            resource for resource in ("cpu", "memory") if "limits." + resource in hard)))
    return quotas


def _read_nads(network_attachment_definitions):
    """``{(namespace or None, name): annotations}``."""
    nads = {}
    for index, nad in enumerate(_objects(network_attachment_definitions,
                                         "network_attachment_definitions")):
        where = "network_attachment_definitions[%d].metadata" % index
        meta = f.mapping(nad, "metadata", where[:-len(".metadata")])
        name = f.string(meta, "name", where)
        annotations = f.mapping(meta, "annotations", where)
        nads[(f.string(meta, "namespace", where) or None, name)] = annotations
    return nads


def _context(name, labels, quotas, nads):
    ctx = NamespaceContext()
    ctx.name = name
    ctx.labels = labels
    ctx.quota_limits = set()
    for quota_ns, limited in quotas:
        if quota_ns and name and quota_ns != name:
            continue  # another namespace's quota
        ctx.quota_limits.update(limited)
    ctx.nads = nads
    return ctx


def _objects(items, path):
    if items is None:
        return ()
    if isinstance(items, dict):  # a k8s_info result, a `kubectl get -o json` List, or one object
        items = items["resources"] if "resources" in items else \
            items["items"] if "items" in items else [items]
    if not isinstance(items, (list, tuple)):
        raise VmpodInputError(path, items, "must be a list of objects")
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise VmpodInputError("%s[%d]" % (path, index), item, "must be a mapping")
    return items


def selector_matches(selector, labels):
    """metav1.LabelSelector semantics; an invalid selector matches nothing (KubeVirt logs it)."""
    match_labels = selector.get("matchLabels") or {}
    if not isinstance(match_labels, dict):
        return False
    for key, value in match_labels.items():
        if labels.get(key) != value:
            return False
    expressions = selector.get("matchExpressions") or []
    if not isinstance(expressions, list):
        return False
    for expression in expressions:
        if not isinstance(expression, dict):
            return False
        key, operator = expression.get("key"), expression.get("operator")
        values = expression.get("values") or []
        if operator == "In":
            if not values or labels.get(key) not in values:
                return False
        elif operator == "NotIn":
            if not values or (key in labels and labels[key] in values):
                return False
        elif operator == "Exists":
            if values or key not in labels:
                return False
        elif operator == "DoesNotExist":
            if values or key in labels:
                return False
        else:
            return False
    return True


def _empty_context(name):
    ctx = NamespaceContext()
    ctx.name = name or None
    ctx.labels = None
    ctx.quota_limits = frozenset()
    ctx.nads = {}
    return ctx


# a namespace with nothing given about it: no labels, quotas or NetworkAttachmentDefinitions (with
# none, the namespace's name changes nothing); read-only
EMPTY_CONTEXT = _empty_context(None)
