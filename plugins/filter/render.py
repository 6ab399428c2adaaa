# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rendering filters; documentation in the YAML files beside this one.

``render_models`` gives what ``templates/launcher_pod.yaml.j2`` and ``templates/domain.xml.j2``
lay out, for a whole list of VMIs in one call; ``yaml_flow`` is the escaping those YAML templates
use. Writing the files is the ``vmpod.core.render_vmis`` action's job (one task for all VMs).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.vmpod.core.plugins.module_utils.pipeline.render import render_models as _render_models
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.output.yaml_flow import yaml_flow as _yaml_flow


def render_models(vmis, host=None, config=None, arch="amd64", placement_options=None,
                  domain_options=None, pod_options=None, apply_defaults=False, host_target=None):
    """A VMI or a list of them -> their launcher Pod, domain model and placement plan."""
    single = isinstance(vmis, dict)
    try:
        models = _render_models([vmis] if single else vmis, host, config, arch,
                                placement_options, domain_options, pod_options,
                                apply_defaults, host_target)
    except VmpodInputError as err:
        raise AnsibleFilterError(str(err))
    return models[0] if single else models


def yaml_flow(value):
    try:
        return _yaml_flow(value)
    except (TypeError, ValueError) as err:
        raise AnsibleFilterError("vmpod.core.yaml_flow: %s" % err)


class FilterModule(object):
    def filters(self):
        return {"render_models": render_models, "yaml_flow": yaml_flow}
