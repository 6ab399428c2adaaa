# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""render.yml stopped while it writes: interrupted (SIGINT to the whole run, as Ctrl-C) or its
ansible-playbook killed (SIGKILL), no worker process stays behind and no temporary file is
left; a temporary file of a run killed harder than that goes with the next render."""

import glob
import os
import signal
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import bench_render  # noqa: E402  (the benchmarks' varied VMI files)

HOST = os.path.join(ROOT, "examples", "hosts", "dual-socket-server.yaml")


def start(vmis, out):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
               os.path.join(ROOT, "playbooks", "render.yml"), "-e", "vmpod_vmi_dir=%s" % vmis,
               "-e", "vmpod_output_dir=%s" % out, "-e", "vmpod_host_file=%s" % HOST]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def children(pid):
    done = subprocess.run(["pgrep", "-P", str(pid)], stdout=subprocess.PIPE, universal_newlines=True, check=False)
    return [int(child) for child in done.stdout.split()]


def wait_for_files(out, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(glob.glob(str(out / "*" / "*"))) > 200:
            return
        time.sleep(0.02)
    pytest.fail("the render wrote nothing within %d s" % timeout)


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_a_stopped_render_leaves_no_worker_and_no_temporary_file(tmp_path, how):
    vmis = tmp_path / "vmis"
    bench_render.write_vmis(str(vmis), 3000)
    out = tmp_path / "out"
    run = start(vmis, out)
    try:
        wait_for_files(out)
        workers = children(run.pid)
        assert workers, "no worker process to stop"
        if how == "SIGINT":
            os.killpg(run.pid, signal.SIGINT)
        else:
            os.kill(run.pid, signal.SIGKILL)
        deadline = time.time() + 30
        while time.time() < deadline and any(os.path.exists("/proc/%d" % worker) for worker in workers):
            time.sleep(0.1)
        alive = [worker for worker in workers if os.path.exists("/proc/%d" % worker)]
        assert alive == [], "worker processes left running"
    finally:
        for pid in [run.pid] + children(run.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        run.wait()
    assert glob.glob(str(out / "*" / ".vmpod-*")) == []


def test_a_temporary_file_of_a_killed_run_goes_with_the_next_render(tmp_path):
    vmis = tmp_path / "vmis"
    vmis.mkdir()
    for name in ("16-pinned-small.yaml",):
        (vmis / name).write_text(open(os.path.join(ROOT, "examples", "vmis", name)).read())
    out = tmp_path / "out"
    (out / "pinned-small").mkdir(parents=True)
    (out / "pinned-small" / ".vmpod-abc123").write_text("half a domain")
    run = start(vmis, out)
    assert run.wait(timeout=300) == 0
    assert sorted(os.listdir(out / "pinned-small")) == ["domain.xml", "launcher-pod.yaml", "plan.json"]
