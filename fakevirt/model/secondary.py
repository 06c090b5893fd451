"""What ``network:///system``, ``storage:///system``, ``nodedev:///system``, ``secret:///system``,
``nwfilter:///system`` and ``interface:///system`` open in a monolithic libvirtd 9.0: a connection
bound to that one secondary driver.  It sees the same objects as ``qemu:///system``; every call of
another family (a domain call included) answers "this function is not supported by the connection
driver", and virConnectGetType names the driver.
"""

from __future__ import annotations

import re

SECONDARY_SCHEMES = ("network", "storage", "nodedev", "secret", "nwfilter", "interface")
# the RPC-level features libvirtd answers itself (keepalive, close and event callbacks)
SECONDARY_FEATURES = frozenset({8, 14, 15})
# what the secondary drivers' connectOpen handlers answer besides libvirtd itself
_COMMON = frozenset({"virConnectOpen", "virConnectClose", "virConnectGetURI", "virConnectGetLibVersion",
                     "virConnectGetType", "virConnectIsAlive", "virConnectIsSecure", "virConnectIsEncrypted",
                     "virConnectSupportsFeature", "virConnectRegisterCloseCallback",
                     "virConnectUnregisterCloseCallback"})
_FAMILIES = {
    "network": re.compile(r"virNetwork|virConnect\w*Networks?\b|virConnectNetwork"),
    "storage": re.compile(r"virStorage|virConnect\w*StoragePool"),
    "nodedev": re.compile(r"virNodeDevice|virConnect\w*NodeDevice|virNode(NumOf|List)Devices"),
    "secret": re.compile(r"virSecret|virConnect\w*Secret"),
    "nwfilter": re.compile(r"virNWFilter|virConnect\w*NWFilter"),
    "interface": re.compile(r"virInterface|virConnect\w*Interfaces?\b"),
}


_EXTRA = {"storage": frozenset({"virConnectGetCapabilities"})}  # storageConnectGetCapabilities: its pool types
# the storage backends of Debian's libvirt-daemon-driver-storage 9.0 (storage:///system's capabilities)
STORAGE_POOL_TYPES = ("dir", "fs", "netfs", "logical", "iscsi", "scsi", "mpath", "disk")


def secondary_supports(scheme: str, api: str | None) -> bool:
    """Whether a ``scheme:///system`` connection serves the public API ``api`` (None: RPC-level)."""
    return (api is None or api in _COMMON or api in _EXTRA.get(scheme, ())
            or _FAMILIES[scheme].match(api) is not None)
