"""The test-driver instances a hypervisor's connections opened (testConnectOpen).

Every ``test:///default`` connection shares one instance, made on the first open and forgotten
when the last one closes; each open of a node file makes a private instance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ...errors import testdriver as err
from .driver import TestDriver
from .node import NodeDefinition

if TYPE_CHECKING:
    from ..hypervisor import Hypervisor

NodeLoader = Callable[[str], NodeDefinition]  # "/default" or a node file's path -> its node
DEFAULT_PATH = "/default"


class TestDrivers:
    def __init__(self, root: Hypervisor) -> None:
        self.root = root
        self.shared: TestDriver | None = None
        self.users = 0  # connections holding ``shared``

    def open(self, path: str, load: NodeLoader) -> TestDriver:
        if path in ("", "/"):
            raise err.supply_path()
        if path != DEFAULT_PATH:
            node = load(path)
            if node.users:
                raise err.no_credentials()
            return TestDriver(f"test://{path}", self.root, node)
        if self.shared is None:
            self.shared = TestDriver(f"test://{path}", self.root, load(path))
        self.users += 1
        return self.shared

    def release(self, driver: TestDriver) -> None:
        """A connection closed: the default node is forgotten with its last connection."""
        if driver is self.shared:
            self.users -= 1
            if self.users == 0:
                self.shared = None
