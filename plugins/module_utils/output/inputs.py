# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the formatters take: the engine's results, as shapes (values.shapes) checked on entry.

Only the fields a formatter reads are declared; the engine's results hold more.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmpod.core.plugins.module_utils.values.shapes import (
    BOOL, INT, NUMBER, TEXT, ListOf, MapOf, Maybe, Record)

TEXTS = ListOf(TEXT)

# plan_placement's result (placement.plan_placement)
PLAN = Record({
    "fits": BOOL,
    "reasons": TEXTS,
    "cpuset": Maybe(TEXT),
    "vcpupin": Maybe(ListOf(INT)),
    "emulatorpin": Maybe(TEXT),
    "numa_cells": ListOf(Record({"id": INT, "host_node": INT})),
    "hugepages": Maybe(Record({"page_size": TEXT, "per_node": MapOf(INT)})),
    "pcpus": INT,
}, {"name": Maybe(TEXT), "iothreadpin": Maybe(MapOf(TEXT))})
PLANS = ListOf(PLAN)

# one entry of launcher_resources' list (pipeline.sizing)
SIZED = ListOf(Record({
    "name": TEXT,
    "vcpus": INT,
    "guest_memory": Maybe(TEXT),
    "memory_overhead": TEXT,
    "requests": MapOf(TEXT),
    "limits": MapOf(TEXT),
}, {"envelope": Record({"requests": MapOf(TEXT), "limits": MapOf(TEXT), "qos": TEXT})}))

# place_fleet's result (fleet.place_fleet): a host's usage, and the whole
NODE_USAGE = Record({
    "id": INT,
    "cpus": Record({"free": INT, "used": INT, "reserved": INT, "total": INT, "free_cpus": TEXT}),
    "memory": Record({"total": NUMBER, "used": NUMBER}),
    "hugepages": MapOf(Record({"total": INT, "free": INT}, {"used": INT, "used_before": INT})),
})
HOST_USAGE = Record({
    "vmis": TEXTS,
    "cpu": Record({
        "pcpus": INT, "reserved": INT, "exclusive": INT, "allocatable": TEXT, "requested": TEXT,
        "requested_percent": NUMBER, "shared_vcpus": INT, "shared_pcpus": INT,
        "vcpus_per_pcpu": Maybe(NUMBER),
    }, {"cpu_allocation_ratio": Maybe(NUMBER)}),
    "memory": Record({
        "allocatable": NUMBER, "requested": NUMBER, "requested_percent": NUMBER,
        "overcommit_percent": Maybe(NUMBER),
    }),
    "nodes": ListOf(NODE_USAGE),
    "warnings": TEXTS,
}, {"pinned": MapOf(TEXT)})
# an unplaced VM's fragmentation report (planning.fragmentation)
FRAGMENTATION = Record({"fragmented": BOOL, "summary": TEXT}, {
    "reason": TEXT, "host": Maybe(TEXT),
    "moves": ListOf(Record({"vmi": TEXT, "source": TEXT, "target": TEXT})),
})
FLEET = Record({
    "placements": MapOf(Maybe(TEXT)),
    "unplaced": MapOf(TEXTS),
    "hosts": MapOf(HOST_USAGE),
}, {"plans": Maybe(MapOf(PLAN)), "warnings": Maybe(TEXTS), "policy": Maybe(TEXT),
    "fragmentation": Maybe(MapOf(FRAGMENTATION))})

# what host_pictures reads of place_fleet's result: the same, with every field but the nodes
# optional (a picture can be drawn of a host's usage written by hand)
PICTURE_USAGE = Record({
    "nodes": ListOf(Record({}, {
        "id": INT,
        "memory": Maybe(Record({}, {"total": NUMBER, "used": NUMBER})),
        "hugepages": Maybe(MapOf(Record({}, {
            "total": INT, "used_before": INT, "used": INT, "free": INT}))),
    })),
}, {
    "vmis": TEXTS,
    "pinned": MapOf(TEXT),
    "cpu": Record({}, {
        "requested": Maybe(TEXT), "allocatable": Maybe(TEXT), "requested_percent": Maybe(NUMBER),
        "shared_vcpus": Maybe(INT), "shared_pcpus": Maybe(INT), "vcpus_per_pcpu": Maybe(NUMBER),
        "cpu_allocation_ratio": Maybe(NUMBER),
    }),
    "memory": Record({}, {"requested": NUMBER, "allocatable": NUMBER, "requested_percent": Maybe(NUMBER)}),
    "warnings": TEXTS,
})
PICTURE_FLEET = Record({"hosts": MapOf(PICTURE_USAGE)}, {"plans": Maybe(MapOf(PLAN))})
