"""Errors of the guest-facing APIs (NMI, keys, PM suspend/wakeup, core dumps, jobs): libvirt 9.0's
codes, error domains and texts as the QEMU driver reports them, checked against a real libvirtd."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError

_DOMAIN, _QEMU = ErrorDomain.DOMAIN, ErrorDomain.QEMU


def no_job_active() -> VirtError:
    """qemuDomainAbortJob with nothing running."""
    return VirtError.operation_invalid("no job is active on the domain", _QEMU)


def agent_not_connected() -> VirtError:
    """qemuDomainAgentAvailable: the channel exists but no agent answers on it."""
    return VirtError.report(ErrorCode.AGENT_UNRESPONSIVE, _QEMU, "QEMU guest agent is not connected")


def unknown_suspend_target(target: int) -> VirtError:
    return VirtError.invalid_arg(f"Unknown suspend target: {target}", _QEMU)


def duration_unsupported() -> VirtError:
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, _QEMU, "Duration not supported. Use 0 for now")


def qmp_failed(command: str, reason: str) -> VirtError:
    """A QMP command QEMU refused (qemuMonitorJSONCheckError)."""
    return VirtError.internal(f"unable to execute QEMU command '{command}': {reason}", _QEMU)


def unsupported_codeset(codeset: int) -> VirtError:
    """virDomainSendKey's check (libvirt-domain.c, also made by the client library)."""
    return VirtError.invalid_arg_raw("codeset", "virDomainSendKey", f"Unsupported codeset '{codeset}'", _DOMAIN)


def no_keycodes() -> VirtError:
    return VirtError.bad_arg("nkeycodes", "virDomainSendKey", "positive")


def untranslatable_keycode(keycode: int, codeset: str) -> VirtError:
    return VirtError.internal(f"cannot translate keycode {keycode} of {codeset} codeset to qnum keycode", _QEMU)


def dumpformat_unsupported(dumpformat: int) -> VirtError:
    return VirtError.invalid_arg_raw("dumpformat", "virDomainCoreDumpWithFormat",
                                     f"dumpformat '{dumpformat}' is not supported", _DOMAIN)


def kdump_needs_memory_only() -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU,
                            "kdump-compressed format is only supported with memory-only dump")


def win_dump_failed() -> VirtError:
    """QEMU's win-dmp writer on a guest that is not Windows (no vmcoreinfo note)."""
    return VirtError.report(ErrorCode.OPERATION_FAILED, _QEMU,
                            "memory-only dump failed: win-dump: invalid vmcoreinfo note size")



def no_guest_device(what: str) -> VirtError:
    """A model trigger (a test playing the guest) named a device the domain lacks; not a libvirt text."""
    return VirtError.invalid_arg(f"domain has no {what}", _QEMU)


# -- a held save/dump/snapshot job (model/domain_jobs.py) ------------------------------------------

def migration_job_canceled(job_name: str) -> VirtError:
    """qemuMigrationJobCheckStatus: QEMU cancelled the migration to a file (virDomainAbortJob)."""
    return VirtError.report(ErrorCode.OPERATION_ABORTED, _QEMU, f"job '{job_name}' canceled by client")


def migration_job_failed(job_name: str) -> VirtError:
    """qemuMigrationJobCheckStatus: QEMU reports the migration failed, without a reason."""
    return VirtError.report(ErrorCode.OPERATION_FAILED, _QEMU, f"job '{job_name}' unexpectedly failed")


def waited_domain_stopped() -> VirtError:
    """virDomainObjWait: the domain stopped while its job waited for QEMU."""
    return VirtError.report(ErrorCode.OPERATION_FAILED, _DOMAIN, "domain is not running")
