"""The host CPU calls of libvirt 9.0's QEMU driver: CPU map, model names, compare and baseline.

``cpumap`` is libvirt's CPU map (names only); ``x86`` compares and baselines x86 CPU definitions
on feature names as libvirt's x86 CPU driver does on CPUID bits.
"""

from __future__ import annotations

from ...errors import ErrorDomain, check_flags
from ...errors import cpu as err
from ..flags import all_of
from ..flags.node import ConnectBaselineCpuFlags, ConnectCompareCpuFlags, CpuCompareResult
from ..host import HostInfo
from ..hostdata import HostModel
from . import x86
from .cpudef import CpuDef
from .cpumap import MODELS_BY_MAP

# virArch names libvirt 9.0 knows, by the CPU driver that serves them (None: no driver)
_DRIVER_MAPS = {"i686": "x86", "x86_64": "x86", "ppc64": "ppc64", "ppc64le": "ppc64"}
_DRIVERS_WITHOUT_MODELS = frozenset({"s390", "s390x", "armv6l", "armv7l", "armv7b", "aarch64"})
ARCHES = frozenset({"alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "lm32", "m68k",
                    "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc",
                    "parisc", "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32",
                    "riscv64", "s390", "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "x86_64",
                    "xtensa", "xtensaeb"})


def cpu_map(host: HostInfo, need_map: bool, flags: int) -> tuple[int, bytes, int]:
    """virNodeGetCPUMap: (CPU count, online bitmap of VIR_CPU_MAPLEN bytes if asked, online count)."""
    check_flags("virHostCPUGetMap", flags, 0, ErrorDomain.NONE)
    count, online, online_count = host.cpu_map()
    if not need_map:
        return count, b"", online_count
    bits = sum(1 << i for i, up in enumerate(online) if up)
    return count, bits.to_bytes((count + 7) // 8, "little"), online_count


def model_names(arch: str, flags: int) -> tuple[str, ...]:
    """virConnectGetCPUModelNames (qemuConnectGetCPUModelNames): the models of the arch's CPU map."""
    check_flags("qemuConnectGetCPUModelNames", flags, 0)
    if arch not in ARCHES:
        raise err.unknown_arch(arch)
    if arch in _DRIVERS_WITHOUT_MODELS:
        return ()
    if arch not in _DRIVER_MAPS:
        raise err.arch_unsupported(arch)
    return MODELS_BY_MAP[_DRIVER_MAPS[arch]]


def host_cpu(host: HostInfo) -> CpuDef:
    """The host CPU of the capabilities, as the QEMU driver compares guest CPUs with it."""
    return CpuDef(host=True, arch=host.arch, model=host.cpu.model, vendor=host.cpu.vendor,
                  features=[(f, None) for f in host.cpu.features])


def hypervisor_cpu(model: HostModel) -> CpuDef:
    """The domain capabilities' host-model CPU (fallback forbid), what the hypervisor variants compare with."""
    features: list[tuple[str, str | None]] = [(f, "require") for f in model.require]
    features += [(f, "disable") for f in model.disable]
    return CpuDef(host=False, model=model.model, vendor=model.vendor, fallback="forbid", features=features)


def check_compare_flags(flags: int, driver_fn: str = "qemuConnectCompareCPU") -> None:
    check_flags(driver_fn, flags, all_of(ConnectCompareCpuFlags))


def compare(against: CpuDef, cpu: CpuDef, flags: int, driver_fn: str = "qemuConnectCompareCPU") -> int:
    """virConnectCompareCPU: FAIL_INCOMPATIBLE turns INCOMPATIBLE into libvirt's error."""
    check_compare_flags(flags, driver_fn)
    result, why = x86.compare(against, cpu)
    if result == CpuCompareResult.INCOMPATIBLE and flags & ConnectCompareCpuFlags.FAIL_INCOMPATIBLE:
        raise err.incompatible(why)
    return int(result)


def check_baseline_flags(flags: int, driver_fn: str = "qemuConnectBaselineCPU") -> None:
    check_flags(driver_fn, flags, all_of(ConnectBaselineCpuFlags))


def baseline(cpus: list[CpuDef], flags: int) -> CpuDef:
    """virConnectBaselineCPU (qemuConnectBaselineCPU): features QEMU never gives a guest are dropped.

    The caller checked ``flags`` (``check_baseline_flags``) before it parsed the CPUs, as libvirt does."""
    out = x86.baseline(cpus, bool(flags & ConnectBaselineCpuFlags.MIGRATABLE))
    out.features = [(f, p) for f, p in out.features if f not in x86.QEMU_DROPPED]
    if flags & ConnectBaselineCpuFlags.EXPAND_FEATURES:
        x86.expand(out)
    return out


def hypervisor_baseline(cpus: list[CpuDef], hv_models: dict[str, frozenset[str]], kvm: bool, flags: int) -> CpuDef:
    """virConnectBaselineHypervisorCPU for x86: the baseline within QEMU's CPU features and models.

    ``hv_models`` are the domain capabilities' models with their blockers; the caller checked
    ``flags`` before it parsed the CPUs.
    """
    for i, cpu in enumerate(cpus):
        if cpu.model is None:
            raise err.no_model_at_index(i)
    # QEMU's list is already the migratable one (KVM drops invtsc), so the baseline filters nothing more
    usable = set(x86.QEMU_FEATURES)
    if kvm and flags & ConnectBaselineCpuFlags.MIGRATABLE:
        usable.discard("invtsc")
    out = x86.baseline(cpus, False, usable, hv_models)
    out.fallback = "forbid"
    if flags & ConnectBaselineCpuFlags.EXPAND_FEATURES:
        x86.expand(out)
    return out
