"""What starting a domain adds to its definition (qemuProcessPrepareDomain and friends): device
aliases, pty paths, channel sockets, display ports, the expanded CPU, the DAC security label."""

from __future__ import annotations

from typing import Any

from ..device_parts import BackingStore
from ..devices import (
    Chr,
    Controller,
    Disk,
    Graphics,
    disk_name_to_index,
)
from ..host import HostInfo
from .definition import CpuDef, CpuFeature, DomainDef
from .memdevs import place as place_memory_devices
from .seclabel import SecLabel

CHANNEL_DIR = "/var/lib/libvirt/qemu/channel/target"
_GENERIC_ALIASES = {"hostdev": "hostdev", "filesystem": "fs", "smartcard": "smartcard", "hub": "hub",
                    "tpm": "tpm", "shmem": "shmem", "memory": "dimm", "vsock": "vsock", "panic": "panic",
                    "crypto": "crypto"}


def prepare_live(d: DomainDef, domain_id: int, *, host: HostInfo, pty_start: int = 0,
                 display_port: int = 5900) -> DomainDef:
    """The live definition of a domain started from ``d`` (which is left untouched).

    Args:
        d: the persistent definition.
        domain_id: the new domain ID (it names the channel socket directory).
        host: the emulated host, for the CPU host-model and the qemu user's DAC label.
        pty_start: the first /dev/pts number this domain may use (the caller keeps them unique).
        display_port: the first VNC/SPICE port for autoport graphics (5900 and up).
    """
    live = d.copy()
    live.live = True
    assign_aliases(live)
    place_memory_devices(live)
    pty = pty_start
    for chr_ in [*live.serials, *live.parallels, *live.channels, *live.consoles]:
        if chr_.type == "pty" and not _is_serial_alias(live, chr_):
            chr_.sources = [{"path": f"/dev/pts/{pty}"}]
            pty += 1
        if chr_.kind == "channel" and chr_.type == "unix" and chr_.target_type == "virtio":
            for s in chr_.sources:
                if not s.get("path"):
                    name = chr_.target_attrs.get("name", "unknown")
                    s.update(mode="bind", path=f"{CHANNEL_DIR}/domain-{domain_id}-{d.name}/{name}")
        if chr_.kind == "channel" and chr_.target_type == "virtio" and chr_.type in ("unix", "spicevmc"):
            chr_.target_attrs.setdefault("state", "disconnected")
    port = display_port
    for g in live.graphics:
        port = _live_graphics(g, port)
    _live_disks(live)
    live.live_cpu = _live_cpu(live, host)
    if not any(e.tag == "resource" for e in live.extras):
        live.partition = "/machine"
    if not live.seclabels:
        label = host.dac_label
        live.seclabels = [SecLabel(type="dynamic", model="dac", relabel="yes", label=label, imagelabel=label)]
    return live


def _is_serial_alias(d: DomainDef, chr_: Chr) -> bool:
    return (chr_.kind == "console" and chr_.target_type == "serial" and bool(d.serials)
            and bool(d.consoles) and d.consoles[0] is chr_)


def _live_graphics(g: Graphics, port: int) -> int:
    if g.type not in ("vnc", "spice"):
        return port
    if g.attrs.get("autoport") == "yes":
        g.attrs["port"] = str(port)
        port += 1
    for lst in g.listens:
        if lst.type == "address" and not lst.attrs.get("address"):
            lst.attrs["address"] = "127.0.0.1"
            lst.from_config = True
    if g.listens and g.listens[0].attrs.get("address"):
        g.attrs["listen"] = g.listens[0].attrs["address"]
    return port


def _live_disks(d: DomainDef) -> None:
    for n, disk in enumerate(d.disks):
        if not disk.source:
            disk.driver_type = None  # an empty drive has no format
            continue
        disk.source_attrs.setdefault("index", str(len(d.disks) - n))  # node names count down from the last disk
        if disk.backing is None:
            disk.backing = BackingStore()


def _live_cpu(d: DomainDef, host: HostInfo) -> CpuDef | None:
    cpu = d.cpu
    if cpu is None or cpu.mode in ("host-passthrough", "maximum"):
        return None
    live = CpuDef(mode="custom", match="exact", check="full", attrs=dict(cpu.attrs))
    if cpu.mode == "host-model":
        hm = host.cpu.kvm_host_model
        live.model, live.model_attrs = hm.model, {"fallback": "forbid"}
        live.vendor = hm.vendor
        live.features = [CpuFeature(f, "require") for f in hm.require] + [CpuFeature(f, "disable") for f in hm.disable]
        return live
    live.model, live.model_attrs, live.vendor = cpu.model, dict(cpu.model_attrs), cpu.vendor
    live.children = list(cpu.children)
    live.features = [CpuFeature(f.name, f.policy) for f in cpu.features]
    if cpu.model == "qemu64":
        extra = ["hypervisor", "lahf_lm"] if d.virt_type == "qemu" else ["x2apic", "hypervisor", "lahf_lm"]
        have = {f.name for f in live.features}
        live.features += [CpuFeature(f, "require") for f in extra if f not in have]
        if d.virt_type == "kvm" and "svm" not in have:
            live.features.append(CpuFeature("svm", "disable"))
    return live


def _controller_alias(c: Controller, d: DomainDef) -> str:
    idx = c.index or 0
    if c.type == "pci":
        return "pcie.0" if c.model == "pcie-root" else f"pci.{idx}"
    if c.type == "ide" and idx == 0 or c.type == "sata" and idx == 0 and d.machine.startswith("pc-q35"):
        return "ide"
    if c.type == "usb":
        return "usb" if idx == 0 else f"usb{idx}"
    return f"{c.type}{idx}"


def _disk_alias(disk: Disk) -> str:
    a = disk.address.fields if disk.address is not None else {}
    bus = disk.target_bus
    if bus in ("ide", "sata", "fdc", "scsi") and disk.address is not None and disk.address.type == "drive":
        parts = [a.get("controller", 0), a.get("bus", 0)]
        if bus == "scsi":
            parts.append(a.get("target", 0))
        parts.append(a.get("unit", 0))
        return f"{bus}{'-'.join(str(p) for p in parts)}" if bus != "fdc" else f"fdc0-0-{a.get('unit', 0)}"
    idx = disk_name_to_index(disk.target_dev)
    return {"virtio": f"virtio-disk{idx}", "usb": f"usb-disk{idx}"}.get(bus or "", f"{bus}-disk{idx}")


def assign_aliases(d: DomainDef, only_missing: bool = False) -> None:
    """qemuAssignDeviceAliases: what qemu calls every device; user aliases (ua-*) are kept.

    With only_missing (hotplug), devices that have an alias keep it and a new device gets the
    next free number of its kind.
    """
    taken = {dev.alias for dev in d.all_devices() if dev.alias} if only_missing else set()

    def give(dev: Any, alias: str) -> None:
        if only_missing:
            if dev.alias:
                return
            prefix = alias.rstrip("0123456789")
            if alias != prefix and alias in taken:
                n = 0
                while f"{prefix}{n}" in taken:
                    n += 1
                alias = f"{prefix}{n}"
            taken.add(alias)
        if not (dev.alias or "").startswith("ua-"):
            dev.alias = alias

    for disk in d.disks:
        give(disk, _disk_alias(disk))
    for c in d.controllers:
        give(c, _controller_alias(c, d))
    for n, net in enumerate(d.interfaces):
        give(net, f"net{n}")
    for kind, items in (("serial", d.serials), ("parallel", d.parallels), ("channel", d.channels)):
        for n, chr_ in enumerate(items):
            give(chr_, f"{kind}{n}")
    for n, con in enumerate(d.consoles):
        if n == 0 and con.target_type == "serial" and d.serials:
            con.alias = d.serials[0].alias
        else:
            give(con, f"console{n}")
    simple: tuple[tuple[str, list[Any]], ...] = (("input", d.inputs), ("sound", d.sounds), ("video", d.videos), ("redir", d.redirdevs),
              ("watchdog", d.watchdogs), ("rng", d.rngs))
    for prefix, items in simple:
        for n, dev in enumerate(items):
            give(dev, f"{prefix}{n}")
    if d.memballoon is not None and d.memballoon.model != "none":
        give(d.memballoon, "balloon0")
    counts: dict[str, int] = {}
    for g in d.others:
        generic = _GENERIC_ALIASES.get(g.tag)
        if generic is not None:
            give(g, f"{generic}{counts.get(generic, 0)}")
            counts[generic] = counts.get(generic, 0) + 1


__all__ = ["assign_aliases", "prepare_live"]
