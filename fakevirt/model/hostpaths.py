"""The directories of the emulated host: a Debian 12 system with libvirt-daemon-system 9.0 installed.

Where a client looks for a directory (a dir pool's target, virt-install's ``boot-scratch`` pool on
/var/lib/libvirt/boot, the default pool on /var/lib/libvirt/images) it must exist as on such a
host.  Modes and owners are the package's (its postinst overrides some), or what libvirtd creates
at startup (the QEMU driver's state directories belong to the qemu user).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HostDir:
    path: str
    mode: int = 0o755
    qemu_owned: bool = False  # libvirt-qemu:libvirt-qemu rather than root:root


_GENERAL = ("/", "/tmp", "/var", "/var/lib", "/var/cache", "/var/log", "/home", "/srv", "/mnt", "/opt",
            "/root", "/etc", "/run")
_ETC = ("/etc/libvirt", "/etc/libvirt/hooks", "/etc/libvirt/nwfilter", "/etc/libvirt/qemu",
        "/etc/libvirt/qemu/networks", "/etc/libvirt/qemu/networks/autostart", "/etc/libvirt/qemu/autostart",
        "/etc/libvirt/storage", "/etc/libvirt/storage/autostart")
_QEMU_STATE = ("checkpoint", "dump", "nvram", "ram", "save", "snapshot")

HOST_DIRS: tuple[HostDir, ...] = (
    *(HostDir(p) for p in _GENERAL),
    *(HostDir(p) for p in _ETC),
    HostDir("/etc/libvirt/secrets", 0o700),
    HostDir("/var/lib/libvirt"),
    HostDir("/var/lib/libvirt/images", 0o711),
    HostDir("/var/lib/libvirt/boot", 0o711),
    HostDir("/var/lib/libvirt/dnsmasq"),
    HostDir("/var/lib/libvirt/sanlock", 0o700),
    HostDir("/var/lib/libvirt/qemu", 0o750, qemu_owned=True),
    HostDir("/var/lib/libvirt/qemu/channel", 0o750, qemu_owned=True),
    HostDir("/var/lib/libvirt/qemu/channel/target", 0o750, qemu_owned=True),
    *(HostDir(f"/var/lib/libvirt/qemu/{d}", qemu_owned=True) for d in _QEMU_STATE),
    HostDir("/var/cache/libvirt", 0o711),
    HostDir("/var/cache/libvirt/qemu", 0o711),
    HostDir("/var/log/libvirt"),
    HostDir("/var/log/libvirt/qemu"),
    HostDir("/var/log/libvirt/lxc"),
    HostDir("/run/libvirt"),
)
