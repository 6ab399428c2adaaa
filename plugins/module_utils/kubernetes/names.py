# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names as the Kubernetes API server checks them (apimachinery pkg/util/validation and
pkg/api/validation/objectmeta.go): object names, namespaces, label and annotation keys and
values. A Pod or VMI that breaks them is refused by the API server, so it is refused here, with
the field and the rule."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError, key_path

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(_LABEL + r"\Z")
DNS1123_SUBDOMAIN = re.compile(_LABEL + r"(\." + _LABEL + r")*\Z")
_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
# Annotation values may hold any text; what no YAML or JSON file can carry is refused
_UNWRITABLE = re.compile("[\ud800-\udfff]")

LABEL_MAX = 63
SUBDOMAIN_MAX = 253
ANNOTATIONS_MAX = 256 * 1024  # TotalAnnotationSizeLimitB, bytes of all keys and values

_SUBDOMAIN_RULE = ("is not a DNS-1123 subdomain (at most 253 characters: lowercase letters, digits, "
                   "'-' and '.', starting and ending with a letter or digit)")
_LABEL_RULE = ("is not a DNS-1123 label (at most 63 characters: lowercase letters, digits and '-', "
               "starting and ending with a letter or digit)")
_KEY_RULE = ("is not a qualified name (an optional DNS subdomain prefix and '/', then at most 63 "
             "characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit)")
_VALUE_RULE = ("is not a label value (at most 63 characters: letters, digits, '-', '_' and '.', "
               "starting and ending with a letter or digit; or empty)")


def check_subdomain(value, path):
    """An object name (Pods, VMIs): a DNS-1123 subdomain."""
    if not (isinstance(value, str) and len(value) <= SUBDOMAIN_MAX and DNS1123_SUBDOMAIN.match(value)):
        raise VmpodInputError(path, value, _SUBDOMAIN_RULE)
    return value


def check_label(value, path):
    """A namespace name: a DNS-1123 label."""
    if not (isinstance(value, str) and len(value) <= LABEL_MAX and DNS1123_LABEL.match(value)):
        raise VmpodInputError(path, value, _LABEL_RULE)
    return value


def _key_ok(key):
    if isinstance(key, str):
        prefix, slash, name = key.rpartition("/")
        if len(name) <= LABEL_MAX and _QUALIFIED.match(name) and (
                not slash or (prefix and len(prefix) <= SUBDOMAIN_MAX and DNS1123_SUBDOMAIN.match(prefix))):
            return True
    return False


def _check_key(key, path):
    if not _key_ok(key):
        raise VmpodInputError(path, key, _KEY_RULE)


def check_qualified_name(key, path):
    """A label or annotation key, a toleration's key: an optional DNS subdomain and '/', a name."""
    _check_key(key, path)
    return key


def check_labels(labels, path):
    """Label keys (qualified names) and values (label values). (A label's path is built only
    for an error.)"""
    for key, value in labels.items():
        if not _key_ok(key):
            raise VmpodInputError(key_path(path, key), key, _KEY_RULE)
        if not isinstance(value, str):
            raise VmpodInputError(key_path(path, key), value, "must be a string")
        if value and not (len(value) <= LABEL_MAX and _QUALIFIED.match(value)):
            raise VmpodInputError(key_path(path, key), value, _VALUE_RULE)
    return labels


def check_annotations(annotations, path):
    """Annotation keys (qualified names), string values, at most 256 KiB in all."""
    total = 0
    for key, value in annotations.items():
        if not _key_ok(key):
            raise VmpodInputError(key_path(path, key), key, _KEY_RULE)
        if not isinstance(value, str):
            raise VmpodInputError(key_path(path, key), value, "must be a string")
        if _UNWRITABLE.search(value):
            raise VmpodInputError(key_path(path, key), value,
                                  "holds a lone surrogate (not Unicode text)")
        total += len(key.encode("utf-8")) + len(value.encode("utf-8"))
    if total > ANNOTATIONS_MAX:
        raise VmpodInputError(path, "(%d bytes)" % total,
                              "are larger than the API server takes (256 KiB of keys and values)")
    return annotations
