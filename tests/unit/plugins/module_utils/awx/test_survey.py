# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX surveys from the roles' argument specs (awx/survey.py), checked against the rules AWX's
API applies to a survey spec (awx/api/templates/api/job_template_survey_spec.md and its
validation: question types, choices, defaults inside the bounds), and the answers read back."""

import json
import os
import re

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.filter.awx import FilterModule
from ansible_collections.vmpod.core.plugins.module_utils.awx.survey import (
    TEXT_MAX, TEXTAREA_MAX, survey_answers, survey_spec)
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from vmpod_examples import ROOT

ROLES = ("kvm_host", "hugepages", "cpu_isolation")
TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
KEYS = {"question_name", "question_description", "variable", "required", "default", "choices",
        "min", "max", "type", "new_question"}


def role_specs(*roles):
    specs = {}
    for role in roles or ROLES:
        with open(os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")) as handle:
            specs[role] = yaml.safe_load(handle)
    return specs


def options(role):
    return role_specs(role)[role]["argument_specs"]["main"]["options"]


def awx_problems(survey):
    """What AWX's API would refuse in a survey spec."""
    problems = []
    if not (isinstance(survey.get("name"), str) and isinstance(survey.get("description"), str)):
        problems.append("name and description are required")
    variables = [q["variable"] for q in survey["spec"]]
    if len(set(variables)) != len(variables):
        problems.append("a variable is asked twice")
    for q in survey["spec"]:
        where = q.get("variable")
        if set(q) != KEYS:
            problems.append("%s: keys %s" % (where, sorted(set(q) ^ KEYS)))
        if q["type"] not in TYPES:
            problems.append("%s: type %s" % (where, q["type"]))
        if not re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", where):
            problems.append("%s: not a variable name" % where)
        if q["type"] in ("multiplechoice", "multiselect"):
            if not (isinstance(q["choices"], list) and q["choices"]
                    and all(isinstance(c, str) for c in q["choices"])):
                problems.append("%s: choices %r" % (where, q["choices"]))
            elif q["default"] not in q["choices"] + [""]:
                problems.append("%s: default %r not a choice" % (where, q["default"]))
        if q["type"] in ("text", "textarea", "password"):
            if not isinstance(q["default"], str) or len(q["default"]) > q["max"]:
                problems.append("%s: default %r beyond max %r" % (where, q["default"], q["max"]))
        if q["type"] == "integer" and not (q["default"] == "" or isinstance(q["default"], int)):
            problems.append("%s: integer default %r" % (where, q["default"]))
        if not isinstance(q["required"], bool):
            problems.append("%s: required %r" % (where, q["required"]))
    return problems


def test_the_prepare_hosts_survey_asks_every_option_of_every_role_in_order():
    survey = survey_spec(role_specs(), "Prepare KVM hosts", optional=("hugepages", "cpu_isolation"))
    assert awx_problems(survey) == []
    asked = [q["question_name"] for q in survey["spec"]]
    assert asked == [name for role in ROLES for name in options(role)]
    # only the role that always runs may have required questions; it has none
    assert [q["variable"] for q in survey["spec"] if q["required"]] == []


def test_each_option_type_becomes_its_question():
    by_variable = {q["variable"]: q for q in survey_spec(role_specs(), "s")["spec"]}
    for role in ROLES:
        for name, option in options(role).items():
            kind = option.get("type", "str")
            question = by_variable.get(name) or by_variable[name + "_json"]
            if kind == "bool":
                assert question["type"] == "multiplechoice" and question["choices"] == ["true", "false"]
                assert question["default"] == ("true" if option.get("default") else "false")
            elif kind in ("list", "dict"):
                assert question["type"] == "textarea" and question["variable"] == name + "_json"
                assert json.loads(question["default"]) == option.get("default", [] if kind == "list" else {})
                assert "JSON text" in question["question_description"]
            elif kind == "int":
                assert question["type"] == "integer" and question["default"] == option["default"]
            elif option.get("choices"):
                assert question["type"] == "multiplechoice"
                assert question["choices"] == [str(c) for c in option["choices"]]
                assert question["default"] == option["default"]
            else:
                assert question["type"] == "text" and question["max"] == TEXT_MAX
                assert question["default"] == (option.get("default") or "")
            assert question["required"] == bool(option.get("required"))


def test_role_surveys_require_what_the_role_requires():
    survey = survey_spec(role_specs("cpu_isolation"), "vmpod.core.cpu_isolation")
    assert awx_problems(survey) == []
    assert [q["variable"] for q in survey["spec"] if q["required"]] == [
        "cpu_isolation_isolated", "cpu_isolation_reserved"]


def test_descriptions_are_plain_text_naming_the_role():
    owners = [role for role in ROLES for _name in options(role)]
    for q, role in zip(survey_spec(role_specs(), "s")["spec"], owners):
        assert not re.search(r"\b[CVOIBMEPUL]\(", q["question_description"]), q
        assert q["question_description"].endswith("(role %s)" % role), q
    hugepages = {q["variable"]: q for q in survey_spec(role_specs("hugepages"), "s")["spec"]}
    assert hugepages["hugepages_default_size"]["question_description"].startswith(
        "The default hugepage size (default_hugepagesz), such as 1Gi or 2Mi")


def test_no_log_options_are_password_questions_with_no_default():
    specs = {"r": {"argument_specs": {"main": {"options": {
        "r_token": {"type": "str", "no_log": True, "default": "s3cret", "description": "A token."}}}}}}
    (question,) = survey_spec(specs, "s")["spec"]
    assert question["type"] == "password" and question["default"] == ""


@pytest.mark.parametrize("option, message", [
    ({"type": "bytes"}, "r.options.r_x.type: 'bytes' has no survey question type"),
    ({"type": "int", "default": "5"}, "r.options.r_x.default: '5' must be a finite number"),
    ({"type": "int", "default": 1.5}, "r.options.r_x.default: 1.5 must be a finite number, a whole one"),
    ({"type": "str", "description": ["a", 1]}, "r.options.r_x.description: ['a', 1] must be text"),
    ({"type": "str", "default": ["a"]}, "r.options.r_x.default: ['a'] must be a short text"),
    ({"type": "list", "default": ["x" * 5000]}, "r.options.r_x.default: "),
    ({"type": "str", "choices": "ab"}, "r.options.r_x.choices: 'ab' must be a list"),
    ("not a mapping", "r.options.r_x: 'not a mapping' must be a mapping"),
])
def test_bad_specs_are_refused_naming_the_option(option, message):
    specs = {"r": {"argument_specs": {"main": {"options": {"r_x": option}}}}}
    with pytest.raises(VmpodInputError) as raised:
        survey_spec(specs, "s")
    assert str(raised.value).startswith(message)


def test_a_list_answer_cannot_clash_with_another_variable():
    specs = {"r": {"argument_specs": {"main": {"options": {
        "r_x": {"type": "list"}, "r_x_json": {"type": "str"}}}}}}
    with pytest.raises(VmpodInputError, match="r_x_json.*is asked twice"):
        survey_spec(specs, "s")


def test_answers_given_as_defaults_give_back_the_roles_defaults():
    survey = survey_spec(role_specs(), "s")
    answers = {q["variable"]: q["default"] for q in survey["spec"] if q["variable"].endswith("_json")}
    values = survey_answers(answers)
    for role in ROLES:
        for name, option in options(role).items():
            if option.get("type") in ("list", "dict"):
                assert values[name] == option.get("default", [])


def test_answers_as_awx_and_the_command_line_pass_them():
    assert survey_answers({
        "hugepages_pages_json": '[{"size": "2Mi", "count": 4, "node": 0}]',
        "kvm_host_packages_json": "",            # a question left blank: no answer
        "kvm_host_services_json": "  \n",
        "cpu_isolation_kubelet_reserved_memory_json": [{"numa_node": 0, "memory": "1Gi"}],  # -e YAML
    }) == {"hugepages_pages": [{"size": "2Mi", "count": 4, "node": 0}],
           "cpu_isolation_kubelet_reserved_memory": [{"numa_node": 0, "memory": "1Gi"}]}


@pytest.mark.parametrize("answers, message", [
    ({"hugepages_pages_json": "[{size: 2Mi}]"},
     "hugepages_pages_json: '[{size: 2Mi}]' is not JSON text: Expecting property name"),
    ({"hugepages_pages_json": "4"}, "hugepages_pages_json: '4' must be a JSON list or mapping"),
    ({"hugepages_pages_json": 4}, "hugepages_pages_json: 4 must be JSON text"),
    ({"hugepages_pages": "[]"}, "answers: 'hugepages_pages' is not a variable name ending in _json"),
    ({"_json": "[]"}, "answers: '_json' is not a variable name ending in _json"),
    ({"x_json": "[" * 100000}, "x_json: "),
    ("[]", "answers: '[]' must be a mapping"),
])
def test_bad_answers_are_refused_naming_the_variable(answers, message):
    with pytest.raises(VmpodInputError) as raised:
        survey_answers(answers)
    assert str(raised.value).startswith(message)


def test_the_filters_raise_filter_errors():
    filters = FilterModule().filters()
    assert filters["survey_spec"](role_specs("kvm_host"), "s")["name"] == "s"
    with pytest.raises(AnsibleFilterError, match="vmpod.core.survey_spec: optional: True must be a list"):
        filters["survey_spec"](role_specs("kvm_host"), "s", optional=True)
    with pytest.raises(AnsibleFilterError, match="vmpod.core.survey_answers: x_json: 'x' is not JSON"):
        filters["survey_answers"]({"x_json": "x"})


def test_the_survey_fits_awx_text_bounds():
    for q in survey_spec(role_specs(), "s")["spec"]:
        if q["type"] == "textarea":
            assert q["max"] == TEXTAREA_MAX
