# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every boolean input of every role is read through ``| bool``.

AWX surveys and ``-e name=false`` pass strings: ansible-core 2.16-2.18 take the string "false" as
true in a condition, and 2.19 and later refuse it. The Molecule scenarios feed every boolean as a
string to the roles on a real guest; this test reads the roles' own files, so that a boolean used
on a path those scenarios do not take (TuneD, a kubelet restart, nested virtualisation on a host
with VT-x) cannot slip back to a bare use either.
"""

import pathlib
import re

import pytest
import yaml

ROLES = pathlib.Path(__file__).resolve().parents[3] / "roles"
CONDITION_KEYS = ("when", "changed_when", "failed_when", "until", "that")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def boolean_inputs(role):
    spec = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    return sorted(name for entry in spec["argument_specs"].values()
                  for name, option in entry["options"].items() if option.get("type") == "bool")


def expressions(node, key=None):
    """The Jinja expressions in a role file's YAML: the conditions (bare expressions) and the
    ``{{ }}`` / ``{% %}`` blocks of every string."""
    if isinstance(node, dict):
        for child_key, value in node.items():
            yield from expressions(value, child_key)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item, key)
    elif isinstance(node, str):
        if key in CONDITION_KEYS:
            yield node
        else:
            yield from JINJA.findall(node)


def bare_uses(expression, names):
    """The names used in ``expression`` without ``| bool`` right after them."""
    return [m.group(1) for m in re.finditer(r"\b(%s)\b(?!\s*\|\s*bool\b)" % "|".join(names), expression)]


def role_expressions(role):
    for path in sorted(role.glob("*/*")):
        if path.parent.name in ("tasks", "handlers", "vars", "defaults") and path.suffix == ".yml":
            for expression in expressions(yaml.safe_load(path.read_text())):
                yield path, expression
        elif path.parent.name == "templates":
            for expression in JINJA.findall(path.read_text()):
                yield path, expression


@pytest.mark.parametrize("role", sorted(p.name for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").exists()))
def test_every_boolean_input_goes_through_bool(role):
    names = boolean_inputs(ROLES / role)
    assert names, "%s declares no boolean input" % role
    bare = ["%s: %s" % (path.relative_to(ROLES), expression.strip())
            for path, expression in role_expressions(ROLES / role) if bare_uses(expression, names)]
    assert bare == []
    used = {name for path, expression in role_expressions(ROLES / role) for name in names if name in expression}
    assert used == set(names), "declared but never read: %s" % sorted(set(names) - used)


def test_the_check_finds_a_bare_use():
    names = ["hugepages_reboot_ok", "hugepages_mount"]
    assert bare_uses("hugepages_reboot_ok", names) == ["hugepages_reboot_ok"]
    assert bare_uses("not hugepages_mount and x", names) == ["hugepages_mount"]
    assert bare_uses("not (hugepages_reboot_ok | bool)", names) == []
    assert bare_uses("{{ hugepages_mount|bool }}", names) == []
    assert list(expressions({"when": ["a", "b"], "msg": "x {{ c }} y {% if d %}"})) == ["a", "b", "{{ c }}", "{% if d %}"]
