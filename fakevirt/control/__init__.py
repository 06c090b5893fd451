"""The control API (issue 15): what a test in any language does to the emulated host over HTTP.

``registry`` holds the one table of operations; each ``ops_*`` module registers its own with
``@operation``. Operations are short synchronous functions (decode the JSON body, call the model,
return something JSON-able), run in the server's trio thread between two procedure calls; the
HTTP transport lives in ``fakevirt.server.control`` and the CLI in ``fakevirt.ctl``.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_operations() -> None:
    """Import every ``ops_*`` module of this package, so each registers its operations."""
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("ops_"):
            importlib.import_module(f"{__name__}.{module.name}")
