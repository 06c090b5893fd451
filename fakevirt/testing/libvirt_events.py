"""libvirt-python's default event loop in a thread, as applications run it (for event tests).

libvirt dispatches events only on connections opened after the loop was registered, and the
loop can be registered once per process: call ``ensure_event_loop()`` before opening them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

_started = False
_lock = threading.Lock()


def ensure_event_loop() -> None:
    """Register libvirt's default event implementation and run it in a daemon thread, once."""
    global _started
    import libvirt  # only tests that use events need libvirt-python

    with _lock:
        if _started:
            return
        libvirt.virEventRegisterDefaultImpl()

        def run() -> None:
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=run, name="libvirt-events", daemon=True).start()
        _started = True


def wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll until ``predicate()`` is true; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for events")
        time.sleep(0.01)
