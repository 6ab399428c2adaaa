# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel arguments owned key by key: exact tokens, no duplicates, other arguments kept.

The splitting rules are the kernel's (lib/cmdline.c next_arg: blanks separate, double quotes
group, `-` and `_` alike in names, kernel-parameters.txt); /etc/default/grub is read as the shell
that grub-mkconfig sources it with reads it.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kernel_args import (
    GrubDefaults,
    argument_key,
    check_arguments,
    check_keys,
    grub_with_arguments,
    owned_tokens,
    parse_grubby_info,
    pending_arguments,
    split_cmdline,
    with_arguments,
)


def without_keys(tokens, keys):
    """``tokens`` less every token of ``keys`` (an oracle for the properties below)."""
    owned = set(keys)
    return [token for token in tokens if argument_key(token) not in owned]


@pytest.mark.parametrize("text, tokens", [
    ("ro quiet", ["ro", "quiet"]),
    ("  ro   quiet\n", ["ro", "quiet"]),
    ('dyndbg="file x.c +p" ro', ['dyndbg="file x.c +p"', "ro"]),
    ("", []),
    ("BOOT_IMAGE=/boot/vmlinuz root=UUID=1 ro", ["BOOT_IMAGE=/boot/vmlinuz", "root=UUID=1", "ro"]),
])
def test_split_cmdline(text, tokens):
    assert split_cmdline(text) == tokens


@pytest.mark.parametrize("token, key", [
    ("isolcpus=1,3", "isolcpus"), ("nosmt", "nosmt"), ("rcu-nocbs=2", "rcu_nocbs"),
    ("kvm_intel.nested=1", "kvm_intel.nested"), ("a=b=c", "a"),
])
def test_argument_key(token, key):
    assert argument_key(token) == key


def test_exact_tokens_replace_a_longer_list():
    # isolcpus=1,3,5 is not isolcpus=1,3,5,7: the old token goes, the new one takes its place
    tokens = ["ro", "isolcpus=1,3,5,7", "quiet"]
    assert with_arguments(tokens, ["isolcpus=1,3,5"], ["isolcpus"]) == ["ro", "isolcpus=1,3,5", "quiet"]


def test_duplicates_of_an_owned_key_collapse_into_the_wanted_tokens():
    tokens = ["isolcpus=1", "ro", "isolcpus=2", "isolcpus=1"]
    assert with_arguments(tokens, ["isolcpus=3"], ["isolcpus"]) == ["isolcpus=3", "ro"]


def test_repeated_keys_keep_the_wanted_order():
    tokens = ["ro", "hugepages=8", "console=ttyS0", "hugepagesz=2M"]
    wanted = ["hugepagesz=1G", "hugepages=4", "hugepagesz=2M", "hugepages=512"]
    keys = ["default_hugepagesz", "hugepagesz", "hugepages"]
    assert with_arguments(tokens, wanted, keys) == ["ro"] + wanted + ["console=ttyS0"]


def test_unowned_arguments_are_kept_and_new_ones_appended():
    assert with_arguments(["ro", "quiet"], ["nohz_full=2-3"], ["nohz_full"]) == [
        "ro", "quiet", "nohz_full=2-3"]


def test_dash_and_underscore_are_one_key():
    assert with_arguments(["rcu-nocbs=1"], ["rcu_nocbs=2"], ["rcu_nocbs"]) == ["rcu_nocbs=2"]


def test_without_keys_and_owned_tokens():
    tokens = ["ro", "isolcpus=2", "nohz_full=2", "quiet"]
    assert without_keys(tokens, ["isolcpus", "nohz_full"]) == ["ro", "quiet"]
    assert owned_tokens(tokens, ["nohz_full"]) == ["nohz_full=2"]


@pytest.mark.parametrize("running, wanted, missing, unexpected", [
    (["ro", "isolcpus=2-3"], ["isolcpus=2-3"], [], []),
    (["ro", "isolcpus=2-3"], ["isolcpus=2-3", "nohz_full=2-3"], ["nohz_full=2-3"], []),
    (["isolcpus=1,3,5,7"], ["isolcpus=1,3,5"], ["isolcpus=1,3,5"], ["isolcpus=1,3,5,7"]),
    (["isolcpus=2", "nohz_full=2"], [], [], ["isolcpus=2", "nohz_full=2"]),
    # same tokens in another order still need a reboot: order matters for hugepagesz/hugepages
    (["hugepages=4", "hugepagesz=1G"], ["hugepagesz=1G", "hugepages=4"],
     ["hugepagesz=1G", "hugepages=4"], ["hugepages=4", "hugepagesz=1G"]),
])
def test_pending_arguments(running, wanted, missing, unexpected):
    keys = check_keys([t.split("=")[0] for t in wanted] + ["isolcpus", "nohz_full"], "keys")
    assert pending_arguments(running, wanted, keys) == (missing, unexpected)


@pytest.mark.parametrize("value, problem", [
    ("", "is not a kernel argument"),
    ("a b", "is not one kernel argument"),
    ('a="b', "is not one kernel argument"),
    ("x=$y", "holds a character GRUB would expand"),
    ("x=`id`", "holds a character GRUB would expand"),
    ("x='a'", "holds a character GRUB would expand"),
    ("=1", "does not start with a parameter name"),
    (7, "is not a kernel argument"),
])
def test_check_arguments_names_the_field(value, problem):
    with pytest.raises(VmpodInputError) as err:
        check_arguments(["ro", value], "arguments")
    assert str(err.value).startswith("arguments[1]: %r %s" % (value, problem))


def test_check_arguments_accepts_quoted_values():
    assert check_arguments(['dyndbg="file a.c +p"', "nosmt"], "a") == ['dyndbg="file a.c +p"', "nosmt"]


def test_check_keys():
    assert check_keys(["rcu-nocbs", "isolcpus", "rcu_nocbs"], "keys") == ["rcu_nocbs", "isolcpus"]
    with pytest.raises(VmpodInputError, match=r"^keys\[0\]: 'a b' is not a parameter name"):
        check_keys(["a b"], "keys")


# --- /etc/default/grub ----------------------------------------------------------------------

DEBIAN_GRUB = '''# If you change this file, run 'update-grub' afterwards to update
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX_DEFAULT="quiet isolcpus=9"
GRUB_CMDLINE_LINUX="console=ttyS0 isolcpus=1,3,5,7"  # serial console
'''


def test_grub_owned_key_replaced_in_place_and_cleaned_from_default():
    text = grub_with_arguments(DEBIAN_GRUB, ["isolcpus=1,3,5", "nohz_full=1,3,5"],
                               ["isolcpus", "nohz_full"])
    grub = GrubDefaults(text)
    assert grub.tokens("GRUB_CMDLINE_LINUX") == ["console=ttyS0", "isolcpus=1,3,5", "nohz_full=1,3,5"]
    assert grub.tokens("GRUB_CMDLINE_LINUX_DEFAULT") == ["quiet"]
    assert 'GRUB_CMDLINE_LINUX="console=ttyS0 isolcpus=1,3,5 nohz_full=1,3,5"  # serial console\n' in text
    assert text.startswith("# If you change this file")


def test_grub_unchanged_when_already_right():
    once = grub_with_arguments(DEBIAN_GRUB, ["isolcpus=2"], ["isolcpus"])
    assert grub_with_arguments(once, ["isolcpus=2"], ["isolcpus"]) == once


def test_grub_left_alone_when_the_owned_tokens_are_right_though_apart():
    # the kernel reads each owned token where it stands; only their own order matters
    text = 'GRUB_CMDLINE_LINUX="hugepagesz=1G ro hugepages=4"\n'
    assert grub_with_arguments(text, ["hugepagesz=1G", "hugepages=4"], ["hugepagesz", "hugepages"]) == text


def test_grub_variable_added_when_missing():
    text = grub_with_arguments("GRUB_TIMEOUT=0", ["nosmt"], ["nosmt"])
    assert text == 'GRUB_TIMEOUT=0\nGRUB_CMDLINE_LINUX="nosmt"\n'


def test_grub_expansions_and_quotes_survive():
    # TuneD's bootloader plugin writes an expansion; single quotes and escaped quotes are shell
    text = ('GRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT:+$GRUB_CMDLINE_LINUX_DEFAULT }'
            '\\$tuned_params"\n'
            "GRUB_CMDLINE_LINUX='ro dyndbg=\"file a.c +p\"'\n")
    out = grub_with_arguments(text, ["nohz_full=2"], ["nohz_full"])
    assert out.splitlines()[0] == text.splitlines()[0]
    grub = GrubDefaults(out)
    assert grub.tokens("GRUB_CMDLINE_LINUX") == ["ro", 'dyndbg="file a.c +p"', "nohz_full=2"]
    assert out.splitlines()[1] == 'GRUB_CMDLINE_LINUX="ro dyndbg=\\"file a.c +p\\" nohz_full=2"'


def test_grub_last_assignment_wins():
    text = 'GRUB_CMDLINE_LINUX="a=1"\nGRUB_CMDLINE_LINUX="a=2 b"\n'
    assert GrubDefaults(text).tokens("GRUB_CMDLINE_LINUX") == ["a=2", "b"]
    assert grub_with_arguments(text, ["a=3"], ["a"]).splitlines() == [
        'GRUB_CMDLINE_LINUX="a=1"', 'GRUB_CMDLINE_LINUX="a=3 b"']


def test_grub_export_and_bare_values():
    text = "export GRUB_CMDLINE_LINUX=ro\n"
    assert grub_with_arguments(text, ["x=1"], ["x"]) == 'export GRUB_CMDLINE_LINUX="ro x=1"\n'


def test_grub_unterminated_quote_names_the_variable():
    with pytest.raises(VmpodInputError, match="^GRUB_CMDLINE_LINUX: .* unterminated double quote"):
        GrubDefaults('GRUB_CMDLINE_LINUX="ro\n').tokens("GRUB_CMDLINE_LINUX")


def test_grub_absent_removes_everywhere():
    text = grub_with_arguments(DEBIAN_GRUB, [], ["isolcpus"])
    grub = GrubDefaults(text)
    assert grub.tokens("GRUB_CMDLINE_LINUX") == ["console=ttyS0"]
    assert grub.tokens("GRUB_CMDLINE_LINUX_DEFAULT") == ["quiet"]


# --- grubby ---------------------------------------------------------------------------------

GRUBBY_INFO = '''index=0
kernel="/boot/vmlinuz-5.14.0-427.el9.x86_64"
args="ro crashkernel=1G-4G:192M resume=UUID=1 rhgb quiet isolcpus=2"
root="UUID=2"
initrd="/boot/initramfs-5.14.0-427.el9.x86_64.img"
title="Red Hat Enterprise Linux (5.14.0-427.el9.x86_64) 9.4 (Plow)"
id="abc-5.14.0-427.el9.x86_64"
index=1
kernel="/boot/vmlinuz-0-rescue-abc"
args="ro crashkernel=1G-4G:192M"
root="UUID=2"
'''


def test_parse_grubby_info():
    kernels = parse_grubby_info(GRUBBY_INFO)
    assert kernels["/boot/vmlinuz-5.14.0-427.el9.x86_64"][-1] == "isolcpus=2"
    assert kernels["/boot/vmlinuz-0-rescue-abc"] == ["ro", "crashkernel=1G-4G:192M"]


KEY = st.sampled_from(["isolcpus", "nohz_full", "ro", "quiet", "hugepages", "hugepagesz"])
TOKEN = st.builds(lambda k, v: k if v is None else "%s=%s" % (k, v), KEY,
                  st.one_of(st.none(), st.sampled_from(["1", "2-3", "1G"])))


@given(st.lists(TOKEN, max_size=8), st.lists(TOKEN, max_size=4),
       st.sets(KEY, max_size=3))
def test_properties(tokens, wanted, extra_keys):
    keys = check_keys([t.split("=")[0] for t in wanted] + sorted(extra_keys), "keys")
    result = with_arguments(tokens, wanted, keys)
    # exactly the wanted tokens for the owned keys, everything else kept in order, idempotent
    assert owned_tokens(result, keys) == wanted
    assert without_keys(result, keys) == without_keys(tokens, keys)
    assert with_arguments(result, wanted, keys) == result
    assert pending_arguments(result, wanted, keys) == ([], [])
    text = grub_with_arguments('GRUB_CMDLINE_LINUX="%s"\n' % " ".join(tokens), wanted, keys)
    grub_tokens = GrubDefaults(text).tokens("GRUB_CMDLINE_LINUX")
    assert owned_tokens(grub_tokens, keys) == wanted
    assert without_keys(grub_tokens, keys) == without_keys(tokens, keys)
    assert grub_tokens == (tokens if owned_tokens(tokens, keys) == wanted else result)
