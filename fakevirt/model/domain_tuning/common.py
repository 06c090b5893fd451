"""What every tuning call shares: virDomainObjGetDefs, the TUNABLE event, the host's CPUs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import check_flags
from ..events import DomainEvent, EventID
from ..flags.domain import DomainModificationImpact
from ..flags.node import TypedParameterFlags
from ..typedparams import Param

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef
    from ..hypervisor import QemuDriver

AFFECT_LIVE, AFFECT_CONFIG = DomainModificationImpact.AFFECT_LIVE, DomainModificationImpact.AFFECT_CONFIG
AFFECT = AFFECT_LIVE | AFFECT_CONFIG
STRING_OKAY = TypedParameterFlags.STRING_OKAY


class TuningBase:
    """The driver and the helpers the tuning mixins use."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver

    def check_flags(self, fn: str, flags: int, allowed: int) -> None:
        """virCheckFlags in this driver's own function for the QEMU driver's ``fn`` ("qemuDomainX" ->
        "testDomainX")."""
        driver = self.driver
        check_flags(driver.function_prefix + fn.removeprefix("qemu"), flags, allowed, driver.error_domain)

    def defs(self, dom: Domain, flags: int, fn: str, extra: int = 0) -> tuple[DomainDef | None, DomainDef | None]:
        """virCheckFlags then virDomainObjGetDefs: (live, persistent) as AFFECT_* selects."""
        self.check_flags(fn, flags, AFFECT | extra)
        chosen = self.driver.domains.defs_for(dom, flags & AFFECT)
        live = next((d for d in chosen if d is dom.live), None)
        config = next((d for d in chosen if d is not dom.live), None)
        return live, config

    def one_def(self, dom: Domain, flags: int, fn: str, extra: int = 0) -> tuple[DomainDef, bool]:
        """virDomainObjGetOneDefState: the one definition a read looks at, and whether it is live."""
        self.check_flags(fn, flags, AFFECT | extra)
        d = self.driver.domains.config_or_live(dom, flags & AFFECT)
        return d, d is dom.live

    def host_cpus(self) -> int:
        return self.driver.host.cpu_count

    def tunable(self, dom: Domain, params: list[Param]) -> None:
        """The TUNABLE event of a change to the running domain (none when nothing changed)."""
        if params:
            self.driver.hypervisor.bus.publish(DomainEvent(self.driver.uri, EventID.TUNABLE, dom.ref(),
                                                           {"params": params}))
