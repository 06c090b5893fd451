"""The host's SMBIOS tables, as libvirt reads them from dmidecode (virConnectGetSysinfo).

Field names are libvirt's ``<entry name='…'>`` names and are declared in libvirt's output order;
``None`` means dmidecode had no such line, and libvirt leaves the entry out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class SmbiosBios:
    """DMI type 0."""

    vendor: str | None = None
    version: str | None = None
    date: str | None = None
    release: str | None = None


@dataclass(frozen=True, slots=True)
class SmbiosSystem:
    """DMI type 1."""

    manufacturer: str | None = None
    product: str | None = None
    version: str | None = None
    serial: str | None = None
    uuid: str | None = None
    sku: str | None = None
    family: str | None = None


@dataclass(frozen=True, slots=True)
class SmbiosBaseBoard:
    """DMI type 2."""

    manufacturer: str | None = None
    product: str | None = None
    version: str | None = None
    serial: str | None = None
    asset: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class SmbiosChassis:
    """DMI type 3."""

    manufacturer: str | None = None
    version: str | None = None
    serial: str | None = None
    asset: str | None = None
    sku: str | None = None


@dataclass(frozen=True, slots=True)
class SmbiosProcessor:
    """DMI type 4."""

    socket_destination: str | None = None
    type: str | None = None
    family: str | None = None
    manufacturer: str | None = None
    signature: str | None = None
    version: str | None = None
    external_clock: str | None = None
    max_speed: str | None = None
    status: str | None = None
    serial_number: str | None = None
    part_number: str | None = None


@dataclass(frozen=True, slots=True)
class SmbiosMemoryDevice:
    """DMI type 17."""

    size: str | None = None
    form_factor: str | None = None
    locator: str | None = None
    bank_locator: str | None = None
    type: str | None = None
    type_detail: str | None = None
    speed: str | None = None
    manufacturer: str | None = None
    serial_number: str | None = None
    part_number: str | None = None


@dataclass(frozen=True, slots=True)
class Smbios:
    """Everything ``<sysinfo type='smbios'>`` shows about the host."""

    bios: SmbiosBios | None = None
    system: SmbiosSystem | None = None
    base_boards: tuple[SmbiosBaseBoard, ...] = ()
    chassis: SmbiosChassis | None = None
    processors: tuple[SmbiosProcessor, ...] = ()
    memory_devices: tuple[SmbiosMemoryDevice, ...] = ()
    oem_strings: tuple[str, ...] | None = None


def _dimm(slot: int, serial: str) -> SmbiosMemoryDevice:
    return SmbiosMemoryDevice(size="8 GB", form_factor="DIMM", locator=f"DIMM{slot}",
                              bank_locator="Not Specified", type="DDR4", type_detail="Synchronous",
                              speed="2133 MT/s", manufacturer="SK Hynix", serial_number=serial,
                              part_number="HMA81GU6AFR8N-UH")


def default_smbios(host_uuid: str, sockets: int = 1) -> Smbios:
    """A Dell OptiPlex 7040 desktop with a Core i7-6700 per socket and four 8 GB DDR4 DIMMs."""
    cpu = SmbiosProcessor(socket_destination="CPU 1", type="Central Processor", family="Core i7",
                          manufacturer="Intel(R) Corporation",
                          signature="Type 0, Family 6, Model 94, Stepping 3",
                          version="Intel(R) Core(TM) i7-6700 CPU @ 3.40GHz", external_clock="100 MHz",
                          max_speed="8300 MHz", status="Populated, Enabled",
                          serial_number="To Be Filled By O.E.M.", part_number="To Be Filled By O.E.M.")
    processors = tuple(replace(cpu, socket_destination=f"CPU {n}") for n in range(1, sockets + 1))
    return Smbios(
        bios=SmbiosBios(vendor="Dell Inc.", version="1.24.0", date="08/10/2022", release="1.24"),
        system=SmbiosSystem(manufacturer="Dell Inc.", product="OptiPlex 7040", version="Not Specified",
                            serial="8FCD2J2", uuid=host_uuid, sku="06B9", family="Not Specified"),
        base_boards=(SmbiosBaseBoard(manufacturer="Dell Inc.", product="0Y7WYT", version="A03",
                                     serial="/8FCD2J2/CN1296369A0194/", asset="Not Specified",
                                     location="Not Specified"),),
        chassis=SmbiosChassis(manufacturer="Dell Inc.", version="Not Specified", serial="8FCD2J2",
                              asset="Not Specified", sku="Not Specified"),
        processors=processors,
        memory_devices=tuple(_dimm(n, f"2F1A3B{n:02d}") for n in range(1, 5)),
        oem_strings=None,
    )


__all__ = ["Smbios", "SmbiosBaseBoard", "SmbiosBios", "SmbiosChassis", "SmbiosMemoryDevice",
           "SmbiosProcessor", "SmbiosSystem", "default_smbios"]
