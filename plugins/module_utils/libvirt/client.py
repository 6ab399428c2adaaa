# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""libvirt-python for the modules that talk to libvirtd, imported so that a missing library is
reported by Ansible's clear message (``missing_required_lib``) instead of a traceback. Only
modules import this file; the engine never does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

LIBVIRT_IMPORT_ERROR = None
try:
    import libvirt
except ImportError:
    libvirt = None
    LIBVIRT_IMPORT_ERROR = traceback.format_exc()
    LIBVIRT_ERRORS = ()
else:
    LIBVIRT_ERRORS = (libvirt.libvirtError,)


def require_libvirt(module, binding, missing_message):
    """Fail ``module`` with ``missing_message`` (Ansible's ``missing_required_lib`` text) when
    ``binding``, the module's ``libvirt`` (this file's, imported there), is None."""
    if binding is None:
        module.fail_json(msg=missing_message, exception=LIBVIRT_IMPORT_ERROR)
