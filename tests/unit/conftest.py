# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of the unit tests; its folder (``tests/unit``) is on sys.path for pytest, so
tests import ``vmpod_examples`` from any depth."""
