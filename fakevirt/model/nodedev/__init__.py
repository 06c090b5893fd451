"""Node devices: the synthetic host's device tree, the node device driver and host-device assignment."""

from __future__ import annotations

from .caps import MdevType, PciAddress
from .events import NodeDeviceEvent, NodeDeviceEventID, NodeDeviceEventLifecycleType
from .state import NodeDevices
from .tree import NodeDevice

__all__ = ["MdevType", "NodeDevice", "NodeDeviceEvent", "NodeDeviceEventID", "NodeDeviceEventLifecycleType",
           "NodeDevices", "PciAddress"]
