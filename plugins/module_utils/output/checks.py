# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rendered files read back before they are written (``render_vmis``): a file that a reader
would refuse is an error, never a file reported rendered.

A launcher Pod's YAML must be one document, a ``v1`` Pod with a valid name and namespace, that
the API server's resource rules accept (``kubernetes.validation``); rendered from the
collection's own template it must read back as exactly the Pod model it was laid out from (any
difference is an escaping fault). A domain's XML must parse, have ``<domain>`` at its root and
the VM's name in ``<name>``. libvirt's RNG schema is checked by the action, where ``xmllint``
and the schema are installed (that needs files and a process, which the engine does not do).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from xml.etree import ElementTree

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import check_label, check_subdomain
from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.validation import resource_rule_errors
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError, key_path
from ansible_collections.vmpod.core.plugins.module_utils.values.yaml_data import load_documents


_KINDS = (("boolean", bool), ("mapping", dict), ("list", (list, tuple)), ("text", str),
          ("number", (int, float)))


def _kind(value):
    """What YAML would call ``value`` (a subclass of str from Ansible's data tagging is text)."""
    for kind, types in _KINDS:
        if isinstance(value, types):
            return kind
    return type(value).__name__


def first_difference(got, wanted, path=""):
    """The path of the first place where ``got`` differs from ``wanted``; None when equal."""
    if _kind(got) != _kind(wanted):
        return path or "(the document)"
    if isinstance(got, dict):
        for key in sorted(set(got) | set(wanted), key=str):
            if key not in got or key not in wanted:
                return key_path(path, key)
            found = first_difference(got[key], wanted[key], key_path(path, key))
            if found:
                return found
        return None
    if isinstance(got, list):
        for index, (one, other) in enumerate(zip(got, wanted)):
            found = first_difference(one, other, "%s[%d]" % (path, index))
            if found:
                return found
        return None if len(got) == len(wanted) else "%s[%d]" % (path, min(len(got), len(wanted)))
    return None if got == wanted else (path or "(the document)")


def pod_text_errors(text, pod, exact):
    """What is wrong with ``text``, the YAML rendered of the launcher Pod model ``pod``;
    ``exact``: rendered by the collection's template, so it must read back as ``pod`` itself."""
    try:
        documents = load_documents(text, "the YAML")
    except VmpodInputError as err:
        return [str(err)]
    if len(documents) != 1 or not isinstance(documents[0], dict):
        return ["holds %d YAML documents, not one Pod" % len(documents)]
    document = documents[0]
    if exact and document != pod:  # (== first: the walk that names the place costs more)
        where = first_difference(document, pod)
        if where is not None:
            return ["does not read back as the Pod it was rendered from: %s differs" % where]
    errors = []
    if document.get("apiVersion") != "v1" or document.get("kind") != "Pod":
        errors.append("is not a v1 Pod (apiVersion %r, kind %r)" % (document.get("apiVersion"), document.get("kind")))
    metadata = document.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    # a name, or a generateName prefix that the API server checks without its trailing '-'
    # (apimachinery's ValidateObjectMeta: NameIsDNSSubdomain(prefix=true) for Pods)
    checks = [("name", metadata.get("name"), check_subdomain)]
    if metadata.get("name") is None and isinstance(metadata.get("generateName"), str):
        checks = [("generateName", metadata["generateName"][:-1] if metadata["generateName"].endswith("-")
                   else metadata["generateName"], check_subdomain)]
    if metadata.get("namespace") is not None:
        checks.append(("namespace", metadata["namespace"], check_label))
    for field, value, check in checks:
        try:
            check(value, "metadata." + field)
        except VmpodInputError as err:
            errors.append(str(err))
    errors.extend(resource_rule_errors(document))
    return errors


def domain_text_errors(text, name):
    """What is wrong with ``text``, the XML rendered of the domain of the VM ``name``."""
    try:
        root = ElementTree.fromstring(text.encode("utf-8", "surrogatepass"))
    except ElementTree.ParseError as err:
        return ["is not XML: %s" % err]
    if root.tag != "domain":
        return ["has <%s> at its root, not <domain>" % root.tag]
    if root.findtext("name") != name:
        return ["names the domain %r, not %r" % (root.findtext("name"), name)]
    return []
