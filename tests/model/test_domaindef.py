"""DomainDef: lookups and the persistent attach/detach/update rules of the QEMU driver.

Messages and codes are those libvirtd 9.0 answered to ``virsh attach-device/detach-device/
update-device --config`` on the same definitions.
"""

from __future__ import annotations

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.devices import (
    Controller,
    Disk,
    GenericDevice,
    Graphics,
    Interface,
    RawElement,
    Sound,
    disk_name_to_index,
)
from fakevirt.model.domaindef import DomainDef, attach_device, detach_device, update_device
from fakevirt.model.ids import IdGenerator
from fakevirt.testing.domains import device_from_xml, domain_from_xml
from fakevirt.xml.domain import format_domain_xml

Q35 = """<domain type='kvm'><name>vm</name><uuid>8f0c5a2e-3d6b-4c1a-9e7f-1a2b3c4d5e6f</uuid>
<memory>1048576</memory><os><type machine='q35'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='cdrom'><source file='/a.iso'/><target dev='sda' bus='sata'/></disk>
<interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/><model type='virtio'/></interface>
<interface type='bridge'><mac address='52:54:00:12:34:57'/><source bridge='br0'/><model type='virtio'/></interface>
<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
<input type='tablet' bus='usb'/><graphics type='vnc'/><sound model='ich9'/>
<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
</devices></domain>"""


@pytest.fixture
def d() -> DomainDef:
    return domain_from_xml(Q35, IdGenerator(0))


def dev(d: DomainDef, xml: str) -> object:
    return device_from_xml(xml, d, IdGenerator(1))


def err(exc: pytest.ExceptionInfo[VirtError]) -> tuple[int, int, str]:
    return int(exc.value.code), int(exc.value.domain), exc.value.message


@pytest.mark.parametrize(("name", "index"), [("vda", 0), ("sdb", 1), ("hdz", 25), ("vdaa", 26), ("xvdb", 1),
                                             ("sda1", 0), ("vd", -1), ("foo", -1), ("vda1x", -1)])
def test_disk_name_to_index(name: str, index: int) -> None:
    assert disk_name_to_index(name) == index


def test_copy_is_deep(d: DomainDef) -> None:
    c = d.copy()
    c.disks[0].source = "/elsewhere"
    c.interfaces.clear()
    assert d.disks[0].source == "/a.qcow2" and len(d.interfaces) == 2


def test_lookups(d: DomainDef) -> None:
    assert d.find_disk("sda") is d.disks[1]
    assert d.find_disk("vdz") is None
    assert d.find_device(Disk(target_dev="vda")) is d.disks[0]
    assert d.find_device(Interface(mac="52:54:00:12:34:57")) is d.interfaces[1]
    assert d.find_device(Interface(mac="52:54:00:00:00:01")) is None
    assert d.find_device(Controller(type="sata", index=0)) is d.find_controller("sata", 0)
    assert d.find_device(Sound(model="ich9")) is d.sounds[0]
    assert d.find_device(Graphics(type="vnc")) is d.graphics[0]


def test_attach_disk_gets_a_new_root_port(d: DomainDef) -> None:
    ports = sum(1 for c in d.controllers if c.model == "pcie-root-port")
    d = attach_device(d, dev(d, "<disk type='file'><source file='/b.img'/><target dev='vdb'/></disk>"))
    disk = d.find_disk("vdb")
    assert disk is not None and disk.address is not None and disk.address.type == "pci"
    assert disk.target_bus == "virtio" and [x.target_dev for x in d.disks] == ["vda", "vdb", "sda"]
    # the spare hotplug port was taken, so no new port was needed
    assert sum(1 for c in d.controllers if c.model == "pcie-root-port") == ports
    d = attach_device(d, dev(d, "<disk type='file'><source file='/c.img'/><target dev='vdc'/></disk>"))
    assert sum(1 for c in d.controllers if c.model == "pcie-root-port") == ports + 1


def test_attach_interface_without_mac_gets_one(d: DomainDef) -> None:
    nic = dev(d, "<interface type='network'><source network='default'/></interface>")
    d = attach_device(d, nic)  # type: ignore[arg-type]
    assert d.interfaces[-1] is nic and nic.mac == IdGenerator(1).mac()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("xml", "expected"), [
    ("<disk type='file'><source file='/x.img'/><target dev='vda' bus='virtio'/></disk>",
     (55, 10, "Requested operation is not valid: target vda already exists")),
    ("<controller type='usb' index='0' model='qemu-xhci'/>",
     (55, 10, "Requested operation is not valid: controller index='0' already exists")),
    ("<graphics type='vnc'/>", (84, 10, "Operation not supported: persistent attach of device 'graphics' is not supported")),
    ("<memballoon model='virtio'/>",
     (84, 10, "Operation not supported: persistent attach of device 'memballoon' is not supported")),
    ("<disk type='file'><source file='/x.img'/><target dev='vdb'/>"
     "<address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></disk>",
     (27, 20, "XML error: Attempted double use of PCI Address 0000:04:00.0")),
])
def test_attach_errors(d: DomainDef, xml: str, expected: tuple[int, int, str]) -> None:
    before = format_domain_xml(d)
    with pytest.raises(VirtError) as exc:
        d = attach_device(d, dev(d, xml))  # type: ignore[arg-type]
    assert err(exc) == expected
    assert format_domain_xml(d) == before  # nothing changed


@pytest.mark.parametrize(("xml", "expected"), [
    ("<disk type='file'><source file='/x.img'/><target dev='vdz' bus='virtio'/></disk>",
     (99, 10, "device not found: no target device vdz")),
    ("<interface type='network'><mac address='52:54:00:00:00:99'/><source network='default'/></interface>",
     (99, 20, "device not found: no device found at address '(<null>)' matching MAC address "
              "'52:54:00:00:00:99' and alias '(<null>)'")),
    ("<interface type='network'><source network='default'/></interface>",
     (9, 20, "operation failed: multiple matching devices found")),
    ("<graphics type='vnc'/>", (84, 10, "Operation not supported: persistent detach of device 'graphics' is not supported")),
    ("<controller type='scsi' index='3'/>", (99, 10, "device not found: device not present in domain configuration")),
    ("<sound model='ac97'/>", (99, 10, "device not found: device not present in domain configuration")),
    ("<input type='tablet' bus='virtio'/>", (99, 10, "device not found: matching input device not found")),
    ("<rng model='virtio'><backend model='random'>/dev/random</backend></rng>",
     (99, 10, "device not found: no matching RNG device was found")),
    ("<watchdog model='i6300esb'/>", (99, 10, "device not found: domain has no watchdog")),
    ("<redirdev bus='usb' type='tcp'><source mode='connect' host='localhost' service='4000'/></redirdev>",
     (99, 10, "device not found: no matching redirdev was not found")),
    ("<channel type='pty'><target type='virtio' name='foo'/></channel>",
     (8, 10, "invalid argument: device not present in domain configuration")),
    ("<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev>",
     (99, 10, "device not found: device not present in domain configuration")),
])
def test_detach_errors(d: DomainDef, xml: str, expected: tuple[int, int, str]) -> None:
    with pytest.raises(VirtError) as exc:
        d, _ = detach_device(d, dev(d, xml))  # type: ignore[arg-type]
    assert err(exc) == expected


def test_detach_finds_by_target_mac_and_config(d: DomainDef) -> None:
    d, removed = detach_device(d, dev(d, "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>"))
    assert isinstance(removed, Disk) and removed.source == "/a.iso" and d.find_disk("sda") is None
    d, nic = detach_device(d, dev(d, "<interface type='bridge'><mac address='52:54:00:12:34:57'/>"
                                 "<source bridge='br0'/></interface>"))
    assert isinstance(nic, Interface) and [n.mac for n in d.interfaces] == ["52:54:00:12:34:56"]
    # with a single interface left, a generated MAC matches anything
    d, _ = detach_device(d, dev(d, "<interface type='network'><source network='default'/></interface>"))
    assert d.interfaces == []
    d, _ = detach_device(d, dev(d, "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"))
    d, _ = detach_device(d, dev(d, "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"))
    assert d.rngs == [] and d.channels == []
    d, _ = detach_device(d, dev(d, "<input type='tablet' bus='usb'/>"))
    assert [i.type for i in d.inputs] == ["mouse", "keyboard"]


@pytest.mark.parametrize(("xml", "expected"), [
    ("<disk type='file'><source file='/x.img'/><target dev='vdz' bus='virtio'/></disk>",
     (8, 10, "invalid argument: target vdz doesn't exist.")),
    ("<graphics type='spice'/>", (8, 10, "invalid argument: cannot find existing graphics type 'spice' device to modify")),
    ("<sound model='ac97'/>", (84, 10, "Operation not supported: persistent update of device 'sound' is not supported")),
    ("<interface type='network'><mac address='52:54:00:00:00:99'/><source network='default'/></interface>",
     (99, 20, "device not found: no device found at address '(<null>)' matching MAC address "
              "'52:54:00:00:00:99' and alias '(<null>)'")),
])
def test_update_errors(d: DomainDef, xml: str, expected: tuple[int, int, str]) -> None:
    with pytest.raises(VirtError) as exc:
        d = update_device(d, dev(d, xml))  # type: ignore[arg-type]
    assert err(exc) == expected


def test_update_changes_cdrom_media_and_keeps_the_address(d: DomainDef) -> None:
    before = d.find_disk("sda").address  # type: ignore[union-attr]
    d = update_device(d, dev(d, "<disk type='file' device='cdrom'><source file='/b.iso'/><target dev='sda' bus='sata'/></disk>"))
    disk = d.find_disk("sda")
    assert disk is not None and disk.source == "/b.iso" and disk.address == before and disk.readonly


def test_update_interface_and_graphics(d: DomainDef) -> None:
    addr = d.interfaces[0].address
    d = update_device(d, dev(d, "<interface type='network'><mac address='52:54:00:12:34:56'/>"
                           "<source network='other'/><model type='virtio'/></interface>"))
    assert d.interfaces[0].source == "other" and d.interfaces[0].address == addr
    d = update_device(d, dev(d, "<graphics type='vnc' passwd='pw'/>"))
    assert d.graphics[0].attrs["passwd"] == "pw"


def test_attach_channel_adds_its_controller_and_port() -> None:
    d = domain_from_xml("<domain type='kvm'><name>p</name><memory>1024</memory><os><type>hvm</type></os></domain>",
                         IdGenerator(0))
    assert d.find_controller("virtio-serial", 0) is None
    d = attach_device(d, dev(d, "<channel type='unix'><target type='virtio' name='a'/></channel>"))
    d = attach_device(d, dev(d, "<channel type='unix'><target type='virtio' name='b'/></channel>"))
    assert d.find_controller("virtio-serial", 0) is not None
    assert [c.address.fields for c in d.channels] == [{"controller": 0, "bus": 0, "port": 1},  # type: ignore[union-attr]
                                                      {"controller": 0, "bus": 0, "port": 2}]


def test_generic_devices_are_kept_and_matched_by_configuration() -> None:
    d = domain_from_xml("<domain type='kvm'><name>p</name><memory>1024</memory><os><type>hvm</type></os>"
                         "<devices><filesystem type='mount'><source dir='/srv'/><target dir='srv'/></filesystem>"
                         "</devices></domain>", IdGenerator(0))
    fs = d.others[0]
    assert isinstance(fs, GenericDevice) and fs.address is not None  # a virtio-9p PCI device
    assert fs.element.find("source") == RawElement("source", {"dir": "/srv"})
    d, removed = detach_device(d, dev(d, "<filesystem type='mount'><source dir='/srv'/><target dir='srv'/></filesystem>"))
    assert removed == fs and d.others == []


def test_errors_are_virt_errors_with_libvirt_domains(d: DomainDef) -> None:
    with pytest.raises(VirtError) as exc:
        d, _ = detach_device(d, Disk(target_dev="nope"))
    assert exc.value.code == ErrorCode.DEVICE_MISSING and exc.value.domain == ErrorDomain.QEMU


def test_normalize_order_groups_controllers_like_a_reparse(d: DomainDef) -> None:
    d.normalize_order()
    kinds = [(c.type, c.index) for c in d.controllers]
    pci = [i for t, i in kinds if t == "pci"]
    assert pci == sorted(pci)
    first_pci = kinds.index(("pci", 0))
    assert all(t == "pci" for t, _ in kinds[first_pci:first_pci + len(pci)])
