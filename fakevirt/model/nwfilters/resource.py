"""A running domain's interfaces with ``<filterref>`` get a filter binding (virDomainConfNWFilterInstantiate),
removed when it stops.

The port of a binding is the interface's host device (``<target dev>``): the network family names
it at boot before this resource runs; an interface without one gets no binding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .definition import BindingDef, FilterRef
from .state import NWFilters

if TYPE_CHECKING:
    from ..devices import Interface
    from ..domain import Domain
    from ..domaindef import DomainDef


def interface_binding(dom_name: str, dom: Domain, iface: Interface) -> BindingDef | None:
    """virNWFilterBindingDefForNet, or None for an interface without a filter or a port."""
    ref = iface.filterref
    if ref is None or not iface.target_dev or not ref.filter:
        return None
    params: dict[str, list[str]] = {}
    for name, value in ref.parameters:
        if name and value:
            params.setdefault(name, []).append(value)
    linkdev = iface.source if iface.type == "direct" else None
    return BindingDef(iface.target_dev, dom_name, dom.uuid, iface.mac or "", FilterRef(ref.filter, params),
                      linkdev)


class NWFilterResource:
    """The nwfilter driver's part of a domain start: the HostResource of model/resources.py."""

    def __init__(self, nwfilters: NWFilters) -> None:
        self.nwfilters = nwfilters

    def acquire(self, dom: Domain, live: DomainDef) -> None:
        created: list[str] = []
        try:
            for iface in live.interfaces:
                b = interface_binding(live.name, dom, iface)
                if b is None:
                    continue
                self.nwfilters.ports.add(b.portdev)
                try:
                    self.nwfilters.create_binding(b)
                except BaseException:
                    self.nwfilters.ports.discard(b.portdev)
                    raise
                created.append(b.portdev)
        except BaseException:
            self._drop(created)
            raise

    def release(self, dom: Domain) -> None:
        self._drop([p for p, b in self.nwfilters.bindings.items() if b.config.owner_uuid == dom.uuid])

    def _drop(self, ports: list[str]) -> None:
        for port in ports:
            self.nwfilters.ports.discard(port)
            b = self.nwfilters.bindings.get(port)
            if b is not None:
                self.nwfilters.delete_binding(b)
