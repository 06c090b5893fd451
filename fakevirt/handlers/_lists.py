"""The legacy list calls (virConnectList*, virStoragePoolListVolumes, …): libvirtd's bound check."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import VirtError


def check_max(argname: str, value: int, limit: int, limit_name: str) -> None:
    """remoteDispatch*: a list call asking for more than the protocol can carry is refused."""
    if value > limit:
        raise VirtError.rpc(f"{argname} > REMOTE_{limit_name}")


def first_names(names: Sequence[str], maxnames: int) -> tuple[str, ...]:
    """At most ``maxnames`` of ``names`` (after check_max, which the dispatcher does first)."""
    return tuple(names[: max(maxnames, 0)])
