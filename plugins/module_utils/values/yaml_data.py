# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""YAML read as Kubernetes reads it: data of JSON's types, bounded in size and depth.

Kubernetes turns YAML into JSON before it reads an object (sigs.k8s.io/yaml), so a date stays the
text it was: here too, no timestamp is resolved (a ``datetime`` would not survive Ansible's JSON).
Aliases are allowed, but an alias bomb (a few lines of anchors that expand to billions of values)
is refused by counting the values as they expand, without expanding them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    import yaml
except ImportError:  # the engine is importable without PyYAML; only reading YAML needs it
    yaml = None

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NO_VALUE, VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import expanded_size

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_INT = "tag:yaml.org,2002:int"
# Python refuses int() of more than 4300 digits; no field of ours needs a tenth of that
MAX_INT_CHARS = 400
_SURROGATE = re.compile("[\ud800-\udfff]")

if yaml is not None:
    _BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class DataLoader(_BASE):
        """PyYAML's safe loader (libyaml's where there is one) without timestamps."""

    DataLoader.yaml_implicit_resolvers = dict(
        (first, [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP])
        for first, resolvers in _BASE.yaml_implicit_resolvers.items())

    def _bounded_int(loader, node):
        if len(node.value) > MAX_INT_CHARS:
            raise yaml.constructor.ConstructorError(
                None, None, "an integer of %d characters (at most %d are read)"
                % (len(node.value), MAX_INT_CHARS), node.start_mark)
        return _BASE.construct_yaml_int(loader, node)

    DataLoader.add_constructor(_INT, _bounded_int)


def load_documents(stream, where):
    """The non-empty documents of a YAML stream (text or a binary file), as Kubernetes would
    read them, each checked by ``expanded_size``. Errors name ``where`` (the file)."""
    if yaml is None:
        raise VmpodInputError(where, NO_VALUE, "needs PyYAML to be read")
    if isinstance(stream, str):
        found = _SURROGATE.search(stream)
        if found:
            raise VmpodInputError(where, NO_VALUE, "is not Unicode text: a lone surrogate on line %d"
                                  % (stream.count("\n", 0, found.start()) + 1))
    documents = []
    try:
        for document in yaml.load_all(stream, Loader=DataLoader):
            if document:
                expanded_size(document, where)
                documents.append(document)
    except yaml.YAMLError as err:
        raise VmpodInputError(where, NO_VALUE, "is not YAML: %s" % str(err).replace("\n", " "))
    except RecursionError:
        raise VmpodInputError(where, NO_VALUE, "nests too deeply to be read")
    return documents
