"""Where libvirtd keeps each object, relative to the state directory (libvirt 9.0's paths as root).

A driver instance other than ``qemu:///system`` gets its own tree under ``session/`` (the
emulator's qemu:///session is a second instance on the same host). The XML headers are the ones
virXMLSaveFile writes: the comment names the virsh command that edits the object.
"""

from __future__ import annotations

import base64
import re
import struct
from typing import Any

from ..model.domain import Paused, Running, Shutoff, State

STATE_FILE = "fakevirt.json"  # the host's own data: seed, id generator position, next domain ID
IMAGES = "images"  # image files and pool directories, at their host paths below this
BITMAPS = "bitmaps"  # PATH.json beside no image: the persistent dirty bitmaps of the image at PATH

QEMU = "etc/libvirt/qemu"
QEMU_AUTOSTART = "etc/libvirt/qemu/autostart"
QEMU_RUN = "run/libvirt/qemu"
SNAPSHOTS = "var/lib/libvirt/qemu/snapshot"
CHECKPOINTS = "var/lib/libvirt/qemu/checkpoint"
MANAGED_SAVES = "var/lib/libvirt/qemu/save"  # NAME.save: libvirt's holds QEMU's migration stream too
NETWORKS = "etc/libvirt/qemu/networks"
NETWORKS_AUTOSTART = "etc/libvirt/qemu/networks/autostart"
NETWORKS_RUN = "run/libvirt/network"
POOLS = "etc/libvirt/storage"
POOLS_AUTOSTART = "etc/libvirt/storage/autostart"
POOLS_RUN = "run/libvirt/storage"
SECRETS = "etc/libvirt/secrets"
NWFILTERS = "etc/libvirt/nwfilter"


def driver_root(path: str) -> str:
    """The tree of one QEMU driver instance ("" for /system)."""
    return "" if path == "/system" else path.strip("/") + "/"


def image_file(path: str) -> str:
    return IMAGES + path


def bitmap_file(image: str) -> str:
    """The bitmaps of the image file ``images/PATH`` (qcow2 keeps them inside; this writer does not)."""
    return BITMAPS + image[len(IMAGES):] + ".json"


def header(command: str) -> str:
    """virXMLSaveFile's warning comment, for ``virsh COMMAND``."""
    return ("<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
            "OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n"
            f"  virsh {command}\nor other application using the libvirt API.\n-->\n\n")


_HEADER = re.compile(r"\A<!--.*?-->\s*", re.S)


def strip_header(text: str) -> str:
    return _HEADER.sub("", text, count=1)


def indent(xml: str, by: str = "  ") -> str:
    return "".join(by + line if line.strip() else line for line in xml.splitlines(True))


def wrap(tag: str, attrs: str, inner: str) -> str:
    """``<tag attrs>`` around an indented document (the status files' layout)."""
    return f"<{tag}{attrs}>\n{indent(inner if inner.endswith(chr(10)) else inner + chr(10))}</{tag}>\n"


def unwrap(text: str, tag: str) -> tuple[dict[str, str], str]:
    """The attributes of the outer ``<tag>`` and the document inside it."""
    body = strip_header(text)
    m = re.match(rf"<{tag}((?:\s+[\w-]+='[^']*')*)\s*>\n?(.*)</{tag}>\s*\Z", body, re.S)
    if m is None:
        raise ValueError(f"not a <{tag}> file")
    attrs = dict(re.findall(r"([\w-]+)='([^']*)'", m.group(1)))
    return attrs, m.group(2)


# virDomainState / reason names, as domstatus writes them (virDomain*ReasonTypeToString)
STATES = {State.NOSTATE: "nostate", State.RUNNING: "running", State.BLOCKED: "blocked", State.PAUSED: "paused",
          State.SHUTDOWN: "shutdown", State.SHUTOFF: "shutoff", State.CRASHED: "crashed",
          State.PMSUSPENDED: "pmsuspended"}
_REASONS: dict[State, dict[int, str]] = {
    State.RUNNING: {Running.UNKNOWN: "unknown", Running.BOOTED: "booted", Running.MIGRATED: "migrated",
                    Running.RESTORED: "restored", Running.FROM_SNAPSHOT: "from snapshot",
                    Running.UNPAUSED: "unpaused", Running.MIGRATION_CANCELED: "migration canceled",
                    Running.SAVE_CANCELED: "save canceled", Running.WAKEUP: "wakeup", Running.CRASHED: "crashed"},
    State.PAUSED: {Paused.UNKNOWN: "unknown", Paused.USER: "user", Paused.MIGRATION: "migration",
                   Paused.SAVE: "save", Paused.DUMP: "dump", Paused.IOERROR: "ioerror",
                   Paused.WATCHDOG: "watchdog", Paused.FROM_SNAPSHOT: "from snapshot",
                   Paused.SHUTTING_DOWN: "shutdown", Paused.SNAPSHOT: "snapshot", Paused.CRASHED: "panicked",
                   Paused.STARTING_UP: "starting up"},
    State.SHUTOFF: {r: r.name.lower().replace("_", " ") for r in Shutoff},
}


def state_names(state: State, reason: int) -> tuple[str, str]:
    return STATES[state], _REASONS.get(state, {}).get(reason, "unknown")


def state_of(state: str, reason: str) -> tuple[State, int]:
    st = next((s for s, n in STATES.items() if n == state), State.RUNNING)
    return st, next((r for r, n in _REASONS.get(st, {}).items() if n == reason), 0)


def pack_position(position: Any) -> list[Any]:
    """random.Random's state (version, 625 words, gauss_next) with the words packed: fast to write."""
    version, words, gauss = position
    return [version, base64.b64encode(struct.pack(f"<{len(words)}I", *words)).decode(), gauss]


def unpack_position(value: list[Any]) -> tuple[Any, ...]:
    version, packed, gauss = value
    raw = base64.b64decode(packed)
    return version, struct.unpack(f"<{len(raw) // 4}I", raw), gauss
