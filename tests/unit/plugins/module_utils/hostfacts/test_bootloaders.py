# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rpm-ostree kargs options and systemd-boot's files, edited key by key.

The rpm-ostree model below follows the daemon (src/daemon/rpmostreed-transaction-types.cxx,
kernel_arg_apply_patching: every --delete, then every --append at the end) and libostree
(src/libostree/ostree-kernel-args.c, ostree_kernel_args_delete: KEY=VALUE removes the first
token equal to it; a bare KEY needs the key to have one value, or a bare occurrence). The entry
format is the Boot Loader Specification's (type #1: ``key value`` lines, ``#`` comments,
``options`` may repeat and is then joined in order); /etc/kernel/cmdline is read whole, blank
separated, by kernel-install's 90-loaderentry.install.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.bootloaders import (
    AUTO_ORDER,
    bls_entry_arguments,
    bls_entry_with_arguments,
    cmdline_file_with_arguments,
    groups_with_arguments,
    is_linux_entry,
    kargs_after,
    kargs_options,
    kernel_install_fallback,
    version_order,
)
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.kernel_args import (
    argument_key,
    check_keys,
    owned_tokens,
)

HUGEPAGE_KEYS = ["default_hugepagesz", "hugepagesz", "hugepages"]


def without_keys(tokens, keys):
    return [token for token in tokens if argument_key(token) not in set(keys)]


def rpm_ostree_kargs(current, options):
    """What rpm-ostree stages for ``rpm-ostree kargs OPTIONS`` (deletes, then appends)."""
    kargs = list(current)
    for option in options:
        if option.startswith("--delete="):
            key, sep, value = option[len("--delete="):].partition("=")
            same_key = [index for index, token in enumerate(kargs) if token.partition("=")[0] == key]
            values = [kargs[index].partition("=")[2] if "=" in kargs[index] else None for index in same_key]
            wanted = value if sep else None
            assert same_key, "No key '%s' found" % key
            if len(same_key) == 1:
                assert wanted is None or wanted == values[0], "No karg '%s' found" % option
                del kargs[same_key[0]]
            else:
                assert wanted in values, "Multiple values for key, or no such karg: %s" % option
                del kargs[same_key[values.index(wanted)]]
    return kargs + [option[len("--append="):] for option in options if option.startswith("--append=")]


def test_auto_looks_for_rpm_ostree_grubby_systemd_boot_then_grub():
    assert AUTO_ORDER == ("rpm-ostree", "grubby", "systemd-boot", "grub")


def test_kargs_options_delete_every_owned_token_then_append_the_wanted():
    current = ["rhgb", "hugepagesz=2M", "hugepages=8", "ostree=/ostree/boot.1/x", "hugepagesz=2M"]
    wanted = ["hugepagesz=1G", "hugepages=4", "hugepagesz=2M", "hugepages=512"]
    options = kargs_options(current, wanted, HUGEPAGE_KEYS)
    assert options == ["--delete=hugepagesz=2M", "--delete=hugepages=8", "--delete=hugepagesz=2M",
                       "--append=hugepagesz=1G", "--append=hugepages=4", "--append=hugepagesz=2M",
                       "--append=hugepages=512"]
    staged = rpm_ostree_kargs(current, options)
    assert staged == ["rhgb", "ostree=/ostree/boot.1/x"] + wanted == kargs_after(current, wanted, HUGEPAGE_KEYS)


def test_kargs_options_none_when_the_owned_tokens_are_right():
    current = ["rhgb", "isolcpus=2-3", "quiet"]
    assert kargs_options(current, ["isolcpus=2-3"], ["isolcpus"]) == []
    assert kargs_after(current, ["isolcpus=2-3"], ["isolcpus"]) == current


def test_kargs_options_absent():
    assert kargs_options(["ro", "nosmt", "isolcpus=1"], [], ["nosmt", "isolcpus"]) == [
        "--delete=nosmt", "--delete=isolcpus=1"]


KEY = st.sampled_from(["isolcpus", "nohz_full", "ro", "quiet", "hugepages", "hugepagesz", "nosmt"])
TOKEN = st.builds(lambda k, v: k if v is None else "%s=%s" % (k, v), KEY,
                  st.one_of(st.none(), st.sampled_from(["1", "2-3", "1G"])))


@given(st.lists(TOKEN, max_size=8), st.lists(TOKEN, max_size=4), st.sets(KEY, max_size=3))
def test_kargs_options_give_exactly_the_wanted_tokens(current, wanted, extra_keys):
    keys = check_keys([t.split("=")[0] for t in wanted] + sorted(extra_keys), "keys")
    staged = rpm_ostree_kargs(current, kargs_options(current, wanted, keys))
    assert staged == kargs_after(current, wanted, keys)
    assert owned_tokens(staged, keys) == wanted
    assert without_keys(staged, keys) == without_keys(current, keys)
    assert kargs_options(staged, wanted, keys) == []


def test_groups_put_the_wanted_tokens_where_the_first_owned_one_was():
    groups = [["root=UUID=1", "ro"], ["quiet", "isolcpus=1"], ["isolcpus=2", "rhgb"]]
    assert groups_with_arguments(groups, ["isolcpus=3"], ["isolcpus"]) == [
        ["root=UUID=1", "ro"], ["quiet", "isolcpus=3"], ["rhgb"]]
    assert groups_with_arguments([["ro"], ["quiet"]], ["nosmt"], ["nosmt"]) == [["ro"], ["quiet", "nosmt"]]


@given(st.lists(st.lists(TOKEN, max_size=4), min_size=1, max_size=3), st.lists(TOKEN, max_size=4))
def test_groups_read_as_one_command_line(groups, wanted):
    keys = check_keys([t.split("=")[0] for t in wanted] + ["nosmt"], "keys")
    new = groups_with_arguments(groups, wanted, keys)
    flat = [token for group in new for token in group]
    assert owned_tokens(flat, keys) == wanted
    assert without_keys(flat, keys) == without_keys([t for g in groups for t in g], keys)
    assert groups_with_arguments(new, wanted, keys) == new


# --- Boot Loader Specification entries --------------------------------------------------------

ENTRY = """# /boot/loader/entries/6a9857a393724b7a981ebb5b8495b9ea-6.8.0-1.fc40.x86_64.conf
title        Fedora Linux 40
version      6.8.0-1.fc40.x86_64
machine-id   6a9857a393724b7a981ebb5b8495b9ea
options      root=UUID=6d3376e4-fc93-4509-95ec-a21d68011da2 ro isolcpus=1
options\tquiet isolcpus=2 rhgb
linux        /6a9857a393724b7a981ebb5b8495b9ea/6.8.0-1.fc40.x86_64/linux
initrd       /6a9857a393724b7a981ebb5b8495b9ea/6.8.0-1.fc40.x86_64/initrd
"""


def test_entry_options_lines_are_joined_in_order():
    assert bls_entry_arguments(ENTRY) == [
        "root=UUID=6d3376e4-fc93-4509-95ec-a21d68011da2", "ro", "isolcpus=1", "quiet", "isolcpus=2",
        "rhgb"]


def test_entry_owned_tokens_replaced_other_lines_kept():
    out = bls_entry_with_arguments(ENTRY, ["isolcpus=2-3", "nohz_full=2-3"], ["isolcpus", "nohz_full"])
    assert out == ENTRY.replace(" ro isolcpus=1\n", " ro isolcpus=2-3 nohz_full=2-3\n").replace(
        "options\tquiet isolcpus=2 rhgb", "options\tquiet rhgb")
    assert bls_entry_with_arguments(out, ["isolcpus=2-3", "nohz_full=2-3"], ["isolcpus", "nohz_full"]) == out


def test_entry_unchanged_when_right():
    text = ENTRY.replace(" isolcpus=2 ", " ")
    assert bls_entry_with_arguments(text, ["isolcpus=1"], ["isolcpus"]) == text


def test_entry_options_line_left_empty_goes_and_one_is_added_when_missing():
    text = "title x\noptions isolcpus=1\nlinux /vmlinuz\n"
    assert bls_entry_with_arguments(text, [], ["isolcpus"]) == "title x\nlinux /vmlinuz\n"
    assert bls_entry_with_arguments("title x\nlinux /vmlinuz", ["nosmt"], ["nosmt"]) == \
        "title x\nlinux /vmlinuz\noptions nosmt\n"
    assert bls_entry_with_arguments("linux /vmlinuz\noptions\n", ["nosmt"], ["nosmt"]) == \
        "linux /vmlinuz\noptions nosmt\n"


def test_only_entries_with_a_linux_line_boot_a_kernel():
    assert is_linux_entry(ENTRY)
    assert not is_linux_entry("title Windows\nefi /EFI/Microsoft/Boot/bootmgfw.efi\n")
    assert not is_linux_entry("# linux /vmlinuz\nefi /shell.efi\n")


# --- /etc/kernel/cmdline ----------------------------------------------------------------------

@pytest.mark.parametrize("text, wanted, out", [
    ("root=UUID=1 ro isolcpus=1 quiet\n", ["isolcpus=2"], "root=UUID=1 ro isolcpus=2 quiet\n"),
    ("root=UUID=1 ro\nquiet isolcpus=1\n", [], "root=UUID=1 ro\nquiet\n"),
    ("root=UUID=1 ro\nisolcpus=1\n", [], "root=UUID=1 ro\n"),
    ("root=UUID=1 ro", ["isolcpus=2"], "root=UUID=1 ro isolcpus=2"),
    ("", ["isolcpus=2"], "isolcpus=2\n"),
    ("", [], ""),
])
def test_cmdline_file(text, wanted, out):
    assert cmdline_file_with_arguments(text, wanted, ["isolcpus"]) == out
    assert cmdline_file_with_arguments(out, wanted, ["isolcpus"]) == out


def test_cmdline_file_unchanged_when_right():
    text = "root=UUID=1  ro\tisolcpus=2\n"
    assert cmdline_file_with_arguments(text, ["isolcpus=2"], ["isolcpus"]) == text


def test_kernel_install_fallback_drops_what_the_boot_loader_added():
    assert kernel_install_fallback(["BOOT_IMAGE=/vmlinuz-6.8", "initrd=\\initrd", "root=UUID=1", "ro"]) == [
        "root=UUID=1", "ro"]


def test_version_order():
    names = ["m-6.10.0.conf", "m-6.9.0.conf", "m-6.9.12.conf", "m-5.14.0.conf"]
    assert sorted(names, key=version_order) == ["m-5.14.0.conf", "m-6.9.0.conf", "m-6.9.12.conf", "m-6.10.0.conf"]
