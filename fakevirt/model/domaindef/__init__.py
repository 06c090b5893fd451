"""A domain's definition and the QEMU driver's rules for it.

``definition`` holds the data (virDomainDef); ``normalize`` completes what the XML parser returns
(defaults, addresses, validation); ``edit`` attaches, detaches and updates devices; ``live``
prepares the definition of a starting domain.  The address and default rules behind them live
in ``postparse``, ``devdefaults``, ``pci*`` and ``usb``.  Nothing here reads or writes XML.
"""

from __future__ import annotations

from .definition import LLONG_MAX, MEMORY_KIB_LIMIT, UINT_MAX, ULLONG_MAX, CpuDef, CpuFeature, DomainDef
from .edit import attach_device, detach_device, update_device
from .live import prepare_live
from .normalize import normalize, normalize_device
from .validate import validate_def

__all__ = ["LLONG_MAX", "MEMORY_KIB_LIMIT", "UINT_MAX", "ULLONG_MAX", "CpuDef", "CpuFeature", "DomainDef", "attach_device",
           "detach_device", "normalize", "normalize_device", "prepare_live", "update_device", "validate_def"]
