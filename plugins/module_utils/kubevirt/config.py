# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The KubeVirt CR's ``spec.configuration``: the cluster settings that size a launcher Pod.

Defaults and validity follow KubeVirt's ``pkg/virt-config`` (``virt-config.go``,
``configuration.go`` validateConfig) and feature-gate states from ``featuregate/active.go``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import xml_string

# Beta gates are on unless disabled; others named here are Alpha (off unless enabled).
_BETA_GATES = frozenset((
    "ExternalNetResourceInjection", "GPUsWithDRA", "HostDevicesWithDRA", "PasstBinding",
    "WorkloadEncryptionSEV", "Snapshot", "ImageVolume", "KubevirtSeccompProfile", "NodeRestriction",
    "DecentralizedLiveMigration", "DeclarativeHotplugVolumes", "PodSecondaryInterfaceNamingUpgrade",
    "RebootPolicy", "Template", "OptOutRoleAggregation",
))
_NETWORK_INTERFACES = ("", "bridge", "slirp", "masquerade")


DEFAULT_QGS_SOCKET_PATH = "/var/run/tdx-qgs/qgs.socket"  # virt-config: DefaultQGSSocketPath
DISK_MEMORY_LIMIT = 2000 * 1024 * 1024
# pkg/virt-config: DefaultARCHOVMFPath, DefaultAARCH64OVMFPath, DefaultS390xOVMFPath
DEFAULT_OVMF_PATHS = {"amd64": "/usr/share/edk2/ovmf", "arm64": "/usr/share/AAVMF", "s390x": ""}


@dataclass(frozen=True)
class KubevirtConfig:
    """Cluster settings, read once; ``read_config(None)`` gives KubeVirt's defaults."""

    cpu_allocation_ratio: int
    memory_overcommit: int
    use_emulation: bool
    feature_gates: frozenset
    disabled_feature_gates: frozenset
    overhead_ratio: object  # str or None
    binding_memory: dict  # network binding plugin -> its memory request (Quantity) or None
    binding_nads: dict  # network binding plugin -> its networkAttachmentDefinition ("" for none)
    cpu_model: str
    cpu_request: object  # Quantity or None
    default_network_interface: str
    permit_bridge_on_pod_network: bool
    auto_cpu_limit_selector: object  # dict or None
    machine_types: dict  # architecture -> machine type
    max_hotplug_ratio: int
    max_cpu_sockets: int
    max_guest: object  # Quantity or None
    vm_rollout_live_update: bool
    # feature gates the launcher's rules ask about, decided once
    external_net_resource_injection: bool
    gpus_with_dra: bool
    host_devices_with_dra: bool
    network_devices_with_dra: bool
    iommufd: bool
    permitted_host_devices: object  # frozenset of resource names, or None
    pci_resources: dict  # resource name -> PciResource (permittedHostDevices.pciHostDevices)
    # what the launcher Pod's other containers use (services/template.go and its helpers)
    image_volume: bool  # the ImageVolume gate: containerDisks as image volumes, not containers
    serial_console_log_disabled: bool  # virtualMachineOptions.disableSerialConsoleLog
    launcher_verbosity: int  # developerConfiguration.logVerbosity.virtLauncher
    support_resources: dict  # supportContainerResources: (type, "requests"/"limits") -> list
    node_selectors: dict  # developerConfiguration.nodeSelectors: every launcher Pod's
    runtime_class: str  # defaultRuntimeClass: the launcher Pod's runtimeClassName
    # seccompConfiguration.virtualMachineInstanceProfile.customProfile as the Pod's
    # securityContext.seccompProfile, or None; selinuxLauncherType, its seLinuxOptions type
    seccomp_profile: object = None
    selinux_launcher_type: str = ""
    cross_arch: bool = False  # the CrossArchitectureVirtualization gate
    # GetOVMFPath: architecture -> the firmware directory the launcher is told (the old
    # top-level ovmfPath over every architecture's architectureConfiguration.ARCH.ovmfPath)
    ovmf_paths: object = None  # dict
    # developerConfiguration.diskVerification.memoryLimit, bytes (DefaultDiskVerificationMemoryLimitBytes)
    disk_memory_limit: int = DISK_MEMORY_LIMIT
    image_pull_policy: str = "IfNotPresent"  # imagePullPolicy (GetImagePullPolicy), of the launcher image
    # network.binding.NAME: (sidecarImage, downwardAPI) of each binding plugin
    binding_sidecars: object = None  # dict
    # confidentialCompute.tdx.attestation.qgsSocketPath (GetQGSSocketPath), "" for none
    qgs_socket_path: str = DEFAULT_QGS_SOCKET_PATH
    # every gate gate_enabled answers True for, decided once from the two lists
    enabled_gates: frozenset = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self):
        # enabled, and Beta unless disabled: what gate_enabled() below decides gate by gate
        object.__setattr__(self, "enabled_gates", frozenset(self.feature_gates).union(
            _BETA_GATES.difference(self.disabled_feature_gates)))

    def gate_enabled(self, gate):
        """featuregate.IsEnabled: explicit enable > explicit disable > Beta on by default."""
        return gate in self.enabled_gates

    def ovmf_path(self, architecture):
        """GetOVMFPath: the firmware directory for ``architecture``, amd64's for any other
        (a spec that names none); empty for s390x unless the CR names one."""
        paths = self.ovmf_paths
        return paths.get(architecture, paths["amd64"])


def gate_enabled(enabled, disabled, gate):
    """featuregate.IsEnabled over the enabled and disabled gates."""
    if gate in enabled:
        return True
    if gate in disabled:
        return False
    return gate in _BETA_GATES


def read_config(config):
    """Read ``spec.configuration``; a KubevirtConfig passes through, None gives the defaults."""
    if config is None:
        return _DEFAULTS
    if isinstance(config, KubevirtConfig):
        return config
    return _read(config)


def _read(config):
    path = "config"
    if not isinstance(config, dict):
        raise VmpodInputError(path, config, "must be a mapping (the KubeVirt CR's spec.configuration)")
    c = {}
    dev_path = f.join(path, "developerConfiguration")
    dev = f.mapping(config, "developerConfiguration", path)
    # validateConfig rejects both at or below zero, so KubeVirt never computes with them
    c["cpu_allocation_ratio"] = f.integer(dev, "cpuAllocationRatio", dev_path, 10, minimum=1)
    c["memory_overcommit"] = f.integer(dev, "memoryOvercommit", dev_path, 100, minimum=1)
    c["use_emulation"] = f.boolean(dev, "useEmulation", dev_path, False)
    c["feature_gates"] = frozenset(f.strings(dev, "featureGates", dev_path))
    c["disabled_feature_gates"] = frozenset(f.strings(dev, "disabledFeatureGates", dev_path))

    ratio = config.get("additionalGuestMemoryOverheadRatio")
    if ratio is not None and not isinstance(ratio, str):
        raise VmpodInputError(f.join(path, "additionalGuestMemoryOverheadRatio"), ratio,
                              "must be a string such as '1.5'")
    c["overhead_ratio"] = ratio

    bindings_path = f.join(path, "network.binding")
    network = f.mapping(config, "network", path)
    bindings = f.mapping(network, "binding", f.join(path, "network"))
    c["binding_memory"] = {}
    c["binding_nads"] = {}
    c["binding_sidecars"] = {}
    for name, plugin in bindings.items():
        where = f.join(bindings_path, name)
        if not isinstance(plugin, dict):
            raise VmpodInputError(where, plugin, "must be a mapping")
        overhead = f.mapping(plugin, "computeResourceOverhead", where)
        requests = f.resource_list(overhead, "requests", f.join(where, "computeResourceOverhead"))
        c["binding_memory"][name] = requests.get("memory")
        c["binding_nads"][name] = f.string(plugin, "networkAttachmentDefinition", where)
        downward_api = f.string(plugin, "downwardAPI", where)
        if downward_api not in ("", DEVICE_INFO):
            raise VmpodInputError(f.join(where, "downwardAPI"), downward_api, "must be device-info")
        c["binding_sidecars"][name] = (f.string(plugin, "sidecarImage", where), downward_api)
    interface = f.string(network, "defaultNetworkInterface", f.join(path, "network"))
    if interface not in _NETWORK_INTERFACES:
        raise VmpodInputError(f.join(path, "network.defaultNetworkInterface"), interface,
                              "must be bridge, masquerade or slirp")
    c["default_network_interface"] = interface or "bridge"
    c["permit_bridge_on_pod_network"] = f.boolean(
        network, "permitBridgeInterfaceOnPodNetwork", f.join(path, "network"), True)

    c["permitted_host_devices"] = _permitted_host_devices(config, path)
    c["pci_resources"] = _pci_resources(config, path)
    c["image_volume"] = gate_enabled(c["feature_gates"], c["disabled_feature_gates"], "ImageVolume")
    options = f.mapping(config, "virtualMachineOptions", path)
    c["serial_console_log_disabled"] = options.get("disableSerialConsoleLog") is not None
    verbosity = f.mapping(dev, "logVerbosity", dev_path)
    c["launcher_verbosity"] = f.uint32(verbosity, "virtLauncher", f.join(dev_path, "logVerbosity"),
                                       DEFAULT_LAUNCHER_VERBOSITY)
    c["support_resources"] = _support_resources(config, path)
    selectors = f.mapping(dev, "nodeSelectors", dev_path)
    for key, value in selectors.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise VmpodInputError(f.join(f.join(dev_path, "nodeSelectors"), key), value,
                                  "must map text to text")
    c["node_selectors"] = dict(selectors)
    c["runtime_class"] = f.string(config, "defaultRuntimeClass", path)
    c["seccomp_profile"] = _seccomp_profile(config, path)
    c["selinux_launcher_type"] = f.string(config, "selinuxLauncherType", path)
    c["cpu_model"] = f.string(config, "cpuModel", path)
    c["cpu_request"] = f.quantity(config, "cpuRequest", path)
    c["auto_cpu_limit_selector"] = f.optional_mapping(
        config, "autoCPULimitNamespaceLabelSelector", path)

    arch_path = f.join(path, "architectureConfiguration")
    arch_config = f.mapping(config, "architectureConfiguration", path)
    c["machine_types"] = {}
    # both reach the domain XML (and the machine type a node selector): no control characters
    for arch, default in (("amd64", "q35"), ("arm64", "virt"), ("s390x", "s390-ccw-virtio")):
        section = f.mapping(arch_config, arch, arch_path)
        c["machine_types"][arch] = xml_string(section, "machineType", f.join(arch_path, arch)) or default
    old_ovmf = xml_string(config, "ovmfPath", path)
    c["ovmf_paths"] = {arch: old_ovmf or xml_string(f.mapping(arch_config, arch, arch_path), "ovmfPath",
                                                    f.join(arch_path, arch)) or default
                       for arch, default in DEFAULT_OVMF_PATHS.items()}
    attestation_path = f.join(path, "confidentialCompute.tdx.attestation")
    attestation = f.mapping(f.mapping(f.mapping(config, "confidentialCompute", path), "tdx",
                                      f.join(path, "confidentialCompute")),
                            "attestation", f.join(path, "confidentialCompute.tdx"))
    c["qgs_socket_path"] = (DEFAULT_QGS_SOCKET_PATH if attestation.get("qgsSocketPath") is None
                            else f.string(attestation, "qgsSocketPath", attestation_path))
    c["image_pull_policy"] = f.string(config, "imagePullPolicy", path) or "IfNotPresent"
    if c["image_pull_policy"] not in PULL_POLICIES:  # validateConfig
        raise VmpodInputError(f.join(path, "imagePullPolicy"), c["image_pull_policy"],
                              "must be one of %s" % ", ".join(PULL_POLICIES))
    verification = f.mapping(dev, "diskVerification", dev_path)
    limit = f.quantity(verification, "memoryLimit", f.join(dev_path, "diskVerification"))
    c["disk_memory_limit"] = limit.value() if limit is not None else DISK_MEMORY_LIMIT
    live = f.mapping(config, "liveUpdateConfiguration", path)
    live_path = f.join(path, "liveUpdateConfiguration")
    c["max_hotplug_ratio"] = f.uint32(live, "maxHotplugRatio", live_path, 4)
    c["max_cpu_sockets"] = f.uint32(live, "maxCpuSockets", live_path, 0)
    c["max_guest"] = f.quantity(live, "maxGuest", live_path)
    strategy = f.string(config, "vmRolloutStrategy", path, "LiveUpdate")
    c["vm_rollout_live_update"] = strategy == "LiveUpdate"
    for key, gate in (("external_net_resource_injection", "ExternalNetResourceInjection"),
                      ("gpus_with_dra", "GPUsWithDRA"), ("host_devices_with_dra", "HostDevicesWithDRA"),
                      ("network_devices_with_dra", "NetworkDevicesWithDRA"), ("iommufd", "IOMMUFD"),
                      ("cross_arch", "CrossArchitectureVirtualization")):
        c[key] = gate_enabled(c["feature_gates"], c["disabled_feature_gates"], gate)
    return KubevirtConfig(**c)


def _seccomp_profile(config, path):
    """renderLaunchManifest's podSeccompProfile: a localhost profile, else the runtime's
    default when ``runtimeDefaultProfile`` is true, else none."""
    seccomp = f.mapping(config, "seccompConfiguration", path)
    sp = f.join(path, "seccompConfiguration")
    profile = f.mapping(seccomp, "virtualMachineInstanceProfile", sp)
    pp = f.join(sp, "virtualMachineInstanceProfile")
    custom = f.optional_mapping(profile, "customProfile", pp)
    if custom is None:
        return None
    cp = f.join(pp, "customProfile")
    if custom.get("localhostProfile") is not None:
        return {"type": "Localhost", "localhostProfile": f.string(custom, "localhostProfile", cp)}
    if f.boolean(custom, "runtimeDefaultProfile", cp, False):
        return {"type": "RuntimeDefault"}
    return None


def _permitted_host_devices(config, path):
    """Resource names of ``permittedHostDevices``, or None when the cluster does not restrict them."""
    permitted = f.optional_mapping(config, "permittedHostDevices", path)
    if permitted is None:
        return None
    where = f.join(path, "permittedHostDevices")
    names = set()
    for kind in ("pciHostDevices", "mediatedDevices", "usb"):
        for item_path, item in f.mappings(permitted, kind, where):
            names.add(f.string(item, "resourceName", item_path))
    return frozenset(names)


class PciResource(NamedTuple):
    """The PCI devices a resource name stands for: ``ids`` the (vendor, device) pairs of its
    ``pciVendorSelector`` entries, lower-case hex (``("10de", "2236")``); ``external``: another
    device plugin than KubeVirt's advertises it (``externalResourceProvider``), so KubeVirt's rule
    that only devices bound to vfio-pci count does not apply."""

    ids: frozenset
    external: bool


_PCI_SELECTOR = re.compile(r"^([0-9A-Fa-f]{4}):([0-9A-Fa-f]{4})$")


def _pci_resources(config, path):
    """``permittedHostDevices.pciHostDevices`` by resource name (several entries may share one)."""
    permitted = f.optional_mapping(config, "permittedHostDevices", path)
    if permitted is None:
        return {}
    found = {}
    for item_path, item in f.mappings(permitted, "pciHostDevices", f.join(path, "permittedHostDevices")):
        name = f.string(item, "resourceName", item_path)
        selector = f.string(item, "pciVendorSelector", item_path)
        match = _PCI_SELECTOR.match(selector)
        if not match:
            raise VmpodInputError(f.join(item_path, "pciVendorSelector"), item.get("pciVendorSelector"),
                                  "must be vendor:device in hexadecimal (10DE:2236)")
        external = f.boolean(item, "externalResourceProvider", item_path, False)
        ids = (match.group(1).lower(), match.group(2).lower())
        known = found.get(name)
        if known is not None:
            ids_all = known.ids | {ids}
            found[name] = PciResource(ids_all, known.external or external)
        else:
            found[name] = PciResource(frozenset((ids,)), external)
    return found


def _support_resources(config, path):
    """``supportContainerResources``: per support container type, the requests and limits that
    replace KubeVirt's defaults (a zero quantity replaces nothing, as GetSupportContainerRequest;
    of two entries of one type, the first non-zero value wins, as its loop returns it)."""
    found = {}
    for where, item in f.mappings(config, "supportContainerResources", path):
        kind = f.string(item, "type", where)
        if kind not in SUPPORT_CONTAINER_TYPES:
            raise VmpodInputError(f.join(where, "type"), kind,
                                  "must be one of %s" % ", ".join(SUPPORT_CONTAINER_TYPES))
        resources = f.mapping(item, "resources", where)
        for side in ("requests", "limits"):
            listed = f.resource_list(resources, side, f.join(where, "resources"))
            for name, value in listed.items():
                if value.unscaled:
                    found.setdefault((kind, side), {}).setdefault(name, value)
    return found


PULL_POLICIES = ("Always", "IfNotPresent", "Never")
DEVICE_INFO = "device-info"  # v1.DeviceInfo: a binding plugin that reads the network-info annotation
SUPPORT_CONTAINER_TYPES = ("hotplug-disk", "container-disk", "virtiofs", "sidecar", "vmexport",
                           "guest-console-log")
DEFAULT_LAUNCHER_VERBOSITY = 2  # virt-config: DefaultVirtLauncherLogVerbosity

_DEFAULTS = _read({})
