"""libvirt 9.0's x86 CPU driver on feature names: compare (x86Compute), baseline (x86Baseline, x86Decode).

libvirt works on CPUID bits; every x86 feature of its map is a distinct bit, so sets of names behave the same.
"""

from __future__ import annotations

from ...errors import cpu as err
from ..flags.node import CpuCompareResult
from .cpudef import CpuDef
from .cpumap import X86_FEATURES, X86_MIGRATE_BLOCKERS, X86_MODELS

FEATURE_ORDER = {name: i for i, name in enumerate(" ".join(X86_FEATURES).split())}
MODEL_ORDER = tuple(X86_MODELS)
X86_ARCHES = ("i686", "x86_64")
# virQEMUCapsCPUFilterFeatures: what the QEMU driver never puts in a guest CPU
QEMU_DROPPED = frozenset({"cmt", "mbm_total", "mbm_local", "osxsave", "ospke"})
# the features QEMU 7.2 reports for its host-model CPU (KVM and TCG alike): the map's but these
QEMU_FEATURES = frozenset(FEATURE_ORDER) - QEMU_DROPPED - {"cvt16", "pconfig"}


def model_features(name: str) -> set[str]:
    if name not in X86_MODELS:
        raise err.unknown_model(name)
    return set(X86_MODELS[name][4].split())


def _feature(name: str) -> str:
    if name not in FEATURE_ORDER:
        raise err.unknown_feature(name)
    return name


def ordered(names: set[str]) -> list[str]:
    return sorted(names, key=FEATURE_ORDER.__getitem__)


def features_of(cpu: CpuDef, policy: str | None) -> set[str]:
    """x86ModelFromCPU: policy None is the CPU as a whole (model + required - disabled)."""
    if cpu.host and policy not in ("require", None):
        return set()
    out = model_features(cpu.model) if cpu.model and policy in ("require", None) else set()
    for name, fpol in cpu.features:
        fpol = fpol or "require"
        if (policy is None and fpol == "optional") or (policy is not None and fpol != policy):
            continue
        _feature(name)
        if policy is None and fpol in ("disable", "forbid"):
            out.discard(name)
        else:
            out.add(name)
    return out


def compare(host: CpuDef, cpu: CpuDef) -> tuple[CpuCompareResult, str | None]:
    """x86Compute: the result, and for INCOMPATIBLE the reason libvirt gives."""
    if cpu.arch is not None and cpu.arch not in X86_ARCHES:
        return CpuCompareResult.INCOMPATIBLE, f"CPU arch {cpu.arch} does not match host arch"
    if cpu.vendor and cpu.vendor != host.vendor:
        return CpuCompareResult.INCOMPATIBLE, f"host CPU vendor does not match required CPU vendor {cpu.vendor}"
    host_set = features_of(host, None)
    by_policy = {p: features_of(cpu, p) for p in ("force", "require", "optional", "disable", "forbid")}
    forbidden = by_policy["forbid"] & host_set
    if forbidden:
        return CpuCompareResult.INCOMPATIBLE, _listed("Host CPU provides forbidden features", forbidden)
    require = by_policy["require"] - by_policy["force"] - by_policy["optional"] - by_policy["disable"]
    if require - host_set:
        return CpuCompareResult.INCOMPATIBLE, _listed("Host CPU does not provide required features",
                                                      require - host_set)
    diff = host_set - by_policy["optional"] - require - by_policy["disable"] - by_policy["force"]
    if not diff:
        return CpuCompareResult.IDENTICAL, None
    if not cpu.host and cpu.match == "strict":
        return CpuCompareResult.INCOMPATIBLE, _listed("Host CPU does not strictly match guest CPU: Extra features",
                                                      diff)
    return CpuCompareResult.SUPERSET, None


def _listed(what: str, names: set[str]) -> str:
    return f"{what}: {', '.join(ordered(names))}"


def baseline(cpus: list[CpuDef], migratable: bool, usable: set[str] | None = None,
             hv_models: dict[str, frozenset[str]] | None = None) -> CpuDef:
    """virCPUx86Baseline: the newest model fitting what every CPU has, plus the features beyond it.

    ``usable`` (the hypervisor's features) restricts the common features; ``hv_models`` are the models
    tried, each with its blockers (the features the hypervisor lacks for it, always listed disabled).
    """
    first = cpus[0]
    base = features_of(first, None)
    output_vendor = first.vendor is not None
    vendor = first.vendor
    if vendor is not None and vendor not in ("Intel", "AMD", "Hygon"):
        raise err.unknown_vendor(vendor)
    names = [first.model] if first.model else []
    for cpu in cpus[1:]:
        if cpu.model and cpu.model not in names:
            names.append(cpu.model)
        feats = features_of(cpu, None)
        model_vendor = X86_MODELS[cpu.model][0] if cpu.model else None
        if cpu.model and cpu.vendor and model_vendor and cpu.vendor != model_vendor:
            raise err.model_vendor_differs(model_vendor, cpu.model, cpu.vendor)
        vn = cpu.vendor
        if not vn:
            output_vendor = False
            vn = model_vendor
        if vn:
            if vendor is None:
                if vn not in ("Intel", "AMD", "Hygon"):
                    raise err.unknown_vendor(vn)
                vendor = vn
            elif vendor != vn:
                raise err.vendors_differ()
        base &= feats
    if usable is not None:
        base &= usable
    if not base:
        raise err.cpus_incompatible()
    out = _decode(base, vendor, names, migratable, hv_models)
    if len(names) == 1 and out.model == names[0]:
        out.fallback = "forbid"
    if not output_vendor:
        out.vendor = None
    return out


def _decode(data: set[str], vendor: str | None, preferred: list[str], migratable: bool,
            hv_models: dict[str, frozenset[str]] | None = None) -> CpuDef:
    """x86Decode for a guest CPU, without a signature (CPU XML carries none).

    A model the hypervisor lacks is skipped (a preferred one too: the new CPU's fallback is allow).
    """
    best: CpuDef | None = None
    for name in reversed(MODEL_ORDER):
        if hv_models is not None and name not in hv_models:
            continue
        model_vendor, _sigs, _host, decode_guest, feats, removed = X86_MODELS[name]
        if vendor and model_vendor and vendor != model_vendor:
            continue
        model = set(feats.split())
        blockers = hv_models[name] if hv_models is not None else frozenset()
        listed: list[tuple[str, str | None]] = [(f, "require") for f in ordered(data - model)]
        listed += [(f, "disable") for f in ordered((model - data) | blockers)]
        candidate = CpuDef(host=False, model=name, vendor=vendor, features=listed)
        have = {f for f, _ in candidate.features}
        candidate.features += [(f, "disable") for f in removed.split() if f not in have]
        if not decode_guest:
            continue
        if name in preferred and len(preferred) == 1:
            best = candidate
            break
        if best is None or _better(best, candidate, name in preferred):
            best = candidate
    if best is None:
        raise err.no_suitable_model()
    if migratable:
        best.features = [(f, p) for f, p in best.features if f not in X86_MIGRATE_BLOCKERS]
    return best


def _weights(cpu: CpuDef) -> tuple[int, int]:
    """virCPUx86CompareCandidateFeatureList's count, including its shrinking loop bound."""
    enabled, disabled, penalty = len(cpu.features), 0, 2
    i = 0
    while i < enabled:
        if cpu.features[i][1] == "disable":
            enabled -= 1
            disabled += penalty
            penalty += 1
        i += 1
    return enabled + disabled, disabled


def _better(current: CpuDef, candidate: CpuDef, preferred: bool) -> bool:
    cur, cur_disabled = _weights(current)
    cand, cand_disabled = _weights(candidate)
    if cand < cur or (cand == cur and cand_disabled < cur_disabled):
        return True
    return preferred and cand_disabled < cur_disabled


def expand(cpu: CpuDef) -> None:
    """virCPUx86ExpandFeatures (guest CPU), then sorted by name as virCPUExpandFeatures does."""
    assert cpu.model is not None
    feats: dict[str, str | None] = {f: "require" for f in ordered(model_features(cpu.model))}
    for name, policy in cpu.features:
        if policy in ("require", "disable"):
            feats[name] = policy
    for name in X86_MODELS[cpu.model][5].split():
        feats.setdefault(name, "disable")
    cpu.features = sorted(feats.items())
