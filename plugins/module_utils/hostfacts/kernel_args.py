# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel command line arguments, managed one key at a time.

A caller owns some argument keys (``isolcpus``, ``hugepagesz`` ...) and wants an exact list of
tokens for them (``hugepagesz=1G hugepages=4 hugepagesz=2M hugepages=512``). Every token of an
owned key is replaced by that list, placed where the first of them stood; tokens of other keys
are kept as they are. Tokens are compared exactly: ``isolcpus=1,3,5`` is not ``isolcpus=1,3,5,7``.

GRUB's ``/etc/default/grub`` is a shell file: values are read and written in their shell
source form (``\\"`` inside double quotes), so that expansions such as ``$tuned_params`` that
other tools put there survive untouched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
_FORBIDDEN = frozenset("$`\\'")
_DQ_ESCAPED = frozenset('$`"\\')


def argument_key(token):
    """The parameter name of a token; the kernel treats ``-`` and ``_`` in names alike."""
    return token.split("=", 1)[0].replace("-", "_")


def split_cmdline(text):
    """Tokens of a kernel command line as the kernel splits it: blanks separate, double quotes
    group (``dyndbg="file x +p"`` is one token, quotes kept)."""
    tokens = []
    current = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char.isspace() and not quoted:
            if current:
                tokens.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def check_arguments(values, path):
    """The wanted tokens, checked: strings such as ``isolcpus=2-3`` or ``nosmt``, with a
    parameter name, no blanks outside double quotes and none of ``$ ` \\ '``."""
    if not isinstance(values, (list, tuple)):
        raise VmpodInputError(path, values, "is not a list of kernel arguments")
    tokens = []
    for index, value in enumerate(values):
        where = "%s[%d]" % (path, index)
        if not isinstance(value, str) or not value:
            raise VmpodInputError(where, value, "is not a kernel argument such as 'isolcpus=2-3'")
        if split_cmdline(value) != [value] or value.count('"') % 2:
            raise VmpodInputError(where, value, "is not one kernel argument (blank or stray quote)")
        if _FORBIDDEN.intersection(value) or any(ord(char) < 32 for char in value):
            raise VmpodInputError(where, value, "holds a character GRUB would expand ($ ` \\ ')")
        if not _KEY.match(value.split("=", 1)[0]):
            raise VmpodInputError(where, value, "does not start with a parameter name")
        tokens.append(value)
    return tokens


def check_keys(values, path):
    """Owned parameter names, normalised (``-`` as ``_``)."""
    if not isinstance(values, (list, tuple)):
        raise VmpodInputError(path, values, "is not a list of parameter names")
    keys = []
    for index, value in enumerate(values):
        if not isinstance(value, str) or not _KEY.match(value):
            raise VmpodInputError("%s[%d]" % (path, index), value, "is not a parameter name")
        key = argument_key(value)
        if key not in keys:
            keys.append(key)
    return keys


def owned_tokens(tokens, keys):
    """The tokens of the owned keys, in command-line order."""
    owned = set(keys)
    return [token for token in tokens if argument_key(token) in owned]


def with_arguments(tokens, wanted, keys, key=argument_key):
    """``tokens`` with every token of ``keys`` replaced by ``wanted``, placed where the first
    owned token was (appended when there was none). ``key`` names a token's parameter."""
    owned = set(keys)
    result = []
    placed = False
    for token in tokens:
        if key(token) in owned:
            if not placed:
                result.extend(wanted)
                placed = True
            continue
        result.append(token)
    if not placed:
        result.extend(wanted)
    return result


def pending_arguments(running, wanted, keys):
    """What the running kernel (``running`` tokens, from /proc/cmdline) lacks or has too much
    of for these keys: ``(missing, unexpected)``; both empty when it holds exactly ``wanted``."""
    have = owned_tokens(running, keys)
    if have == list(wanted):
        return [], []
    missing = [token for token in wanted if token not in have]
    unexpected = [token for token in have if token not in wanted]
    if not missing and not unexpected:  # same tokens, another order or count
        missing, unexpected = list(wanted), have
    return missing, unexpected


# --- /etc/default/grub ------------------------------------------------------------------------

def _assignment(name):
    return re.compile(r"^(?P<lead>[ \t]*(?:export[ \t]+)?)%s=(?P<value>.*)$" % re.escape(name))


def _shell_word_to_dq(text, name):
    """The source form, as it would stand between double quotes, of a shell word (the value of
    an assignment), and what follows it on the line (a comment)."""
    out = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            end = index + 1
            while end < length and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if end >= length:
                raise VmpodInputError(name, text, "has an unterminated double quote")
            out.append(text[index + 1:end])
            index = end + 1
        elif char == "'":
            end = text.find("'", index + 1)
            if end < 0:
                raise VmpodInputError(name, text, "has an unterminated single quote")
            out.append("".join("\\" + c if c in _DQ_ESCAPED else c for c in text[index + 1:end]))
            index = end + 1
        elif char == "\\" and index + 1 < length:
            following = text[index + 1]
            out.append("\\" + following if following in _DQ_ESCAPED else following)
            index += 2
        elif char.isspace():
            break
        else:
            out.append(char)
            index += 1
    return "".join(out), text[index:]


def _split_dq(source):
    """Tokens of a double-quoted shell value in source form; ``\\"`` pairs group like the
    kernel's quotes."""
    tokens = []
    current = []
    quoted = False
    index = 0
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            pair = source[index:index + 2]
            if pair == '\\"':
                quoted = not quoted
            current.append(pair)
            index += 2
            continue
        if char.isspace() and not quoted:
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
        index += 1
    if current:
        tokens.append("".join(current))
    return tokens


def source_to_token(source):
    """The argument a shell source token stands for (``\\"`` -> ``"``); expansions stay as
    written."""
    return re.sub(r'\\([$`"\\])', r"\1", source)


def token_to_source(token):
    """A token in double-quoted shell source form."""
    return "".join("\\" + c if c in _DQ_ESCAPED else c for c in token)


class GrubDefaults:
    """The text of ``/etc/default/grub``; variables read and replaced in place."""

    def __init__(self, text):
        self.lines = text.splitlines(True)

    def text(self):
        return "".join(self.lines)

    def find(self, name):
        pattern = _assignment(name)
        found = None
        for index, line in enumerate(self.lines):
            if pattern.match(line.rstrip("\n")):
                found = index  # the shell keeps the last assignment
        return found

    def source_tokens(self, name):
        """The tokens of variable ``name`` in shell source form; ``[]`` when unset."""
        index = self.find(name)
        if index is None:
            return []
        value = _assignment(name).match(self.lines[index].rstrip("\n")).group("value")
        source, _rest = _shell_word_to_dq(value, name)
        return _split_dq(source)

    def tokens(self, name):
        return [source_to_token(source) for source in self.source_tokens(name)]

    def set_source_tokens(self, name, sources):
        """Set ``name`` to the given source tokens, double-quoted; a trailing comment is kept."""
        value = '"%s"' % " ".join(sources)
        index = self.find(name)
        if index is None:
            if self.lines and not self.lines[-1].endswith("\n"):
                self.lines[-1] += "\n"
            self.lines.append("%s=%s\n" % (name, value))
            return
        line = self.lines[index]
        newline = "\n" if line.endswith("\n") else ""
        match = _assignment(name).match(line.rstrip("\n"))
        _source, rest = _shell_word_to_dq(match.group("value"), name)
        self.lines[index] = "%s%s=%s%s%s" % (match.group("lead"), name, value, rest, newline)


def grub_with_arguments(text, wanted, keys, variable="GRUB_CMDLINE_LINUX",
                        also_clean=("GRUB_CMDLINE_LINUX_DEFAULT",)):
    """``/etc/default/grub`` text with the owned ``keys`` of ``variable`` set to exactly
    ``wanted`` (other tokens kept), and removed from the ``also_clean`` variables so that the
    generated command line holds each owned token once."""
    grub = GrubDefaults(text)
    owned = set(keys)
    sources = grub.source_tokens(variable)
    wanted_sources = [token_to_source(token) for token in wanted]
    new = with_arguments(sources, wanted_sources, owned, key=source_key)
    if new != sources:
        grub.set_source_tokens(variable, new)
    for other in also_clean:
        if other == variable or grub.find(other) is None:
            continue
        other_sources = grub.source_tokens(other)
        kept = [source for source in other_sources if source_key(source) not in owned]
        if kept != other_sources:
            grub.set_source_tokens(other, kept)
    return grub.text()


def source_key(source):
    """The parameter name of a shell source token."""
    return argument_key(source_to_token(source))


# --- grubby ------------------------------------------------------------------------------------

def parse_grubby_info(text):
    """``{kernel path: [tokens]}`` from ``grubby --info=ALL``."""
    kernels = {}
    kernel = None
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if name == "kernel":
            kernel = value
            kernels.setdefault(kernel, [])
        elif name == "args" and kernel is not None:
            kernels[kernel] = split_cmdline(value)
    return kernels
