"""What the guest OS knows about itself, as qemu-ga reports it: a test sets any part of it.

A field left ``None`` is derived from the running definition when asked (the NICs, disks and
vCPUs the domain has), so an untouched guest is plausible without any setup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .link import AgentLink


@dataclass
class GuestOS:
    """guest-get-osinfo (an os-release file and uname)."""

    id: str | None = "debian"
    name: str | None = "Debian GNU/Linux"
    pretty_name: str | None = "Debian GNU/Linux 12 (bookworm)"
    version: str | None = "12 (bookworm)"
    version_id: str | None = "12"
    kernel_release: str | None = "6.1.0-13-amd64"
    kernel_version: str | None = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)"
    machine: str | None = "x86_64"
    variant: str | None = None
    variant_id: str | None = None


@dataclass
class GuestUser:
    """One logged-in user (guest-get-users); login_time in seconds since the epoch."""

    name: str
    login_time: float
    domain: str | None = None  # Windows guests only


@dataclass
class GuestFSDisk:
    """A disk under a filesystem: ``target`` names the domain's disk (``vda``) it sits on."""

    target: str
    device: str | None = None  # /dev/vda1
    serial: str | None = None


@dataclass
class GuestFS:
    """One mounted filesystem (guest-get-fsinfo)."""

    mountpoint: str
    name: str
    fstype: str
    total_bytes: int | None = None
    used_bytes: int | None = None
    disks: list[GuestFSDisk] = field(default_factory=list)


@dataclass
class GuestDisk:
    """A block device of the guest (guest-get-disks)."""

    name: str  # /dev/vda
    partition: bool = False
    dependencies: list[str] = field(default_factory=list)
    target: str | None = None  # the domain's disk it is, when it is one
    serial: str | None = None
    alias: str | None = None  # a guest-side alias (a device-mapper name)


@dataclass
class GuestNIC:
    """One network interface with its addresses: (type "ipv4"/"ipv6", address, prefix)."""

    name: str
    hwaddr: str | None
    addresses: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass
class GuestVcpu:
    id: int
    online: bool = True
    can_offline: bool = True


@dataclass
class Guest:
    """The guest OS of one domain; it survives restarts, like a disk's contents."""

    os: GuestOS = field(default_factory=GuestOS)
    hostname: str | None = None  # None: the domain's name
    timezone: tuple[str | None, int] = ("UTC", 0)  # (name, offset in seconds east of UTC)
    users: list[GuestUser] = field(default_factory=list)
    accounts: set[str] = field(default_factory=lambda: {"root"})  # who exists (passwords, SSH keys)
    filesystems: list[GuestFS] | None = None  # in mount order
    disks: list[GuestDisk] | None = None
    interfaces: list[GuestNIC] | None = None
    vcpus: list[GuestVcpu] | None = None  # None: every vCPU online, all but vCPU 0 offlinable
    time_offset_ns: int = 0  # guest clock minus host clock
    ssh_keys: dict[str, list[str]] = field(default_factory=dict)  # user -> authorized_keys lines (no file: absent)
    passwords: dict[str, tuple[str, bool]] = field(default_factory=dict)  # user -> (password, crypted)
    runs_agent: bool = True  # qemu-ga starts at boot when the channel exists
    boot_seconds: float = 2.0  # from QEMU's start to qemu-ga opening its port
    link: AgentLink = field(default_factory=AgentLink)  # libvirtd's side of the channel
