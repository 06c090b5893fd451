"""The human monitor commands clients send (`virsh qemu-monitor-command --hmp 'info …'`), as
QEMU 7.2 prints them: lines end with CRLF."""

from __future__ import annotations

from collections.abc import Callable

from ..domain import State
from .commands import (
    QEMU_PACKAGE,
    QEMU_VERSION_NUMBERS,
    Context,
    online_vcpus,
    qdev_path,
    query_block,
    run_status,
    vcpu_thread_id,
)


def _status(ctx: Context) -> str:
    status = run_status(ctx.dom)
    if ctx.dom.state == State.RUNNING:
        return "VM status: running"
    return "VM status: paused" + ("" if status == "paused" else f" ({status})")


def _cpus(ctx: Context) -> str:
    return "\r\n".join(f"{'*' if i == 0 else ' '} CPU #{i}: thread_id={vcpu_thread_id(ctx.dom, i)}"
                       for i in range(online_vcpus(ctx.dom)))


def _version(ctx: Context) -> str:
    v = QEMU_VERSION_NUMBERS
    return f"{v['major']}.{v['minor']}.{v['micro']}{QEMU_PACKAGE}"


def _block(ctx: Context) -> str:
    out = []
    for disk, entry in zip(ctx.dom.definition.disks, query_block(ctx, {}), strict=True):
        inserted = entry.get("inserted")
        if inserted is None:
            head = f"{disk.alias}: [not inserted]"
        else:
            head = f"{inserted['node-name']}: {inserted['file']} ({inserted['drv']}{', read-only' if inserted['ro'] else ''})"
        lines = [head, f"    Attached to:      {qdev_path(disk.alias, disk.target_bus)}"]
        if entry["removable"]:
            lines.append(f"    Removable device: {'locked' if entry['locked'] else 'not locked'}, tray closed")
        lines.append("    Cache mode:       writeback")  # a booted guest's virtio driver keeps the write cache
        out.append("\r\n".join(lines))
    return "\r\n\r\n".join(out)


_INFO: dict[str, Callable[[Context], str]] = {
    "status": _status,
    "name": lambda ctx: ctx.dom.name,
    "uuid": lambda ctx: str(ctx.dom.uuid),
    "version": _version,
    "kvm": lambda ctx: f"kvm support: {'enabled' if ctx.dom.definition.virt_type == 'kvm' else 'disabled'}",
    "cpus": _cpus,
    "block": _block,
}


def human_command(ctx: Context, line: str) -> str:
    """What QEMU's monitor prints for one command line."""
    words = line.split()
    if not words:
        return ""
    if words[0] == "info" and len(words) > 1:
        show = _INFO.get(words[1])
        if show is None:
            return f"unknown command: 'info {words[1]}'\r\n"
        text = show(ctx)
        return text + "\r\n" if text else ""
    if words[0] == "info":
        return "".join(f"info {name}  -- show {name}\r\n" for name in sorted(_INFO))
    return f"unknown command: '{words[0]}'\r\n"
