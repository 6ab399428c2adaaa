# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.kernel_cmdline run as Ansible runs it, on a GRUB defaults file, systemd-boot's
files and a fake /proc/cmdline in a temporary directory, with stand-ins for grubby, rpm-ostree
and bootctl that keep their state in a file and print what the real programs print."""

import json
import os
import stat
import sys
import textwrap
import types
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common import warnings

from ansible_collections.vmpod.core.plugins.modules import kernel_cmdline

from vmpod_modules import module_result

try:
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # ansible-core before 2.19 has no controller switch
    module_utils_internal = types.SimpleNamespace()

GRUB = textwrap.dedent('''\
    GRUB_DEFAULT=0
    GRUB_CMDLINE_LINUX_DEFAULT="quiet"
    GRUB_CMDLINE_LINUX="console=ttyS0 isolcpus=1,3,5,7"
    ''')
RUNNING = "BOOT_IMAGE=/boot/vmlinuz root=UUID=1 ro console=ttyS0 isolcpus=1,3,5,7 quiet\n"


def run_module(capsys, check_mode=False, **args):
    # warnings go with the result, fresh for each run, as on a managed host (once controller code
    # is imported, as the filter tests do, ansible-core would print them instead)
    return module_result(kernel_cmdline.main, capsys, args, check_mode=True if check_mode else None, patches=[
        mock.patch.object(warnings, "_global_warnings", type(warnings._global_warnings)()),
        mock.patch.object(module_utils_internal, "is_controller", False, create=True)])


@pytest.fixture
def host(tmp_path):
    (tmp_path / "grub").write_text(GRUB)
    (tmp_path / "cmdline").write_text(RUNNING)
    log = tmp_path / "generated"
    common = {
        "bootloader": "grub",
        "grub_defaults": str(tmp_path / "grub"),
        "proc_cmdline": str(tmp_path / "cmdline"),
        "grub_config_command": [sys.executable, "-c",
                                "import sys; open(sys.argv[1], 'a').write('run\\n')", str(log)],
        "grub_config": str(log),
    }
    return tmp_path, common


def warnings_of(result):
    """The warning texts of a result (ansible-core 2.19 returns each as a summary of an event)."""
    return [w if isinstance(w, str) else w["event"]["msg"] for w in result.get("warnings", [])]


def generator_runs(tmp_path):
    path = tmp_path / "generated"
    return path.read_text().count("run") if path.exists() else 0


def test_sets_exact_tokens_keeps_others_and_is_idempotent(capsys, host):
    tmp_path, common = host
    args = dict(common, arguments=["isolcpus=managed_irq,domain,1,3,5", "nohz_full=1,3,5"])
    result = run_module(capsys, **args)
    assert result["changed"] and result["config_regenerated"]
    assert result["cmdline"] == ["console=ttyS0", "isolcpus=managed_irq,domain,1,3,5",
                                 "nohz_full=1,3,5"]
    assert result["added"] == ["isolcpus=managed_irq,domain,1,3,5", "nohz_full=1,3,5"]
    assert result["removed"] == ["isolcpus=1,3,5,7"]
    assert result["running"] == ["isolcpus=1,3,5,7"]
    assert result["reboot_required"] is True
    assert result["unexpected"] == ["isolcpus=1,3,5,7"]
    assert 'GRUB_CMDLINE_LINUX="console=ttyS0 isolcpus=managed_irq,domain,1,3,5 nohz_full=1,3,5"' \
        in (tmp_path / "grub").read_text()
    assert generator_runs(tmp_path) == 1

    again = run_module(capsys, **args)
    assert not again["changed"] and not again["config_regenerated"]
    assert generator_runs(tmp_path) == 1

    # after the reboot, /proc/cmdline holds them: nothing is pending
    (tmp_path / "cmdline").write_text(
        "ro console=ttyS0 isolcpus=managed_irq,domain,1,3,5 nohz_full=1,3,5 quiet\n")
    booted = run_module(capsys, **args)
    assert booted["reboot_required"] is False and booted["missing"] == []


def test_check_mode_changes_nothing(capsys, host):
    tmp_path, common = host
    result = run_module(capsys, check_mode=True, **dict(common, arguments=["nohz_full=1"]))
    assert result["changed"] and result["reboot_required"]
    assert (tmp_path / "grub").read_text() == GRUB
    assert generator_runs(tmp_path) == 0


def test_diff(capsys, host):
    tmp_path, common = host
    args = dict(common, arguments=["nohz_full=1"], _ansible_diff=True)
    result = run_module(capsys, **args)
    assert result["diff"]["before"] == GRUB
    assert "nohz_full=1" in result["diff"]["after"]


def test_a_stale_configuration_is_generated_again(capsys, host):
    tmp_path, common = host
    args = dict(common, arguments=["isolcpus=1,3,5,7"])
    (tmp_path / "generated").write_text("")
    os.utime(str(tmp_path / "generated"), (1, 1))  # older than the defaults file
    result = run_module(capsys, **args)
    assert result["changed"] and result["config_regenerated"]
    assert (tmp_path / "grub").read_text() == GRUB
    assert result["reboot_required"] is False


def test_absent_removes_every_token_of_the_keys(capsys, host):
    tmp_path, common = host
    (tmp_path / "grub").write_text(GRUB.replace('"quiet"', '"quiet isolcpus=9"'))
    result = run_module(capsys, **dict(common, keys=["isolcpus"], state="absent"))
    assert result["changed"]
    assert result["cmdline"] == ["console=ttyS0"]
    text = (tmp_path / "grub").read_text()
    assert "isolcpus" not in text and 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"' in text


def test_bad_argument_fails_naming_it_and_changes_nothing(capsys, host):
    tmp_path, common = host
    result = run_module(capsys, **dict(common, arguments=["ro", "isolcpus=$(id)"]))
    assert result["failed"]
    assert result["msg"].startswith("arguments[1]: 'isolcpus=$(id)' holds a character")
    assert (tmp_path / "grub").read_text() == GRUB
    assert generator_runs(tmp_path) == 0


def test_generator_failure_is_reported(capsys, host):
    tmp_path, common = host
    args = dict(common, arguments=["nohz_full=1"],
                grub_config_command=[sys.executable, "-c", "import sys; sys.exit('no space')"])
    result = run_module(capsys, **args)
    assert result["failed"] and "failed (rc 1): no space" in result["msg"]


def test_override_in_grub_d_warns(capsys, host):
    tmp_path, common = host
    (tmp_path / "grub.d").mkdir()
    (tmp_path / "grub.d" / "50-cloud.cfg").write_text('GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX isolcpus=4"\n')
    result = run_module(capsys, **dict(common, arguments=["isolcpus=1"]))
    assert result["overrides"] == ["%s sets isolcpus=4, which overrides %s" % (
        tmp_path / "grub.d" / "50-cloud.cfg", tmp_path / "grub")]


def test_missing_defaults_file(capsys, host):
    tmp_path, common = host
    result = run_module(capsys, **dict(common, grub_defaults=str(tmp_path / "nope"),
                                       arguments=["nosmt"]))
    assert result["failed"] and "does not exist" in result["msg"]


# --- grubby ---------------------------------------------------------------------------------

FAKE_GRUBBY = r'''#!PYTHON
"""A stand-in for BLS grubby: --info=ALL, --update-kernel=K --args/--remove-args."""
import json, sys
state_file = sys.argv[0] + ".json"
state = json.load(open(state_file))
opts = dict(a.split("=", 1) if "=" in a else (a, "") for a in sys.argv[1:])
if opts.get("--info") == "ALL":
    for index, (kernel, args) in enumerate(sorted(state.items())):
        print("index=%d" % index)
        print('kernel="%s"' % kernel)
        print('args="%s"' % " ".join(args))
    sys.exit(0)
kernel = opts["--update-kernel"]
args = state[kernel]
key = lambda t: t.split("=", 1)[0]
if "--remove-args" in opts:
    gone = opts["--remove-args"].split()
    args = [a for a in args if a not in gone]
if "--args" in opts:
    for new in opts["--args"].split():
        args.append(new)
state[kernel] = args
json.dump(state, open(state_file, "w"))
'''


def test_grubby_updates_every_kernel(capsys, tmp_path):
    grubby = tmp_path / "grubby"
    grubby.write_text(FAKE_GRUBBY.replace("PYTHON", sys.executable))
    grubby.chmod(grubby.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "grubby.json").write_text(json.dumps({
        "/boot/vmlinuz-5.14": ["ro", "isolcpus=2", "rhgb"],
        "/boot/vmlinuz-0-rescue": ["ro"],
    }))
    (tmp_path / "cmdline").write_text("ro isolcpus=2 rhgb\n")
    args = dict(bootloader="grubby", grub_defaults=str(tmp_path / "absent"),
                proc_cmdline=str(tmp_path / "cmdline"), arguments=["isolcpus=2-3", "nohz_full=2-3"])
    with mock.patch.object(basic.AnsibleModule, "get_bin_path",
                           lambda self, name, *a, **k: str(grubby) if name == "grubby" else None):
        result = run_module(capsys, **args)
        assert result["changed"] and result["bootloader"] == "grubby"
        state = json.loads((tmp_path / "grubby.json").read_text())
        assert state["/boot/vmlinuz-5.14"] == ["ro", "rhgb", "isolcpus=2-3", "nohz_full=2-3"]
        assert state["/boot/vmlinuz-0-rescue"] == ["ro", "isolcpus=2-3", "nohz_full=2-3"]
        assert result["reboot_required"] and result["missing"] == ["isolcpus=2-3", "nohz_full=2-3"]
        assert not run_module(capsys, **args)["changed"]


def test_grub_value_over_several_lines(capsys, host):
    tmp_path, common = host
    continued = ('GRUB_DEFAULT=0\n'
                 'GRUB_CMDLINE_LINUX="console=ttyS0 \\\n'
                 '    isolcpus=1,3,5,7 \\\n'
                 '    quiet"  # it\'s the serial console\n'
                 'GRUB_TIMEOUT=5\n')
    (tmp_path / "grub").write_text(continued)
    args = dict(common, arguments=["isolcpus=1,3,5,7"])
    (tmp_path / "generated").write_text("")
    result = run_module(capsys, **args)
    assert not result["changed"] and result["cmdline"] == ["console=ttyS0", "isolcpus=1,3,5,7", "quiet"]
    assert (tmp_path / "grub").read_text() == continued  # byte for byte

    result = run_module(capsys, **dict(args, arguments=["isolcpus=2-3"]))
    assert result["changed"] and result["removed"] == ["isolcpus=1,3,5,7"]
    written = (tmp_path / "grub").read_text()
    assert written == ('GRUB_DEFAULT=0\n'
                       'GRUB_CMDLINE_LINUX="console=ttyS0 isolcpus=2-3 quiet"  # it\'s the serial console\n'
                       'GRUB_TIMEOUT=5\n')
    assert not run_module(capsys, **dict(args, arguments=["isolcpus=2-3"]))["changed"]
    assert (tmp_path / "grub").read_text() == written


# --- finding the boot loader; rpm-ostree and systemd-boot stand-ins ---------------------------

FAKE_RPM_OSTREE = r'''#!PYTHON
"""A stand-in for `rpm-ostree kargs`. State: {"deployments": [kargs, ...]}, index 0 boots next.
Without options it prints the kargs of that deployment on one line; with --delete=/--append= it
applies every delete (KEY=VALUE: the first equal token; KEY: the key's only value, or a bare
one), then every append at the end, and stages a new deployment, as rpm-ostree does."""
import json, sys
state_file = sys.argv[0] + ".json"
open(sys.argv[0] + ".log", "a").write(" ".join(sys.argv[1:]) + "\n")
state = json.load(open(state_file))
if sys.argv[1:2] != ["kargs"]:
    sys.exit("error: unknown command")
deletes, appends = [], []
for arg in sys.argv[2:]:
    if arg.startswith("--delete="):
        deletes.append(arg[len("--delete="):])
    elif arg.startswith("--append="):
        appends.append(arg[len("--append="):])
    else:
        sys.exit("error: Unknown option %s" % arg)
kargs = state["deployments"][0].split()
if not deletes and not appends:
    print(" ".join(kargs))
    sys.exit(0)
def value(token):
    return token.split("=", 1)[1] if "=" in token else None
for arg in deletes:
    key = arg.split("=", 1)[0]
    same = [i for i, token in enumerate(kargs) if token.split("=", 1)[0] == key]
    if not same:
        sys.exit("error: No key '%s' found" % key)
    if len(same) == 1:
        if "=" in arg and value(arg) != value(kargs[same[0]]):
            sys.exit("error: No karg '%s' found" % arg)
        del kargs[same[0]]
        continue
    match = [i for i in same if value(kargs[i]) == value(arg)]
    if not match:
        sys.exit("error: Multiple values for key '%s' found" % arg if "=" not in arg else "error: No karg '%s' found" % arg)
    del kargs[match[0]]
if not state.get("drops_appends"):
    kargs += appends
state["deployments"].insert(0, " ".join(kargs))
json.dump(state, open(state_file, "w"))
print("Staging deployment... done")
print('Changes queued for next boot. Run "systemctl reboot" to start a reboot')
'''

FAKE_BOOTCTL = r'''#!PYTHON
"""A stand-in for bootctl: `is-installed` prints yes (exit 0) or no (exit 1); `--print-boot-path`
(-x) prints the XBOOTLDR partition's mount point, else the ESP's."""
import json, sys
state = json.load(open(sys.argv[0] + ".json"))
open(sys.argv[0] + ".log", "a").write(" ".join(sys.argv[1:]) + "\n")
if sys.argv[1:] == ["is-installed"]:
    print("yes" if state["installed"] else "no")
    sys.exit(0 if state["installed"] else 1)
if sys.argv[1:] in (["--print-boot-path"], ["-x"]):
    print(state["boot"])
    sys.exit(0)
sys.exit("Unknown command verb %s." % " ".join(sys.argv[1:]))
'''


@pytest.fixture
def tools(tmp_path, monkeypatch):
    """A directory for stand-in programs, first on PATH; get_bin_path looks only there, so that
    the boot tools of the machine running the tests stay out."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", "%s%s%s" % (bin_dir, os.pathsep, os.environ.get("PATH", "")))

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return str(bin_dir / name) if (bin_dir / name).exists() else None

    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", get_bin_path)
    return bin_dir


def install(bin_dir, name, source, state):
    program = bin_dir / name
    program.write_text(source.replace("PYTHON", sys.executable, 1))
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    (bin_dir / (name + ".json")).write_text(json.dumps(state))
    return program


def calls(bin_dir, name):
    log = bin_dir / (name + ".log")
    return log.read_text().splitlines() if log.exists() else []


def state_of(bin_dir, name):
    return json.loads((bin_dir / (name + ".json")).read_text())


@pytest.fixture
def bare_host(tmp_path):
    """Paths of a host with no boot loader configuration at all (the tests add some)."""
    (tmp_path / "cmdline").write_text("BOOT_IMAGE=/vmlinuz root=UUID=1 ro quiet\n")
    return dict(
        ostree_booted=str(tmp_path / "ostree-booted"),
        grub_defaults=str(tmp_path / "grub"),
        kernel_cmdline_file=str(tmp_path / "kernel" / "cmdline"),
        proc_cmdline=str(tmp_path / "cmdline"),
        grub_config_command=[sys.executable, "-c", "pass"],
        grub_config=str(tmp_path / "grub.cfg"),
    )


LOOKED_FOR = ("rpm-ostree ({tmp}/ostree-booted and the rpm-ostree command), grubby, systemd-boot "
              "(bootctl is-installed) and GRUB ({tmp}/grub)")


@pytest.mark.parametrize("present, expected", [
    ({"ostree-booted", "rpm-ostree", "grubby", "bootctl", "grub"}, "rpm-ostree"),
    ({"rpm-ostree", "grubby", "bootctl", "grub"}, "grubby"),  # not booted from ostree
    ({"ostree-booted", "bootctl", "grub"}, "systemd-boot"),  # rpm-ostree not installed
    ({"bootctl-no", "grub"}, "grub"),  # bootctl says systemd-boot is not installed
    ({"bootctl-no"}, "none"),
])
def test_auto_detection_order(capsys, tmp_path, tools, bare_host, present, expected):
    if "ostree-booted" in present:
        (tmp_path / "ostree-booted").write_text("")
    if "rpm-ostree" in present:
        install(tools, "rpm-ostree", FAKE_RPM_OSTREE, {"deployments": ["root=UUID=1 ro"]})
    if "grubby" in present:
        install(tools, "grubby", FAKE_GRUBBY, {"/boot/vmlinuz": ["ro"]})
    if present & {"bootctl", "bootctl-no"}:
        (tmp_path / "boot" / "loader" / "entries").mkdir(parents=True)
        install(tools, "bootctl", FAKE_BOOTCTL, {"installed": "bootctl" in present, "boot": str(tmp_path / "boot")})
    if "grub" in present:
        (tmp_path / "grub").write_text(GRUB)
        (tmp_path / "grub.cfg").write_text("")  # generated after it
    result = run_module(capsys, check_mode=True, **dict(bare_host, keys=["nosmt"]))
    assert not result.get("failed"), result.get("msg")
    assert result["bootloader"] == expected and not result["changed"]


def test_no_boot_loader_and_nothing_to_write_reads_the_running_kernel(capsys, tmp_path, tools, bare_host):
    # the hugepages role on a host that asks only for per-node pages
    hugepages = dict(bare_host, arguments=[], keys=["default_hugepagesz", "hugepagesz", "hugepages"])
    result = run_module(capsys, **hugepages)
    assert not result.get("failed") and result["bootloader"] == "none"
    assert not result["changed"] and result["cmdline"] == [] and result["added"] == [] == result["removed"]
    assert result["reboot_required"] is False and warnings_of(result) == []

    (tmp_path / "cmdline").write_text("root=UUID=1 ro hugepagesz=1G hugepages=4\n")
    result = run_module(capsys, **hugepages)
    assert result["bootloader"] == "none" and not result["changed"]
    assert result["running"] == result["unexpected"] == ["hugepagesz=1G", "hugepages=4"]
    assert result["reboot_required"] is True
    assert warnings_of(result) == [
        "the running kernel has hugepagesz=1G hugepages=4, but no boot loader was found to remove them "
        "from (looked for %s)" % LOOKED_FOR.format(tmp=tmp_path)]
    assert not (tmp_path / "grub").exists() and not (tmp_path / "kernel").exists()


def test_no_boot_loader_with_arguments_fails_naming_what_was_looked_for(capsys, tmp_path, tools, bare_host):
    result = run_module(capsys, **dict(bare_host, arguments=["hugepagesz=1G", "hugepages=4"]))
    assert result["failed"]
    assert result["msg"] == (
        "no boot loader found to write hugepagesz=1G hugepages=4 to: looked for %s. Set the bootloader "
        "option if the host has one of them." % LOOKED_FOR.format(tmp=tmp_path))


# --- rpm-ostree ---------------------------------------------------------------------------------

HUGEPAGES = ["hugepagesz=1G", "hugepages=4", "hugepagesz=2M", "hugepages=512"]
HUGEPAGE_KEYS = ["default_hugepagesz", "hugepagesz", "hugepages"]
COREOS_KARGS = ("mitigations=auto,nosmt ignition.platform.id=metal hugepages=8 "
                "ostree=/ostree/boot.1/fedora-coreos/abc/0 root=UUID=1 rw")


@pytest.fixture
def coreos(tmp_path, tools, bare_host):
    (tmp_path / "ostree-booted").write_text("")
    install(tools, "rpm-ostree", FAKE_RPM_OSTREE, {"deployments": [COREOS_KARGS]})
    (tmp_path / "cmdline").write_text("BOOT_IMAGE=(hd0,gpt3)/ostree/x/vmlinuz " + COREOS_KARGS + "\n")
    return dict(bare_host, arguments=HUGEPAGES, keys=HUGEPAGE_KEYS)


def test_rpm_ostree_sets_repeated_keys_in_order_with_one_command(capsys, tools, coreos):
    result = run_module(capsys, **coreos)
    assert result["changed"] and result["bootloader"] == "rpm-ostree"
    assert calls(tools, "rpm-ostree") == [
        "kargs",
        "kargs --delete=hugepages=8 --append=hugepagesz=1G --append=hugepages=4 "
        "--append=hugepagesz=2M --append=hugepages=512",
        "kargs"]
    staged = state_of(tools, "rpm-ostree")["deployments"][0].split()
    assert staged == COREOS_KARGS.replace(" hugepages=8", "").split() + HUGEPAGES
    assert result["cmdline"] == staged
    assert result["added"] == HUGEPAGES and result["removed"] == ["hugepages=8"]
    # a new deployment is staged; the running kernel still has the old arguments
    assert result["reboot_required"] and result["unexpected"] == ["hugepages=8"]

    again = run_module(capsys, **coreos)
    assert not again["changed"] and again["cmdline"] == staged
    assert calls(tools, "rpm-ostree")[3:] == ["kargs"]  # read only


def test_rpm_ostree_check_mode_runs_nothing_that_changes(capsys, tools, coreos):
    result = run_module(capsys, check_mode=True, **coreos)
    assert result["changed"] and result["added"] == HUGEPAGES
    assert result["cmdline"] == COREOS_KARGS.replace(" hugepages=8", "").split() + HUGEPAGES
    assert calls(tools, "rpm-ostree") == ["kargs"]
    assert state_of(tools, "rpm-ostree")["deployments"] == [COREOS_KARGS]


def test_rpm_ostree_absent(capsys, tools, coreos):
    result = run_module(capsys, **dict(coreos, state="absent"))
    assert result["changed"] and result["removed"] == ["hugepages=8"]
    assert calls(tools, "rpm-ostree")[1] == "kargs --delete=hugepages=8"
    assert "hugepages" not in state_of(tools, "rpm-ostree")["deployments"][0]


def test_rpm_ostree_result_is_checked(capsys, tools, coreos):
    install(tools, "rpm-ostree", FAKE_RPM_OSTREE, {"deployments": [COREOS_KARGS], "drops_appends": True})
    result = run_module(capsys, **coreos)
    assert result["failed"]
    assert result["msg"] == "rpm-ostree kargs left nothing instead of %s" % " ".join(HUGEPAGES)


# --- systemd-boot -------------------------------------------------------------------------------

MACHINE = "6a9857a393724b7a981ebb5b8495b9ea"


def entry(version, options):
    return ("title Fedora Linux\nversion %s\nmachine-id %s\n%s"
            "linux /%s/%s/linux\ninitrd /%s/%s/initrd\n"
            % (version, MACHINE, "".join("options %s\n" % line for line in options),
               MACHINE, version, MACHINE, version))


@pytest.fixture
def sdboot(tmp_path, tools, bare_host):
    """A host booting with systemd-boot: two kernels' entries (the older with its options over
    two lines), an EFI shell entry, /etc/kernel/cmdline; bootctl finds the entries."""
    entries = tmp_path / "efi" / "loader" / "entries"
    entries.mkdir(parents=True)
    (entries / ("%s-6.9.7.conf" % MACHINE)).write_text(entry("6.9.7", ["root=UUID=1 ro", "isolcpus=1 quiet"]))
    (entries / ("%s-6.10.2.conf" % MACHINE)).write_text(entry("6.10.2", ["root=UUID=1 ro isolcpus=1 quiet"]))
    (entries / "shell.conf").write_text("title EFI Shell\nefi /shellx64.efi\noptions isolcpus=1\n")
    (tmp_path / "kernel").mkdir()
    (tmp_path / "kernel" / "cmdline").write_text("root=UUID=1 ro isolcpus=1 quiet\n")
    install(tools, "bootctl", FAKE_BOOTCTL, {"installed": True, "boot": str(tmp_path / "efi")})
    return entries, dict(bare_host, arguments=["isolcpus=2-3", "nohz_full=2-3"])


def snapshot(directory):
    return {path: path.read_text() for path in sorted(directory.rglob("*")) if path.is_file()}


def test_systemd_boot_edits_entries_and_kernel_cmdline(capsys, tmp_path, tools, sdboot):
    entries, args = sdboot
    result = run_module(capsys, _ansible_diff=True, **args)
    assert result["changed"] and result["bootloader"] == "systemd-boot"
    assert calls(tools, "bootctl") == ["is-installed", "--print-boot-path"]
    assert (tmp_path / "kernel" / "cmdline").read_text() == "root=UUID=1 ro isolcpus=2-3 nohz_full=2-3 quiet\n"
    assert (entries / ("%s-6.10.2.conf" % MACHINE)).read_text() == entry(
        "6.10.2", ["root=UUID=1 ro isolcpus=2-3 nohz_full=2-3 quiet"])
    assert (entries / ("%s-6.9.7.conf" % MACHINE)).read_text() == entry(
        "6.9.7", ["root=UUID=1 ro", "isolcpus=2-3 nohz_full=2-3 quiet"])
    assert (entries / "shell.conf").read_text().endswith("options isolcpus=1\n")  # not a kernel's
    assert result["cmdline"] == ["root=UUID=1", "ro", "isolcpus=2-3", "nohz_full=2-3", "quiet"]
    assert result["added"] == ["isolcpus=2-3", "nohz_full=2-3"] and result["removed"] == ["isolcpus=1"]
    assert [diff["after_header"] for diff in result["diff"]] == [
        str(tmp_path / "kernel" / "cmdline"), str(entries / ("%s-6.9.7.conf" % MACHINE)),
        str(entries / ("%s-6.10.2.conf" % MACHINE))]

    written = snapshot(tmp_path / "efi")
    again = run_module(capsys, **args)
    assert not again["changed"] and "diff" not in again
    assert snapshot(tmp_path / "efi") == written


def test_systemd_boot_check_mode_writes_nothing(capsys, tmp_path, sdboot):
    entries, args = sdboot
    before = snapshot(tmp_path / "efi"), snapshot(tmp_path / "kernel")
    result = run_module(capsys, check_mode=True, **args)
    assert result["changed"] and result["added"] == ["isolcpus=2-3", "nohz_full=2-3"]
    assert (snapshot(tmp_path / "efi"), snapshot(tmp_path / "kernel")) == before


def test_systemd_boot_creates_a_missing_kernel_cmdline_from_the_newest_entry(capsys, tmp_path, sdboot):
    entries, args = sdboot
    (tmp_path / "kernel" / "cmdline").unlink()
    (tmp_path / "kernel").rmdir()
    (entries / ("%s-6.10.2.conf" % MACHINE)).write_text(entry("6.10.2", ["root=UUID=2 rw isolcpus=1"]))
    result = run_module(capsys, **args)
    assert result["changed"]
    assert (tmp_path / "kernel" / "cmdline").read_text() == "root=UUID=2 rw isolcpus=2-3 nohz_full=2-3\n"
    assert not run_module(capsys, **args)["changed"]


def test_systemd_boot_leaves_a_missing_kernel_cmdline_missing_when_nothing_changes(capsys, tmp_path, sdboot):
    entries, args = sdboot
    (tmp_path / "kernel" / "cmdline").unlink()
    result = run_module(capsys, **dict(args, arguments=["isolcpus=1"]))
    assert not result["changed"] and not (tmp_path / "kernel" / "cmdline").exists()
    assert result["cmdline"] == ["root=UUID=1", "ro", "isolcpus=1", "quiet"]


def test_systemd_boot_chosen_with_an_entries_directory_needs_no_bootctl(capsys, tmp_path, tools, sdboot):
    entries, args = sdboot
    (tools / "bootctl").unlink()
    result = run_module(capsys, **dict(args, bootloader="systemd-boot", bls_entries_dir=str(entries), state="absent",
                                       keys=["isolcpus"]))
    assert result["changed"] and result["removed"] == ["isolcpus=1"]
    assert "isolcpus" not in (entries / ("%s-6.9.7.conf" % MACHINE)).read_text()
    assert (tmp_path / "kernel" / "cmdline").read_text() == "root=UUID=1 ro quiet\n"


def test_systemd_boot_without_entries_sets_kernel_cmdline_and_warns(capsys, tmp_path, sdboot):
    # unified kernel images carry their command line: only the next build gets the arguments
    entries, args = sdboot
    for path in entries.iterdir():
        path.unlink()
    result = run_module(capsys, **args)
    assert result["changed"] and result["bootloader"] == "systemd-boot"
    assert (tmp_path / "kernel" / "cmdline").read_text() == "root=UUID=1 ro isolcpus=2-3 nohz_full=2-3 quiet\n"
    assert warnings_of(result) == [
        "no Boot Loader Specification entry of a Linux kernel in %s: only %s is set, for the kernels "
        "installed from now on" % (entries, tmp_path / "kernel" / "cmdline")]
