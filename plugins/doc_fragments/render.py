# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """How launcher Pods and libvirt domains are rendered: the renderers' own options."""

    DOCUMENTATION = r"""
options:
  placement_options:
    description:
      - The placement options of the C(vmpod.core.plan_placement) filter (its C(options)) -
        C(topology_policy), C(full_pcpus_only), C(thread_policy), C(numa_nodes), C(numa_cpus),
        C(numa_mem).
    type: dict
  domain_options:
    description:
      - C(domain_type) - C(kvm) (default) or C(qemu) (TCG emulation).
      - C(cpu_features) - a list of C(name) and C(policy) added to every domain's CPU, for a
        host's quirks such as C(arch-capabilities) disabled for host-model; a VMI's own feature
        of that name wins.
      - C(cfs_period) - microseconds (1000-1000000), for shared-CPU bandwidth.
      - C(memory_hard_limit) - bool, C(<memtune><hard_limit>) at the launcher Pod's memory limit.
      - C(free_page_reporting) - bool, false is KubeVirt's cluster-wide freePageReportingDisabled.
      - C(mem_balloon_stats_period) - seconds, 0 for none.
      - C(private_dir) - virt-launcher's private directory (disk images, sockets, NVRAM).
      - C(ovmf_path) - the directory of the UEFI firmware files; by default the one the launcher
        is told, the KubeVirt CR's for the VMI's architecture (C(ovmfPath)) or KubeVirt's default.
      - C(vga_display_for_efi) - bool, VGA instead of bochs video for EFI guests on amd64 (the
        KubeVirt CR's C(kubevirt.io/vga-display-efi-x86) annotation).
      - C(sev) - the host's C(cbitpos) and C(reduced_phys_bits) (the C(sev) that
        C(vmpod.core.host_cpu_info) returns), written into SEV and SEV-SNP guests'
        C(<launchSecurity>); without it libvirt fills them in from the host when the domain is
        defined, as KubeVirt leaves them.
    type: dict
  apply_defaults:
    description:
      - Apply what virt-api's mutating webhook adds to a VMI when it is created (machine type,
        CPU model and topology, hotplug maxima, the default pod interface, the non-root runtime
        user, default disks, bus and pull policies, probe timings, the features and Hyper-V
        enlightenments it turns on with what they need, TDX's QGS socket) before rendering - what a cluster renders for a VMI as users write it.
      - Leave it off for VMIs read back from a cluster (C(kubernetes.core.k8s_info)), which have
        them already, and to size exactly as C(vmpod.core.launcher_resources) does by default.
    type: bool
    default: false
  pod_options:
    description:
      - C(image) (the virt-launcher image), C(sidecar_shim_image) (what a hook sidecar that names
        no image runs), C(image_pull_policy) (default the KubeVirt CR's
        C(imagePullPolicy)), C(qemu_timeout) (seconds), C(ovmf_path), C(hypervisor),
        C(memory_overhead_annotation) (bool), C(block_claims) (the PVC names in Block mode, whose
        volumes become block devices of the compute container), C(shared_claims) (the PVC names
        with a ReadWriteMany access mode, whose mounts compute's C(SHARED_FILESYSTEM_PATHS)
        names), C(backend_storage_claims) (the backend-storage PVC of each VMI with a
        persistent TPM or EFI, by C(namespace/name) or name; else the one the VMI's status
        names, else C(persistent-state-for-NAME)), C(image_pull_secret) (virt-controller's
        C(--image-pull-secret), added to every launcher Pod's pull secrets), C(claim_uids) (the
        C(metadata.uid) of PVCs, by C(namespace/claim) or claim; a LUN with C(reservation) on
        one gives the Pod the label C(pr.kubevirt.io/UID) and a required pod anti-affinity on
        it per node, as KubeVirt does; a claim without a UID here gets neither).
    type: dict
  host_target:
    description:
      - A libvirt host as the domains' target instead of a launcher Pod; each domain's C(storage)
        then lists what deploy makes or must find there (C(playbooks/deploy.yml),
        M(vmpod.core.vm_storage)).
      - C(storage_dir) - where each VM's own files go, a directory per domain (default
        V(/var/lib/libvirt/images/vmpod)).
      - C(images) - maps each containerDisk image to a path on the host, or to a mapping with
        C(path) and C(format) (V(raw), V(qcow2)); each VM gets a qcow2 overlay over the image,
        which stays untouched.
      - C(claims) - maps each claim or DataVolume name to a path or a mapping with C(path) and
        C(format); a path under C(/dev/) is a block device.
      - C(secrets) - maps each Secret name that cloud-init C(secretRef) (user data) and
        C(networkDataSecretRef) name to its keys (C(userdata), C(networkdata)) and their text,
        from Ansible Vault or files; secret volumes take all of a Secret's keys.
      - C(host_devices) - maps each GPU or host device C(deviceName) to a list of PCI addresses
        (V(0000:65:00.0)), given out in order across the VMs of one render for PCI passthrough.
        An address may be a mapping of C(address) and C(numa_node), the device's host NUMA node;
        with guest NUMA cells, the device then sits behind a pcie-expander-bus on the guest cell
        whose memory is on that node.
      - C(config_maps) - maps each ConfigMap name that configMap volumes name to its keys and
        their text.
      - C(networks) - maps each VMI network name to a mapping with one key, C(network) (a
        libvirt network), C(bridge) (a host bridge) or C(user) (QEMU user networking, with
        C(forwards), a list of C(host_port), C(guest_port), C(protocol) and C(address)); the pod
        network is libvirt's NAT network C(default) unless mapped; forwards listen on loopback
        addresses only.
      - emptyDisk volumes become sparse qcow2 files, cloud-init volumes seed images
        (C(cidata) or C(config-2)), configMap and secret volumes ISO images of their data
        (labelled C(volumeLabel) or C(cfgdata)); other volume kinds are refused.
    type: dict
"""
