"""Pool build and create-with-build flags on a dir pool, as libvirtd 9.0's storage driver answers them."""

from __future__ import annotations

import shutil
import uuid

import libvirt
import pytest

import fakevirt.handlers.storage  # noqa: F401  registers

Outcome = tuple[int, int, str] | str

# virStoragePoolBuild(flags): the dir backend checks its own flags (bits other than OVERWRITE and
# NO_OVERWRITE are refused in its name), makes the directory, then (NO_)OVERWRITE asks it to format
# a source device, which a dir pool does not have.
BUILD = {
    0: "ok",
    1: (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_STORAGE,
        "unsupported flags (0x1) in function virStorageBackendFileSystemBuild"),
    3: (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_STORAGE,
        "unsupported flags (0x3) in function virStorageBackendFileSystemBuild"),
    4: (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_STORAGE,
        "Requested operation is not valid: No source device specified when formatting pool 'NAME'"),
    8: (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_STORAGE,
        "Requested operation is not valid: No source device specified when formatting pool 'NAME'"),
    12: (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_STORAGE,
         "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and 'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive"),
    32: (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_STORAGE,
         "unsupported flags (0x20) in function virStorageBackendFileSystemBuild"),
}
# virStoragePoolCreateXML(flags): WITH_BUILD_OVERWRITE (2) / _NO_OVERWRITE (4) are passed on as
# OVERWRITE / NO_OVERWRITE (OVERWRITE first), so both fail in the backend as above.
NO_SOURCE = BUILD[4]
CREATE = {1: "ok", 2: NO_SOURCE, 3: NO_SOURCE, 4: NO_SOURCE, 5: NO_SOURCE, 6: NO_SOURCE, 7: NO_SOURCE}


def outcome(name: str, fn) -> Outcome:  # type: ignore[no-untyped-def]
    try:
        fn()
    except libvirt.libvirtError as e:
        return e.get_error_code(), e.get_error_domain(), str(e).replace(f"'{name}'", "'NAME'")
    return "ok"


def scenario(conn: libvirt.virConnect, base: str) -> tuple[dict[int, Outcome], dict[int, Outcome]]:
    built: dict[int, Outcome] = {}
    for flags in BUILD:
        name = f"fvb{flags}-{uuid.uuid4().hex[:6]}"
        pool = conn.storagePoolDefineXML(f"<pool type='dir'><name>{name}</name><target><path>{base}/{name}"
                                         "</path></target></pool>")
        try:
            built[flags] = outcome(name, lambda: pool.build(flags))  # noqa: B023
        finally:
            pool.undefine()
    created: dict[int, Outcome] = {}
    for flags in CREATE:
        name = f"fvc{flags}-{uuid.uuid4().hex[:6]}"
        xml = f"<pool type='dir'><name>{name}</name><target><path>{base}/{name}</path></target></pool>"
        created[flags] = outcome(name, lambda: conn.storagePoolCreateXML(xml, flags).destroy())  # noqa: B023
    return built, created


def test_build_flags(fakevirt_uri: str) -> None:
    conn = libvirt.open(fakevirt_uri)
    assert scenario(conn, "/tmp/fv-build") == (BUILD, CREATE)


@pytest.mark.real
def test_build_flags_match_real_libvirtd(reference_uri: str) -> None:
    base = f"/tmp/fv-build-{uuid.uuid4().hex[:8]}"
    conn = libvirt.open(reference_uri)
    try:
        assert scenario(conn, base) == (BUILD, CREATE)
    finally:
        conn.close()
        shutil.rmtree(base, ignore_errors=True)
