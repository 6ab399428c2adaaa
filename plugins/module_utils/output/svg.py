# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SVG layout for the capacity pictures: boxes that flow into rows and grids, bars, text widths."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.xml import NOT_XML

GAP, PAD = 4, 8
LINE = 16  # height of a line of 11px text
BAR_H = 14
CHAR_WIDTH = 0.6  # DejaVu Sans advance per font pixel, a little generous
TEXT = "#000000"


class Box:
    """A laid-out rectangle: position relative to its parent, size, and what to draw in it."""

    __slots__ = ("x", "y", "w", "h", "fill", "stroke", "label", "children", "extra", "dash")

    def __init__(self, w, h, fill, label=None, stroke="#000000"):
        self.x = self.y = 0
        self.w, self.h = w, h
        self.fill, self.label, self.stroke = fill, label, stroke
        self.children = []
        self.extra = []  # raw SVG fragments, coordinates relative to this box
        self.dash = False


def flow(parent, children, max_width):
    """Lay ``children`` left to right in rows no wider than ``max_width`` under a label line."""
    x, y, row_h, width = PAD, LINE + 6, 0, 0
    for child in children:
        if x > PAD and x + child.w > max_width:
            x, y = PAD, y + row_h + PAD
            row_h = 0
        child.x, child.y = x, y
        x += child.w + PAD
        row_h = max(row_h, child.h)
        width = max(width, x)
    parent.children.extend(children)
    parent.w = max(width, 200)
    parent.h = y + row_h + PAD
    return parent


def grid(cells, columns):
    grid = Box(0, 0, None, stroke=None)
    if not cells:
        return grid
    cell_w = max(cell.w for cell in cells)
    cell_h = max(cell.h for cell in cells)
    for index, cell in enumerate(cells):
        cell.x = (index % columns) * (cell_w + GAP)
        cell.y = (index // columns) * (cell_h + GAP)
    grid.children.extend(cells)
    used = min(columns, len(cells))
    grid.w = used * (cell_w + GAP) - GAP
    grid.h = ((len(cells) + columns - 1) // columns) * (cell_h + GAP) - GAP
    return grid


def bars(rows, width):
    """Bars under each other, as SVG fragments and their height."""
    parts, y = [], 0
    for label, total, segments in rows:
        parts.extend(bar_row(y, width, label, total, segments))
        y += LINE + BAR_H + GAP
    if not rows:
        parts.append('<text x="0" y="11" fill="#555555">no memory figures</text>')
        y = LINE
    return parts, y


def bar_row(y, width, label, total, segments):
    parts = ['<text x="0" y="%d">%s</text>' % (y + 11, escape(label))]
    top = y + LINE - 2
    parts.append('<rect x="0" y="%d" width="%d" height="%d" fill="#ffffff" stroke="#000000" '
                 'stroke-width="0.5"/>' % (top, width, BAR_H))
    x = 0.0
    for count, fill in segments:
        if count <= 0 or total <= 0:
            continue
        w = min(width - x, width * float(count) / total)
        parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" stroke="#000000" '
                     'stroke-width="0.5"/>' % (x, top, w, BAR_H, fill))
        x += w
    return parts


def shift(fragments, dx, dy):
    if not dx and not dy:
        return list(fragments)
    return ['<g transform="translate(%d,%d)">%s</g>' % (dx, dy, "".join(fragments))] \
        if fragments else []


def ink(fill):
    """Black or white text, whichever reads better on ``fill`` (#rrggbb)."""
    red, green, blue = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return TEXT if 0.299 * red + 0.587 * green + 0.114 * blue > 140 else "#ffffff"


def text_width(text, size):
    return len(text) * size * CHAR_WIDTH


def wrap(text, width, size=11):
    per_line = max(20, int(width / (size * CHAR_WIDTH)))
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > per_line:
            lines.append(line)
            line = word
        else:
            line = "%s %s" % (line, word) if line else word
    if line:
        lines.append(line)
    return lines


def escape(text):
    """Text as SVG text or an attribute value: markup escaped, and each character XML cannot hold
    (control characters, lone surrogates) shown as U+FFFD."""
    return NOT_XML.sub("\ufffd", str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                       .replace('"', "&quot;"))
