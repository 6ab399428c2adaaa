# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's main() run as Ansible runs it, for the module tests (``tests/unit`` is on sys.path
through ``tests/unit/conftest.py``; tests in other folders put it there themselves)."""

import contextlib
import json
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes


def module_result(main, capsys, args, check_mode=None, patches=()):
    """main() of a module run with ``args`` as Ansible runs it (its arguments in
    ``basic._ANSIBLE_ARGS``, the legacy profile, the result printed before SystemExit): its parsed
    JSON result.  ``check_mode``: add ``_ansible_check_mode`` when not None; ``patches``: more
    context managers (mock.patch...) held during the run."""
    arguments = dict(args)
    if check_mode is not None:
        arguments["_ansible_check_mode"] = check_mode
    payload = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": arguments}))
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(basic, "_ANSIBLE_ARGS", payload))
        stack.enter_context(mock.patch.object(basic, "_ANSIBLE_PROFILE", "legacy", create=True))
        for patch in patches:
            stack.enter_context(patch)
        with pytest.raises(SystemExit):
            main()
    out, _err = capsys.readouterr()
    return json.loads(out)
