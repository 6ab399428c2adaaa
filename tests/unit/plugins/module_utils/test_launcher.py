# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for ``launcher_resources``: the compute container's requests, limits and claims.

Expected values are NOT produced by the engine.  They are transcribed from KubeVirt's tests
(``pkg/virt-controller/services/renderresources_test.go`` and ``template_test.go``; each case names
the upstream test) or computed by hand from KubeVirt's ``renderresources.go`` rules and the Go
``resource.Quantity`` rules, with the arithmetic in a comment.  Every case compares the complete
requests and limits dicts, so a key KubeVirt would not render must be absent here too.

Notation (bytes unless a unit is given): ``OH`` is the memory overhead;
``FIXED`` = 25+100+25+40+50 = 240Mi; ``IOT`` = 8Mi; ``VID`` = 32Mi; 8Mi per vCPU;
``PT(m)`` = floor(ceil(m/1000)*1000/512).  With no ``requests.memory`` the hypervisor overhead of a
1-vCPU VMI is 240+8+8+32 = 288Mi = 301989888 and is BinarySI (prints ``288Mi``); with a non-zero PT
it is DecimalSI (plain digits).  A Go sum keeps its left operand's format (the right one's when the
left is zero); BinarySI values that are not a whole number of Ki print as plain digits.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.launcher import launcher_resources
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from vmpod_quantities import qty

KVM = "devices.kubevirt.io/kvm"
TUN = "devices.kubevirt.io/tun"
VHOST = "devices.kubevirt.io/vhost-net"
VSOCK = "devices.kubevirt.io/vhost-vsock"
SEV = "devices.kubevirt.io/sev"
EVEN_PARITY = "alpha.kubevirt.io/EmulatorThreadCompleteToEvenParity"
RATIO_LABEL = "alpha.kubevirt.io/auto-memory-limits-ratio"
NAD_RESOURCE = "k8s.v1.cni.cncf.io/resourceName"
NET_RES = "amazing-network-resource.com"  # template_test.go expectedNetworkResource

BASE_LIMITS = {KVM: "1", TUN: "1"}


# --------------------------------------------------------------------------------------------
# Test-only helpers
# --------------------------------------------------------------------------------------------

def vmi(domain=None, namespace="default", annotations=None, **spec):
    body = {"domain": copy.deepcopy(domain) if domain is not None else {}}
    body.update(copy.deepcopy(spec))
    meta = {"name": "testvmi", "namespace": namespace}
    if annotations is not None:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": meta, "spec": body}


def res(requests=None, limits=None, **extra):
    """A ``spec.domain`` holding only ``resources``."""
    out = {}
    if requests is not None:
        out["requests"] = dict(requests)
    if limits is not None:
        out["limits"] = dict(limits)
    out.update(extra)
    return {"resources": out}


def exp(requests, limits, overhead, claims=()):
    return {"requests": requests, "limits": limits, "memory_overhead": overhead,
            "claims": [dict(c) for c in claims]}


def lim(**extra):
    out = dict(BASE_LIMITS)
    out.update(extra)
    return out


def req(memory, cpu="100m", **extra):
    out = {"ephemeral-storage": "50M"}
    if cpu is not None:
        out["cpu"] = cpu
    if memory is not None:
        out["memory"] = memory
    out.update(extra)
    return out


def quota(namespace, **hard):
    return {"apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": "rq", "namespace": namespace},
            "spec": {"hard": {k.replace("_", "."): v for k, v in hard.items()}}}


def namespace_obj(name, labels=None):
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "labels": dict(labels or {})}}


def nad(name, namespace, resource=None):
    meta = {"name": name, "namespace": namespace}
    if resource is not None:
        meta["annotations"] = {NAD_RESOURCE: resource}
    return {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
            "metadata": meta, "spec": {"config": "{}"}}


def dev(**devices):
    return {"devices": devices}


def check(got, expected):
    assert set(got) >= {"requests", "limits", "claims", "memory_overhead"}
    assert got["requests"] == expected["requests"]
    assert got["limits"] == expected["limits"]
    assert got["memory_overhead"] == expected["memory_overhead"]
    assert [dict(c) for c in got["claims"]] == expected["claims"]


def gate_off(*gates, **dev_cfg):
    cfg = {"disabledFeatureGates": list(gates)}
    cfg.update(dev_cfg)
    return {"developerConfiguration": cfg}


def devcfg(**kw):
    return {"developerConfiguration": kw}


POD_NET = [{"name": "default", "pod": {}}]
MASQ = [{"name": "default", "masquerade": {}}]
MI = 1048576

# ============================================================================================
# 0. The spec's worked examples (spec "Quantities").  None of them literally appears in
#    template_test.go; they are the renderer's output for these minimal VMIs.
# ============================================================================================
WORKED = [
    # requests.memory 64Mi: PT = ceil(67108864/1000)=67109 -> 67109000/512 = 131072.27 -> 131072.
    # OH = 131072 + 288Mi(301989888) = 302120960 (DecimalSI).  Request = 64Mi (BinarySI, left
    # operand) + OH = 369229824 = 360576 * 1024 -> "360576Ki".  CPU: 1 vCPU / 10 = 0.1 -> "100m".
    pytest.param(vmi(res(requests={"memory": "64Mi"})), {},
                 exp(req("360576Ki"), lim(), "302120960"), id="spec-example-64Mi"),
    # requests.memory 1500M: PT = 1500000000/512 = 2929687.5 -> 2929687; OH = 2929687 + 301989888
    # = 304919575; request 1500M + OH = 1804919575 (DecimalSI, not a multiple of 1000 -> digits).
    pytest.param(vmi(res(requests={"memory": "1500M"})), {},
                 exp(req("1804919575"), lim(), "304919575"), id="spec-example-1500M"),
    # memory.guest 1.7Gi = 1825361100.8: no requests.memory -> PT 0, OH 288Mi (BinarySI).  The
    # request comes from the guest (step 1, overcommit 100) and OH is added:
    # 1825361100.8 + 301989888 = 2127350988.8 -> fractional -> DecimalSI "2127350988800m".
    pytest.param(vmi({"memory": {"guest": "1.7Gi"}}), {},
                 exp(req("2127350988800m"), lim(), "288Mi"), id="spec-example-guest-1.7Gi"),
]

# ============================================================================================
# 1. Base: ephemeral storage and device-plugin limits
# ============================================================================================
BASE = [
    # Minimal VMI: no interfaces and autoattachPodInterface unset -> tun; kvm (no emulation);
    # no vhost-net (no interface).  Memory request = 0 + OH(288Mi) = "288Mi".  No memory limit.
    pytest.param(vmi({}), {}, exp(req("288Mi"), lim(), "288Mi"), id="minimal"),
    # renderresources_test.go "WithEphemeral option" / "adds an expected 50M memory overhead":
    # 30M + 50M = 80M ; 70M + 50M = 120M.
    pytest.param(vmi(res(requests={"ephemeral-storage": "30M"}, limits={"ephemeral-storage": "70M"})),
                 {}, exp(req("288Mi", **{"ephemeral-storage": "80M"}),
                         lim(**{"ephemeral-storage": "120M"}), "288Mi"), id="ephemeral-30M-70M"),
    # ephemeral request 1Gi: 1073741824 + 50000000 = 1123741824; BinarySI left operand but not a
    # whole number of Ki (1097404.125) -> plain digits.
    pytest.param(vmi(res(requests={"ephemeral-storage": "1Gi"})), {},
                 exp(req("288Mi", **{"ephemeral-storage": "1123741824"}), lim(), "288Mi"),
                 id="ephemeral-binary-request"),
    # ephemeral limit only: request 0 + 50M = "50M"; limit 1Gi + 50M = 1123741824.
    pytest.param(vmi(res(limits={"ephemeral-storage": "1Gi"})), {},
                 exp(req("288Mi"), lim(**{"ephemeral-storage": "1123741824"}), "288Mi"),
                 id="ephemeral-limit-only"),
    # renderresources_test.go "user provided CPU and memory requests are honored" (1m, 64M):
    # cpu "1m" wins over 100m.  OH = PT(64M) 125000 + 288Mi = 302114888; memory 64M + OH =
    # 366114888.
    pytest.param(vmi(res(requests={"cpu": "1m", "memory": "64M"})), {},
                 exp(req("366114888", cpu="1m"), lim(), "302114888"), id="user-requests-honored"),
    # User values pass through in canonical form: "1000m" -> "1", "0.5" -> "500m".  No domain.cpu:
    # vCPUs from ceil(limit 1) = 1 -> OH 288Mi.
    pytest.param(vmi(res(requests={"cpu": "0.5"}, limits={"cpu": "1000m"})), {},
                 exp(req("288Mi", cpu="500m"), lim(cpu="1"), "288Mi"), id="user-values-canonical"),
    # Extra user resources are kept as they are.
    pytest.param(vmi(res(requests={"example.com/foo": "3"}, limits={"example.com/foo": "3"})), {},
                 exp(req("288Mi", **{"example.com/foo": "3"}), lim(**{"example.com/foo": "3"}),
                     "288Mi"), id="extra-user-resources"),
    # A YAML integer is a valid quantity: cpu 2 -> "2".  No domain.cpu: vCPUs = ceil(2) = 2 ->
    # OH = 240 + 16 + 8 + 32 = 296Mi.
    pytest.param(vmi(res(requests={"cpu": 2})), {},
                 exp(req("296Mi", cpu="2"), lim(), "296Mi"), id="integer-quantity"),
]

DEVICES = [
    # template_test.go "Use emulation" / "should not add the kvm resource ... when emulation is
    # enabled": no kvm limit.
    pytest.param(vmi({}), {"config": devcfg(useEmulation=True)},
                 exp(req("288Mi"), {TUN: "1"}, "288Mi"), id="use-emulation"),
    # template_test.go "should add the kvm resource when emulation is disabled".
    pytest.param(vmi({}), {"config": devcfg(useEmulation=False)},
                 exp(req("288Mi"), lim(), "288Mi"), id="no-emulation-kvm"),
    # useEmulation also drops vhost-net for a virtio interface.
    pytest.param(vmi(dev(interfaces=MASQ), networks=POD_NET), {"config": devcfg(useEmulation=True)},
                 exp(req("288Mi"), {TUN: "1"}, "288Mi"), id="use-emulation-no-vhost-net"),
    # autoattachPodInterface false and no interfaces: no tun.
    pytest.param(vmi(dev(autoattachPodInterface=False)), {},
                 exp(req("288Mi"), {KVM: "1"}, "288Mi"), id="no-pod-interface-no-tun"),
    # autoattachPodInterface true: tun.
    pytest.param(vmi(dev(autoattachPodInterface=True)), {},
                 exp(req("288Mi"), lim(), "288Mi"), id="pod-interface-true"),
    # An interface with the empty model counts as virtio: tun + vhost-net.
    pytest.param(vmi(dev(interfaces=MASQ), networks=POD_NET), {},
                 exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="virtio-default-model"),
    pytest.param(vmi(dev(interfaces=[{"name": "default", "masquerade": {}, "model": "virtio"}]),
                     networks=POD_NET), {},
                 exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="virtio-explicit-model"),
    # e1000 only: no vhost-net.
    pytest.param(vmi(dev(interfaces=[{"name": "default", "masquerade": {}, "model": "e1000"}]),
                     networks=POD_NET), {},
                 exp(req("288Mi"), lim(), "288Mi"), id="e1000-no-vhost-net"),
    # any virtio interface among others: vhost-net.
    pytest.param(vmi(dev(interfaces=[{"name": "a", "bridge": {}, "model": "e1000"},
                                     {"name": "b", "bridge": {}}]),
                     networks=[{"name": "a", "pod": {}}, {"name": "b", "multus": {"networkName": "n"}}]),
                 {}, exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="mixed-models-vhost-net"),
    # autoattachPodInterface false but an interface exists: tun.
    pytest.param(vmi(dev(autoattachPodInterface=False,
                         interfaces=[{"name": "net1", "bridge": {}, "model": "e1000"}]),
                     networks=[{"name": "net1", "multus": {"networkName": "n"}}]), {},
                 exp(req("288Mi"), lim(), "288Mi"), id="no-pod-interface-but-interfaces"),
    # autoattachVSOCK: vhost-vsock.
    pytest.param(vmi(dev(autoattachVSOCK=True)), {},
                 exp(req("288Mi"), lim(**{VSOCK: "1"}), "288Mi"), id="vsock"),
    pytest.param(vmi(dev(autoattachVSOCK=False)), {},
                 exp(req("288Mi"), lim(), "288Mi"), id="vsock-false"),
]

# ============================================================================================
# 2. Memory request (step 1) and memoryOvercommit
# ============================================================================================
MEMORY_REQUEST = [
    # limits.memory only: request = limit.  PT 0 -> OH 288Mi.  Request 1Gi + 288Mi = 1312Mi;
    # limit 1Gi + 288Mi = 1312Mi.
    pytest.param(vmi(res(limits={"memory": "1Gi"})), {},
                 exp(req("1312Mi"), lim(memory="1312Mi"), "288Mi"), id="request-from-limit"),
    # template_test.go "should honor memoryOvercommit" / "memory limits only - not expect
    # overcommit": with 110% the limit is still used as it is.
    pytest.param(vmi(res(limits={"memory": "1Gi"})), {"config": devcfg(memoryOvercommit=110)},
                 exp(req("1312Mi"), lim(memory="1312Mi"), "288Mi"), id="limit-not-overcommitted"),
    # memory.guest only: request = guest 1Gi + 288Mi = 1312Mi; no memory limit.
    pytest.param(vmi({"memory": {"guest": "1Gi"}}), {},
                 exp(req("1312Mi"), lim(), "288Mi"), id="request-from-guest"),
    # template_test.go "guest memory only - expect overcommit" (110%): floor(1073741824*100/110)
    # = floor(976128930.9) = 976128930 (BinarySI like the guest) ; + 301989888 = 1278118818
    # -> not a whole number of Ki -> digits.
    pytest.param(vmi({"memory": {"guest": "1Gi"}}), {"config": devcfg(memoryOvercommit=110)},
                 exp(req("1278118818"), lim(), "288Mi"), id="guest-overcommit-110"),
    # guest 3G at 150%: 3000000000*100/150 = 2000000000 (DecimalSI) ; + 301989888 = 2301989888.
    pytest.param(vmi({"memory": {"guest": "3G"}}), {"config": devcfg(memoryOvercommit=150)},
                 exp(req("2301989888"), lim(), "288Mi"), id="guest-overcommit-150"),
    # template_test.go "memory requests only - not expect overcommit": 1Gi request at 110%:
    # PT(1Gi) = 2Mi -> OH 290Mi = 304087040 ; 1Gi + OH = 1314Mi (BinarySI left operand).
    pytest.param(vmi(res(requests={"memory": "1Gi"})), {"config": devcfg(memoryOvercommit=110)},
                 exp(req("1314Mi"), lim(), "304087040"), id="request-not-overcommitted"),
    # A zero request counts as absent: requests.memory "0", limit 2Gi -> request = limit.
    # PT("0") = 0 -> OH 288Mi.  2Gi + 288Mi = 2336Mi for both.
    pytest.param(vmi(res(requests={"memory": "0"}, limits={"memory": "2Gi"})), {},
                 exp(req("2336Mi"), lim(memory="2336Mi"), "288Mi"), id="zero-request-uses-limit"),
    # The limit wins over memory.guest: 2Gi + 288Mi = 2336Mi.
    pytest.param(vmi(dict(res(limits={"memory": "2Gi"}), memory={"guest": "1Gi"})), {},
                 exp(req("2336Mi"), lim(memory="2336Mi"), "288Mi"), id="limit-wins-over-guest"),
    # hugepages only (no request, limit or guest): base = page size 1Gi -> hugepages-1Gi = 1Gi
    # (request and limit); the memory request is then 0 + OH = 288Mi (step 3).
    pytest.param(vmi({"memory": {"hugepages": {"pageSize": "1Gi"}}}), {},
                 exp(req("288Mi", **{"hugepages-1Gi": "1Gi"}), lim(**{"hugepages-1Gi": "1Gi"}),
                     "288Mi"), id="request-from-hugepage-size"),
    # hugepages 2Mi at 110%: floor(2097152*100/110) = floor(1906501.8) = 1906501 -> digits.
    pytest.param(vmi({"memory": {"hugepages": {"pageSize": "2Mi"}}}),
                 {"config": devcfg(memoryOvercommit=110)},
                 exp(req("288Mi", **{"hugepages-2Mi": "1906501"}),
                     lim(**{"hugepages-2Mi": "1906501"}), "288Mi"), id="hugepage-size-overcommit"),
    # template_test.go "guest memory and hugepages - expect overcommit" (110%): base = guest 1Gi
    # -> 976128930; hugepages-1Gi = that (not larger than the guest); memory request = OH 288Mi.
    pytest.param(vmi({"memory": {"guest": "1Gi", "hugepages": {"pageSize": "1Gi"}}}),
                 {"config": devcfg(memoryOvercommit=110)},
                 exp(req("288Mi", **{"hugepages-1Gi": "976128930"}),
                     lim(**{"hugepages-1Gi": "976128930"}), "288Mi"), id="guest-hugepages-overcommit"),
]

# ============================================================================================
# 3. CPU: dedicated
# ============================================================================================


def ded(cores=None, threads=None, sockets=None, iso=False, policy=None, pool=None, **extra):
    cpu = {"dedicatedCpuPlacement": True}
    for key, val in (("cores", cores), ("threads", threads), ("sockets", sockets)):
        if val is not None:
            cpu[key] = val
    if iso:
        cpu["isolateEmulatorThread"] = True
    dom = {"cpu": cpu}
    if policy is not None:
        dom["ioThreadsPolicy"] = policy
    if pool is not None:
        dom["ioThreads"] = {"supplementalPoolThreadCount": pool}
    dom.update(extra)
    return dom


DEDICATED = [
    # cores 2, requests.memory 1Gi: cpu request = limit = 2.  Memory limit = memory request (1Gi)
    # before OH.  OH = PT 2Mi + 240 + 16 + 8 + 32 + 100 (dedicated) = 398Mi = 417333248.
    # Request = limit = 1Gi + 398Mi = 1422Mi.
    pytest.param(vmi(ded(cores=2, resources={"requests": {"memory": "1Gi"}})), {},
                 exp(req("1422Mi", cpu="2"), lim(cpu="2", memory="1422Mi"), "417333248"),
                 id="dedicated-cores-2"),
    # template_test.go "when isolateEmulatorThread requested" (threads 1, no memory):
    # OH = 240 + 8*N + 8 + 32 + 100 = (380 + 8N)Mi; memory request = OH only, no memory limit.
    # "no annotation added, odd CPUs requested, should allocate one extra emulator CPU": 3 -> 4.
    pytest.param(vmi(ded(cores=3, threads=1, iso=True), annotations={}), {},
                 exp(req("404Mi", cpu="4"), lim(cpu="4"), "404Mi"), id="iso-odd-no-annotation"),
    # "no annotation added, even CPUs requested, should allocate one extra emulator CPU": 2 -> 3.
    pytest.param(vmi(ded(cores=2, threads=1, iso=True), annotations={}), {},
                 exp(req("396Mi", cpu="3"), lim(cpu="3"), "396Mi"), id="iso-even-no-annotation"),
    # "EmulatorThreadCompleteToEvenParity annotation added, odd CPUs requested": 3 -> 4.
    pytest.param(vmi(ded(cores=3, threads=1, iso=True), annotations={EVEN_PARITY: ""}), {},
                 exp(req("404Mi", cpu="4"), lim(cpu="4"), "404Mi"), id="iso-odd-annotation"),
    # "EmulatorThreadCompleteToEvenParity annotation added, even CPUs requested, should allocate
    # two extra emulator CPU (to align SMT scheduling)": 4 -> 6.
    pytest.param(vmi(ded(cores=4, threads=1, iso=True), annotations={EVEN_PARITY: ""}), {},
                 exp(req("412Mi", cpu="6"), lim(cpu="6"), "412Mi"), id="iso-even-annotation"),
    # renderresources_test.go "an isolated emulator thread is requested" / "vCPUs specified, IO
    # threads present": 5 vCPUs + 2 pool threads + 1 = 8.  OH = 240 + 40 + 8 + 32 + 100 = 420Mi.
    pytest.param(vmi(ded(cores=5, iso=True, policy="supplementalPool", pool=2)), {},
                 exp(req("420Mi", cpu="8"), lim(cpu="8"), "420Mi"), id="iso-vcpus-iothreads"),
    # "... EmulatorThreadCompleteToEvenParity enabled, odd total": 5 + 2 = 7; 7 + 2 (pool, policy
    # supplementalPool) = 9 odd -> +1 -> 8.
    pytest.param(vmi(ded(cores=5, iso=True, policy="supplementalPool", pool=2),
                     annotations={EVEN_PARITY: ""}), {},
                 exp(req("420Mi", cpu="8"), lim(cpu="8"), "420Mi"), id="iso-iothreads-parity-odd"),
    # "... EmulatorThreadCompleteToEvenParity enabled, even total": 6 + 2 = 8; 8 + 2 = 10 even
    # -> +2 -> 10.  OH = 240 + 48 + 8 + 32 + 100 = 428Mi.
    pytest.param(vmi(ded(cores=6, iso=True, policy="supplementalPool", pool=2),
                     annotations={EVEN_PARITY: ""}), {},
                 exp(req("428Mi", cpu="10"), lim(cpu="10"), "428Mi"), id="iso-iothreads-parity-even"),
    # "No vCPUs, no IO threads, user-specified reqs/limits CPU": 3 + 0 + 1 = 4 (request too).
    # OH: domain.cpu present, 0 vCPUs -> 1: 240 + 8 + 8 + 32 + 100 = 388Mi.
    pytest.param(vmi(ded(iso=True, policy="supplementalPool", pool=0,
                         resources={"requests": {"cpu": "3"}, "limits": {"cpu": "3"}})), {},
                 exp(req("388Mi", cpu="4"), lim(cpu="4"), "388Mi"), id="iso-no-vcpus-user-cpu"),
    # "No vCPUs, IO threads, user-specified reqs/limits CPU, EmulatorThreadCompleteToEvenParity
    # enabled": 5 + 2 = 7; (7 + 2) odd -> +1 -> 8.
    pytest.param(vmi(ded(iso=True, policy="supplementalPool", pool=2,
                         resources={"requests": {"cpu": "5"}, "limits": {"cpu": "5"}}),
                     annotations={EVEN_PARITY: ""}), {},
                 exp(req("388Mi", cpu="8"), lim(cpu="8"), "388Mi"), id="iso-no-vcpus-iothreads-parity"),
    # "requires additional EmulatorThread CPUs overhead, and additional CPUs added to the limits
    # and the IOThreads": cores 2 + 4 pool threads + 1 = 7.  OH = 240 + 16 + 8 + 32 + 100 = 396Mi.
    pytest.param(vmi(ded(cores=2, iso=True, policy="supplementalPool", pool=4)), {},
                 exp(req("396Mi", cpu="7"), lim(cpu="7"), "396Mi"), id="iso-cores2-iothreads4"),
    # Parity uses limit + pool count when the policy is supplementalPool: cores 4 + 1 = 5;
    # 5 + 1 = 6 even -> +2 -> 7.  OH = 240 + 32 + 8 + 32 + 100 = 412Mi.
    pytest.param(vmi(ded(cores=4, iso=True, policy="supplementalPool", pool=1),
                     annotations={EVEN_PARITY: ""}), {},
                 exp(req("412Mi", cpu="7"), lim(cpu="7"), "412Mi"), id="iso-parity-adds-pool"),
    # Same with policy "shared": the pool count is still added to the CPUs (4 + 1 = 5) but not to
    # the parity test: 5 odd -> +1 -> 6.
    pytest.param(vmi(ded(cores=4, iso=True, policy="shared", pool=1),
                     annotations={EVEN_PARITY: ""}), {},
                 exp(req("412Mi", cpu="6"), lim(cpu="6"), "412Mi"), id="iso-parity-shared-policy"),
    # Topology wins over the user's CPU request/limit: cores 2 -> "2" / "2".
    # OH: PT 0; user cpu 1 == 1 but no memory -> not Guaranteed; dedicated +100:
    # 240 + 16 + 8 + 32 + 100 = 396Mi.
    pytest.param(vmi(ded(cores=2, resources={"requests": {"cpu": "1"}, "limits": {"cpu": "1"}})), {},
                 exp(req("396Mi", cpu="2"), lim(cpu="2"), "396Mi"), id="dedicated-topology-wins"),
    # No topology, user CPU limit only: limit 4 + 0 stays "4"; no CPU request at all (the
    # shared-CPU rule does not run for a dedicated VMI).  OH = 388Mi; no memory limit (there was
    # no memory request when the memory limit would have been aligned).
    pytest.param(vmi(ded(resources={"limits": {"cpu": "4"}})), {},
                 exp(req("388Mi", cpu=None), lim(cpu="4"), "388Mi"), id="dedicated-no-topology-limit-only"),
    # No topology, pool of 2 added to the user's request and limit: 3 + 2 = 5.
    pytest.param(vmi(ded(policy="supplementalPool", pool=2,
                         resources={"requests": {"cpu": "3"}, "limits": {"cpu": "3"}})), {},
                 exp(req("388Mi", cpu="5"), lim(cpu="5"), "388Mi"), id="dedicated-no-topology-pool"),
    # Memory limit only (2Gi): request = limit, then memory limit = request, both + OH.
    # OH: PT 0 + 240 + 8 + 8 + 32 + 100 = 388Mi (BinarySI) -> 2Gi + 388Mi = 2436Mi.
    pytest.param(vmi(ded(cores=1, resources={"limits": {"memory": "2Gi"}})), {},
                 exp(req("2436Mi", cpu="1"), lim(cpu="1", memory="2436Mi"), "388Mi"),
                 id="dedicated-memory-limit-only"),
    # The memory limit is replaced by the memory request: request 1Gi, user limit 2Gi ->
    # limit = 1Gi.  OH = 2Mi + 240 + 8 + 8 + 32 + 100 = 390Mi = 408944640 -> 1Gi + 390Mi = 1414Mi.
    pytest.param(vmi(ded(cores=1, resources={"requests": {"memory": "1Gi"}, "limits": {"memory": "2Gi"}})),
                 {}, exp(req("1414Mi", cpu="1"), lim(cpu="1", memory="1414Mi"), "408944640"),
                 id="dedicated-memory-limit-aligned"),
]

# ============================================================================================
# 4. CPU: shared (cpuAllocationRatio, %g) and auto CPU limits
# ============================================================================================


def cores(n, **extra):
    dom = {"cpu": {"cores": n}}
    dom.update(extra)
    return dom


def ratio(r, **kw):
    return {"config": devcfg(cpuAllocationRatio=r, **kw)}


RQ_NS = "rq-namespace"
CPU_QUOTA = [quota(RQ_NS, limits_cpu="900m")]

SHARED_CPU = [
    # template_test.go "should calculate vmipod cpu request based on vcpus and cpu_allocation_ratio"
    # (cores 3): 3/10 -> "300m".  OH = 240 + 24 + 8 + 32 = 304Mi.
    pytest.param(vmi(cores(3)), {}, exp(req("304Mi", cpu="300m"), lim(), "304Mi"), id="cores3-300m"),
    # template_test.go "should allocate equal amount of cpus to vmipod as vcpus with
    # allocation_ratio set to 1": "3".
    pytest.param(vmi(cores(3)), ratio(1), exp(req("304Mi", cpu="3"), lim(), "304Mi"), id="cores3-ratio1"),
    # template_test.go "should override the calculated amount of cpus if the user has explicitly
    # specified cpu request" (ratio 16, cores 5, request 150m): "150m".  OH 240+40+8+32 = 320Mi.
    pytest.param(vmi(cores(5, resources={"requests": {"cpu": "150m"}})), ratio(16),
                 exp(req("320Mi", cpu="150m"), lim(), "320Mi"), id="user-request-wins"),
    # renderresources_test.go "Default CPU configuration" (5 CPUs):
    # "Requests one CPU per core, when CPU allocation ratio is 1" -> "5".
    pytest.param(vmi(cores(5)), ratio(1), exp(req("320Mi", cpu="5"), lim(), "320Mi"), id="cores5-ratio1"),
    # "Requests 100m per core, when CPU allocation ratio is 10" -> "500m".
    pytest.param(vmi(cores(5)), ratio(10), exp(req("320Mi", cpu="500m"), lim(), "320Mi"),
                 id="cores5-ratio10"),
    # "Limits to one CPU per core, when CPU allocation ratio is 1 and CPU limits are enabled".
    pytest.param(vmi(cores(5), namespace=RQ_NS), dict(ratio(1), resource_quotas=CPU_QUOTA),
                 exp(req("320Mi", cpu="5"), lim(cpu="5"), "320Mi"), id="cores5-ratio1-auto-limit"),
    # "Limits to one CPU per core, when CPU allocation ratio is 10 and CPU limits are enabled".
    pytest.param(vmi(cores(5), namespace=RQ_NS), dict(ratio(10), resource_quotas=CPU_QUOTA),
                 exp(req("320Mi", cpu="500m"), lim(cpu="5"), "320Mi"), id="cores5-ratio10-auto-limit"),
    # No domain.cpu: 1 vCPU / 10 -> "100m" (see "minimal").  2/7 = 0.2857142857142857 < 1 ->
    # "%gm" of 285.7142857142857 -> parsed and rounded up to nano -> "285714286n".
    # OH = 240 + 16 + 8 + 32 = 296Mi.
    pytest.param(vmi(cores(2)), ratio(7), exp(req("296Mi", cpu="285714286n"), lim(), "296Mi"),
                 id="cores2-ratio7-nano"),
    # 3/7 = 0.42857142857142855 -> "428.57142857142856m" -> 428571429n.  OH 304Mi.
    pytest.param(vmi(cores(3)), ratio(7), exp(req("304Mi", cpu="428571429n"), lim(), "304Mi"),
                 id="cores3-ratio7-nano"),
    # 1/3 -> "333.3333333333333m" -> 333333334n.  OH 288Mi.
    pytest.param(vmi(cores(1)), ratio(3), exp(req("288Mi", cpu="333333334n"), lim(), "288Mi"),
                 id="cores1-ratio3-nano"),
    # 10/3 = 3.3333333333333335 (>= 1: plain "%g") -> rounded up to nano 3.333333334 ->
    # "3333333334n".  OH = 240 + 80 + 8 + 32 = 360Mi.
    pytest.param(vmi(cores(10)), ratio(3), exp(req("360Mi", cpu="3333333334n"), lim(), "360Mi"),
                 id="cores10-ratio3-nano"),
    # 12/10 = 1.2 -> "1.2" -> canonical "1200m".  OH = 240 + 96 + 8 + 32 = 376Mi.
    pytest.param(vmi(cores(12)), {}, exp(req("376Mi", cpu="1200m"), lim(), "376Mi"), id="cores12-1200m"),
    # 2 sockets x 2 cores x 2 threads = 8 -> "800m".  OH = 240 + 64 + 8 + 32 = 344Mi.
    pytest.param(vmi({"cpu": {"sockets": 2, "cores": 2, "threads": 2}}), {},
                 exp(req("344Mi", cpu="800m"), lim(), "344Mi"), id="topology-8-800m"),
    # (Go's %g exponent form from 1e6 on is not reached: a guest has at most 4096 vCPUs, and the
    # ratio is at least 1; test_launcher_edges.py tests the formatting itself.)
    # The most vCPUs: 4096 cores / ratio 1.  OH = 240 + 32768 + 8 + 32 = 33048Mi.
    pytest.param(vmi(cores(4096)), ratio(1),
                 exp(req("33048Mi", cpu="4096"), lim(), "33048Mi"), id="most-vcpus"),
    # val == 1 exactly: 10/10 -> "%g" = "1" -> "1".  OH = 240 + 80 + 8 + 32 = 360Mi.
    pytest.param(vmi(cores(10)), {}, exp(req("360Mi", cpu="1"), lim(), "360Mi"), id="cores10-one-cpu"),
    # Tiny ratios: 1/10000 = 0.0001 -> * 1000 = 0.1 -> "0.1m" = 100 micro-cores -> "100u".
    pytest.param(vmi(cores(1)), ratio(10000), exp(req("288Mi", cpu="100u"), lim(), "288Mi"),
                 id="ratio-10000-micro"),
    # 1/3000 = 0.0003333333333333333 -> * 1000 = 0.33333333333333337 -> "0.33333333333333337m"
    # -> 0.00033333333333333337 cores, rounded up to nano -> 333334n.
    pytest.param(vmi(cores(1)), ratio(3000), exp(req("288Mi", cpu="333334n"), lim(), "288Mi"),
                 id="ratio-3000-nano"),
    # supplementalPoolThreadCount is added whatever the policy: no domain.cpu (1) + 1 = 2 -> 200m.
    pytest.param(vmi({"ioThreads": {"supplementalPoolThreadCount": 1}}), {},
                 exp(req("288Mi", cpu="200m"), lim(), "288Mi"), id="pool-no-cpu-200m"),
    # cores 2 + pool 2 (policy supplementalPool) = 4 -> 400m.  OH = 240 + 16 + 8 + 32 = 296Mi.
    pytest.param(vmi(cores(2, ioThreadsPolicy="supplementalPool",
                           ioThreads={"supplementalPoolThreadCount": 2})), {},
                 exp(req("296Mi", cpu="400m"), lim(), "296Mi"), id="pool-cores2-400m"),
    # domain.cpu with an all-zero topology: 0 vCPUs -> no CPU request is rendered at all.
    pytest.param(vmi({"cpu": {"model": "host-passthrough"}}), {},
                 exp(req("288Mi", cpu=None), lim(), "288Mi"), id="zero-topology-no-cpu-request"),
    # ... but the pool threads still count: 0 + 2 = 2 -> 200m.
    pytest.param(vmi({"cpu": {"model": "host-passthrough"}, "ioThreadsPolicy": "supplementalPool",
                      "ioThreads": {"supplementalPoolThreadCount": 2}}), {},
                 exp(req("288Mi", cpu="200m"), lim(), "288Mi"), id="zero-topology-pool"),
    # User CPU limit only: the computed request (1/10) stays, the user's limit is kept.  No
    # domain.cpu -> overhead vCPUs from the limit: 240 + 16 + 8 + 32 = 296Mi.
    pytest.param(vmi(res(limits={"cpu": "2"})), {},
                 exp(req("296Mi", cpu="100m"), lim(cpu="2"), "296Mi"), id="user-limit-only"),
    # template_test.go "with auto CPU limits" / "should automatically set limits": quota with
    # limits.cpu in the VMI's namespace, cores 2, request 200m -> limit "2".  OH 296Mi.
    pytest.param(vmi(cores(2, resources={"requests": {"cpu": "200m"}}), namespace=RQ_NS),
                 {"resource_quotas": CPU_QUOTA},
                 exp(req("296Mi", cpu="200m"), lim(cpu="2"), "296Mi"), id="auto-cpu-limit"),
    # template_test.go "vmi has CPU limits set" / "should not override limits": limit
    # 0 + 150m + 200m = 350m stays.
    pytest.param(vmi(cores(2, resources={"requests": {"cpu": "200m"}, "limits": {"cpu": "350m"}}),
                     namespace=RQ_NS), {"resource_quotas": CPU_QUOTA},
                 exp(req("296Mi", cpu="200m"), lim(cpu="350m"), "296Mi"), id="auto-cpu-user-limit-wins"),
    # template_test.go "when the creation namespace has a resource quota without CPU limits":
    # a quota on "cpu" (not "limits.cpu") does not turn auto limits on.  2/10 = 200m.
    pytest.param(vmi(cores(2), namespace="no-rq-namespace"),
                 {"resource_quotas": [quota("no-rq-namespace", cpu="900m")]},
                 exp(req("296Mi", cpu="200m"), lim(), "296Mi"), id="quota-without-limits-cpu"),
    # A quota in another namespace does not count.
    pytest.param(vmi(cores(2), namespace="somethingelse"), {"resource_quotas": CPU_QUOTA},
                 exp(req("296Mi", cpu="200m"), lim(), "296Mi"), id="quota-other-namespace"),
    # No domain.cpu with auto limits: request 100m, limit "1".
    pytest.param(vmi({}, namespace=RQ_NS), {"resource_quotas": CPU_QUOTA},
                 exp(req("288Mi"), lim(cpu="1"), "288Mi"), id="auto-cpu-limit-no-topology"),
    # template_test.go "the auto resource limits feature gate is disabled" / "should
    # automatically set CPU limits when namespace labels match AutoCPULimitNamespaceLabelSelector":
    # cores 2 -> request 200m, limit "2" (no ResourceQuota needed).
    pytest.param(vmi(cores(2), namespace="matching-label-ns"),
                 {"config": {"autoCPULimitNamespaceLabelSelector": {"matchLabels": {"testAutoLimits": "true"}}},
                  "namespace": namespace_obj("matching-label-ns", {"testAutoLimits": "true"})},
                 exp(req("296Mi", cpu="200m"), lim(cpu="2"), "296Mi"), id="auto-cpu-limit-label-selector"),
    # "should not automatically set CPU limits when namespace labels does not match
    # AutoCPULimitNamespaceLabelSelector".
    pytest.param(vmi(cores(2), namespace="somethingelse"),
                 {"config": {"autoCPULimitNamespaceLabelSelector": {"matchLabels": {"testAutoLimits": "true"}}},
                  "namespace": namespace_obj("somethingelse", {"other": "label"})},
                 exp(req("296Mi", cpu="200m"), lim(), "296Mi"), id="auto-cpu-limit-label-mismatch"),
    # Auto limit includes the pool threads: cores 2 + 2 = 4 -> request 400m, limit "4".
    pytest.param(vmi(cores(2, ioThreadsPolicy="supplementalPool",
                           ioThreads={"supplementalPoolThreadCount": 2}), namespace=RQ_NS),
                 {"resource_quotas": CPU_QUOTA},
                 exp(req("296Mi", cpu="400m"), lim(cpu="4"), "296Mi"), id="auto-cpu-limit-pool"),
]

# ============================================================================================
# 5. Hugepages and overcommitGuestOverhead
# ============================================================================================


def hp(size, requests=None, limits=None, guest=None, **extra):
    dom = {"memory": {"hugepages": {"pageSize": size}}, "resources": {}}
    if guest is not None:
        dom["memory"]["guest"] = guest
    if requests is not None:
        dom["resources"]["requests"] = dict(requests)
    if limits is not None:
        dom["resources"]["limits"] = dict(limits)
    dom["resources"].update(extra.pop("resources_extra", {}))
    dom.update(extra)
    return dom


# OH for requests.memory 64M: PT 125000 + 288Mi = 302114888; arm64 + 128Mi = 436332616.
HUGEPAGES = [
    # template_test.go "with hugepages constraints" / "should add to the template constraints":
    # "hugepages-2Mi on amd64" (303 MB): hugepages-2Mi = 64M; memory request = limit =
    # max(0, 64M - guest n/a) 0 + OH = 302114888 (ceil in MB = 303).
    pytest.param(vmi(hp("2Mi", {"memory": "64M"}, {"memory": "64M"})), {},
                 exp(req("302114888", **{"hugepages-2Mi": "64M"}),
                     lim(memory="302114888", **{"hugepages-2Mi": "64M"}), "302114888"),
                 id="hugepages-2Mi-amd64"),
    # "hugepages-1Gi on amd64" (303).
    pytest.param(vmi(hp("1Gi", {"memory": "64M"}, {"memory": "64M"})), {},
                 exp(req("302114888", **{"hugepages-1Gi": "64M"}),
                     lim(memory="302114888", **{"hugepages-1Gi": "64M"}), "302114888"),
                 id="hugepages-1Gi-amd64"),
    # "hugepages-2Mi on arm64" (437): 302114888 + 134217728 = 436332616.
    pytest.param(vmi(hp("2Mi", {"memory": "64M"}, {"memory": "64M"}), architecture="arm64"),
                 {"arch": "arm64"},
                 exp(req("436332616", **{"hugepages-2Mi": "64M"}),
                     lim(memory="436332616", **{"hugepages-2Mi": "64M"}), "436332616"),
                 id="hugepages-2Mi-arm64"),
    # template_test.go "should account for difference between guest and container requested
    # memory" (amd64, 303 + 6): guest 64M, request = limit = 70M, 1Gi pages.
    # hugepages-1Gi = guest 64M (smaller).  PT(70M) = 70000000/512 = 136718.75 -> 136718;
    # OH = 136718 + 301989888 = 302126606.  Memory = (70M - 64M) + OH = 6000000 + 302126606
    # = 308126606 (ceil in MB = 309 = 303 + 6).
    pytest.param(vmi(hp("1Gi", {"memory": "70M"}, {"memory": "70M"}, guest="64M")), {},
                 exp(req("308126606", **{"hugepages-1Gi": "64M"}),
                     lim(memory="308126606", **{"hugepages-1Gi": "64M"}), "302126606"),
                 id="hugepages-guest-smaller"),
    # ... "on arm64" (437 + 6): OH + 128Mi = 436344334; memory 442344334.
    pytest.param(vmi(hp("1Gi", {"memory": "70M"}, {"memory": "70M"}, guest="64M")),
                 {"arch": "arm64"},
                 exp(req("442344334", **{"hugepages-1Gi": "64M"}),
                     lim(memory="442344334", **{"hugepages-1Gi": "64M"}), "436344334"),
                 id="hugepages-guest-smaller-arm64"),
    # overcommitGuestOverhead is ignored with hugepages: same as hugepages-2Mi-amd64.
    pytest.param(vmi(hp("2Mi", {"memory": "64M"}, {"memory": "64M"},
                        resources_extra={"overcommitGuestOverhead": True})), {},
                 exp(req("302114888", **{"hugepages-2Mi": "64M"}),
                     lim(memory="302114888", **{"hugepages-2Mi": "64M"}), "302114888"),
                 id="hugepages-ignore-overcommit-guest-overhead"),
    # Request only (1Gi, 2Mi pages): hugepages-2Mi = 1Gi; memory request = OH = 290Mi DecimalSI
    # (zero DecimalSI + DecimalSI OH) = 304087040; no memory limit.
    pytest.param(vmi(hp("2Mi", {"memory": "1Gi"})), {},
                 exp(req("304087040", **{"hugepages-2Mi": "1Gi"}),
                     lim(**{"hugepages-2Mi": "1Gi"}), "304087040"), id="hugepages-request-only"),
    # Guest larger than the request: hugepages = request 1Gi; no difference added.
    pytest.param(vmi(hp("1Gi", {"memory": "1Gi"}, guest="2Gi")), {},
                 exp(req("304087040", **{"hugepages-1Gi": "1Gi"}),
                     lim(**{"hugepages-1Gi": "1Gi"}), "304087040"), id="hugepages-guest-larger"),
    # Limit above the guest, request equal to it: request = 0 + OH = 304087040; limit =
    # (2Gi - 1Gi) + OH.  The limit's running sum starts at zero, takes 2Gi's BinarySI format,
    # so 1Gi + 290Mi = 1314Mi prints with a binary suffix.
    pytest.param(vmi(hp("1Gi", {"memory": "1Gi"}, {"memory": "2Gi"}, guest="1Gi")), {},
                 exp(req("304087040", **{"hugepages-1Gi": "1Gi"}),
                     lim(memory="1314Mi", **{"hugepages-1Gi": "1Gi"}), "304087040"),
                 id="hugepages-limit-above-guest"),
    # Dedicated CPU + hugepages: the dedicated rule sets the memory limit (= request 1Gi), so the
    # hugepages rule then writes a memory limit too: request = limit = 0 + OH, with
    # OH = PT 2Mi + 240 + 8 + 8 + 32 + 100 = 390Mi = 408944640.
    pytest.param(vmi(hp("1Gi", {"memory": "1Gi"}, cpu={"cores": 1, "dedicatedCpuPlacement": True})), {},
                 exp(req("408944640", cpu="1", **{"hugepages-1Gi": "1Gi"}),
                     lim(cpu="1", memory="408944640", **{"hugepages-1Gi": "1Gi"}), "408944640"),
                 id="hugepages-dedicated-cpu"),
    # Guest only with hugepages: request = guest 1Gi (step 1) -> hugepages-1Gi = 1Gi; memory = OH.
    pytest.param(vmi(hp("1Gi", guest="1Gi")), {},
                 exp(req("288Mi", **{"hugepages-1Gi": "1Gi"}),
                     lim(**{"hugepages-1Gi": "1Gi"}), "288Mi"), id="hugepages-guest-only"),
]

OVERCOMMIT_GUEST_OVERHEAD = [
    # template_test.go "should overcommit guest overhead if selected, by only adding the overhead
    # to memory limits" (amd64): request 1G stays "1G"; limit 2G + OH.  OH = PT(1G) 1953125 +
    # 288Mi = 303943013; limit 2000000000 + 303943013 = 2303943013.
    pytest.param(vmi(res(requests={"memory": "1G"}, limits={"memory": "2G"},
                         overcommitGuestOverhead=True)), {},
                 exp(req("1G"), lim(memory="2303943013"), "303943013"), id="overcommit-guest-overhead"),
    # ... "on arm64": OH + 128Mi = 438160741; limit 2438160741.
    pytest.param(vmi(res(requests={"memory": "1G"}, limits={"memory": "2G"},
                         overcommitGuestOverhead=True)), {"arch": "arm64"},
                 exp(req("1G"), lim(memory="2438160741"), "438160741"),
                 id="overcommit-guest-overhead-arm64"),
    # With no memory at all the request key is still written, as a zero quantity: "0".
    pytest.param(vmi(res(overcommitGuestOverhead=True)), {},
                 exp(req("0"), lim(), "288Mi"), id="overcommit-guest-overhead-zero-request"),
]

# ============================================================================================
# 6. Whole-template numbers from template_test.go "with cpu and memory constraints"
# ============================================================================================
TEMPLATE = [
    # "should add cpu and memory constraints to a template" on amd64: requests cpu 1m mem 1G,
    # limits cpu 2m mem 2G.  No domain.cpu: vCPUs = ceil(2m) = 1.  OH = PT(1G) 1953125 + 288Mi
    # = 303943013; request 1303943013, limit 2303943013.
    pytest.param(vmi(res(requests={"cpu": "1m", "memory": "1G"}, limits={"cpu": "2m", "memory": "2G"})),
                 {}, exp(req("1303943013", cpu="1m"), lim(cpu="2m", memory="2303943013"), "303943013"),
                 id="constraints-amd64"),
    # ... on arm64: OH 438160741 -> 1438160741 / 2438160741.
    pytest.param(vmi(res(requests={"cpu": "1m", "memory": "1G"}, limits={"cpu": "2m", "memory": "2G"}),
                     architecture="arm64"), {},
                 exp(req("1438160741", cpu="1m"), lim(cpu="2m", memory="2438160741"), "438160741"),
                 id="constraints-arm64"),
    # "should not add unset resources" (amd64, 383 MB): cores 3, requests cpu 1m mem 64M.
    # OH = 125000 + (240 + 24 + 8 + 32)Mi = 125000 + 318767104 = 318892104; request 64M + OH =
    # 382892104.
    pytest.param(vmi(cores(3, resources={"requests": {"cpu": "1m", "memory": "64M"}})), {},
                 exp(req("382892104", cpu="1m"), lim(), "318892104"), id="unset-resources-amd64"),
    # ... arm64 (518): + 134217728 -> 517109832.
    pytest.param(vmi(cores(3, resources={"requests": {"cpu": "1m", "memory": "64M"}})), {"arch": "arm64"},
                 exp(req("517109832", cpu="1m"), lim(), "453109832"), id="unset-resources-arm64"),
    # "should check autoattachGraphicsDevicse" / "not consider graphics overhead if it is set to
    # false on amd64" (350): 382892104 - 33554432 = 349337672.
    pytest.param(vmi(cores(3, resources={"requests": {"cpu": "1m", "memory": "64M"}},
                           devices={"autoattachGraphicsDevice": False})), {},
                 exp(req("349337672", cpu="1m"), lim(), "285337672"), id="no-graphics-amd64"),
    # ... "on arm64" (484): 517109832 - 33554432 = 483555400.
    pytest.param(vmi(cores(3, resources={"requests": {"cpu": "1m", "memory": "64M"}},
                           devices={"autoattachGraphicsDevice": False})), {"arch": "arm64"},
                 exp(req("483555400", cpu="1m"), lim(), "419555400"), id="no-graphics-arm64"),
    # template_test.go "with sriov interface" / "should add 1G of memory overhead": request 1G
    # + OH, OH = 1953125 + 288Mi + 1Gi = 303943013 + 1073741824 = 1377684837; request
    # 2377684837.  Interface model empty -> vhost-net; tun.
    pytest.param(vmi({"resources": {"requests": {"memory": "1G"}},
                      "devices": {"interfaces": [{"name": "sriov-nic", "sriov": {}}]}},
                     networks=[{"name": "sriov-nic", "multus": {"networkName": "sriov"}}]), {},
                 exp(req("2377684837"), lim(**{VHOST: "1"}), "1377684837"), id="sriov-1Gi"),
]

# ============================================================================================
# 7. Auto memory limits
# ============================================================================================
MEM_QUOTA = [quota(RQ_NS, limits_memory="128M")]
REQ_64M = {"resources": {"requests": {"memory": "64M"}}}

AUTO_MEMORY = [
    # template_test.go "with auto Memory limits" / "should automatically set limits using the
    # default ratio": request 64M + OH 302114888 = 366114888; limit int64(366114888 * 2.0) =
    # 732229776 (DecimalSI like the request).
    pytest.param(vmi(REQ_64M, namespace=RQ_NS), {"resource_quotas": MEM_QUOTA},
                 exp(req("366114888"), lim(memory="732229776"), "302114888"), id="auto-memory-default"),
    # "should set limits" / "using custom ratio value if the label value is a float" (3.2):
    # int64(366114888 * 3.2) = int64(1171567641.6) = 1171567641.
    pytest.param(vmi(REQ_64M, namespace=RQ_NS),
                 {"resource_quotas": MEM_QUOTA, "namespace": namespace_obj(RQ_NS, {RATIO_LABEL: "3.2"})},
                 exp(req("366114888"), lim(memory="1171567641"), "302114888"), id="auto-memory-ratio-3.2"),
    # "using default ratio value if the label value is not a float": 2.0.
    pytest.param(vmi(REQ_64M, namespace=RQ_NS),
                 {"resource_quotas": MEM_QUOTA,
                  "namespace": namespace_obj(RQ_NS, {RATIO_LABEL: "not_a_float"})},
                 exp(req("366114888"), lim(memory="732229776"), "302114888"), id="auto-memory-bad-label"),
    # A ratio below 1.0 is rejected: default 2.0.
    pytest.param(vmi(REQ_64M, namespace=RQ_NS),
                 {"resource_quotas": MEM_QUOTA, "namespace": namespace_obj(RQ_NS, {RATIO_LABEL: "0.5"})},
                 exp(req("366114888"), lim(memory="732229776"), "302114888"), id="auto-memory-label-below-1"),
    # "should not override limits" / "if they are already set in the vmi": limit 64M + OH.
    pytest.param(vmi({"resources": {"requests": {"memory": "64M"}, "limits": {"memory": "64M"}}},
                     namespace=RQ_NS), {"resource_quotas": MEM_QUOTA},
                 exp(req("366114888"), lim(memory="366114888"), "302114888"), id="auto-memory-user-limit"),
    # "should not override limits" / "if the vmi is requesting dedicated CPU": cpu
    # {dedicatedCpuPlacement} (0 vCPUs), request 64M.  The memory limit comes from the dedicated
    # CPU rule (= request) and wins over the auto limit.  OH = 125000 + (240+8+8+32+100)Mi =
    # 125000 + 406847488 = 406972488; request = limit = 64000000 + 406972488 = 470972488.
    pytest.param(vmi({"resources": {"requests": {"memory": "64M"}}, "cpu": {"dedicatedCpuPlacement": True}},
                     namespace=RQ_NS), {"resource_quotas": MEM_QUOTA},
                 exp(req("470972488", cpu=None), lim(memory="470972488"), "406972488"),
                 id="auto-memory-dedicated-cpu"),
    # "when the creation namespace have a resource quota without memory limits": no limit.
    pytest.param(vmi(REQ_64M, namespace="no-rq-namespace"),
                 {"resource_quotas": [quota("no-rq-namespace", memory="128M")]},
                 exp(req("366114888"), lim(), "302114888"), id="quota-without-limits-memory"),
    # BinarySI request: 1Gi + 290Mi = 1314Mi; ratio 1.5 -> 1971Mi exactly -> "1971Mi".
    pytest.param(vmi({"resources": {"requests": {"memory": "1Gi"}}}, namespace=RQ_NS),
                 {"resource_quotas": MEM_QUOTA, "namespace": namespace_obj(RQ_NS, {RATIO_LABEL: "1.5"})},
                 exp(req("1314Mi"), lim(memory="1971Mi"), "304087040"), id="auto-memory-binary-1.5"),
    # ratio 1.1: int64(1377828864 * 1.1) = 1515611750 -> BinarySI, not whole Ki -> digits.
    pytest.param(vmi({"resources": {"requests": {"memory": "1Gi"}}}, namespace=RQ_NS),
                 {"resource_quotas": MEM_QUOTA, "namespace": namespace_obj(RQ_NS, {RATIO_LABEL: "1.1"})},
                 exp(req("1314Mi"), lim(memory="1515611750"), "304087040"), id="auto-memory-binary-1.1"),
    # Both CPU and memory auto limits: cores 2, request 64M.  OH = 125000 + (240+16+8+32)Mi =
    # 125000 + 310378496 = 310503496; request 374503496; memory limit 749006992; cpu 200m / "2".
    pytest.param(vmi(cores(2, resources={"requests": {"memory": "64M"}}), namespace=RQ_NS),
                 {"resource_quotas": [quota(RQ_NS, limits_cpu="4", limits_memory="1G")]},
                 exp(req("374503496", cpu="200m"), lim(cpu="2", memory="749006992"), "310503496"),
                 id="auto-cpu-and-memory"),
    # Hugepages: memory request = OH 302114888 -> auto limit 604229776; hugepages-2Mi = 64M.
    pytest.param(vmi(hp("2Mi", {"memory": "64M"}), namespace=RQ_NS), {"resource_quotas": MEM_QUOTA},
                 exp(req("302114888", **{"hugepages-2Mi": "64M"}),
                     lim(memory="604229776", **{"hugepages-2Mi": "64M"}), "302114888"),
                 id="auto-memory-hugepages"),
    # overcommitGuestOverhead: the request stays 64M, so the auto limit is 2 * 64M = 128000000
    # -> DecimalSI "128M" (the overhead is not in it).
    pytest.param(vmi({"resources": {"requests": {"memory": "64M"}, "overcommitGuestOverhead": True}},
                     namespace=RQ_NS), {"resource_quotas": MEM_QUOTA},
                 exp(req("64M"), lim(memory="128M"), "302114888"), id="auto-memory-overcommit-guest"),
    # 64Mi example: 360576Ki * 2 = 721152Ki.
    pytest.param(vmi({"resources": {"requests": {"memory": "64Mi"}}}, namespace=RQ_NS),
                 {"resource_quotas": MEM_QUOTA},
                 exp(req("360576Ki"), lim(memory="721152Ki"), "302120960"), id="auto-memory-64Mi"),
]

# ============================================================================================
# 8. NetworkAttachmentDefinition resource names (ExternalNetResourceInjection disabled)
# ============================================================================================
NAD_OFF = {"config": gate_off("ExternalNetResourceInjection")}
BRIDGE_NET1 = dev(interfaces=[{"name": "net1", "bridge": {}}])
NET1_TEST1 = [{"name": "net1", "multus": {"networkName": "test1"}}]
NADS = [nad("test1", "other-namespace", NET_RES), nad("test1", "default"), nad("default", "default")]

NETWORKS = [
    # template_test.go "NAD query disablement" / "Should not query NAD when
    # ExternalNetResourceInjection is enabled": VMI in other-namespace, multus test1 -> no
    # network resource.
    pytest.param(vmi(BRIDGE_NET1, namespace="other-namespace", networks=NET1_TEST1),
                 {"config": {"developerConfiguration": {"featureGates": ["ExternalNetResourceInjection"]}},
                  "network_attachment_definitions": NADS},
                 exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="nad-gate-enabled"),
    # The gate is Beta, so on by default: no network resource either.
    pytest.param(vmi(BRIDGE_NET1, namespace="other-namespace", networks=NET1_TEST1),
                 {"network_attachment_definitions": NADS},
                 exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="nad-gate-default-on"),
    # Gate disabled: the NAD's resourceName gets +1 request and limit (renderresources_test.go
    # "adds a request and sets limit for each multus network resource").
    pytest.param(vmi(BRIDGE_NET1, namespace="other-namespace", networks=NET1_TEST1),
                 dict(NAD_OFF, network_attachment_definitions=NADS),
                 exp(req("288Mi", **{NET_RES: "1"}), lim(**{VHOST: "1", NET_RES: "1"}), "288Mi"),
                 id="nad-gate-disabled"),
    # "namespace/name" network names look the NAD up in that namespace.
    pytest.param(vmi(BRIDGE_NET1, namespace="default",
                     networks=[{"name": "net1", "multus": {"networkName": "other-namespace/test1"}}]),
                 dict(NAD_OFF, network_attachment_definitions=NADS),
                 exp(req("288Mi", **{NET_RES: "1"}), lim(**{VHOST: "1", NET_RES: "1"}), "288Mi"),
                 id="nad-namespaced-name"),
    # A NAD without the resourceName annotation adds nothing (default/test1).
    pytest.param(vmi(BRIDGE_NET1, namespace="default", networks=NET1_TEST1),
                 dict(NAD_OFF, network_attachment_definitions=NADS),
                 exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="nad-without-annotation"),
    # Two networks on the same resource: 2.  Two resources: 1 each.
    pytest.param(vmi(dev(interfaces=[{"name": "n1", "bridge": {}}, {"name": "n2", "bridge": {}},
                                     {"name": "n3", "bridge": {}}]),
                     namespace="ns",
                     networks=[{"name": "n1", "multus": {"networkName": "a"}},
                               {"name": "n2", "multus": {"networkName": "b"}},
                               {"name": "n3", "multus": {"networkName": "c"}}]),
                 dict(NAD_OFF, network_attachment_definitions=[
                     nad("a", "ns", "intel.com/sriov"), nad("b", "ns", "intel.com/sriov"),
                     nad("c", "ns", "example.com/other")]),
                 exp(req("288Mi", **{"intel.com/sriov": "2", "example.com/other": "1"}),
                     lim(**{VHOST: "1", "intel.com/sriov": "2", "example.com/other": "1"}), "288Mi"),
                 id="nad-counts"),
    # A multus network marked default is still looked up (NetworkToResource takes every
    # network with a multus source).
    pytest.param(vmi(BRIDGE_NET1, namespace="default",
                     networks=[{"name": "net1", "multus": {"networkName": "other-namespace/test1",
                                                           "default": True}}]),
                 dict(NAD_OFF, network_attachment_definitions=NADS),
                 exp(req("288Mi", **{NET_RES: "1"}), lim(**{VHOST: "1", NET_RES: "1"}), "288Mi"),
                 id="nad-multus-default-network"),
    # featuregate.IsEnabled checks featureGates before disabledFeatureGates: named in both, the
    # gate is on -> no NAD resource.
    pytest.param(vmi(BRIDGE_NET1, namespace="other-namespace", networks=NET1_TEST1),
                 {"config": {"developerConfiguration": {
                     "featureGates": ["ExternalNetResourceInjection"],
                     "disabledFeatureGates": ["ExternalNetResourceInjection"]}},
                  "network_attachment_definitions": NADS},
                 exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="nad-gate-enabled-wins"),
    # The pod network is not a multus network: nothing to look up.
    pytest.param(vmi(dev(interfaces=MASQ), networks=POD_NET), NAD_OFF,
                 exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="nad-pod-network-ignored"),
]

# ============================================================================================
# 9. GPUs, host devices, DRA claims, SEV
# ============================================================================================
# OH with one VFIO device and no memory: 288Mi + 1024Mi = 1312Mi (BinarySI).
DEVICE_PLUGINS = [
    # renderresources_test.go "GPU requests / limits are honored": discombobulator2000 -> 1.
    pytest.param(vmi(dev(gpus=[{"name": "gp1", "deviceName": "discombobulator2000", "tag": "megatag"}])),
                 {}, exp(req("1312Mi", discombobulator2000="1"), lim(discombobulator2000="1"), "1312Mi"),
                 id="gpu-device-plugin"),
    # renderresources_test.go "host device requests / limits are honored".
    pytest.param(vmi(dev(hostDevices=[{"name": "hd1", "deviceName": "discombobulator2000",
                                       "tag": "not-so-megatag"}])),
                 {}, exp(req("1312Mi", discombobulator2000="1"), lim(discombobulator2000="1"), "1312Mi"),
                 id="hostdevice-device-plugin"),
    # Each device is one more: two GPUs with the same deviceName -> 2; a host device with the
    # same name adds a third.
    pytest.param(vmi(dev(gpus=[{"name": "a", "deviceName": "nvidia.com/GP100"},
                               {"name": "b", "deviceName": "nvidia.com/GP100"}],
                         hostDevices=[{"name": "c", "deviceName": "nvidia.com/GP100"}])),
                 {}, exp(req("1312Mi", **{"nvidia.com/GP100": "3"}), lim(**{"nvidia.com/GP100": "3"}),
                         "1312Mi"), id="devices-accumulate"),
    # renderresources_test.go "should handle HostDevices with both device plugin and DRA resources
    # in API": pci-device 1 + claim dra-claim/dra-request.
    pytest.param(vmi(dev(hostDevices=[{"name": "device-plugin-host", "deviceName": "pci-device"},
                                      {"name": "dra-host", "claimName": "dra-claim",
                                       "requestName": "dra-request"}])),
                 {}, exp(req("1312Mi", **{"pci-device": "1"}), lim(**{"pci-device": "1"}), "1312Mi",
                         claims=[{"name": "dra-claim", "request": "dra-request"}]),
                 id="hostdevice-plugin-and-dra"),
    # renderresources_test.go "should handle GPUs with both device plugin and DRA resources in API".
    pytest.param(vmi(dev(gpus=[{"name": "device-plugin-gpu", "deviceName": "nvidia-gpu"},
                               {"name": "dra-gpu", "claimName": "gpu-claim", "requestName": "gpu-request"}])),
                 {}, exp(req("1312Mi", **{"nvidia-gpu": "1"}), lim(**{"nvidia-gpu": "1"}), "1312Mi",
                         claims=[{"name": "gpu-claim", "request": "gpu-request"}]),
                 id="gpu-plugin-and-dra"),
    # renderresources_test.go "should preserve HostDevice DRA claims with same name and different
    # requests".
    pytest.param(vmi(dev(hostDevices=[
        {"name": "dra-host-1", "claimName": "shared-claim", "requestName": "request-a"},
        {"name": "dra-host-2", "claimName": "shared-claim", "requestName": "request-b"}])),
        {}, exp(req("1312Mi"), lim(), "1312Mi",
                claims=[{"name": "shared-claim", "request": "request-a"},
                        {"name": "shared-claim", "request": "request-b"}]),
        id="hostdevice-dra-shared-claim"),
    # GPU claims come before host-device claims (template.go rule order).
    pytest.param(vmi(dev(hostDevices=[{"name": "h", "claimName": "hostdev-claim",
                                       "requestName": "hostdev-request"}],
                         gpus=[{"name": "g", "claimName": "gpu-claim", "requestName": "gpu-request"}])),
                 {}, exp(req("1312Mi"), lim(), "1312Mi",
                         claims=[{"name": "gpu-claim", "request": "gpu-request"},
                                 {"name": "hostdev-claim", "request": "hostdev-request"}]),
                 id="dra-claim-order"),
    # The DRA gates (GPUsWithDRA, HostDevicesWithDRA) are Beta: on by default, and when disabled
    # no claim is rendered (template.go VMIResourcePredicates).  The 1Gi VFIO overhead stays.
    pytest.param(vmi(dev(hostDevices=[{"name": "h", "claimName": "hc", "requestName": "hr"}],
                         gpus=[{"name": "g", "claimName": "gc", "requestName": "gr"}])),
                 {"config": gate_off("GPUsWithDRA", "HostDevicesWithDRA")},
                 exp(req("1312Mi"), lim(), "1312Mi"), id="dra-gates-disabled"),
    # renderresources_test.go "WithSEV option adds SEV device resource": devices.kubevirt.io/sev 1.
    # OH 288 + 256 = 544Mi.
    pytest.param(vmi({"launchSecurity": {"sev": {}}}), {},
                 exp(req("544Mi", **{SEV: "1"}), lim(**{SEV: "1"}), "544Mi"), id="sev-device"),
    # SEV-ES and SEV-SNP use the same device.
    pytest.param(vmi({"launchSecurity": {"sev": {"policy": {"encryptedState": True}}}}), {},
                 exp(req("544Mi", **{SEV: "1"}), lim(**{SEV: "1"}), "544Mi"), id="sev-es-device"),
    pytest.param(vmi({"launchSecurity": {"snp": {}}}), {},
                 exp(req("544Mi", **{SEV: "1"}), lim(**{SEV: "1"}), "544Mi"), id="snp-device"),
]

# ============================================================================================
# 10. Network binding overhead (passt, binding plugins)
# ============================================================================================
PLUGIN_CFG = {"network": {"binding": {"plugin1": {"computeResourceOverhead": {
    "requests": {"memory": "500Mi"}}}}}}

NET_BINDING = [
    # passtBinding adds 250Mi after the ratio: 288Mi + 250Mi = 538Mi (total overhead); the
    # interface is virtio -> vhost-net.
    pytest.param(vmi(dev(interfaces=[{"name": "default", "passtBinding": {}}]), networks=POD_NET), {},
                 exp(req("538Mi"), lim(**{VHOST: "1"}), "538Mi"), id="passt-250Mi"),
    # With a 1Gi request: OH = 304087040 + 262144000 = 566231040; request 1Gi + OH =
    # 1639972864 = 1564Mi.
    pytest.param(vmi(dict(dev(interfaces=[{"name": "default", "passtBinding": {}}]),
                          resources={"requests": {"memory": "1Gi"}}), networks=POD_NET), {},
                 exp(req("1564Mi"), lim(**{VHOST: "1"}), "566231040"), id="passt-with-request"),
    # The ratio applies to the hypervisor part only: 288Mi * 1.5 -> 452984888 (see
    # test_overhead "ratio-1.5-binary-base"), then + 262144000 = 715128888.
    pytest.param(vmi(dev(interfaces=[{"name": "default", "passtBinding": {}}]), networks=POD_NET),
                 {"config": {"additionalGuestMemoryOverheadRatio": "1.5"}},
                 exp(req("715128888"), lim(**{VHOST: "1"}), "715128888"), id="passt-after-ratio"),
    # template_test.go "Network binding plugin" / "Should consider network binding plugin memory
    # overhead": plugin1 with computeResourceOverhead.requests.memory 500Mi -> 288 + 500 = 788Mi.
    pytest.param(vmi(dev(interfaces=[{"name": "iface1", "binding": {"name": "plugin1"}}]),
                     networks=[{"name": "iface1", "pod": {}}]),
                 {"config": PLUGIN_CFG},
                 exp(req("788Mi"), lim(**{VHOST: "1"}), "788Mi"), id="binding-plugin-500Mi"),
    # The same plugin on two interfaces counts once; with passt too: 288 + 250 + 500 = 1038Mi.
    pytest.param(vmi(dev(interfaces=[{"name": "a", "binding": {"name": "plugin1"}},
                                     {"name": "b", "binding": {"name": "plugin1"}},
                                     {"name": "c", "passtBinding": {}}]),
                     networks=[{"name": "a", "pod": {}}, {"name": "b", "multus": {"networkName": "x"}},
                               {"name": "c", "multus": {"networkName": "y"}}]),
                 {"config": PLUGIN_CFG},
                 exp(req("1038Mi"), lim(**{VHOST: "1"}), "1038Mi"), id="binding-plugin-once"),
    # A plugin that is not registered in the config adds nothing.
    pytest.param(vmi(dev(interfaces=[{"name": "iface1", "binding": {"name": "unknown"}}]),
                     networks=[{"name": "iface1", "pod": {}}]),
                 {"config": PLUGIN_CFG},
                 exp(req("288Mi"), lim(**{VHOST: "1"}), "288Mi"), id="binding-plugin-unregistered"),
]

# ============================================================================================
# 11. Architecture selection
# ============================================================================================
ARCH = [
    # cluster arch arm64: OH 288 + 128 = 416Mi.
    pytest.param(vmi({}), {"arch": "arm64"}, exp(req("416Mi"), lim(), "416Mi"), id="arch-arm64"),
    # s390x: no extra overhead.
    pytest.param(vmi({}), {"arch": "s390x"}, exp(req("288Mi"), lim(), "288Mi"), id="arch-s390x"),
    # spec.architecture wins over the cluster arch.
    pytest.param(vmi({}, architecture="arm64"), {"arch": "amd64"}, exp(req("416Mi"), lim(), "416Mi"),
                 id="vmi-arch-wins"),
    pytest.param(vmi({}, architecture="amd64"), {"arch": "arm64"}, exp(req("288Mi"), lim(), "288Mi"),
                 id="vmi-arch-wins-amd64"),
]

ALL_CASES = (WORKED + BASE + DEVICES + MEMORY_REQUEST + DEDICATED + SHARED_CPU + HUGEPAGES
             + OVERCOMMIT_GUEST_OVERHEAD + TEMPLATE + AUTO_MEMORY + NETWORKS + DEVICE_PLUGINS
             + NET_BINDING + ARCH)


@pytest.mark.parametrize("the_vmi, kwargs, expected", ALL_CASES)
def test_launcher_resources(the_vmi, kwargs, expected):
    before = copy.deepcopy(the_vmi)
    got = launcher_resources(the_vmi, **kwargs)
    check(got, expected)
    # Never mutates the caller's VMI.
    assert the_vmi == before
    # Every quantity is a string that parses to a non-negative value.
    for section in ("requests", "limits"):
        for name, value in got[section].items():
            assert isinstance(value, str), (section, name, value)
            assert qty(value) >= 0


# ------------------------------------------------------------------------------------------------
# Numeric sanity checks against the upstream assertions that compare values, not strings
# ------------------------------------------------------------------------------------------------

def test_memory_overcommit_relation_upstream():
    # template_test.go "should honor memoryOvercommit when set in the CR": for a guest-only VMI,
    # (request@100 - OH) * 100 / 110 == request@110 - OH  (integer division).
    the_vmi = vmi({"memory": {"guest": "1Gi"}})
    r100 = launcher_resources(the_vmi)
    r110 = launcher_resources(the_vmi, config=devcfg(memoryOvercommit=110))
    oh = qty(r100["memory_overhead"])
    assert qty(r110["memory_overhead"]) == oh
    m100 = qty(r100["requests"]["memory"]) - oh
    m110 = qty(r110["requests"]["memory"]) - oh
    assert m100 * 100 // 110 == m110


def test_downward_metrics_adds_1Mi_upstream():
    # template_test.go "with a downwardMetrics volume source" / "Should add 1Mi memory overhead".
    plain = launcher_resources(vmi({}))
    with_dm = launcher_resources(vmi({}, volumes=[{"name": "downardMetrics", "downwardMetrics": {}}]))
    assert qty(with_dm["requests"]["memory"]) == qty(plain["requests"]["memory"]) + MI
    assert with_dm["requests"]["memory"] == "289Mi"


def test_sriov_overhead_same_with_or_without_topology_upstream():
    # template_test.go "should still add memory overhead for 1 core if cpu topology wasn't
    # provided": 512Mi + 150m; with or without cpu {model Conroe, cores 1} the request is the
    # same.  OH = PT(512Mi) 1Mi + 288Mi + 1Gi = 1313Mi; request 512Mi + 1313Mi = 1825Mi.
    sriov = {"interfaces": [{"name": "sriov-nic", "sriov": {}}]}
    nets = [{"name": "sriov-nic", "multus": {"networkName": "sriov"}}]
    r = {"requests": {"memory": "512Mi", "cpu": "150m"}}
    a = launcher_resources(vmi({"resources": r, "devices": sriov}, networks=nets))
    b = launcher_resources(vmi({"resources": r, "devices": sriov,
                                "cpu": {"model": "Conroe", "cores": 1}}, networks=nets))
    assert a["requests"]["memory"] == b["requests"]["memory"] == "1825Mi"
    assert a["requests"]["cpu"] == b["requests"]["cpu"] == "150m"


def test_realtime_workload_overhead_upstream():
    # template_test.go "With a realtime workload" / "should calculate the overhead memory
    # including the requested memory": requests = limits = {1G, 1}, 1x1x1 dedicated, isolated
    # emulator thread.  OH = PT(1G) 1953125 + (240 + 8 + 8 + 32 + 100)Mi = 1953125 + 406847488 =
    # 408800613; request = 1G + OH = 1408800613.  CPU: 1 + 1 (emulator) = 2 for both.
    the_vmi = vmi({"resources": {"requests": {"memory": "1G", "cpu": "1"},
                                 "limits": {"memory": "1G", "cpu": "1"}},
                   "cpu": {"cores": 1, "sockets": 1, "threads": 1, "dedicatedCpuPlacement": True,
                           "isolateEmulatorThread": True, "numa": {"guestMappingPassthrough": {}},
                           "realtime": {}}})
    got = launcher_resources(the_vmi)
    check(got, exp(req("1408800613", cpu="2"), lim(cpu="2", memory="1408800613"), "408800613"))


# ------------------------------------------------------------------------------------------------
# VirtualMachine input
# ------------------------------------------------------------------------------------------------

def _vm(template_spec, namespace="default", template_meta=None):
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
            "metadata": {"name": "vm", "namespace": namespace},
            "spec": {"runStrategy": "Always",
                     "template": {"metadata": dict(template_meta or {}), "spec": template_spec}}}


def test_virtual_machine_accepted():
    # Same as spec-example-64Mi.
    got = launcher_resources(_vm({"domain": {"resources": {"requests": {"memory": "64Mi"}}}}))
    check(got, exp(req("360576Ki"), lim(), "302120960"))


def test_virtual_machine_uses_its_namespace_for_quotas():
    # The VMI a VM creates lives in the VM's namespace: the quota there turns auto CPU limits on.
    got = launcher_resources(_vm({"domain": {"cpu": {"cores": 2}}}, namespace=RQ_NS),
                             resource_quotas=CPU_QUOTA)
    check(got, exp(req("296Mi", cpu="200m"), lim(cpu="2"), "296Mi"))


def test_virtual_machine_template_annotations():
    # The template's annotations become the VMI's: even parity with 4 cores -> 6.
    spec = {"domain": ded(cores=4, threads=1, iso=True)}
    got = launcher_resources(_vm(spec, template_meta={"annotations": {EVEN_PARITY: ""}}))
    check(got, exp(req("412Mi", cpu="6"), lim(cpu="6"), "412Mi"))


# ------------------------------------------------------------------------------------------------
# Defaults of the call itself
# ------------------------------------------------------------------------------------------------

def test_config_none_means_kubevirt_defaults():
    the_vmi = vmi(cores(3))
    expected = exp(req("304Mi", cpu="300m"), lim(), "304Mi")
    check(launcher_resources(the_vmi), expected)
    check(launcher_resources(the_vmi, config=None), expected)
    check(launcher_resources(the_vmi, config={}), expected)
    check(launcher_resources(the_vmi, config={"developerConfiguration": {}}), expected)


def test_apply_defaults_false_adds_no_interface():
    # Without webhook defaulting, a VMI with no interfaces gets no vhost-net.
    got = launcher_resources(vmi({}), apply_defaults=False)
    assert VHOST not in got["limits"]


# ------------------------------------------------------------------------------------------------
# Go aliasing: KubeVirt copies resource.Quantity structs between its request/limit maps.  A
# quantity held as an inf.Dec (a fractional binary value such as 1.7Gi) shares its *inf.Dec, and
# Quantity.Add mutates that Dec in place (quantity.go: ToDec().d.Dec.Add).  When the request is
# taken from the limit (WithMemoryRequests: vmRequests[memory] = limit) or the limit from the
# request (WithCPUPinning: vmLimits[memory] = memRequest), WithMemoryOverhead's request.Add(OH)
# also changes the limit, which then gets OH added again: both print value + 2*OH.  This is what
# KubeVirt renders for these inputs.
# ------------------------------------------------------------------------------------------------

def test_go_dec_aliasing_request_from_limit():
    # limits.memory 1.7Gi = 1825361100.8; OH 288Mi = 301989888 (PT 0).
    # request = limit = 1825361100.8 + 2 * 301989888 = 2429340876.8 -> "2429340876800m".
    got = launcher_resources(vmi(res(limits={"memory": "1.7Gi"})))
    check(got, exp(req("2429340876800m"), lim(memory="2429340876800m"), "288Mi"))


def test_go_dec_aliasing_dedicated_cpu():
    # requests.memory 1.5Gi, dedicated cores 1: OH = PT(1.5Gi) 3Mi + 240 + 8 + 8 + 32 + 100 =
    # 391Mi = 409993216 (DecimalSI).  Limit := request (shared Dec); request += OH; limit += OH:
    # 1610612736 + 2 * 409993216 = 2430599168 = 2318Mi (BinarySI format of 1.5Gi, whole Mi).
    got = launcher_resources(vmi(ded(cores=1, resources={"requests": {"memory": "1.5Gi"}})))
    check(got, exp(req("2318Mi", cpu="1"), lim(cpu="1", memory="2318Mi"), "409993216"))


# ------------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------------

BAD = [
    pytest.param(vmi(res(requests={"memory": "12Qi"})), {},
                 ["spec.domain.resources.requests.memory", "'12Qi'"], id="malformed-quantity"),
    pytest.param(vmi(res(limits={"memory": "-2Gi"})), {},
                 ["spec.domain.resources.limits.memory", "'-2Gi'"], id="negative-quantity"),
    pytest.param(vmi(res(requests={"cpu": "-1"})), {},
                 ["spec.domain.resources.requests.cpu", "'-1'"], id="negative-cpu"),
    pytest.param(vmi(res(requests={"ephemeral-storage": "1 Gi"})), {},
                 ["spec.domain.resources.requests.ephemeral-storage", "'1 Gi'"], id="quantity-with-space"),
    pytest.param(vmi({"resources": {"requests": ["memory", "1Gi"]}}), {},
                 ["spec.domain.resources.requests"], id="list-for-dict"),
    pytest.param(vmi({"resources": "lots"}), {}, ["spec.domain.resources", "'lots'"],
                 id="string-for-resources"),
    pytest.param(vmi({"cpu": {"cores": "two"}}), {}, ["spec.domain.cpu.cores", "'two'"],
                 id="string-cores"),
    pytest.param(vmi({"cpu": {"sockets": -2}}), {}, ["spec.domain.cpu.sockets", "-2"],
                 id="negative-sockets"),
    pytest.param(vmi({"memory": {"guest": "big"}}), {}, ["spec.domain.memory.guest", "'big'"],
                 id="bad-guest"),
    pytest.param(vmi({"devices": {"interfaces": {"name": "x"}}}), {},
                 ["spec.domain.devices.interfaces"], id="dict-for-list"),
    pytest.param({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
                  "metadata": {"name": "x"}, "spec": {}}, {}, ["spec.domain"], id="no-domain"),
    pytest.param({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
                  "metadata": {"name": "x"}}, {}, ["spec"], id="no-spec"),
    pytest.param({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
                  "metadata": {"name": "x"}, "spec": {"runStrategy": "Always"}}, {},
                 ["spec.template"], id="vm-without-template"),
    pytest.param(vmi({}), {"arch": "mips"}, ["arch", "'mips'"], id="unknown-arch"),
    pytest.param(vmi({}, architecture="mips"), {}, ["spec.architecture", "'mips'"],
                 id="unknown-vmi-arch"),
    pytest.param(vmi({"memory": {"reservedOverhead": {"addedOverhead": "-1Mi"}}}), {},
                 ["spec.domain.memory.reservedOverhead.addedOverhead", "'-1Mi'"],
                 id="negative-added-overhead"),
]


@pytest.mark.parametrize("the_vmi, kwargs, fragments", BAD)
def test_bad_input(the_vmi, kwargs, fragments):
    with pytest.raises(VmpodInputError) as err:
        launcher_resources(the_vmi, **kwargs)
    for fragment in fragments:
        assert fragment in str(err.value)


@pytest.mark.parametrize("not_a_vmi", [None, [], "vmi", 42], ids=["none", "list", "str", "int"])
def test_not_a_mapping(not_a_vmi):
    with pytest.raises(VmpodInputError):
        launcher_resources(not_a_vmi)


def test_missing_nad_is_an_input_error():
    # KubeVirt fails the render with "failed to locate network attachment definition" when the
    # gate is disabled and the NAD does not exist (pkg/network/multus/nad.go NetworkToResource).
    the_vmi = vmi(BRIDGE_NET1, namespace="ns",
                  networks=[{"name": "net1", "multus": {"networkName": "missing-net"}}])
    with pytest.raises(VmpodInputError) as err:
        launcher_resources(the_vmi, network_attachment_definitions=[], **NAD_OFF)
    assert "missing-net" in str(err.value)


def test_unparsable_ratio_is_not_an_error():
    # hypervisorbackend.go logs and ignores an unparsable additionalGuestMemoryOverheadRatio.
    got = launcher_resources(vmi({}), config={"additionalGuestMemoryOverheadRatio": "no_float"})
    check(got, exp(req("288Mi"), lim(), "288Mi"))
