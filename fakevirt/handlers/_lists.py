"""List calls: libvirtd's bound checks for the legacy ones (virConnectList*, …) and ListAll*."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..errors import VirtError
from ..errors import connect as err

T = TypeVar("T")


def check_max(argname: str, value: int, limit: int, limit_name: str) -> None:
    """remoteDispatch*: a list call asking for more than the protocol can carry is refused."""
    if value > limit:
        raise VirtError.rpc(f"{argname} > REMOTE_{limit_name}")


def legacy_list(found: Callable[[], Sequence[T]], maxnames: int, limit: int, limit_name: str,
                argname: str = "maxnames") -> tuple[T, ...]:
    """The legacy list calls (virConnectListNetworks, ...): refused past the protocol's limit before
    anything is looked up, then at most ``maxnames`` of what ``found()`` returns."""
    check_max(argname, maxnames, limit, limit_name)
    return tuple(found()[: max(maxnames, 0)])


def list_all(kind: str, found: Sequence[T], limit: int, need_results: int,
             handles: Callable[[Sequence[T]], tuple[Any, ...]]) -> tuple[Any, ...]:
    """The ListAll* dispatchers (gendispatch.pl): refused past the protocol's limit, whether or not
    the client asked for the handles; then the handles, or none when it asked only for the count.
    ``kind`` is the handle type's name as the generated text has it (``node_device``, ``storage_pool``)."""
    if len(found) > limit:
        raise err.too_many_listed(kind, len(found), limit)
    return handles(found) if need_results else ()
