"""Host resources a running domain holds: what the network, secret, nwfilter and node-device
drivers hand to qemuProcessStart and take back at qemuProcessStop.

A family that a domain's definition can refer to (a network for an ``<interface>``, a secret for a
disk's ``<auth>``, a host device for a ``<hostdev>``) implements ``HostResource`` and registers its
state in ``Hypervisor.resources``. Every boot acquires from each of them in order (the first
refusal undoes the earlier ones and the domain does not start); every stop releases in reverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .domain import Domain
    from .domaindef import DomainDef


class HostResource(Protocol):
    """One driver's part of starting and stopping a domain."""

    def acquire(self, dom: Domain, live: DomainDef) -> None:
        """Check and take what ``live`` (the definition being started) needs; raise to refuse.

        May complete ``live`` (e.g. an interface's ``<target dev='vnetN'/>``)."""

    def release(self, dom: Domain) -> None:
        """Give back what ``dom`` took (it is stopping)."""


def acquire_all(resources: list[HostResource], dom: Domain, live: DomainDef) -> None:
    """Acquire from every resource in order; a refusal releases what was taken before it."""
    taken: list[HostResource] = []
    try:
        for resource in resources:
            resource.acquire(dom, live)
            taken.append(resource)
    except BaseException:
        for resource in reversed(taken):
            resource.release(dom)
        raise


def release_all(resources: list[HostResource], dom: Domain) -> None:
    for resource in reversed(resources):
        resource.release(dom)
