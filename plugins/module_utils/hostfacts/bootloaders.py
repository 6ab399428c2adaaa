# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where boot loaders other than GRUB's shell file keep the kernel command line, and how the
owned arguments (see ``kernel_args``) are set there.

* ``AUTO_ORDER``: the order in which ``bootloader: auto`` looks for them.
* rpm-ostree (RHCOS, Fedora CoreOS): the options of one ``rpm-ostree kargs`` command.
* systemd-boot: the ``options`` lines of Boot Loader Specification entries, and
  ``/etc/kernel/cmdline``, which ``kernel-install`` copies into the entries of kernels installed
  later.

Texts in, texts out: the module reads and writes the files and runs the commands.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from dataclasses import dataclass

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kernel_args import (
    argument_key,
    owned_tokens,
    split_cmdline,
    with_arguments,
)

__all__ = [
    "AUTO_ORDER",
    "bls_entry_arguments",
    "bls_entry_with_arguments",
    "cmdline_file_with_arguments",
    "groups_with_arguments",
    "is_linux_entry",
    "kargs_after",
    "kargs_options",
    "kernel_install_fallback",
    "version_order",
]

# rpm-ostree first: an ostree host may also carry grubby or GRUB files that it regenerates.
AUTO_ORDER = ("rpm-ostree", "grubby", "systemd-boot", "grub")


def groups_with_arguments(groups, wanted, keys):
    """Token groups (the lines of one file, in order, read as one command line) with the owned
    tokens removed from every group and ``wanted`` placed where the first owned token was (at
    the end of the last group when there was none); unchanged when the owned tokens are already
    exactly ``wanted``."""
    groups = [list(group) for group in groups]
    if owned_tokens([token for group in groups for token in group], keys) == list(wanted):
        return groups
    owned = set(keys)
    first = next((index for index, group in enumerate(groups)
                  if any(argument_key(token) in owned for token in group)), len(groups) - 1)
    return [with_arguments(group, wanted, keys) if index == first
            else [token for token in group if argument_key(token) not in owned]
            for index, group in enumerate(groups)]


# --- rpm-ostree ---------------------------------------------------------------------------------

def kargs_options(current, wanted, keys):
    """The options of one ``rpm-ostree kargs`` command that leave the owned tokens of
    ``current`` (the arguments of the deployment that boots next) exactly ``wanted``; ``[]``
    when they already are."""
    # rpm-ostree's daemon applies every --delete before any --append, whatever their order on
    # the command line, and appends at the end; a --delete=KEY=VALUE takes away one token equal
    # to it (rpm-ostree kernel_arg_apply_patching, ostree ostree_kernel_args_delete). Deleting
    # each owned token and appending each wanted one thus yields the wanted tokens in their
    # order, repeated keys (hugepagesz=1G hugepages=4 hugepagesz=2M ...) included.
    have = owned_tokens(current, keys)
    if have == list(wanted):
        return []
    return ["--delete=" + token for token in have] + ["--append=" + token for token in wanted]


def kargs_after(current, wanted, keys):
    """The arguments rpm-ostree stages for ``kargs_options``: the unowned ones, then
    ``wanted``."""
    if not kargs_options(current, wanted, keys):
        return list(current)
    owned = set(keys)
    return [token for token in current if argument_key(token) not in owned] + list(wanted)


# --- systemd-boot ------------------------------------------------------------------------------

_ENTRY_LINE = re.compile(r"^(?P<prefix>[ \t]*(?P<key>\S+)[ \t]*)(?P<value>.*)$")


@dataclass(frozen=True)
class _EntryLine:
    """One line of an entry: ``key`` (None for blank lines and comments), ``prefix`` (the key
    and the blanks around it), ``value``, ``newline``; ``text`` is the whole line."""

    text: str
    key: object
    prefix: str = ""
    value: str = ""
    newline: str = ""


def _entry_lines(text):
    lines = []
    for line in text.splitlines(True):
        body = line.rstrip("\r\n")
        match = _ENTRY_LINE.match(body)
        if not match or match.group("key").startswith("#"):
            lines.append(_EntryLine(line, None))
        else:
            lines.append(_EntryLine(line, match.group("key"), match.group("prefix"),
                                    match.group("value"), line[len(body):]))
    return lines


def is_linux_entry(text):
    """Whether a Boot Loader Specification type #1 entry boots a Linux kernel (has ``linux``);
    entries of other EFI programs (``efi``) take ``options`` that are not a kernel's."""
    return any(line.key == "linux" for line in _entry_lines(text))


def bls_entry_arguments(text):
    """The kernel command line of an entry: its ``options`` lines, in order, joined (the Boot
    Loader Specification lets the key appear more than once)."""
    return [token for line in _entry_lines(text) if line.key == "options"
            for token in split_cmdline(line.value)]


def bls_entry_with_arguments(text, wanted, keys):
    """Entry text with the owned tokens of its ``options`` lines set to exactly ``wanted``;
    other lines, and ``options`` lines whose tokens stay, are kept byte for byte. An
    ``options`` line left without tokens goes; an entry without one gets one at its end."""
    lines = _entry_lines(text)
    where = [index for index, line in enumerate(lines) if line.key == "options"]
    if not where:
        if not wanted:
            return text
        end = "" if not text or text.endswith("\n") else "\n"
        return "%s%soptions %s\n" % (text, end, " ".join(wanted))
    groups = [split_cmdline(lines[index].value) for index in where]
    out = [line.text for line in lines]
    for index, old, new in zip(where, groups, groups_with_arguments(groups, wanted, keys)):
        if new != old:
            line = lines[index]
            prefix = line.prefix if line.prefix != line.prefix.rstrip() else line.prefix + " "
            out[index] = "%s%s%s" % (prefix, " ".join(new), line.newline) if new else ""
    return "".join(out)


def cmdline_file_with_arguments(text, wanted, keys):
    """``/etc/kernel/cmdline`` text with the owned tokens set to exactly ``wanted``.
    ``kernel-install`` reads the whole file as blank-separated words; lines whose tokens stay
    are kept byte for byte, a line left without tokens goes."""
    lines = text.splitlines(True)
    where = [index for index, line in enumerate(lines) if line.strip()]
    if not where:
        return "%s\n" % " ".join(wanted) if wanted else text
    groups = [split_cmdline(lines[index]) for index in where]
    for index, old, new in zip(where, groups, groups_with_arguments(groups, wanted, keys)):
        if new != old:
            newline = "\n" if lines[index].endswith("\n") else ""
            lines[index] = " ".join(new) + newline if new else ""
    return "".join(lines)


def kernel_install_fallback(proc_tokens):
    """What ``kernel-install`` puts in a new entry when neither /etc/kernel/cmdline nor
    /usr/lib/kernel/cmdline exists: the running kernel's arguments less the boot loader's
    ``BOOT_IMAGE=`` and ``initrd=`` (its 90-loaderentry.install)."""
    return [token for token in proc_tokens
            if not token.startswith(("BOOT_IMAGE=", "initrd="))]


def version_order(name):
    """A sort key for entry file names that puts ``6.10`` after ``6.9``."""
    return [(0, int(part), "") if part.isascii() and part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", name)]
