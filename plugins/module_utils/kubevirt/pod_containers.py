# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The launcher Pod's containers beside ``compute``: the guest console log sidecar, container
disks, virtiofs and hook sidecars, each with the resources KubeVirt gives it.

Facts from KubeVirt ``pkg/virt-controller/services/``: ``serialconsolelog.go`` (the
``guest-console-log`` init container with ``restartPolicy: Always``: 5m / 35M requested, 15m / 60M
limited, requests raised to the limits for dedicated CPUs or a VMI that wants Guaranteed QoS),
``template.go`` (``container-disk-binary``: 10m / 1M requested, 100m / 40M limited, or 10m / 40M
both; hook sidecars: 200m / 64M both for dedicated CPUs, nothing otherwise),
``virtiofs.go`` with ``pkg/virtiofs/resources.go`` (10m / 1M requested, 100m / 80M limited),
``pkg/container-disk/container-disk.go`` (``volume<name>`` containers: 1m / 1M / 50M ephemeral
storage requested, 10m / 40M limited) and ``rendercontainer.go`` (security contexts). Every
default can be replaced per container type by the KubeVirt CR's ``supportContainerResources``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.pod_volumes import (
    BIN_VOLUME, CONTAINER_BINARY_DIR, CONTAINER_DISK_DATA_DIR, HOOK_SOCKETS_DIR, LAUNCHER_VOLUME,
    NETWORK_INFO_DIR, NETWORK_INFO_VOLUME, PRIVATE_DIR, VIRTIOFS_DIR, VIRTIOFS_VOLUME, mount,
    source_path)
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.config import DEVICE_INFO
from ansible_collections.vmpod.core.plugins.module_utils.kubevirt.overhead import wants_guaranteed_qos
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity, printed

NON_ROOT_UID = 107
KERNEL_BOOT = "kernel-boot"  # pkg/container-disk: KernelBootName, the kernel-boot disk's directory


def guaranteed(vmi):
    """Dedicated CPUs or a VMI that wants Guaranteed QoS: every support container then requests
    what it limits, so that the Pod stays Guaranteed and the kubelet pins it."""
    return vmi.cpu.dedicated or wants_guaranteed_qos(vmi)


def support(vmi, cfg, kind, requests, limits):
    """A support container's resources: KubeVirt's defaults (a None default is none, yet still
    replaceable), the CPU and memory of each replaced by ``supportContainerResources`` of its
    type (GetSupportContainerRequest / Limit), the requests raised to the limits when
    ``guaranteed``. Quantity values."""
    found = {}
    for side, defaults in (("requests", requests), ("limits", limits)):
        values = dict(defaults)
        for name, value in cfg.support_resources.get((kind, side), {}).items():
            if name in values:
                values[name] = value
        found[side] = {name: parse_quantity(value) for name, value in values.items()
                       if value is not None}
    if guaranteed(vmi):
        for name in ("cpu", "memory"):
            if name in found["limits"]:
                found["requests"][name] = found["limits"][name]
    return found


def printed_resources(resources):
    return {side: printed(values) for side, values in resources.items() if values}


# (resources rule, guaranteed) -> printed (requests, limits) under KubeVirt's defaults, None for none
_PRINTED_SUPPORT = {}


def printed_support(rule, vmi, cfg, qos=None):
    """``printed_resources(rule(vmi, cfg))`` for a support container's resources rule (``qos``:
    ``guaranteed(vmi)`` when the caller knows it). Without ``supportContainerResources`` a
    rule's result depends on nothing but ``guaranteed(vmi)``: it is printed once per rule and
    copied, not parsed and printed again for every VMI."""
    if cfg.support_resources:
        return printed_resources(rule(vmi, cfg))
    key = (rule, guaranteed(vmi) if qos is None else qos)
    found = _PRINTED_SUPPORT.get(key)
    if found is None:
        printed_sides = printed_resources(rule(vmi, cfg))
        found = _PRINTED_SUPPORT[key] = (printed_sides.get("requests"), printed_sides.get("limits"))
    requests, limits = found
    if requests is not None and limits is not None:
        return {"requests": dict(requests), "limits": dict(limits)}
    if requests is not None:
        return {"requests": dict(requests)}
    return {"limits": dict(limits)} if limits is not None else {}


def _security():
    """A support container's: the qemu user, no privilege escalation, no capabilities."""
    return {"runAsUser": NON_ROOT_UID, "runAsNonRoot": True, "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]}}


def container_security(user, capabilities):
    """rendercontainer.go securityContext: the user, non-root when it is not 0, its group and no
    privilege escalation for a non-root user."""
    context = {"runAsUser": user, "runAsNonRoot": user != 0}
    if user != 0:
        context["runAsGroup"] = user
        context["allowPrivilegeEscalation"] = False
    if capabilities is not None:
        context["capabilities"] = capabilities
    return context


def drop_all():
    return {"drop": ["ALL"]}


def xdg_env():
    return [{"name": "XDG_CACHE_HOME", "value": PRIVATE_DIR},
            {"name": "XDG_CONFIG_HOME", "value": PRIVATE_DIR},
            {"name": "XDG_RUNTIME_DIR", "value": "/var/run"}]


def console_log_enabled(vmi, cfg):
    """isSerialConsoleLogEnabled."""
    if vmi.autoattach_serial is False:
        return False
    if vmi.pod.log_serial_console is not None:
        return vmi.pod.log_serial_console
    return not cfg.serial_console_log_disabled


def console_resources(vmi, cfg):
    return support(vmi, cfg, "guest-console-log", {"memory": "35M", "cpu": "5m"},
                   {"memory": "60M", "cpu": "15m"})


def guest_console_log(vmi, cfg, image, pull_policy, verbosity, qos=None):
    """The ``guest-console-log`` sidecar, or None when the serial console log is off."""
    if not console_log_enabled(vmi, cfg):
        return None
    return {
        "name": "guest-console-log",
        "image": image,
        "imagePullPolicy": pull_policy,
        "command": ["/usr/bin/virt-tail"],
        "args": ["--logfile", "%s/%s/virt-serial0-log" % (PRIVATE_DIR, vmi.known_uid)],
        "env": [{"name": "VIRT_LAUNCHER_LOG_VERBOSITY", "value": str(verbosity)}],
        "resources": printed_support(console_resources, vmi, cfg, qos),
        "securityContext": _security(),
        "volumeMounts": [{"name": "private", "mountPath": PRIVATE_DIR, "readOnly": True}],
        "restartPolicy": "Always",
    }


def binary_resources(vmi, cfg):
    """initContainerResourceRequirementsForVMI for the container-disk binary copy."""
    if guaranteed(vmi):
        return support(vmi, cfg, "container-disk", {}, {"cpu": "10m", "memory": "40M"})
    return support(vmi, cfg, "container-disk", {"cpu": "10m", "memory": "1M"},
                   {"cpu": "100m", "memory": "40M"})


def container_disk_binary(vmi, cfg, image, pull_policy, user, qos=None):
    """The init container that copies the container-disk binary for the disk containers."""
    container = {
        "name": "container-disk-binary",
        "image": image,
        "imagePullPolicy": pull_policy,
        "command": ["/usr/bin/cp"],
        "args": ["--preserve=all", "/usr/bin/container-disk", "/init/usr/bin/container-disk"],
        "resources": printed_support(binary_resources, vmi, cfg, qos),
        "securityContext": container_security(user, drop_all()),
    }
    if user:
        container["env"] = xdg_env()
    container["volumeMounts"] = [{"name": BIN_VOLUME, "mountPath": "/init/usr/bin"}]
    container["terminationMessagePolicy"] = "FallbackToLogsOnError"
    return container


def disk_resources(vmi, cfg):
    """getMinimalInitContainerDiskResources."""
    resources = support(vmi, cfg, "container-disk", {"cpu": "1m", "memory": "1M"},
                        {"cpu": "10m", "memory": "40M"})
    resources["requests"]["ephemeral-storage"] = parse_quantity("50M")
    return resources


def disk_volumes(vmi):
    """The containerDisks, then the kernel-boot container's (``pkg/container-disk``: it is one
    more container disk, named ``kernel-boot-volume``)."""
    disks = [volume for volume in vmi.pod.volumes if volume.kind == "containerDisk"]
    if vmi.pod.kernel_boot is not None:
        disks.append(vmi.pod.kernel_boot)
    return disks


def _disk_container(name, volume):
    """A container run from a container disk's image: its name, image and pull policy."""
    pull_policy = volume.source.get("imagePullPolicy")
    if pull_policy:
        return {"name": name, "image": volume.source.get("image", ""), "imagePullPolicy": pull_policy}
    return {"name": name, "image": volume.source.get("image", "")}


def container_disks(vmi, cfg, init, disks=None, qos=None):
    """A ``volume<name>`` container per containerDisk and the kernel-boot one (``-init`` with
    ``--no-op`` to pull the image before the launcher starts); ``disks``: ``disk_volumes(vmi)``
    when the caller has them."""
    found = []
    # GetVolumeMountDirOnGuest: filepath.Join(mountBaseDir, uid)
    mount_dir = "%s/%s" % (CONTAINER_DISK_DATA_DIR, vmi.known_uid) if vmi.known_uid else CONTAINER_DISK_DATA_DIR
    for volume in disk_volumes(vmi) if disks is None else disks:
        if init:
            name, args = "volume%s-init" % volume.name, ["--no-op"]
        else:
            name = "volume" + volume.name
            mounted = KERNEL_BOOT if volume is vmi.pod.kernel_boot else "disk_%d" % volume.index
            args = ["--copy-path", "%s/%s" % (mount_dir, mounted)]
        container = _disk_container(name, volume)
        container["command"] = ["/usr/bin/container-disk"]
        container["args"] = args
        container["volumeMounts"] = [{"name": "container-disks", "mountPath": mount_dir},
                                     {"name": BIN_VOLUME, "mountPath": "/usr/bin"}]
        container["resources"] = printed_support(disk_resources, vmi, cfg, qos)
        container["securityContext"] = _security()
        found.append(container)
    return found


def image_volume_init_containers(vmi, cfg, disks=None, qos=None):
    """Under the ImageVolume gate: a ``volume<name>`` init container per containerDisk (and the
    kernel-boot one), run from the disk's image so that its digest is known (unless the VMI
    skips digest resolution); ``disks``: ``disk_volumes(vmi)`` when the caller has them."""
    if vmi.annotations.get("kubevirt.io/image-volume-skip-digest-resolution") == "true":
        return []
    found = []
    for volume in disk_volumes(vmi) if disks is None else disks:
        container = _disk_container("volume" + volume.name, volume)
        container["command"] = [CONTAINER_BINARY_DIR + "/usr/bin/container-disk"]
        container["args"] = ["--no-op"]
        container["resources"] = printed_support(disk_resources, vmi, cfg, qos)
        container["securityContext"] = _security()
        container["volumeMounts"] = [{"name": LAUNCHER_VOLUME, "mountPath": CONTAINER_BINARY_DIR,
                                      "readOnly": True}]
        found.append(container)
    return found


def virtiofs_volumes(vmi):
    return [volume for volume in vmi.pod.volumes
            if volume.name in vmi.pod.filesystems and volume.kind != "containerPath"]


def virtiofs_resources(vmi, cfg):
    """virtiofs.ResourcesForVirtioFSContainer (guaranteed: dedicated CPUs or a Guaranteed VMI)."""
    return support(vmi, cfg, "virtiofs", {"cpu": "10m", "memory": "1M"},
                   {"cpu": "100m", "memory": "80M"})


def virtiofs_containers(vmi, cfg, image, pull_policy, qos=None):
    """A ``virtiofs-<volume>`` container per virtiofs filesystem (virtiofsd)."""
    found = []
    for volume in virtiofs_volumes(vmi):
        if volume.kind in ("configMap", "secret", "downwardAPI"):
            shared = source_path(volume.kind, volume.name)
        elif volume.kind == "serviceAccount":
            shared = "/var/run/secrets/kubernetes.io/serviceaccount/"
        else:
            shared = "/%s" % volume.name
        args = ["--socket-path=%s/%s.sock" % (VIRTIOFS_DIR, volume.name),
                "--shared-dir=%s" % shared, "--sandbox=none", "--cache=auto",
                "--migration-on-error=guest-error", "--migration-mode=find-paths"]
        mounts = [{"name": VIRTIOFS_VOLUME, "mountPath": VIRTIOFS_DIR}]
        if volume.kind == "serviceAccount":
            args.append("--translate-uid=host:%d:0:1" % NON_ROOT_UID)
        else:
            mounts.append({"name": volume.name, "mountPath": shared})
        found.append({
            "name": "virtiofs-%s" % volume.name,
            "image": image,
            "imagePullPolicy": pull_policy,
            "command": ["/usr/libexec/virtiofsd"],
            "args": args,
            "volumeMounts": mounts,
            "resources": printed_support(virtiofs_resources, vmi, cfg, qos),
            "securityContext": {"runAsUser": NON_ROOT_UID, "runAsNonRoot": True,
                                "allowPrivilegeEscalation": False, "capabilities": drop_all(),
                                "runAsGroup": NON_ROOT_UID},
        })
    return found


def sidecar_resources(vmi, cfg):
    """sidecarResources: 200m / 64M both for dedicated CPUs or a Guaranteed VMI, else only what
    supportContainerResources gives."""
    if guaranteed(vmi):
        return support(vmi, cfg, "sidecar", {}, {"cpu": "200m", "memory": "64M"})
    return support(vmi, cfg, "sidecar", {"cpu": None, "memory": None},
                   {"cpu": None, "memory": None})


def support_resources(vmi, cfg):
    """The containers ``kubevirt.pod.build_pod`` renders beside ``compute``, as
    (name, kind, sidecar, resources with Quantity values): what kube-scheduler counts of them,
    without rendering them (the tests hold the two to the same totals)."""
    found = []
    disks = disk_volumes(vmi)
    if disks and not cfg.image_volume:
        found.extend(("volume" + v.name, "containers", False, disk_resources(vmi, cfg))
                     for v in disks)
    found.extend(("virtiofs-" + v.name, "containers", False, virtiofs_resources(vmi, cfg))
                 for v in virtiofs_volumes(vmi))
    found.extend(("hook-sidecar-%d" % i, "containers", False, sidecar_resources(vmi, cfg))
                 for i in range(len(requested_sidecars(vmi, cfg))))
    if console_log_enabled(vmi, cfg):
        found.append(("guest-console-log", "initContainers", True, console_resources(vmi, cfg)))
    if disks and not cfg.image_volume:
        found.append(("container-disk-binary", "initContainers", False, binary_resources(vmi, cfg)))
        found.extend(("volume%s-init" % v.name, "initContainers", False, disk_resources(vmi, cfg))
                     for v in disks)
    elif disks and vmi.annotations.get("kubevirt.io/image-volume-skip-digest-resolution") != "true":
        found.extend(("volume" + v.name, "initContainers", False, disk_resources(vmi, cfg))
                     for v in disks)
    return found


def requested_sidecars(vmi, cfg):
    """The sidecars template.go's sidecar creators ask for, as (hook sidecar, binding plugin
    name, downwardAPI): the hooks annotation's (pkg/hooks), then one per network binding plugin
    with a ``sidecarImage`` that an interface uses (netbinding.NetBindingPluginSidecarList,
    pulled as the KubeVirt CR says; in the order of their names, where Go's map order is random)."""
    hooks = vmi.pod.hook_sidecars
    found = [(sidecar, "", "") for sidecar in hooks] if hooks else []
    if cfg.binding_sidecars and vmi.interfaces:
        used = sorted({interface.binding for interface in vmi.interfaces if interface.binding})
        for name in used:
            image, downward_api = cfg.binding_sidecars.get(name, ("", ""))
            if image:
                found.append(({"image": image, "imagePullPolicy": cfg.image_pull_policy},
                              name, downward_api))
    return found


def binding_device_info(vmi, cfg):
    """vmispec.BindingPluginNetworkWithDeviceInfoExist: an interface's binding plugin reads the
    network-info annotation (``downwardAPI: device-info``)."""
    return bool(cfg.binding_sidecars) and any(
        cfg.binding_sidecars.get(interface.binding, ("", ""))[1] == DEVICE_INFO
        for interface in vmi.interfaces if interface.binding)


def hook_compute_mounts(vmi):
    """The mounts a hook sidecar's PVC adds to ``compute`` (its ``sharedComputePath``), after
    compute's own, in the sidecars' order."""
    found = []
    for sidecar in vmi.pod.hook_sidecars:
        claim = sidecar.get("pvc")
        if isinstance(claim, dict) and claim.get("sharedComputePath"):
            found.append(mount(claim.get("name", ""), claim["sharedComputePath"]))
    return found


def hook_sidecars(vmi, cfg, user, shim_image, qos=None):
    """``hook-sidecar-<n>`` containers (newSidecarContainerRenderer) of ``requested_sidecars``,
    and the volumes they bring; one that names no image runs ``shim_image`` (the sidecar shim
    that runs a ConfigMap's hook script)."""
    containers, volumes = [], []
    requested = requested_sidecars(vmi, cfg)
    if not requested:
        return containers, volumes
    for index, (sidecar, binding, downward_api) in enumerate(requested):
        name = "hook-sidecar-%d" % index
        mounts = [mount("hook-sidecar-sockets", HOOK_SOCKETS_DIR, subPath=name)]
        if downward_api == DEVICE_INFO:
            mounts.append(mount(NETWORK_INFO_VOLUME, NETWORK_INFO_DIR))
        config_map, claim = sidecar.get("configMap"), sidecar.get("pvc")
        if isinstance(config_map, dict):
            mounts.append(mount(config_map.get("name", ""), config_map.get("hookPath", ""),
                                subPath=config_map.get("key", "")))
            volumes.append({"name": config_map.get("name", ""),
                            "configMap": {"name": config_map.get("name", ""), "defaultMode": 0o755}})
        if isinstance(claim, dict):
            mounts.append(mount(claim.get("name", ""), claim.get("volumePath", "")))
            volumes.append({"name": claim.get("name", ""),
                            "persistentVolumeClaim": {"claimName": claim.get("name", "")}})
        env = xdg_env() if vmi.pod.non_root else []
        env.append({"name": "CONTAINER_NAME", "value": name})
        if binding:
            env.append({"name": "NETWORK_BINDING_PLUGIN_NAME", "value": binding})
        container = {"name": name, "image": sidecar.get("image") or shim_image}
        if sidecar.get("imagePullPolicy"):
            container["imagePullPolicy"] = sidecar["imagePullPolicy"]
        if sidecar.get("command"):
            container["command"] = list(sidecar["command"])
        if sidecar.get("args"):
            container["args"] = list(sidecar["args"])
        container["env"] = env
        container["resources"] = printed_support(sidecar_resources, vmi, cfg, qos)
        container["securityContext"] = container_security(
            user if vmi.pod.non_root else 0, drop_all() if vmi.pod.non_root else None)
        container["volumeMounts"] = mounts
        container["terminationMessagePolicy"] = "FallbackToLogsOnError"
        containers.append(container)
    return containers, volumes
