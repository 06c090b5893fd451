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


def json_parse(text: str, message: str, context: str) -> VirtError:
    """virJSONValueFromString: yajl's verbose error, then the text around the spot and a caret."""
    return VirtError.internal(f"cannot parse json {text}: {message}\n{context}", ErrorDomain.NONE)


def json_convert() -> VirtError:
    """virJSONValueToString: yajl_gen refuses a value nested too deep to send."""
    return VirtError.internal("failed to convert virJSONValue to yajl data", ErrorDomain.NONE)


def command_id() -> VirtError:
    """qemuMonitorJSONCommandWithFd: the caller's command already has an "id"."""
    return VirtError.internal("Unable to append command 'id' string")


def monitor_event_regex(event: str, detail: str) -> VirtError:
    """virDomainQemuMonitorEventStateRegisterID: GLib could not compile the filter."""
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
                            f"failed to compile regex '{event}': Error while compiling regular expression "
                            f"\u2018{event}\u2019 {detail}")


def monitor_callback_missing(callback_id: int) -> VirtError:
    return VirtError.daemon(f"qemu monitor event callback {callback_id} not registered")

