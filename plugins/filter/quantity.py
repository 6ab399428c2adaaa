# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes quantity filters; documentation in the YAML files beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity


def _parsed(value):
    try:
        return parse_quantity(value, "quantity")
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))


def quantity_to_bytes(value):
    """Whole units (bytes for memory), rounded up as Kubernetes' Value() does."""
    return _parsed(value).value()


def quantity_to_cores(value):
    """CPU cores as a number: '500m' -> 0.5, '2' -> 2.0."""
    cores = _parsed(value).as_fraction()
    try:
        return float(cores)
    except OverflowError:  # 1e400 is a quantity, not a float
        raise AnsibleFilterError(str(VmpodInputError("quantity", value, "is too large for a number of cores")))


def quantity_to_millicores(value):
    """Whole millicores, rounded up as Kubernetes' MilliValue() does: '0.1' -> 100."""
    return _parsed(value).milli_value()


def quantity_canonical(value):
    """The canonical Kubernetes form: '1024Mi' -> '1Gi', '0.5' -> '500m'."""
    return _parsed(value).canonical()


class FilterModule(object):
    def filters(self):
        return {
            "quantity_to_bytes": quantity_to_bytes,
            "quantity_to_cores": quantity_to_cores,
            "quantity_to_millicores": quantity_to_millicores,
            "quantity_canonical": quantity_canonical,
        }
