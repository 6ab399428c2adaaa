# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One finding of an audit: what was checked, on what, the verdict, what was wanted and what
was found, and a sentence saying so."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

OK = "ok"
WARN = "warn"
FAIL = "fail"
SKIP = "skip"
# worst first: the verdict of a list is its worst finding's
SEVERITY = (FAIL, WARN, OK, SKIP)


def finding(check, subject, status, message, wanted=None, actual=None):
    """A finding as the report prints it (plain data: it goes to JSON as it is)."""
    return {"check": check, "subject": subject, "status": status, "wanted": wanted,
            "actual": actual, "message": message}


def verdict(findings):
    """The worst status of ``findings``: ``fail``, ``warn``, ``ok``; ``skip`` when nothing was
    checked."""
    statuses = set(item["status"] for item in findings)
    for status in SEVERITY:
        if status in statuses:
            return status
    return SKIP


def counts(findings):
    """How many findings have each status."""
    result = dict((status, 0) for status in SEVERITY)
    for item in findings:
        result[item["status"]] += 1
    return result
