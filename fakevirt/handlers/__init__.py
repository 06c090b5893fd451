"""Procedure handlers, one module per API family; importing this package registers them all."""

from __future__ import annotations

from . import (
    agent,
    connect,
    console,
    domain,
    domain_config,
    domain_stats,
    events,
    interface,
    network,
    node,
    nodedev,
    nodedev_events,
    nwfilter,
    qemu,
    secret,
    snapshot,
    storage,
)
from ._client import Client
from ._registry import HANDLERS, RELAYS, Handler, Relay, procedure, relay
from ._streams import DownloadStream, DuplexEnd, DuplexStream, Stream, UploadStream
from .outcome import NOTHING, Outcome

__all__ = ["HANDLERS", "agent", "NOTHING", "RELAYS", "Relay", "relay", "Client", "DownloadStream", "DuplexEnd", "DuplexStream", "Handler", "Outcome", "Stream", "UploadStream", "connect", "console", "domain", "domain_config", "domain_stats", "events", "interface", "network", "node", "nodedev", "nodedev_events", "nwfilter", "procedure", "qemu", "secret", "snapshot", "storage"]
