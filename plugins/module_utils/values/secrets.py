# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which values are secrets, and how text shown to a person (errors, --diff) leaves them out.

A secret is the value of a field or key whose name says so: cloud-init user and network data,
passwords, tokens, secrets, private keys, credentials (``userData``, ``userDataBase64``,
``example.com/api-token``). The files that must hold them (a launcher Pod's annotations) still
do; what is printed does not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

SECRET_NAME = re.compile("userdata|networkdata|password|passwd|token|secret|privatekey|private-key|"
                         "credential", re.IGNORECASE)
# the last part of a field path (spec.volumes[0].cloudInitNoCloud.userData)
SECRET_FIELD = re.compile("(" + SECRET_NAME.pattern + r")[^.\[]*$", re.IGNORECASE)
HIDDEN = "(not shown: a secret)"

# a YAML mapping line, key quoted or not: "  key: value" / '  "key": "value"'
_YAML_ENTRY = re.compile(r'^(?P<lead>\s*(?:- )?)(?P<key>"(?:[^"\\]|\\.)*"|[^\s:"#][^:#]*?):(?P<sep>[ \t]+)(?P<value>\S.*)$')


def is_secret_name(name):
    return isinstance(name, str) and SECRET_NAME.search(name) is not None


def hide_in_yaml(text):
    """``text`` (YAML written by the collection) with the value of every secret key replaced."""
    if not SECRET_NAME.search(text):
        return text
    lines = []
    for line in text.split("\n"):
        match = _YAML_ENTRY.match(line)
        if match and is_secret_name(match.group("key")):
            line = "%s%s:%s%s" % (match.group("lead"), match.group("key"), match.group("sep"), HIDDEN)
        lines.append(line)
    return "\n".join(lines)
