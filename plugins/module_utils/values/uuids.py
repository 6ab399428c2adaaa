# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Name-based UUIDs (RFC 4122 version 5) as text, the same as ``str(uuid.uuid5(...))`` at a
fraction of its cost: every rendered VM needs two."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib


def uuid5_text(namespace, name):
    """``str(uuid.uuid5(namespace, name))`` for a ``uuid.UUID`` namespace and a str name."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    text = digest.hex()
    return "%s-%s-%s-%s-%s" % (text[:8], text[8:12], text[12:16], text[16:20], text[20:])
