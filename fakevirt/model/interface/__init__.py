"""The host's network interfaces as libvirt 9.0's udev interface backend sees them.

The backend only reads sysfs: an interface is active when its ``operstate`` is ``up``; lists skip
bridge ports and tap devices; ``virInterfaceDefineXML`` and the other changes are not supported (so
their procedures stay unhandled). Networks add and remove their bridges here
(``add_bridge``/``remove_bridge``) and plug their guests' taps into them (``attach_port``/
``detach_port``); each change is also a node device appearing or going (``on_change``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ...errors import interface as err
from ..flags.interface import ConnectListAllInterfacesFlags, InterfaceXMLFlags
from ..host import HostInfo

UNKNOWN_SPEED = 4294967295  # (unsigned) -1: a link whose speed the driver does not know


@dataclass
class HostInterface:
    """One net-class device in sysfs: what udev and virNetDevGetLinkInfo read."""

    name: str
    mac: str
    kind: str = "ethernet"  # "ethernet" or "bridge" (udev's devtype)
    mtu: int = 1500
    operstate: str = "up"  # "up", "down" or "unknown"
    speed: int | None = None  # Mb/s, only for a link that is up
    sysfs_parent: str = "/sys/devices/virtual"  # the device the net class device hangs under
    tap: bool = False  # a tun/tap device (has tun_flags): never listed
    bridge: str | None = None  # the bridge it is a port of (has brport/state): never listed
    stp: bool = True
    delay: int = 0  # bridge/forward_delay
    ports: list[str] = field(default_factory=list)
    features: tuple[str, ...] = ("rx", "tx", "sg", "tso", "gso", "gro")

    @property
    def active(self) -> bool:
        return self.operstate == "up"

    @property
    def listed(self) -> bool:
        return not self.tap and self.bridge is None

    @property
    def syspath(self) -> str:
        return f"{self.sysfs_parent}/net/{self.name}"


ChangeHook = Callable[[HostInterface, bool], None]  # (interface, appeared)


class HostInterfaces:
    """Every net device of the synthetic host, in sysfs (udev enumeration) order."""

    def __init__(self, host: HostInfo) -> None:
        self._ifaces: dict[str, HostInterface] = {}
        self.on_change: list[ChangeHook] = []
        pci = host.nic_pci_address
        self._add(HostInterface(host.nic_name, host.nic_mac, speed=1000,
                                sysfs_parent=f"/sys/devices/pci{pci[:7]}/{pci}"))
        self._add(HostInterface("lo", "00:00:00:00:00:00", mtu=65536, operstate="unknown"))

    def __iter__(self) -> Iterator[HostInterface]:
        return iter(sorted(self._ifaces.values(), key=lambda i: i.syspath))

    def get(self, name: str) -> HostInterface | None:
        return self._ifaces.get(name)

    def _add(self, iface: HostInterface) -> HostInterface:
        self._ifaces[iface.name] = iface
        for hook in self.on_change:
            hook(iface, True)
        return iface

    def _remove(self, name: str) -> None:
        iface = self._ifaces.pop(name, None)
        if iface is not None:
            for hook in self.on_change:
                hook(iface, False)

    # --- what the network driver does to the host -------------------------------------------

    def add_bridge(self, name: str, mac: str, *, stp: bool = True, delay: int = 0, mtu: int = 1500) -> None:
        """A network started: its bridge exists, down until a port is plugged in."""
        self._add(HostInterface(name, mac, kind="bridge", mtu=mtu, operstate="down", stp=stp, delay=delay,
                                features=("sg", "tso", "gso", "gro", "txvlan", "txudptnl")))

    def remove_bridge(self, name: str) -> None:
        """A network stopped: its bridge and the taps still on it are gone."""
        bridge = self._ifaces.get(name)
        if bridge is None:
            return
        for port in list(bridge.ports):
            self.detach_port(port)
        self._remove(name)

    def attach_port(self, bridge: str, tap: str, mac: str, mtu: int = 1500) -> None:
        """A guest's tap ``tap`` (MAC ``mac``, e.g. fe:54:00:…) plugged into ``bridge``; the bridge goes up."""
        self._add(HostInterface(tap, mac, mtu=mtu, operstate="unknown", tap=True, bridge=bridge))
        br = self._ifaces[bridge]
        br.ports.append(tap)
        br.operstate = "up"

    def detach_port(self, tap: str) -> None:
        """The tap is gone; a bridge left without ports goes down."""
        iface = self._ifaces.get(tap)
        if iface is None:
            return
        br = self._ifaces.get(iface.bridge or "")
        if br is not None:
            br.ports.remove(tap)
            br.operstate = "up" if br.ports else "down"
        self._remove(tap)

    # --- the udev backend's API ----------------------------------------------------------------

    def by_name(self, name: str) -> HostInterface:
        """udevInterfaceLookupByName: any net device, listed or not."""
        iface = self._ifaces.get(name)
        if iface is None:
            raise err.no_interface_name(name)
        return iface

    def by_mac(self, mac: str) -> HostInterface:
        """udevInterfaceLookupByMACString: among the listed devices, by their exact address text."""
        found = [i for i in self if i.listed and i.mac == mac]
        if not found:
            raise err.no_interface_mac(mac)
        if len(found) > 1:
            raise err.multiple_interfaces(mac)
        return found[0]

    def names(self, operstate: str) -> list[str]:
        """virConnectListInterfaces ("up") and virConnectListDefinedInterfaces ("down"): an
        interface whose operstate is "unknown" (lo) is in neither."""
        return [i.name for i in self if i.listed and i.operstate == operstate]

    def list_all(self, flags: int) -> list[HostInterface]:
        err.check_flags("udevConnectListAllInterfaces", flags, ConnectListAllInterfacesFlags.ACTIVE
                        | ConnectListAllInterfacesFlags.INACTIVE)
        want_active = bool(flags & ConnectListAllInterfacesFlags.ACTIVE)
        want_inactive = bool(flags & ConnectListAllInterfacesFlags.INACTIVE)
        return [i for i in self if i.listed and (want_active == want_inactive or i.active == want_active)]

    def describe(self, name: str, flags: int) -> tuple[HostInterface, list[HostInterface]]:
        """udevInterfaceGetXMLDesc: the interface and, for a bridge, its ports (read from sysfs)."""
        err.check_flags("udevInterfaceGetXMLDesc", flags, InterfaceXMLFlags.INACTIVE)
        iface = self.by_name(name)
        return iface, [self._ifaces[p] for p in sorted(iface.ports)]
