# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/capacity.yml run for real on the example fleet (three host files and this machine,
read by vmpod.core.host_topology_info): the report matches the engine, a second run changes
nothing, check mode writes nothing, and without a converter the pictures stay SVG."""

import glob
import json
import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

import yaml

from ansible_collections.vmpod.core.plugins.module_utils.fleet import hosts_from_nodes, place_fleet
from vmpod_playbooks import ROOT, ansible_playbook, changed, playbook

PLAYBOOK = playbook("capacity.yml")
INVENTORY = os.path.join(ROOT, "examples", "fleet", "inventory.yml")
FLEET_FILES = {"kvm-01": "dual-socket-server", "kvm-02": "epyc-4-node", "kvm-03": "no-smt"}


def run(out_dir, *extra, **env):
    return ansible_playbook(PLAYBOOK, "-e", "vmpod_output_dir=%s" % out_dir, *extra, **env)


def example_hosts():
    hosts = {}
    for name, base in FLEET_FILES.items():
        with open(os.path.join(ROOT, "examples", "hosts", base + ".yaml")) as handle:
            hosts[name] = dict(yaml.safe_load(handle), name=name, architecture="amd64")
    return hosts


def test_the_example_fleet_report_matches_the_engine(tmp_path):
    done = run(tmp_path, "-i", INVENTORY)
    assert done.returncode == 0, done.stdout[-3000:]
    with open(tmp_path / "capacity.json") as handle:
        report = json.load(handle)
    with open(os.path.join(ROOT, "examples", "fleet", "vmis.yaml")) as handle:
        vmis = yaml.safe_load(handle)
    # this machine comes last in the inventory and the example fills kvm-01 and kvm-02 first
    expected = place_fleet(vmis, example_hosts())
    assert report["placements"] == expected["placements"]
    for name in FLEET_FILES:
        assert report["hosts"][name] == expected["hosts"][name]
    assert sorted(report["hosts"]) == sorted(list(FLEET_FILES) + ["this-machine"])
    assert report["unplaced"]["arm-builder"][1] == "kvm-01: the host is amd64, the VM arm64"
    markdown = (tmp_path / "capacity.md").read_text()
    assert markdown.startswith("# Capacity: %d VMIs on 4 hosts (policy pack)" % len(vmis))
    for name in report["hosts"]:
        ET.parse(str(tmp_path / ("%s.svg" % name)))
        png = tmp_path / ("%s.png" % name)
        if shutil.which("rsvg-convert"):
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    again = run(tmp_path, "-i", INVENTORY)
    assert again.returncode == 0 and changed(again.stdout) == 0, again.stdout[-3000:]


def test_check_mode_writes_nothing(tmp_path):
    out = tmp_path / "out"
    done = run(out, "-i", INVENTORY, "--check")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "# Capacity: 21 VMIs on 4 hosts (policy pack)" in done.stdout
    assert not out.exists()


def test_without_a_converter_a_vmi_directory_is_drawn_as_svg_only(tmp_path):
    # PATH without rsvg-convert and convert (every other program of /usr/bin kept)
    farm = tmp_path / "bin"
    farm.mkdir()
    for name in os.listdir("/usr/bin"):
        if name not in ("rsvg-convert", "convert"):
            os.symlink(os.path.join("/usr/bin", name), str(farm / name))
    out = tmp_path / "out"
    done = run(out, "-e", "vmpod_vmi_dir=examples/vmis", "-e", "vmpod_vmi_file=",
               "-e", "vmpod_fleet_policy=spread",
               PATH="%s:%s" % (os.path.dirname(sys.executable), farm))
    assert done.returncode == 0, done.stdout[-3000:]
    with open(out / "capacity.json") as handle:
        report = json.load(handle)
    assert report["policy"] == "spread" and list(report["hosts"]) == ["localhost"]
    names = set()
    for path in glob.glob(os.path.join(ROOT, "examples", "vmis", "*.yaml")):
        with open(path) as handle:
            names.update(doc["metadata"]["name"] for doc in yaml.safe_load_all(handle) if doc)
    assert set(report["placements"]) == names
    assert (out / "localhost.svg").exists() and not (out / "localhost.png").exists()


def test_a_clusters_nodes_are_the_fleet_when_a_node_file_is_given(tmp_path):
    """-e vmpod_node_file: what `kubectl get nodes -o json` returns; the inventory is not read."""
    nodes_file = os.path.join(ROOT, "examples", "cluster", "nodes.json")
    done = run(tmp_path, "-e", "vmpod_node_file=%s" % nodes_file)
    assert done.returncode == 0, done.stdout[-3000:]
    with open(nodes_file) as handle:
        hosts = hosts_from_nodes(json.load(handle))
    with open(os.path.join(ROOT, "examples", "fleet", "vmis.yaml")) as handle:
        vmis = yaml.safe_load(handle)
    with open(tmp_path / "capacity.json") as handle:
        report = json.load(handle)
    expected = place_fleet(vmis, list(hosts["hosts"].values()))
    assert report == json.loads(json.dumps(expected))
    assert sorted(report["hosts"]) == ["arm-1", "kvm-a", "kvm-b"]
    for name, reason in hosts["skipped"].items():
        assert "no host: %s: %s" % (name, reason) in done.stdout
    # this machine (the inventory's localhost) was not read
    assert "Read the host's CPUs, NUMA nodes and hugepage pools" in done.stdout
    assert not re.search(r"TASK \[Read the host's CPUs, NUMA nodes and hugepage pools\][^\n]*\nok:",
                         done.stdout)
