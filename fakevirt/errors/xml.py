"""Errors every XML document can get, whatever its family (libvirt's util/ and conf/ helpers)."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError


def wrong_root(expected: str, got: str) -> VirtError:
    """virXMLParseHelper: the document's root element is not the one the API reads."""
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, f"expecting root element of '{expected}', not '{got}'")


def unknown_suffix(unit: str | None) -> VirtError:
    """virScaleInteger (it reports from no particular domain)."""
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"unknown suffix '{unit}'")


def value_too_large(text: str) -> VirtError:
    """virScaleInteger: the scaled value passes its limit."""
    return VirtError.report(ErrorCode.OVERFLOW, ErrorDomain.NONE, f"value too large: {text}")
