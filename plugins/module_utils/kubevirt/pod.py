# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The virt-launcher Pod of a VMI, as the Kubernetes object virt-controller would create.

Facts from KubeVirt ``pkg/virt-controller/services/template.go`` (``renderLaunchManifest``,
``podLabels``, ``generatePodAnnotations``, ``filterVMIAnnotationsForPod``,
``computePodSecurityContext``, ``readinessGates``, the compute container's command and
arguments, ``alignPodMultiCategorySecurity``), ``rendervolumes.go`` ``withHugepages`` (the
``hugepages`` and ``hugetblfs-dir`` emptyDirs, KubeVirt's spelling), ``pkg/apimachinery/labels.go``
``CalculateVirtualMachineInstanceID`` and ``pkg/util/net/dns/sanitize.go`` ``SanitizeHostname``.
The expectations of ``template_test.go`` ("should render the launcher pod ...": labels,
annotations, owner reference, node selector, arguments, grace period 60) are the unit tests'.

The containers beside ``compute`` are ``pod_containers.py``'s, the volumes and mounts
``pod_volumes.py``'s, the node selector and affinity ``pod_scheduling.py``'s. Beyond KubeVirt:
``--qemu-timeout`` is the configured base without virt-controller's random jitter, so that a
second rendering changes nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.kubernetes import api_json
from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.api_json import json_copy
from ansible_collections.vmpod.core.plugins.module_utils.kubernetes.names import check_labels
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt import pod_containers as parts
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import (
    DEFAULT_LAUNCHER_VERBOSITY, read_config)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.defaults import apply_vmi_defaults
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.identity import stand_in_uid
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_annotations import pod_annotations
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_options import (
    backend_storage_claim, read_pod_options, reservation_labels)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_scheduling import node_affinity, node_selector
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_volumes import pod_volumes
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.resources import printed, size_vmi
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.vmi import read_vmi
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError

NON_ROOT_UID = 107  # pkg/util: NonRootUID (the "qemu" user)
GRACE_PADDING = 15  # renderLaunchManifest: gracePeriodPaddingSeconds, added twice for the Pod
_DNS1035_MAX = 63
ISTIO_INJECT = "sidecar.istio.io/inject"  # pkg/network/istio: the annotation, and the label


def launcher_pod(vmi, config=None, arch="amd64", options=None, apply_defaults=False):
    """The launcher Pod (a Kubernetes Pod object) of a VMI or VirtualMachine, as KubeVirt's
    renderLaunchManifest renders it for the object as given. ``apply_defaults``: first apply
    what virt-api's mutating webhook adds when the VMI is created (``kubevirt.defaults``: machine
    type, CPU model and topology, hotplug maxima, the default pod interface, the non-root runtime
    user, default disks, pull policies, probe timings, feature states and Hyper-V dependencies,
    TDX's QGS socket) - what a cluster renders for a VMI as users write it. Leave it off for a VMI read back
    from a cluster (``kubernetes.core.k8s_info``), which has them already."""
    cfg = read_config(config)
    if apply_defaults:
        vmi = apply_vmi_defaults(vmi, cfg, arch)
    sized = size_vmi(read_vmi(vmi, arch, with_pod=True), cfg)
    return build_pod(sized, read_pod_options(options), cfg)


def build_pod(sized, opts, cfg=None):
    """The Pod of a sized VMI read with its Pod section (``read_vmi(obj, with_pod=True)``);
    ``cfg``: the KubevirtConfig it was sized with (KubeVirt's defaults when None)."""
    cfg = read_config(cfg)
    vmi = sized.vmi
    section = vmi.pod
    if not vmi.name:
        raise VmpodInputError("metadata.name", None, "is required")
    settings = _settings(cfg)
    uid = vmi_uid(vmi)
    user = NON_ROOT_UID if section.non_root else 0
    hostname = sanitized_hostname(vmi.name, section.hostname)
    reserved = reservation_labels(vmi, opts)
    metadata = {
        "generateName": "virt-launcher-%s-" % vmi.name,
        "labels": pod_labels(vmi, uid, hostname, reserved),
        "annotations": pod_annotations(sized, opts, cfg),
    }
    if vmi.namespace:
        metadata["namespace"] = vmi.namespace
    if vmi.uid:  # an owner reference needs the VMI's real uid
        metadata["ownerReferences"] = [{
            "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "name": vmi.name, "uid": vmi.uid, "controller": True, "blockOwnerDeletion": True}]
    # GetImagePullPolicy: the KubeVirt CR's, for every container that runs the launcher image
    image, pull_policy = launcher = (opts.image, opts.image_pull_policy or cfg.image_pull_policy)
    qos = parts.guaranteed(vmi)  # what every support container's resources depend on
    sidecars, sidecar_volumes = parts.hook_sidecars(vmi, cfg, user, opts.sidecar_shim_image, qos)
    backend_claim = backend_storage_claim(vmi, opts) if section.backend_storage else ""
    volumes = pod_volumes(vmi, cfg.image_volume, launcher, opts.block_claims, bool(sidecars),
                          backend_claim, settings.plugins, parts.binding_device_info(vmi, cfg),
                          opts.shared_claims)
    verbosity = _verbosity(vmi, cfg)
    containers = [compute_container(sized, uid, opts, cfg, volumes, user, len(sidecars), verbosity,
                                    settings)]
    disks = volumes.disks
    if sidecars:
        containers[0]["volumeMounts"].extend(parts.hook_compute_mounts(vmi))
    if disks and not cfg.image_volume:
        containers.extend(parts.container_disks(vmi, cfg, False, disks, qos))
    if section.filesystems:
        containers.extend(parts.virtiofs_containers(vmi, cfg, image, pull_policy, qos))
    if sidecars:
        containers.extend(sidecars)
    if settings.mcs_workaround:
        _mcs_workaround(containers, cfg.selinux_launcher_type)
    init_containers = []
    console = parts.guest_console_log(vmi, cfg, image, pull_policy, verbosity[0], qos)
    if console is not None:
        init_containers.append(console)
    if disks and not cfg.image_volume:
        init_containers.append(parts.container_disk_binary(vmi, cfg, image, pull_policy, user, qos))
        init_containers.extend(parts.container_disks(vmi, cfg, True, disks, qos))
    elif disks:
        init_containers.extend(parts.image_volume_init_containers(vmi, cfg, disks, qos))
    pod_spec = {
        "hostname": hostname,
        "securityContext": pod_security_context(section.non_root, cfg),
        "terminationGracePeriodSeconds": vmi.grace_period + 2 * GRACE_PADDING,
        "restartPolicy": "Never",
        "enableServiceLinks": False,
        "nodeSelector": node_selector(vmi, cfg),
        "readinessGates": [{"conditionType": "kubevirt.io/virtual-machine-unpaused"}],
        "containers": containers,
        "volumes": volumes.volumes + sidecar_volumes if sidecar_volumes else volumes.volumes,
    }
    if init_containers:
        pod_spec["initContainers"] = init_containers
    if section.subdomain:
        pod_spec["subdomain"] = section.subdomain
    if section.tolerations:
        # as KubeVirt's typed VMI writes them (kubernetes.api_json), as are DNS config and spread
        pod_spec["tolerations"] = [api_json.written(item, api_json.TOLERATION) for item in section.tolerations]
    if section.topology_spread:
        pod_spec["topologySpreadConstraints"] = [api_json.written(item, api_json.TOPOLOGY_SPREAD)
                                                 for item in section.topology_spread]
    if section.dns_config is not None:
        pod_spec["dnsConfig"] = api_json.written(section.dns_config, api_json.DNS_CONFIG)
    if section.dns_policy:
        pod_spec["dnsPolicy"] = section.dns_policy
    pull_secrets = image_pull_secrets(disks, opts.image_pull_secret)
    if pull_secrets:
        pod_spec["imagePullSecrets"] = pull_secrets
    if section.resource_claims:
        pod_spec["resourceClaims"] = [dict(claim) for claim in section.resource_claims]
    if cfg.runtime_class:
        pod_spec["runtimeClassName"] = cfg.runtime_class
    if section.priority_class:
        pod_spec["priorityClassName"] = section.priority_class
    if section.scheduler:
        pod_spec["schedulerName"] = section.scheduler
    affinity = node_affinity(vmi, cfg, reserved)
    if affinity is not None:
        pod_spec["affinity"] = affinity
    account = volumes.service_account
    if section.service_account or account:
        pod_spec["serviceAccountName"] = section.service_account or account
    istio = vmi.annotations.get(ISTIO_INJECT, "").lower() == "true"
    pod_spec["automountServiceAccountToken"] = bool(account) or istio
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}


def pod_security_context(non_root, cfg=None):
    """computePodSecurityContext: fsGroup 107 always; the qemu user for a non-root VMI, else
    root; the cluster's seccomp profile; alignPodMultiCategorySecurity's SELinux type (the
    cluster's ``selinuxLauncherType``)."""
    if non_root:
        context = {"fsGroup": NON_ROOT_UID, "runAsGroup": NON_ROOT_UID, "runAsNonRoot": True,
                   "runAsUser": NON_ROOT_UID}
    else:
        context = {"fsGroup": NON_ROOT_UID, "runAsUser": 0}
    if cfg is not None:
        if cfg.seccomp_profile is not None:
            context["seccompProfile"] = dict(cfg.seccomp_profile)
        if cfg.selinux_launcher_type:
            context["seLinuxOptions"] = {"type": cfg.selinux_launcher_type}
    return context


def _mcs_workaround(containers, selinux_type):
    """alignPodMultiCategorySecurity under the (deprecated) DockerSELinuxMCSWorkaround gate:
    every container but ``compute`` gets the SELinux level s0 (generateContainerSecurityContext),
    so that it can reach the compute container."""
    options = {"type": selinux_type, "level": "s0"} if selinux_type else {"level": "s0"}
    for container in containers:
        if container["name"] != "compute":
            container["securityContext"] = dict(container.get("securityContext") or {},
                                                seLinuxOptions=dict(options))


def image_pull_secrets(volumes, controller_secret=""):
    """imgPullSecrets and appendUniqueImagePullSecret: the containerDisks' pull secrets, then
    the kernel-boot container's, then virt-controller's own (``--image-pull-secret``), each
    once."""
    found, seen = [], set()
    for volume in volumes:
        secret = volume.source.get("imagePullSecret") if volume.kind == "containerDisk" else None
        if secret and secret not in seen:
            seen.add(secret)
            found.append({"name": secret})
    if controller_secret and controller_secret not in seen:
        found.append({"name": controller_secret})
    return found


def _verbosity(vmi, cfg):
    """The launcher's log verbosity (the VMI's ``logVerbosity`` label over the cluster's) and
    whether the compute container is told it."""
    label = vmi.labels.get("logVerbosity")
    if label is not None:
        try:
            return int(label, 10) if label.isdigit() else _bad_verbosity(label), label
        except ValueError:
            _bad_verbosity(label)
    level = cfg.launcher_verbosity
    return level, (str(level) if level != DEFAULT_LAUNCHER_VERBOSITY else None)


def _bad_verbosity(label):
    raise VmpodInputError("metadata.labels.logVerbosity", label, "must be a whole number")


def vmi_uid(vmi):
    """metadata.uid, else a stand-in stable for namespace/name (``identity.stand_in_uid``)."""
    return vmi.known_uid or vmi.uid or stand_in_uid(vmi.namespace, vmi.name)


def sanitized_hostname(name, hostname):
    """SanitizeHostname: spec.hostname, else the name up to its first dot, at most 63."""
    if hostname:
        return hostname
    return name.split(".")[0][:_DNS1035_MAX]


def vmi_id(name):
    """CalculateVirtualMachineInstanceID: the name, or for more than 63 characters its first 54,
    ``-`` and 8 hex digits of its SHA-1."""
    if len(name) <= _DNS1035_MAX:
        return name
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()
    return "%s-%s" % (name[:_DNS1035_MAX - 9], digest[:8])


def pod_labels(vmi, uid, hostname, reserved=()):
    """podLabels (Istio's sidecar injection as a label too: istio.InjectSidecarLabel), then the
    persistent-reservation labels (``reserved``, empty values)."""
    labels = {**vmi.labels, "kubevirt.io": "virt-launcher", "kubevirt.io/created-by": uid,
              "vm.kubevirt.io/name": hostname, "vmi.kubevirt.io/id": vmi_id(vmi.name)}
    inject = vmi.annotations.get(ISTIO_INJECT)
    if inject is not None:  # a label value too, or the API server refuses the Pod
        labels[ISTIO_INJECT] = check_labels({ISTIO_INJECT: inject}, "metadata.annotations")[ISTIO_INJECT]
    for label in reserved:
        labels[label] = ""
    keys = sorted(labels)
    if keys == list(labels):  # podLabels' own alone are in order already
        return labels
    return {key: labels[key] for key in keys}


def compute_container(sized, uid, opts, cfg, volumes, user, hook_count, verbosity, settings=None):
    vmi = sized.vmi
    section = vmi.pod
    if settings is None:
        settings = _settings(cfg)
    args = ["--qemu-timeout", "%ds" % opts.qemu_timeout,
            "--name", vmi.name, "--uid", uid, "--namespace", vmi.namespace or "default",
            "--kubevirt-share-dir", "/var/run/kubevirt",
            "--ephemeral-disk-dir", "/var/run/kubevirt-ephemeral-disks",
            "--container-disk-dir", "/var/run/kubevirt/container-disks",
            "--grace-period-seconds", str(vmi.grace_period + GRACE_PADDING),
            "--hook-sidecars", str(hook_count),
            "--ovmf-path", opts.ovmf_path or cfg.ovmf_path(section.spec_architecture),
            "--disk-memory-limit", settings.disk_memory_limit,
            "--hypervisor", opts.hypervisor]
    if section.non_root:
        args.append("--run-as-nonroot")
    if settings.gate_flags:
        args.extend(settings.gate_flags)
    annotations = vmi.annotations
    if annotations:
        filters = annotations.get("kubevirt.io/libvirt-log-filters")
        if filters is not None:
            args.extend(["--libvirt-log-filters", filters])
    if cfg.use_emulation:
        args.append("--allow-emulation")
    if annotations:
        if any(key.startswith("kubevirt.io/keep-launcher-alive-after-failure")
               and (value == "" or value.startswith("true")) for key, value in annotations.items()):
            args.append("--keep-after-failure")
        if "kubevirt.io/func-test-virt-launcher-fail-fast" in annotations:
            args.append("--simulate-crash")  # FuncTestLauncherFailFastAnnotation
    env = parts.xdg_env() if user else []
    if volumes.shared_paths:
        env.append({"name": "SHARED_FILESYSTEM_PATHS", "value": ":".join(volumes.shared_paths)})
    level, told = verbosity
    if told is not None:
        env.append({"name": "VIRT_LAUNCHER_LOG_VERBOSITY", "value": told})
    if level > 5 or vmi.labels:
        for label, name in (("debugLogs", "LIBVIRT_DEBUG_LOGS"),
                            ("virtiofsdDebugLogs", "VIRTIOFSD_DEBUG_LOGS")):
            if vmi.labels.get(label, "").lower() == "true" or level > 5:
                env.append({"name": name, "value": "1"})
    env.append({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}})
    if section.non_root:
        capabilities = {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}
    else:
        capabilities = {"add": ["NET_BIND_SERVICE", "SYS_NICE"]}
    resources = {"requests": printed(sized.requests), "limits": printed(sized.limits)}
    if sized.claims:
        resources["claims"] = [dict(claim) for claim in sized.claims]
    container = {
        "name": "compute",
        "image": opts.image,
        "imagePullPolicy": opts.image_pull_policy or cfg.image_pull_policy,
        "securityContext": parts.container_security(user, capabilities),
        "command": list(settings.command),
        "args": args,
        "env": env,
        "resources": resources,
        "volumeMounts": volumes.mounts,
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }
    if volumes.devices:
        container["volumeDevices"] = volumes.devices
    if vmi.interfaces:
        ports = container_ports(vmi)
        if ports:
            container["ports"] = ports
    if section.readiness_probe is not None:
        container["readinessProbe"] = launcher_probe(vmi, section.readiness_probe)
    if section.liveness_probe is not None:
        container["livenessProbe"] = launcher_probe(vmi, section.liveness_probe)
    return container


_COMMAND = ("/usr/bin/virt-launcher-monitor",)
# the CrossArchitectureVirtualization gate appends its flag to the command, not to the arguments
_COMMAND_CROSS_ARCH = _COMMAND + ("--allow-cross-arch-emulation",)


class _Settings(NamedTuple):
    """What the Pod takes from a cluster configuration alone, decided once per configuration."""

    gate_flags: tuple  # the compute container's arguments that feature gates turn on
    command: tuple  # the compute container's command
    disk_memory_limit: str
    plugins: bool  # the Plugins gate: the plugin socket directory
    mcs_workaround: bool  # the DockerSELinuxMCSWorkaround gate


_SETTINGS = {}  # id(cfg) -> (cfg, its _Settings)


def _settings(cfg):
    entry = _SETTINGS.get(id(cfg))
    if entry is None or entry[0] is not cfg:
        if len(_SETTINGS) >= 32:
            _SETTINGS.clear()
        entry = _SETTINGS[id(cfg)] = (cfg, _Settings(
            _gate_flags(cfg), _COMMAND_CROSS_ARCH if cfg.cross_arch else _COMMAND,
            str(cfg.disk_memory_limit), cfg.gate_enabled("Plugins"),
            cfg.gate_enabled("DockerSELinuxMCSWorkaround")))
    return entry[1]


def _gate_flags(cfg):
    """The compute container's arguments that feature gates turn on, in KubeVirt's order."""
    return tuple(flag for flag, on in (
        ("--image-volume", cfg.image_volume),
        ("--upgrade-ordinal-ifaces", cfg.gate_enabled("PodSecondaryInterfaceNamingUpgrade")),
        ("--vgpu-dedicated-hook", cfg.gate_enabled("VGPULiveMigration")),
        ("--vm-stats-collector", cfg.gate_enabled("VMStatsCollector")),
        ("--firmware-auto-selection", cfg.gate_enabled("FirmwareAutoSelection"))) if on)


def container_ports(vmi):
    """containerPortsFromVMI: every port of every interface (TCP unless named otherwise)."""
    found = []
    for interface in vmi.interfaces:
        for port in interface.ports:
            item = {"containerPort": port["port"], "protocol": port["protocol"].upper()}
            if "name" in port:
                item["name"] = port["name"]
            found.append(item)
    return found


def launcher_probe(vmi, probe):
    """A VMI probe as the compute container's (copyProbe, the defaults of SetDefaults_Probe,
    exec commands and guest-agent pings wrapped by virt-probe, 10 s added for libvirt's start)."""
    found = {key: probe[key] for key in ("initialDelaySeconds", "periodSeconds",
                                         "successThreshold", "failureThreshold") if probe.get(key)}
    timeout = probe.get("timeoutSeconds") or 1  # SetDefaults_Probe
    found["timeoutSeconds"] = timeout
    found.setdefault("periodSeconds", 10)
    found.setdefault("successThreshold", 1)
    found.setdefault("failureThreshold", 3)
    domain = "%s_%s" % (vmi.namespace or "default", vmi.name)
    for key in ("httpGet", "tcpSocket"):
        if probe.get(key) is not None:
            found[key] = json_copy(probe[key])
    command = (probe.get("exec") or {}).get("command") if probe.get("exec") is not None else None
    if probe.get("guestAgentPing") is not None:
        found["exec"] = {"command": ["virt-probe", "--domainName", domain, "--timeoutSeconds",
                                     str(timeout), "--guestAgentPing"]}
        found["timeoutSeconds"] = timeout + 1
    elif command and command[0] != "virt-probe":
        found["exec"] = {"command": ["virt-probe", "--domainName", domain, "--timeoutSeconds",
                                     str(timeout), "--command", command[0], "--"]
                         + list(command[1:])}
        found["timeoutSeconds"] = timeout + 1
    elif probe.get("exec") is not None:
        found["exec"] = json_copy(probe["exec"])
    found["initialDelaySeconds"] = (probe.get("initialDelaySeconds") or 0) + 10
    return found
