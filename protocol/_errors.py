"""Errors: wire violations (close the connection) and libvirt errors (an error reply, connection kept)."""

from __future__ import annotations

from typing import Self

from ._common import OptDomain, OptNetwork, OptString
from ._errorcodes import MESSAGE_TEMPLATES, ErrorCode, ErrorDomain
from ._xdr import Int, struct

ERR_LEVEL_ERROR = 2


class ProtocolError(Exception):
    """The byte stream broke the RPC protocol; the connection cannot go on."""


class LocalProtocolError(ProtocolError):
    """We were asked to send something the protocol does not allow."""


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol does not allow."""


class UnencodablePayload(LocalProtocolError):
    """A message's payload cannot be encoded (a value out of range, over a limit, or over the frame
    size). Nothing was emitted, so the engine stays usable: the caller answers or drops instead."""


@struct
class WireError:
    """virNetMessageError / remote_error: the payload of an error reply."""

    code: Int
    domain: Int
    message: OptString
    level: Int
    dom: OptDomain  # libvirtd always sends these two absent
    str1: OptString
    str2: OptString
    str3: OptString
    int1: Int
    int2: Int
    net: OptNetwork


def format_message(code: int, detail: str | None) -> str:
    """The text libvirt shows for an error code, with or without its detail (virErrorMsg)."""
    plain, with_info = MESSAGE_TEMPLATES.get(code, ("unknown error", "%s"))
    if detail is None:
        return plain
    return with_info.replace("%s", detail, 1)


class LibvirtError(Exception):
    """A libvirt API error: code (virErrorNumber), domain (virErrorDomain) and the full message.

    The one way to raise an error a client sees.  Build it with ``LibvirtError.report(code,
    domain, detail)`` to get libvirt's own wording, as virReportError does.
    """

    def __init__(self, code: int, domain: int, message: str, *, level: int = ERR_LEVEL_ERROR,
                 template: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.code = ErrorCode(code) if code in ErrorCode._value2member_map_ else code
        self.domain = ErrorDomain(domain) if domain in ErrorDomain._value2member_map_ else domain
        self.message = message
        self.level = level
        self.template = template
        self.detail = detail

    @classmethod
    def report(cls, code: int, domain: int, detail: str | None = None) -> Self:
        """The error virReportError(code, "%s", detail) makes in a file with VIR_FROM_THIS=domain."""
        plain, with_info = MESSAGE_TEMPLATES.get(code, ("unknown error", "%s"))
        return cls(code, domain, format_message(code, detail),
                   template=plain if detail is None else with_info, detail=detail)

    def to_wire(self) -> WireError:
        return WireError(code=int(self.code), domain=int(self.domain), message=self.message,
                         level=self.level, dom=None, str1=self.template, str2=self.detail, str3=None,
                         int1=-1, int2=-1, net=None)

    @classmethod
    def from_wire(cls, e: WireError) -> Self:
        return cls(e.code, e.domain, e.message or "", level=e.level, template=e.str1, detail=e.str2)

    def __repr__(self) -> str:
        return f"LibvirtError({self.code!r}, {self.domain!r}, {self.message!r})"
