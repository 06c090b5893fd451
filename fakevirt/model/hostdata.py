"""Static facts about QEMU 7.2 on x86 that the host model is built from: plain data, no logic.

Machine types, the named CPU models ``query-cpu-definitions`` lists, and what TCG offers, as
libvirt 9.0 reports them for qemu-system-x86_64 / qemu-system-i386 7.2.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Machine:
    """One machine type: name, its alias (``pc``/``q35``) if it is the canonical one, vCPU limit."""

    name: str
    max_cpus: int
    alias: str | None = None
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class HostModel:
    """The CPU definition ``host-model`` expands to: a named model plus feature adjustments."""

    model: str
    vendor: str
    require: tuple[str, ...]
    disable: tuple[str, ...]


_I440FX_VERSIONS = ("1.4", "1.5", "1.6", "1.7", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7",
                    "2.8", "2.9", "2.10", "2.11", "2.12", "3.0", "3.1", "4.0", "4.1", "4.2", "5.0",
                    "5.1", "5.2", "6.0", "6.1", "6.2", "7.0", "7.1", "7.2")
_Q35_VERSIONS = ("2.4", "2.5", "2.6", "2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "3.0", "3.1", "4.0",
                 "4.0.1", "4.1", "4.2", "5.0", "5.1", "5.2", "6.0", "6.1", "6.2", "7.0", "7.1", "7.2")
_Q35_SMALL = frozenset({"2.4", "2.5", "2.6", "2.7"})  # before 2.8, q35 allowed 255 vCPUs


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def qemu72_x86_machines() -> tuple[Machine, ...]:
    """The machine types of qemu-system-x86_64 7.2, newest first per family (QEMU's own order is a hash order)."""
    i440fx = [Machine(f"pc-i440fx-{v}", 255, "pc" if v == "7.2" else None, deprecated=v.startswith("1."))
              for v in sorted(_I440FX_VERSIONS, key=_version_key, reverse=True)]
    q35 = [Machine(f"pc-q35-{v}", 255 if v in _Q35_SMALL else 288, "q35" if v == "7.2" else None)
           for v in sorted(_Q35_VERSIONS, key=_version_key, reverse=True)]
    others = [Machine("isapc", 1), Machine("microvm", 288), Machine("x-remote", 1)]
    return (*i440fx, *q35, *others)


DEFAULT_MACHINE_ALIAS = "pc"
"""QEMU marks ``pc`` as the default machine, so libvirt prefers its canonical name."""

# Every CPU model QEMU 7.2 x86 lists, in the order query-cpu-definitions gives, with its vendor.
CPU_MODELS: tuple[tuple[str, str | None], ...] = (
    ("qemu64", None), ("qemu32", None), ("phenom", "AMD"), ("pentium3", None), ("pentium2", None),
    ("pentium", None), ("n270", "Intel"), ("kvm64", None), ("kvm32", None), ("coreduo", "Intel"),
    ("core2duo", "Intel"), ("athlon", "AMD"), ("Westmere-IBRS", "Intel"), ("Westmere", "Intel"),
    ("Snowridge", "Intel"), ("Skylake-Server-noTSX-IBRS", "Intel"), ("Skylake-Server-IBRS", "Intel"),
    ("Skylake-Server", "Intel"), ("Skylake-Client-noTSX-IBRS", "Intel"), ("Skylake-Client-IBRS", "Intel"),
    ("Skylake-Client", "Intel"), ("SandyBridge-IBRS", "Intel"), ("SandyBridge", "Intel"),
    ("Penryn", "Intel"), ("Opteron_G5", "AMD"), ("Opteron_G4", "AMD"), ("Opteron_G3", "AMD"),
    ("Opteron_G2", "AMD"), ("Opteron_G1", "AMD"), ("Nehalem-IBRS", "Intel"), ("Nehalem", "Intel"),
    ("IvyBridge-IBRS", "Intel"), ("IvyBridge", "Intel"), ("Icelake-Server-noTSX", "Intel"),
    ("Icelake-Server", "Intel"), ("Haswell-noTSX-IBRS", "Intel"), ("Haswell-noTSX", "Intel"),
    ("Haswell-IBRS", "Intel"), ("Haswell", "Intel"), ("EPYC-Rome", "AMD"), ("EPYC-Milan", "AMD"),
    ("EPYC-IBPB", "AMD"), ("EPYC", "AMD"), ("Dhyana", "Hygon"), ("Cooperlake", "Intel"),
    ("Conroe", "Intel"), ("Cascadelake-Server-noTSX", "Intel"), ("Cascadelake-Server", "Intel"),
    ("Broadwell-noTSX-IBRS", "Intel"), ("Broadwell-noTSX", "Intel"), ("Broadwell-IBRS", "Intel"),
    ("Broadwell", "Intel"), ("486", None),
)

MODELS_WITHOUT_LM = frozenset({"qemu32", "kvm32", "pentium", "pentium2", "pentium3", "486", "n270",
                               "coreduo", "athlon"})
"""Models without long mode: the only ones qemu-system-i386 can run."""

# --- the default host CPU: a 4-core/8-thread Skylake desktop (Core i7-6700) -------------------

SKYLAKE_HOST_FEATURES = (
    "ds", "acpi", "ss", "ht", "tm", "pbe", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2",
    "xtpr", "pdcm", "osxsave", "tsc_adjust", "clflushopt", "intel-pt", "md-clear", "stibp",
    "arch-capabilities", "ssbd", "xsaves", "pdpe1gb", "invtsc", "ibpb", "ibrs", "amd-stibp", "amd-ssbd",
    "rsba", "skip-l1dfl-vmentry", "pschange-mc-no",
)
"""What capabilities lists beyond the Skylake-Client-IBRS model for this host."""

SKYLAKE_KVM_HOST_MODEL = HostModel(
    "Skylake-Client-IBRS", "Intel",
    require=("ss", "vmx", "pdcm", "hypervisor", "tsc_adjust", "clflushopt", "umip", "md-clear", "stibp",
             "arch-capabilities", "ssbd", "xsaves", "pdpe1gb", "invtsc", "ibpb", "ibrs", "amd-stibp",
             "amd-ssbd", "rsba", "skip-l1dfl-vmentry", "pschange-mc-no"),
    disable=("mpx",),
)

ARCH_CAPABILITIES_FEATURES = frozenset({"rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no",
                                        "pschange-mc-no", "tsx-ctrl", "taa-no", "rsba"})
"""Bits of IA32_ARCH_CAPABILITIES: qemu-system-i386 cannot pass them, so its host-model lacks them."""

SKYLAKE_KVM_USABLE = frozenset({
    "qemu64", "qemu32", "pentium3", "pentium2", "pentium", "n270", "kvm64", "kvm32", "coreduo",
    "core2duo", "Westmere-IBRS", "Westmere", "Skylake-Client-noTSX-IBRS", "Skylake-Client-IBRS",
    "Skylake-Client", "SandyBridge-IBRS", "SandyBridge", "Penryn", "Opteron_G2", "Opteron_G1",
    "Nehalem-IBRS", "Nehalem", "IvyBridge-IBRS", "IvyBridge", "Haswell-noTSX-IBRS", "Haswell-noTSX",
    "Haswell-IBRS", "Haswell", "Conroe", "Broadwell-noTSX-IBRS", "Broadwell-noTSX", "Broadwell-IBRS",
    "Broadwell", "486",
})

# --- TCG (virttype qemu): what QEMU's emulated "max" CPU amounts to; the same on any host -------

TCG_HOST_MODEL_X86_64 = HostModel(
    "EPYC", "AMD",
    require=("acpi", "ss", "monitor", "hypervisor", "erms", "mpx", "pcommit", "clwb", "umip", "pku", "vaes",
             "la57", "pks", "3dnowext", "3dnow", "npt", "vgif", "svme-addr-chk"),
    disable=("vme", "rdseed", "sha-ni", "xsavec", "fxsr_opt", "misalignsse", "3dnowprefetch", "osvw",
             "topoext", "nrip-save"),
)

TCG_HOST_MODEL_I686 = HostModel(
    "Opteron_G2", "AMD",
    require=("acpi", "ss", "pclmuldq", "monitor", "ssse3", "fma", "sse4.1", "sse4.2", "movbe", "popcnt",
             "aes", "xsave", "avx", "f16c", "rdrand", "hypervisor", "arat", "fsgsbase", "bmi1", "avx2",
             "smep", "bmi2", "erms", "mpx", "adx", "smap", "pcommit", "clflushopt", "clwb", "umip", "pku",
             "vaes", "la57", "pks", "xsaveopt", "xgetbv1", "mmxext", "pdpe1gb", "3dnowext", "3dnow",
             "cr8legacy", "abm", "sse4a", "npt", "vgif", "svme-addr-chk"),
    disable=("syscall", "lm"),
)

TCG_USABLE = frozenset({
    "qemu64", "qemu32", "pentium3", "pentium2", "pentium", "n270", "kvm64", "kvm32", "coreduo",
    "core2duo", "athlon", "Westmere", "Penryn", "Opteron_G2", "Opteron_G1", "Nehalem", "Conroe", "486",
})
