"""Procedure handlers, one module per API family; importing this package registers them all."""

from __future__ import annotations

from . import (
    agent,
    backup,
    blockjob,
    blockjob_copy,
    checkpoint,
    connect,
    console,
    domain,
    domain_block,
    domain_config,
    domain_guest,
    domain_more,
    domain_stats,
    domain_tuning,
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

__all__ = ["HANDLERS", "NOTHING", "RELAYS", "Relay", "relay", "Client", "blockjob", "blockjob_copy", "DownloadStream", "Handler", "Outcome", "Stream", "UploadStream", "connect", "domain", "domain_config", "domain_stats", "events", "interface", "network", "node", "nodedev", "nodedev_events", "nwfilter", "procedure", "secret", "snapshot", "storage", "domain_block", "checkpoint", "backup", "agent", "domain_guest", "domain_more", "domain_tuning", "DuplexEnd", "DuplexStream", "console", "qemu"]
