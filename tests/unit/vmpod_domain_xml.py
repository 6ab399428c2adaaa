# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A domain model laid out by templates/domain.xml.j2, and the check of the XML against
libvirt's own schema (``domain.rng`` through xmllint) that the domain tests share."""

import os
import subprocess

import jinja2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RNG = "/usr/share/libvirt/schemas/domain.rng"
HAS_SCHEMA = os.path.isfile(RNG) and os.path.exists("/usr/bin/xmllint")


def domain_xml(model):
    """The domain XML the template lays out for ``model`` (no trailing newline)."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROOT, "templates")),
                                     trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    return environment.get_template("domain.xml.j2").render(domain=model)


def assert_valid(text, tmp_path):
    """Assert that ``text`` passes libvirt's domain schema (written to ``tmp_path``)."""
    path = tmp_path / "domain.xml"
    path.write_text(text)
    done = subprocess.run(["xmllint", "--noout", "--relaxng", RNG, str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert done.returncode == 0, done.stdout + text
