"""``<cpu>`` documents as virCPUDefParseXML reads them and virCPUDefFormat writes them (compare, baseline)."""

from __future__ import annotations

from ..errors import ErrorDomain
from ..errors import cpu as err
from ..model.hostcpu.cpudef import POLICIES, CpuDef
from .fmt import el, render
from .parser import parse_xml

URL = "(CPU_definition)"
MODES = ("custom", "host-model", "host-passthrough", "maximum")


def parse_cpu_xml(text: str, force_host: bool = False) -> CpuDef:
    """One CPU definition; ``force_host`` parses it as a host CPU (baseline's inputs).

    Raises:
        VirtError: the parser's error, or virCPUDefParseXML's for a missing or misplaced part.
    """
    root = parse_xml(text, URL, ErrorDomain.CPU)
    if root.tag != "cpu":
        raise err.no_cpu_element()
    arch = root.find("arch")
    host = force_host or arch is not None
    if host and not force_host and root.get("match") is not None:
        raise err.arch_with_match()
    if host and root.get("mode") is not None:
        raise err.mode_on_host_cpu()
    mode = root.get("mode")
    if mode is not None and mode not in MODES:
        raise err.invalid_mode(mode)
    model = root.find("model")
    vendor = root.find("vendor")
    cpu = CpuDef(host=host, mode=root.get("mode", "custom") or "custom", match=root.get("match", "exact") or "exact",
                 arch=arch.text if arch is not None else None,
                 model=model.text.strip() if model is not None and model.text else None,
                 vendor=vendor.text.strip() if vendor is not None and vendor.text else None)
    if host and cpu.model is None:
        raise err.missing_model_name()
    for f in root.findall("feature"):
        name = f.get("name")
        if not name:
            raise err.missing_feature_name()
        policy = None if host else f.get("policy", "require")
        if policy is not None and policy not in POLICIES:
            raise err.invalid_feature_policy(policy)
        cpu.features.append((name, policy))
    return cpu


def format_cpu_xml(cpu: CpuDef) -> str:
    """A guest CPU as virCPUDefFormat writes a baseline result."""
    root = el("cpu", mode=cpu.mode, match=cpu.match)
    if cpu.model:
        root.add("model", cpu.model, fallback=cpu.fallback)
    if cpu.vendor:
        root.add("vendor", cpu.vendor)
    for name, policy in cpu.features:
        root.add("feature", policy=policy or "require", name=name)
    return render(root)
