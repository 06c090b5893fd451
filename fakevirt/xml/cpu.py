"""``<cpu>`` documents as virCPUDefParseXML reads them and virCPUDefFormat writes them (compare, baseline)."""

from __future__ import annotations

from ..errors import ErrorCode, ErrorDomain, VirtError
from ..model.hostcpu.cpudef import POLICIES, CpuDef
from .fmt import el, render
from .parser import parse_xml

URL = "(CPU_definition)"


def _error(code: int, message: str) -> VirtError:
    return VirtError.report(code, ErrorDomain.CPU, message)


def parse_cpu_xml(text: str, force_host: bool = False) -> CpuDef:
    """One CPU definition; ``force_host`` parses it as a host CPU (baseline's inputs).

    Raises:
        VirtError: the parser's error, or virCPUDefParseXML's for a missing or misplaced part.
    """
    root = parse_xml(text, URL, ErrorDomain.CPU)
    if root.tag != "cpu":
        raise _error(ErrorCode.XML_ERROR, "XML does not contain expected 'cpu' element")
    arch = root.find("arch")
    host = force_host or arch is not None
    if host and not force_host and root.get("match") is not None:
        raise _error(ErrorCode.XML_ERROR, "'arch' element cannot be used inside 'cpu' element with 'match' attribute'")
    if host and root.get("mode") is not None:
        raise _error(ErrorCode.CONFIG_UNSUPPORTED, "Attribute mode is only allowed for guest CPU")
    model = root.find("model")
    vendor = root.find("vendor")
    cpu = CpuDef(host=host, mode=root.get("mode", "custom") or "custom", match=root.get("match", "exact") or "exact",
                 arch=arch.text if arch is not None else None,
                 model=model.text.strip() if model is not None and model.text else None,
                 vendor=vendor.text.strip() if vendor is not None and vendor.text else None)
    if host and cpu.model is None:
        raise _error(ErrorCode.XML_ERROR, "Missing CPU model name")
    for f in root.findall("feature"):
        name = f.get("name")
        if not name:
            raise _error(ErrorCode.XML_ERROR, "Missing CPU feature name")
        policy = None if host else f.get("policy", "require")
        if policy is not None and policy not in POLICIES:
            raise _error(ErrorCode.XML_ERROR, f"Invalid CPU feature policy '{policy}'")
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
