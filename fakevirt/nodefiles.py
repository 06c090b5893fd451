"""Reading test-driver node files from fakevirt's own host (``test:///PATH.xml``).

Injected into the hypervisor at startup (``Hypervisor.read_file``): the model does no I/O.
A node file is read whole, so only regular files up to ``MAX_NODE_FILE`` bytes are read.
"""

from __future__ import annotations

import os
import stat

from .errors import testdriver as err

MAX_NODE_FILE = 16 << 20


def read_node_file(path: str) -> str:
    """The text of the file at ``path``, or the test driver's "failed to parse" error."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_NODE_FILE:
                raise err.unreadable_file(path)
            data = f.read(MAX_NODE_FILE + 1)
    except OSError:
        raise err.unreadable_file(path) from None
    if len(data) > MAX_NODE_FILE:
        raise err.unreadable_file(path)
    return data.decode("utf-8", "surrogateescape")
