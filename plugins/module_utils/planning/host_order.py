# -*- coding: utf-8 -*-
# Copyright: vmpod.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The order fleet placement tries hosts in, for each VM: ``pack`` (``Packer``: the hosts in
their given order, passing over those without CPU or memory left for the Pod through a
``RoomIndex``) and ``spread`` (``Spreader``: the least loaded host first). Both take the VM and
an ``attempt(state)`` that returns its plan on that host or None (``packing.try_place``), and
rely on a host that refused a VM shape refusing it for the rest of the placement.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq


class Packer:
    """``pack``: hosts in their given order; each VM shape resumes at the host that took it
    last, since the hosts before it refused that shape already. With a ``RoomIndex`` the hosts
    whose CPU or memory left cannot admit the VM's Pod are passed over without a try (their
    refusal is then not noted: ``simulate_drain`` shows noted refusals and goes without)."""

    def __init__(self, states, room=None):
        self.states = states
        self.start = {}
        self.room = room

    def place(self, vm, attempt):
        states, room = self.states, self.room
        index = self.start.get(vm.shape, 0)
        while index < len(states):
            if room is not None:
                index = room.first(index, vm.cpu_request, vm.memory_request)
                if index is None:
                    break
            plan = attempt(states[index])
            if plan is not None:
                self.start[vm.shape] = index
                return states[index], plan
            index += 1
        self.start[vm.shape] = len(states)
        return None, None

    def taken(self, state):
        if self.room is not None:
            self.room.update(state)


class RoomIndex:
    """The CPU and memory each host has left for Pod requests (allocatable less requested), in
    a tree over the hosts in their given order that keeps the most of each under every node:
    the first host from a given one that could admit a request is found without walking the
    full hosts before it (with many VM shapes, each walked them all)."""

    def __init__(self, states):
        size = 1
        while size < len(states):
            size *= 2
        self.size = size
        self.cpu = [-1] * (2 * size)  # (requests are never negative: -1 admits none)
        self.memory = [-1] * (2 * size)
        for state in states:
            self.cpu[size + state.index] = state.cpu_allocatable - state.cpu_requested
            self.memory[size + state.index] = state.memory_allocatable - state.memory_requested
        for node in range(size - 1, 0, -1):
            self.cpu[node] = max(self.cpu[2 * node], self.cpu[2 * node + 1])
            self.memory[node] = max(self.memory[2 * node], self.memory[2 * node + 1])

    def update(self, state):
        node = self.size + state.index
        self.cpu[node] = state.cpu_allocatable - state.cpu_requested
        self.memory[node] = state.memory_allocatable - state.memory_requested
        node //= 2
        while node:
            self.cpu[node] = max(self.cpu[2 * node], self.cpu[2 * node + 1])
            self.memory[node] = max(self.memory[2 * node], self.memory[2 * node + 1])
            node //= 2

    def first(self, start, cpu, memory):
        """The index of the first host at or after ``start`` with ``cpu`` millicores and
        ``memory`` bytes left, or None."""
        return self._first(1, 0, self.size, start, cpu, memory)

    def _first(self, node, low, high, start, cpu, memory):
        if high <= start or self.cpu[node] < cpu or self.memory[node] < memory:
            return None
        if high - low == 1:
            return low
        middle = (low + high) // 2
        found = self._first(2 * node, low, middle, start, cpu, memory)
        if found is None:
            found = self._first(2 * node + 1, middle, high, start, cpu, memory)
        return found


class Spreader:
    """``spread``: the least loaded host first (ties in the given order), from a heap whose
    entries go stale when their host takes a VM.

    A host that refuses a VM shape refuses it for the rest of the placement (its room only
    shrinks; ``try_place`` notes the refusal), yet in the shared heap it stays among the least
    loaded and every later VM of that shape would pop it again: with many such hosts the time
    grew with the square of the fleet. So a shape refused by more than a few hosts in one go
    gets a heap of its own without them (at most ``OWN_HEAPS`` shapes; each host that takes a
    VM enters every heap again with its new load)."""

    REFUSALS_FOR_OWN_HEAP = 8
    OWN_HEAPS = 64

    def __init__(self, states):
        self.states = states
        self.version = [0] * len(states)
        self.heap = [(state.load(), state.index, 0) for state in states]
        heapq.heapify(self.heap)
        self.own = {}  # shape -> (heap, indexes of the hosts that refused it)

    def place(self, vm, attempt):
        own = self.own.get(vm.shape)
        if own is not None:
            return self._place_own(own, attempt)
        refused, found = [], (None, None)
        while self.heap:
            entry = heapq.heappop(self.heap)
            index = entry[1]
            if entry[2] != self.version[index]:
                continue  # stale: a newer entry for this host is in the heap
            plan = attempt(self.states[index])
            if plan is not None:
                self.version[index] += 1  # taken() enters the host again with its new load
                found = self.states[index], plan
                break
            refused.append(entry)
        for entry in refused:
            heapq.heappush(self.heap, entry)
        if len(refused) > self.REFUSALS_FOR_OWN_HEAP and len(self.own) < self.OWN_HEAPS:
            dead = set(entry[1] for entry in refused)
            version = self.version
            heap = [entry for entry in self.heap
                    if entry[2] == version[entry[1]] and entry[1] not in dead]
            if found[0] is not None:  # it is in no heap until taken() enters it again
                heap = [entry for entry in heap if entry[1] != found[0].index]
            heapq.heapify(heap)
            self.own[vm.shape] = (heap, dead)
        return found

    def _place_own(self, own, attempt):
        heap, dead = own
        version = self.version
        while heap:
            entry = heapq.heappop(heap)
            index = entry[1]
            if entry[2] != version[index] or index in dead:
                continue
            plan = attempt(self.states[index])
            if plan is not None:
                version[index] += 1
                return self.states[index], plan
            dead.add(index)  # refused for good: never in this heap again
        return None, None

    def taken(self, state):
        entry = (state.load(), state.index, self.version[state.index])
        heapq.heappush(self.heap, entry)
        for heap, dead in self.own.values():
            if state.index not in dead:
                heapq.heappush(heap, entry)
