"""Event registrations for the objects of libvirt's secondary drivers (storage pools, networks,
secrets, node devices): one shape for all of them, kept per family in ``client.family_callbacks``.

remoteDispatchConnect<Family>EventRegisterAny/DeregisterAny and remoteRelay<Family>Event*: a
registration wants one event ID, for every object or for one (by UUID or, for node devices, by
name); the relays ask ``matching`` for the registrations an event goes to.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from ..errors import VirtError
from ._client import Client


@dataclass(frozen=True)
class ObjectEventCallback:
    """One event registration of one client."""

    callback_id: int
    event_id: int
    only: Hashable | None = None  # the object (UUID or name) whose events it wants; None: every object


def register(client: Client, family: str, event_id: int, event_count: int, what: str,
             only: Hashable | None) -> int:
    """A new registration; its callback ID comes from the client's one counter for every kind."""
    if not 0 <= event_id < event_count:
        raise VirtError.daemon(f"unsupported {what} event ID {event_id}")
    client.last_callback_id += 1
    cb_id = client.last_callback_id
    client.family_callbacks.setdefault(family, {})[cb_id] = ObjectEventCallback(cb_id, event_id, only)
    return cb_id


def deregister(client: Client, family: str, callback_id: int, what: str) -> None:
    if client.family_callbacks.get(family, {}).pop(callback_id, None) is None:
        raise VirtError.daemon(f"{what} event callback {callback_id} not registered")


def matching(client: Client, family: str, event_id: int, key: Hashable) -> list[ObjectEventCallback]:
    """The registrations an event (of ``event_id``, about the object ``key``) goes to. These drivers
    serve every URI, as in a root libvirtd, and outlive a refused re-open of the hypervisor."""
    if client.driver is None and not client.hypervisor_dropped:
        return []
    return [cb for cb in list(client.family_callbacks.get(family, {}).values())
            if cb.event_id == event_id and (cb.only is None or cb.only == key)]
