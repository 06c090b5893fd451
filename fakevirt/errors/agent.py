"""Guest-agent errors: qemuDomainAgentAvailable, qemu_agent.c and the agent APIs of qemu_driver.c
(VIR_FROM_QEMU), with libvirtd 9.0's texts; the qemu-ga texts are those of QEMU 7.2's agent."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

QEMU = ErrorDomain.QEMU


def not_configured() -> VirtError:
    """qemuDomainAgentAvailable: the definition has no org.qemu.guest_agent.0 channel."""
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, QEMU, "QEMU guest agent is not configured")


def not_connected() -> VirtError:
    """qemuDomainAgentAvailable: the channel exists but no qemu-ga listens on it."""
    return VirtError.report(ErrorCode.AGENT_UNRESPONSIVE, QEMU, "QEMU guest agent is not connected")


def timed_out() -> VirtError:
    """qemuAgentSend: the guest-sync (or the command) got no answer within the timeout."""
    return VirtError.report(ErrorCode.AGENT_UNRESPONSIVE, QEMU, "Guest agent not available for now")


def command_failed(command: str, desc: str) -> VirtError:
    """qemuAgentCheckError: qemu-ga answered with an error."""
    return VirtError.internal(f"unable to execute QEMU agent command '{command}': {desc}")


def command_disabled(command: str) -> VirtError:
    """qemu-ga refuses every command but a few while the filesystems are frozen."""
    return command_failed(command, f"Command {command} has been disabled: the agent is in frozen state")


def bad_guest_info_types(types: int) -> VirtError:
    return VirtError.invalid_arg(f"unsupported guest information types '0x{types:x}'")


def timeout_below_minimum(timeout: int) -> VirtError:
    return VirtError.invalid_arg(f"guest agent timeout '{timeout}' is less than the minimum '-2'")


def thaw_mountpoints() -> VirtError:
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, QEMU, "specifying mountpoints is not supported")


def trim_mountpoint() -> VirtError:
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, QEMU, "Specifying mount point is not supported for now")


def no_rtc_reset() -> VirtError:
    """qemuDomainSetTime of an inactive domain: it has no QEMU capabilities to ask."""
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU,
                            "cannot set time: qemu doesn't support rtc-reset-reinjection command")


def time_too_big(seconds: int) -> VirtError:
    return VirtError.invalid_arg(f"Time '{seconds}' is too big for guest agent")


def bad_bitmap(text: str) -> VirtError:
    """virBitmapParse (util, VIR_FROM_NONE)."""
    return VirtError.invalid_arg(f"Failed to parse bitmap '{text}'", ErrorDomain.NONE)


def vcpu_not_offlinable(vcpu: int) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, f"vCPU '{vcpu}' is not offlinable")


def guest_missing_vcpus(text: str) -> VirtError:
    return VirtError.invalid_arg(f"guest is missing vCPUs '{text}'")


def vcpus_above_enabled(count: int, enabled: int) -> VirtError:
    return VirtError.invalid_arg(
        f"requested vcpu count is greater than the count of enabled vcpus in the domain: {count} > {enabled}")


def cannot_offline_enough() -> VirtError:
    return VirtError.invalid_arg("Cannot offline enough CPUs")


def fewer_guest_cpus() -> VirtError:
    return VirtError.internal("guest agent reports less cpu than requested")


def unsupported_state() -> VirtError:
    return VirtError.invalid_arg("unsupported state value")


def null_arg(name: str, function: str) -> VirtError:
    """virCheckNonNullArg of the public API (the remote client checks it first)."""
    return VirtError.invalid_arg_raw(name, function, f"{name} in {function} must not be NULL", ErrorDomain.DOMAIN)
