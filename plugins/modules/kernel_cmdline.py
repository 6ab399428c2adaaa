#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kernel_cmdline
short_description: Manage kernel command line arguments in the boot loader, key by key
version_added: 0.1.0
description:
  - Sets the boot loader's kernel command line so that the parameters this task owns (the
    names of O(arguments) and O(keys)) appear exactly as O(arguments) say, once each, and leaves
    every other argument as it is.
  - Tokens are compared exactly, so C(isolcpus=1,3,5) is not C(isolcpus=1,3,5,7). A parameter
    given twice in O(arguments) (C(hugepagesz=1G hugepages=4 hugepagesz=2M hugepages=512)) is
    kept in that order; any other token of an owned parameter is removed. The kernel reads
    C(-) and C(_) in parameter names alike, and so does this module.
  - With GRUB (O(bootloader=grub)) the module edits O(grub_variable) in O(grub_defaults), removes
    the owned parameters from C(GRUB_CMDLINE_LINUX_DEFAULT), and runs the distribution's
    generator (C(update-grub), C(grub2-mkconfig) or C(grub-mkconfig)) when the file changed or
    when the generated configuration is older than it (a previous run that stopped midway).
    O(grub_defaults) is read as the shell reads it, values written over several lines
    included; a value that changes is written back on one line.
  - With C(grubby) (O(bootloader=grubby), the RHEL family) the module updates the arguments of
    every installed kernel through C(grubby --update-kernel), checks the result with
    C(grubby --info=ALL), and keeps O(grub_defaults) in step when it exists.
  - With C(rpm-ostree) (O(bootloader=rpm-ostree); RHCOS, Fedora CoreOS) the module reads the
    arguments of the deployment that boots next with C(rpm-ostree kargs), and when the owned
    ones differ runs one C(rpm-ostree kargs) with a C(--delete) for each owned token and an
    C(--append) for each wanted one, which stages a new deployment; then it reads them back.
  - With systemd-boot (O(bootloader=systemd-boot)) the module edits the C(options) lines of the
    Boot Loader Specification entries of the installed kernels (in O(bls_entries_dir)) and
    O(kernel_cmdline_file), which C(kernel-install) copies into the entries of kernels installed
    later. When O(kernel_cmdline_file) is missing and something changes, it is created from the
    options of the newest entry.
  - The module also compares the owned parameters of the running kernel (O(proc_cmdline)) with
    O(arguments), and returns RV(reboot_required). It never reboots.
  - When no boot loader is found (RV(bootloader=none)) and there is nothing to write (O(state=absent)
    or no O(arguments)), the module changes nothing and only compares the running kernel, with a
    warning when it still has owned parameters.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.changes
options:
  arguments:
    description:
      - The wanted tokens of the owned parameters, in order, such as C(isolcpus=managed_irq,2-3)
        or C(nosoftlockup).
      - A token has a parameter name (letters, digits, C(_), C(-), C(.)), no blank outside double
        quotes, and none of C($), C(`), C(\\), C(') (GRUB's shell would expand them).
    type: list
    elements: str
    default: []
  keys:
    description:
      - Further parameter names this task owns, besides those of O(arguments). Their tokens are
        removed unless O(arguments) lists them.
    type: list
    elements: str
    default: []
  state:
    description:
      - V(present) sets the owned parameters to O(arguments).
      - V(absent) removes every token of the owned parameters.
    type: str
    choices: [present, absent]
    default: present
  bootloader:
    description:
      - Where the arguments are written.
      - V(auto) takes the first found of V(rpm-ostree) (O(ostree_booted) exists and
        C(rpm-ostree) is installed), V(grubby) (installed), V(systemd-boot) (C(bootctl is-installed)
        succeeds) and V(grub) (O(grub_defaults) exists). When none is found the module fails if
        there are arguments to write, and otherwise only reads the running kernel.
    type: str
    choices: [auto, grub, grubby, rpm-ostree, systemd-boot]
    default: auto
  ostree_booted:
    description:
      - The file whose existence says that the host booted an ostree deployment, for
        O(bootloader=auto).
    type: path
    default: /run/ostree-booted
  kernel_cmdline_file:
    description:
      - With O(bootloader=systemd-boot), the kernel command line that C(kernel-install) gives the
        kernels installed later.
    type: path
    default: /etc/kernel/cmdline
  bls_entries_dir:
    description:
      - With O(bootloader=systemd-boot), the directory of the Boot Loader Specification entries
        (C(*.conf)); those with a C(linux) line are edited.
      - By default C(loader/entries) in the directory that C(bootctl --print-boot-path) prints.
    type: path
  grub_defaults:
    description: The GRUB defaults file.
    type: path
    default: /etc/default/grub
  grub_variable:
    description: The variable of O(grub_defaults) that receives the arguments.
    type: str
    choices: [GRUB_CMDLINE_LINUX, GRUB_CMDLINE_LINUX_DEFAULT]
    default: GRUB_CMDLINE_LINUX
  grub_config_command:
    description:
      - The command that generates GRUB's configuration from O(grub_defaults), as a list.
      - By default the first found of C(update-grub), C(grub2-mkconfig -o /boot/grub2/grub.cfg),
        C(grub-mkconfig -o /boot/grub/grub.cfg).
    type: list
    elements: str
  grub_config:
    description:
      - The configuration file that O(grub_config_command) writes; when it is older than
        O(grub_defaults) the command runs even though the arguments were already in place.
      - By default the C(-o) argument of the command, or C(/boot/grub/grub.cfg) for
        C(update-grub).
    type: path
  proc_cmdline:
    description: Where the running kernel's command line is read.
    type: path
    default: /proc/cmdline
notes:
  - Arguments set in C(/etc/default/grub.d/*.cfg) override O(grub_defaults); the module warns
    when such a file sets an owned parameter.
  - C(bootctl is-installed) says whether systemd-boot is on the EFI system partition, not whether
    it is the loader that boots; on a host that has it next to GRUB, set O(bootloader).
  - Unified kernel images carry their command line inside; with systemd-boot only their next
    build (from O(kernel_cmdline_file)) gets the arguments.
seealso:
  - name: The kernel's command-line parameters
    description: What each parameter means and how the kernel splits the command line.
    link: https://docs.kernel.org/admin-guide/kernel-parameters.html
  - name: The Boot Loader Specification
    description: The entries systemd-boot reads, and their C(options) lines.
    link: https://uapi-group.org/specifications/specs/boot_loader_specification/
"""

EXAMPLES = r"""
- name: Isolate CPUs 2-7 from the scheduler, timer ticks and RCU callbacks
  vmpod.core.kernel_cmdline:
    arguments:
      - isolcpus=managed_irq,domain,2-7
      - nohz_full=2-7
      - rcu_nocbs=2-7
      - irqaffinity=0-1
  register: isolation

- name: Boot-time hugepages; any other hugepage argument goes
  vmpod.core.kernel_cmdline:
    arguments: [default_hugepagesz=1G, hugepagesz=1G, hugepages=16, hugepagesz=2M, hugepages=1024]
    keys: [default_hugepagesz, hugepagesz, hugepages]

- name: No more CPU isolation
  vmpod.core.kernel_cmdline:
    keys: [isolcpus, nohz_full, rcu_nocbs, irqaffinity]
    state: absent

- name: CPU isolation on a CoreOS host, where rpm-ostree stages a new deployment
  vmpod.core.kernel_cmdline:
    arguments:
      - isolcpus=managed_irq,domain,2-7
      - nohz_full=2-7
    bootloader: rpm-ostree

- name: Tell when the running kernel lacks them
  ansible.builtin.debug:
    msg: "reboot needed for {{ isolation.missing | join(' ') }}"
  when: isolation.reboot_required
"""

RETURN = r"""
arguments:
  description: The tokens of the owned parameters the boot loader now holds (O(arguments), or
    V([]) with O(state=absent)).
  returned: always
  type: list
  elements: str
  sample: [isolcpus=managed_irq,domain,2-7, nohz_full=2-7]
argument_keys:
  description: The owned parameter names (of O(arguments) and O(keys)), C(-) written as C(_).
  returned: always
  type: list
  elements: str
  sample: [isolcpus, nohz_full]
bootloader:
  description: How the arguments were written, V(grub), V(grubby), V(rpm-ostree) or
    V(systemd-boot); V(none) when no boot loader was found and there was nothing to write.
  returned: always
  type: str
  sample: grub
cmdline:
  description: The tokens of O(grub_variable) after the change; with V(grubby), of the default
    kernel; with V(rpm-ostree), of the deployment that boots next; with V(systemd-boot), of
    O(kernel_cmdline_file) (of the newest entry while there is no such file); V([]) with V(none).
  returned: always
  type: list
  elements: str
  sample: [console=ttyS0, isolcpus=managed_irq,domain,2-7, nohz_full=2-7]
added:
  description: Tokens of owned parameters that were not there before.
  returned: always
  type: list
  elements: str
  sample: [nohz_full=2-7]
removed:
  description: Tokens of owned parameters that are gone.
  returned: always
  type: list
  elements: str
  sample: [nohz_full=2-5]
running:
  description: The tokens of the owned parameters in the running kernel's command line.
  returned: always
  type: list
  elements: str
  sample: [isolcpus=managed_irq,domain,2-5]
missing:
  description: Wanted tokens that the running kernel lacks.
  returned: always
  type: list
  elements: str
  sample: [nohz_full=2-7]
unexpected:
  description: Tokens of owned parameters that the running kernel has but should not.
  returned: always
  type: list
  elements: str
  sample: [nohz_full=2-5]
reboot_required:
  description: Whether the running kernel's owned parameters differ from O(arguments), so that
    only a reboot makes the change take effect.
  returned: always
  type: bool
  sample: true
overrides:
  description: Files of C(/etc/default/grub.d) that set an owned parameter, and which (each is
    also a warning).
  returned: with GRUB
  type: list
  elements: str
  sample: ["/etc/default/grub.d/50-cloudimg-settings.cfg sets isolcpus=4, which overrides /etc/default/grub"]
config_regenerated:
  description: Whether the GRUB configuration was generated again.
  returned: always
  type: bool
  sample: true
"""

import glob
import os
import shutil
import tempfile
from dataclasses import dataclass

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.vmpod.core.plugins.module_utils.values.paths import check_paths
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.hostfacts.bootloaders import (
    AUTO_ORDER,
    bls_entry_arguments,
    bls_entry_with_arguments,
    cmdline_file_with_arguments,
    is_linux_entry,
    kargs_after,
    kargs_options,
    kernel_install_fallback,
    version_order,
)
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

GENERATORS = (
    (["update-grub"], "/boot/grub/grub.cfg"),
    (["grub2-mkconfig", "-o", "/boot/grub2/grub.cfg"], "/boot/grub2/grub.cfg"),
    (["grub-mkconfig", "-o", "/boot/grub/grub.cfg"], "/boot/grub/grub.cfg"),
)


def read_text(path):
    with open(path) as handle:
        return handle.read()


def write_atomically(path, text):
    """Replace ``path`` with ``text`` in one rename, keeping its mode."""
    directory = os.path.dirname(path) or "."
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".vmpod-")
    try:
        with os.fdopen(handle, "w") as out:
            out.write(text)
        if os.path.exists(path):
            shutil.copymode(path, temporary)
        else:
            os.chmod(temporary, 0o644)
        os.rename(temporary, path)
    except Exception:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def run_checked(module, command, **result):
    """The output of ``command``; the task fails when it does."""
    rc, out, err = module.run_command(command)
    if rc != 0:
        module.fail_json(msg="%s failed (rc %d): %s"
                         % (" ".join(command), rc, (err or out).strip()), **result)
    return out


def installed(module, program):
    """The path of ``program``; the task fails when it is not installed."""
    path = module.get_bin_path(program)
    if not path:
        module.fail_json(msg="bootloader: '%s' is not installed on this host" % program)
    return path


# --- which boot loader ------------------------------------------------------------------------

def has_rpm_ostree(module):
    return os.path.exists(module.params["ostree_booted"]) and bool(module.get_bin_path("rpm-ostree"))


def has_grubby(module):
    return bool(module.get_bin_path("grubby"))


def has_systemd_boot(module):
    bootctl = module.get_bin_path("bootctl")
    return bool(bootctl) and module.run_command([bootctl, "is-installed"])[0] == 0


def has_grub(module):
    return os.path.exists(module.params["grub_defaults"])


FOUND = {"rpm-ostree": has_rpm_ostree, "grubby": has_grubby, "systemd-boot": has_systemd_boot,
         "grub": has_grub}


def looked_for(module):
    return ("rpm-ostree (%s and the rpm-ostree command), grubby, systemd-boot (bootctl is-installed) "
            "and GRUB (%s)" % (module.params["ostree_booted"], module.params["grub_defaults"]))


def chosen_bootloader(module, wanted):
    """The boot loader to write to: the one asked for, or the first found (``AUTO_ORDER``);
    ``none`` when none is found and there is nothing to write."""
    if module.params["bootloader"] != "auto":
        return module.params["bootloader"]
    for name in AUTO_ORDER:
        if FOUND[name](module):
            return name
    if wanted:
        module.fail_json(msg="no boot loader found to write %s to: looked for %s. Set the bootloader "
                             "option if the host has one of them." % (" ".join(wanted), looked_for(module)))
    return "none"


# --- GRUB ---------------------------------------------------------------------------------------

def generator(module):
    """The GRUB configuration command and the file it writes."""
    command = module.params["grub_config_command"]
    if command:
        target = module.params["grub_config"]
        if target is None and "-o" in command[:-1]:
            target = command[command.index("-o") + 1]
        return command, target
    for command, target in GENERATORS:
        program = module.get_bin_path(command[0])
        if program:
            return [program] + command[1:], module.params["grub_config"] or target
    module.fail_json(msg="no GRUB configuration generator found (update-grub, grub2-mkconfig, "
                         "grub-mkconfig): install GRUB or set grub_config_command")


def stale(defaults_path, config_path):
    """Whether the generated configuration predates the defaults file."""
    if not config_path or not os.path.exists(config_path):
        return True
    return os.path.getmtime(config_path) < os.path.getmtime(defaults_path)


def override_warnings(defaults_path, keys):
    """Warnings for grub.d snippets that set an owned parameter (they win over the file)."""
    warnings = []
    owned = set(keys)
    for path in sorted(glob.glob(defaults_path + ".d/*.cfg")):
        try:
            grub = GrubDefaults(read_text(path))
            tokens = grub.tokens("GRUB_CMDLINE_LINUX") + grub.tokens("GRUB_CMDLINE_LINUX_DEFAULT")
        except (IOError, OSError, VmpodInputError):
            continue
        found = [token for token in tokens if argument_key(token) in owned]
        if found:
            warnings.append("%s sets %s, which overrides %s"
                            % (path, " ".join(found), defaults_path))
    return warnings


def apply_grub(module, wanted, keys, result):
    path = module.params["grub_defaults"]
    variable = module.params["grub_variable"]
    if not os.path.exists(path):
        module.fail_json(msg="grub_defaults: %s does not exist (is GRUB the boot loader?)" % path)
    before = read_text(path)
    after = grub_with_arguments(before, wanted, keys, variable=variable)
    old_tokens = GrubDefaults(before).tokens(variable) + \
        GrubDefaults(before).tokens("GRUB_CMDLINE_LINUX_DEFAULT")
    result["cmdline"] = GrubDefaults(after).tokens(variable)
    result["added"] = [t for t in wanted if t not in owned_tokens(old_tokens, keys)]
    result["removed"] = [t for t in owned_tokens(old_tokens, keys) if t not in wanted]
    result["overrides"] = override_warnings(path, keys)
    for warning in result["overrides"]:
        module.warn(warning)
    changed = after != before
    if changed:
        result["diff"] = {"before": before, "after": after, "before_header": path,
                          "after_header": path}
    command, target = generator(module)
    regenerate = changed or stale(path, target)
    if module.check_mode:
        return changed, regenerate
    if changed:
        write_atomically(path, after)
    if regenerate:
        run_checked(module, command, **result)
    return changed, regenerate


# --- grubby -------------------------------------------------------------------------------------

def grubby_kernels(module, grubby):
    rc, out, err = module.run_command([grubby, "--info=ALL"])
    if rc != 0:
        module.fail_json(msg="grubby --info=ALL failed (rc %d): %s" % (rc, err.strip()))
    kernels = parse_grubby_info(out)
    if not kernels:
        module.fail_json(msg="grubby --info=ALL lists no kernel")
    return kernels


def apply_grubby(module, wanted, keys, result):
    grubby = installed(module, "grubby")
    kernels = grubby_kernels(module, grubby)
    changed_kernels = []
    added, removed = set(), set()
    for kernel, tokens in sorted(kernels.items()):
        have = owned_tokens(tokens, keys)
        if have != list(wanted):
            changed_kernels.append((kernel, have))
            added.update(t for t in wanted if t not in have)
            removed.update(t for t in have if t not in wanted)
    default_tokens = kernels[sorted(kernels)[0]]
    result["cmdline"] = with_arguments(default_tokens, wanted, keys)
    result["added"] = sorted(added)
    result["removed"] = sorted(removed)
    grub_changed = False
    if os.path.exists(module.params["grub_defaults"]):
        path = module.params["grub_defaults"]
        before = read_text(path)
        after = grub_with_arguments(before, wanted, keys, variable=module.params["grub_variable"])
        grub_changed = after != before
        if grub_changed and not module.check_mode:
            write_atomically(path, after)
    if module.check_mode or not changed_kernels:
        return bool(changed_kernels) or grub_changed, False
    for kernel, have in changed_kernels:
        if have:
            run_checked(module, [grubby, "--update-kernel=" + kernel, "--remove-args=" + " ".join(have)])
        if wanted:
            run_checked(module, [grubby, "--update-kernel=" + kernel, "--args=" + " ".join(wanted)])
    for kernel, tokens in sorted(grubby_kernels(module, grubby).items()):
        if owned_tokens(tokens, keys) != list(wanted):
            module.fail_json(msg="grubby left kernel %s with %s instead of %s" % (
                kernel, " ".join(owned_tokens(tokens, keys)) or "nothing", " ".join(wanted)),
                **result)
    return True, False


# --- rpm-ostree ---------------------------------------------------------------------------------

def next_deployment_kargs(module, rpm_ostree):
    """The arguments of the deployment that boots next: ``rpm-ostree kargs`` without options
    prints them, on one line (of the pending deployment when one is staged)."""
    lines = [line for line in run_checked(module, [rpm_ostree, "kargs"]).splitlines() if line.strip()]
    return split_cmdline(lines[-1]) if lines else []


def apply_rpm_ostree(module, wanted, keys, result):
    rpm_ostree = installed(module, "rpm-ostree")
    before = next_deployment_kargs(module, rpm_ostree)
    have = owned_tokens(before, keys)
    options = kargs_options(before, wanted, keys)
    result["added"] = [t for t in wanted if t not in have]
    result["removed"] = [t for t in have if t not in wanted]
    result["cmdline"] = kargs_after(before, wanted, keys)
    if options:
        result["diff"] = {"before": " ".join(before) + "\n", "after": " ".join(result["cmdline"]) + "\n",
                          "before_header": "rpm-ostree kargs", "after_header": "rpm-ostree kargs"}
    if not options or module.check_mode:
        return bool(options), False
    run_checked(module, [rpm_ostree, "kargs"] + options, **result)
    result["cmdline"] = after = next_deployment_kargs(module, rpm_ostree)
    if owned_tokens(after, keys) != list(wanted):
        module.fail_json(msg="rpm-ostree kargs left %s instead of %s" % (
            " ".join(owned_tokens(after, keys)) or "nothing", " ".join(wanted) or "nothing"), **result)
    return True, False


# --- systemd-boot -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileEdit:
    """A file's text before (None: the file does not exist yet) and after; ``tokens`` are the
    kernel arguments it held before."""

    path: str
    before: object
    after: str
    tokens: list

    @property
    def changed(self):
        return self.after != self.before


def entries_dir(module):
    """bls_entries_dir, or loader/entries where bootctl says the entries go (the XBOOTLDR
    partition when there is one, else the EFI system partition)."""
    if module.params["bls_entries_dir"]:
        return module.params["bls_entries_dir"]
    bootctl = module.get_bin_path("bootctl")
    if not bootctl:
        module.fail_json(msg="bls_entries_dir is not set and bootctl, which finds the boot partition, "
                             "is not installed on this host")
    boot = run_checked(module, [bootctl, "--print-boot-path"]).strip()
    return os.path.join(boot, "loader", "entries")


def linux_entries(directory):
    """``(path, text)`` of the entries that boot a Linux kernel, the newest version last."""
    if not os.path.isdir(directory):
        return []
    paths = [os.path.join(directory, name)
             for name in sorted(os.listdir(directory), key=version_order) if name.endswith(".conf")]
    return [(path, text) for path, text in ((path, read_text(path)) for path in paths)
            if is_linux_entry(text)]


def cmdline_file_edit(module, entry_edits, newest_entry, wanted, keys):
    """The edit of the kernel_cmdline_file, or None. A missing file (kernel-install then falls
    back to /usr/lib/kernel/cmdline or /proc/cmdline) is created from the newest entry's options,
    when anything changes."""
    path = module.params["kernel_cmdline_file"]
    if os.path.exists(path):
        before = read_text(path)
        return FileEdit(path, before, cmdline_file_with_arguments(before, wanted, keys), split_cmdline(before))
    if newest_entry is not None:
        seed = bls_entry_arguments(newest_entry)
    else:
        seed = kernel_install_fallback(split_cmdline(read_text(module.params["proc_cmdline"])))
    text = " ".join(seed) + "\n"
    after = cmdline_file_with_arguments(text, wanted, keys)
    if after == text and not any(edit.changed for edit in entry_edits):
        return None
    return FileEdit(path, None, after, seed)


def added_and_removed(edits, wanted, keys):
    """Wanted tokens some file lacked, and owned tokens some file had that are not wanted."""
    added, removed = [], []
    for edit in edits:
        have = owned_tokens(edit.tokens, keys)
        added += [t for t in wanted if t not in have and t not in added]
        removed += [t for t in have if t not in wanted and t not in removed]
    return added, removed


def apply_systemd_boot(module, wanted, keys, result):
    directory = entries_dir(module)
    entries = linux_entries(directory)
    if not entries:
        module.warn("no Boot Loader Specification entry of a Linux kernel in %s: only %s is set, for "
                    "the kernels installed from now on" % (directory, module.params["kernel_cmdline_file"]))
    edits = [FileEdit(path, text, bls_entry_with_arguments(text, wanted, keys), bls_entry_arguments(text))
             for path, text in entries]
    cmdline_edit = cmdline_file_edit(module, edits, entries[-1][1] if entries else None, wanted, keys)
    if cmdline_edit is not None:
        edits.insert(0, cmdline_edit)
        result["cmdline"] = split_cmdline(cmdline_edit.after)
    else:
        result["cmdline"] = bls_entry_arguments(entries[-1][1]) if entries else []
    result["added"], result["removed"] = added_and_removed(edits, wanted, keys)
    changed = [edit for edit in edits if edit.changed]
    if changed:
        result["diff"] = [{"before": edit.before or "", "after": edit.after,
                           "before_header": edit.path if edit.before is not None else "%s (absent)" % edit.path,
                           "after_header": edit.path} for edit in changed]
    if not module.check_mode:
        for edit in changed:
            if edit.before is None:
                os.makedirs(os.path.dirname(edit.path) or ".", exist_ok=True)
            write_atomically(edit.path, edit.after)
    return bool(changed), False


def apply_none(module, wanted, keys, result):
    result["cmdline"] = []
    return False, False


APPLY = {"grub": apply_grub, "grubby": apply_grubby, "rpm-ostree": apply_rpm_ostree,
         "systemd-boot": apply_systemd_boot, "none": apply_none}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            arguments=dict(type="list", elements="str", default=[]),
            keys=dict(type="list", elements="str", default=[], no_log=False),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            bootloader=dict(type="str", default="auto",
                            choices=["auto", "grub", "grubby", "rpm-ostree", "systemd-boot"]),
            ostree_booted=dict(type="path", default="/run/ostree-booted"),
            kernel_cmdline_file=dict(type="path", default="/etc/kernel/cmdline"),
            bls_entries_dir=dict(type="path"),
            grub_defaults=dict(type="path", default="/etc/default/grub"),
            grub_variable=dict(type="str", default="GRUB_CMDLINE_LINUX",
                               choices=["GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"]),
            grub_config_command=dict(type="list", elements="str"),
            grub_config=dict(type="path"),
            proc_cmdline=dict(type="path", default="/proc/cmdline"),
        ),
        supports_check_mode=True,
    )
    try:  # before any file is opened: a NUL byte or a lone surrogate would raise inside a read
        check_paths(module.params, module.argument_spec)
    except VmpodInputError as exc:
        module.fail_json(msg=to_native(exc))
    params = module.params
    try:
        wanted = check_arguments(params["arguments"], "arguments")
        keys = check_keys([t.split("=", 1)[0] for t in wanted], "arguments") + \
            check_keys(params["keys"], "keys")
    except VmpodInputError as exc:
        module.fail_json(msg=str(exc))
    keys = list(dict.fromkeys(keys))
    if params["state"] == "absent":
        wanted = []
    result = dict(changed=False, arguments=wanted, argument_keys=keys, added=[], removed=[],
                  config_regenerated=False)

    result["bootloader"] = bootloader = chosen_bootloader(module, wanted)
    try:
        changed, regenerated = APPLY[bootloader](module, wanted, keys, result)
        running = split_cmdline(read_text(params["proc_cmdline"]))
    except VmpodInputError as exc:
        module.fail_json(msg=str(exc))
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read or write %s: %s" % (exc.filename, exc.strerror))
    missing, unexpected = pending_arguments(running, wanted, keys)
    if bootloader == "none" and unexpected:
        module.warn("the running kernel has %s, but no boot loader was found to remove them from "
                    "(looked for %s)" % (" ".join(unexpected), looked_for(module)))
    result.update(changed=changed or regenerated, config_regenerated=regenerated,
                  running=owned_tokens(running, keys), missing=missing, unexpected=unexpected,
                  reboot_required=bool(missing or unexpected))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
