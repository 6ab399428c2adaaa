# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Name-based UUIDs (RFC 4122 version 5) as text, the same as ``str(uuid.uuid5(...))`` at a
fraction of its cost: every rendered VM needs two."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib

# the digit that holds the variant bits (10xx) for each hex digit of the hash there
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def uuid5_text(namespace, name):
    """``str(uuid.uuid5(namespace, name))`` for a ``uuid.UUID`` namespace and a str name."""
    return uuid5_bytes_text(namespace.bytes, name)


def uuid5_bytes_text(namespace, name):
    """``uuid5_text`` for a namespace given as its 16 bytes (``uuid.UUID.bytes``, taken once)."""
    text = hashlib.sha1(namespace + name.encode("utf-8")).hexdigest()
    # the first 16 bytes of the SHA-1, version 5 in the 13th digit, the variant in the 17th
    return "%s-%s-5%s-%s%s-%s" % (text[:8], text[8:12], text[13:16], _VARIANT[text[16]],
                                  text[17:20], text[20:32])
