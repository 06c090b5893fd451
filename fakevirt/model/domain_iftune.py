"""virDomainGet/SetInterfaceParameters (``virsh domiftune``): the <bandwidth> of one NIC.

The values live in the interface's <bandwidth> element of the live and/or persistent definition,
so dumpxml shows what was set.  inbound needs an average or a floor and outbound an average:
without one, that direction is cleared.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import ErrorDomain, check_flags
from ..errors import domain as errors
from ..errors import network as net_errors
from .device_parts import RATE_ATTRS, Bandwidth
from .devices import Interface
from .flags.domain import DomainModificationImpact
from .flags.node import TypedParameterFlags, TypedParamType
from .typedparams import Param, validate

if TYPE_CHECKING:
    from .domain import Domain
    from .domain_settings import DomainSettings
    from .domaindef import DomainDef

AFFECT_LIVE, AFFECT_CONFIG = DomainModificationImpact.AFFECT_LIVE, DomainModificationImpact.AFFECT_CONFIG
# in the order qemuDomainGetInterfaceParameters reports them
FIELDS = ("inbound.average", "inbound.peak", "inbound.burst", "inbound.floor",
          "outbound.average", "outbound.peak", "outbound.burst")
_MAC = re.compile(r"[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}")
_QOS_TYPES = ("bridge", "network", "direct", "ethernet")  # virNetDevSupportsBandwidth
Rate = dict[str, int]


def find_interface(d: DomainDef, device: str) -> Interface:
    """virDomainNetFind: by MAC address when ``device`` parses as one, else by host-side name."""
    if _MAC.fullmatch(device):
        want = [int(x, 16) for x in device.split(":")]
        found = next((i for i in d.interfaces if i.mac and [int(x, 16) for x in i.mac.split(":")] == want), None)
    else:
        found = next((i for i in d.interfaces if i.target_dev == device), None)
    if found is None:
        raise errors.unknown_interface(device)
    return found


def bandwidth(iface: Interface) -> tuple[Rate | None, Rate | None]:
    """The inbound and outbound rates of an interface's <bandwidth> (None: not set), every attribute filled."""
    bw = iface.bandwidth or Bandwidth()

    def filled(rate: Rate | None) -> Rate | None:
        return {k: rate.get(k, 0) for k in RATE_ATTRS} if rate is not None else None
    return filled(bw.inbound), filled(bw.outbound)


def _set_bandwidth(iface: Interface, inbound: Rate | None, outbound: Rate | None) -> None:
    # libvirt keeps an emptied <bandwidth> as an empty element; it is dropped here
    iface.bandwidth = Bandwidth(inbound, outbound) if inbound is not None or outbound is not None else None


def get_interface_parameters(settings: DomainSettings, dom: Domain, device: str, nparams: int,
                             flags: int) -> tuple[list[Param], int]:
    """qemuDomainGetInterfaceParameters: nparams 0 asks only for the count (and finds no device)."""
    check_flags("qemuDomainGetInterfaceParameters", flags,
                AFFECT_LIVE | AFFECT_CONFIG | TypedParameterFlags.STRING_OKAY)
    d = settings.config_or_live(dom, int(flags) & (AFFECT_LIVE | AFFECT_CONFIG))
    if nparams == 0:
        return [], len(FIELDS)
    inbound, outbound = bandwidth(find_interface(d, device))
    out: list[Param] = []
    for name in FIELDS[:nparams]:
        side, key = name.split(".")
        rate = inbound if side == "inbound" else outbound
        out.append((name, TypedParamType.UINT, rate.get(key, 0) if rate else 0))
    return out, len(out)


def set_interface_parameters(settings: DomainSettings, dom: Domain, device: str, params: list[Param],
                             flags: int) -> None:
    """qemuDomainSetInterfaceParameters: the given direction replaces the old one, the other stays."""
    check_flags("qemuDomainSetInterfaceParameters", flags, AFFECT_LIVE | AFFECT_CONFIG)
    validate(params, dict.fromkeys(FIELDS, TypedParamType.UINT))
    defs = settings.defs_for(dom, flags)
    nics = [(d, find_interface(d, device)) for d in defs]
    unsupported = next((nic.type for _, nic in nics if nic.type not in _QOS_TYPES), None)
    if unsupported is not None:  # a network's ports are all bridge or direct plugs here
        raise errors.bandwidth_unsupported(unsupported)
    given = {name: int(value) for name, _kind, value in params}  # type: ignore[call-overload]
    new: dict[str, Rate | None] = {}
    specified: dict[str, bool] = {}
    for side, needed in (("inbound", ("average", "floor")), ("outbound", ("average",))):
        rate = {k: given.get(f"{side}.{k}", 0) for k in RATE_ATTRS if f"{side}.{k}" in FIELDS}
        new[side] = rate if any(rate.get(k) for k in needed) else None
        specified[side] = any(f"{side}.{k}" in given for k in needed)
    for d, nic in nics:
        old_in, old_out = bandwidth(nic)
        inbound = new["inbound"] if new["inbound"] or specified["inbound"] else old_in
        outbound = new["outbound"] if new["outbound"] or specified["outbound"] else old_out
        if d is dom.live:
            _update_live(settings, nic, (old_in or {}).get("floor", 0), inbound, outbound)
        _set_bandwidth(nic, inbound, outbound)


def _update_live(settings: DomainSettings, nic: Interface, old_floor: int, inbound: Rate | None,
                 outbound: Rate | None) -> None:
    """virDomainNetBandwidthUpdate for a NIC on a network; elsewhere a floor has nothing to rely on."""
    if nic.type == "network":
        settings.driver.hypervisor.networks.update_interface_bandwidth(nic, old_floor, inbound, outbound)
    elif inbound and inbound.get("floor"):
        raise net_errors.floor_unsupported(nic.mac or "", ErrorDomain.QEMU)
