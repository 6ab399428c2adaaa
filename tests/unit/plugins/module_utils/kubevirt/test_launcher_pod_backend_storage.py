# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backend-storage PVC of the launcher Pod: persistent TPM, persistent EFI and changed block
tracking. Facts from KubeVirt's pkg/virt-controller/services (rendervolumes.go
withBackendStorage, template_test.go "with backend-storage", rendervolumes_test.go "With CBT"),
pkg/storage/backend-storage (IsBackendStorageNeeded, PVCForVMI, CurrentPVCName), pkg/util
(PathForSwtpm, PathForSwtpmLocalca, PathForNVram) and pkg/storage/cbt (PathForCBT), at d923fdb8."""

import kubernetes_validate
import pytest

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.validation import resource_rule_errors
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod import launcher_pod
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

CLAIM = "persistent-state-for-testvmi12345"  # template_test.go's claimName


def make_vmi(devices=None, **spec):
    spec["domain"] = {"devices": devices or {}, "resources": {"requests": {"memory": "1Gi"}}}
    return {"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": {"name": "testvmi", "namespace": "testns", "uid": "1234"}, "spec": spec}


def valid(pod):
    """The Pod, once the schema and the API server's resource rules accept it."""
    assert resource_rule_errors(pod) == []
    kubernetes_validate.validate(pod, "1.33.0", strict=True)
    return pod


def state(pod):
    """The vm-state volume (or None) and the compute container's mounts of it, in order."""
    volumes = [item for item in pod["spec"]["volumes"] if item["name"] == "vm-state"]
    assert len(volumes) <= 1
    compute = pod["spec"]["containers"][0]
    mounts = [(item["mountPath"], item.get("subPath")) for item in compute["volumeMounts"]
              if item["name"] == "vm-state"]
    return (volumes[0] if volumes else None), mounts


def persistent_efi(vmi, persistent=True):
    vmi["spec"]["domain"]["firmware"] = {"bootloader": {"efi": {"persistent": persistent,
                                                                "secureBoot": False}}}
    return vmi


def with_status(vmi, **status):
    vmi["status"] = status
    return vmi


def backend_status(claim=CLAIM):
    return [{"name": "persistent-state-for-testvmi",
             "persistentVolumeClaimInfo": {"claimName": claim, "accessModes": ["ReadWriteOnce"]}}]


def test_a_persistent_tpm_mounts_its_state_and_ca():
    pod = valid(launcher_pod(make_vmi({"tpm": {"persistent": True}}),
                             options={"backend_storage_claims": {"testns/testvmi": CLAIM}}))
    volume, mounts = state(pod)
    # template_test.go: the volume and ContainElements of these two mounts
    assert volume == {"name": "vm-state", "persistentVolumeClaim": {"claimName": CLAIM}}
    assert mounts == [("/run/kubevirt-private/backend-storage-meta", "meta"),
                      ("/var/lib/libvirt/swtpm", "swtpm"),
                      ("/var/lib/swtpm-localca", "swtpm-localca")]


@pytest.mark.parametrize("devices", [{}, {"tpm": {}}, {"tpm": {"persistent": False}},
                                     {"tpm": {"persistent": True, "enabled": False}}])
def test_no_backend_storage_without_persistent_state(devices):
    pod = valid(launcher_pod(make_vmi(devices)))
    assert state(pod) == (None, [])


def test_persistent_efi_mounts_nvram():
    vmi = persistent_efi(make_vmi())
    volume, mounts = state(valid(launcher_pod(vmi)))
    assert volume["persistentVolumeClaim"] == {"claimName": "persistent-state-for-testvmi"}
    assert mounts == [("/run/kubevirt-private/backend-storage-meta", "meta"),
                      ("/var/lib/libvirt/qemu/nvram", "nvram")]
    assert state(launcher_pod(persistent_efi(vmi, False))) == (None, [])


@pytest.mark.parametrize("tracking, mounted", [("Initializing", True), ("Enabled", True),
                                               ("Disabled", False), ("PendingRestart", False)])
def test_changed_block_tracking_in_the_status(tracking, mounted):
    """rendervolumes_test.go "With CBT": the state volume and the cbt sub-path while tracking is
    initializing or enabled, nothing otherwise."""
    vmi = with_status(make_vmi(), changedBlockTracking={"state": tracking},
                      volumeStatus=backend_status())
    volume, mounts = state(valid(launcher_pod(vmi)))
    if mounted:
        assert volume == {"name": "vm-state", "persistentVolumeClaim": {"claimName": CLAIM}}
        assert mounts[-1] == ("/var/lib/libvirt/qemu/cbt", "cbt")
    else:
        assert volume is None and mounts == []


def test_a_non_root_launcher_gets_the_directories_above_the_tpm_state():
    vmi = with_status(persistent_efi(make_vmi({"tpm": {"persistent": True}})),
                      runtimeUser=107, volumeStatus=backend_status(),
                      changedBlockTracking={"state": "Enabled"})
    pod = valid(launcher_pod(vmi))
    volumes = {item["name"]: item for item in pod["spec"]["volumes"]}
    assert volumes["private-libvirt"] == {"name": "private-libvirt", "emptyDir": {}}
    assert volumes["private-libvirt-qemu"] == {"name": "private-libvirt-qemu", "emptyDir": {}}
    names = [item["name"] for item in pod["spec"]["containers"][0]["volumeMounts"]]
    start = names.index("vm-state")
    assert names[start:start + 3] == ["vm-state", "private-libvirt", "private-libvirt-qemu"]
    _volume, mounts = state(pod)
    private = "/var/run/kubevirt-private"
    assert mounts == [("/run/kubevirt-private/backend-storage-meta", "meta"),
                      (private + "/libvirt/qemu/swtpm", "swtpm"),
                      (private + "/var/lib/swtpm-localca", "swtpm-localca"),
                      (private + "/libvirt/qemu/nvram", "nvram"),
                      (private + "/libvirt/qemu/cbt", "cbt")]


def test_the_state_volume_comes_after_access_credentials_and_before_hugepages():
    """newVolumeRenderer's order: VMI volumes, access credentials, backend storage, ... hugepages."""
    vmi = make_vmi({"tpm": {"persistent": True}},
                   accessCredentials=[{"sshPublicKey": {"source": {"secret": {"secretName": "keys"}},
                                                        "propagationMethod": {"noCloud": {}}}}])
    vmi["spec"]["domain"]["memory"] = {"hugepages": {"pageSize": "2Mi"}}
    names = [item["name"] for item in valid(launcher_pod(vmi))["spec"]["volumes"]]
    assert names.index("keys-access-cred") < names.index("vm-state") < names.index("hugepages")


def test_which_claim_wins():
    """An option for namespace/name, then one for the name, then the status
    (CurrentPVCName), then the name KubeVirt still finds (PVCForVMI's legacy name)."""
    vmi = with_status(make_vmi({"tpm": {"persistent": True}}), volumeStatus=[
        {"name": "rootdisk", "persistentVolumeClaimInfo": {"claimName": "rootdisk-claim"}}]
        + backend_status("from-status"))

    def claim(options=None):
        volume, _mounts = state(launcher_pod(vmi, options=options))
        return volume["persistentVolumeClaim"]["claimName"]

    both = {"testns/testvmi": "by-namespace", "testvmi": "by-name", "other/testvmi": "no"}
    assert claim({"backend_storage_claims": both}) == "by-namespace"
    assert claim({"backend_storage_claims": {"testvmi": "by-name"}}) == "by-name"
    assert claim({"backend_storage_claims": {"other/testvmi": "no"}}) == "from-status"
    assert claim() == "from-status"
    del vmi["status"]
    assert claim() == "persistent-state-for-testvmi"


@pytest.mark.parametrize("options, path", [
    ({"backend_storage_claims": ["claim"]}, "pod_options.backend_storage_claims"),
    ({"backend_storage_claims": {"testvmi": "Not_A_Name"}}, "pod_options.backend_storage_claims.testvmi"),
    ({"backend_storage_claims": {"testvmi": 5}}, "pod_options.backend_storage_claims.testvmi"),
])
def test_bad_claim_options_name_the_field(options, path):
    with pytest.raises(VmpodInputError) as error:
        launcher_pod(make_vmi({"tpm": {"persistent": True}}), options=options)
    assert str(error.value).startswith(path + ":")


@pytest.mark.parametrize("status, path", [
    ({"volumeStatus": backend_status("Bad Claim")},
     "status.volumeStatus[0].persistentVolumeClaimInfo.claimName"),
    ({"volumeStatus": "no"}, "status.volumeStatus"),
    ({"changedBlockTracking": {"state": 3}}, "status.changedBlockTracking.state"),
    ({"volumeStatus": backend_status(), "runtimeUser": 107, "changedBlockTracking": []},
     "status.changedBlockTracking"),
])
def test_a_bad_status_names_the_field(status, path):
    with pytest.raises(VmpodInputError) as error:
        launcher_pod(with_status(make_vmi({"tpm": {"persistent": True}}), **status))
    assert str(error.value).startswith(path + ":")


@pytest.mark.parametrize("tpm, path", [
    ({"persistent": "maybe"}, "spec.domain.devices.tpm.persistent"),
    ({"enabled": "maybe", "persistent": True}, "spec.domain.devices.tpm.enabled"),
])
def test_a_bad_tpm_names_the_field(tpm, path):
    with pytest.raises(VmpodInputError) as error:
        launcher_pod(make_vmi({"tpm": tpm}))
    assert str(error.value).startswith(path + ":")
