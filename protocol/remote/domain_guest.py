"""Guest-facing procedures not declared elsewhere: PM suspend and process signals
(transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from .._common import NonnullDomain
from .._xdr import Hyper, UHyper, UInt, struct
from ._procedures import Proc


@struct
class DomainPmSuspendForDurationArgs:
    dom: NonnullDomain
    target: UInt
    duration: UHyper
    flags: UInt


@struct
class DomainSendProcessSignalArgs:
    dom: NonnullDomain
    pid_value: Hyper
    signum: UInt
    flags: UInt


DECLARATIONS: list[tuple[Proc, type, type | None]] = [
    (Proc.DOMAIN_PM_SUSPEND_FOR_DURATION, DomainPmSuspendForDurationArgs, None),
    (Proc.DOMAIN_SEND_PROCESS_SIGNAL, DomainSendProcessSignalArgs, None),
]
