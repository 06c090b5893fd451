"""``fakevirt serve --preload node.xml``: a test-driver node file's objects in the QEMU driver.

Each object goes through the same calls a client would make (define, then start unless the node
says it is shut off), so the QEMU driver's defaults and checks apply: a domain that names a disk
image the host does not have fails its start as it would for a client.  Interfaces and node devices
belong to the host itself (udev's view), so a node file's ones are not loaded there.
"""

from __future__ import annotations

from ..domain import State
from ..hypervisor import QemuDriver
from ..storage_defs import Perms
from .node import SHUTOFF, NodeDefinition


def preload(driver: QemuDriver, node: NodeDefinition) -> list[str]:
    """Load ``node`` into ``driver`` and its host; returns what was left out, one line each."""
    hv = driver.hypervisor
    for p in node.pools:
        hv.storage.dirs.setdefault(p.pool.target, Perms(0o755))  # the node's pools have their directories
        pool = hv.storage.define(p.pool)
        hv.storage.start(pool)
        for vol in p.volumes:
            hv.storage.vol_create(pool, vol)
    for net in node.networks:
        hv.networks.start(hv.networks.define(net))
    for entry in node.domains:
        d = driver.domains.complete_definition(entry.definition)
        if entry.transient:
            dom = driver.domains.create_transient(d)
        else:
            dom = driver.domains.define(d)
            if entry.runstate != SHUTOFF:
                driver.domains.start(dom)
        if entry.runstate == State.PAUSED:
            driver.domains.suspend(dom)
    return [f"interface {i.name}: the QEMU driver's host interfaces are the host's own" for i in node.interfaces] + [
        f"node device {d.name}: the QEMU driver's node devices are the host's own" for d in node.devices]

