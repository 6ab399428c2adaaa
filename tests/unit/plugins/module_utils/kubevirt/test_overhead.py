# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests for ``memory_overhead`` (the KVM hypervisor overhead, after the ratio).

Expected values are NOT produced by the engine.  Each one is either transcribed from KubeVirt's
own tests (``pkg/hypervisor/kvm/hypervisorbackend_test.go``, ``pkg/virt-controller/services/
template_test.go``; the upstream test is named in a comment) or computed by hand from the rules in
KubeVirt's ``pkg/hypervisor/kvm`` overhead rules (the sums README.md lists) with the arithmetic
written next to the case.

Notation used in the comments (all in bytes unless a unit is given):

* ``FIXED`` = 25Mi monitor + 100Mi launcher + 25Mi virtlogd + 40Mi virtqemud + 50Mi qemu = 240Mi
* ``IOT``   = 8Mi IOThreads constant,   ``VID`` = 32Mi video,   ``VCPU`` = 8Mi per vCPU
* ``PT(m)`` = floor(ceil(m / 1000) * 1000 / 512), the page-table share of ``requests.memory``
* 1Mi = 1048576, 1Gi = 1073741824

Output format (Go ``resource.Quantity``): the running sum starts as a zero DecimalSI quantity and
takes the format of the first non-zero addend.  With a non-zero page-table term that is DecimalSI,
so the sum prints as plain digits (e.g. ``304087040``); when ``PT`` is 0 the first addend is the
BinarySI ``25Mi`` and a whole number of Mi prints with a binary suffix (e.g. ``288Mi``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.vmpod.core.plugins.module_utils.launcher import memory_overhead
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from vmpod_examples import vmi_dict
from vmpod_quantities import qty

MI = 1048576
GI = 1073741824


# --------------------------------------------------------------------------------------------
# Test-only helpers
# --------------------------------------------------------------------------------------------

def vmi_with(domain=None, **spec):
    """A VirtualMachineInstance dict with the given ``spec.domain`` and extra spec fields."""
    return vmi_dict(domain, **spec)


# hypervisorbackend_test.go's BeforeEach VMI: requests.memory 1Gi, empty limits.
REQ_1GI = {"resources": {"requests": {"memory": "1Gi"}, "limits": {}}}


def req1gi(**extra):
    dom = copy.deepcopy(REQ_1GI)
    for key, val in extra.items():
        if key == "resources":
            for sub, items in val.items():
                dom["resources"].setdefault(sub, {}).update(items)
        else:
            dom[key] = val
    return dom


EXEC = {"exec": {"command": ["cat", "/tmp/healthy"]}}
HTTP = {"httpGet": {"port": 1500}}
TCP = {"tcpSocket": {"port": 1500}}

# Base for the 1Gi request VMI:  PT(1Gi) = floor(1073742 * 1000 / 512) = floor(2097152.34) = 2097152
# (= 2Mi) ; base = 2Mi + FIXED 240Mi + VCPU 8Mi (1 vCPU) + IOT 8Mi + VID 32Mi = 290Mi = 304087040.
# (Upstream writes this as 7Mi "baseOverhead" + 243Mi "static" + 32Mi + 8Mi = 290Mi too.)
BASE_1GI = 290 * MI

CASES = [
    # ---------------------------------------------------------------- page tables and fixed part
    # hypervisorbackend_test.go: "should return base overhead+static+8Mi"
    # 290Mi = 304087040, DecimalSI (PT != 0) -> plain digits.
    pytest.param(vmi_with(REQ_1GI), "amd64", None, "304087040", id="base-1Gi-request"),
    # No memory at all: PT = 0 -> 240 + 8 + 8 + 32 = 288Mi, BinarySI (first addend 25Mi).
    pytest.param(vmi_with({}), "amd64", None, "288Mi", id="no-memory-288Mi"),
    # requests.memory "1" (one byte): PT = floor(ceil(1/1000)*1000/512) = floor(1000/512) = 1
    # 1 + 288Mi = 1 + 301989888 = 301989889.
    pytest.param(vmi_with({"resources": {"requests": {"memory": "1"}}}), "amd64", None,
                 "301989889", id="pagetable-one-byte"),
    # requests.memory 100M: PT = floor(100000000/512) = floor(195312.5) = 195312
    # 195312 + 301989888 = 302185200.
    pytest.param(vmi_with({"resources": {"requests": {"memory": "100M"}}}), "amd64", None,
                 "302185200", id="pagetable-100M"),
    # requests.memory 512Mi = 536870912: ceil(/1000) = 536871 -> 536871000/512 = 1048576.17
    # -> 1048576 (= 1Mi); 1Mi + 288Mi = 289Mi = 303038464 (DecimalSI -> digits).
    pytest.param(vmi_with({"resources": {"requests": {"memory": "512Mi"}}}), "amd64", None,
                 "303038464", id="pagetable-512Mi-decimal-format"),
    # requests.memory 1.5Gi = 1610612736: ceil(/1000) = 1610613 -> 1610613000/512 = 3145728.5
    # -> 3145728 (3Mi); 3Mi + 288Mi = 291Mi = 305135616.
    pytest.param(vmi_with({"resources": {"requests": {"memory": "1.5Gi"}}}), "amd64", None,
                 "305135616", id="pagetable-fractional-1.5Gi"),
    # requests.memory 64M: PT = 64000000/512 = 125000 ; 125000 + 301989888 = 302114888.
    # (template_test.go "should add to the template constraints" hugepages entries: 303 MB.)
    pytest.param(vmi_with({"resources": {"requests": {"memory": "64M"}}}), "amd64", None,
                 "302114888", id="pagetable-64M"),
    # requests.memory "0": PT = 0 -> same as no memory, BinarySI 288Mi.
    pytest.param(vmi_with({"resources": {"requests": {"memory": "0"}}}), "amd64", None,
                 "288Mi", id="pagetable-zero-request"),
    # Only memory.guest / limits.memory / hugepages: page tables are 0 (only requests.memory counts).
    pytest.param(vmi_with({"memory": {"guest": "4Gi"}}), "amd64", None, "288Mi",
                 id="pagetable-guest-only-is-zero"),
    # limits.memory 4Gi only: PT 0; QoS is not Guaranteed (no CPU request) -> 288Mi.
    pytest.param(vmi_with({"resources": {"limits": {"memory": "4Gi"}}}), "amd64", None, "288Mi",
                 id="pagetable-limit-only-is-zero"),
    pytest.param(vmi_with({"memory": {"hugepages": {"pageSize": "1Gi"}}}), "amd64", None,
                 "288Mi", id="pagetable-hugepages-only-is-zero"),

    # ---------------------------------------------------------------- vCPUs
    # hypervisorbackend_test.go: "should adjust overhead based on the cores/threads/sockets"
    # 2*2*2 = 8 vCPUs -> 290Mi + 7*8Mi = 346Mi = 362807296.
    pytest.param(vmi_with(req1gi(cpu={"cores": 2, "threads": 2, "sockets": 2})), "amd64", None,
                 "362807296", id="topology-2x2x2"),
    # hypervisorbackend_test.go: "should adjust overhead" / "based on the limits if both requests
    # and limits are provided" (3, 5 -> 5 vCPUs): 290Mi + 4*8Mi = 322Mi = 337641472.
    pytest.param(vmi_with(req1gi(resources={"requests": {"cpu": "3"}, "limits": {"cpu": "5"}})),
                 "amd64", None, "337641472", id="cpu-limits-win-over-requests"),
    # hypervisorbackend_test.go: "based on the requests if only requests are provided" (3 vCPUs):
    # 290Mi + 2*8Mi = 306Mi = 320864256.
    pytest.param(vmi_with(req1gi(resources={"requests": {"cpu": "3"}})), "amd64", None,
                 "320864256", id="cpu-requests-fallback"),
    # limits.cpu 1500m -> ceil = 2 vCPUs: 290Mi + 8Mi = 298Mi = 312475648.
    pytest.param(vmi_with(req1gi(resources={"limits": {"cpu": "1500m"}})), "amd64", None,
                 "312475648", id="cpu-limit-rounded-up"),
    # requests.cpu 2500m -> ceil = 3 vCPUs: 290Mi + 16Mi = 306Mi = 320864256.
    pytest.param(vmi_with(req1gi(resources={"requests": {"cpu": "2500m"}})), "amd64", None,
                 "320864256", id="cpu-request-rounded-up"),
    # requests.cpu 100m -> ceil = 1 vCPU: 290Mi.
    pytest.param(vmi_with(req1gi(resources={"requests": {"cpu": "100m"}})), "amd64", None,
                 "304087040", id="cpu-request-fraction-is-one"),
    # Topology present (sockets 3 only, zero cores/threads count as 1): 3 vCPUs; the 8-CPU limit is
    # ignored because domain.cpu exists.  290Mi + 16Mi = 306Mi.
    pytest.param(vmi_with(req1gi(cpu={"sockets": 3}, resources={"limits": {"cpu": "8"}})),
                 "amd64", None, "320864256", id="topology-wins-over-limit"),
    # cores 2, threads 2, sockets 0: 4 vCPUs -> 290Mi + 24Mi = 314Mi = 329252864.
    pytest.param(vmi_with(req1gi(cpu={"cores": 2, "threads": 2})), "amd64", None, "329252864",
                 id="topology-zero-sockets"),
    # threads 4 only: 4 vCPUs -> 314Mi.
    pytest.param(vmi_with(req1gi(cpu={"threads": 4})), "amd64", None, "329252864",
                 id="topology-threads-only"),
    # domain.cpu present with an all-zero topology (model only): 0 vCPUs -> at least 1; the CPU limit
    # of 4 is NOT consulted because domain.cpu is set.  290Mi.
    pytest.param(vmi_with(req1gi(cpu={"model": "host-passthrough"}, resources={"limits": {"cpu": "4"}})),
                 "amd64", None, "304087040", id="topology-all-zero-counts-one"),
    # template_test.go "should calculate vcpus overhead based on guest toplogy": cores 3 and
    # sockets 3 give the same overhead.  64M request: PT 125000 + 240 + 24 + 8 + 32 = 304Mi
    # -> 125000 + 318767104 = 318892104.
    pytest.param(vmi_with({"cpu": {"cores": 3}, "resources": {"requests": {"cpu": "1m", "memory": "64M"}}}),
                 "amd64", None, "318892104", id="template-cores3"),
    pytest.param(vmi_with({"cpu": {"sockets": 3}, "resources": {"requests": {"cpu": "1m", "memory": "64M"}}}),
                 "amd64", None, "318892104", id="template-sockets3"),

    # ---------------------------------------------------------------- IOThreads constant
    # IOThreads overhead is a constant 8Mi, not per thread: a supplementalPool of 4 threads does not
    # change the overhead (still 290Mi).
    pytest.param(vmi_with(req1gi(ioThreadsPolicy="supplementalPool",
                                 ioThreads={"supplementalPoolThreadCount": 4})),
                 "amd64", None, "304087040", id="iothreads-constant"),

    # ---------------------------------------------------------------- video
    # hypervisorbackend_test.go: "should not add videoRAMOverhead": 290Mi - 32Mi = 258Mi = 270532608.
    pytest.param(vmi_with(req1gi(devices={"autoattachGraphicsDevice": False})), "amd64", None,
                 "270532608", id="no-graphics"),
    pytest.param(vmi_with(req1gi(devices={"autoattachGraphicsDevice": True})), "amd64", None,
                 "304087040", id="graphics-true"),
    # No memory, no graphics: 240 + 8 + 8 = 256Mi (BinarySI).
    pytest.param(vmi_with({"devices": {"autoattachGraphicsDevice": False}}), "amd64", None,
                 "256Mi", id="no-graphics-no-memory"),

    # ---------------------------------------------------------------- architectures
    # hypervisorbackend_test.go: "should add arm64 overhead": 290Mi + 128Mi = 418Mi = 438304768.
    pytest.param(vmi_with(REQ_1GI), "arm64", None, "438304768", id="arm64"),
    # s390x has no extra overhead in the KVM backend: same as amd64.
    pytest.param(vmi_with(REQ_1GI), "s390x", None, "304087040", id="s390x"),
    # arm64, no memory: 288Mi + 128Mi = 416Mi.
    pytest.param(vmi_with({}), "arm64", None, "416Mi", id="arm64-no-memory"),
    # spec.architecture on the VMI wins over the cluster arch argument.
    pytest.param(vmi_with(REQ_1GI, architecture="arm64"), "amd64", None, "438304768",
                 id="vmi-architecture-wins-arm64"),
    pytest.param(vmi_with(REQ_1GI, architecture="amd64"), "arm64", None, "304087040",
                 id="vmi-architecture-wins-amd64"),

    # ---------------------------------------------------------------- VFIO: 1Gi
    # hypervisorbackend_test.go: "should add vfio overhead" (hostDEV / GPU / SRIOV entries):
    # 290Mi + 1024Mi = 1314Mi = 1377828864.
    pytest.param(vmi_with(req1gi(devices={"hostDevices": [{"name": "test", "deviceName": "vendor.com/dev"}]})),
                 "amd64", None, "1377828864", id="vfio-hostdevice"),
    pytest.param(vmi_with(req1gi(devices={"gpus": [{"name": "test", "deviceName": "nvidia.com/GP100"}]})),
                 "amd64", None, "1377828864", id="vfio-gpu"),
    pytest.param(vmi_with(req1gi(devices={"interfaces": [{"name": "test", "sriov": {}}]}),
                          networks=[{"name": "test", "multus": {"networkName": "sriov-net"}}]),
                 "amd64", None, "1377828864", id="vfio-sriov"),
    # A DRA GPU (claimName/requestName, no deviceName) still counts as a GPU.
    pytest.param(vmi_with(req1gi(devices={"gpus": [{"name": "g", "claimName": "c", "requestName": "r"}]})),
                 "amd64", None, "1377828864", id="vfio-dra-gpu"),
    # 1Gi is added once, however many devices: 2 GPUs + 1 host device + SR-IOV -> still 1314Mi.
    pytest.param(vmi_with(req1gi(devices={
        "gpus": [{"name": "a", "deviceName": "x/a"}, {"name": "b", "deviceName": "x/b"}],
        "hostDevices": [{"name": "h", "deviceName": "x/h"}],
        "interfaces": [{"name": "s", "sriov": {}}]})), "amd64", None, "1377828864",
        id="vfio-once"),
    # No memory + GPU: 288Mi + 1024Mi = 1312Mi (BinarySI).
    pytest.param(vmi_with({"devices": {"gpus": [{"name": "a", "deviceName": "x/a"}]}}), "amd64",
                 None, "1312Mi", id="vfio-no-memory-binary"),
    # A bridge/masquerade interface is not VFIO: 290Mi.
    pytest.param(vmi_with(req1gi(devices={"interfaces": [{"name": "default", "masquerade": {}}]}),
                          networks=[{"name": "default", "pod": {}}]),
                 "amd64", None, "304087040", id="masquerade-not-vfio"),

    # ---------------------------------------------------------------- downwardMetrics volume
    # hypervisorbackend_test.go: "should add downwardMetrics overhead": 290Mi + 1Mi = 291Mi = 305135616.
    pytest.param(vmi_with(REQ_1GI, volumes=[{"name": "dm", "downwardMetrics": {}}]), "amd64", None,
                 "305135616", id="downward-metrics-volume"),
    # template_test.go "Should add 1Mi memory overhead" (no memory): 288Mi + 1Mi = 289Mi.
    pytest.param(vmi_with({}, volumes=[{"name": "dm", "downwardMetrics": {}}]), "amd64", None,
                 "289Mi", id="downward-metrics-no-memory"),
    # Only counted once: two downwardMetrics volumes -> 291Mi.
    pytest.param(vmi_with(REQ_1GI, volumes=[{"name": "a", "downwardMetrics": {}},
                                            {"name": "b", "downwardMetrics": {}}]),
                 "amd64", None, "305135616", id="downward-metrics-once"),
    # The devices.downwardMetrics virtio-serial device is not the volume: no overhead.
    pytest.param(vmi_with(req1gi(devices={"downwardMetrics": {}})), "amd64", None, "304087040",
                 id="downward-metrics-device-no-overhead"),

    # ---------------------------------------------------------------- probes
    # hypervisorbackend_test.go "should add probes overhead":
    # liveness exec only: 290Mi + 10Mi + 100Mi = 400Mi = 419430400.
    pytest.param(vmi_with(REQ_1GI, livenessProbe=EXEC), "amd64", None, "419430400",
                 id="probe-liveness-exec"),
    # readiness exec only: 400Mi.
    pytest.param(vmi_with(REQ_1GI, readinessProbe=EXEC), "amd64", None, "419430400",
                 id="probe-readiness-exec"),
    # both exec: 290 + 10 + 10 + 100 = 410Mi = 429916160.
    pytest.param(vmi_with(REQ_1GI, livenessProbe=EXEC, readinessProbe=EXEC), "amd64", None,
                 "429916160", id="probe-both-exec"),
    # HTTP / TCP probes add nothing: 290Mi.
    pytest.param(vmi_with(REQ_1GI, livenessProbe=HTTP, readinessProbe=TCP), "amd64", None,
                 "304087040", id="probe-http-tcp-free"),
    # exec liveness + http readiness: 290 + 10 + 100 = 400Mi.
    pytest.param(vmi_with(REQ_1GI, livenessProbe=EXEC, readinessProbe=HTTP), "amd64", None,
                 "419430400", id="probe-exec-plus-http"),

    # ---------------------------------------------------------------- launch security
    # hypervisorbackend_test.go "should add SEV overhead": 290Mi + 256Mi = 546Mi = 572522496.
    pytest.param(vmi_with(req1gi(launchSecurity={"sev": {}})), "amd64", None, "572522496", id="sev"),
    # SEV-ES (sev.policy.encryptedState): 256Mi once -> 546Mi.
    pytest.param(vmi_with(req1gi(launchSecurity={"sev": {"policy": {"encryptedState": True}}})),
                 "amd64", None, "572522496", id="sev-es"),
    # SEV-SNP: 546Mi.
    pytest.param(vmi_with(req1gi(launchSecurity={"snp": {}})), "amd64", None, "572522496", id="sev-snp"),

    # ---------------------------------------------------------------- TPM
    # hypervisorbackend_test.go "When the vmi requests TPM device": 290Mi + 53Mi = 343Mi = 359661568.
    pytest.param(vmi_with(req1gi(devices={"tpm": {}})), "amd64", None, "359661568", id="tpm"),
    pytest.param(vmi_with(req1gi(devices={"tpm": {"enabled": True}})), "amd64", None, "359661568",
                 id="tpm-enabled-true"),
    pytest.param(vmi_with(req1gi(devices={"tpm": {"persistent": True}})), "amd64", None, "359661568",
                 id="tpm-persistent"),
    # tpm.enabled false: no swtpm -> 290Mi.
    pytest.param(vmi_with(req1gi(devices={"tpm": {"enabled": False}})), "amd64", None, "304087040",
                 id="tpm-enabled-false"),

    # ---------------------------------------------------------------- dedicated CPU / Guaranteed QoS
    # hypervisorbackend_test.go "should add 100Mi of overhead" / "with DedicatedCPU":
    # cores 1 + dedicated: 290Mi + 100Mi = 390Mi = 408944640.
    pytest.param(vmi_with(req1gi(cpu={"cores": 1, "dedicatedCpuPlacement": True})), "amd64", None,
                 "408944640", id="dedicated-cpu"),
    # hypervisorbackend_test.go "when wants QOSGuaranteed": requests = limits = {1Gi, 4 CPUs},
    # cores 1 -> 1 vCPU: 290Mi + 100Mi = 390Mi.
    pytest.param(vmi_with({"cpu": {"cores": 1}, "resources": {
        "requests": {"memory": "1Gi", "cpu": "4"}, "limits": {"memory": "1Gi", "cpu": "4"}}}),
        "amd64", None, "408944640", id="guaranteed-qos"),
    # Guaranteed by value, not by spelling: 4 == 4000m and 1Gi == 1024Mi -> 390Mi.
    pytest.param(vmi_with({"cpu": {"cores": 1}, "resources": {
        "requests": {"memory": "1Gi", "cpu": "4"}, "limits": {"memory": "1024Mi", "cpu": "4000m"}}}),
        "amd64", None, "408944640", id="guaranteed-qos-equal-values"),
    # Memory limit without a memory request + cpu request == limit also wants Guaranteed.  No
    # domain.cpu -> vCPUs = limit 4; PT = 0:  240 + 4*8 + 8 + 32 + 100 = 412Mi (BinarySI).
    pytest.param(vmi_with({"resources": {"requests": {"cpu": "4"}, "limits": {"cpu": "4", "memory": "1Gi"}}}),
                 "amd64", None, "412Mi", id="guaranteed-qos-limit-only-memory"),
    # cpu request != limit: not Guaranteed.  vCPUs from the limit 4:
    # 2Mi + 240 + 32 + 8 + 32 = 314Mi = 329252864.
    pytest.param(vmi_with({"resources": {"requests": {"memory": "1Gi", "cpu": "2"},
                                         "limits": {"memory": "1Gi", "cpu": "4"}}}),
                 "amd64", None, "329252864", id="not-guaranteed-cpu-differs"),
    # memory request != limit: not Guaranteed.  vCPUs 2 (limit): 2Mi + 240 + 16 + 8 + 32 = 298Mi.
    pytest.param(vmi_with({"resources": {"requests": {"memory": "1Gi", "cpu": "2"},
                                         "limits": {"memory": "2Gi", "cpu": "2"}}}),
                 "amd64", None, "312475648", id="not-guaranteed-memory-differs"),
    # Dedicated and Guaranteed together: 100Mi only once -> cores 1: 390Mi.
    pytest.param(vmi_with({"cpu": {"cores": 1, "dedicatedCpuPlacement": True}, "resources": {
        "requests": {"memory": "1Gi", "cpu": "1"}, "limits": {"memory": "1Gi", "cpu": "1"}}}),
        "amd64", None, "408944640", id="dedicated-and-guaranteed-once"),

    # ---------------------------------------------------------------- reservedOverhead.addedOverhead
    # hypervisorbackend_test.go "should be considered as a resource overhead" / "with some value"
    # (100G): 304087040 + 100000000000 = 100304087040.
    pytest.param(vmi_with(req1gi(memory={"reservedOverhead": {"addedOverhead": "100G"}})), "amd64",
                 None, "100304087040", id="added-overhead-100G"),
    # "with zero value": 290Mi.
    pytest.param(vmi_with(req1gi(memory={"reservedOverhead": {"addedOverhead": "0"}})), "amd64",
                 None, "304087040", id="added-overhead-zero"),
    # addedOverhead 1Gi: 304087040 + 1073741824 = 1377828864.
    pytest.param(vmi_with(req1gi(memory={"reservedOverhead": {"addedOverhead": "1Gi"}})), "amd64",
                 None, "1377828864", id="added-overhead-1Gi"),
    # no memory request, addedOverhead 100Mi: 288Mi + 100Mi = 388Mi (BinarySI).
    pytest.param(vmi_with({"memory": {"reservedOverhead": {"addedOverhead": "100Mi"}}}), "amd64",
                 None, "388Mi", id="added-overhead-binary"),
    # reservedOverhead without addedOverhead (only memLock): nothing added.
    pytest.param(vmi_with(req1gi(memory={"reservedOverhead": {"memLock": "NotRequired"}})), "amd64",
                 None, "304087040", id="reserved-overhead-without-added"),

    # ---------------------------------------------------------------- everything at once
    # requests 2Gi: PT = ceil(2147483648/1000)=2147484 -> 2147484000/512 = 4194304.69 -> 4194304 (4Mi)
    # 4 (PT) + 240 + 4*8 (2 sockets x 2 cores) + 8 + 32 + 1024 (hostdev) + 1 (downwardMetrics)
    # + 120 (two exec probes: 10+10+100) + 256 (SNP) + 53 (TPM) + 100 (dedicated) + 10 (added)
    # = 1880Mi = 1971322880.  Ratio 1.25: ceil(1971322880/1000) = 1971323; * 0.25 = 492830.75
    # -> int64 492830 -> * 1000 = 492830000; total 1971322880 + 492830000 = 2464152880.
    pytest.param(vmi_with({
        "resources": {"requests": {"memory": "2Gi"}},
        "cpu": {"sockets": 2, "cores": 2, "dedicatedCpuPlacement": True},
        "devices": {"hostDevices": [{"name": "h", "deviceName": "x/y"}], "tpm": {}},
        "launchSecurity": {"snp": {}},
        "memory": {"reservedOverhead": {"addedOverhead": "10Mi"}},
    }, volumes=[{"name": "m", "downwardMetrics": {}}], livenessProbe=EXEC, readinessProbe=EXEC),
        "amd64", {"additionalGuestMemoryOverheadRatio": "1.25"}, "2464152880", id="everything"),
]


@pytest.mark.parametrize("vmi, arch, config, expected", CASES)
def test_memory_overhead(vmi, arch, config, expected):
    got = memory_overhead(vmi, config=config, arch=arch)
    assert got == expected
    assert qty(got) == qty(expected)


# ------------------------------------------------------------------------------------------------
# additionalGuestMemoryOverheadRatio:
#   overhead += int64(float64(ceil(overhead/1000)) * (r - 1.0)) * 1000 ; ignored if not a float.
# ------------------------------------------------------------------------------------------------

# template_test.go-style VMI from hypervisorbackend_test.go "Template with guest-to-request memory
# headroom": requests {memory 1G, cpu 1}.  Base = PT(1G) + 288Mi = 1953125 + 301989888 = 303943013.
HEADROOM_VMI = {"resources": {"requests": {"memory": "1G", "cpu": "1"}}}

RATIO_CASES = [
    # hypervisorbackend_test.go "with the given value if the given value is a float" (3.2):
    # base 304087040 -> ceil(/1000) = 304088; 304088 * 2.2 = 668993.6 -> 668993 -> 668993000;
    # total 304087040 + 668993000 = 973080040.
    pytest.param(REQ_1GI, "3.2", "973080040", id="ratio-3.2"),
    # hypervisorbackend_test.go "with no value if the given value is not a float": unchanged.
    pytest.param(REQ_1GI, "no_float", "304087040", id="ratio-not-a-float-ignored"),
    # Empty string: ignored.
    pytest.param(REQ_1GI, "", "304087040", id="ratio-empty-ignored"),
    # hypervisorbackend_test.go headroom entries "2.332", "1.234", "1.0" on the 1G/1-CPU VMI:
    # 2.332: ceil(303943013/1000) = 303944; * 1.332 = 404853.408 -> 404853000; 303943013 + it
    #        = 708796013.
    pytest.param(HEADROOM_VMI, "2.332", "708796013", id="headroom-2.332"),
    # 1.234: 303944 * 0.234 = 71122.896 -> 71122000; 303943013 + 71122000 = 375065013.
    pytest.param(HEADROOM_VMI, "1.234", "375065013", id="headroom-1.234"),
    # 1.0: + 0 -> 303943013.
    pytest.param(HEADROOM_VMI, "1.0", "303943013", id="headroom-1.0"),
    # BinarySI base (no memory): 288Mi = 301989888; ratio 1.5: ceil(/1000) = 301990; * 0.5 = 150995
    # -> 150995000; 301989888 + 150995000 = 452984888 (not a whole multiple of 1024 -> digits).
    pytest.param({}, "1.5", "452984888", id="ratio-1.5-binary-base"),
    # ratio 2: 301990 * 1 = 301990 -> 301990000; 301989888 + 301990000 = 603979888.
    pytest.param({}, "2", "603979888", id="ratio-2"),
    # ratio below 1 shrinks: 0.5 -> 301990 * -0.5 = -150995 -> -150995000; 150994888.
    pytest.param({}, "0.5", "150994888", id="ratio-0.5"),
    # Exponent notation parses as a float: "1.5e0" == 1.5.
    pytest.param({}, "1.5e0", "452984888", id="ratio-exponent-notation"),
]


@pytest.mark.parametrize("domain, ratio, expected", RATIO_CASES)
def test_additional_guest_memory_overhead_ratio(domain, ratio, expected):
    config = {"additionalGuestMemoryOverheadRatio": ratio}
    got = memory_overhead(vmi_with(domain), config=config, arch="amd64")
    assert got == expected
    assert qty(got) == qty(expected)


def test_ratio_absent_matches_no_config():
    # config=None means KubeVirt defaults (no ratio).
    vmi = vmi_with(REQ_1GI)
    assert memory_overhead(vmi) == "304087040"
    assert memory_overhead(vmi, config={}) == "304087040"
    assert memory_overhead(vmi, config={"developerConfiguration": {}}) == "304087040"


def test_memory_overhead_excludes_network_binding_overhead():
    # passtBinding adds 250Mi to the renderer's total overhead, but memory_overhead() is the
    # hypervisor part alone: 288Mi.  (pkg/network/resources/memory.go, template.go
    # CalculateMemoryOverhead adds the net calculator after GetMemoryOverhead.)
    vmi = vmi_with({"devices": {"interfaces": [{"name": "default", "passtBinding": {}}]}},
                   networks=[{"name": "default", "pod": {}}])
    assert memory_overhead(vmi) == "288Mi"


def test_memory_overhead_accepts_virtual_machine():
    # A VirtualMachine's spec.template.spec is used: same as the base 1Gi VMI -> 304087040.
    vm = {
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {"name": "vm", "namespace": "default"},
        "spec": {"template": {"metadata": {}, "spec": {"domain": copy.deepcopy(REQ_1GI)}}},
    }
    assert memory_overhead(vm) == "304087040"


def test_memory_overhead_does_not_mutate_input():
    vmi = vmi_with(req1gi(cpu={"cores": 2}, devices={"tpm": {}}), livenessProbe=EXEC)
    before = copy.deepcopy(vmi)
    memory_overhead(vmi, config={"additionalGuestMemoryOverheadRatio": "1.5"}, arch="arm64")
    assert vmi == before


def test_default_arch_is_amd64():
    assert memory_overhead(vmi_with(REQ_1GI)) == "304087040"


# ------------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------------

BAD = [
    pytest.param(vmi_with({"resources": {"requests": {"memory": "12Qi"}}}), "amd64",
                 "spec.domain.resources.requests.memory", "'12Qi'", id="bad-quantity"),
    pytest.param(vmi_with({"resources": {"requests": {"memory": "-1Gi"}}}), "amd64",
                 "spec.domain.resources.requests.memory", "'-1Gi'", id="negative-quantity"),
    pytest.param(vmi_with({"resources": {"limits": {"cpu": "lots"}}}), "amd64",
                 "spec.domain.resources.limits.cpu", "'lots'", id="bad-cpu-limit"),
    pytest.param(vmi_with({"cpu": {"cores": "two"}}), "amd64", "spec.domain.cpu.cores", "'two'",
                 id="string-cores"),
    pytest.param(vmi_with({"resources": {"requests": [{"memory": "1Gi"}]}}), "amd64",
                 "spec.domain.resources.requests", None, id="list-for-dict"),
    pytest.param(vmi_with({"memory": {"reservedOverhead": {"addedOverhead": "lots"}}}), "amd64",
                 "spec.domain.memory.reservedOverhead.addedOverhead", "'lots'", id="bad-added-overhead"),
    pytest.param({"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
                  "metadata": {"name": "x"}, "spec": {}}, "amd64", "spec.domain", None,
                 id="no-domain"),
    pytest.param(vmi_with(REQ_1GI), "mips", "arch", "'mips'", id="unknown-arch"),
    pytest.param(vmi_with(REQ_1GI, architecture="mips"), "amd64", "spec.architecture", "'mips'",
                 id="unknown-vmi-arch"),
]


@pytest.mark.parametrize("vmi, arch, path, shown", BAD)
def test_bad_input(vmi, arch, path, shown):
    with pytest.raises(VmpodInputError) as err:
        memory_overhead(vmi, arch=arch)
    assert path in str(err.value)
    if shown is not None:
        assert shown in str(err.value)
