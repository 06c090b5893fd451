"""fakevirt: an in-memory libvirt/QEMU emulator that real libvirt clients talk to."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
