"""Host interface XML as virInterfaceDefFormat writes what the udev backend read (no addresses:
the backend does not read them)."""

from __future__ import annotations

from ..model.interface import HostInterface
from .fmt import escape


def _link(iface: HostInterface) -> str:
    """virNetDevGetLinkInfo reads the speed only of a link that is up."""
    speed = f" speed='{iface.speed}'" if iface.speed is not None and iface.operstate == "up" else ""
    return f"<link{speed} state='{iface.operstate}'/>"


def _device(iface: HostInterface, ports: list[HostInterface], indent: str, top: bool) -> list[str]:
    lines = [f"{indent}<interface type='{iface.kind}' name='{escape(iface.name)}'>"]
    inner = indent + "  "
    if top:
        lines.append(f"{inner}<mtu size='{iface.mtu}'/>")
    if iface.kind == "bridge":
        lines.append(f"{inner}<bridge stp='{'on' if iface.stp else 'off'}' delay='{iface.delay}'>")
        for port in ports:
            lines += _device(port, [], inner + "  ", top=False)
        lines.append(f"{inner}</bridge>")
    else:
        lines.append(inner + _link(iface))
        lines.append(f"{inner}<mac address='{iface.mac}'/>")
    lines.append(f"{indent}</interface>")
    return lines


def format_interface_xml(iface: HostInterface, ports: list[HostInterface]) -> str:
    return "\n".join(_device(iface, ports, "", top=True)) + "\n"
