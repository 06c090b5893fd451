"""``virsh event --all --loop`` in the background, read in step with the commands a test runs."""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import threading
from collections.abc import Callable

from tests.integration.conftest import ok


class VirshEvents:
    """The events of domain ``name``; ``sync()`` returns the lines since the last sync, ended by a
    probe (a description change, whose metadata-change event follows everything before it).
    Lines lose their "event " prefix and domain name; job statistics keep their names only."""

    def __init__(self, virsh_bin: str, uri: str, virsh: Callable[..., object], name: str,
                 only_domain: bool = False) -> None:
        self.virsh, self.name = virsh, name
        env = {**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": ""}
        cmd = [virsh_bin, "-c", uri, "event", *(["--domain", name] if only_domain else []), "--all", "--loop"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        out = self.proc.stdout
        assert out is not None
        threading.Thread(target=lambda: [self.lines.put(line) for line in out], daemon=True).start()
        for _ in range(50):  # until the watcher is registered
            if self.sync(0.2) is not None:
                return
        raise AssertionError("virsh event never saw the probe")

    def clean(self, line: str) -> str:
        line = line.rstrip("\n").removeprefix("event ").replace(f" for domain '{self.name}'", "")
        return re.sub(r"^(\t\w+): .*", r"\1", line)

    def sync(self, timeout: float = 20) -> list[str] | None:
        ok(self.virsh("desc", self.name, "probe"))
        got: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                return None
            if "'metadata-change'" in line:
                return got
            got.append(self.clean(line))

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


def scenario_dir(directory: str, domain_xml: str, images: dict[str, tuple[str, int]], fakevirt=None) -> None:
    """A fresh ``directory`` with dom.xml and the ``images`` (name: (format, bytes)): in fakevirt's
    image store when ``fakevirt`` is given, else real files the reference's QEMU can open."""
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    with open(f"{directory}/dom.xml", "w") as f:
        f.write(domain_xml)
    if fakevirt is not None:
        def create() -> None:
            for name, (fmt, size) in images.items():
                fakevirt.hypervisor.images.create(f"{directory}/{name}", fmt, size)
        fakevirt.call(create)
        return
    os.chmod(directory, 0o777)
    for name, (fmt, size) in images.items():
        subprocess.run(["qemu-img", "create", "-q", "-f", fmt, f"{directory}/{name}", str(size)], check=True)
        os.chmod(f"{directory}/{name}", 0o666)
