# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The yaml_documents lookup gives what query('file') | join | from_yaml_all | select gave."""

import glob
import os

import pytest
import yaml
from ansible.errors import AnsibleLookupError

from ansible_collections.vmpod.core.plugins.lookup.yaml_documents import LookupModule
from vmpod_examples import ROOT


def documents(*paths):
    lookup = LookupModule()
    # (what Ansible's plugin loader sets; ansible-core 2.16 reads it in set_options)
    lookup._load_name = "vmpod.core.yaml_documents"
    return lookup.run(list(paths), {})


def test_every_document_of_every_file_in_order(tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("---\n{a: 1}\n---\n---\n{b: 2}\n")
    second.write_text("# only a comment\n---\n[1, 2]\n---\n{}\n")
    assert documents(str(first), str(second)) == [{"a": 1}, {"b": 2}, [1, 2]]


def test_the_examples_read_as_the_playbooks_read_them_before():
    paths = sorted(glob.glob(os.path.join(ROOT, "examples", "vmis", "*.yaml")))
    stream = "\n---\n".join(open(path).read() for path in paths)
    assert documents(*paths) == [doc for doc in yaml.safe_load_all(stream) if doc]


def test_a_template_in_a_file_is_text(tmp_path):
    path = tmp_path / "vmi.yaml"
    path.write_text("metadata: {name: \"{{ lookup('pipe', 'id') }}\"}\n")
    assert documents(str(path)) == [{"metadata": {"name": "{{ lookup('pipe', 'id') }}"}}]


def test_bad_files_are_named(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("a: [\n")
    with pytest.raises(AnsibleLookupError, match="broken.yaml is not YAML"):
        documents(str(broken))
    with pytest.raises(AnsibleLookupError, match="missing.yaml: "):
        documents(str(tmp_path / "missing.yaml"))
