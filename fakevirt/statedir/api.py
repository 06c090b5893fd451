"""The public API without a wire: calls a handler as a client's call would, for reading objects the
way virsh shows them and for loading them the way a client defines them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protocol import PROCEDURES, NonnullDomain, Proc, Program

from ..handlers import HANDLERS, Client, Outcome

if TYPE_CHECKING:
    from ..model.domain import Domain
    from ..model.hypervisor import Hypervisor, QemuDriver


class LocalApi:
    """``api("DOMAIN_GET_XML_DESC", dom=..., flags=...)``: the handler's ret, or its VirtError."""

    def __init__(self, hv: Hypervisor, driver: QemuDriver | None = None) -> None:
        self.client = Client(hv, id=0, transport="unix", driver=driver if driver is not None else hv.system)

    def __call__(self, name: str, **args: Any) -> Any:
        key = (Program.REMOTE, Proc[name])
        args_type = PROCEDURES[key].args
        ret = HANDLERS[key].fn(self.client, args_type(**args) if args_type is not None else None)
        return ret.ret if isinstance(ret, Outcome) else ret


def domain_handle(dom: Domain) -> NonnullDomain:
    return NonnullDomain(name=dom.name, uuid=dom.uuid.bytes, id=dom.id)
