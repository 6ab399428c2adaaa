#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name (plugins/action/render_vmis.py), on
# the controller; this file holds its documentation.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: render_vmis
short_description: Write the launcher Pod, libvirt domain and placement plan of many VMs
version_added: 0.1.0
description:
  - For every KubeVirt VirtualMachineInstance, VirtualMachine or Virtlet VM pod in O(vmis),
    writes C(<dest>/<name>/launcher-pod.yaml) (the virt-launcher Pod, as KubeVirt's
    virt-controller renders it; not for a Virtlet pod, which is its own Pod),
    C(<dest>/<name>/domain.xml) (the libvirt domain, KubeVirt's converter rules placed by the
    plan) and, given O(host), C(<dest>/<name>/plan.json) (the placement plan with the launcher
    resources).
  - One task for the whole list. Every model is computed first, so bad input fails - naming the
    VM and the field - before any file is written. Each template is rendered once over the
    whole list through Ansible's templar; only files whose content differs are written, each
    atomically (a temporary file renamed into place, mode C(0644)).
  - Runs on the controller and writes there, whatever the play's hosts are.
  - O(dest) is the render's own. The files of VMs no longer in the list (and C(plan.json) of a
    render without O(host)) that an earlier render wrote are removed, with their directory when
    nothing else is in it (in check mode, reported); a directory holding other files is left
    alone. Nothing is written or removed through a symbolic link below O(dest).
  - The directory of each VM is named after it, so names must be Kubernetes object names
    (lower-case RFC 1123 subdomains). A name that VMs of several namespaces share (KubeVirt
    allows it) gives each the directory C(<namespace>_<name>), the name of its libvirt domain;
    the same namespace and name twice is refused.
author: vmpod.core developers (@vmpod)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmpod.core.attributes.changes
  - vmpod.core.cluster
  - vmpod.core.render
options:
  vmis:
    description:
      - The VMIs, VirtualMachines and Virtlet VM pods (C(kind=Pod),
        C(kubernetes.io/target-runtime=virtlet.cloud)), as YAML or the Kubernetes API gives
        them.
      - One of O(vmis) and O(src) is required.
    type: list
    elements: raw
  src:
    description:
      - YAML files on the controller holding the VMs (any number of documents each; empty
        documents are skipped), read by the action itself with PyYAML's safe loader - their
        strings are data, never templates - in the order given.
      - Faster than reading them in the playbook (C(query('file') | from_yaml_all)) by seconds
        for 1,000 VMs. One of O(vmis) and O(src) is required.
    type: list
    elements: path
  dest:
    description:
      - The output directory on the controller, an absolute path; created when missing.
    type: path
    required: true
  host:
    description:
      - The host to place the VMs on, as M(vmpod.core.host_topology_info) returns it (or
        written by hand). Without it no plan is written and no domain is pinned.
    type: dict
  pod_template:
    description:
      - A Jinja template of the launcher Pod instead of the collection's
        C(templates/launcher_pod.yaml.j2); it sees the Pod object as C(pod). Found like
        M(ansible.builtin.template) finds its source.
    type: path
  domain_template:
    description:
      - A Jinja template of the domain instead of the collection's C(templates/domain.xml.j2);
        it sees the domain model as C(domain).
    type: path
  domain_schema:
    description:
      - Every rendered file that differs from the disk is read back before anything is written (a
        Pod's YAML parsed and checked against the API server's rules, and with the collection's
        template compared with the Pod it was laid out from; a domain's XML parsed). A fault fails
        the task and no file is written.
      - This option says whether the domains are also checked against libvirt's RNG schema
        (C(domain.rng)), with one C(xmllint) run over all of them on the controller.
      - V(auto) checks where C(xmllint) and the schema are installed and says in RV(checked) when
        they are not; V(required) fails where they are not; V(skip) does not check.
      - A domain whose C(<launchSecurity>) type the installed schema does not know (C(sev-snp)
        before libvirt 10.5, C(tdx)) is rendered for a newer libvirt than the controller's, a
        KubeVirt node's; it is not checked, and RV(checked) names it.
    type: str
    choices: [auto, required, skip]
    default: auto
notes:
  - The domain model and the Pod are documented by the C(vmpod.core.render_models) filter, which
    returns them without writing anything.
"""

EXAMPLES = r"""
- name: Read this machine's topology
  vmpod.core.host_topology_info:
  register: topology

- name: Render every VM in one task
  vmpod.core.render_vmis:
    vmis: >-
      {{ query('ansible.builtin.file', *vmi_files) | join('\n---\n')
         | ansible.builtin.from_yaml_all | select | list }}
    host: "{{ topology.host }}"
    dest: /srv/vmpod/out
    domain_options:
      cpu_features:
        - name: arch-capabilities
          policy: disable
"""

RETURN = r"""
dest:
  description: The output directory.
  returned: always
  type: str
rendered:
  description: How many VMs were rendered.
  returned: always
  type: int
written:
  description: The files written (in check mode, that would be written), relative to O(dest).
  returned: always
  type: list
  elements: str
  sample: [plain-fedora/launcher-pod.yaml, plain-fedora/domain.xml, plain-fedora/plan.json]
removed:
  description: The files of an earlier render removed (in check mode, that would be removed),
    relative to O(dest).
  returned: always
  type: list
  elements: str
  sample: [old-vm/launcher-pod.yaml, old-vm/domain.xml]
unchanged:
  description: How many files already held what was rendered.
  returned: always
  type: int
unfit:
  description: The VMs that do not fit the host (their domains are not pinned).
  returned: always
  type: list
  elements: str
checked:
  description:
    - What was read back before writing (the files that differ from the disk), C(pods) and
      C(domains) (counts), and C(domain_schema), how those domains were checked against
      libvirt's schema (the schema file, or why not).
  returned: always
  type: dict
  sample: {pods: 16, domains: 16, domain_schema: checked against /usr/share/libvirt/schemas/domain.rng}
vms:
  description:
    - Per VM, C(name), C(namespace), C(kind), C(dir) (its output directory), C(fits) (null
      without a host), C(reasons) (why it does not fit) and C(omitted) (devices the domain
      leaves to the node, such as SR-IOV VFs, with the reason).
  returned: always
  type: list
  elements: dict
"""
