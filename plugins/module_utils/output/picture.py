# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host after a fleet placement, drawn as SVG in the manner of hwloc's ``lstopo``.

Sockets (packages) hold NUMA nodes, nodes hold cores, cores hold their hardware threads (PUs).
Each PU is coloured by the VM that holds it exclusively and says which vCPU (``v3``), emulator
thread (``emu``) or IOThread (``io1``) runs there; reserved CPUs are dark, CPUs held before the
placement hatched, isolated CPUs outlined. Under each node: its memory and one bar per hugepage
pool, split by owner. A legend names every VM with its colour, and the shared-CPU VMs.

Pure: host data and the fleet's usage in, SVG text out (``host_picture``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
from xml.etree import ElementTree

from ansible_collections.vmpod.core.plugins.module_utils.output.svg import (
    GAP, LINE, PAD, Box, bars, escape, flow, grid, ink, shift, text_width, wrap)
from ansible_collections.vmpod.core.plugins.module_utils.output.inputs import PICTURE_FLEET, PICTURE_USAGE, PLAN
from ansible_collections.vmpod.core.plugins.module_utils.values.cpuset import parse_cpuset
from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import MapOf, Maybe, checked
from ansible_collections.vmpod.core.plugins.module_utils.values.errors import NO_VALUE, VmpodInputError
from ansible_collections.vmpod.core.plugins.module_utils.planning.host import read_host
from ansible_collections.vmpod.core.plugins.module_utils.values.quantity import parse_quantity

# Tableau 20, darker shades first: distinct at a glance, in print and for most colour vision.
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948",
           "#ff9da7", "#9c755f", "#79706e", "#a0cbe8", "#ffbe7d", "#8cd17d", "#ff9d9a",
           "#d4a6c8", "#86bcb6", "#f1ce63", "#fabfd2", "#d7b5a6", "#bab0ac")
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"  # narrower than the widths estimated
# lstopo's colours: machine white, package grey, NUMA node green, core grey, PU white.
MACHINE, PACKAGE, NODE, CORE = "#ffffff", "#dedede", "#d2e7a4", "#bebebe"
FREE, RESERVED, BEFORE, SHARED_MEMORY, TEXT = "#ffffff", "#555555", "#c8c8c8", "#8da0b6", "#000000"
SHARED_POOL = "#e4ecf5"  # free for exclusive CPUs, running the shared-CPU VMs meanwhile
ISOLATED = "#1f5fbf"
WARNING = "#b3261e"

PU_W, PU_H = 46, 34


def host_pictures(fleet, hosts):
    """{host name: SVG text} for every host of ``fleet`` (``place_fleet``'s result) found in
    ``hosts`` (as ``place_fleet`` took them: a mapping by name, or a list of host data with
    names)."""
    if not isinstance(fleet, dict) or not isinstance(fleet.get("hosts"), dict):
        raise VmpodInputError("fleet", fleet, "expects the result of vmpod.core.place_fleet")
    checked(PICTURE_FLEET, fleet, "fleet")
    if isinstance(hosts, (list, tuple)):
        named = {}
        for index, data in enumerate(hosts):
            if not isinstance(data, dict):
                continue
            name = data.get("name")
            if not isinstance(name, str):
                raise VmpodInputError("hosts[%d].name" % index, name, "must be text")
            named[name] = data
        hosts = named
    if not isinstance(hosts, dict):
        raise VmpodInputError("hosts", hosts, "must be what vmpod.core.place_fleet took")
    return dict((name, host_picture(hosts[name], usage, fleet.get("plans"), name))
                for name, usage in fleet["hosts"].items() if name in hosts)


def host_picture(host, usage, plans=None, name=None):
    """SVG text of ``host`` (host data) after a placement: ``usage`` is the host's entry of
    ``place_fleet``'s ``hosts``, ``plans`` its ``plans`` (for vCPU / emulator / IOThread pins and
    the pages each VM took). ``name`` titles the picture (default: the host data's name)."""
    topo = read_host(host)
    if not isinstance(usage, dict) or not isinstance(usage.get("nodes"), list):
        raise VmpodInputError("usage", usage, "must be a host's usage from place_fleet")
    checked(PICTURE_USAGE, usage, "usage")
    checked(Maybe(MapOf(PLAN)), plans, "plans")
    plans = plans or {}
    title = name or topo.name or "host"
    picture = _Picture(topo, usage, plans, title, host)
    text = picture.svg()
    try:  # read back, as every file the collection writes: a name that broke the XML is refused
        ElementTree.fromstring(text.encode("utf-8", "surrogatepass"))
    except ElementTree.ParseError as err:
        raise VmpodInputError("usage", NO_VALUE, "gives a picture that is not XML (%s)" % err)
    return text


class _Picture:

    def __init__(self, topo, usage, plans, title, data):
        self.topo = topo
        self.usage = usage
        self.title = title
        self.reserved = topo.reserved
        self.isolated = topo.isolated
        self.before = _cpus(data.get("used_cpus"))
        vmis = list(usage.get("vmis", []))
        self.pinned = dict((vm, _cpus(cpus)) for vm, cpus in usage.get("pinned", {}).items())
        self.colour = dict((vm, PALETTE[index % len(PALETTE)])
                           for index, vm in enumerate(vm for vm in vmis if vm in self.pinned))
        page_owners = [vm for vm in vmis if (plans.get(vm) or {}).get("hugepages")]
        # a pinned VM the usage's list leaves out (damaged usage) still gets a colour of its own
        for vm in page_owners + sorted(vm for vm in self.pinned if vm not in self.colour):
            if vm not in self.colour:
                self.colour[vm] = PALETTE[len(self.colour) % len(PALETTE)]
        self.plans = dict((vm, plans[vm]) for vm in vmis if vm in plans)
        self.owner, self.role = {}, {}
        for vm, cpus in self.pinned.items():
            for cpu in cpus:
                self.owner[cpu] = vm
            self._roles(vm, self.plans.get(vm) or {})
        self.shared = [vm for vm in vmis if vm not in self.pinned]

    def _roles(self, vm, plan):
        for vcpu, pcpu in enumerate(plan.get("vcpupin") or ()):
            self.role[pcpu] = "v%d" % vcpu
        for pcpu in _cpus(plan.get("emulatorpin")):
            self.role[pcpu] = "emu"
        for iothread, cpus in sorted((plan.get("iothreadpin") or {}).items()):
            for pcpu in _cpus(cpus):
                if pcpu not in self.role:
                    self.role[pcpu] = "io%s" % iothread

    # -- layout ------------------------------------------------------------------------------

    def svg(self):
        machine = self._machine()
        body = []
        width = max(machine.w + 2 * PAD, 640)
        y = PAD
        header = self._header(width)
        body.extend(shift(header[0], 0, y))
        y += header[1]
        body.extend(self._draw(machine, PAD, y))
        y += machine.h + PAD
        legend, legend_h = self._legend(width - 2 * PAD)
        body.extend(shift(legend, PAD, y))
        y += legend_h + PAD
        parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
                 'viewBox="0 0 %d %d" font-family="%s" font-size="11">'
                 % (width, y, width, y, FONT),
                 '<title>%s</title>' % escape("%s: CPUs, NUMA nodes and hugepages after "
                                              "placement" % self.title),
                 '<defs><pattern id="before" width="6" height="6" patternUnits="userSpaceOnUse" '
                 'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ececec"/>'
                 '<rect width="3" height="6" fill="%s"/></pattern></defs>' % BEFORE,
                 '<rect width="100%" height="100%" fill="#ffffff"/>']
        parts.extend(body)
        parts.append("</svg>")
        return "\n".join(parts) + "\n"

    def _header(self, width):
        topo, cpu, memory = self.topo, self.usage.get("cpu", {}), self.usage.get("memory", {})
        cores = len({topo.siblings(c.id) for c in topo.cpus})
        lines = ['<text x="%d" y="%d" font-size="16" font-weight="bold">%s</text>' % (
            PAD, 18, escape(self.title))]
        facts = "%d socket%s, %d NUMA node%s, %d cores, %d threads" % (
            len(topo.sockets()), _s(len(topo.sockets())), len(topo.nodes), _s(len(topo.nodes)),
            cores, len(topo.cpus))
        lines.append('<text x="%d" y="%d">%s</text>' % (PAD, 36, escape(facts)))
        summary = []
        if cpu:
            summary.append("CPU requested %s of %s allocatable cores (%s%%)" % (
                _cores(cpu.get("requested")), _cores(cpu.get("allocatable")),
                cpu.get("requested_percent")))
        if memory:
            summary.append("memory requested %s of %s (%s%%)" % (
                _gib(memory.get("requested", 0)), _gib(memory.get("allocatable", 0)),
                memory.get("requested_percent")))
        lines.append('<text x="%d" y="%d">%s</text>' % (PAD, 52, escape("; ".join(summary))))
        return lines, 62

    def _machine(self):
        topo = self.topo
        by_socket = {}
        for cpu in topo.cpus:
            by_socket.setdefault(cpu.socket, {}).setdefault(cpu.node, []).append(cpu.id)
        packages = []
        for socket in sorted(by_socket):
            nodes = [self._node(node, by_socket[socket][node])
                     for node in sorted(by_socket[socket])]
            packages.append(flow(Box(0, 0, PACKAGE, "Package P#%d" % socket), nodes, 1300))
        memory_only = [self._node(node.id, []) for node in topo.nodes if not node.cpus]
        machine = flow(Box(0, 0, MACHINE, "Machine"), packages + memory_only, 1400)
        return machine

    def _node(self, node_id, cpu_ids):
        node = self.topo.node_by_id[node_id]
        entry = self._node_usage(node_id)
        cores = []
        seen = set()
        for cpu_id in cpu_ids:
            siblings = self.topo.siblings(cpu_id)
            if siblings in seen:
                continue
            seen.add(siblings)
            cores.append(self._core([c for c in siblings if c in cpu_ids]))
        threads = max([len(core.children) for core in cores] or [1])
        columns = 4 if threads > 1 else 8
        box = Box(0, 0, NODE, "NUMANode P#%d (%s)" % (node_id, _gib(node.memory)))
        cells = grid(cores, columns)
        rows = self._node_bars(node, entry)
        width = int(math.ceil(max([cells.w, 300] + [text_width(row[0], 11) for row in rows])))
        bar_svg, bars_h = bars(rows, width)
        cells.x, cells.y = PAD, LINE + 6
        box.children.append(cells)
        y = cells.y + cells.h + (GAP * 2 if cores else 0)
        box.extra.extend(shift(bar_svg, PAD, y))
        box.w = width + 2 * PAD
        box.h = y + bars_h + PAD
        return box

    def _node_usage(self, node_id):
        for entry in self.usage.get("nodes", []):
            if entry.get("id") == node_id:
                return entry
        return {}

    def _core(self, cpu_ids):
        core = Box(len(cpu_ids) * (PU_W + GAP) + GAP, PU_H + 2 * GAP, CORE)
        for index, cpu in enumerate(cpu_ids):
            pu = self._pu(cpu)
            pu.x, pu.y = GAP + index * (PU_W + GAP), GAP
            core.children.append(pu)
        return core

    def _pu(self, cpu):
        vm = self.owner.get(cpu)
        text_colour = TEXT
        if vm is not None:
            fill = self.colour[vm]
            text_colour = ink(fill)
            second = self.role.get(cpu, "")
        elif cpu in self.reserved:
            fill, text_colour, second = RESERVED, "#ffffff", "rsvd"
        elif cpu in self.before:
            fill, second = "url(#before)", "held"
        elif self.shared:
            fill, second = SHARED_POOL, "shared"
        else:
            fill, second = FREE, ""
        pu = Box(PU_W, PU_H, fill)
        pu.extra.append('<text x="%d" y="13" text-anchor="middle" fill="%s">P#%d</text>'
                        % (PU_W // 2, text_colour, cpu))
        if second:
            pu.extra.append('<text x="%d" y="27" text-anchor="middle" font-size="10" fill="%s" '
                            'font-weight="bold">%s</text>' % (PU_W // 2, text_colour,
                                                              escape(second)))
        if cpu in self.isolated:
            pu.extra.append(_isolated_mark(PU_W, 0))
        return pu

    def _node_bars(self, node, entry):
        """The node's memory and hugepage bars: (label, total, [(count, fill)]) each."""
        rows = []
        memory = entry.get("memory")
        if memory and memory.get("total"):
            rows.append(("memory outside hugepages: %s of %s requested by Pods" % (
                _gib(memory.get("used", 0)), _gib(memory["total"])), memory["total"],
                [(memory.get("used", 0), SHARED_MEMORY)]))
        for size_text, pool in sorted((entry.get("hugepages") or {}).items(),
                                      key=lambda item: _size(item[0])):
            if not pool.get("total"):
                continue
            segments = [(pool.get("used_before", 0), "url(#before)")]
            for vm, plan in self.plans.items():
                pages = plan.get("hugepages") or {}
                if pages.get("page_size") == size_text:
                    count = (pages.get("per_node") or {}).get(str(node.id), 0)
                    if count:
                        segments.append((count, self.colour.get(vm, SHARED_MEMORY)))
            rows.append(("%s hugepages: %d of %d used, %d free" % (
                size_text, pool.get("used", 0), pool["total"], pool.get("free", 0)),
                pool["total"], segments))
        return rows

    def _legend(self, width):
        parts, y = [], 0
        entries = []
        for vm in self.colour:
            plan = self.plans.get(vm) or {}
            what = []
            if vm in self.pinned:
                vcpus = len(plan.get("vcpupin") or ())
                what.append("%d vCPU%s on %d pCPU%s" % (vcpus, _s(vcpus), len(self.pinned[vm]),
                                                        _s(len(self.pinned[vm]))))
            else:
                what.append("shared CPUs")
            pages = plan.get("hugepages") or {}
            if pages.get("per_node"):
                what.append("%s pages %s" % (pages.get("page_size"), ", ".join(
                    "n%s: %d" % item for item in sorted(pages["per_node"].items()))))
            cells = plan.get("numa_cells") or []
            if len(cells) > 1:
                what.append("%d guest NUMA cells" % len(cells))
            entries.append((self.colour[vm], "%s (%s)" % (vm, "; ".join(what))))
        entries.extend([(RESERVED, "reserved for the system"),
                        ("url(#before)", "held before this placement")])
        if self.shared:
            entries.append((SHARED_POOL, "shared pool: free for exclusive CPUs, runs the "
                                         "shared-CPU VMs"))
        else:
            entries.append((FREE, "free"))
        if self.isolated:
            entries.append(("isolated", "isolated from the kernel scheduler (isolcpus)"))
        parts.append('<text x="0" y="12" font-weight="bold">Exclusive CPUs and hugepages '
                     '</text>')
        y = LINE + 2
        column_w = max(text_width(entry[1], 11) for entry in entries) + 30
        columns = max(1, min(3, int(width // column_w)))
        rows = (len(entries) + columns - 1) // columns
        for index, (fill, text) in enumerate(entries):
            col, row = index // rows, index % rows
            x, top = col * column_w, y + row * (LINE + 2)
            if fill == "isolated":
                parts.append('<rect x="%d" y="%d" width="18" height="12" fill="#ffffff" '
                             'stroke="#000000" stroke-width="0.5"/>' % (x, top))
                parts.append(_isolated_mark(x + 18, top))
            else:
                parts.append('<rect x="%d" y="%d" width="18" height="12" fill="%s" '
                             'stroke="#000000" stroke-width="0.5"/>' % (x, top, fill))
            parts.append('<text x="%d" y="%d">%s</text>' % (x + 24, top + 10, escape(text)))
        y += rows * (LINE + 2) + GAP
        y = self._shared_lines(parts, y, width)
        return parts, y

    def _shared_lines(self, parts, y, width):
        cpu = self.usage.get("cpu", {})
        if self.shared:
            parts.append('<text x="0" y="%d" font-weight="bold">Shared CPUs</text>' % (y + 12))
            y += LINE + 2
            ratio = cpu.get("vcpus_per_pcpu")
            text = "%d VM%s, %s vCPUs on %s pCPUs (%s per pCPU; cpuAllocationRatio %s): " % (
                len(self.shared), _s(len(self.shared)), cpu.get("shared_vcpus"),
                cpu.get("shared_pcpus"), ratio if ratio is not None else "-",
                cpu.get("cpu_allocation_ratio"))
            for line in wrap(text + ", ".join(self.shared), width):
                parts.append('<text x="0" y="%d">%s</text>' % (y + 11, escape(line)))
                y += LINE
        for warning in self.usage.get("warnings", []):
            parts.append('<text x="0" y="%d" fill="%s" font-weight="bold">%s</text>'
                         % (y + 12, WARNING, escape("warning: " + warning)))
            y += LINE + 2
        return y

    # -- drawing -----------------------------------------------------------------------------

    def _draw(self, box, x, y):
        x, y = x + box.x, y + box.y
        parts = []
        stroke = ' stroke="%s"' % box.stroke if box.stroke else ""
        if box.fill is not None:
            parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="%s"%s/>'
                         % (x, y, box.w, box.h, box.fill, stroke))
        if box.label:
            parts.append('<text x="%d" y="%d" font-weight="bold">%s</text>'
                         % (x + PAD, y + 14, escape(box.label)))
        parts.extend(shift(box.extra, x, y))
        for child in box.children:
            parts.extend(self._draw(child, x, y))
        return parts


def _isolated_mark(right, top):
    """A corner triangle at the top right of a PU: the kernel keeps its scheduler off it."""
    return '<path d="M%d %d h-9 l9 9 z" fill="%s"/>' % (right, top, ISOLATED)


def _cpus(value):
    if value is None or value == "":
        return frozenset()
    return parse_cpuset(value)


def _size(text):
    return parse_quantity(text).value()


def _cores(quantity):
    """A CPU quantity as cores to read: ``59200m`` -> ``59.2``."""
    if quantity is None:
        return "-"
    cores = parse_quantity(quantity, "cpu").milli_value()
    if cores >= 10 ** 15:  # more than any host has; as a float it may not even exist
        return quantity
    return ("%.1f" % (cores / 1000.0)).rstrip("0").rstrip(".")


def _gib(value):
    return "%.1f GiB" % (value / float(1 << 30))


def _s(count):
    return "" if count == 1 else "s"
