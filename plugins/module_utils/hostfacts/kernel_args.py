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
other tools put there survive untouched, and a value written over several lines is read as the
shell joins them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

_KEY = re.compile(r"^[A-Za-z0-9_.-]+\Z")
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


def owned_tokens(tokens, keys, key=argument_key):
    """The tokens of the owned keys, in command-line order. ``key`` names a token's parameter."""
    owned = set(keys)
    return [token for token in tokens if key(token) in owned]


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
#
# grub-mkconfig sources the file with the shell, so it is read as the shell reads it: a newline
# inside quotes belongs to the value, a backslash-newline outside single quotes joins two lines
# (POSIX "Escape Character" and "Double-Quotes"), and inside single quotes a backslash is just a
# backslash. An assignment may therefore span several physical lines; it is found, read and
# replaced as a whole.

_WORD_END = frozenset(" \t\n;&|<>()")


@dataclass(frozen=True)
class _Assignment:
    """``NAME=value`` in the text: the value spans ``[start, end)`` (all its physical lines)."""

    start: int
    end: int


def _quoted_end(text, index, quote):
    """The offset just past the quote that closes the one at ``index`` (backslash escapes)."""
    index += 1
    while index < len(text) and text[index] != quote:
        index += 2 if text[index] == "\\" else 1
    return min(index + 1, len(text))


def _statement_starts(text):
    """Offsets where the shell starts reading a new line: after each newline that is neither
    quoted, escaped nor inside a comment's line."""
    starts = [0]
    index = 0
    word_start = True
    while index < len(text):
        char = text[index]
        if char == "#" and word_start:  # a comment, up to the newline
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        if char == "\\":
            index += 2
        elif char == "'":
            close = text.find("'", index + 1)
            index = len(text) if close < 0 else close + 1
        elif char in "\"`":
            index = _quoted_end(text, index, char)
        else:
            if char == "\n":
                starts.append(index + 1)
            index += 1
        word_start = char in " \t\n;&|()"
    return starts


def _read_word(text, index, name):
    """The shell word at ``text[index]`` (an assignment's value) in its double-quoted source
    form, and the offset where it ends."""
    out = []
    length = len(text)
    while index < length:
        char = text[index]
        if char == '"':
            end = index + 1
            while end < length and text[end] != '"':
                if text[end] == "\\" and end + 1 < length:
                    if text[end + 1] != "\n":  # backslash-newline: the line goes on
                        out.append(text[end:end + 2])
                    end += 2
                else:
                    out.append(text[end])
                    end += 1
            if end >= length:
                raise VmpodInputError(name, text[index:], "has an unterminated double quote")
            index = end + 1
        elif char == "'":
            end = text.find("'", index + 1)
            if end < 0:
                raise VmpodInputError(name, text[index:], "has an unterminated single quote")
            out.append(token_to_source(text[index + 1:end]))
            index = end + 1
        elif char == "\\":
            following = text[index + 1:index + 2]
            if following != "\n":
                out.append(token_to_source(following or "\\"))
            index += 2
        elif char in _WORD_END:
            break
        else:
            out.append(char)
            index += 1
    return "".join(out), index


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
        self._text = text

    def text(self):
        return self._text

    def _find(self, name):
        """The last assignment of ``name`` (the shell keeps the last), or None."""
        head = re.compile(r"[ \t]*(?:export[ \t]+)?%s=" % re.escape(name))
        found = None
        for start in _statement_starts(self._text):
            match = head.match(self._text, start)
            if match:
                found = match.end()
        if found is None:
            return None
        _source, end = _read_word(self._text, found, name)
        return _Assignment(found, end)

    def has(self, name):
        return self._find(name) is not None

    def source_tokens(self, name):
        """The tokens of variable ``name`` in shell source form; ``[]`` when unset."""
        assignment = self._find(name)
        if assignment is None:
            return []
        source, _end = _read_word(self._text, assignment.start, name)
        return _split_dq(source)

    def tokens(self, name):
        return [source_to_token(source) for source in self.source_tokens(name)]

    def set_source_tokens(self, name, sources):
        """Set ``name`` to the given source tokens, double-quoted on one line; the physical
        lines of the old value go, what follows it (a comment) stays."""
        value = '"%s"' % " ".join(sources)
        assignment = self._find(name)
        if assignment is None:
            text = self._text
            if text and not text.endswith("\n"):
                text += "\n"
            self._text = "%s%s=%s\n" % (text, name, value)
            return
        self._text = self._text[:assignment.start] + value + self._text[assignment.end:]


def grub_with_arguments(text, wanted, keys, variable="GRUB_CMDLINE_LINUX",
                        also_clean=("GRUB_CMDLINE_LINUX_DEFAULT",)):
    """``/etc/default/grub`` text with the owned ``keys`` of ``variable`` set to exactly
    ``wanted`` (other tokens kept), and removed from the ``also_clean`` variables so that the
    generated command line holds each owned token once. Text whose owned tokens are already
    right is returned as it was, byte for byte."""
    grub = GrubDefaults(text)
    owned = set(keys)
    sources = grub.source_tokens(variable)
    wanted_sources = [token_to_source(token) for token in wanted]
    if owned_tokens(sources, owned, key=source_key) != wanted_sources:
        grub.set_source_tokens(variable, with_arguments(sources, wanted_sources, owned,
                                                        key=source_key))
    for other in also_clean:
        if other == variable or not grub.has(other):
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
