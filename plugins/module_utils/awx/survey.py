# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWX surveys from role argument specs, and the survey's answers read back.

An AWX survey passes every answer as an extra variable: text and choices as strings, integers
and floats as numbers. A survey has no question type for a list or a mapping, so such an option
becomes a textarea whose answer is JSON text, under the option's name with ``_json`` added
(``hugepages_pages_json``): the answer cannot take the option's own name, because extra
variables win over everything a playbook sets, and the playbook must turn the text into the
value. ``survey_answers`` does that, naming the variable and the text when it is no JSON.

The shape of a survey is AWX's (``awx/api/templates/api/job_template_survey_spec.md``): name,
description and a list of questions with ``type`` (text, textarea, password, integer, float,
multiplechoice, multiselect), ``question_name``, ``question_description``, ``variable``,
``required``, ``default``, ``choices``, ``min`` and ``max``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import expanded_size

JSON_SUFFIX = "_json"
# AWX's own limits for answers typed into a text field and a textarea
TEXT_MAX = 1024
TEXTAREA_MAX = 4096
BOOLEAN_CHOICES = ["true", "false"]

# Ansible's documentation markup: C(x), V(x), O(x), I(x), B(x), M(x), E(x), P(x), U(url), L(t,u)
_MARKUP = re.compile(r"\b([CVOIBMEPU])\(([^()]*)\)")
_LINK = re.compile(r"\bL\(([^(),]*),[^()]*\)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _plain(description, where):
    """An option's description (a string or a list of them) as plain text, markup removed."""
    if description is None:
        return ""
    parts = description if isinstance(description, list) else [description]
    if not all(isinstance(part, str) for part in parts):
        raise VmpodInputError(where, description, "must be text or a list of text")
    text = " ".join(" ".join(part.split()) for part in parts)
    return _MARKUP.sub(r"\2", _LINK.sub(r"\1", text))


def _default_text(value, where):
    """A scalar default as the text a survey answer would be."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) or (isinstance(value, (int, float)) and abs(value) < 1e300):
        text = str(value)
        if len(text) <= TEXT_MAX:
            return text
    raise VmpodInputError(where, value, "must be a short text, a number or a boolean")


def _question(role, name, option, required):
    where = "%s.options.%s" % (role, name)
    if not isinstance(option, dict):
        raise VmpodInputError(where, option, "must be a mapping (an argument spec option)")
    kind = option.get("type", "str")
    default = option.get("default")
    choices = option.get("choices")
    question = {
        "question_name": name,
        "question_description": "%s (role %s)" % (_plain(option.get("description"), where + ".description"), role),
        "variable": name,
        "required": bool(option.get("required")) and required,
        "default": "",
        "choices": "",
        "min": "",
        "max": "",
        "new_question": True,
    }
    if option.get("no_log"):
        question.update(type="password", max=TEXT_MAX, default="")
    elif kind == "bool":
        question.update(type="multiplechoice", choices=list(BOOLEAN_CHOICES),
                        default=_default_text(default, where + ".default"))
    elif kind in ("int", "float"):
        # (AWX wants a number, or nothing, as the default of a number question)
        number = int if kind == "int" else float
        if default is not None and (isinstance(default, bool) or not isinstance(default, (int, float))
                                    or not abs(default) < 1e300 or (kind == "int" and default != int(default))):
            raise VmpodInputError(where + ".default", default, "must be a finite number"
                                  + (", a whole one" if kind == "int" else ""))
        question.update(type="integer" if kind == "int" else "float",
                        default="" if default is None else number(default))
    elif kind in ("list", "dict"):
        empty = [] if kind == "list" else {}
        default = empty if default is None else default
        # (measured before it is written out: a YAML alias in a spec could stand for millions)
        expanded_size(default, where + ".default", TEXTAREA_MAX)
        try:
            text = json.dumps(default, sort_keys=True)
        except (TypeError, ValueError) as err:
            raise VmpodInputError(where + ".default", default, "cannot be JSON text: %s" % err)
        if len(text) > TEXTAREA_MAX:
            raise VmpodInputError(where + ".default", default,
                                  "is longer than AWX's %d characters as JSON text" % TEXTAREA_MAX)
        question.update(
            type="textarea", variable=name + JSON_SUFFIX, max=TEXTAREA_MAX, default=text,
            question_description="%s As JSON text: the playbook reads it into %s. (role %s)" % (
                _plain(option.get("description"), where + ".description"), name, role))
    elif kind in ("str", "path", "raw"):
        if choices:
            if not isinstance(choices, list):
                raise VmpodInputError(where + ".choices", choices, "must be a list")
            if len(choices) > 100:
                raise VmpodInputError(where + ".choices", choices, "must be at most 100 choices")
            question.update(type="multiplechoice",
                            choices=[_default_text(c, where + ".choices") for c in choices],
                            default=_default_text(default, where + ".default"))
        else:
            question.update(type="text", max=TEXT_MAX, default=_default_text(default, where + ".default"))
    else:
        raise VmpodInputError(where + ".type", kind, "has no survey question type here "
                              "(str, path, raw, bool, int, float, list, dict)")
    return question


def survey_spec(roles, name, description="", optional=()):
    """An AWX survey holding a question for every option of the given roles' ``main`` entry
    point: ``roles`` maps each role's name to its argument specs (the content of its
    ``meta/argument_specs.yml``), in the order the questions are asked. Options of roles in
    ``optional`` are never required (the playbook runs such a role only when asked)."""
    if not isinstance(roles, dict):
        raise VmpodInputError("roles", roles, "must map role names to their argument specs")
    if not (isinstance(optional, (list, tuple)) and all(isinstance(role, str) for role in optional)):
        raise VmpodInputError("optional", optional, "must be a list of role names")
    spec, seen = [], set()
    for role, document in roles.items():
        if not (isinstance(role, str) and _NAME.match(role)):
            raise VmpodInputError("roles", role, "is not a role name")
        specs = document.get("argument_specs", document) if isinstance(document, dict) else None
        main = specs.get("main") if isinstance(specs, dict) else None
        options = main.get("options") if isinstance(main, dict) else None
        if not isinstance(options, dict):
            raise VmpodInputError("roles." + role, document, "must hold argument_specs.main.options")
        for option_name, option in options.items():
            if not (isinstance(option_name, str) and _NAME.match(option_name)):
                raise VmpodInputError("%s.options" % role, option_name, "is not a variable name")
            question = _question(role, option_name, option, role not in optional)
            if question["variable"] in seen:
                raise VmpodInputError("%s.options.%s" % (role, option_name), question["variable"],
                                      "is asked twice")
            seen.add(question["variable"])
            spec.append(question)
    if not isinstance(name, str) or not name:
        raise VmpodInputError("name", name, "must be the survey's name")
    if not isinstance(description, str):
        raise VmpodInputError("description", description, "must be text")
    return {"name": name, "description": description, "spec": spec}


def survey_answers(answers):
    """The values that survey answers given as JSON text stand for: ``{name_json: text}`` to
    ``{name: value}``. An empty answer (AWX passes one for a question left blank) is no answer;
    a list or a mapping (given with ``-e`` as YAML) is taken as it is."""
    if not isinstance(answers, dict):
        raise VmpodInputError("answers", answers, "must be a mapping of variable to JSON text")
    values = {}
    for variable, text in answers.items():
        if not (isinstance(variable, str) and variable.endswith(JSON_SUFFIX)
                and _NAME.match(variable) and len(variable) > len(JSON_SUFFIX)):
            raise VmpodInputError("answers", variable, "is not a variable name ending in _json")
        name = variable[:-len(JSON_SUFFIX)]
        if isinstance(text, (list, dict)):
            values[name] = text
            continue
        if not isinstance(text, str):
            raise VmpodInputError(variable, text, "must be JSON text (a list or a mapping)")
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError as err:
            raise VmpodInputError(variable, text, "is not JSON text: %s" % err)
        except RecursionError:
            raise VmpodInputError(variable, text, "is nested too deeply")
        if not isinstance(value, (list, dict)):
            raise VmpodInputError(variable, text, "must be a JSON list or mapping")
        values[name] = value
    return values
