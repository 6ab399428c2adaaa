# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text that will stand in libvirt XML, checked when it is read: XML 1.0 cannot carry control
characters at all, whatever the escaping."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

# XML 1.0 Char: what no escaping can put into a document
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
FEATURE_NAME = re.compile(r"^[A-Za-z0-9_.-]+\Z")  # libvirt's featureName
FEATURE_POLICIES = ("force", "require", "optional", "disable", "forbid")


def check_xml_text(path, value):
    if value and NOT_XML.search(value):
        raise VmpodInputError(path, value, "holds a character XML cannot carry")


def xml_string(data, key, path):
    """A string field that will appear in XML (``""`` when absent)."""
    value = f.string(data, key, path)
    if NOT_XML.search(value):
        raise VmpodInputError(f.join(path, key), value,
                              "holds a character XML cannot carry (a control character)")
    return value


# libvirt's schema (basictypes.rng, domaincommon.rng): a machine type, a time zone
MACHINE_TYPE = re.compile(r"[a-zA-Z0-9_.-]+\Z")
TIME_ZONE = re.compile(r"[a-zA-Z0-9_.+/-]+\Z")


def patterned_string(data, key, path, pattern, rule):
    """``xml_string`` that must also match ``pattern`` when given (libvirt's schema ``rule``)."""
    value = xml_string(data, key, path)
    if value and not pattern.match(value):
        raise VmpodInputError(f.join(path, key), value, rule)
    return value


def cpu_feature(item, path):
    """A libvirt CPU feature ``{name, policy}`` (policy ``require`` when not given)."""
    name = xml_string(item, "name", path)
    if not FEATURE_NAME.match(name or ""):
        raise VmpodInputError(f.join(path, "name"), item.get("name"), "is not a CPU feature name")
    policy = f.string(item, "policy", path) or "require"
    if policy not in FEATURE_POLICIES:
        raise VmpodInputError(f.join(path, "policy"), policy,
                              "must be force, require, optional, disable or forbid")
    return {"name": name, "policy": policy}
