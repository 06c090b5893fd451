"""A client of the control API, standard library only: what `fakevirt ctl` and Python tests use.

    ctl = ControlClient("tcp://127.0.0.1:16600")   # or unix:///run/fakevirt-control.sock
    ctl.call("reset", seed=7)
    with ctl.events() as events:                    # subscribed once this returns
        ...
        first = next(events)
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from collections.abc import Iterator
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from .registry import API_VERSION

ENV = "FAKEVIRT_CONTROL"
PREFIX = f"/v{API_VERSION}/"


class ControlRequestError(Exception):
    """The server refused a request: its HTTP status and reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class ControlClient:
    """The control API at ``url`` (``tcp://HOST:PORT``, ``http://HOST:PORT`` or ``unix:///PATH``).

    ``url`` None: ``$FAKEVIRT_CONTROL``. One connection per request, so it can be shared by threads.
    """

    def __init__(self, url: str | None = None, timeout: float | None = 60.0) -> None:
        url = url or os.environ.get(ENV)
        if not url:
            raise ValueError(f"no control URL: give --url or set ${ENV}")
        parts = urlsplit(url)
        if parts.scheme in ("tcp", "http"):
            if not parts.hostname or parts.port is None:
                raise ValueError(f"{url}: a tcp control URL is tcp://HOST:PORT")
            self.host, self.port, self.path = parts.hostname, parts.port, ""
        elif parts.scheme == "unix":
            self.host, self.port, self.path = "", 0, parts.netloc + parts.path
            if not self.path:
                raise ValueError(f"{url}: a unix control URL is unix:///PATH")
        else:
            raise ValueError(f"{url}: control URLs are tcp://HOST:PORT or unix:///PATH")
        self.url = url
        self.timeout = timeout

    def _connection(self, timeout: float | None) -> http.client.HTTPConnection:
        if self.path:
            return _UnixConnection(self.path, timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request(self, method: str, target: str, body: bytes | None = None) -> Any:
        """One request; the decoded JSON answer, or ControlRequestError with the server's reason."""
        conn = self._connection(self.timeout)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, target, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        try:
            answer = json.loads(data) if data else None
        except ValueError:
            raise ControlRequestError(response.status, f"not a JSON answer: {data[:200]!r}") from None
        if response.status != 200:
            reason = answer.get("error") if isinstance(answer, dict) else None
            raise ControlRequestError(response.status, reason or f"HTTP {response.status} {response.reason}")
        return answer

    def call(self, operation: str, body: dict[str, Any] | None = None, **fields: Any) -> Any:
        """POST /v1/OPERATION with body (or the keyword fields) as its JSON object."""
        payload = {**(body or {}), **fields}
        return self.request("POST", PREFIX + operation, json.dumps(payload).encode())

    def operations(self) -> list[dict[str, str]]:
        """Every operation the server has: [{name, doc}]."""
        answer: list[dict[str, str]] = self.request("GET", PREFIX)["operations"]
        return answer

    def events(self, timeout: float | None = None) -> EventStream:
        """Every event from now on, as dicts; the subscription is in place when this returns."""
        conn = self._connection(self.timeout)
        try:
            conn.request("GET", PREFIX + "events")
            response = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        if response.status != 200:
            data = response.read()
            conn.close()
            raise ControlRequestError(response.status, data.decode(errors="replace"))
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return EventStream(conn, response)


class EventStream:
    """The JSON lines of ``GET /v1/events``; iterate, and close (or use ``with``) when done."""

    def __init__(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse) -> None:
        self._conn = conn
        self._response = response

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        line = self._response.readline()
        if not line:
            raise StopIteration
        event: dict[str, Any] = json.loads(line)
        return event

    def close(self) -> None:
        self._response.close()
        self._conn.close()

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
