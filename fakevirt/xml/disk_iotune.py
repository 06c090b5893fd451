"""A disk's <iotune>: parsed into the typed ``IoTune`` and formatted as libvirt does (non-zero values only)."""

from __future__ import annotations

from ..errors import blockdev as errors
from ..model.blockdev.iotune import BASE, FIELDS, MAX, IoTune
from ..model.devices import RawElement
from .fmt import escape


def parse_iotune(el: RawElement | None) -> IoTune | None:
    """virDomainDiskDefIotuneParse."""
    if el is None:
        return None
    tune = IoTune()
    for name in FIELDS:
        child = el.find(name)
        if child is None:
            continue
        text = (child.text or "").strip()
        if name == "group_name":
            tune.group_name = text or None
            continue
        if not text.isdigit():
            raise errors.iotune_xml_not_number(name)
        if int(text):
            tune.values[name] = int(text)
    for kind, names in (("bytes_sec", BASE[:3]), ("iops_sec", BASE[3:]), ("bytes_sec_max", MAX[:3]),
                        ("iops_sec_max", MAX[3:])):
        if tune.get(names[0]) and (tune.get(names[1]) or tune.get(names[2])):
            raise errors.iotune_xml_total_and_rw(kind)
    if tune.group_name and not tune.any_limit:
        raise errors.iotune_xml_group_alone()
    if any(v > errors.IOTUNE_MAX for v in tune.values.values()):
        raise errors.iotune_xml_limit()
    return tune


def format_iotune(tune: IoTune, indent: int) -> list[str]:
    """virDomainDiskDefFormatIotune: nothing at all without a limit or a group."""
    pad = " " * (indent + 2)
    body = [f"{pad}<group_name>{escape(tune.group_name or '')}</group_name>" if name == "group_name"
            else f"{pad}<{name}>{tune.get(name)}</{name}>"
            for name in FIELDS if (tune.group_name if name == "group_name" else tune.get(name))]
    if not body:
        return []
    return [" " * indent + "<iotune>", *body, " " * indent + "</iotune>"]
