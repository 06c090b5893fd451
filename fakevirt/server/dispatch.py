"""Calls in, replies out: the one place where a libvirt error becomes an error reply."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from protocol import PROCEDURES, Call, ErrorDomain, ErrorReply, InvalidCall, LibvirtError, Procedure, Reply

from ..errors import VirtError
from ..errors.backup import job_busy
from ..handlers import HANDLERS, NOTHING, Client, Outcome
from ..handlers.call_object import call_object
from ..model.calls import CallRecord
from ..model.domain_jobs import DomainJob, JobHeld
from ..model.faults import Fault
from ..model.hypervisor import Hypervisor

log = logging.getLogger("fakevirt.dispatch")

# What an async save/dump job lets run beside it (QEMU_JOB_DEFAULT_MASK: destroy and abort; queries
# take no job here); every other mutating call on its domain waits for the state change lock.
_BESIDE_ASYNC_JOB = frozenset({"DOMAIN_DESTROY", "DOMAIN_DESTROY_FLAGS", "DOMAIN_ABORT_JOB", "DOMAIN_ABORT_JOB_FLAGS"})

# Daemon-side helpers that open secondary drivers say "connection not open" instead.
_SECONDARY = frozenset({ErrorDomain.STORAGE, ErrorDomain.NETWORK, ErrorDomain.NODEDEV,
                        ErrorDomain.SECRET, ErrorDomain.NWFILTER, ErrorDomain.INTERFACE})


def not_open_error(proc: Procedure) -> VirtError:
    return VirtError.not_open(secondary=proc.error_domain in _SECONDARY)


def _is_open(client: Client, proc: Procedure) -> bool:
    return client.driver is not None or (client.hypervisor_dropped and proc.error_domain in _SECONDARY)


def host_of(client: Client) -> Hypervisor:
    """The host the control API sees: a test:/// connection's node belongs to the server's host."""
    hv = client.hv
    return hv.parent if hv.parent is not None else hv


def take_fault(client: Client, call: Call) -> Fault | None:
    """The injected fault (delay, error, hang or drop) for this call, if any; counts it as fired."""
    proc = PROCEDURES[(call.program, call.procedure)]
    faults = host_of(client).faults
    if not faults.armed(proc.name):
        return None
    return faults.take(proc.name, call_object(proc, call.args))


def record_call(client: Client, call: Call, result: str | tuple[int, int, str], ret: object = None) -> None:
    """Log the call in the host's calls log, with its object (from its reply when its args name none)."""
    proc = PROCEDURES[(call.program, call.procedure)]
    obj = call_object(proc, call.args)
    if not obj and ret is not None:
        obj = call_object(proc, ret)
    hv = host_of(client)
    hv.calls.record(CallRecord(proc.name, obj, result, call.serial, client.id, hv.clock.now()))


@dataclass(frozen=True, slots=True)
class Answer:
    """A call's reply and what its handler asked of the connection (nothing for errors); or no
    reply yet but the held job to wait for: the call's own (then ``held_answer``), or the one that
    has its domain's state change lock (then the call runs again, or ``lock_timed_out``)."""

    reply: Reply | ErrorReply | None
    outcome: Outcome = NOTHING
    held: DomainJob | None = None
    busy: bool = False  # not run: it waits for the state change lock ``held`` has


def dispatch(client: Client, call: Call, fault: Fault | None = None) -> Answer:
    """Run one call against the model and build its reply; never raises for API failures."""
    try:
        ret = _run(client, call, fault)
    except _LockBusy as busy:
        return Answer(None, held=busy.job, busy=True)
    except JobHeld as signal:
        signal.job.owner_api = _dispatcher(call)
        return Answer(None, held=signal.job)
    except LibvirtError as e:
        hint = getattr(e, "log_hint", None)
        if hint:
            log.warning("%s (%s)", e.message, hint)
        return _failed(client, call, e)
    except Exception:  # a bug in a handler must not take the connection down
        log.exception("handler for procedure %d failed", call.procedure)
        return _failed(client, call, VirtError.daemon("unexpected failure in fakevirt"))
    return _replied(client, call, ret)


def held_answer(client: Client, call: Call, job: DomainJob) -> Answer:
    """The reply of a call whose held job ended: its result, or the error the job ended with."""
    try:
        ret = job.outcome()
    except LibvirtError as e:
        return _failed(client, call, e)
    return _replied(client, call, ret)


def lock_timed_out(client: Client, call: Call, job: DomainJob) -> Answer:
    """libvirtd gave up waiting for the state change lock ``job`` holds."""
    return _failed(client, call, job_busy(job.owner_api))


def _replied(client: Client, call: Call, ret: object) -> Answer:
    outcome = ret if isinstance(ret, Outcome) else Outcome(ret)
    record_call(client, call, "ok", outcome.ret)
    return Answer(Reply(program=call.program, version=call.version, procedure=call.procedure,
                        serial=call.serial, ret=outcome.ret, nfds=outcome.fds), outcome)


def _dispatcher(call: Call) -> str:
    """libvirtd's name for the thread running a call: remoteDispatchDomainSaveFlags, …"""
    name = PROCEDURES[(call.program, call.procedure)].name
    return "remoteDispatch" + "".join(part.capitalize() for part in name.split("_"))


class _LockBusy(Exception):  # noqa: N818 - a signal, not an error
    def __init__(self, job: DomainJob) -> None:
        super().__init__(job.owner_api)
        self.job = job


def _check_job_lock(client: Client, proc: Procedure, call: Call) -> None:
    """A mutating call on a domain whose save/dump a test holds waits for the state change lock."""
    running = client.hv.domjobs.running
    if not running or proc.read_only is None or proc.read_only.arg is not None or proc.name in _BESIDE_ASYNC_JOB:
        return
    uuid = call_object(proc, call.args).get("uuid")
    job = running.get(uuid) if uuid is not None else None
    if job is not None:
        raise _LockBusy(job)


def _failed(client: Client, call: Call, e: LibvirtError) -> Answer:
    record_call(client, call, (int(e.code), int(e.domain), e.message))
    return Answer(error_reply(call, e))


def _run(client: Client, call: Call, fault: Fault | None) -> object:
    proc = PROCEDURES[(call.program, call.procedure)]
    handler = HANDLERS.get((call.program, call.procedure))
    if not _is_open(client, proc) and (handler is None or not handler.before_open):
        raise not_open_error(proc)
    if fault is not None and fault.error is not None:
        raise fault.error
    # the public API refuses a read-only connection before it asks the driver for support
    if client.readonly and proc.read_only is not None and proc.read_only.refuses(call.args):
        raise VirtError.denied(proc.read_only.message, proc.read_only.domain)
    if handler is None or (client.driver is not None and not client.driver.supports(proc.api)):
        raise VirtError.no_support(proc.api or proc.name, proc.error_domain)
    _check_job_lock(client, proc, call)
    return handler.fn(client, call.args)


def invalid_call_reply(call: InvalidCall) -> ErrorReply:
    """libvirtd's RPC-layer refusal of a call it could not dispatch."""
    return ErrorReply(program=call.program, version=call.version, procedure=call.procedure,
                      serial=call.serial, error=VirtError.rpc(call.message).to_wire())


def error_reply(call: Call, e: LibvirtError) -> ErrorReply:
    return ErrorReply(program=call.program, version=call.version, procedure=call.procedure,
                      serial=call.serial, error=e.to_wire())
