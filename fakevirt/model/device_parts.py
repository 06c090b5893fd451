"""Parts of devices that other object families read: a NIC's bandwidth and filter, a disk's secrets."""

from __future__ import annotations

import copy
import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .devices import RawElement


# virNetDevBandwidthRateFormat's order; a rate is in kbytes/s (burst in kbytes)
RATE_ATTRS = ("average", "peak", "floor", "burst")


@dataclass
class Bandwidth:
    """An interface's <bandwidth>: the inbound and outbound rates (RATE_ATTRS -> value), None when unset."""

    inbound: dict[str, int] | None = None
    outbound: dict[str, int] | None = None


@dataclass
class FilterRef:
    """An interface's <filterref>: the nwfilter it instantiates and its parameters (name, value), as given."""

    filter: str | None = None
    parameters: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SecretRef:
    """The <secret type=… uuid=…|usage=…/> of an <auth> or <encryption>."""

    type: str | None = None
    uuid: str | None = None
    usage: str | None = None


@dataclass
class DiskAuth:
    """A disk's <auth>: the user and the secret it logs in with; in_source: written under <source>."""

    username: str | None = None
    secret: SecretRef | None = None
    in_source: bool = False


@dataclass
class DiskEncryption:
    """A disk's <encryption>: format, engine, its secrets, and the rest (cipher, ivgen) kept as given."""

    format: str | None = None
    engine: str | None = None
    secrets: list[SecretRef] = field(default_factory=list)
    others: list[RawElement] = field(default_factory=list)
    in_source: bool = False


@dataclass
class HostdevSource:
    """What a <hostdev mode='subsystem'> with a <source> names on the host.

    pci: the (domain, bus, slot, function) of its <address>; mdev_uuid: a mediated device's; usb_*: the
    vendor/product ids and bus/device numbers given (0: not given). found_usb: the (bus, device) a start
    found a vendor/product-only USB device at, shown in the live definition's <source>.
    """

    type: str | None = None
    managed: bool = False
    required: bool = True  # startupPolicy is not 'optional'
    pci: tuple[int, int, int, int] | None = None
    mdev_uuid: str | None = None
    usb_vendor: int = 0
    usb_product: int = 0
    usb_bus: int = 0
    usb_device: int = 0
    found_usb: tuple[int, int] | None = None


@dataclass
class BackingStore:
    """One <backingStore> of a disk's chain: the image below the one above it, and its own backing.

    ``type`` None is the empty ``<backingStore/>`` that ends a detected chain.  ``source`` is the
    path (file/dir), device (block) or name (network); ``source_attrs`` its other attributes and
    ``source_children`` its kept children (hosts, …); ``others``: children libvirt keeps verbatim.
    """

    type: str | None = None
    index: int | None = None
    format: str | None = None
    source: str | None = None
    source_attrs: dict[str, str] = field(default_factory=dict)
    source_children: list[RawElement] = field(default_factory=list)
    others: list[RawElement] = field(default_factory=list)
    backing: BackingStore | None = None
    volume_path: str | None = None  # type='volume' in a live chain: the volume's file (never formatted)

    @property
    def image_path(self) -> str | None:
        """The node's file as the image store names it (normalised); a volume's once translated."""
        path = self.volume_path if self.type == "volume" else self.source
        return posixpath.normpath(path) if path else None

    @property
    def is_end(self) -> bool:
        return self.type is None

    def nodes(self) -> list[BackingStore]:
        """This node and the ones below it that name an image (the end marker left out)."""
        out: list[BackingStore] = []
        node: BackingStore | None = self
        while node is not None and not node.is_end:
            out.append(node)
            node = node.backing
        return out

    def last(self) -> BackingStore:
        node = self
        while node.backing is not None:
            node = node.backing
        return node

    def copy(self, *, index: bool = True) -> BackingStore:
        """A deep copy made without recursion (a given chain nests as deep as the parser allows);
        ``index=False``: without node indexes (what an inactive definition shows)."""
        nodes: list[BackingStore] = []
        node: BackingStore | None = self
        while node is not None:
            nodes.append(node)
            node = node.backing
        below: BackingStore | None = None
        for n in reversed(nodes):
            below = BackingStore(n.type, n.index if index else None, n.format, n.source, dict(n.source_attrs),
                                 copy.deepcopy(n.source_children), copy.deepcopy(n.others), below,
                                 n.volume_path)
        assert below is not None
        return below

    def __deepcopy__(self, memo: dict[int, object]) -> BackingStore:
        return self.copy()


def chain_of(images: list[tuple[str, str, int | None]]) -> BackingStore:
    """The detected <backingStore> chain of (path, format, index) files, top first, with its end."""
    below = BackingStore()
    for path, fmt, index in reversed(images):
        below = BackingStore("file", index, fmt, path, backing=below)
    return below


@dataclass
class Mirror:
    """A disk's <mirror> while a block copy or an active commit runs (shown in the live XML only).

    job: 'copy' or 'active-commit'; path/format/index: the image being written (the copy's
    destination, the active commit's base); state: None, 'yes' (ready), 'abort' or 'pivot';
    backing: what libvirt knows of the image's chain: None (not shown: a new shallow copy or the
    commit's base), the end marker (a new full copy), or the detected chain of a reused file.
    """

    job: str
    path: str
    format: str | None
    index: int
    type: str = "file"
    state: str | None = None
    backing: BackingStore | None = None
