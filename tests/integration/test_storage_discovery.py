"""Source discovery (virConnectFindStoragePoolSources) and the storage pool capabilities document,
through virsh and libvirt-python, and the same questions asked of the reference daemon."""

from __future__ import annotations

from pathlib import Path

import libvirt
import pytest

from .conftest import err, error_of, ok

S, NONE, XML = libvirt.VIR_FROM_STORAGE, libvirt.VIR_FROM_NONE, libvirt.VIR_FROM_XML
ISCSI = ("internal error: Child process (/usr/bin/iscsiadm --mode discovery --type sendtargets --portal {}:{},1 "
         "--op nonpersistent) unexpected exit status 127: libvirt:  error : cannot execute binary /usr/bin/iscsiadm: "
         "No such file or directory\n")
HOST = "<source><host name='nfs.example'/></source>"
# (type, srcSpec, flags) -> (code, domain, message), or the document found
CASES: list[tuple[tuple[str, str | None, int], tuple[int, int, str] | str]] = [
    (("logical", None, 0), "<sources>\n</sources>\n"),
    (("logical", "<sourc", 0), "<sources>\n</sources>\n"),  # the logical backend reads no specification
    (("dir", HOST, 0), (libvirt.VIR_ERR_NO_SUPPORT, S, "this function is not supported by the connection driver: "
                                                       "pool type 'dir' does not support source discovery")),
    (("mpath", None, 1), (libvirt.VIR_ERR_NO_SUPPORT, S, "this function is not supported by the connection "
                                                         "driver: pool type 'mpath' does not support source discovery")),
    (("foo", None, 0), (libvirt.VIR_ERR_INTERNAL_ERROR, S, "internal error: unknown storage pool type foo")),
    (("rbd", None, 0), (libvirt.VIR_ERR_INTERNAL_ERROR, S, "internal error: missing backend for pool type 9 (rbd)")),
    (("iscsi-direct", None, 0), (libvirt.VIR_ERR_INTERNAL_ERROR, S,
                                 "internal error: missing backend for pool type 6 (iscsi-direct)")),
    (("netfs", None, 0), (libvirt.VIR_ERR_INVALID_ARG, S, "invalid argument: hostname must be specified for netfs "
                                                          "sources")),
    (("netfs", None, 1), (libvirt.VIR_ERR_INVALID_ARG, S, "unsupported flags (0x1) in function "
                                                          "virStorageBackendFileSystemNetFindPoolSources")),
    (("logical", None, 2), (libvirt.VIR_ERR_INVALID_ARG, S, "unsupported flags (0x2) in function "
                                                            "virStorageBackendLogicalFindPoolSources")),
    (("netfs", HOST, 0), (libvirt.VIR_ERR_OPERATION_FAILED, S, "operation failed: no storage pools were found on "
                                                               "host 'nfs.example'")),
    (("netfs", "<source><host name='a'/><format type='bogus'/></source>", 0),
     (libvirt.VIR_ERR_CONFIG_UNSUPPORTED, S, "unsupported configuration: unknown pool format type bogus")),
    (("netfs", "<source/>", 0), (libvirt.VIR_ERR_CONFIG_UNSUPPORTED, S,
                                 "unsupported configuration: Expected exactly 1 host for the storage pool")),
    (("netfs", "<source><host/></source>", 0), (libvirt.VIR_ERR_XML_ERROR, S,
                                                "XML error: missing storage pool host name")),
    (("netfs", "<foo/>", 0), (libvirt.VIR_ERR_XML_ERROR, XML, "XML error: expecting root element of 'source', "
                                                              "not 'foo'")),
    (("netfs", "<source><host name='a' port='x'/></source>", 0), (
        libvirt.VIR_ERR_XML_ERROR, XML, "XML error: Invalid value for attribute 'port' in element 'host': 'x'. "
                                        "Expected integer value")),
    (("iscsi", "<sourc", 0), (libvirt.VIR_ERR_XML_DETAIL, S, "(storage_source_specification):1: Couldn't find end "
                                                             "of Start Tag sourc line 1\n<sourc\n------^")),
    (("iscsi", "<source><host name='h' port='3261'/></source>", 0),
     (libvirt.VIR_ERR_INTERNAL_ERROR, NONE, ISCSI.format("h", 3261))),
    (("iscsi", "<source><host name='h'/></source>", 0), (libvirt.VIR_ERR_INTERNAL_ERROR, NONE, ISCSI.format("h", 3260))),
]


def answers(uri: str) -> list[tuple[int, int, str] | str]:
    conn = libvirt.open(uri)
    try:
        out: list[tuple[int, int, str] | str] = []
        for args, _ in CASES:
            try:
                out.append(conn.findStoragePoolSources(*args))
            except libvirt.libvirtError as e:
                out.append((e.get_error_code(), e.get_error_domain(), e.get_error_message()))
        return out
    finally:
        conn.close()


def test_find_pool_sources_python(fakevirt_uri: str) -> None:
    assert answers(fakevirt_uri) == [want for _, want in CASES]


def test_find_pool_sources_virsh(virsh, tmp_path: Path) -> None:
    assert ok(virsh("find-storage-pool-sources", "logical")) == "<sources>\n</sources>\n\n"
    assert err(virsh("find-storage-pool-sources", "dir")) == (
        "error: Failed to find any dir pool sources\nerror: this function is not supported by the connection "
        "driver: pool type 'dir' does not support source discovery")
    spec = tmp_path / "spec.xml"
    spec.write_text("<source><host name='10.0.0.9'/></source>\n")
    assert err(virsh("find-storage-pool-sources", "netfs", str(spec))) == (
        "error: Failed to find any netfs pool sources\n"
        "error: operation failed: no storage pools were found on host '10.0.0.9'")
    spec.write_text("<sourc\n")
    assert err(virsh("find-storage-pool-sources", "netfs", str(spec))) == (
        "error: Failed to find any netfs pool sources\nerror: (storage_source_specification):2: "
        "Couldn't find end of Start Tag sourc line 1\n(null)\n^")


def test_pool_capabilities(fakevirt_uri: str, virsh) -> None:
    conn = libvirt.open(fakevirt_uri)
    caps = conn.getStoragePoolCapabilities()
    assert error_of(conn.getStoragePoolCapabilities, 1) == (
        libvirt.VIR_ERR_INVALID_ARG, S, "unsupported flags (0x1) in function storageConnectGetStoragePoolCapabilities")
    conn.close()
    assert caps.startswith("<storagepoolCapabilities>\n  <pool type='dir' supported='yes'>\n    <volOptions>\n"
                           "      <defaultFormat type='raw'/>\n")
    assert "<pool type='rbd' supported='no'>\n    <volOptions>\n      <defaultFormat type='raw'/>\n" \
           "      <enum name='targetFormatType'>\n      </enum>" in caps
    assert ok(virsh("pool-capabilities")) == caps + "\n\n"


@pytest.mark.real
def test_discovery_and_capabilities_match_reference(fakevirt_uri: str, reference_uri: str) -> None:
    assert answers(fakevirt_uri) == answers(reference_uri)
    mine, theirs = libvirt.open(fakevirt_uri), libvirt.open(reference_uri)
    try:
        assert mine.getStoragePoolCapabilities() == theirs.getStoragePoolCapabilities()
    finally:
        mine.close()
        theirs.close()
