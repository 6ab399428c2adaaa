# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_picture: every PU drawn once, coloured by its owner, boxes nested as lstopo nests them,
hugepage bars to scale, the legend naming every VM."""

import os
import re
import xml.etree.ElementTree as ET

import pytest
import yaml

from ansible_collections.vmpod.core.plugins.module_utils.output import picture as pic
from ansible_collections.vmpod.core.plugins.module_utils.output.svg import text_width
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet
from vmpod_examples import ROOT
from vmpod_placement_data import HOSTS, host_data

SVG = "{http://www.w3.org/2000/svg}"
FLEET_HOSTS = {"kvm-01": HOSTS["dual-socket-server"], "kvm-02": HOSTS["epyc-4-node"],
               "kvm-03": HOSTS["no-smt"]}
with open(os.path.join(ROOT, "examples", "fleet", "vmis.yaml")) as handle:
    FLEET_VMIS = yaml.safe_load(handle)
FLEET = place_fleet(FLEET_VMIS, FLEET_HOSTS)


def picture(name):
    return pic.host_picture(FLEET_HOSTS[name], FLEET["hosts"][name], FLEET["plans"], name)


def pus(svg):
    """{cpu id: (fill, [texts])} for every PU: the last box rect before its ``P#n`` label."""
    found, fill = {}, None
    for element in ET.fromstring(svg).iter():
        if element.tag == SVG + "rect":
            fill = element.get("fill")
        elif element.tag == SVG + "g":
            texts = [t.text for t in element.iter(SVG + "text")]
            if texts and re.match(r"P#\d+$", texts[0] or ""):
                cpu = int(texts[0][2:])
                assert cpu not in found, "PU %d drawn twice" % cpu
                found[cpu] = (fill, texts[1:])
    return found


def legend(svg):
    """{legend text: swatch fill}: each legend line follows its swatch."""
    entries, fill = {}, None
    for element in ET.fromstring(svg).iter():
        if element.tag == SVG + "rect":
            fill = element.get("fill")
        elif element.tag == SVG + "text" and element.text:
            entries[element.text] = fill
    return entries


@pytest.mark.parametrize("name", sorted(FLEET_HOSTS))
def test_every_pu_is_drawn_once_and_coloured_by_its_owner(name):
    svg = picture(name)
    topo_data = FLEET_HOSTS[name]
    usage = FLEET["hosts"][name]
    drawn = pus(svg)
    assert sorted(drawn) == sorted(cpu["id"] for cpu in topo_data["cpus"])
    colours = {}
    for text, fill in legend(svg).items():
        vm = text.split(" (")[0]
        if vm in usage["pinned"]:
            colours[vm] = fill
    assert set(colours) == set(usage["pinned"])
    assert len(set(colours.values())) == len(colours), "two VMs share a colour"
    owner = {cpu: vm for vm, cpus in usage["pinned"].items() for cpu in parse_cpuset(cpus)}
    reserved = parse_cpuset(topo_data.get("reserved_cpus"))
    before = parse_cpuset(topo_data.get("used_cpus"))
    for cpu, (fill, texts) in drawn.items():
        if cpu in owner:
            assert fill == colours[owner[cpu]]
        elif cpu in reserved:
            assert (fill, texts) == (pic.RESERVED, ["rsvd"])
        elif cpu in before:
            assert (fill, texts) == ("url(#before)", ["held"])
        else:
            assert fill in (pic.FREE, pic.SHARED_POOL)


def test_pus_name_the_vcpu_emulator_or_iothread_they_run():
    drawn = pus(picture("kvm-01"))
    plan = FLEET["plans"]["edge-router-1"]
    for vcpu, pcpu in enumerate(plan["vcpupin"]):
        assert drawn[pcpu][1] == ["v%d" % vcpu]
    for pcpu in parse_cpuset(plan["emulatorpin"]):
        assert drawn[pcpu][1] == ["emu"]


def test_isolated_cpus_are_marked():
    svg = picture("kvm-01")
    marks = [e for e in ET.fromstring(svg).iter(SVG + "path") if e.get("fill") == pic.ISOLATED]
    isolated = parse_cpuset(FLEET_HOSTS["kvm-01"]["isolated_cpus"])
    assert isolated and len(marks) == len(isolated) + 1  # and one in the legend


def test_hugepage_bars_are_to_scale():
    # dual-socket-server node 0: 64 1Gi pages, 16 held before, 8 taken by edge-router-1
    svg = picture("kvm-01")
    label = "1Gi hugepages: 24 of 64 used, 40 free"
    groups = [g for g in ET.fromstring(svg).iter(SVG + "g")
              if label in [t.text for t in g.findall(SVG + "text")]]
    assert len(groups) == 1, "no bar labelled %r" % label
    frame, held, taken = _bar_after(groups[0], label)[:3]
    width = float(frame.get("width"))
    assert float(held.get("width")) == pytest.approx(width * 16 / 64, abs=0.1)
    assert float(taken.get("width")) == pytest.approx(width * 8 / 64, abs=0.1)
    assert held.get("fill") == "url(#before)"


def _bar_after(group, label):
    """The frame and segments of the bar drawn right after ``label``."""
    rects, seen = [], False
    for element in group:
        if element.tag == SVG + "text":
            if seen:
                break
            seen = element.text == label
        elif seen and element.tag == SVG + "rect":
            rects.append(element)
    return rects


@pytest.mark.parametrize("name", sorted(FLEET_HOSTS))
def test_boxes_nest_and_never_overlap(name):
    svg = picture(name)
    root = ET.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    boxes = [tuple(float(r.get(k)) for k in ("x", "y", "width", "height"))
             for r in root.findall(SVG + "rect") if r.get("x") is not None]
    assert len(boxes) > len(FLEET_HOSTS[name]["cpus"])

    def inside(a, b):
        return (a[0] >= b[0] and a[1] >= b[1] and a[0] + a[2] <= b[0] + b[2]
                and a[1] + a[3] <= b[1] + b[3])

    def apart(a, b):
        return (a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1]
                or b[1] + b[3] <= a[1])

    for index, box in enumerate(boxes):
        assert box[0] + box[2] <= width and box[1] + box[3] <= height
        for other in boxes[index + 1:]:
            assert inside(box, other) or inside(other, box) or apart(box, other), (box, other)


def test_the_legend_names_the_shared_vms_and_warnings():
    svg = picture("kvm-01")
    text = " ".join(t.text or "" for t in ET.fromstring(svg).iter(SVG + "text"))
    for vm in FLEET["hosts"]["kvm-01"]["vmis"]:
        assert vm in text
    usage = {"nodes": [], "warnings": ["12.0 vCPUs per pCPU"], "vmis": []}
    assert "warning: 12.0 vCPUs per pCPU" in pic.host_picture(host_data(), usage)


def test_every_node_is_drawn_even_without_cpus():
    host = host_data(sockets=1, cores=2, threads=1)
    host["nodes"].append({"id": 1, "memory": "16Gi", "distances": [21, 10],
                          "hugepages": {"1Gi": {"total": 4, "free": 4}}})
    host["nodes"][0]["distances"] = [10, 21]
    usage = place_fleet([], {"h": host})["hosts"]["h"]
    text = pic.host_picture(host, usage)
    assert "NUMANode P#0 (64.0 GiB)" in text and "NUMANode P#1 (16.0 GiB)" in text
    assert "1Gi hugepages: 0 of 4 used, 4 free" in text


def test_the_picture_is_the_same_for_the_same_input_and_escapes_text():
    usage = place_fleet([], {"h": host_data()})["hosts"]["h"]
    first = pic.host_picture(host_data(), usage, name="a<b & c")
    assert first == pic.host_picture(host_data(), usage, name="a<b & c")
    assert "a&lt;b &amp; c" in first
    ET.fromstring(first)


@pytest.mark.parametrize("usage", [None, {"nodes": "0"}, []])
def test_bad_usage_is_refused(usage):
    with pytest.raises(VmpodInputError, match="must be a host's usage from place_fleet"):
        pic.host_picture(host_data(), usage)


def test_a_small_node_is_as_wide_as_its_longest_label():
    # one CPU: the cores alone would make the node narrower than its memory bar's label
    host = host_data(sockets=1, cores=1, threads=1, pages_1g=4)
    svg = pic.host_picture(host, place_fleet([], {"h": host})["hosts"]["h"])
    labels = 0
    for group in ET.fromstring(svg).iter(SVG + "g"):
        for text in group.findall(SVG + "text"):
            if text.text and ("hugepages: " in text.text or "memory outside" in text.text):
                frame = _bar_after(group, text.text)[0]
                assert float(frame.get("width")) >= text_width(text.text, 11)
                labels += 1
    assert labels == 2


def test_a_pinned_vm_the_usage_list_leaves_out_still_gets_its_colour():
    """Found by the fuzz suite: usage whose ``vmis`` list lost a VM that ``pinned`` names drew
    nothing (a KeyError); the VM's PUs keep a colour of their own."""
    name = next(host for host in sorted(FLEET_HOSTS) if FLEET["hosts"][host]["pinned"])
    usage = dict(FLEET["hosts"][name])
    left_out = sorted(usage["pinned"])[0]
    usage["vmis"] = [vm for vm in usage["vmis"] if vm != left_out]
    svg = pic.host_picture(FLEET_HOSTS[name], usage, FLEET["plans"], name)
    fills = pus(svg)
    owned = parse_cpuset(usage["pinned"][left_out])
    assert {fills[cpu][0] for cpu in owned} <= set(pic.PALETTE)
