"""What the handlers know of one client connection: plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor, QemuDriver


@dataclass
class Client:
    """Per-connection state: what the client opened and asked for.  Shared state is in ``hv``."""

    hv: Hypervisor
    id: int = 0
    transport: str = "tcp"  # "tcp" or "unix": decides virConnectIsSecure
    driver: QemuDriver | None = None
    readonly: bool = False  # the open connection is read-only (dispatch applies Procedure.read_only)
    readonly_listener: bool = False  # accepted on a --listen-readonly socket: read-only whatever it asks
    # A second CONNECT_OPEN dropped the hypervisor driver; libvirtd keeps the secondary ones
    # (storage, network, ...) that the first open shared, so their calls still work.
    hypervisor_dropped: bool = False
    close_callback: bool = False
    event_callbacks: dict[int, Any] = field(default_factory=dict)  # callbackID -> EventCallback
    # the event registrations of the secondary drivers' objects (handlers/object_events.py):
    # family ("storage_pool", "network", "secret", "nodedev") -> callbackID -> callback
    family_callbacks: dict[str, dict[int, Any]] = field(default_factory=dict)
    last_callback_id: int = 0

    @property
    def opened(self) -> QemuDriver:
        """The open driver (dispatch guarantees one for handlers not marked before_open)."""
        assert self.driver is not None
        return self.driver
