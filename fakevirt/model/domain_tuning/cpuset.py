"""virBitmapParse: the "0-3,^2,7" lists of CPUs and NUMA nodes."""

from __future__ import annotations

from ...errors import tuning as errors

CPUMASK_LEN = 8192  # VIR_DOMAIN_CPUMASK_LEN
GUEST_VCPU_MAX_ID = 4096  # QEMU_GUEST_VCPU_MAX_ID


def parse_cpuset(text: str, limit: int = CPUMASK_LEN) -> frozenset[int]:
    """The set a bitmap string names; every number must stay below ``limit``."""
    on: set[int] = set()
    off: set[int] = set()
    for raw in text.split(","):
        part = raw.strip()
        neg = part.startswith("^")
        bounds = part.removeprefix("^").split("-")
        if not part or len(bounds) > 2 or not all(b.strip().isdigit() for b in bounds) or (neg and len(bounds) > 1):
            raise errors.bitmap_parse(text)
        lo, hi = int(bounds[0]), int(bounds[-1])
        if hi >= limit or lo > hi:
            raise errors.bitmap_parse(text)
        # ranges are bounded by ``limit``, so this costs at most CPUMASK_LEN steps per part
        (off if neg else on).update(range(lo, hi + 1))
    return frozenset(on - off)
