# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/audit_hosts.yml on this machine, with real domains on the real libvirtd.

playbooks/render.yml renders two diskless VMs for this machine: examples/vmis/16-pinned-small.yaml
(1 dedicated vCPU, 128Mi in 2Mi hugepages) and a shared-CPU variant with 256Mi of ordinary
memory; both start under QEMU/KVM as transient domains named vmpod-audit_*. The audit then runs
over an inventory of this machine, a host that cannot be reached and a host whose libvirtd cannot
be reached, and its reports are checked: the overhead measured for each domain (the hugepage
guest's RAM is hugetlb, apart; the other's resident guest RAM is subtracted) against the
overhead of its plan, the live pinning, numatune and hugepages as planned (through libvirt, and
through the QEMU threads where libvirt cannot be reached), the readiness of this machine, a
report saying why for the unreachable host, and nothing written in check mode.
Moving the pinned vCPU live is then reported as drift.
"""

import json
import os

import pytest
import yaml

from vmpod_libvirt import NEEDS_KVM, ROOT, URI, script
from vmpod_playbooks import ansible_playbook, playbook

libvirt = pytest.importorskip("libvirt")

PINNED_SMALL = os.path.join(ROOT, "examples", "vmis", "16-pinned-small.yaml")
NAMESPACE = "vmpod-audit"  # domains <namespace>_<name>: vmpod-audit_pinned-small, ...
PAGES = 64  # 128Mi in 2Mi pages
MIB = 1024 * 1024

pytestmark = NEEDS_KVM


@pytest.fixture(scope="module")
def domains(tmp_path_factory):
    """The rendered output directory, with both domains running; afterwards they are gone and
    what hack/libvirtd.sh set up is undone (only the hugepages when libvirtd was running)."""
    was_running = script("status").returncode == 0
    started = script("start", str(PAGES))
    assert started.returncode == 0, started.stdout
    vmi_dir = tmp_path_factory.mktemp("vmis")
    out = tmp_path_factory.mktemp("render")
    with open(PINNED_SMALL) as handle:
        vmi = yaml.safe_load(handle)
    vmi["metadata"]["namespace"] = NAMESPACE
    (vmi_dir / "pinned-small.yaml").write_text(yaml.safe_dump(vmi))
    vmi["metadata"]["name"] = "shared-small"
    vmi["spec"]["domain"]["cpu"] = {"cores": 1}
    vmi["spec"]["domain"]["memory"] = {"guest": "256Mi"}
    vmi["spec"]["domain"]["resources"] = {"requests": {"memory": "256Mi"}}
    (vmi_dir / "shared-small.yaml").write_text(yaml.safe_dump(vmi))
    done = ansible_playbook(playbook("render.yml"), "-e", "vmpod_vmi_dir=%s" % vmi_dir,
                            "-e", "vmpod_output_dir=%s" % out)
    assert done.returncode == 0, done.stdout[-4000:]
    conn = libvirt.open(URI)
    try:
        for name in ("pinned-small", "shared-small"):
            conn.createXML((out / name / "domain.xml").read_text(), 0)
        yield out, conn
    finally:
        for domain in conn.listAllDomains():
            if domain.name().startswith(NAMESPACE + "_") and domain.isActive():
                domain.destroy()
        conn.close()
        done = script("release" if was_running else "stop")
        assert done.returncode == 0, done.stdout


def inventory(path):
    """This machine, a host that cannot be reached, and one whose libvirtd cannot be reached."""
    local = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
    with open("/proc/cmdline") as handle:
        first = handle.read().split()[0]
    hosts = {
        "localhost": dict(local, vmpod_kernel_arguments=[first]),
        "vmpod-audit-nolibvirt": dict(local, vmpod_libvirt_uri="qemu+unix:///system?socket=/nonexistent"),
        "vmpod-audit-gone": {"ansible_host": "192.0.2.1", "ansible_connection": "ssh",
                             "ansible_ssh_common_args": "-o ConnectTimeout=3 -o BatchMode=yes"},
    }
    path.write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    return path


def audit(tmp_path, plans, *more):
    out = tmp_path / "audit"
    done = ansible_playbook(playbook("audit_hosts.yml"), "-i", inventory(tmp_path / "inventory.yml"),
                            "-e", "vmpod_audit_hosts=all", "-e", "vmpod_plan_dir=%s" % plans,
                            "-e", "vmpod_output_dir=%s" % out, *more)
    return done, out


def read_report(out, host):
    with open(str(out / ("audit-%s.json" % host))) as handle:
        return json.load(handle), (out / ("audit-%s.md" % host)).read_text()


def findings(section):
    return dict((f["subject"], f) for f in section["findings"])


def test_audit_measures_and_checks_real_domains(domains, tmp_path):
    plans, _conn = domains
    done, out = audit(tmp_path, plans)
    assert done.returncode == 0, done.stdout[-4000:]
    report, text = read_report(out, "localhost")
    assert set(report) >= {"overhead", "drift", "readiness"}

    rows = dict((row["domain"], row) for row in report["overhead"]["rows"])
    pinned = rows["vmpod-audit_pinned-small"]
    shared = rows["vmpod-audit_shared-small"]
    print(json.dumps([pinned, shared], indent=1))  # the measured numbers, with pytest -s
    for row, plan_dir in ((pinned, "pinned-small"), (shared, "shared-small")):
        with open(str(plans / plan_dir / "plan.json")) as handle:
            plan = json.load(handle)
        assert row["computed_overhead"] == int(plan["launcher_resources"]["memory_overhead"])
        assert row["process"]["guest_ram_found"], row
        assert 0 < row["measured_overhead"] < row["computed_overhead"], row
        assert row["margin"] == row["computed_overhead"] - row["measured_overhead"]
        assert row["oom_risk"] == "low"
        assert row["accelerator"] == "kvm"
        assert row["cgroup"] and row["cgroup"]["peak"] > 0, row
    # hugepage-backed guest RAM: all of it hugetlb, none resident in Rss
    assert pinned["process"]["hugetlb"] == 128 * MIB and pinned["process"]["guest_resident"] == 0
    assert pinned["class"] == "dedicated CPUs, hugepages-2Mi"
    assert shared["process"]["hugetlb"] == 0 and shared["class"] == "shared CPUs, regular memory"
    assert shared["process"]["guest_resident"] <= 256 * MIB
    advice = dict((item["class"], item) for item in report["overhead"]["recommendations"])
    assert advice["dedicated CPUs, hugepages-2Mi"]["addedOverhead"] is None

    drift = findings(report["drift"])
    for part in ("vcpupin", "numatune", "hugepages"):
        assert drift["vmpod-audit_pinned-small " + part]["status"] == "ok", drift
    assert drift["vmpod-audit_shared-small vcpupin"]["status"] == "skip"

    ready = findings(report["readiness"])
    assert ready["/dev/kvm"]["status"] == "ok"
    first = open("/proc/cmdline").read().split()[0]
    assert ready[first]["status"] == "ok"
    assert text.startswith("# Audit of localhost: ")
    for heading in ("## Overhead", "## Drift: ", "## Readiness: ", "| vmpod-audit_pinned-small |"):
        assert heading in text

    gone, gone_text = read_report(out, "vmpod-audit-gone")
    assert gone["verdict"] == "unreachable" and gone["message"]
    assert gone_text.startswith("# Audit of vmpod-audit-gone: unreachable")
    nolibvirt = read_report(out, "vmpod-audit-nolibvirt")[0]
    drift = findings(nolibvirt["drift"])
    assert "cannot be reached" in drift["libvirt"]["message"]
    # without libvirt, the pinning of the QEMU threads (as on a Kubernetes node)
    for part in ("vcpupin", "numatune", "hugepages"):
        assert drift["vmpod-audit_pinned-small " + part]["status"] == "ok", drift
    assert findings(nolibvirt["readiness"])["/dev/kvm"]["status"] == "ok"


def test_check_mode_writes_nothing(domains, tmp_path):
    plans, _conn = domains
    done, out = audit(tmp_path, plans, "--check")
    assert done.returncode == 0, done.stdout[-4000:]
    assert not out.exists()


def test_a_vcpu_moved_live_is_drift(domains, tmp_path):
    plans, conn = domains
    domain = conn.lookupByName("vmpod-audit_pinned-small")
    cpus = conn.getInfo()[2]
    with open(str(plans / "pinned-small" / "plan.json")) as handle:
        planned = json.load(handle)["vcpupin"][0]
    other = (planned + 1) % cpus
    domain.pinVcpuFlags(0, tuple(cpu == other for cpu in range(cpus)), libvirt.VIR_DOMAIN_AFFECT_LIVE)
    try:
        done, out = audit(tmp_path, plans)
        assert done.returncode == 0, done.stdout[-4000:]
        report, text = read_report(out, "localhost")
        moved = findings(report["drift"])["vmpod-audit_pinned-small vcpupin"]
        assert moved["status"] == "fail"
        assert moved["actual"] == [str(other)] and moved["wanted"] == [str(planned)]
        assert report["drift"]["verdict"] == "fail"
        assert "| fail | drift | vmpod-audit_pinned-small vcpupin |" in text
    finally:
        domain.pinVcpuFlags(0, tuple(cpu == planned for cpu in range(cpus)),
                            libvirt.VIR_DOMAIN_AFFECT_LIVE)
