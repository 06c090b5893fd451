"""Errors every XML document can get, whatever its family (libvirt's util/ and conf/ helpers)."""

from __future__ import annotations

from . import ErrorCode, ErrorDomain, VirtError


def parse_error(where: str, message: str, line: str, pointer: str, domain: int) -> VirtError:
    """virXMLParse's catchXMLError: ``where: message``, the offending line and a caret line under it."""
    return VirtError.report(ErrorCode.XML_DETAIL, domain, f"{where}: {message}\n{line}\n{pointer}^")


def namespace_failed() -> VirtError:
    """virXMLNodeSetNamespace: libvirt cannot put the node it copied (a DTD) in a namespace."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.XML, "failed to create a new XML namespace")


def wrong_root(expected: str, got: str) -> VirtError:
    """virXMLParseHelper: the document's root element is not the one the API reads."""
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, f"expecting root element of '{expected}', not '{got}'")


def unknown_suffix(unit: str | None) -> VirtError:
    """virScaleInteger (it reports from no particular domain)."""
    return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, f"unknown suffix '{unit}'")


def value_too_large(text: str) -> VirtError:
    """virScaleInteger: the scaled value passes its limit."""
    return VirtError.report(ErrorCode.OVERFLOW, ErrorDomain.NONE, f"value too large: {text}")


def invalid_value(text: str, path: str) -> VirtError:
    """virXPath / virParseScaledValue: a value that does not parse."""
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
                            f"Invalid value '{text}' for element or attribute '{path}'")


def schema_invalid(schema: str, *lines: str) -> VirtError:
    """virXMLValidateAgainstSchema: libxml2's RelaxNG complaints, one per line."""
    detail = f"Unable to validate doc against {schema}\n" + "".join(f"{line}\n" for line in lines)
    return VirtError.report(ErrorCode.XML_INVALID_SCHEMA, ErrorDomain.XML, detail)


def missing_attribute(name: str, element: str) -> VirtError:
    """virXMLPropString and friends with VIR_XML_PROP_REQUIRED."""
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, f"Missing required attribute '{name}' in element '{element}'")


def invalid_attribute(name: str, element: str, value: str, expected: str | None = None) -> VirtError:
    """virXMLPropEnum / virXMLPropUInt: a value outside the enum (or not a number of the kind ``expected``)."""
    tail = f" Expected {expected} value" if expected else ""
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
                            f"Invalid value for attribute '{name}' in element '{element}': '{value}'.{tail}")
