"""virDomainAddIOThread, DelIOThread and SetIOThreadParams (the QEMU driver's qemuDomainChgIOThread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import tuning as errors
from ..flags.node import TypedParamType
from ..typedparams import Param, validate
from .common import TuningBase
from .state import IOThread

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef

INT_MAX = 2**31 - 1
IOTHREAD_PARAMS = {"poll_max_ns": TypedParamType.ULLONG, "poll_grow": TypedParamType.UINT,
                   "poll_shrink": TypedParamType.UINT, "thread_pool_min": TypedParamType.INT,
                   "thread_pool_max": TypedParamType.INT}
_POLL = ("poll_max_ns", "poll_grow", "poll_shrink")


class IOThreadTuning(TuningBase):

    def _targets(self, dom: Domain, iothread_id: int, flags: int, fn: str) -> list[DomainDef]:
        if iothread_id == 0:
            raise errors.iothread_id_zero(self.driver.error_domain)
        live, config = self.defs(dom, flags, fn)
        # the persistent copy is checked first, as qemuDomainChgIOThread edits it before the live one
        return [d for d in (config, live) if d is not None]

    def add_iothread(self, dom: Domain, iothread_id: int, flags: int) -> None:
        """qemuDomainAddIOThread: a new id, kept in <iothreadids>."""
        targets = self._targets(dom, iothread_id, flags, "qemuDomainAddIOThread")
        for d in targets:
            if d.tuning.iothread(iothread_id) is not None:
                raise errors.iothread_exists(iothread_id)
        for d in targets:
            d.tuning.iothreads.append(IOThread(iothread_id, autofill=False))
            _reparsed(dom, d)

    def del_iothread(self, dom: Domain, iothread_id: int, flags: int) -> None:
        """qemuDomainDelIOThread: not one a disk uses."""
        targets = self._targets(dom, iothread_id, flags, "qemuDomainDelIOThread")
        for d in targets:
            if d.tuning.iothread(iothread_id) is None:
                raise errors.iothread_not_in_list(iothread_id)
            if any(disk.driver_attrs.get("iothread") == str(iothread_id) for disk in d.disks):
                raise errors.iothread_in_use(iothread_id)
        for d in targets:
            d.tuning.iothreads = [t for t in d.tuning.iothreads if t.id != iothread_id]
            _reparsed(dom, d)

    def set_iothread_params(self, dom: Domain, iothread_id: int, params: list[Param], flags: int) -> None:
        """qemuDomainSetIOThreadParams: polling only on a running thread; pool sizes on both."""
        if iothread_id == 0:
            raise errors.iothread_id_zero(self.driver.error_domain)
        validate(params, IOTHREAD_PARAMS)
        given = {name: int(value) for name, _k, value in params}  # type: ignore[call-overload]
        _check_values(given)
        targets = self._targets(dom, iothread_id, flags, "qemuDomainSetIOThreadParams")
        found = []
        for d in targets:
            thread = d.tuning.iothread(iothread_id)
            if thread is None:
                raise errors.iothread_not_in_ids(iothread_id)
            if d is not dom.live and any(n in given for n in _POLL):
                raise errors.persistent_polling()
            found.append((d, thread))
        for d, thread in found:
            for name, value in given.items():
                setattr(thread, name, value)
            _reparsed(dom, d)


def _reparsed(dom: Domain, d: DomainDef) -> None:
    """qemuDomainChgIOThread edits a formatted and re-parsed copy of the persistent definition:
    every id it had becomes an explicit one."""
    if d is not dom.live:
        for thread in d.tuning.iothreads:
            thread.autofill = False


def _check_values(given: dict[str, int]) -> None:
    """qemuDomainIOThreadParseParams' range checks."""
    for name in _POLL:
        if name in given and given[name] > INT_MAX:
            raise errors.iothread_param_range(name, given[name], INT_MAX)
    if given.get("thread_pool_min", 0) < -1:
        raise errors.thread_pool_min(given["thread_pool_min"])
    if "thread_pool_max" in given and (given["thread_pool_max"] < -1 or given["thread_pool_max"] == 0):
        raise errors.thread_pool_max(given["thread_pool_max"])
