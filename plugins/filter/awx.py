# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX survey filters; documentation in the YAML files beside this one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.module_utils.awx.survey import (
    survey_answers as _survey_answers, survey_spec as _survey_spec)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError


def survey_spec(roles, name, description="", optional=None):
    try:
        return _survey_spec(roles, name, description, () if optional is None else optional)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.survey_spec: %s" % err)


def survey_answers(answers):
    try:
        return _survey_answers(answers)
    except VmpodInputError as err:
        raise AnsibleFilterError("vmpod.core.survey_answers: %s" % err)


class FilterModule(object):

    def filters(self):
        return {"survey_spec": survey_spec, "survey_answers": survey_answers}
