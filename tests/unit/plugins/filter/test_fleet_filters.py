# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration and fleet filters: thin over the engine, one error type out."""

import glob
import os
import xml.etree.ElementTree as ET

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.filter.fleet import FilterModule
from ansible_collections.vmpod.core.plugins.module_utils.fleet import place_fleet
from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    check_migration, plan_placement)
from vmpod_examples import ROOT

FILTERS = FilterModule().filters()
HOSTS = {os.path.basename(p)[:-5]: yaml.safe_load(open(p))
         for p in sorted(glob.glob(os.path.join(ROOT, "examples", "hosts", "*.yaml")))}
with open(os.path.join(ROOT, "examples", "fleet", "vmis.yaml")) as handle:
    VMIS = yaml.safe_load(handle)
FLEET_HOSTS = {"kvm-01": HOSTS["dual-socket-server"], "kvm-03": HOSTS["no-smt"]}


def test_each_filter_has_its_documentation_beside_it():
    for name in FILTERS:
        assert os.path.exists(os.path.join(ROOT, "plugins", "filter", name + ".yml")), name


def test_check_migration_is_the_engine():
    vmi = VMIS[0]
    source = plan_placement(vmi, HOSTS["dual-socket-server"])
    assert FILTERS["check_migration"](vmi, source, HOSTS["no-smt"],
                                      source_host=HOSTS["dual-socket-server"]) == check_migration(
        vmi, source, HOSTS["no-smt"], source_host=HOSTS["dual-socket-server"])


def test_place_fleet_takes_hosts_by_name_or_as_a_list():
    by_name = FILTERS["place_fleet"](VMIS, FLEET_HOSTS, policy="spread")
    as_list = FILTERS["place_fleet"](VMIS, [dict(data, name=name)
                                            for name, data in FLEET_HOSTS.items()],
                                     policy="spread")
    assert by_name == as_list == place_fleet(VMIS, FLEET_HOSTS, policy="spread")


def test_markdown_has_a_row_per_host_and_per_placed_vmi():
    fleet = FILTERS["place_fleet"](VMIS, FLEET_HOSTS)
    text = FILTERS["fleet_markdown"](fleet)
    placed = [name for name, host in fleet["placements"].items() if host]
    for name in placed:
        assert "\n| %s | %s | " % (name, fleet["placements"][name]) in text
    for name in fleet["unplaced"]:
        assert "\n- **%s**: " % name in text
    assert text.count("\n| kvm-01 | ") == 1 + 2  # the hosts table, and a row per NUMA node


def test_one_picture_per_host_found():
    fleet = FILTERS["place_fleet"](VMIS, FLEET_HOSTS)
    pictures = FILTERS["host_pictures"](fleet, FLEET_HOSTS)
    assert sorted(pictures) == ["kvm-01", "kvm-03"]
    for svg in pictures.values():
        assert ET.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    listed = FILTERS["host_pictures"](fleet, [dict(HOSTS["no-smt"], name="kvm-03")])
    assert listed == {"kvm-03": pictures["kvm-03"]}


@pytest.mark.parametrize("name, args, kwargs, message", [
    ("place_fleet", ([VMIS[0], VMIS[0]], FLEET_HOSTS), {}, "vmis[1].metadata.name"),
    ("place_fleet", (VMIS, {"h": {"cpus": [], "nodes": []}}), {}, "hosts.h.nodes"),
    ("check_migration", (VMIS[0], "plan", HOSTS["no-smt"]), {}, "source_plan: 'plan'"),
    ("fleet_markdown", ({"hosts": {}},), {}, "must be the result of place_fleet"),
    ("host_pictures", ("fleet", FLEET_HOSTS), {}, "expects the result of"),
    ("host_pictures", ({"hosts": {"h": None}}, {"h": HOSTS["no-smt"]}), {},
     "fleet.hosts.h: None must be a mapping"),
])
def test_bad_input_is_a_filter_error(name, args, kwargs, message):
    with pytest.raises(AnsibleFilterError) as err:
        FILTERS[name](*args, **kwargs)
    assert message in str(err.value)
