"""The files libvirtd keeps per domain and per snapshot, named after them: a name too long for a
file name (NAME_MAX bytes, suffix included) fails where libvirtd fails to write that file."""

from __future__ import annotations

from ..errors import domain as domain_err
from ..errors import snapshot as snapshot_err

NAME_MAX = 255  # bytes in one path component (Linux)
CONFIG_DIR = "/etc/libvirt/qemu"  # qemu:///session of a root daemon uses the same directories
STATE_DIR = "/run/libvirt/qemu"


def _too_long(name: str, suffix: str) -> bool:
    return len((name + suffix).encode("utf-8", "surrogatepass")) > NAME_MAX


def check_config_file(name: str) -> None:
    """virDomainDefSave: define and rename write CONFIG_DIR/NAME.xml through NAME.xml.new."""
    if _too_long(name, ".xml.new"):
        raise domain_err.cannot_create_file(f"{CONFIG_DIR}/{name}.xml.new")


def check_state_files(name: str) -> None:
    """Starting a domain removes a stale STATE_DIR/NAME.pid, then writes its status XML."""
    if _too_long(name, ".pid"):
        raise domain_err.stale_pid_file(f"{STATE_DIR}/{name}.pid")
    if _too_long(name, ".xml.new"):
        raise domain_err.cannot_create_file(f"{STATE_DIR}/{name}.xml.new")


def check_snapshot_file(name: str) -> None:
    """qemuSnapshotCreateWriteMetadata: the snapshot's XML is a file named after it."""
    if _too_long(name, ".xml.new"):
        raise snapshot_err.metadata_not_saved(name)
