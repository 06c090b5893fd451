"""libvirt's nwfilter driver (nwfilter_driver.c, virnwfilterobj.c, the binding lists) as plain state.

A binding is *instantiated* when its port device exists on the host (libvirt skips the others
without a word): the port of a running domain's interface, or a host NIC. Instantiating needs
every filter the binding reaches through ``<filterref>``; a filter an instantiated binding
reaches cannot be undefined, nor redefined so that the binding would lose one.  No rule is
applied to anything: the host has no firewall to change.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import VirtError
from ...errors import nwfilter as err
from .definition import BindingDef, NWFilter, NWFilterDef

if TYPE_CHECKING:
    from ..ids import IdGenerator as Rng


@dataclass
class Binding:
    config: BindingDef
    instantiated: bool = False

    @property
    def portdev(self) -> str:
        return self.config.portdev


class NWFilters:
    """The nwfilter driver of one hypervisor: filters by UUID and name, bindings by port device."""

    def __init__(self, rng: Rng, host_devices: Iterable[str] = ()) -> None:
        self.rng = rng
        self.filters: dict[uuidlib.UUID, NWFilter] = {}
        self.names: dict[str, NWFilter] = {}
        self.bindings: dict[str, Binding] = {}
        self.ports: set[str] = set(host_devices)  # devices that exist: host NICs, running domains' taps

    def __len__(self) -> int:
        return len(self.filters)

    # -- filters ---------------------------------------------------------------------------

    def by_uuid(self, filter_uuid: uuidlib.UUID) -> NWFilter:
        found = self.filters.get(filter_uuid)
        if found is None:
            raise err.no_uuid(filter_uuid)
        return found

    def by_name(self, name: str) -> NWFilter:
        found = self.names.get(name)
        if found is None:
            raise err.no_name(name)
        return found

    def list_all(self, flags: int) -> list[NWFilter]:
        err.check_flags("nwfilterConnectListAllNWFilters", flags, 0)
        return list(self.filters.values())

    def define(self, d: NWFilterDef) -> NWFilter:
        """virNWFilterObjListAssignDef: a UUID keeps its name, a name its UUID; no loops; the
        instantiated bindings must still find every filter they reach."""
        if d.uuid is None:
            d.uuid = self.rng.uuid()
        existing = self.filters.get(d.uuid)
        if existing is not None and existing.name != d.name:
            raise err.uuid_taken(existing.name)
        if existing is None and d.name in self.names:
            raise err.name_taken(d.name, self.names[d.name].uuid)
        if self._loops(d):
            raise err.loop()
        if existing is not None:
            old, existing.config = existing.config, d
            try:
                self._check_instantiated()
            except VirtError:
                existing.config = old
                raise
            return existing
        f = self.filters[d.uuid] = self.names[d.name] = NWFilter(d.uuid, d)
        return f

    def _loops(self, d: NWFilterDef) -> bool:
        """_virNWFilterObjListDefLoopDetect: does d reach itself through the defined filters?"""
        todo, seen = list(d.references()), set()
        while todo:
            name = todo.pop()
            if name == d.name:
                return True
            if name in seen or name not in self.names:
                continue
            seen.add(name)
            todo.extend(self.names[name].config.references())
        return False

    def undefine(self, f: NWFilter) -> None:
        """nwfilterUndefine: refused while an instantiated binding reaches the filter."""
        del self.names[f.name]
        try:
            self._check_instantiated()
        except VirtError:
            self.names[f.name] = f
            raise err.in_use() from None
        del self.filters[f.uuid]

    # -- bindings ----------------------------------------------------------------------------

    def reached(self, name: str) -> list[str]:
        """The filters a binding to ``name`` needs (virNWFilterInstantiateFilter), or the error
        for the first one missing."""
        todo, seen = [name], []
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            f = self.names.get(current)
            if f is None:
                raise err.referenced_missing(current)
            seen.append(current)
            todo.extend(f.config.references())
        return seen

    def _check_instantiated(self) -> None:
        for b in self.bindings.values():
            if b.instantiated:
                self.reached(b.config.filter)

    def binding(self, portdev: str) -> Binding:
        found = self.bindings.get(portdev)
        if found is None:
            raise err.no_binding(portdev)
        return found

    def list_bindings(self, flags: int) -> list[Binding]:
        err.check_flags("nwfilterConnectListAllNWFilterBindings", flags, 0)
        return list(self.bindings.values())

    def create_binding(self, d: BindingDef) -> Binding:
        """nwfilterBindingCreateXML: one binding per port; instantiated if the port exists."""
        if d.portdev in self.bindings:
            raise err.binding_exists(d.portdev)
        b = Binding(d, d.portdev in self.ports)
        if b.instantiated:
            self.reached(d.filter)
        self.bindings[d.portdev] = b
        return b

    def delete_binding(self, b: Binding) -> None:
        del self.bindings[b.portdev]
