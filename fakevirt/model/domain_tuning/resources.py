"""virDomainGet/SetMemoryParameters, Get/SetBlkioParameters and Get/SetNumaParameters
(<memtune>, <blkiotune>, <numatune>) as the QEMU driver on this host answers them: memory and
cpuset cgroups exist; the block devices use neither bfq nor cfq, so a running domain's blkio
weights can be neither read nor written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...errors import tuning as errors
from ..flags.node import TypedParamType
from ..flags.tuning import DomainNumatuneMemMode
from ..typedparams import Param, validate
from .common import STRING_OKAY, TuningBase
from .cpuset import parse_cpuset
from .state import BlkioDevice, format_cpuset

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef

UNLIMITED = 9007199254740991  # VIR_DOMAIN_MEMORY_PARAM_UNLIMITED (KiB)
MEMORY_FIELDS = ("hard_limit", "soft_limit", "swap_hard_limit")
BLKIO_FIELDS = ("weight", "device_weight", "device_read_iops_sec", "device_write_iops_sec",
                "device_read_bytes_sec", "device_write_bytes_sec")
NUMA_FIELDS = ("numa_mode", "numa_nodeset")
_S, _U, _ULL = TypedParamType.STRING, TypedParamType.UINT, TypedParamType.ULLONG


class ResourceTuning(TuningBase):

    # ---- memory ------------------------------------------------------------------------------

    def get_memory(self, dom: Domain, nparams: int, flags: int) -> tuple[list[Param], int]:
        """qemuDomainGetMemoryParameters: nparams 0 asks for the count."""
        d, _live = self.one_def(dom, flags, "qemuDomainGetMemoryParameters", STRING_OKAY)
        if nparams == 0:
            return [], len(MEMORY_FIELDS)
        m = d.tuning.memtune
        out: list[Param] = [(n, _ULL, v if (v := getattr(m, n)) is not None else UNLIMITED) for n in MEMORY_FIELDS]
        return out[:nparams], min(nparams, len(MEMORY_FIELDS))

    def set_memory(self, dom: Domain, params: list[Param], flags: int) -> None:
        """virDomainCgroupSetMemoryLimitParameters: hard_limit may not exceed swap_hard_limit."""
        validate(params, dict.fromkeys(MEMORY_FIELDS, _ULL))
        live, config = self.defs(dom, flags, "qemuDomainSetMemoryParameters")
        given = {n: int(v) for n, _k, v in params}  # type: ignore[call-overload]
        current = dom.definition.tuning.memtune

        def value(name: str) -> int:
            v = given.get(name, getattr(current, name))
            return UNLIMITED if v is None or v >= UNLIMITED else v
        if ("hard_limit" in given or "swap_hard_limit" in given) and value("hard_limit") > value("swap_hard_limit"):
            raise errors.hard_above_swap()
        for d in (live, config):
            if d is not None:
                for name, v in given.items():
                    setattr(d.tuning.memtune, name, None if v >= UNLIMITED else v)

    # ---- blkio -------------------------------------------------------------------------------

    def get_blkio(self, dom: Domain, nparams: int, flags: int) -> tuple[list[Param], int]:
        """qemuDomainGetBlkioParameters: weight, then the per-device lists as "path,value,..." strings."""
        live, config = self.defs(dom, flags, "qemuDomainGetBlkioParameters", STRING_OKAY)
        if nparams == 0:
            return [], len(BLKIO_FIELDS)
        if live is not None:
            raise errors.blkio_weight_scheduler()
        assert config is not None
        b = config.tuning.blkiotune
        out: list[Param] = [("weight", _U, b.weight)]
        for name in BLKIO_FIELDS[1:]:
            attr = name.removeprefix("device_")
            out.append((name, _S, ",".join(f"{dev.path},{getattr(dev, attr)}" for dev in b.devices
                                           if getattr(dev, attr))))
        return out[:nparams], min(nparams, len(out))

    def set_blkio(self, dom: Domain, params: list[Param], flags: int) -> None:
        """qemuDomainSetBlkioParameters: a device value of 0 clears it; a device with nothing set goes."""
        validate(params, {"weight": _U, **dict.fromkeys(BLKIO_FIELDS[1:], _S)})
        live, config = self.defs(dom, flags, "qemuDomainSetBlkioParameters")
        if live is not None and params:
            raise (errors.blkio_weight_scheduler() if params[0][0] == "weight"
                   else errors.blkio_device_weight_scheduler())
        assert config is not None
        parsed = [(name, _device_values(str(value)) if name != "weight" else int(value))  # type: ignore[call-overload]
                  for name, _k, value in params]
        b = config.tuning.blkiotune
        for name, value in parsed:
            if isinstance(value, int):
                b.weight = value
                continue
            attr = name.removeprefix("device_")
            for path, number in value:
                dev = next((x for x in b.devices if x.path == path), None)
                if dev is None:
                    if not number:
                        continue
                    dev = BlkioDevice(path)
                    b.devices.append(dev)
                setattr(dev, attr, number)
        b.devices = [x for x in b.devices if any(getattr(x, a) for a in
                                                  ("weight", "read_iops_sec", "write_iops_sec",
                                                   "read_bytes_sec", "write_bytes_sec"))]

    # ---- NUMA --------------------------------------------------------------------------------

    def get_numa(self, dom: Domain, nparams: int, flags: int) -> tuple[list[Param], int]:
        """qemuDomainGetNumaParameters: the memory mode (strict when unset) and nodeset ("" when none)."""
        d, _live = self.one_def(dom, flags, "qemuDomainGetNumaParameters", STRING_OKAY)
        if nparams == 0:
            return [], len(NUMA_FIELDS)
        nt = d.tuning.numatune
        mode = DomainNumatuneMemMode[(nt.mode or "strict").upper()]
        out: list[Param] = [("numa_mode", TypedParamType.INT, int(mode)),
                            ("numa_nodeset", _S, format_cpuset(nt.nodeset) if nt.nodeset else "")]
        return out[:nparams], min(nparams, len(out))

    def set_numa(self, dom: Domain, params: list[Param], flags: int) -> None:
        """qemuDomainSetNumaParameters: a running domain keeps its mode; its nodeset may change
        only in restrictive mode, or when no mode was ever set."""
        validate(params, {"numa_mode": TypedParamType.INT, "numa_nodeset": _S})
        mode: int | None = None
        nodeset: frozenset[int] | None = None
        for name, _k, value in params:
            if name == "numa_mode":
                mode = int(value)  # type: ignore[call-overload]
                if mode not in DomainNumatuneMemMode._value2member_map_:
                    raise errors.numa_mode_invalid(mode)
            else:
                nodeset = parse_cpuset(str(value))
                if not nodeset:
                    raise errors.numa_nodeset_invalid(str(value))
        live, config = self.defs(dom, flags, "qemuDomainSetNumaParameters")
        mode_name = DomainNumatuneMemMode(mode).name.lower() if mode is not None else None
        if live is not None:
            current = live.tuning.numatune.mode
            if mode_name is not None and current is not None and current != mode_name:
                raise errors.numa_mode_live()
            if mode == DomainNumatuneMemMode.STRICT:
                if nodeset != live.tuning.numatune.nodeset:
                    raise errors.numa_strict_nodeset_live()
            else:
                if nodeset is not None:
                    if current is not None and current != "restrictive":
                        raise errors.numa_nodeset_live()
                    self._check_nodes(nodeset)
                _numatune_set(live, mode_name, nodeset)
        if config is not None:
            _numatune_set(config, mode_name, nodeset)

    def _check_nodes(self, nodeset: frozenset[int]) -> None:
        """virNumaNodesetIsAvailable."""
        missing = [n for n in sorted(nodeset) if n >= self.driver.host.numa_nodes]
        if missing:
            raise errors.numa_node_unavailable(missing[0])


def _numatune_set(d: DomainDef, mode: str | None, nodeset: frozenset[int] | None) -> None:
    """virDomainNumatuneSet for the whole-domain <memory>: static placement needs a nodeset."""
    nt = d.tuning.numatune
    new_nodeset = nodeset if nodeset is not None else nt.nodeset
    placement = "static" if nodeset is not None else nt.placement
    if (placement or "static") == "static" and d.vcpu_attrs.get("placement", "static") == "static" \
            and new_nodeset is None and (mode is not None or nt.mode is not None):
        raise errors.numa_nodeset_required()
    nt.mode = mode if mode is not None else (nt.mode or "strict")
    nt.nodeset, nt.placement = new_nodeset, placement


def _device_values(text: str) -> list[tuple[str, int]]:
    """virDomainDriverParseBlkioDeviceStr: "path,number[,path,number...]"."""
    parts = text.split(",") if text else []
    if len(parts) % 2:
        raise errors.blkio_device_string(text)
    out = []
    for path, number in zip(parts[::2], parts[1::2], strict=True):
        if not number.isdigit():
            raise errors.blkio_device_string(text)
        out.append((path, int(number)))
    return out
