"""Node device XML: virNodeDeviceDefFormat's output, and the mediated-device documents that
nodedev-create and nodedev-define read."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ErrorDomain
from ..model.nodedev.caps import (
    Cap,
    NetCap,
    PciAddress,
    PciCap,
    ScsiCap,
    ScsiHostCap,
    ScsiTargetCap,
    StorageCap,
    SystemCap,
    UsbDevCap,
    UsbIfCap,
)
from ..model.nodedev.tree import NodeDevice
from .fmt import escape
from .parser import parse_xml


def _opt(tag: str, value: str | None) -> list[str]:
    return [] if value is None else [f"<{tag}>{escape(value)}</{tag}>"]


def _addr(a: PciAddress) -> str:
    return (f"<address domain='0x{a.domain:04x}' bus='0x{a.bus:02x}' slot='0x{a.slot:02x}' "
            f"function='0x{a.function:d}'/>")


def _named_id(tag: str, num: int, name: str | None, space: str = "") -> str:
    return f"<{tag} id='0x{num:04x}'>{escape(name)}</{tag}>" if name else f"<{tag} id='0x{num:04x}'{space}/>"


def _block(head: str, body: list[str], tail: str) -> list[str]:
    return [head, *("  " + line for line in body), tail]


def _system(c: SystemCap) -> list[str]:
    hw = [*_opt("vendor", c.vendor), *_opt("version", c.version), *_opt("serial", c.serial), f"<uuid>{c.uuid}</uuid>"]
    fw = [*_opt("vendor", c.bios_vendor), *_opt("version", c.bios_version), *_opt("release_date", c.bios_date)]
    return [*_opt("product", c.product), *_block("<hardware>", hw, "</hardware>"),
            *_block("<firmware>", fw, "</firmware>")]


def _pci(c: PciCap) -> list[str]:
    a = c.address
    out = [f"<class>0x{c.klass:06x}</class>", f"<domain>{a.domain}</domain>", f"<bus>{a.bus}</bus>",
           f"<slot>{a.slot}</slot>", f"<function>{a.function}</function>",
           _named_id("product", c.product, c.product_name), _named_id("vendor", c.vendor, c.vendor_name)]
    if c.phys_function is not None:
        out += _block("<capability type='phys_function'>", [_addr(c.phys_function)], "</capability>")
    if c.virt_functions is not None:
        head = "<capability type='virt_functions'" + (f" maxCount='{c.max_vfs}'" if c.max_vfs else "")
        if c.virt_functions:
            out += _block(head + ">", [_addr(v) for v in c.virt_functions], "</capability>")
        else:
            out.append(head + "/>")
    if c.mdev_types:
        types: list[str] = []
        for t in c.mdev_types:
            body = [*_opt("name", t.name), f"<deviceAPI>{t.device_api}</deviceAPI>",
                    f"<availableInstances>{t.max_instances}</availableInstances>"]
            types += _block(f"<type id='{escape(t.id)}'>", body, "</type>")
        out += _block("<capability type='mdev_types'>", types, "</capability>")
    if c.iommu_group is not None:
        out += _block(f"<iommuGroup number='{c.iommu_group}'>", [_addr(m) for m in c.iommu_members], "</iommuGroup>")
    if c.numa_node is not None:
        out.append(f"<numa node='{c.numa_node}'/>")
    if c.pcie_link is not None:
        speed, width = c.pcie_link
        links = [f"<link validity='cap' port='0' speed='{speed:g}' width='{width}'/>",
                 f"<link validity='sta' speed='{speed:g}' width='{width}'/>"]
        out += _block("<pci-express>", links, "</pci-express>")
    return out


def _net(c: NetCap) -> list[str]:
    speed = f" speed='{c.speed}'" if c.speed is not None else ""
    return [f"<interface>{escape(c.interface)}</interface>", f"<address>{c.address}</address>",
            f"<link{speed} state='{c.state}'/>", *(f"<feature name='{f}'/>" for f in c.features),
            "<capability type='80203'/>"]


def _scsi_host(c: ScsiHostCap) -> list[str]:
    out = [f"<host>{c.host}</host>", *([] if c.unique_id is None else [f"<unique_id>{c.unique_id}</unique_id>"])]
    if c.wwnn is not None:
        fc = [f"<wwnn>{c.wwnn}</wwnn>", f"<wwpn>{c.wwpn}</wwpn>", f"<fabric_wwn>{c.fabric_wwn}</fabric_wwn>"]
        out += _block("<capability type='fc_host'>", fc, "</capability>")
    if c.max_vports is not None:
        ops = [f"<max_vports>{c.max_vports}</max_vports>", f"<vports>{c.vports}</vports>"]
        out += _block("<capability type='vport_ops'>", ops, "</capability>")
    return out


def _cap_body(c: Cap) -> list[str]:
    if isinstance(c, SystemCap):
        return _system(c)
    if isinstance(c, PciCap):
        return _pci(c)
    if isinstance(c, NetCap):
        return _net(c)
    if isinstance(c, ScsiHostCap):
        return _scsi_host(c)
    if isinstance(c, UsbDevCap):
        return [f"<bus>{c.bus}</bus>", f"<device>{c.device}</device>",
                _named_id("product", c.product, c.product_name, " "), _named_id("vendor", c.vendor, c.vendor_name, " ")]
    if isinstance(c, UsbIfCap):
        return [f"<number>{c.number}</number>", f"<class>{c.klass}</class>", f"<subclass>{c.subclass}</subclass>",
                f"<protocol>{c.protocol}</protocol>", *_opt("description", c.description)]
    if isinstance(c, ScsiTargetCap):
        return [f"<target>{c.target}</target>"]
    if isinstance(c, ScsiCap):
        return [f"<host>{c.host}</host>", f"<bus>{c.bus}</bus>", f"<target>{c.target}</target>",
                f"<lun>{c.lun}</lun>", f"<type>{c.scsi_type}</type>"]
    if isinstance(c, StorageCap):
        return [f"<block>{c.block}</block>", *_opt("bus", c.bus), f"<drive_type>{c.drive_type}</drive_type>",
                *_opt("model", c.model), *_opt("vendor", c.vendor), *_opt("serial", c.serial),
                f"<size>{c.size}</size>", f"<logical_block_size>{c.logical_block_size}</logical_block_size>",
                f"<num_blocks>{c.size // c.logical_block_size}</num_blocks>"]
    return [f"<type id='{escape(c.type_id)}'/>", f"<uuid>{c.uuid}</uuid>", f"<parent_addr>{c.parent_addr}</parent_addr>",
            f"<iommuGroup number='{c.iommu_group}'/>",
            *(f"<attr name='{escape(n)}' value='{escape(v)}'/>" for n, v in c.attrs)]


def format_nodedev_xml(dev: NodeDevice) -> str:
    body = [f"<name>{escape(dev.name)}</name>", *_opt("path", dev.path)]
    if dev.devnode:
        body.append(f"<devnode type='dev'>{dev.devnode}</devnode>")
    body += _opt("parent", dev.parent)
    if dev.driver:
        body += _block("<driver>", [f"<name>{dev.driver}</name>"], "</driver>")
    for cap in dev.caps:
        body += _block(f"<capability type='{cap.type}'>", _cap_body(cap), "</capability>")
    return "\n".join(_block("<device>", body, "</device>")) + "\n"


@dataclass(frozen=True)
class MdevRequest:
    """What a mediated device's XML asks for (anything else is refused as libvirt's parser would)."""

    parent: str | None
    type_id: str
    uuid: str | None
    attrs: tuple[tuple[str, str], ...]
    is_mdev: bool


def parse_mdev_xml(text: str) -> MdevRequest:
    root = parse_xml(text, "(node_device_definition)", ErrorDomain.NODEDEV)
    parent = root.find("parent")
    cap = root.find("capability")
    is_mdev = cap is not None and cap.get("type") == "mdev"
    type_el = cap.find("type") if cap is not None else None
    uuid_el = cap.find("uuid") if cap is not None else None
    attrs = tuple((a.get("name") or "", a.get("value") or "") for a in cap.findall("attr")) if cap else ()
    return MdevRequest(parent.text.strip() if parent is not None and parent.text else None,
                       (type_el.get("id") or "") if type_el is not None else "",
                       uuid_el.text.strip() if uuid_el is not None and uuid_el.text else None, attrs, is_mdev)
