"""virConnectDomainXMLToNative("qemu-argv"): the QEMU 7.2 command line libvirt 9.0 would start a
definition with, printed as virCommandToString prints it (environment, emulator, arguments).

It covers the shapes clients ask for: memory, vCPUs, ACPI, the default controllers, file and block
disks (blockdev), CD-ROMs, NICs (turned into tap devices as libvirt does for this API), pty serials,
VNC, video and the balloon. What it does not know it leaves out.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .devices import Address, Disk
from .domaindef import DomainDef

DAEMON_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # libvirtd under systemd
QEMU_DIR = "/var/lib/libvirt/qemu"
FIRST_TAP_FD = 28  # the descriptors libvirtd opens for the taps it would hand QEMU
_SAFE = re.compile(r"[A-Za-z0-9_=,.:/@%+-]+")
_USB = {"piix3-uhci": "piix3-usb-uhci", "piix4-uhci": "piix4-usb-uhci", "qemu-xhci": "qemu-xhci",
        "nec-xhci": "nec-usb-xhci", "ich9-ehci1": "ich9-usb-ehci1", "ehci": "usb-ehci"}
_CONTROLLERS = {"sata": "ahci", "virtio-serial": "virtio-serial-pci", "scsi": "virtio-scsi-pci"}
_NIC = {"virtio": "virtio-net-pci", "e1000": "e1000", "e1000e": "e1000e", "rtl8139": "rtl8139"}
_VIDEO = {"cirrus": "cirrus-vga", "vga": "VGA", "virtio": "virtio-vga", "bochs": "bochs-display",
          "qxl": "qxl-vga"}


def _quote(arg: str) -> str:
    """virBufferEscapeShell: single quotes around anything but plain words."""
    return arg if _SAFE.fullmatch(arg) else "'" + arg.replace("'", "'\\''") + "'"


def _json(props: dict[str, Any]) -> str:
    return json.dumps(props, separators=(",", ":"))


def _boot_indexes(d: DomainDef) -> dict[int, int]:
    """qemuProcessPrepareDomain turns <os><boot dev> into the first matching device's bootindex."""
    given = {id(dev): order for dev in d.all_devices() if (order := getattr(dev, "boot_order", None))}
    if given:
        return given
    out: dict[int, int] = {}
    pools: dict[str, list[Any]] = {"hd": [k for k in d.disks if k.device == "disk"],
                                   "cdrom": [k for k in d.disks if k.device == "cdrom"],
                                   "fd": [k for k in d.disks if k.device == "floppy"], "network": list(d.interfaces)}
    for n, kind in enumerate(d.boot_devs or ["hd"], start=1):
        pool = pools.get(kind, [])
        if pool:
            out[id(pool[0])] = n
    return out


def qemu_argv(d: DomainDef, domain_id: int = -1) -> str:
    """The command line of ``d`` (post-parsed, with aliases), one string as virsh prints it."""
    return " ".join(_quote(a) for a in _Builder(d, domain_id).build())


class _Builder:
    def __init__(self, d: DomainDef, domain_id: int) -> None:
        self.d = d
        self.q35 = "q35" in d.machine
        self.home = f"{QEMU_DIR}/domain-{domain_id}-{d.name[:20]}"
        self.boot = _boot_indexes(d)

    def addr(self, a: Address | None) -> dict[str, Any]:
        """A PCI device's bus and addr (a Q35 machine's root bus is pcie.0)."""
        if a is None or not a.is_pci:
            return {}
        slot, fn, bus = a.num("slot"), a.num("function"), a.num("bus")
        out: dict[str, Any] = {"bus": "pcie.0" if self.q35 and bus == 0 else f"pci.{bus}"}
        if a.fields.get("multifunction") == "on":
            out["multifunction"] = True
        out["addr"] = f"0x{slot:x}" + (f".0x{fn:x}" if fn else "")
        return out

    def build(self) -> list[str]:
        d, home = self.d, self.home
        env = ["LC_ALL=C", f"PATH={DAEMON_PATH}", f"HOME={home}", f"XDG_DATA_HOME={home}/.local/share",
               f"XDG_CACHE_HOME={home}/.cache", f"XDG_CONFIG_HOME={home}/.config"]
        mib = -(-d.memory_kib // 1024)
        args = [d.emulator or "/usr/bin/qemu-system-x86_64", "-name", f"guest={_comma(d.name)},debug-threads=on",
                "-S", "-object", _json({"qom-type": "secret", "id": "masterKey0", "format": "raw",
                                        "file": f"{home}/master-key.aes"}),
                "-machine", f"{d.machine},usb=off,dump-guest-core=off,memory-backend=pc.ram",
                "-accel", "kvm" if d.virt_type == "kvm" else "tcg",
                "-cpu", d.cpu.model if d.cpu is not None and d.cpu.model else "qemu64",
                "-m", str(mib), "-object", _json({"qom-type": "memory-backend-ram", "id": "pc.ram", "size": mib << 20}),
                "-overcommit", "mem-lock=off", "-smp", _smp(d), "-uuid", str(d.uuid)]
        if not d.graphics:
            args += ["-display", "none"]
        args += ["-no-user-config", "-nodefaults", "-chardev",
                 f"socket,id=charmonitor,path={_comma(home)}/monitor.sock,server=on,wait=off",
                 "-mon", "chardev=charmonitor,id=monitor,mode=control", "-rtc", "base=utc", "-no-shutdown"]
        if not d.tuning.acpi:
            args.append("-no-acpi")
        args += ["-boot", "strict=on", *self.controllers(), *self.disks(), *self.nics(), *self.serials(),
                 *self.inputs(), "-audiodev", _json({"id": "audio1", "driver": "none"}), *self.display()]
        if d.memballoon is not None and d.memballoon.model == "virtio":
            args += ["-device", _json({"driver": "virtio-balloon-pci", "id": d.memballoon.alias,
                                       **self.addr(d.memballoon.address)})]
        return [*env, *args, "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
                "-msg", "timestamp=on"]

    def controllers(self) -> list[str]:
        out: list[str] = []
        for c in sorted((c for c in self.d.controllers if c.type == "pci"), key=lambda c: c.index or 0):
            if c.model == "pcie-root-port":
                props = {"driver": c.model_name or c.model, "port": int(c.target_attrs.get("port", "0"), 0),
                         "chassis": int(c.target_attrs.get("chassis", "0"), 0)}
            elif c.model == "pci-bridge":
                props = {"driver": "pci-bridge", "chassis_nr": int(c.target_attrs.get("chassisNr", "0"), 0)}
            else:
                continue
            out += ["-device", _json({**props, "id": c.alias, **self.addr(c.address)})]
        for kind in ("usb", "scsi", "sata", "virtio-serial"):
            for c in (c for c in self.d.controllers if c.type == kind):
                driver = _USB.get(c.model or "") if kind == "usb" else _CONTROLLERS.get(kind)
                builtin = self.q35 and kind == "sata" and c.index == 0  # the ICH9 AHCI is part of the machine
                if driver is not None and c.address is not None and not builtin:
                    out += ["-device", _json({"driver": driver, "id": c.alias, **self.addr(c.address)})]
        return out

    def disk_bus(self, disk: Disk) -> dict[str, Any]:
        a = disk.address
        if disk.target_bus == "virtio":
            return {"driver": "virtio-blk-pci", **self.addr(a)}
        if a is None or a.type != "drive":
            return {}
        kind = "ide-cd" if disk.device == "cdrom" else "ide-hd"
        if disk.target_bus == "sata" or (disk.target_bus == "ide" and self.q35):
            sata = next((c for c in self.d.controllers if c.type == "sata" and c.index == a.num("controller")), None)
            return {"driver": kind, "bus": f"{sata.alias if sata else 'ide'}.{a.num('unit')}"}
        if disk.target_bus == "ide":
            return {"driver": kind, "bus": f"ide.{a.num('bus')}", "unit": a.num("unit")}
        return {}

    def disks(self) -> list[str]:
        out: list[str] = []
        for n, disk in zip(range(len(self.d.disks), 0, -1), self.d.disks, strict=True):
            props = self.disk_bus(disk)
            if not props:
                continue
            if disk.source and disk.type in ("file", "block"):
                storage, fmt = f"libvirt-{n}-storage", f"libvirt-{n}-format"
                out += ["-blockdev", _json({"driver": "file" if disk.type == "file" else "host_device",
                                            "filename": disk.source, "node-name": storage, "auto-read-only": True,
                                            "discard": "unmap"}),
                        "-blockdev", _json({"node-name": fmt, "read-only": disk.readonly,
                                            "driver": disk.driver_type or "raw", "file": storage})]
                props["drive"] = fmt
            props["id"] = disk.alias
            if id(disk) in self.boot:
                props["bootindex"] = self.boot[id(disk)]
            out += ["-device", _json(props)]
        return out

    def nics(self) -> list[str]:
        out: list[str] = []
        for n, nic in enumerate(self.d.interfaces):
            model = _NIC.get(nic.model or "rtl8139", nic.model or "rtl8139")
            out += ["-netdev", _json({"type": "tap", "fd": str(FIRST_TAP_FD + 9 * n), "id": f"host{nic.alias}"})]
            props: dict[str, Any] = {"driver": model, "netdev": f"host{nic.alias}", "id": nic.alias, "mac": nic.mac}
            if id(nic) in self.boot:
                props["bootindex"] = self.boot[id(nic)]
            out += ["-device", _json({**props, **self.addr(nic.address)})]
        return out

    def serials(self) -> list[str]:
        out: list[str] = []
        for s in self.d.serials:
            if s.type == "pty" and s.target_type in (None, "isa-serial"):
                out += ["-chardev", f"pty,id=char{s.alias}",
                        "-device", _json({"driver": "isa-serial", "chardev": f"char{s.alias}", "id": s.alias,
                                          "index": int(s.target_attrs.get("port", "0") or 0)})]
        return out

    def inputs(self) -> list[str]:
        out: list[str] = []
        for i in self.d.inputs:
            if i.bus == "usb" and i.type in ("tablet", "mouse", "keyboard") and i.address is not None:
                out += ["-device", _json({"driver": f"usb-{'kbd' if i.type == 'keyboard' else i.type}", "id": i.alias,
                                          "bus": f"usb.{i.address.num('bus')}",
                                          "port": str(i.address.fields.get("port", "1"))})]
        return out

    def display(self) -> list[str]:
        out: list[str] = []
        for g in self.d.graphics:
            if g.type == "vnc":
                port = int(g.attrs.get("port", "-1") or -1)
                listen = next((x.attrs["address"] for x in g.listens if x.attrs.get("address")), "127.0.0.1")
                out += ["-vnc", f"{listen}:{max(port - 5900, 0)},audiodev=audio1"]
        for v in self.d.videos[:1]:
            if v.model_type in _VIDEO:
                props: dict[str, Any] = {"driver": _VIDEO[v.model_type], "id": v.alias}
                if v.model_type == "vga":
                    props["vgamem_mb"] = int(v.model_attrs.get("vgamem", "16384")) // 1024
                out += ["-device", _json({**props, **self.addr(v.address)})]
        return out


def _comma(value: str) -> str:
    """virQEMUBuildBufferEscapeComma: a comma inside an option value is doubled."""
    return value.replace(",", ",,")


def _smp(d: DomainDef) -> str:
    topo = d.cpu.topology if d.cpu is not None and d.cpu.topology else None
    maxcpus = f",maxcpus={d.vcpus}" if d.current_vcpus != d.vcpus else ""
    if topo:
        return (f"{d.current_vcpus}{maxcpus},sockets={topo.get('sockets', '1')},dies={topo.get('dies', '1')},"
                f"cores={topo.get('cores', '1')},threads={topo.get('threads', '1')}")
    return f"{d.current_vcpus}{maxcpus},sockets={d.vcpus},cores=1,threads=1"
