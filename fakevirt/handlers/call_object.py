"""The object a call acts on, from its decoded arguments: what faults match and the calls log shows.

Driven by the argument types (``remote_nonnull_domain`` gives ``domain`` and ``uuid``, a volume
gives ``vol``, ``pool`` and ``path`` …), not by procedure; the one exception is a lookup by name
or UUID, whose plain ``name``/``uuid`` argument names an object of the procedure's family.
Lists (a bulk stats call's domains) are not walked: that would cost what the client chose.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from protocol import (
    NonnullDomain,
    NonnullDomainCheckpoint,
    NonnullDomainSnapshot,
    NonnullNetwork,
    NonnullStoragePool,
    NonnullStorageVol,
    Procedure,
)
from protocol.remote.interface import NonnullInterface
from protocol.remote.network import NonnullNetworkPort
from protocol.remote.nodedev import NonnullNodeDevice
from protocol.remote.nwfilter import NonnullNwfilter, NonnullNwfilterBinding
from protocol.remote.secret import NonnullSecret

CallObject = dict[str, str]


def _uuid(raw: bytes) -> str:
    return str(uuid.UUID(bytes=raw)) if len(raw) == 16 else raw.hex()


def _named(key: str) -> Callable[[Any, CallObject], None]:
    def put(v: Any, out: CallObject) -> None:
        out.setdefault(key, v.name)
        if hasattr(v, "uuid"):
            out.setdefault("uuid", _uuid(v.uuid))
    return put


def _vol(v: NonnullStorageVol, out: CallObject) -> None:
    out.setdefault("vol", v.name)
    out.setdefault("pool", v.pool)
    out.setdefault("path", v.key)


def _child(key: str) -> Callable[[Any, CallObject], None]:
    """A snapshot or checkpoint: its name, and its domain."""
    def put(v: Any, out: CallObject) -> None:
        out.setdefault(key, v.name)
        _named("domain")(v.dom, out)
    return put


def _port(v: NonnullNetworkPort, out: CallObject) -> None:
    out.setdefault("port", _uuid(v.uuid))
    _named("network")(v.net, out)


def _secret(v: NonnullSecret, out: CallObject) -> None:
    out.setdefault("secret", _uuid(v.uuid))
    out.setdefault("uuid", out["secret"])
    if v.usageID:
        out.setdefault("usage", v.usageID)


def _interface(v: NonnullInterface, out: CallObject) -> None:
    out.setdefault("interface", v.name)
    out.setdefault("mac", v.mac)


def _binding(v: NonnullNwfilterBinding, out: CallObject) -> None:
    out.setdefault("binding", v.portdev)
    out.setdefault("nwfilter", v.filtername)


_BY_TYPE: dict[type, Callable[[Any, CallObject], None]] = {
    NonnullDomain: _named("domain"), NonnullNetwork: _named("network"), NonnullStoragePool: _named("pool"),
    NonnullStorageVol: _vol, NonnullDomainSnapshot: _child("snapshot"), NonnullDomainCheckpoint: _child("checkpoint"),
    NonnullNetworkPort: _port, NonnullSecret: _secret, NonnullNodeDevice: _named("nodedev"),
    NonnullInterface: _interface, NonnullNwfilter: _named("nwfilter"), NonnullNwfilterBinding: _binding,
}

# the family of a X_LOOKUP_BY_NAME procedure, longest prefix first
_FAMILIES = (("DOMAIN_SNAPSHOT_", "snapshot"), ("DOMAIN_CHECKPOINT_", "checkpoint"), ("DOMAIN_", "domain"),
             ("STORAGE_POOL_", "pool"), ("STORAGE_VOL_", "vol"), ("NETWORK_PORT_", "port"), ("NETWORK_", "network"),
             ("NODE_DEVICE_", "nodedev"), ("INTERFACE_", "interface"), ("NWFILTER_BINDING_", "binding"),
             ("NWFILTER_", "nwfilter"),
             ("SECRET_", "secret"))
# a lookup's plain argument -> the key it fills (the family's own key for "name")
_LOOKUP_ARGS = {"name": None, "uuid": "uuid", "path": "path", "key": "path", "usageID": "usage", "mac": "mac"}


def _lookup_keys(proc: Procedure) -> tuple[tuple[str, str], ...]:
    if "_LOOKUP_BY_" not in proc.name or proc.args is None:
        return ()
    family = next((key for prefix, key in _FAMILIES if proc.name.startswith(prefix)), None)
    if family is None:
        return ()
    fields = getattr(proc.args, "__struct_fields__", ())
    keys = []
    for arg in fields:
        if arg in _LOOKUP_ARGS:
            target = _LOOKUP_ARGS[arg] or family
            if arg == "uuid" and family in ("secret", "port"):
                target = family
            keys.append((arg, target))
    return tuple(keys)


_lookups: dict[tuple[int, int], tuple[tuple[str, str], ...]] = {}


def call_object(proc: Procedure, value: object) -> CallObject:
    """``{"domain": "vm1", "uuid": "…"}``, ``{"vol": …, "pool": …, "path": …}``… of a call's args (or a reply)."""
    out: CallObject = {}
    fields = getattr(type(value), "__struct_fields__", None)
    if fields is None:
        return out
    for name in fields:
        v = getattr(value, name)
        put = _BY_TYPE.get(type(v))
        if put is not None:
            put(v, out)
    key = (proc.program, proc.number)
    lookups = _lookups.get(key)
    if lookups is None:
        lookups = _lookups[key] = _lookup_keys(proc)
    for arg, target in lookups:
        v = getattr(value, arg, None)
        if isinstance(v, bytes):
            v = _uuid(v)
        if isinstance(v, str):
            out.setdefault(target, v)
            if target == "secret":
                out.setdefault("uuid", v)
    return out
