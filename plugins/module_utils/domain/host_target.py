# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A libvirt host as the target of a VMI's domain, instead of a virt-launcher Pod.

In a launcher Pod every volume is a file virt-launcher finds in its own directories
(``/var/run/kubevirt-ephemeral-disks/...``); on a plain libvirt host those paths mean nothing.
``read_host_target`` reads the user's map of the host once (where each containerDisk image and
claim is, which libvirt network or bridge each VMI network becomes, where the VM's own files
go); ``retarget`` then turns a built domain model into one for that host and lists the files a
deploy makes for it (``storage``):

* containerDisk -> a qcow2 overlay per VM over the image, a file or a libvirt storage-pool
  volume (the image itself stays untouched);
* emptyDisk -> a sparse qcow2 of its capacity;
* persistentVolumeClaim / dataVolume -> the file or block device the map names;
* hostDisk -> its own path; with ``type: DiskOrCreate`` deploy makes a sparse raw file of its
  capacity when there is none (as virt-handler does), and keeps it on ``state: absent`` (a host
  disk is the user's data);
* cloudInitNoCloud / cloudInitConfigDrive -> a seed ISO (``cidata`` / ``config-2``) made from
  the VMI's user and network data, or the Secrets the map holds (never printed: ``files`` of
  a seed entry hold secrets and leave the engine only to be written into the seed);
* configMap / secret -> an ISO of the map's ConfigMap or Secret data, a file per key, labelled
  with the volume's ``volumeLabel`` or ``cfgdata``, as virt-launcher makes it
  (``pkg/config/config.go``);
* the pod network -> libvirt's NAT network ``default`` unless the map says otherwise; a
  ``user`` network with port forwards -> QEMU user networking with ``hostfwd`` on a loopback
  address (libvirt 9.0 has no passt backend, so it is given as QEMU arguments);
* GPUs and host devices -> PCI passthrough (``<hostdev managed='yes'>``) of the addresses the
  map lists per device name (``deviceName``), taken in order across the VMs of one render
  (``domain.host_devices``); with guest NUMA cells, a device whose host NUMA node is known goes
  behind a pcie-expander-bus on the guest cell next to it (``domain.pcie_numa``); deploy
  checks each address is a PCI device of the host before it makes anything;
* the serial console becomes a pty, graphics a VNC server on 127.0.0.1, EFI firmware libvirt's
  own choice of a firmware descriptor (its NVRAM is libvirt's, removed with the domain).

Anything a VMI names that the map does not place is an error naming the VMI's item. The
volumes' part of the map and of the domain is ``domain.host_storage``'s.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import posixpath
from dataclasses import dataclass
from typing import NamedTuple

from ansible_collections.vmpod.core.plugins.module_utils.domain.devices import domain_interfaces
from ansible_collections.vmpod.core.plugins.module_utils.domain.host_devices import (
    passthrough, read_host_devices)
from ansible_collections.vmpod.core.plugins.module_utils.domain.host_storage import (
    disk_on_host, named_section, read_data_maps, read_files)
from ansible_collections.vmpod.core.plugins.module_utils.domain.pcie_numa import place_near_cells
from ansible_collections.vmpod.core.plugins.module_utils.values import fields as f
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.values.xml import xml_string

DEFAULT_STORAGE_DIR = "/var/lib/libvirt/images/vmpod"
_KEYS = ("storage_dir", "images", "claims", "secrets", "config_maps", "networks", "host_devices")
# QEMU's user-network NICs sit on the root bus from this slot up, clear of libvirt's own
# addresses (it fills slots from 1 up for root ports and devices)
_USER_NIC_SLOT = 0x10


class PortForward(NamedTuple):
    protocol: str  # tcp or udp
    address: str  # a loopback address
    host_port: int
    guest_port: int


class HostNetwork(NamedTuple):
    kind: str  # network, bridge or user
    source: object  # the libvirt network or bridge name; None for user
    forwards: tuple  # PortForward values (user only)
    mtu: object = None  # the NIC's MTU (<mtu size>), when the map gives one


@dataclass(frozen=True)
class HostTarget:
    storage_dir: str
    images: dict  # containerDisk image reference -> HostFile
    claims: dict  # claim or DataVolume name -> HostFile
    secrets: dict  # Secret name -> {key: text}
    networks: dict  # VMI network name -> HostNetwork
    config_maps: dict = None  # ConfigMap name -> {key: text}
    host_devices: dict = None  # device name (deviceName) -> (PCI address, ...)
    pci_numa_nodes: dict = None  # PCI address -> host NUMA node, where the map gives it


def read_host_target(data, path="host_target"):
    """The host map (None when ``data`` is None or empty):

    * ``storage_dir``: where each VM's own files go, in a directory per domain (default
      ``/var/lib/libvirt/images/vmpod``);
    * ``images``: ``{containerDisk image: path or {path, format} or {pool, volume}}`` (format
      raw by default; a libvirt storage pool's volume, whose path and format deploy asks
      libvirt for);
    * ``claims``: ``{claim or DataVolume name: path or {path, format}}`` (a path under
      ``/dev/`` is a block device);
    * ``secrets``: ``{Secret name: {key: text}}`` for cloud-init ``...SecretRef`` (keys
      ``userdata`` / ``userData``, ``networkdata`` / ``networkData``, as KubeVirt reads them)
      and for secret volumes;
    * ``config_maps``: ``{ConfigMap name: {key: text}}`` for configMap volumes;
    * ``host_devices``: ``{deviceName: [PCI address, ...]}`` (``0000:65:00.0``) for GPUs and
      host devices, given out in order; an address may be ``{address, numa_node}``, its host
      NUMA node (for guest NUMA: ``domain.pcie_numa``);
    * ``networks``: ``{VMI network name: {network: NAME} | {bridge: NAME} |
      {user: {forwards: [{host_port, guest_port, protocol: tcp, address: 127.0.0.1}]}}}``;
      a network or bridge entry may add ``mtu`` (68 to 65535), the NIC's MTU (a jumbo-frame
      bridge); without it libvirt takes the network's.
    """
    if not data:
        return None
    f.option_map(data, path, _KEYS)
    storage_dir = xml_string(data, "storage_dir", path) or DEFAULT_STORAGE_DIR
    if not storage_dir.startswith("/") or "/../" in storage_dir + "/" or storage_dir == "/":
        raise VmpodInputError(f.join(path, "storage_dir"), storage_dir,
                              "must be an absolute directory path other than /")
    devices, nodes = read_host_devices(named_section(data, "host_devices", path),
                                       f.join(path, "host_devices"))
    return HostTarget(
        storage_dir=posixpath.normpath(storage_dir),
        images=read_files(data, "images", path, pools=True),
        claims=read_files(data, "claims", path),
        secrets=read_data_maps(data, "secrets", path),
        networks=_networks(data, path),
        config_maps=read_data_maps(data, "config_maps", path),
        host_devices=devices,
        pci_numa_nodes=nodes,
    )


def _networks(data, path):
    result = {}
    for name, entry in named_section(data, "networks", path).items():
        ep = f.join(f.join(path, "networks"), name)
        kinds = [key for key in ("network", "bridge", "user") if isinstance(entry, dict) and key in entry]
        if len(kinds) != 1:
            raise VmpodInputError(ep, entry, "must be one of {network: NAME}, {bridge: NAME}, "
                                  "{user: {forwards: [...]}}")
        f.option_map(entry, ep, ("network", "bridge", "user", "mtu"))
        kind = kinds[0]
        if kind == "user" and "mtu" in entry:
            raise VmpodInputError(f.join(ep, "mtu"), entry["mtu"], "applies to a network or a "
                                  "bridge; QEMU's user network has no MTU to set")
        if kind == "user":
            user = f.mapping(entry, "user", ep)
            up = f.join(ep, "user")
            f.option_map(user, up, ("forwards",))
            forwards = tuple(_forward(item, p) for p, item in f.mappings(user, "forwards", up))
            result[name] = HostNetwork("user", None, forwards)
        else:
            source = xml_string(entry, kind, ep)
            if not source:
                raise VmpodInputError(f.join(ep, kind), entry[kind], "must name a libvirt %s"
                                      % ("network" if kind == "network" else "bridge"))
            mtu = f.integer(entry, "mtu", ep, None, minimum=68, maximum=65535)
            result[name] = HostNetwork(kind, source, (), mtu)
    return result


def _forward(item, path):
    f.option_map(item, path, ("host_port", "guest_port", "protocol", "address"))
    protocol = f.string(item, "protocol", path, "tcp")
    if protocol not in ("tcp", "udp"):
        raise VmpodInputError(f.join(path, "protocol"), protocol, "must be tcp or udp")
    address = f.string(item, "address", path, "127.0.0.1")
    try:
        loopback = ipaddress.IPv4Address(address).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise VmpodInputError(f.join(path, "address"), address,
                              "must be an IPv4 loopback address (127.0.0.0/8): a port forward "
                              "never opens the guest beyond this host")
    ports = []
    for key in ("host_port", "guest_port"):
        if item.get(key) is None:
            raise VmpodInputError(f.join(path, key), None, "is required")
        ports.append(f.integer(item, key, path, None, minimum=1, maximum=65535))
    return PortForward(protocol, address, ports[0], ports[1])


def retarget(model, vmi, target, path="spec", taken=None, pci_numa_nodes=None):
    """The domain model ``model`` (built for ``vmi``, a read VMI with its domain section) made
    for the libvirt host ``target``; adds ``storage``: what deploy makes or must find, in
    order. ``path``: the VMI's spec path, for errors; ``taken``: {device name: count} of the
    host devices earlier VMs of the render took (updated); ``pci_numa_nodes``: {PCI address:
    host NUMA node} the host's facts give, for the devices whose node the map does not say
    (with guest NUMA, each device goes next to its cell: ``domain.pcie_numa``)."""
    directory = posixpath.join(target.storage_dir, model["name"])
    storage = []
    devices = dict(model["devices"])
    uid = model["metadata"]["uid"]
    devices["disks"] = [disk_on_host(dict(disk), vmi, target, directory, storage, path, uid)
                        for disk in devices["disks"]]
    if devices["filesystems"]:
        raise VmpodInputError(f.join(path, "domain.devices.filesystems"), devices["filesystems"][0]["name"],
                              "virtiofs filesystems need virt-launcher's virtiofsd; a libvirt host "
                              "target does not provide them")
    interfaces, user_nics = [], []
    for iface, item in zip(devices["interfaces"], domain_interfaces(vmi)):
        network = _network_of(item, vmi, target, path)
        if network.kind == "user" and network.forwards:
            user_nics.append(_user_nic(iface, network, len(user_nics), model))
            continue
        iface = dict(iface, type=network.kind, source=network.source, backend=None, ports=[],
                     mtu=network.mtu)
        interfaces.append(iface)
    devices["interfaces"] = interfaces
    if devices.get("redirections"):
        raise VmpodInputError(f.join(path, "domain.devices.clientPassthrough"), {},
                              "USB redirection binds sockets in virt-launcher's directory; a "
                              "libvirt host target does not provide them")
    notes = []
    channels = []
    for channel in devices["channels"]:
        if channel.get("path"):  # a socket of virt-launcher's (downward metrics): none here
            notes.append("channel %s: its socket is virt-launcher's (vhostmd); left out on a "
                         "libvirt host" % channel["name"])
        else:
            channels.append(channel)
    devices["channels"] = channels
    if devices["serial"]:
        devices["serial"] = {"type": "pty", "path": None, "log": None}
    if devices["graphics"]:
        devices["graphics"] = dict(devices["graphics"], socket=None, listen="127.0.0.1")
    hostdevs, nodes, names = passthrough(vmi, target, storage, path,
                                         {} if taken is None else taken, pci_numa_nodes)
    buses, devices["hostdevs"], placement_notes = place_near_cells(model, hostdevs, nodes, names)
    if buses:
        devices["controllers"] = list(devices["controllers"]) + buses
    notes.extend(placement_notes)
    os_section = dict(model["os"])
    if os_section.get("kernel") or os_section.get("initrd"):
        raise VmpodInputError(path + ".domain.firmware.kernelBoot.container",
                              os_section.get("kernel") or os_section.get("initrd"),
                              "is a kernel-boot container, whose files a libvirt host target "
                              "cannot provide: boot the guest from a disk")
    if os_section["loader"]:
        os_section["firmware"] = "efi"
        os_section["secure_boot"] = os_section["loader"]["secure"]
        os_section["loader"] = os_section["nvram"] = None
    omitted = [note for note in model["omitted"]
               if not (note.startswith("GPU ") or note.startswith("host device "))] + notes
    result = dict(model, devices=devices, os=os_section, qemu_args=[], storage=storage,
                  storage_dir=directory, omitted=omitted)
    for nic in user_nics:
        result["qemu_args"].extend(nic)
    return result


def _network_of(item, vmi, target, path):
    network = target.networks.get(item.name)
    if network is not None:
        return network
    pod = any(net.name == item.name and net.pod for net in vmi.networks)
    if pod or not vmi.networks:
        return HostNetwork("network", "default", ())
    raise VmpodInputError("%s.networks(%s)" % (path, item.name), item.name,
                          "has no entry in the host map's networks: name the libvirt network "
                          "or bridge it becomes")


def _user_nic(iface, network, index, model):
    """QEMU arguments of a user-network NIC with its port forwards."""
    netdev = "vmpod-%s" % iface["alias"]
    forwards = ",".join("hostfwd=%s:%s:%d-:%d" % (fw.protocol, fw.address, fw.host_port,
                                                  fw.guest_port) for fw in network.forwards)
    machine = model["os"]["machine"] or ""
    bus = "pci.0" if machine.startswith("pc-i440fx") or machine == "pc" else "pcie.0"
    device = "%s,netdev=%s,bus=%s,addr=0x%x" % (
        "virtio-net-pci" if iface["model"].startswith("virtio") else iface["model"],
        netdev, bus, _USER_NIC_SLOT + index)
    if iface["mac"]:
        device += ",mac=%s" % iface["mac"]
    return ["-netdev", "user,id=%s,%s" % (netdev, forwards), "-device", device]
