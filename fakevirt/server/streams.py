"""The STREAM packets of one session: routing them to open streams and pumping downloads.

Follows libvirtd (reference §6): data packets are not acknowledged; the client's finish (OK) is
answered with OK once the stream's own finish succeeded, or with ERROR + the error; the client's
abort (ERROR, empty) is confirmed with OK; packets for streams that no longer exist are dropped.
A download ends with an empty data packet (end of stream) and waits for the client's finish.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import trio

from protocol import (
    MESSAGE_LEGACY_PAYLOAD_MAX,
    Call,
    LibvirtError,
    StreamAbort,
    StreamData,
    StreamFinish,
    StreamHole,
)

from ..errors import VirtError
from ..handlers import DownloadStream, DuplexStream, Stream, UploadStream

if TYPE_CHECKING:
    from .session import ClientSession

log = logging.getLogger("fakevirt.streams")

CHUNK = MESSAGE_LEGACY_PAYLOAD_MAX  # what libvirtd and the C client send per packet
Key = tuple[int, int, int]  # program, procedure, serial
StreamEvent = StreamData | StreamHole | StreamFinish | StreamAbort


class StreamTable:
    """Open streams of one session, keyed like libvirtd's stream filter (program, proc, serial)."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.streams: dict[Key, Stream] = {}

    def open(self, call: Call, stream: Stream) -> None:
        key = (call.program, call.procedure, call.serial)
        self.streams[key] = stream
        if isinstance(stream, DownloadStream):
            self.session.start_soon(self._pump, key, stream)
        elif isinstance(stream, DuplexStream):
            self.session.start_soon(self._duplex, key, stream)

    def abort_all(self) -> None:
        """The client went away: abort what it left open, as libvirtd does on disconnect."""
        streams, self.streams = self.streams, {}
        for stream in streams.values():
            try:
                stream.abort()
            except LibvirtError as e:
                log.warning("aborting a stream failed: %s", e)

    def packet(self, ev: StreamEvent) -> list[bytes]:
        """Handle one packet from the client; returns what to send back at once."""
        key = (ev.program, ev.procedure, ev.serial)
        stream = self.streams.get(key)
        if stream is None:
            return []  # a stream that ended: libvirtd drops late packets too
        try:
            if isinstance(ev, StreamAbort):
                del self.streams[key]
                stream.abort()
                return [self._finish(key)]
            if isinstance(ev, StreamFinish):
                del self.streams[key]
                stream.finish()
                return [self._finish(key)]
            if isinstance(stream, DuplexStream) and isinstance(ev, StreamData):
                stream.end.write(ev.data)
                return []
            if not isinstance(stream, UploadStream):
                raise VirtError.rpc("stream does not accept data")  # a download got data
            if isinstance(ev, StreamHole):
                if stream.hole is None:
                    raise VirtError.rpc("Unexpected stream hole")
                stream.hole(ev.length)
            else:
                stream.write(ev.data)
        except LibvirtError as e:
            self.streams.pop(key, None)
            stream.abort()
            return [self._error(key, e)]
        return []

    def _finish(self, key: Key) -> bytes:
        program, procedure, serial = key
        return self.session.conn.send(StreamFinish(program=program, procedure=procedure, serial=serial))

    def _error(self, key: Key, e: LibvirtError) -> bytes:
        program, procedure, serial = key
        return self.session.conn.send(StreamAbort(program=program, procedure=procedure, serial=serial,
                                                  error=e.to_wire()))

    async def _pump(self, key: Key, stream: DownloadStream) -> None:
        program, procedure, serial = key
        send, conn = self.session.send, self.session.conn
        try:
            for chunk in stream.chunks:
                if key not in self.streams:
                    return  # aborted by the client
                if isinstance(chunk, int) and stream.sparse:
                    await send(conn.send(StreamHole(program=program, procedure=procedure, serial=serial,
                                                    length=chunk)))
                    continue
                size = chunk if isinstance(chunk, int) else len(chunk)
                for start in range(0, size, CHUNK):
                    piece = bytes(min(CHUNK, size - start)) if isinstance(chunk, int) else chunk[start:start + CHUNK]
                    await send(conn.send(StreamData(program=program, procedure=procedure, serial=serial,
                                                    data=piece)))
                    await trio.lowlevel.checkpoint()  # a fast reader of a huge volume must not starve the others
                    if key not in self.streams:
                        return
                await trio.lowlevel.checkpoint()
            if key in self.streams:
                await send(conn.send(StreamData(program=program, procedure=procedure, serial=serial, data=b"")))
        except LibvirtError as e:
            if self.streams.pop(key, None) is not None:
                await send(self._error(key, e))

    async def _duplex(self, key: Key, stream: DuplexStream) -> None:
        """Send what the far end writes as it comes; then end-of-stream, or its error."""
        program, procedure, serial = key
        send, conn, end = self.session.send, self.session.conn, stream.end
        ready = trio.Event()

        def wake() -> None:
            ready.set()

        end.set_waker(wake)
        try:
            while key in self.streams:
                ready = trio.Event()  # armed before reading: a write from now on wakes us
                data, gone = end.read()
                for start in range(0, len(data), CHUNK):
                    await send(conn.send(StreamData(program=program, procedure=procedure, serial=serial,
                                                    data=data[start:start + CHUNK])))
                if key not in self.streams:
                    return
                if gone:
                    if end.error is not None:
                        del self.streams[key]
                        await send(self._error(key, end.error))
                    else:  # end of stream; the client's finish removes the stream
                        await send(conn.send(StreamData(program=program, procedure=procedure, serial=serial,
                                                        data=b"")))
                    return
                if not data:
                    await ready.wait()
        finally:
            end.set_waker(None)
