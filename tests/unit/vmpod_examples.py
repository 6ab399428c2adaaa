# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the repository's examples are, for tests at any depth (``tests/unit`` is on sys.path
through ``tests/unit/conftest.py``)."""

import copy
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def vmi_dict(domain=None, name="testvmi", namespace="default", **spec):
    """A VirtualMachineInstance dict with the given ``spec.domain`` and other spec fields (copies:
    a test may change what it passed)."""
    body = {"domain": copy.deepcopy(domain) if domain is not None else {}}
    body.update(copy.deepcopy(spec))
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": name, "namespace": namespace}, "spec": body}
