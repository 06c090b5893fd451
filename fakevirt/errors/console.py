"""Console, channel, screenshot, graphics and QEMU-program errors: libvirt 9.0's codes and texts.

Checked against a real libvirtd 9.0 (QEMU driver, QEMU 7.2) over TCP.
"""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

_QEMU = ErrorDomain.QEMU


def no_chardev(name: str | None) -> VirtError:
    """qemuDomainOpenConsole: no console, serial or parallel of that alias (or none at all)."""
    return VirtError.internal(f"cannot find character device {name if name is not None else '<null>'}")


def not_pty(name: str) -> VirtError:
    return VirtError.internal(f"character device {name} is not using a PTY")


def console_busy() -> VirtError:
    """virChrdevOpen found a stream on the device and FORCE was not given."""
    return VirtError.report(ErrorCode.OPERATION_FAILED, _QEMU, "Active console session exists for this domain")


def no_channel(name: str | None) -> VirtError:
    return VirtError.internal(f"cannot find channel {name if name is not None else '<null>'}")


def channel_not_unix(name: str) -> VirtError:
    return VirtError.internal(f"channel {name} is not using a UNIX socket")


def channel_busy() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, _QEMU, "Active channel stream exists for this domain")


def stream_io_failure() -> VirtError:
    """What the client of a console stream that another FORCE open took over gets."""
    return VirtError.report(ErrorCode.RPC, ErrorDomain.STREAMS, "stream had I/O failure")


def channel_reset() -> VirtError:
    """A channel stream whose socket went away with the guest."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.STREAMS,
                            "cannot read from stream: Connection reset by peer")


def no_screens() -> VirtError:
    return VirtError.operation_invalid("no screens to take screenshot from")


def no_such_screen() -> VirtError:
    return VirtError.operation_invalid("no such screen ID")


def no_graphics(idx: int) -> VirtError:
    return VirtError.internal(f"No graphics backend with index {idx}")


def graphics_type(kind: str) -> VirtError:
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU,
                            f"Can only open VNC, SPICE or D-Bus p2p graphics backends, not {kind}")


def no_fd_at_slot(slot: int) -> VirtError:
    """virNetMessageDupFD: the call carried fewer file descriptors than the procedure takes."""
    return VirtError.internal(f"No FD available at slot {slot}", ErrorDomain.RPC)


def json_parse(text: str, reason: str, column: int) -> VirtError:
    """virJSONValueFromString (yajl): the command is not JSON; yajl shows the text and a caret."""
    pointer = " " * 21 + "(right here) ------^"
    return VirtError.internal(f"cannot parse json {text}: lexical error: {reason}.\n"
                              f"{' ' * (39 - min(column, 39))}{text}\n{pointer}\n", ErrorDomain.NONE)


def command_id() -> VirtError:
    """qemuMonitorJSONCommandWithFd: the caller's command already has an "id"."""
    return VirtError.internal("Unable to append command 'id' string")


def agent_timeout_min(timeout: int) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU,
                            f"guest agent timeout '{timeout}' is less than the minimum '-2'")


def monitor_event_regex(event: str, reason: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU,
                            f"failed to compile regex '{event}': {reason}")


def monitor_callback_missing(callback_id: int) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU,
                            f"no monitor event callback with id {callback_id}")
