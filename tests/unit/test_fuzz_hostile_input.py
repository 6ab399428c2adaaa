# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every public engine function and every filter, fed the examples with hostile changes anywhere
in them (issue 13): only an input error escapes (an AnsibleFilterError made of one, through a
filter), its message starts with its field path, is at most MESSAGE_LIMIT characters and never
shows a secret planted in the input, and every call ends within TIME_LIMIT and grows traced
memory by less than MEMORY_LIMIT (``vmpod_hostile`` makes the input and judges the call).

What the fuzzing found (40 crashes, hangs and leaks, all fixed) stays as regression cases in
``test_crash_found_by_fuzzing``, one minimal input each, beside the random tests.
"""

import collections
import copy
import functools
import glob
import os
from datetime import timedelta

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.vmpod.core.plugins.filter import awx as awx_filters
from ansible_collections.vmpod.core.plugins.filter import fleet as fleet_filters
from ansible_collections.vmpod.core.plugins.filter import launcher as launcher_filters
from ansible_collections.vmpod.core.plugins.filter import placement as placement_filters
from ansible_collections.vmpod.core.plugins.filter import quantity as quantity_filters
from ansible_collections.vmpod.core.plugins.filter import render as render_filters
from ansible_collections.vmpod.core.plugins.module_utils.awx.survey import survey_answers, survey_spec
from ansible_collections.vmpod.core.plugins.module_utils.domain.model import domain_model
from ansible_collections.vmpod.core.plugins.module_utils.fleet import (
    cluster_vmis, hosts_from_nodes, place_fleet, plan_hugepage_pools, simulate_drain)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.launcher import (
    launcher_envelope, launcher_resources, memory_overhead, pod_envelope)
from ansible_collections.vmpod.core.plugins.module_utils.output.fleet_markdown import fleet_markdown
from ansible_collections.vmpod.core.plugins.module_utils.output.yaml_flow import yaml_flow
from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models
from ansible_collections.vmpod.core.plugins.module_utils.placement import (
    check_migration, host_architecture, plan_placement, plan_placements)
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity
from ansible_collections.vmpod.core.plugins.module_utils.values.yaml_data import load_documents
from ansible_collections.vmpod.core.plugins.module_utils.virtlet import pod as virtlet

from vmpod_examples import ROOT
from vmpod_hostile import (
    ARCHES, CONFIGS, DOMAIN_OPTIONS, EXAMPLE_TEXTS, HOST_TARGETS, HUGE_INT, LONG, MEMORY_LIMIT, NADS, NAMESPACES,
    PLACEMENT_OPTIONS, PLANTED_HOSTS, PLANTED_PODS, PLANTED_VMIS, POD_OPTIONS, RESOURCE_QUOTAS,
    SECRET_TOKEN, STATS, TIME_LIMIT, Call, Input, aliased_lists, bounded_call, check_error,
    damaged, damaged_part, example, examples, hostile_host,
    hostile_values, yaml_texts)

# deadline: TIME_LIMIT per example (an example makes one call); database: hypothesis' default
# (.hypothesis/, ignored by git), as the repository's other property tests
FUZZ = settings(max_examples=200, deadline=timedelta(seconds=TIME_LIMIT),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])

FILTERS = {}
for _module in (awx_filters, fleet_filters, launcher_filters, placement_filters, quantity_filters,
                render_filters):
    FILTERS.update(_module.FilterModule().filters())
# the roles' argument specs, as playbooks/survey_specs.yml reads them
ROLE_SPECS = {}
for _role in ("kvm_host", "hugepages", "cpu_isolation"):
    with open(os.path.join(ROOT, "roles", _role, "meta", "argument_specs.yml")) as _handle:
        ROLE_SPECS[_role] = yaml.safe_load(_handle)
with open(os.path.join(ROOT, "examples", "cluster", "nodes.json")) as _handle:
    NODE_LIST = yaml.safe_load(_handle)
NODE_LISTS = (NODE_LIST, NODE_LIST["items"][1:3], {"resources": NODE_LIST["items"]})
SURVEY_ANSWERS = ({"hugepages_pages_json": '[{"size": "2Mi", "count": 4, "node": 0}]',
                   "kvm_host_packages_json": "", "cpu_isolation_kubelet_reserved_memory_json": []},
                  {"kvm_host_services_json": '["libvirtd.socket"]', "token_json": '{"a": 1}'})


@functools.lru_cache(maxsize=None)
def _plan(vmi_name, host_name):
    return plan_placement(PLANTED_VMIS[vmi_name], PLANTED_HOSTS[host_name])


@functools.lru_cache(maxsize=None)
def _fleet(names):
    return place_fleet([PLANTED_VMIS[name] for name in names],
                       dict((name, PLANTED_HOSTS[name]) for name in sorted(PLANTED_HOSTS)))


@functools.lru_cache(maxsize=None)
def _sized(names):
    return launcher_filters.launcher_resources([PLANTED_VMIS[name] for name in names])


@functools.lru_cache(maxsize=None)
def _plans(names, host_name):
    return plan_placements([PLANTED_VMIS[name] for name in names], PLANTED_HOSTS[host_name])


VMI_NAMES = sorted(PLANTED_VMIS)
HOST_NAMES = sorted(PLANTED_HOSTS)

vmis = example(PLANTED_VMIS, "VMIS")
hosts = example(PLANTED_HOSTS, "HOSTS")
pods = example(PLANTED_PODS, "PODS")
configs = examples(CONFIGS, "CONFIGS")
example_texts = examples(EXAMPLE_TEXTS, "EXAMPLE_TEXTS")
arches = st.sampled_from(ARCHES).map(lambda arch: Input(arch, repr(arch)))
booleans = st.booleans().map(lambda flag: Input(flag, repr(flag)))
no_host = st.just(None).map(lambda none: Input(none, "None"))
# host_cpu_info's host_cpu, the shapes check_migration's CPU part reads
HOST_CPUS = (
    {"model": "EPYC-Rome", "host_model_supported": True, "usable_models": ["EPYC-Rome", "EPYC"],
     "features": [{"name": "x2apic", "policy": "require"}, {"name": "pni", "policy": "disable"}]},
    {"model": "Skylake-Server", "host_model_supported": True,
     "features": [{"name": "avx512f", "policy": "require"}]},
    {"model": None, "host_model_supported": False, "features": [], "usable_models": []},
)


name_lists = st.lists(st.sampled_from(VMI_NAMES), min_size=1, max_size=4, unique=True).map(tuple)
vmi_lists = name_lists.map(lambda names: Input([copy.deepcopy(PLANTED_VMIS[n]) for n in names],
                                               "[VMIS[n] for n in %r]" % (names,)))
vmis_or_lists = st.one_of(vmis, vmis, vmi_lists)
placed = st.tuples(st.sampled_from(VMI_NAMES), st.sampled_from(HOST_NAMES)).map(lambda pair: Input(
    (copy.deepcopy(PLANTED_VMIS[pair[0]]), copy.deepcopy(_plan(*pair)), copy.deepcopy(PLANTED_HOSTS[pair[1]])),
    "(VMIS[%r], its plan on HOSTS[%r], that host)" % pair))
planned = st.tuples(st.sampled_from(VMI_NAMES), st.sampled_from(HOST_NAMES)).map(lambda pair: Input(
    (copy.deepcopy(PLANTED_VMIS[pair[0]]), copy.deepcopy(_plan(*pair))),
    "(VMIS[%r], its plan on HOSTS[%r])" % pair))
pod_unplaced = pods.map(lambda pod: Input((pod.value, None, None), "(%r, None, None)" % (pod,)))
fleets = name_lists.map(lambda names: Input(copy.deepcopy(_fleet(names)),
                                            "place_fleet(VMIS %r, all HOSTS)" % (names,)))
# place_fleet's hosts: a mapping by name, or a list of host data with names
fleet_hosts = st.one_of(
    st.sampled_from(HOST_NAMES).map(lambda first: Input(
        dict((name, copy.deepcopy(PLANTED_HOSTS[name])) for name in (first, "no-smt")),
        "{%r: HOSTS[%r], 'no-smt': HOSTS['no-smt']}" % (first, first))),
    st.just(3).map(lambda count: Input(
        [dict(copy.deepcopy(PLANTED_HOSTS[name]), name=name) for name in HOST_NAMES[:count]],
        "[HOSTS[n] with its name for n in %r]" % (HOST_NAMES[:count],))))


def _render_list(names):
    return Input([copy.deepcopy(PLANTED_PODS[n[4:]] if n.startswith("pod:") else PLANTED_VMIS[n]) for n in names],
                 "VMIS / PODS %r" % (names,))


render_lists = st.lists(st.sampled_from(VMI_NAMES + ["pod:" + name for name in sorted(PLANTED_PODS)]),
                        min_size=1, max_size=3, unique=True).map(_render_list)


def fixed(*values):
    return st.sampled_from(values).map(lambda value: Input(value, repr(value)))


@st.composite
def call(draw, valid, hostile=None, weights=None):
    """A Call: a working Input for each name of ``valid`` (a strategy), then one or two of them
    made hostile (``hostile[name](input)``, else ``damaged``); a name is picked in proportion to
    its weight in ``weights`` (1 unless given; 0: never, for a path the caller gives)."""
    hostile = hostile or {}
    names = list(valid)
    pool = [name for name in names for _copy in range((weights or {}).get(name, 1))]
    bad = {draw(st.sampled_from(pool))}
    if len(set(pool)) > 1 and draw(st.integers(0, 3)) == 0:
        bad.add(draw(st.sampled_from(sorted(set(pool)))))
    inputs = {}
    for name in names:
        item = draw(valid[name])
        if name in bad:
            item = draw(hostile.get(name, damaged)(item))
        inputs[name] = item
    return Call(inputs)


def _unpack(name, labels):
    """prepare(kwargs): the tuple drawn as ``name`` spread over the arguments ``labels``."""
    def prepare(kwargs):
        kwargs.update(zip(labels, kwargs.pop(name)))
        return kwargs
    return prepare


def _virtlet_pod(pod):
    """virtlet/pod.py's road: read the pod, then what the renderer derives from it."""
    read = virtlet.read_virtlet_pod(pod)
    domain_id = virtlet.domain_uuid(read)
    return (virtlet.equivalent_vmi(read), virtlet.domain_name(read, domain_id),
            virtlet.cpu_bandwidth(read.cpu_request_millis, read.cpu_limit_millis, read.vcpus))


def _documents_then_sizes(stream, where):
    """load_documents, then each document as the lookup hands it on (launcher_resources)."""
    documents = load_documents(stream, where)
    for document in documents:
        if isinstance(document, dict) and "cpus" not in document and document.get("kind") != "Pod":
            launcher_resources(document)
    return documents


PLACED_LABELS = ("vmi", "plan", "host")
PLACEMENT = examples(PLACEMENT_OPTIONS, "PLACEMENT_OPTIONS")
DOMAIN = examples(DOMAIN_OPTIONS, "DOMAIN_OPTIONS")
POD = examples(POD_OPTIONS, "POD_OPTIONS")


class Road(collections.namedtuple("Road", "function valid hostile weights prepare")):
    """How to fuzz one entry point: ``function``; ``valid``, a strategy of a working Input for
    each keyword argument; ``hostile``, name -> function(Input) -> strategy of a hostile Input
    (``damaged`` for the others); ``weights``, how much more often a name is the hostile one
    (0: never); ``prepare``, kwargs -> kwargs before the call (None: as drawn)."""

    def calls(self):
        return call(self.valid, self.hostile, self.weights)


def road(function, valid, hostile=None, weights=None, prepare=None):
    return Road(function, valid, hostile or {}, weights or {}, prepare)


@functools.lru_cache(maxsize=None)
def _launcher_pod(name):
    return launcher_pod(PLANTED_VMIS[name])


launcher_pods = st.sampled_from(VMI_NAMES).map(lambda name: Input(
    copy.deepcopy(_launcher_pod(name)), "launcher_pod(VMIS[%r])" % name))


# a drained host: one every fleet_hosts holds, one only some hold, or both
DRAINS = fixed("no-smt", HOST_NAMES[0], [HOST_NAMES[0], "no-smt"])


ENGINE = {
    "launcher_resources": road(launcher_resources, {
        "vmi": vmis, "config": configs, "arch": arches, "namespace": examples(NAMESPACES, "NAMESPACES"),
        "resource_quotas": examples(RESOURCE_QUOTAS, "RESOURCE_QUOTAS"),
        "network_attachment_definitions": examples(NADS, "NADS"), "apply_defaults": booleans},
        weights={"vmi": 8, "config": 2}),
    "memory_overhead": road(memory_overhead, {"vmi": vmis, "config": configs, "arch": arches},
                            weights={"vmi": 4}),
    "plan_placement": road(plan_placement, {
        "vmi": vmis, "host": hosts, "config": configs, "arch": arches, "options": PLACEMENT},
        {"host": hostile_host}, {"vmi": 4, "host": 4, "options": 2}),
    "plan_placements": road(plan_placements, {
        "vmis": vmi_lists, "host": hosts, "config": configs, "options": PLACEMENT},
        {"host": hostile_host}, {"vmis": 3, "host": 2}),
    "check_migration": road(check_migration, {
        "planned": planned, "target_host": hosts, "config": configs, "options": PLACEMENT,
        "source_host": st.one_of(no_host, hosts),
        "source_cpu": st.one_of(no_host, examples(HOST_CPUS, "HOST_CPUS")),
        "target_cpu": st.one_of(no_host, examples(HOST_CPUS, "HOST_CPUS"))},
        {"planned": damaged_part(("vmi", "source_plan")),
         "target_host": hostile_host,
         "source_host": hostile_host, "source_cpu": damaged, "target_cpu": damaged},
        {"planned": 4, "target_host": 3},
        _unpack("planned", ("vmi", "source_plan"))),
    "host_architecture": road(host_architecture, {"host": hosts}, {"host": hostile_host}),
    "read_host": road(read_host, {"data": hosts}, {"data": hostile_host}),
    "place_fleet": road(place_fleet, {
        "vmis": vmi_lists, "hosts": fleet_hosts, "config": configs, "policy": fixed("pack", "spread"),
        "options": PLACEMENT, "arch": arches}, weights={"vmis": 4, "hosts": 4}),
    "render_models": road(render_models, {
        "vmis": render_lists, "host": st.one_of(no_host, hosts), "config": configs, "arch": arches,
        "placement_options": PLACEMENT, "domain_options": DOMAIN, "pod_options": POD,
        "host_target": examples(HOST_TARGETS, "HOST_TARGETS")},
        {"host": hostile_host}, {"vmis": 8, "host": 2, "host_target": 2}),
    "domain_model": road(domain_model, {
        "placed": st.one_of(placed, placed, pod_unplaced), "config": configs, "arch": arches,
        "options": DOMAIN}, {"placed": damaged_part(PLACED_LABELS)}, {"placed": 6},
        _unpack("placed", PLACED_LABELS)),
    "launcher_pod": road(launcher_pod, {"vmi": vmis, "config": configs, "arch": arches, "options": POD,
                                        "apply_defaults": booleans},
                         weights={"vmi": 6}),
    "fleet_markdown": road(fleet_markdown, {"result": fleets}, {"result": damaged}),
    "yaml_flow": road(yaml_flow, {"value": st.one_of(vmis, hosts, fleets)},
                      {"value": damaged}),
    "parse_quantity": road(parse_quantity, {
        "value": fixed("2Gi", "500m", "1.5", "1e3", "0", 1, 2.5, "12E", "100Mi"),
        "path": fixed("spec.domain.memory.guest")}, weights={"path": 0}),
    "parse_cpuset": road(parse_cpuset, {
        "value": fixed("0-3,8", "", "0-3\n", "1", 5, [0, 1, 2]), "path": fixed("host.reserved_cpus")},
        weights={"path": 0}),
    "load_documents": road(_documents_then_sizes, {
        "stream": example_texts, "where": fixed("examples/vmis/x.yaml")},
        {"stream": lambda text: yaml_texts()}, {"where": 0}),
    "virtlet_pod": road(_virtlet_pod, {"pod": pods}),
    "pod_envelope": road(pod_envelope, {"pod": launcher_pods}, {"pod": damaged}),
    "launcher_envelope": road(launcher_envelope, {
        "vmi": vmis, "config": configs, "arch": arches, "apply_defaults": booleans},
        weights={"vmi": 6}),
    "plan_hugepage_pools": road(plan_hugepage_pools, {
        "vmis": vmi_lists, "hosts": fleet_hosts, "headroom": fixed(0.0, 0.1, 2),
        "config": configs, "policy": fixed("pack", "spread"), "options": PLACEMENT,
        "arch": arches}, weights={"vmis": 4, "hosts": 4}),
    "simulate_drain": road(simulate_drain, {
        "vmis": vmi_lists, "hosts": fleet_hosts, "drain": DRAINS, "config": configs,
        "policy": fixed("pack", "spread"), "options": PLACEMENT, "arch": arches},
        weights={"vmis": 4, "hosts": 4, "drain": 2}),
    "survey_spec": road(survey_spec, {
        "roles": examples((ROLE_SPECS, {"hugepages": ROLE_SPECS["hugepages"]}), "ROLE_SPECS"),
        "name": fixed("Prepare KVM hosts"), "description": fixed("", "d"),
        "optional": fixed((), ("hugepages", "cpu_isolation"))}, weights={"roles": 6}),
    "survey_answers": road(survey_answers, {"answers": examples(SURVEY_ANSWERS, "SURVEY_ANSWERS")}),
    "hosts_from_nodes": road(hosts_from_nodes, {"nodes": examples(NODE_LISTS, "NODE_LISTS")}),
    "cluster_vmis": road(cluster_vmis, {"vmis": vmi_lists, "vms": vmi_lists}, weights={"vmis": 3, "vms": 3}),
}

# filter name -> its Road (the function is the filter, FILTERS[name])
FILTER_ROADS = {
    "launcher_resources": road(FILTERS["launcher_resources"], {
        "vmi": vmis_or_lists, "config": configs, "arch": arches, "apply_defaults": booleans},
        weights={"vmi": 6}),
    "memory_overhead": road(FILTERS["memory_overhead"], {
        "vmi": vmis_or_lists, "config": configs, "arch": arches}, weights={"vmi": 4}),
    "resources_table": road(FILTERS["resources_table"], {"sized": name_lists.map(lambda names: Input(
        copy.deepcopy(_sized(names)), "launcher_resources(VMIS %r)" % (names,)))},
        {"sized": damaged}),
    "plan_placement": road(FILTERS["plan_placement"], {
        "vmi": vmis_or_lists, "host": hosts, "config": configs, "arch": arches, "options": PLACEMENT},
        {"host": hostile_host}, {"vmi": 4, "host": 3}),
    "placement_table": road(FILTERS["placement_table"], {
        "plans": st.tuples(name_lists, st.sampled_from(HOST_NAMES)).map(lambda pair: Input(
            copy.deepcopy(_plans(*pair)), "plan_placement(VMIS %r, HOSTS[%r])" % pair))},
        {"plans": damaged}),
    "check_migration": ENGINE["check_migration"]._replace(function=FILTERS["check_migration"]),
    "place_fleet": ENGINE["place_fleet"]._replace(function=FILTERS["place_fleet"]),
    "fleet_markdown": road(FILTERS["fleet_markdown"], {"fleet": fleets}, {"fleet": damaged}),
    "host_pictures": road(FILTERS["host_pictures"], {"fleet": fleets, "hosts": fleet_hosts},
                          {"fleet": damaged, "hosts": damaged},
                          {"fleet": 2}),
    "render_models": road(FILTERS["render_models"], {
        "vmis": st.one_of(vmis, pods, render_lists), "host": st.one_of(no_host, hosts),
        "config": configs, "arch": arches, "placement_options": PLACEMENT, "domain_options": DOMAIN,
        "pod_options": POD, "apply_defaults": booleans, "host_target": examples(HOST_TARGETS, "HOST_TARGETS")},
        {"host": hostile_host}, {"vmis": 6}),
    "yaml_flow": road(FILTERS["yaml_flow"], {"value": st.one_of(vmis, hosts)},
                      {"value": damaged}),
    "simulate_drain": ENGINE["simulate_drain"]._replace(function=FILTERS["simulate_drain"]),
    "plan_hugepage_pools": ENGINE["plan_hugepage_pools"]._replace(
        function=FILTERS["plan_hugepage_pools"]),
    "survey_spec": road(FILTERS["survey_spec"], {
        "roles": examples((ROLE_SPECS,), "ROLE_SPECS"), "name": fixed("Prepare KVM hosts"),
        "description": fixed(""), "optional": fixed(None, ["hugepages"])}, weights={"roles": 6}),
    "survey_answers": ENGINE["survey_answers"]._replace(function=FILTERS["survey_answers"]),
    "hosts_from_nodes": ENGINE["hosts_from_nodes"]._replace(function=FILTERS["hosts_from_nodes"]),
    "cluster_vmis": ENGINE["cluster_vmis"]._replace(function=FILTERS["cluster_vmis"]),
    "launcher_envelope": road(FILTERS["launcher_envelope"], {
        "vmi": vmis_or_lists, "config": configs, "arch": arches}, weights={"vmi": 6}),
    "pod_envelope": road(FILTERS["pod_envelope"], {"pod": st.one_of(launcher_pods, launcher_pods.map(
        lambda one: Input([one.value], "[%s]" % one.recipe)))}, {"pod": damaged}),
}
for _name in ("quantity_to_bytes", "quantity_to_cores", "quantity_to_millicores", "quantity_canonical"):
    FILTER_ROADS[_name] = road(FILTERS[_name], {"value": fixed("2Gi", "500m", "1.5", "1e3", "0", 1, 2.5)})


def _fuzz(entry, road_, call_, via_filter, extra=None):
    kwargs = call_.kwargs()
    kwargs.update(extra or {})
    if road_.prepare is not None:
        kwargs = road_.prepare(kwargs)
    _result, error = bounded_call(entry, road_.function, **kwargs)
    check_error(entry, error, via_filter=via_filter)


@pytest.mark.parametrize("entry", sorted(ENGINE))
@FUZZ
@given(data=st.data())
def test_engine_raises_only_input_errors(entry, data):
    road_ = ENGINE[entry]
    _fuzz(entry, road_, data.draw(road_.calls(), label="call"), via_filter=False)


@pytest.mark.parametrize("name", sorted(FILTER_ROADS))
@FUZZ
@given(data=st.data())
def test_filters_raise_only_filter_errors(name, data):
    road_ = FILTER_ROADS[name]
    extra = {}
    if name == "launcher_resources" and data.draw(st.booleans(), label="unknown option"):
        option = data.draw(st.text(min_size=1, max_size=8), label="option")
        extra[option] = data.draw(hostile_values, label="value").value
    _fuzz("filter " + name, road_, data.draw(road_.calls(), label="call"), True, extra)


def test_planted_examples_are_accepted():
    """The secrets sit in input the engine takes, so errors near them come from real reads."""
    for name, vmi in sorted(PLANTED_VMIS.items()):
        assert launcher_resources(vmi)["requests"], name
        assert render_models([vmi], PLANTED_HOSTS["epyc-4-node"])[0]["pod"], name
    for name, pod in sorted(PLANTED_PODS.items()):
        assert render_models([pod])[0]["domain"], name
    for name, host in sorted(PLANTED_HOSTS.items()):
        assert read_host(host).cpus, name
    assert all(place_fleet(list(PLANTED_VMIS.values()), PLANTED_HOSTS)["hosts"].values())


def test_every_filter_is_fuzzed():
    assert sorted(FILTER_ROADS) == sorted(FILTERS)
    # every filter plugin of the collection is among FILTERS
    found = set()
    for path in glob.glob(os.path.join(ROOT, "plugins", "filter", "*.yml")):
        with open(path) as handle:
            found.add(yaml.safe_load(handle)["DOCUMENTATION"]["name"])
    assert sorted(found) == sorted(FILTERS)


# -- crashes found by the fuzzing, each with a minimal input ----------------------------------

HUGE = HUGE_INT
SMALL_VMI = {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
             "metadata": {"name": "vm", "namespace": "lab"},
             "spec": {"domain": {"cpu": {"cores": 1}, "memory": {"guest": "1Gi"}, "devices": {}}}}
SMALL_HOST = {"cpus": [{"id": 0, "socket": 0, "core": 0, "node": 0},
                       {"id": 1, "socket": 0, "core": 1, "node": 0}],
              "nodes": [{"id": 0, "memory": "8Gi", "distances": [10],
                         "hugepages": {"2Mi": {"total": 4, "free": 4}}}]}
SMALL_POD = {"kind": "Pod", "metadata": {"name": "vm", "annotations": {
    "kubernetes.io/target-runtime": "virtlet.cloud"}}, "spec": {"containers": [{"name": "vm"}]}}


def _vmi(**metadata):
    vmi = copy.deepcopy(SMALL_VMI)
    vmi["metadata"].update(metadata)
    return vmi


def _pod(**annotations):
    pod = copy.deepcopy(SMALL_POD)
    pod["metadata"]["annotations"].update(annotations)
    return pod


def _changed(value, path, new=None, delete=False):
    """A deep copy of ``value`` with the item at ``path`` (a tuple of keys) set or deleted."""
    value = copy.deepcopy(value)
    node = value
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = new
    return value


FLEET = place_fleet([SMALL_VMI], {"h": SMALL_HOST})
NODE = ("hosts", "h", "nodes", 0)
PLANS = plan_placements([SMALL_VMI], SMALL_HOST)
SIZED = launcher_filters.launcher_resources([SMALL_VMI])


def crash(case, entry, function, args, kind, where, reason):
    """A crash the fuzzing found, kept as a regression case: ``function(*args)`` showed the defect
    ``(kind, where)`` (``kind`` ``time limit`` for a call over TIME_LIMIT) because of ``reason``;
    now it must raise only a clean input error, or return."""
    return pytest.param(entry, function, args, (kind, where), id=case)


_DIGITS = "int() / str() of a 5000-digit number raises ValueError (CPython's 4300-digit limit)"
_PATH = "the error's path holds a 100,000-character key whole"
_SECRET = "the value of an annotation whose key holds 'token' before its last dot is shown"
_UNCHECKED = "the formatter reads the result's inner fields without checking them"
_EXPANDED = "an aliased structure (2**21 leaves by reference) is expanded in full"
F = FILTERS

REGRESSIONS = [
    # 5000-digit numbers
    crash("option-key-5000-digits", "plan_placement", plan_placement,
          (SMALL_VMI, SMALL_HOST, None, "amd64", {HUGE: 1}), "ValueError", "fields.py:option_map", _DIGITS),
    crash("annotation-key-5000-digits", "launcher_resources", launcher_resources,
          (_vmi(annotations={HUGE: 1}),), "ValueError", "vmi_pod.py:string_map", _DIGITS),
    crash("annotation-key-5000-digits-string-value", "launcher_resources", launcher_resources,
          (_vmi(annotations={HUGE: "x"}),), "ValueError", "names.py:check_annotations", _DIGITS),
    crash("label-key-5000-digits", "launcher_resources", launcher_resources,
          (_vmi(labels={HUGE: "x"}),), "ValueError", "names.py:check_labels", _DIGITS),
    crash("namespace-label-5000-digits", "launcher_resources", launcher_resources,
          (SMALL_VMI, None, "amd64", {"metadata": {"name": "lab", "labels": {"a": HUGE}}}),
          "ValueError", "namespace.py:<dictcomp>", _DIGITS),
    crash("fleet-host-name-5000-digits", "place_fleet", place_fleet, ([SMALL_VMI], {HUGE: SMALL_HOST}),
          "ValueError", "packing.py:<listcomp>", _DIGITS),
    crash("cpuset-5000-digits", "parse_cpuset", parse_cpuset, (HUGE, "host.reserved_cpus"),
          "ValueError", "cpuset.py:parse_cpuset", _DIGITS),
    crash("yaml-int-5000-digits", "load_documents", load_documents, ("9" * 5000, "vmi.yaml"),
          "ValueError", "yaml_data.py:load_documents", _DIGITS + " in PyYAML's int constructor"),
    crash("virtlet-vcpus-5000-digits", "virtlet_pod", virtlet.read_virtlet_pod,
          (_pod(VirtletVCPUCount="9" * 5000),), "ValueError", "pod.py:vcpu_count", _DIGITS),
    crash("virtlet-name-lone-surrogate", "virtlet_pod", _virtlet_pod,
          (_changed(_pod(), ("metadata", "name"), "cirros-vm\ud800"),), "UnicodeEncodeError",
          "pod.py:domain_uuid", "a lone surrogate in the pod's name reaches uuid5 (names were not checked)"),
    crash("yaml-flow-5000-digits", "yaml_flow", yaml_flow, (HUGE,), "ValueError", "yaml_flow.py:yaml_flow",
          _DIGITS + " in json.dumps"),
    # paths holding a 100,000-character key
    crash("annotation-key-100k", "launcher_resources", launcher_resources, (_vmi(annotations={LONG: "x"}),),
          "path too long", "names.py:_check_key", _PATH),
    crash("option-key-100k", "plan_placement", plan_placement,
          (SMALL_VMI, SMALL_HOST, None, "amd64", {LONG: 1}), "path too long", "fields.py:option_map", _PATH),
    crash("fleet-host-name-100k", "place_fleet", place_fleet, ([SMALL_VMI], {LONG: 1}),
          "path too long", "host.py:read_host", _PATH),
    crash("hugepage-size-100k", "read_host", read_host,
          (_changed(SMALL_HOST, ("nodes", 0, "hugepages"), {LONG: {"total": 1, "free": 1}}),),
          "path too long", "quantity.py:parse_quantity", _PATH),
    # planted secrets shown
    crash("token-annotation-list-value", "launcher_resources", launcher_resources,
          (_vmi(annotations={"token.vmpod.example.com/bearer": [SECRET_TOKEN]}),),
          "secret shown", "vmi_pod.py:string_map", _SECRET),
    crash("token-annotation-lone-surrogate", "launcher_resources", launcher_resources,
          (_vmi(annotations={"token.vmpod.example.com/bearer": SECRET_TOKEN + "\ud800"}),),
          "secret shown", "names.py:check_annotations", _SECRET),
    # one place each
    crash("fleet-host-name-tuple", "place_fleet", place_fleet, ([SMALL_VMI], {(1, 2): SMALL_HOST}),
          "TypeError", "packing.py:<listcomp>", "'%s' % name of a tuple host name raises TypeError"),
    crash("numa-cpus-key-infinity", "plan_placement", plan_placement,
          (SMALL_VMI, SMALL_HOST, None, "amd64",
           {"numa_nodes": 1, "numa_cpus": {float("inf"): "0"}, "numa_mem": {0: "1Gi"}}),
          "OverflowError", "numa_layout.py:_per_node", "int(inf) raises OverflowError, not caught"),
    crash("yaml-lone-surrogate", "load_documents", load_documents, ("a: \ud800", "vmi.yaml"),
          "UnicodeEncodeError", "yaml_data.py:load_documents", "libyaml's loader encodes the text first"),
    crash("quantity-to-cores-1e400", "filter quantity_to_cores", F["quantity_to_cores"], ("1e400",),
          "OverflowError", "filter/quantity.py:quantity_to_cores", "float() of 10**400"),
    crash("yaml-flow-tuple-key", "yaml_flow", yaml_flow, ({(1, 2): "x"},), "TypeError",
          "yaml_flow.py:yaml_flow", "json.dumps refuses a tuple key (the filter turns it into its error)"),
    crash("yaml-flow-bytes", "yaml_flow", yaml_flow, (b"x",), "TypeError", "yaml_flow.py:yaml_flow",
          "json.dumps refuses bytes (the filter turns it into its error)"),
    # the output formatters
    crash("fleet-markdown-host-usage-empty", "fleet_markdown", fleet_markdown,
          (_changed(FLEET, ("hosts", "h"), {}),), "KeyError", "fleet_markdown.py:_host_row", _UNCHECKED),
    crash("fleet-markdown-unplaced-reasons-int", "fleet_markdown", fleet_markdown,
          ({"placements": {}, "unplaced": {"vm": 3}, "hosts": {}},), "TypeError",
          "fleet_markdown.py:fleet_markdown", _UNCHECKED),
    crash("fleet-markdown-plans-list", "fleet_markdown", fleet_markdown, (_changed(FLEET, ("plans",), [1]),),
          "AttributeError", "fleet_markdown.py:fleet_markdown", _UNCHECKED),
    crash("fleet-markdown-hugepage-pool-empty", "fleet_markdown", fleet_markdown,
          (_changed(FLEET, NODE + ("hugepages", "2Mi"), {}),), "KeyError", "fleet_markdown.py:<genexpr>",
          _UNCHECKED),
    crash("fleet-markdown-node-memory-text", "filter fleet_markdown", F["fleet_markdown"],
          (_changed(FLEET, NODE + ("memory", "used"), ""),), "TypeError", "usage.py:readable_bytes", _UNCHECKED),
    crash("fleet-markdown-node-memory-infinite", "fleet_markdown", fleet_markdown,
          (_changed(FLEET, NODE + ("memory", "used"), float("inf")),), "ValueError", "usage.py:readable_bytes",
          _UNCHECKED),
    crash("host-pictures-vmis-false", "filter host_pictures", F["host_pictures"],
          (_changed(FLEET, ("hosts", "h", "vmis"), False), {"h": SMALL_HOST}), "TypeError",
          "picture.py:__init__", _UNCHECKED),
    crash("host-pictures-pinned-none", "filter host_pictures", F["host_pictures"],
          (_changed(FLEET, ("hosts", "h", "pinned"), None), {"h": SMALL_HOST}), "AttributeError",
          "picture.py:__init__", _UNCHECKED),
    crash("host-pictures-node-memory-list", "filter host_pictures", F["host_pictures"],
          (_changed(FLEET, NODE + ("memory", "used"), [0]), {"h": SMALL_HOST}), "TypeError",
          "picture.py:_gib", _UNCHECKED),
    crash("placement-table-no-pcpus", "filter placement_table", F["placement_table"],
          (_changed(PLANS, (0, "pcpus"), delete=True),), "KeyError", "tables.py:placement_row", _UNCHECKED),
    crash("placement-table-cpuset-true", "filter placement_table", F["placement_table"],
          (_changed(PLANS, (0, "cpuset"), True),), "TypeError", "tables.py:<listcomp>", _UNCHECKED),
    crash("resources-table-no-overhead", "filter resources_table", F["resources_table"],
          (_changed(SIZED, (0, "memory_overhead"), delete=True),), "KeyError", "tables.py:summary_row",
          _UNCHECKED),
    crash("resources-table-limits-int", "filter resources_table", F["resources_table"],
          (_changed(SIZED, (0, "limits"), -1),), "TypeError", "tables.py:summary_row", _UNCHECKED),
    # aliased structures expanded (the random tests of these leave alias bombs out: the expansion
    # runs in C, where no alarm stops it)
    crash("yaml-flow-alias-bomb", "yaml_flow", yaml_flow, (aliased_lists(),), "time limit", None, _EXPANDED),
    crash("fleet-markdown-alias-bomb", "fleet_markdown", fleet_markdown,
          (_changed(FLEET, NODE + ("cpus", "free_cpus"), aliased_lists()),), "time limit", None, _EXPANDED),
    crash("placement-table-alias-bomb", "filter placement_table", F["placement_table"],
          (_changed(PLANS, (0, "vcpupin"), aliased_lists()),), "time limit", None, _EXPANDED),
    crash("resources-table-alias-bomb", "filter resources_table", F["resources_table"],
          (_changed(SIZED, (0, "vcpus"), aliased_lists()),), "time limit", None, _EXPANDED),
    crash("check-migration-source-reasons-alias-bomb", "check_migration", check_migration,
          (SMALL_VMI, _changed(PLANS[0], ("reasons",), [aliased_lists()]), SMALL_HOST), "time limit", None,
          _EXPANDED + " (str() of each reason of the source plan)"),
]


@pytest.mark.parametrize("entry, function, args, defect", REGRESSIONS)
def test_crash_found_by_fuzzing(entry, function, args, defect):
    _result, error = bounded_call(entry, function, *args, stats={})  # "time limit": fails here
    check_error(entry, error, via_filter=entry.startswith("filter "))


def test_measured_time_and_memory_stay_bounded(request):
    """Runs last: every entry point fuzzed stayed within TIME_LIMIT and MEMORY_LIMIT in every call
    (STATS holds, per entry point, the calls made, the slowest call and the largest traced peak)."""
    if not STATS:
        pytest.skip("no fuzz test of this module ran")
    if not hasattr(request.config, "workerinput"):  # one process ran every selected test
        ran = {item.name for item in request.session.items}
        expected = ["filter " + name for name in FILTER_ROADS
                    if "test_filters_raise_only_filter_errors[%s]" % name in ran]
        expected += [entry for entry in ENGINE if "test_engine_raises_only_input_errors[%s]" % entry in ran]
        assert sorted(set(expected) - set(STATS)) == []
    for entry, figures in STATS.items():
        assert figures["calls"] > 0, entry
        assert figures["max_seconds"] < TIME_LIMIT, (entry, figures)
        assert figures["max_peak_bytes"] < MEMORY_LIMIT, (entry, figures)
