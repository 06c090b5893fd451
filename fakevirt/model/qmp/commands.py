"""The QMP commands clients send through qemu-monitor-command, answered from the model as QEMU 7.2
answers them for a domain libvirt 9.0 started (-blockdev, node names libvirt-N-format/storage)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..domain import Domain, Paused, State

if TYPE_CHECKING:
    from ..hypervisor import QemuDriver

QEMU_VERSION_NUMBERS = {"micro": 22, "minor": 2, "major": 7}
QEMU_PACKAGE = "Debian 1:7.2+dfsg-7+deb12u18+b3"
VCPU_THREAD_BASE = 20000  # the emulated QEMU's vCPU thread ids: base + 100 * domain id + vCPU

# QEMU's RunState for a paused domain, by libvirt's paused reason
_PAUSED_STATUS = {Paused.IOERROR: "io-error", Paused.WATCHDOG: "watchdog", Paused.MIGRATION: "postmigrate",
                  Paused.SAVE: "finish-migrate", Paused.SHUTTING_DOWN: "shutdown", Paused.CRASHED: "guest-panicked",
                  Paused.STARTING_UP: "prelaunch", Paused.SNAPSHOT: "save-vm", Paused.DUMP: "finish-migrate"}


class QmpError(Exception):
    """A QMP error reply: its class and description."""

    def __init__(self, cls: str, desc: str) -> None:
        super().__init__(desc)
        self.cls, self.desc = cls, desc


@dataclass
class Context:
    driver: QemuDriver
    dom: Domain


Command = Callable[[Context, dict[str, Any]], Any]
COMMANDS: dict[str, tuple[Command, frozenset[str]]] = {}  # name -> (answer, accepted arguments)


def command(name: str, *params: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        COMMANDS[name] = (fn, frozenset(params))
        return fn
    return register


def run(ctx: Context, name: str, args: dict[str, Any]) -> Any:
    """The command's return value; QmpError as QEMU refuses it."""
    entry = COMMANDS.get(name)
    if entry is None:
        raise QmpError("CommandNotFound", f"The command {name} has not been found")
    fn, params = entry
    for key in args:
        if key not in params:
            raise QmpError("GenericError", f"Parameter '{key}' is unexpected")
    return fn(ctx, args)


def run_status(dom: Domain) -> str:
    if dom.state == State.RUNNING:
        return "running"
    if dom.state == State.PMSUSPENDED:
        return "suspended"
    return _PAUSED_STATUS.get(Paused(dom.reason), "paused") if dom.state == State.PAUSED else "running"


@command("query-status")
def query_status(ctx: Context, args: dict[str, Any]) -> Any:
    return {"status": run_status(ctx.dom), "singlestep": False, "running": ctx.dom.state == State.RUNNING}


@command("query-name")
def query_name(ctx: Context, args: dict[str, Any]) -> Any:
    return {"name": ctx.dom.name}


@command("query-uuid")
def query_uuid(ctx: Context, args: dict[str, Any]) -> Any:
    return {"UUID": str(ctx.dom.uuid)}


@command("query-version")
def query_version(ctx: Context, args: dict[str, Any]) -> Any:
    return {"qemu": QEMU_VERSION_NUMBERS, "package": QEMU_PACKAGE}


@command("query-kvm")
def query_kvm(ctx: Context, args: dict[str, Any]) -> Any:
    return {"enabled": ctx.dom.definition.virt_type == "kvm", "present": True}


def vcpu_thread_id(dom: Domain, vcpu: int) -> int:
    return VCPU_THREAD_BASE + 100 * dom.id + vcpu


def online_vcpus(dom: Domain) -> int:
    return dom.definition.current_vcpus


@command("query-cpus-fast")
def query_cpus_fast(ctx: Context, args: dict[str, Any]) -> Any:
    return [{"thread-id": vcpu_thread_id(ctx.dom, i), "props": {"core-id": 0, "thread-id": 0, "socket-id": i},
             "qom-path": f"/machine/unattached/device[{i}]", "cpu-index": i, "target": "x86_64"}
            for i in range(online_vcpus(ctx.dom))]


def _node(disk: Any) -> str:
    return f"libvirt-{disk.source_attrs.get('index', '1')}"


def qdev_path(alias: str | None, bus: str | None) -> str:
    path = f"/machine/peripheral/{alias}"
    return f"{path}/virtio-backend" if bus == "virtio" else path


def _image_info(ctx: Context, disk: Any) -> dict[str, Any] | None:
    images = ctx.driver.hypervisor.images
    path = disk.image_path
    if disk.type != "file" or not path or not images.exists(path):
        return None
    img = images.open(path)
    info: dict[str, Any] = {"virtual-size": img.virtual_size, "filename": path}
    if img.format == "qcow2":
        info["cluster-size"] = img.cluster_size
    info |= {"format": img.format, "actual-size": img.allocation}
    if img.format == "qcow2":
        info["format-specific"] = {"type": "qcow2", "data": {
            "compat": "1.1", "compression-type": "zlib", "lazy-refcounts": False, "refcount-bits": 16,
            "corrupt": False, "extended-l2": False}}
    if img.backing:
        info |= {"backing-filename": img.backing, "backing-filename-format": img.backing_format or "raw"}
    info["dirty-flag"] = False
    return info


def _inserted(ctx: Context, disk: Any, image: dict[str, Any]) -> dict[str, Any]:
    ro = disk.readonly or disk.device == "cdrom"
    return {"iops_rd": 0, "detect_zeroes": "off", "image": image, "iops_wr": 0, "ro": ro,
            "node-name": f"{_node(disk)}-format", "backing_file_depth": 1 if "backing-filename" in image else 0,
            "drv": image["format"], "iops": 0, "bps_wr": 0, "write_threshold": 0, "encrypted": False,
            "bps": 0, "bps_rd": 0, "cache": {"no-flush": False, "direct": False, "writeback": True},
            "file": image["filename"]}


@command("query-block")
def query_block(ctx: Context, args: dict[str, Any]) -> Any:
    out = []
    for disk in ctx.dom.definition.disks:
        removable = disk.device in ("cdrom", "floppy")
        entry: dict[str, Any] = {"io-status": "ok", "device": "", "locked": False, "removable": removable}
        if removable:
            entry["tray_open"] = False
        image = _image_info(ctx, disk)
        if image is not None:
            entry["inserted"] = _inserted(ctx, disk, image)
        entry |= {"qdev": qdev_path(disk.alias, disk.target_bus), "type": "unknown"}
        out.append(entry)
    return out


@command("query-named-block-nodes", "flat")
def query_named_block_nodes(ctx: Context, args: dict[str, Any]) -> Any:
    out = []
    for disk in ctx.dom.definition.disks:
        image = _image_info(ctx, disk)
        if image is None:
            continue
        fmt = _inserted(ctx, disk, image)
        storage = fmt | {"node-name": f"{_node(disk)}-storage", "drv": "file",
                         "image": {"virtual-size": image["actual-size"] if image["format"] != "raw"
                                   else image["virtual-size"], "filename": image["filename"], "format": "file",
                                   "actual-size": image["actual-size"], "dirty-flag": False}}
        out += [fmt, storage]
    return out


@command("query-commands")
def query_commands(ctx: Context, args: dict[str, Any]) -> Any:
    return [{"name": name} for name in sorted(COMMANDS)]


@command("stop")
def stop(ctx: Context, args: dict[str, Any]) -> Any:
    """The guest pauses behind libvirt's back: paused (unknown), as after QEMU's STOP event."""
    if ctx.dom.state != State.PAUSED:
        ctx.driver.domains.suspend(ctx.dom)
        ctx.dom.reason = Paused.UNKNOWN
    return {}


@command("cont")
def cont(ctx: Context, args: dict[str, Any]) -> Any:
    if ctx.dom.state == State.PAUSED:
        ctx.driver.domains.resume(ctx.dom)
    return {}
