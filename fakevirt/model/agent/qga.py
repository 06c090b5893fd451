"""qemu-ga 7.2 as the guest runs it: the guest-* commands answered from the guest model.

``execute`` takes a command name and its arguments (JSON values) and returns the JSON value of
``"return"``, or raises ``QgaError`` with the class and description qemu-ga would send.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..devices import Disk
from ..domaindef import DomainDef
from . import facts
from .guest import Guest, GuestVcpu
from .link import AgentLink

QGA_VERSION = "7.2.0"
FROZEN_ALLOWED = frozenset({"guest-ping", "guest-info", "guest-sync", "guest-sync-delimited",
                            "guest-fsfreeze-status", "guest-fsfreeze-thaw"})
BLOCKED = frozenset({"guest-exec", "guest-exec-status"})  # Debian's qemu-ga runs with them blocked here
NO_RESPONSE = frozenset({"guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid"})


class QgaError(Exception):
    def __init__(self, klass: str, desc: str) -> None:
        super().__init__(desc)
        self.klass, self.desc = klass, desc


class NoResponse(Exception):
    """A command qemu-ga executes without answering (guest-shutdown, guest-suspend-*)."""


@dataclass
class Context:
    """One command's view of the guest: its facts, the channel, the running definition, the host."""

    guest: Guest
    link: AgentLink
    live: DomainDef
    now_ns: int
    leases: dict[str, tuple[str, int]]  # MAC -> (IPv4 address, prefix) the guest got by DHCP
    fs_bytes: Callable[[Guest, DomainDef], list[Any]]  # the filesystems, sized from the images


def execute(ctx: Context, name: str, args: dict[str, Any]) -> Any:
    fn = COMMANDS.get(name)
    if fn is None and name not in BLOCKED and name not in NO_RESPONSE:
        raise QgaError("CommandNotFound", f"The command {name} has not been found")
    if name in BLOCKED:
        raise QgaError("CommandNotFound", f"Command {name} has been disabled")
    if ctx.link.frozen and name not in FROZEN_ALLOWED:
        raise QgaError("CommandNotFound", f"Command {name} has been disabled: the agent is in frozen state")
    for key in args:
        if key not in ARGS.get(name, ()):
            raise QgaError("GenericError", f"Parameter '{key}' is unexpected")
    if fn is None:
        raise NoResponse(name)
    return fn(ctx, args)


def _arg(args: dict[str, Any], name: str, kind: type | tuple[type, ...], expected: str, required: bool = True) -> Any:
    """The QAPI input visitor's checks of one member."""
    if name not in args:
        if required:
            raise QgaError("GenericError", f"Parameter '{name}' is missing")
        return None
    value = args[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise QgaError("GenericError", f"Invalid parameter type for '{name}', expected: {expected}")
    return value


def _sync(ctx: Context, args: dict[str, Any]) -> Any:
    return _arg(args, "id", int, "integer")


def _info(ctx: Context, args: dict[str, Any]) -> Any:
    names = sorted([*COMMANDS, *BLOCKED, *NO_RESPONSE])
    return {"version": QGA_VERSION, "supported_commands": [
        {"enabled": n not in BLOCKED, "name": n, "success-response": n not in NO_RESPONSE} for n in names]}


def _osinfo(ctx: Context, args: dict[str, Any]) -> Any:
    o = ctx.guest.os
    pairs = {"name": o.name, "kernel-release": o.kernel_release, "version": o.version, "variant": o.variant,
             "pretty-name": o.pretty_name, "version-id": o.version_id, "variant-id": o.variant_id,
             "kernel-version": o.kernel_version, "machine": o.machine, "id": o.id}
    return {k: v for k, v in pairs.items() if v is not None}


def _users(ctx: Context, args: dict[str, Any]) -> Any:
    out = []
    for u in ctx.guest.users:
        entry: dict[str, Any] = {"user": u.name, "login-time": u.login_time}
        if u.domain is not None:
            entry["domain"] = u.domain
        out.append(entry)
    return out


def _timezone(ctx: Context, args: dict[str, Any]) -> Any:
    zone, offset = ctx.guest.timezone
    return {"offset": offset, **({"zone": zone} if zone is not None else {})}


def _set_time(ctx: Context, args: dict[str, Any]) -> Any:
    when = _arg(args, "time", int, "integer", required=False)
    if when is None:  # read the time from the RTC, which follows the host
        ctx.guest.time_offset_ns = 0
    elif when < 0:
        raise QgaError("GenericError", "Failed to set time to guest: Invalid argument")
    else:
        ctx.guest.time_offset_ns = when - ctx.now_ns
    return {}


def _vcpus(ctx: Context, args: dict[str, Any]) -> Any:
    return [{"online": v.online, "can-offline": v.can_offline, "logical-id": v.id}
            for v in facts.vcpus(ctx.guest, ctx.live)]


def _set_vcpus(ctx: Context, args: dict[str, Any]) -> Any:
    """Applies the list in order and stops at the first entry it cannot apply."""
    wanted = _arg(args, "vcpus", list, "array")
    by_id = {v.id: v for v in facts.vcpus(ctx.guest, ctx.live)}
    done = 0
    for entry in wanted:
        if not isinstance(entry, dict):
            raise QgaError("GenericError", "Invalid parameter type for 'vcpus', expected: object")
        vcpu: GuestVcpu | None = by_id.get(_arg(entry, "logical-id", int, "integer"))
        online = _arg(entry, "online", bool, "boolean")
        if vcpu is None or (not online and not vcpu.can_offline and vcpu.online):
            if done == 0:
                raise QgaError("GenericError", "Invalid parameter 'logical-id'" if vcpu is None
                               else f"logical processor #{vcpu.id} can't be offlined")
            break
        vcpu.online = online
        done += 1
    return done


def _fs_disk(live: DomainDef, target: str, serial: str | None, device: str | None) -> dict[str, Any]:
    disk = next((d for d in live.disks if d.target_dev == target), None)
    out: dict[str, Any] = disk_address(disk)
    if serial is not None:
        out["serial"] = serial
    if device is not None:
        out["dev"] = device
    return out


def disk_address(disk: Disk | None) -> dict[str, Any]:
    """The GuestDiskAddress qemu-ga reads from sysfs for a domain's disk."""
    bus = (disk.target_bus if disk is not None else None) or "virtio"
    pci = {"domain": 0, "bus": 0, "slot": 0, "function": 0}
    unit = bus_no = 0
    if disk is not None and disk.address is not None:
        f = disk.address.fields
        if disk.address.type == "pci":
            pci = {k: int(f.get(k, 0)) for k in pci}
        else:
            bus_no, unit = int(f.get("bus", 0)), int(f.get("unit", 0))
    return {"pci-controller": pci, "bus-type": "scsi" if bus == "sata" else bus, "bus": bus_no, "target": 0,
            "unit": unit}


def _fsinfo(ctx: Context, args: dict[str, Any]) -> Any:
    out = []
    for fs in reversed(ctx.fs_bytes(ctx.guest, ctx.live)):  # qemu-ga prepends each mount
        entry: dict[str, Any] = {"name": fs.name, "mountpoint": fs.mountpoint, "type": fs.fstype,
                                 "disk": [_fs_disk(ctx.live, d.target, d.serial, d.device) for d in fs.disks]}
        if fs.total_bytes is not None:
            entry["total-bytes"] = fs.total_bytes
        if fs.used_bytes is not None:
            entry["used-bytes"] = fs.used_bytes
        out.append(entry)
    return out


def _disks(ctx: Context, args: dict[str, Any]) -> Any:
    out = []
    for d in facts.disks(ctx.guest, ctx.live):
        entry: dict[str, Any] = {"name": d.name, "partition": d.partition}
        if d.dependencies:
            entry["dependencies"] = list(d.dependencies)
        if d.target is not None:
            disk = next((x for x in ctx.live.disks if x.target_dev == d.target), None)
            entry["address"] = {**disk_address(disk), "dev": d.name, **({"serial": d.serial} if d.serial else {})}
        if d.alias is not None:
            entry["alias"] = d.alias
        out.append(entry)
    return out


def _interfaces(ctx: Context, args: dict[str, Any]) -> Any:
    out = []
    for nic in facts.interfaces(ctx.guest, ctx.live, ctx.leases):
        entry: dict[str, Any] = {"name": nic.name}
        if nic.hwaddr is not None:
            entry["hardware-address"] = nic.hwaddr
        entry["ip-addresses"] = [{"ip-address-type": t, "ip-address": a, "prefix": p} for t, a, p in nic.addresses]
        entry["statistics"] = {k: 0 for k in ("rx-bytes", "rx-packets", "rx-errs", "rx-dropped",
                                             "tx-bytes", "tx-packets", "tx-errs", "tx-dropped")}
        out.append(entry)
    return out


def _fs_count(ctx: Context, mountpoints: list[str] | None) -> int:
    mounted = [fs.mountpoint for fs in ctx.fs_bytes(ctx.guest, ctx.live)]
    return len(mounted) if mountpoints is None else sum(1 for m in mounted if m in mountpoints)


def _freeze(ctx: Context, args: dict[str, Any]) -> Any:
    count = _fs_count(ctx, None)
    ctx.link.frozen = True
    return count


def _freeze_list(ctx: Context, args: dict[str, Any]) -> Any:
    mountpoints = _arg(args, "mountpoints", list, "array", required=False)
    count = _fs_count(ctx, mountpoints)
    ctx.link.frozen = True
    return count


def _thaw(ctx: Context, args: dict[str, Any]) -> Any:
    count = _fs_count(ctx, None) if ctx.link.frozen else 0
    ctx.link.frozen = False
    return count


def _fstrim(ctx: Context, args: dict[str, Any]) -> Any:
    minimum = _arg(args, "minimum", int, "integer", required=False) or 0
    return {"paths": [{"path": fs.mountpoint, "trimmed": 0, "minimum": minimum}
                      for fs in ctx.fs_bytes(ctx.guest, ctx.live)]}


def _user(ctx: Context, args: dict[str, Any]) -> str:
    user = _arg(args, "username", str, "string")
    if user not in ctx.guest.accounts:
        raise QgaError("GenericError", f"failed to lookup user '{user}': Success")
    return str(user)


def _set_password(ctx: Context, args: dict[str, Any]) -> Any:
    encoded = _arg(args, "password", str, "string")
    crypted = _arg(args, "crypted", bool, "boolean")
    user = _arg(args, "username", str, "string")
    try:
        password = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise QgaError("GenericError", "Invalid base64 data") from None
    if "\n" in password:
        raise QgaError("GenericError", "forbidden characters in raw password")
    if "\n" in user or ":" in user:
        raise QgaError("GenericError", "forbidden characters in username")
    if user not in ctx.guest.accounts:  # chpasswd fails
        raise QgaError("GenericError", "child process has failed to set user password")
    ctx.guest.passwords[user] = (password, crypted)
    return {}


def _keys_arg(args: dict[str, Any]) -> list[str]:
    keys = _arg(args, "keys", list, "array")
    for k in keys:
        if not isinstance(k, str):
            raise QgaError("GenericError", "Invalid parameter type for 'keys', expected: string")
        if k.startswith("#") or "\n" in k:
            raise QgaError("GenericError", f"invalid OpenSSH public key: '{k}'")
    return [k for k in keys if k]  # an empty key is an empty line, which listing skips


def _authorized_keys(user: str) -> str:
    home = "/root" if user == "root" else f"/home/{user}"
    return f"{home}/.ssh/authorized_keys"


def _ssh_get(ctx: Context, args: dict[str, Any]) -> Any:
    """The file's keys, last line first (qemu-ga prepends each); no file is an error."""
    user = _user(ctx, args)
    if user not in ctx.guest.ssh_keys:
        path = _authorized_keys(user)
        raise QgaError("GenericError", f"failed to read '{path}': Failed to open file \u201c{path}\u201d: "
                                       "No such file or directory")
    return {"keys": list(reversed(ctx.guest.ssh_keys[user]))}


def _ssh_add(ctx: Context, args: dict[str, Any]) -> Any:
    keys = _keys_arg(args)
    user = _user(ctx, args)
    reset = _arg(args, "reset", bool, "boolean", required=False)
    have = [] if reset else ctx.guest.ssh_keys.get(user, [])
    ctx.guest.ssh_keys[user] = have + [k for i, k in enumerate(keys) if k not in have and k not in keys[:i]]
    return {}


def _ssh_remove(ctx: Context, args: dict[str, Any]) -> Any:
    keys = _keys_arg(args)
    user = _user(ctx, args)
    if user in ctx.guest.ssh_keys:  # without the file there is nothing to remove
        ctx.guest.ssh_keys[user] = [k for k in ctx.guest.ssh_keys[user] if k not in keys]
    return {}


COMMANDS: dict[str, Callable[[Context, dict[str, Any]], Any]] = {
    "guest-sync": _sync,
    "guest-sync-delimited": _sync,
    "guest-ping": lambda ctx, args: {},
    "guest-info": _info,
    "guest-get-osinfo": _osinfo,
    "guest-get-host-name": lambda ctx, args: {"host-name": facts.hostname(ctx.guest, ctx.live)},
    "guest-get-timezone": _timezone,
    "guest-get-users": _users,
    "guest-get-time": lambda ctx, args: ctx.now_ns + ctx.guest.time_offset_ns,
    "guest-set-time": _set_time,
    "guest-get-vcpus": _vcpus,
    "guest-set-vcpus": _set_vcpus,
    "guest-get-fsinfo": _fsinfo,
    "guest-get-disks": _disks,
    "guest-network-get-interfaces": _interfaces,
    "guest-fsfreeze-status": lambda ctx, args: "frozen" if ctx.link.frozen else "thawed",
    "guest-fsfreeze-freeze": _freeze,
    "guest-fsfreeze-freeze-list": _freeze_list,
    "guest-fsfreeze-thaw": _thaw,
    "guest-fstrim": _fstrim,
    "guest-set-user-password": _set_password,
    "guest-ssh-get-authorized-keys": _ssh_get,
    "guest-ssh-add-authorized-keys": _ssh_add,
    "guest-ssh-remove-authorized-keys": _ssh_remove,
}

ARGS: dict[str, tuple[str, ...]] = {
    "guest-sync": ("id",), "guest-sync-delimited": ("id",), "guest-set-time": ("time",),
    "guest-set-vcpus": ("vcpus",), "guest-fsfreeze-freeze-list": ("mountpoints",), "guest-fstrim": ("minimum",),
    "guest-set-user-password": ("username", "password", "crypted"),
    "guest-ssh-get-authorized-keys": ("username",), "guest-ssh-add-authorized-keys": ("username", "keys", "reset"),
    "guest-ssh-remove-authorized-keys": ("username", "keys"), "guest-shutdown": ("mode",),
    "guest-exec": ("path", "arg", "env", "input-data", "capture-output"), "guest-exec-status": ("pid",),
}
