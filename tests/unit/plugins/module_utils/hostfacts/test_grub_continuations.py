# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""/etc/default/grub values written over several lines, checked against the shell itself.

grub-mkconfig sources the file with the shell, so bash is the oracle: every layout is read by
``bash -c '. FILE; printf "%s" "$GRUB_CMDLINE_LINUX"'`` and by ``GrubDefaults``, and the two must
agree. The rules at stake (POSIX Shell Command Language, 2.2 Quoting): outside quotes and inside
double quotes a backslash-newline is removed, joining the lines; inside double or single quotes
a newline is part of the value (a blank between kernel arguments); inside single quotes a
backslash is an ordinary character, so a backslash-newline there stays as both.
"""

import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kernel_args import (
    GrubDefaults,
    argument_key,
    grub_with_arguments,
    owned_tokens,
    split_cmdline,
)

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash, the shell grub-mkconfig uses")


def shell_value(directory, text, name="GRUB_CMDLINE_LINUX"):
    """What the shell holds in ``name`` after sourcing ``text``."""
    path = os.path.join(str(directory), "grub")
    with open(path, "w") as handle:
        handle.write(text)
    done = subprocess.run([BASH, "-c", '. "$1"; printf "%s" "${!2}"', "bash", path, name],
                          capture_output=True, text=True, env={"PATH": os.defpath}, check=True)
    return done.stdout


def shell_tokens(directory, text, name="GRUB_CMDLINE_LINUX"):
    return split_cmdline(shell_value(directory, text, name))


def without_keys(tokens, keys):
    return [token for token in tokens if argument_key(token) not in set(keys)]


LAYOUTS = {
    "double quotes, backslash-newline between tokens":
        'GRUB_CMDLINE_LINUX="console=ttyS0 \\\n    isolcpus=2-3 nohz_full=2-3"\n',
    "double quotes, backslash-newline inside a token":
        'GRUB_CMDLINE_LINUX="ro isol\\\ncpus=2-3 quiet"\n',
    "double quotes, a plain newline":
        'GRUB_CMDLINE_LINUX="ro\nisolcpus=2-3"\n',
    "single quotes, a backslash-newline is literal":
        "GRUB_CMDLINE_LINUX='ro \\\nisolcpus=2-3'\n",
    "single quotes, a plain newline":
        "GRUB_CMDLINE_LINUX='ro\n  isolcpus=2-3'\n",
    "unquoted, escaped blank then backslash-newline":
        "GRUB_CMDLINE_LINUX=ro\\ \\\nisolcpus=2-3\n",
    "unquoted, backslash-newline inside a token":
        "GRUB_CMDLINE_LINUX=isol\\\ncpus=2-3\n",
    "quotes of each kind in one word":
        'GRUB_CMDLINE_LINUX="ro "\'quiet \'isol\\\ncpus=2-3\n',
    "a comment after the last line":
        'GRUB_CMDLINE_LINUX="ro \\\n isolcpus=2-3"  # it\'s set here\nGRUB_TIMEOUT=5\n',
    "export":
        'export GRUB_CMDLINE_LINUX="ro \\\n  isolcpus=2-3"\n',
    "a comment with an unbalanced quote before":
        "# don't \"touch\nGRUB_CMDLINE_LINUX=\"ro isolcpus=2-3\"\n",
    "an assignment inside another variable's quotes is not one":
        'X="\nGRUB_CMDLINE_LINUX=fake"\nGRUB_CMDLINE_LINUX="ro \\\nisolcpus=2-3"\nY=1\n',
    "the last assignment wins":
        'GRUB_CMDLINE_LINUX="a=1 \\\n b"\nGRUB_CMDLINE_LINUX="ro \\\n isolcpus=2-3"\n',
}


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=list(LAYOUTS))
def test_read_as_the_shell_reads(tmp_path, text):
    assert GrubDefaults(text).tokens("GRUB_CMDLINE_LINUX") == shell_tokens(tmp_path, text)


@pytest.mark.parametrize("text", LAYOUTS.values(), ids=list(LAYOUTS))
def test_write_replaces_the_whole_assignment_once(tmp_path, text):
    before = shell_tokens(tmp_path, text)
    after_text = grub_with_arguments(text, ["isolcpus=4-5"], ["isolcpus"])
    after = shell_tokens(tmp_path, after_text)
    assert owned_tokens(after, ["isolcpus"]) == ["isolcpus=4-5"]
    assert without_keys(after, ["isolcpus"]) == without_keys(before, ["isolcpus"])
    assert grub_with_arguments(after_text, ["isolcpus=4-5"], ["isolcpus"]) == after_text
    # unchanged when the owned tokens are already right: byte for byte
    assert grub_with_arguments(text, owned_tokens(before, ["isolcpus"]), ["isolcpus"]) == text


def test_a_continued_value_becomes_one_line_and_the_rest_stays():
    text = ('# keep me\n'
            'GRUB_CMDLINE_LINUX="console=ttyS0 \\\n'
            '    isolcpus=2-3 \\\n'
            '    quiet"  # serial console\n'
            'GRUB_TIMEOUT=5\n')
    assert grub_with_arguments(text, ["isolcpus=4-5"], ["isolcpus"]) == (
        '# keep me\n'
        'GRUB_CMDLINE_LINUX="console=ttyS0 isolcpus=4-5 quiet"  # serial console\n'
        'GRUB_TIMEOUT=5\n')


def test_a_literal_backslash_from_single_quotes_survives_a_rewrite(tmp_path):
    text = "GRUB_CMDLINE_LINUX='ro \\\nisolcpus=2-3'\n"
    out = grub_with_arguments(text, ["nohz_full=1"], ["nohz_full"])
    assert shell_tokens(tmp_path, out) == ["ro", "\\", "isolcpus=2-3", "nohz_full=1"]


# --- generated layouts -----------------------------------------------------------------------

KEYS = ["isolcpus", "nohz_full", "hugepagesz", "hugepages", "ro", "quiet"]
TOKEN = st.builds(lambda key, value: key if value is None else "%s=%s" % (key, value),
                  st.sampled_from(KEYS), st.one_of(st.none(), st.sampled_from(["1", "2-3", "1G", "a,b"])))
BLANKS = st.sampled_from([" ", "  ", "\t", "\n", " \n  "])


@st.composite
def continued(draw, units, trailing=False):
    """``units`` (characters, or escaped pairs such as ``\\ ``) with backslash-newlines put
    between some of them, and after the last when ``trailing``."""
    out = []
    for unit in units:
        if draw(st.integers(0, 4)) == 0:
            out.append("\\\n")
        out.append(unit)
    if trailing and draw(st.booleans()):
        out.append("\\\n")
    return "".join(out)


@st.composite
def shell_word(draw, value):
    """``value`` written as one shell word: cut in chunks, each double-quoted (backslash-newlines
    vanish), single-quoted (a newline may get a backslash, which stays) or unquoted with its
    blanks escaped (backslash-newlines vanish)."""
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(value) - 1)), max_size=4)))
    chunks = [value[start:end] for start, end in zip([0] + cuts, cuts + [len(value)]) if value[start:end]]
    parts = []
    for chunk in chunks:
        style = draw(st.sampled_from(["double", "single"] + ([] if "\n" in chunk else ["bare"])))
        if style == "double":
            parts.append('"%s"' % draw(continued(list(chunk), trailing=True)))
        elif style == "single":
            parts.append("'%s'" % chunk.replace("\n", "\\\n" if draw(st.booleans()) else "\n"))
        else:
            parts.append(draw(continued(["\\" + char if char in " \t" else char for char in chunk])))
    return "".join(parts)


BEFORE = st.sampled_from(["", "GRUB_DEFAULT=0\n", "# it's GRUB's file, see 'info -f grub'\n",
                          'GRUB_CMDLINE_LINUX_DEFAULT="quiet \\\n isolcpus=9"\n'])
AFTER = st.sampled_from(["", "GRUB_TIMEOUT=5\n", "# don't \"edit\n", "  # trailing comment\n"])


@st.composite
def grub_files(draw):
    tokens = draw(st.lists(TOKEN, max_size=6))
    value = "".join(token + draw(BLANKS) for token in tokens).rstrip(" \t\n")
    word = draw(shell_word(value)) if value else '""'
    comment = draw(st.sampled_from(["", "  # it's the kernel's", " #x"]))
    return "%sGRUB_CMDLINE_LINUX=%s%s\n%s" % (draw(BEFORE), word, comment, draw(AFTER))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grub_files(), st.lists(TOKEN, max_size=3), st.sets(st.sampled_from(KEYS), max_size=2))
def test_generated_layouts_read_and_write_as_the_shell_does(tmp_path, text, wanted, extra_keys):
    keys = list(dict.fromkeys([argument_key(token) for token in wanted] + sorted(extra_keys)))
    before = shell_tokens(tmp_path, text)
    assert GrubDefaults(text).tokens("GRUB_CMDLINE_LINUX") == before

    out = grub_with_arguments(text, wanted, keys)
    after = shell_tokens(tmp_path, out)
    assert GrubDefaults(out).tokens("GRUB_CMDLINE_LINUX") == after
    assert owned_tokens(after, keys) == wanted
    assert without_keys(after, keys) == without_keys(before, keys)
    assert shell_value(tmp_path, out, "GRUB_TIMEOUT") == shell_value(tmp_path, text, "GRUB_TIMEOUT")
    assert shell_tokens(tmp_path, out, "GRUB_CMDLINE_LINUX_DEFAULT") == without_keys(
        shell_tokens(tmp_path, text, "GRUB_CMDLINE_LINUX_DEFAULT"), keys)
    assert grub_with_arguments(out, wanted, keys) == out
    # owned tokens already right: the file stays byte for byte
    assert grub_with_arguments(text, owned_tokens(before, keys), keys, also_clean=()) == text
