# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A libvirt XML document given as text, parsed and checked for its root element."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


def parse_document(xml_text, root_tag, path):
    """The root element of ``xml_text``, which must be a ``<root_tag>`` document; errors name
    ``path`` (``capabilities``, ``domcapabilities``)."""
    if not isinstance(xml_text, str) or not xml_text.strip():
        raise VmpodInputError(path, xml_text,
                              "must be the text of a libvirt <%s> document" % root_tag)
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise VmpodInputError(path, xml_text[:60], "is not XML: %s" % exc)
    if root.tag != root_tag:
        raise VmpodInputError(path, "<%s>" % root.tag,
                              "is not a libvirt <%s> document" % root_tag)
    return root
