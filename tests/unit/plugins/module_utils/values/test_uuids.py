# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""uuid5_text is the standard library's uuid5, printed."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.uuids import uuid5_bytes_text, uuid5_text


@given(namespace=st.uuids(), name=st.text())
def test_the_same_as_the_standard_library(namespace, name):
    try:
        expected = str(uuid.uuid5(namespace, name))
    except UnicodeEncodeError:  # a lone surrogate: neither can encode it
        return
    assert uuid5_text(namespace, name) == expected


@given(namespace=st.uuids(), name=st.text())
def test_bytes_namespace_the_same_as_the_standard_library(namespace, name):
    try:
        expected = str(uuid.uuid5(namespace, name))
    except UnicodeEncodeError:
        return
    assert uuid5_bytes_text(namespace.bytes, name) == expected
