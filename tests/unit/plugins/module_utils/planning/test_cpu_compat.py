# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""check_migration's CPU part: the guest's CPU model and features against the target's CPU, as
host_cpu_info reads it from libvirt's domain capabilities (a recording of this machine's, and
hand-made hosts from libvirt's documented shapes)."""

import os

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.libvirt.domcapabilities import (
    host_model_cpu, usable_models)
from ansible_collections.vmpod.core.plugins.module_utils.placement import check_migration, plan_placement
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from vmpod_examples import ROOT
from vmpod_placement_data import dedicated_vmi, host_data

with open(os.path.join(ROOT, "tests", "data", "domcapabilities-nested-amd.xml")) as _handle:
    RECORDED = _handle.read()


def host_cpu(xml_text):
    """What host_cpu_info returns as host_cpu (the parts the check reads)."""
    facts = host_model_cpu(xml_text).as_dict()
    facts["host_model_supported"] = facts.pop("supported")
    facts["usable_models"] = list(usable_models(xml_text))
    return facts


THIS_MACHINE = host_cpu(RECORDED)


def without(facts, *names):
    changed = dict(facts)
    changed["features"] = [f for f in facts["features"] if f["name"] not in names]
    return changed


def migrate(vmi, source_cpu, target_cpu):
    host = host_data()
    plan = plan_placement(vmi, host)
    return check_migration(vmi, plan, host, source_cpu=source_cpu, target_cpu=target_cpu)


def test_the_recorded_host():
    assert THIS_MACHINE["model"] == "kvm64" and THIS_MACHINE["host_model_supported"]
    assert THIS_MACHINE["usable_models"] == ["pentium3", "pentium2", "pentium", "486"]
    assert {"name": "pni", "policy": "disable"} in THIS_MACHINE["features"]


def test_the_same_cpu_takes_every_mode():
    for model in (None, "host-model", "host-passthrough", "pentium3"):
        vmi = dedicated_vmi(cores=2)
        if model:
            vmi["spec"]["domain"]["cpu"]["model"] = model
        assert migrate(vmi, THIS_MACHINE, THIS_MACHINE)["reasons"] == [], model


def test_host_model_needs_every_feature_the_source_enabled():
    # libvirt: "guest CPU doesn't match specification: missing features: ..."
    target = without(THIS_MACHINE, "gfni", "clwb")
    result = migrate(dedicated_vmi(cores=2), THIS_MACHINE, target)
    assert not result["fits"]
    assert result["reasons"] == ["the target's CPU lacks 2 features the guest uses (host-model "
                                 "mode): clwb, gfni"]
    # the other way round the target offers more than the source used: fine
    assert migrate(dedicated_vmi(cores=2), target, THIS_MACHINE)["reasons"] == []


def test_a_feature_the_target_disables_counts_as_missing():
    target = dict(THIS_MACHINE, features=[dict(f, policy="disable") if f["name"] == "umip" else f
                                          for f in THIS_MACHINE["features"]])
    assert "umip" in migrate(dedicated_vmi(cores=2), THIS_MACHINE, target)["reasons"][0]


def test_a_named_model_must_be_usable_on_the_target_with_its_required_features():
    vmi = dedicated_vmi(cores=2)
    vmi["spec"]["domain"]["cpu"].update(model="Haswell-noTSX", features=[
        {"name": "gfni", "policy": "require"}, {"name": "avx512f"}, {"name": "mpx", "policy": "disable"}])
    reasons = migrate(vmi, None, THIS_MACHINE)["reasons"]
    assert reasons == ["the target cannot run CPU model Haswell-noTSX (not usable there)",
                       "the target's CPU lacks 1 feature the guest uses (Haswell-noTSX mode): avx512f"]


def test_host_passthrough_compares_the_cpus():
    vmi = dedicated_vmi(cores=2)
    vmi["spec"]["domain"]["cpu"]["model"] = "host-passthrough"
    other = dict(without(THIS_MACHINE, "invtsc"), model="EPYC-Rome")
    reasons = migrate(vmi, THIS_MACHINE, other)["reasons"]
    assert reasons == ["host-passthrough: the source's CPU is kvm64, the target's EPYC-Rome",
                       "the target's CPU lacks 1 feature the guest uses (host-passthrough mode): invtsc"]


def test_without_cpu_facts_nothing_is_checked():
    assert migrate(dedicated_vmi(cores=2), None, None)["fits"]
    assert migrate(dedicated_vmi(cores=2), None, THIS_MACHINE)["fits"]  # the source is unknown


@pytest.mark.parametrize("target, path", [
    ("kvm64", "target_cpu"),
    ({"features": [{"policy": "require"}]}, "target_cpu.features[0].name"),
    ({"usable_models": "pentium"}, "target_cpu.usable_models"),
])
def test_bad_cpu_facts_name_the_field(target, path):
    with pytest.raises(VmpodInputError) as err:
        migrate(dedicated_vmi(cores=2), None, target)
    assert err.value.path == path
