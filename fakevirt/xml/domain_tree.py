"""``RawElement`` trees -> XML text, in libvirt's output conventions (the parser is ``parser``)."""

from __future__ import annotations

from ..model.devices import RawElement
from .fmt import escape


def attrs_str(attrs: dict[str, str] | list[tuple[str, str]]) -> str:
    items = attrs.items() if isinstance(attrs, dict) else attrs
    return "".join(f" {k}='{escape(v)}'" for k, v in items)


def raw_lines(el: RawElement, indent: int) -> list[str]:
    """A kept element formatted as libvirt formats its own: single quotes, 2-space indentation."""
    pad = " " * indent
    head = f"{pad}<{el.tag}{attrs_str(el.attrs)}"
    kids = [c for c in el.children if c.tag != "#text"]
    if not kids and el.text is None:
        return [head + "/>"]
    if not kids:
        return [f"{head}>{escape(el.text or '')}</{el.tag}>"]
    if el.text is not None or len(kids) != len(el.children):  # mixed content: keep it inline
        return [f"{head}>{_inline(el)}</{el.tag}>"]
    out = [head + ">"]
    for c in kids:
        out.extend(raw_lines(c, indent + 2))
    out.append(f"{pad}</{el.tag}>")
    return out


def _inline(el: RawElement) -> str:
    parts = [escape(el.text)] if el.text else []
    for c in el.children:
        if c.tag == "#text":
            parts.append(escape(c.text or ""))
        else:
            inner = _inline(c)
            parts.append(f"<{c.tag}{attrs_str(c.attrs)}>{inner}</{c.tag}>" if inner or c.text is not None
                         else f"<{c.tag}{attrs_str(c.attrs)}/>")
    return "".join(parts)


# libxml2's xmlNodeDump, which libvirt uses for <metadata> content: double quotes, namespace
# declarations before attributes, and indentation only where an element has no text children.

def _xml_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;"))


def _xml_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _dump_attrs(el: RawElement) -> str:
    ns = [(k, v) for k, v in el.attrs.items() if k == "xmlns" or k.startswith("xmlns:")]
    rest = [(k, v) for k, v in el.attrs.items() if not (k == "xmlns" or k.startswith("xmlns:"))]
    return "".join(f' {k}="{_xml_attr(v)}"' for k, v in ns + rest)


def node_dump(el: RawElement, level: int, fmt: bool = True) -> str:
    """xmlNodeDump(buf, doc, node, level, format)."""
    head = f"<{el.tag}{_dump_attrs(el)}"
    kids = el.children
    if not kids and el.text is None:
        return head + "/>"
    has_text = el.text is not None or any(c.tag == "#text" for c in kids)
    indent_kids = fmt and not has_text
    parts = [head, ">"]
    if el.text:
        parts.append(_xml_text(el.text))
    for c in kids:
        if c.tag == "#text":
            parts.append(_xml_text(c.text or ""))
            continue
        if indent_kids:
            parts.append("\n" + "  " * (level + 1))
        parts.append(node_dump(c, level + 1, indent_kids))
    if indent_kids and kids:
        parts.append("\n" + "  " * level)
    parts.append(f"</{el.tag}>")
    return "".join(parts)
