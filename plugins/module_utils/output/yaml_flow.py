# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML that any string survives, for templates that write YAML."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import PLAIN, expanded_text

# YAML's printable set (and its line breaks, which a quoted scalar would fold) minus what JSON
# already escapes: everything else becomes a \u escape, which JSON and YAML read alike.
_YAML_UNSAFE = re.compile("[\x7f-\x84\x86-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff\x85]")


def yaml_flow(value):
    """``value`` as a YAML flow scalar / collection (JSON syntax): strings double-quoted with every
    character YAML could misread escaped, non-ASCII text kept readable. Anything else (bytes, a
    tuple key, a number of 5000 digits, infinity, a structure too large written out) is an input
    error, never text that does not read back."""
    expanded_text(value, "value")  # measured before it is written: text many copies would not fit
    PLAIN.check(value, "value")
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if not _YAML_UNSAFE.search(text):
        return text
    return _YAML_UNSAFE.sub(lambda match: "\\u%04x" % ord(match.group(0)), text)
