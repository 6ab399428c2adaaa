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

try:
    import yaml
except ImportError:  # the engine is importable without PyYAML; only reading YAML needs it
    yaml = None

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NO_VALUE, VmpodInputError

# A VMI holds a few hundred values, a large VirtualMachine a few thousand; nesting stays below 20.
MAX_VALUES = 100000
MAX_DEPTH = 64

_TIMESTAMP = "tag:yaml.org,2002:timestamp"

if yaml is not None:
    _BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class DataLoader(_BASE):
        """PyYAML's safe loader (libyaml's where there is one) without timestamps."""

    DataLoader.yaml_implicit_resolvers = dict(
        (first, [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP])
        for first, resolvers in _BASE.yaml_implicit_resolvers.items())


def expanded_size(value, where, limit=MAX_VALUES):
    """The number of values of ``value`` with every alias expanded, counted without expanding
    (each shared list or mapping is counted once and its count reused); VmpodInputError when it
    passes ``limit`` or nests deeper than MAX_DEPTH."""
    counted = {}

    def size(node, depth):
        if not isinstance(node, (dict, list)):
            return 1
        known = counted.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise VmpodInputError(where, NO_VALUE, "nests deeper than %d levels" % MAX_DEPTH)
        counted[id(node)] = 0  # a structure that contains itself adds nothing more (cannot come from YAML)
        items = node.items() if isinstance(node, dict) else ((None, item) for item in node)
        total = 1
        for key, item in items:
            total += size(item, depth + 1) + (key is not None)
            if total > limit:
                raise VmpodInputError(where, NO_VALUE,
                                      "expands to more than %d values (YAML aliases): refused" % limit)
        counted[id(node)] = total
        return total
    return size(value, 0)


def load_documents(stream, where):
    """The non-empty documents of a YAML stream (text or a binary file), as Kubernetes would
    read them, each checked by ``expanded_size``. Errors name ``where`` (the file)."""
    if yaml is None:
        raise VmpodInputError(where, NO_VALUE, "needs PyYAML to be read")
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
