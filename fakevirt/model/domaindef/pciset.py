"""The PCI address set of libvirt (virDomainPCIAddressSet, src/conf/domain_addr.c): buses, the
functions reserved on them, and the search for the next free slot (growing buses in a dry run)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import domain as errors
from ..devices import Address, Device
from .pciflags import (
    AGGREGATE,
    AUTOASSIGN,
    BUS_FLAGS,
    ENDPOINT,
    HOTPLUG,
    INTEGRATED,
    PCI_BRIDGE,
    PCI_DEVICE,
    PCIE_DEVICE,
    PCIE_TO_PCI_BRIDGE,
    SWITCH_UP,
    TYPES_MASK,
    describe_connect,
    model_for_bus_flags,
)

SLOT_LAST = 31


def addr_str(a: tuple[int, int, int, int]) -> str:
    return "{:04x}:{:02x}:{:02x}.{:x}".format(*a)


@dataclass
class Bus:
    """One PCI bus of the address set: what it accepts and which functions are taken."""

    model: str
    flags: int
    min_slot: int
    max_slot: int
    functions: list[int] = field(default_factory=lambda: [0] * (SLOT_LAST + 1))
    aggregate: list[bool] = field(default_factory=lambda: [False] * (SLOT_LAST + 1))

    @classmethod
    def of(cls, model: str, hotplug: bool = True) -> Bus:
        flags, lo, hi = BUS_FLAGS[model]
        return cls(model, flags | (HOTPLUG if hotplug and flags & AUTOASSIGN else 0), lo, hi)

    def fully_reserved(self) -> bool:
        return all(self.functions[s] for s in range(self.min_slot, self.max_slot + 1))

    def empty(self) -> bool:
        return not any(self.functions[s] for s in range(self.min_slot, self.max_slot + 1))


class AddressSet:
    """virDomainPCIAddressSet: the buses and their reserved functions."""

    def __init__(self, buses: list[Bus], dry_run: bool) -> None:
        self.buses = buses
        self.dry_run = dry_run

    def compatible(self, a: tuple[int, int, int, int], bus_flags: int, dev_flags: int,
                   report: bool, from_config: bool) -> bool:
        """virDomainPCIAddressFlagsCompatible."""
        if dev_flags & INTEGRATED:
            if a[1] != 0:
                if report:
                    raise errors.pci_address(f"The device at PCI address {addr_str(a)} needs to be an integrated device (bus=0)",
                               from_config)
                return False
            bus_flags |= PCI_DEVICE | AUTOASSIGN
        if from_config:
            if bus_flags & ENDPOINT:
                bus_flags |= ENDPOINT
            if dev_flags & PCI_BRIDGE:
                dev_flags |= PCI_DEVICE
        elif dev_flags & AUTOASSIGN and not bus_flags & AUTOASSIGN:
            if report:
                raise errors.pci_address(f"The device at PCI address {addr_str(a)} was auto-assigned this address, but the PCI "
                           f"controller with index='{a[1]}' doesn't allow auto-assignment", from_config)
            return False
        if dev_flags & HOTPLUG and not bus_flags & HOTPLUG:
            if report:
                raise errors.pci_address(f"The device at PCI address {addr_str(a)} requires hotplug capability, but the PCI "
                           f"controller with index='{a[1]}' doesn't support hotplug", from_config)
            return False
        if not dev_flags & bus_flags & TYPES_MASK:
            if report:
                raise errors.pci_address(f"The device at PCI address {addr_str(a)} cannot be plugged into the PCI controller with "
                           f"index='{a[1]}'. It requires a controller that accepts a "
                           f"{describe_connect(dev_flags)}.", from_config)
            return False
        return True

    def validate(self, a: tuple[int, int, int, int], flags: int, from_config: bool) -> None:
        """virDomainPCIAddressValidate."""
        if not self.buses:
            raise errors.pci_address("No PCI buses available", from_config)
        if a[0] != 0:
            raise errors.pci_address(f"Invalid PCI address {addr_str(a)}. Only PCI domain 0 is available", from_config)
        if a[1] >= len(self.buses):
            raise errors.pci_address(f"Invalid PCI address {addr_str(a)}. Only PCI buses up to {len(self.buses) - 1} are available",
                       from_config)
        bus = self.buses[a[1]]
        self.compatible(a, bus.flags, flags, True, from_config)
        if bus.min_slot and a[2] < bus.min_slot:
            raise errors.pci_address(f"Invalid PCI address {addr_str(a)}. slot must be >= {bus.min_slot}", from_config)
        if a[2] > bus.max_slot:
            raise errors.pci_address(f"Invalid PCI address {addr_str(a)}. slot must be <= {bus.max_slot}", from_config)
        if a[3] > 7:
            raise errors.pci_address(f"Invalid PCI address {addr_str(a)}. function must be <= 7", from_config)

    def reserve(self, a: tuple[int, int, int, int], flags: int,
                from_config: bool = True) -> tuple[int, int, int, int]:
        """virDomainPCIAddressReserveAddrInternal; returns the (possibly moved) address."""
        if self.dry_run:
            a = self.grow(a, flags)
        self.validate(a, flags, from_config)
        bus = self.buses[a[1]]
        if bus.functions[a[2]] & (1 << a[3]):
            raise errors.pci_address(f"Attempted double use of PCI Address {addr_str(a)}", from_config)
        if not bus.functions[a[2]] and flags & AGGREGATE:
            bus.aggregate[a[2]] = True
        bus.functions[a[2]] |= 1 << a[3]
        return a

    def grow(self, a: tuple[int, int, int, int], flags: int) -> tuple[int, int, int, int]:
        """virDomainPCIAddressSetGrow: add the buses (controllers) a device needs."""
        add = a[1] - len(self.buses) + 1
        if add <= 0:
            return a
        extra: list[Bus] = []
        if flags & PCI_DEVICE:
            model = "pci-bridge"
            if not any(b.flags & PCI_BRIDGE for b in self.buses):
                # a pure PCIe guest: first a pcie-root-port that only takes the bridge, then a
                # pcie-to-pci-bridge, and pci-bridges for any further buses
                if add == 1:
                    add, a = 2, (a[0], a[1] + 1, a[2], a[3])
                port = Bus.of("pcie-root-port")
                port.flags = PCIE_TO_PCI_BRIDGE
                extra = [port, Bus.of("pcie-to-pci-bridge")]
                add -= 2
        elif flags & (PCIE_DEVICE | SWITCH_UP):
            model = "pcie-root-port"
        else:
            existing = model_for_bus_flags(flags)
            if existing:
                raise errors.conf_internal(f"a PCI slot is needed to connect a PCI controller model='{existing}', "
                                           "but none is available, and it cannot be automatically added")
            raise errors.conf_internal(f"Cannot automatically add a new PCI bus for a device with connect "
                                       f"flags {flags:02x}")
        self.buses.extend(extra)
        self.buses.extend(Bus.of(model) for _ in range(add))
        return a

    def _find_on_bus(self, bi: int, flags: int, function: int) -> tuple[int, int] | None:
        bus = self.buses[bi]
        if not self.compatible((0, bi, bus.min_slot, 0), bus.flags, flags, False, False):
            return None
        for slot in range(bus.min_slot, bus.max_slot + 1):
            if bus.functions[slot] == 0:
                return slot, max(function, 0)
            if flags & AGGREGATE and bus.aggregate[slot]:
                want = range(8) if function == -1 else [function]
                for fn in want:
                    if not bus.functions[slot] & (1 << fn):
                        return slot, fn
        return None

    def next_addr(self, flags: int, function: int = -1) -> tuple[int, int, int, int]:
        """virDomainPCIAddressGetNextAddr (isolation groups are all 0 here)."""
        if not self.buses:
            raise errors.pci_address("No PCI buses available", True)
        for bi in range(len(self.buses)):
            found = self._find_on_bus(bi, flags, function)
            if found:
                return (0, bi, found[0], found[1])
        if self.dry_run:
            a = self.grow((0, len(self.buses), 0, max(function, 0)), flags)
            return (0, a[1], self.buses[a[1]].min_slot, a[3])
        raise errors.no_pci_slots()

    def reserve_next(self, dev: Device | None, flags: int, function: int = -1) -> None:
        a = self.reserve(self.next_addr(flags, function), flags, from_config=False)
        if not self.dry_run and dev is not None:
            multi = dev.address.fields.get("multifunction") if dev.address is not None else None
            dev.address = Address.pci(a[0], a[1], a[2], a[3], multi if isinstance(multi, str) else None)
