"""Stream plumbing of a session, driven by a stand-in handler on the vol upload/download procedures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import trio

from fakevirt.client import AsyncClient
from fakevirt.errors import VirtError
from fakevirt.handlers import HANDLERS, Client, DownloadStream, Handler, Outcome, UploadStream
from fakevirt.testing import serving
from protocol import (
    PROCEDURES,
    LibvirtError,
    NonnullStorageVol,
    Proc,
    Program,
    StreamAbort,
    StreamData,
    StreamFinish,
    StreamHole,
)
from protocol.remote.storage import StorageVolDownloadArgs, StorageVolUploadArgs

VOL = NonnullStorageVol(pool="p", name="v", key="/p/v")
UPLOAD, DOWNLOAD = (Program.REMOTE, Proc.STORAGE_VOL_UPLOAD), (Program.REMOTE, Proc.STORAGE_VOL_DOWNLOAD)


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """Stand-in handlers: upload collects into sink['data'], download serves sink['source']."""
    state: dict[str, object] = {"data": bytearray(), "finished": False, "aborted": False}

    def upload(client: Client, args: StorageVolUploadArgs) -> Outcome:
        def write(data: bytes) -> None:
            if state.get("fail"):
                raise VirtError.internal("disk full")
            state["data"] += data  # type: ignore[operator]

        def hole(length: int) -> None:
            state["data"] += bytes(length)  # type: ignore[operator]

        return Outcome(stream=UploadStream(write=write, hole=hole if args.flags & 1 else None,
                                           finish=lambda: state.__setitem__("finished", True),
                                           abort=lambda: state.__setitem__("aborted", True)))

    def download(client: Client, args: StorageVolDownloadArgs) -> Outcome:
        source: Iterator[bytes | int] = iter(state["source"])  # type: ignore[call-overload]
        return Outcome(stream=DownloadStream(chunks=source, sparse=bool(args.flags & 1),
                                             finish=lambda: state.__setitem__("finished", True)))

    monkeypatch.setitem(HANDLERS, UPLOAD, Handler(upload, PROCEDURES[UPLOAD]))
    monkeypatch.setitem(HANDLERS, DOWNLOAD, Handler(download, PROCEDURES[DOWNLOAD]))
    return state


def ev(kind: type, serial: int, proc: int = Proc.STORAGE_VOL_UPLOAD, **kw: object):  # type: ignore[no-untyped-def]
    return kind(program=Program.REMOTE, procedure=proc, serial=serial, **kw)


async def test_upload_data_holes_and_finish(sink: dict[str, object]) -> None:
    with trio.fail_after(10):
        async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.open()
            reply = await c.call_event(Proc.STORAGE_VOL_UPLOAD, StorageVolUploadArgs(vol=VOL, offset=0, length=0,
                                                                                      flags=1), serial=50)
            assert reply.ret is None
            await c.send_event(ev(StreamData, 50, data=b"abc"))
            await c.send_event(ev(StreamHole, 50, length=5))
            await c.send_event(ev(StreamData, 50, data=b"z" * 300_000))
            await c.send_event(ev(StreamFinish, 50))
            assert await c.stream_events.receive() == ev(StreamFinish, 50)
            assert sink["data"] == b"abc" + bytes(5) + b"z" * 300_000 and sink["finished"]
            assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


async def test_upload_failure_is_reported_on_the_stream(sink: dict[str, object]) -> None:
    sink["fail"] = True
    async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
        await c.open()
        await c.call_event(Proc.STORAGE_VOL_UPLOAD, StorageVolUploadArgs(vol=VOL, offset=0, length=0, flags=0),
                           serial=9)
        await c.send_event(ev(StreamData, 9, data=b"x"))
        got = await c.stream_events.receive()
        assert isinstance(got, StreamAbort) and got.error is not None
        assert LibvirtError.from_wire(got.error).message == "internal error: disk full"
        assert sink["aborted"]
        await c.send_event(ev(StreamData, 9, data=b"late"))  # dropped, like libvirtd
        assert (await c.call(Proc.CONNECT_GET_TYPE)).type == "QEMU"


async def test_hole_refused_unless_sparse_and_abort_confirmed(sink: dict[str, object]) -> None:
    async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
        await c.open()
        await c.call_event(Proc.STORAGE_VOL_UPLOAD, StorageVolUploadArgs(vol=VOL, offset=0, length=0, flags=0),
                           serial=3)
        await c.send_event(ev(StreamHole, 3, length=4))
        got = await c.stream_events.receive()
        assert isinstance(got, StreamAbort) and LibvirtError.from_wire(got.error).message == "Unexpected stream hole"
        await c.call_event(Proc.STORAGE_VOL_UPLOAD, StorageVolUploadArgs(vol=VOL, offset=0, length=0, flags=0),
                           serial=4)
        await c.send_event(ev(StreamAbort, 4))
        assert await c.stream_events.receive() == ev(StreamFinish, 4)
        assert sink["aborted"]


@pytest.mark.parametrize("sparse", [False, True])
async def test_download_chunks_then_end_of_stream(sink: dict[str, object], sparse: bool) -> None:
    sink["source"] = [b"a" * 600_000, 7, b"tail"]
    async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
        await c.open()
        reply = await c.call_event(Proc.STORAGE_VOL_DOWNLOAD,
                                   StorageVolDownloadArgs(vol=VOL, offset=0, length=0, flags=int(sparse)), serial=11)
        assert reply.ret is None
        data, holes = bytearray(), []
        while True:
            got = await c.stream_events.receive()
            if isinstance(got, StreamHole):
                holes.append(got.length)
                data += bytes(got.length)
                continue
            assert isinstance(got, StreamData)
            if not got.data:
                break  # end of stream
            assert len(got.data) <= 262120
            data += got.data
        assert data == b"a" * 600_000 + bytes(7) + b"tail"
        assert holes == ([7] if sparse else [])
        await c.send_event(ev(StreamFinish, 11, proc=Proc.STORAGE_VOL_DOWNLOAD))
        assert await c.stream_events.receive() == ev(StreamFinish, 11, proc=Proc.STORAGE_VOL_DOWNLOAD)
        assert sink["finished"]
