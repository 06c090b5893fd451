"""The storage model at the synthetic filesystem's limits: uploads near the largest file, holes."""

from __future__ import annotations

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.clock import ManualClock
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.images.image import FS_MAX_FILE_SIZE, qcow2_max_size
from fakevirt.model.storage import PoolDef, StorageState, VolDef, storage_for


@pytest.fixture
def st() -> StorageState:
    return storage_for(Hypervisor(clock=ManualClock()))


def fails(domain: int, message: str, fn, *args) -> None:
    with pytest.raises(VirtError) as e:
        fn(*args)
    assert (e.value.code, e.value.domain, e.value.message) == (ErrorCode.SYSTEM_ERROR, domain, message)


def test_raw_upload_stops_at_the_largest_file(st: StorageState) -> None:
    pool = st.define(PoolDef("p", None, "/pools/p"))
    st.build(pool)
    st.start(pool)
    vol = st.vol_create(pool, VolDef("a.raw", 0, 0, "raw"))
    w = st.upload(vol, FS_MAX_FILE_SIZE - 3, 0, 1)
    fails(ErrorDomain.STREAMS, "Unable to write /pools/p/a.raw: File too large", w.write, b"12345")
    img = st.image(vol)
    assert img.virtual_size == FS_MAX_FILE_SIZE and st.images.read(vol.path, FS_MAX_FILE_SIZE - 3, 3) == b"123"
    assert len(img.clusters.data) == 1 and not img.clusters.zero_runs()
    w = st.upload(vol, 10, 0, 1)
    fails(ErrorDomain.STREAMS, "unable to seek in /pools/p/a.raw: Invalid argument", w.hole, FS_MAX_FILE_SIZE)
    w.hole(FS_MAX_FILE_SIZE - 10)  # the whole file but 10 bytes: one discard, no per-cluster work
    assert img.virtual_size == FS_MAX_FILE_SIZE and not img.clusters


def test_hole_into_the_largest_backed_qcow2(st: StorageState) -> None:
    """An upload writes the qcow2 file, not the guest data: a hole of the volume's virtual size
    lies past the largest file; the failed stream leaves the overlay as it was."""
    pool = st.define(PoolDef("p", None, "/pools/p"))
    st.build(pool)
    st.start(pool)
    size = qcow2_max_size(65536)
    st.vol_create(pool, VolDef("base.qcow2", size, None, "qcow2"))
    top = st.vol_create(pool, VolDef("top.qcow2", size, None, "qcow2", "/pools/p/base.qcow2", "qcow2"))
    w = st.upload(top, 5, 0, 1)
    fails(ErrorDomain.STREAMS, "unable to seek in /pools/p/top.qcow2: Invalid argument", w.hole, size - 5)
    w.abort()
    img = st.image(top)
    assert (img.format, img.virtual_size, img.backing, img.backing_format) == ("qcow2", size, "/pools/p/base.qcow2",
                                                                              "qcow2")
    assert not img.clusters
    st.vol_resize(top, size // 2, 4)  # shrink, then a wipe and a sparse download stay cheap
    assert sum(c if isinstance(c, int) else len(c) for c in st.download(top, 0, 0, 1)) == st.physical(top)
