# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The cluster a VM is sized for: KubeVirt's configuration and the CPU architecture."""

    DOCUMENTATION = r"""
options:
  config:
    description:
      - The KubeVirt CR's C(spec.configuration) (for example C(developerConfiguration.cpuAllocationRatio),
        C(developerConfiguration.memoryOvercommit), C(additionalGuestMemoryOverheadRatio),
        C(developerConfiguration.featureGates)); KubeVirt's defaults when omitted.
    type: dict
  arch:
    description:
      - The cluster's CPU architecture, for VMIs that do not name theirs; a VMI's
        C(spec.architecture) wins.
    type: str
    default: amd64
    choices: [amd64, arm64, s390x]
"""
