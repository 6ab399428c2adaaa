# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.vmpod.core`` importable when pytest runs from a plain checkout.

ansible-test lays the collection out as ``ansible_collections/vmpod/core`` itself; a plain
``pytest`` run from the repository root gets the same layout through a symlink under ``.build/``.
"""
import os
import sys

_ROOT = os.path.dirname(os.path.abspath(__file__))


def _collections_root():
    parts = _ROOT.split(os.sep)
    if parts[-3:-2] == ["ansible_collections"] and parts[-2:] == ["vmpod", "core"]:
        return os.sep.join(parts[:-3])
    base = os.path.join(_ROOT, ".build", "collections")
    link = os.path.join(base, "ansible_collections", "vmpod", "core")
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        try:
            os.symlink(_ROOT, link)
        except FileExistsError:
            pass
    return base


_BASE = _collections_root()
if _BASE not in sys.path:
    sys.path.insert(0, _BASE)
