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
    return uuid5_of_digest(hashlib.sha1(namespace + name.encode("utf-8")).hexdigest())


def namespace_hash(namespace):
    """The SHA-1 of a namespace's 16 bytes alone: a copy of it, updated with a name's UTF-8, is
    that name's hash (``uuid5_of_digest`` prints its UUID), without hashing the namespace again."""
    return hashlib.sha1(namespace)


def uuid5_of_digest(text):
    """The version-5 UUID of a SHA-1 hex digest: its first 16 bytes, version 5 in the 13th
    digit, the variant in the 17th."""
    return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{_VARIANT[text[16]]}{text[17:20]}-{text[20:32]}"
