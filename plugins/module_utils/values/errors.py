# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error type for bad input: it names the field path and the offending value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class VmpodInputError(ValueError):
    """Bad input. ``path`` is the dotted field path, ``value`` the value found there.

    The message reads ``<path>: <value!r> <problem>``, for example
    ``spec.domain.resources.requests.memory: '12Qi' is not a quantity``.
    """

    def __init__(self, path, value, problem):
        self.path = path
        self.value = value
        self.problem = problem
        where = path if path else "input"
        if value is None and problem.startswith("is required"):
            message = "%s %s" % (where, problem)
        else:
            message = "%s: %s %s" % (where, _shown(value), problem)
        super(VmpodInputError, self).__init__(message)


def _shown(value):
    text = repr(value)
    if len(text) > 120:
        text = text[:117] + "..."
    return text
