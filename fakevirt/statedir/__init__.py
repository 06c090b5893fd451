"""``fakevirt serve --state DIR``: the host kept in DIR in libvirt's own layout (see README).

``StateWriter`` says which files a call changed, ``files.apply`` makes them durable, ``load_state``
brings a directory back; ``load_etc_libvirt`` defines what a directory laid out like /etc/libvirt
holds. The disk I/O lives here, never in the model.
"""

from __future__ import annotations

from .files import Plan, apply
from .loader import Loaded, LoadError, autostart, load_etc_libvirt, load_state, read_host_state
from .writer import StateWriter

__all__ = ["LoadError", "Loaded", "Plan", "StateWriter", "apply", "autostart", "load_etc_libvirt", "load_state",
           "read_host_state"]
