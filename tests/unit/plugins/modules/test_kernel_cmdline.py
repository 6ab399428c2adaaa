# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmpod.core.kernel_cmdline run as Ansible runs it, on a GRUB defaults file and a fake
/proc/cmdline in a temporary directory (and a stand-in grubby)."""

import json
import os
import stat
import sys
import textwrap
from unittest import mock

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.vmpod.core.plugins.modules import kernel_cmdline

GRUB = textwrap.dedent('''\
    GRUB_DEFAULT=0
    GRUB_CMDLINE_LINUX_DEFAULT="quiet"
    GRUB_CMDLINE_LINUX="console=ttyS0 isolcpus=1,3,5,7"
    ''')
RUNNING = "BOOT_IMAGE=/boot/vmlinuz root=UUID=1 ro console=ttyS0 isolcpus=1,3,5,7 quiet\n"


def run_module(capsys, check_mode=False, **args):
    if check_mode:
        args["_ansible_check_mode"] = True
    payload = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    with mock.patch.object(basic, "_ANSIBLE_ARGS", payload), \
            mock.patch.object(basic, "_ANSIBLE_PROFILE", "legacy", create=True):
        with pytest.raises(SystemExit):
            kernel_cmdline.main()
    out, _err = capsys.readouterr()
    return json.loads(out)


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
