"""A disk's I/O throttling (<iotune>, virsh blkdeviotune) and libvirt 9.0's rules for changing it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import blockdev as errors

_KINDS = ("bytes_sec", "iops_sec")
BASE = tuple(f"{rw}_{k}" for k in _KINDS for rw in ("total", "read", "write"))
MAX = tuple(f"{b}_max" for b in BASE)
LENGTH = tuple(f"{m}_length" for m in MAX)
NUMBERS = (*BASE, *MAX, "size_iops_sec", *LENGTH)
# qemuDomainGetBlockIoTune's order, which is also <iotune>'s
FIELDS = (*BASE, *MAX, "size_iops_sec", "group_name", *LENGTH)
# what one parameter given resets with it: total and read/write of one kind exclude each other
_GROUPS: tuple[tuple[str, ...], ...] = (BASE[:3], BASE[3:], MAX[:3], MAX[3:], ("size_iops_sec",), *((n,) for n in LENGTH))


@dataclass
class IoTune:
    """The limits of one disk (0: unlimited) and the throttle group it shares them in."""

    values: dict[str, int] = field(default_factory=dict)
    group_name: str | None = None

    def get(self, name: str) -> int:
        return self.values.get(name, 0)

    @property
    def any_limit(self) -> bool:
        return any(self.values.values())

    def copy(self) -> IoTune:
        return IoTune(dict(self.values), self.group_name)


def given_values(params: list[tuple[str, object]]) -> tuple[dict[str, int], str | None, bool]:
    """The numbers and group name of a call, after libvirt's per-parameter and total-vs-read/write checks."""
    numbers: dict[str, int] = {}
    group: str | None = None
    group_given = False
    for name, value in params:
        if name == "group_name":
            group, group_given = str(value), True
            continue
        assert isinstance(value, int)
        if value > errors.IOTUNE_MAX:
            raise errors.iotune_limit()
        numbers[name] = value
    for kind, names in (("bytes_sec", BASE[:3]), ("iops_sec", BASE[3:]), ("bytes_sec_max", MAX[:3]),
                        ("iops_sec_max", MAX[3:])):
        total, read, write = (numbers.get(n, 0) for n in names)
        if total and (read or write):
            raise errors.iotune_total_and_rw(kind)
    return numbers, group, group_given


def merged(old: IoTune, numbers: dict[str, int], group: str | None, group_given: bool,
           group_source: IoTune | None) -> IoTune:
    """qemuDomainSetBlockIoTuneDefaults: a kind given replaces all of its kind; the rest stays.

    ``group_source``: the limits of another disk already in the named group, taken when only
    the group is given.
    """
    if group_source is not None and group_given and not numbers:
        return IoTune(dict(group_source.values), group)
    new = IoTune({}, group if group_given else old.group_name)
    for names in _GROUPS:
        given = any(n in numbers for n in names)
        for n in names:
            value = numbers.get(n, 0) if given else old.get(n)
            if value:
                new.values[n] = value
    if not new.any_limit:
        if group_given and group != old.group_name:
            raise errors.iotune_zero_group()
        new.group_name = None  # all zero: no throttling and no group any more
    return new


def check_live(new: IoTune) -> None:
    """What the running QEMU refuses, as libvirt's checks and block_set_io_throttle report it."""
    for base in BASE:
        if new.get(f"{base}_max"):
            if not new.get(base):
                raise errors.iotune_reset_base(base)
            if new.get(f"{base}_max") < new.get(base):
                raise errors.iotune_max_smaller(base)
    for base in BASE:
        if new.get(f"{base}_max_length") and not new.get(f"{base}_max"):
            raise errors.qemu_command_failed("block_set_io_throttle", "burst length set without burst rate")
    if new.get("size_iops_sec") and not any(new.get(n) for n in BASE[3:]):
        raise errors.qemu_command_failed("block_set_io_throttle", "iops size requires an iops value to be set")


def as_params(tune: IoTune | None) -> list[tuple[str, int | str]]:
    """Every field in libvirt's order; the group name is '' when there is none."""
    t = tune or IoTune()
    return [(n, t.group_name or "") if n == "group_name" else (n, t.get(n)) for n in FIELDS]
