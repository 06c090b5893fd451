"""A host's configuration laid out like ``/etc/libvirt``, loaded into a Hypervisor.

``DIR/secrets/UUID.xml`` (value in ``UUID.base64``), ``DIR/storage/NAME.xml``,
``DIR/qemu/networks/NAME.xml`` and ``DIR/qemu/NAME.xml``, each kind with an ``autostart/``
directory of links (or copies) naming what starts with the host. They are defined in libvirtd's
start-up order (secrets, pools, networks, domains) through the model calls a client's define goes
through, then the autostart objects start as libvirtd starts them; a start that fails is reported
and the rest continues, as libvirtd logs it and carries on. Used by the control API's ``preload``
and by ``--state DIR``.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import VirtError
from .model.hypervisor import Hypervisor
from .model.storage_defs import Perms
from .model.testdriver.preload import preload
from .nodefiles import read_node_file
from .xml.domain import parse_domain_xml
from .xml.network import parse_network_xml
from .xml.secret import parse_secret_xml
from .xml.storage import parse_pool_xml
from .xml.testnode import parse_node_xml

KINDS = ("secrets", "storage", "qemu/networks", "qemu")


class EtcLoadError(Exception):
    """A file of the layout that libvirt would not accept: ``path: reason``."""


def is_etc_libvirt(root: Path) -> bool:
    """Whether ``root`` is a directory with at least one of the layout's subdirectories."""
    return root.is_dir() and any((root / kind).is_dir() for kind in KINDS)


def load_etc_libvirt(hv: Hypervisor, root: Path) -> list[str]:
    """Define (and autostart) everything under ``root`` in qemu:///system; returns the failed starts."""
    problems: list[str] = []
    for path, text in _configs(root / "secrets"):
        with _about(path):
            secret = hv.secrets.define(parse_secret_xml(text))
        value = path.with_suffix(".base64")
        if value.is_file():
            with _about(value):
                hv.secrets.set_value(secret, base64.b64decode(value.read_text().strip(), validate=True), 0)
    for path, text in _configs(root / "storage"):
        with _about(path):
            pool_def = parse_pool_xml(text)
            hv.storage.dirs.setdefault(pool_def.target, Perms(0o755))  # the pool's directory is on this host
            pool = hv.storage.define(pool_def)
        if _autostart(path):
            hv.storage.set_autostart(pool, True)
            with _reported(problems, f"pool {pool_def.name}"):
                hv.storage.start(pool)
    for path, text in _configs(root / "qemu" / "networks"):
        with _about(path):
            net = hv.networks.define(parse_network_xml(text, hv.rng.uuid))
        if _autostart(path):
            hv.networks.set_autostart(net, True)
            with _reported(problems, f"network {path.stem}"):
                hv.networks.start(net)
    domains = hv.system.domains
    for path, text in _configs(root / "qemu"):
        with _about(path):
            dom = domains.define(domains.complete_definition(parse_domain_xml(text)))
        if _autostart(path):
            domains.set_autostart(dom, True)
            with _reported(problems, f"domain {path.stem}"):
                domains.start(dom)
    return problems


def _configs(directory: Path) -> list[tuple[Path, str]]:
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob("*.xml")):
        with _about(path):
            out.append((path, path.read_text()))
    return out


def _autostart(config: Path) -> bool:
    return (config.parent / "autostart" / config.name).exists()


@contextmanager
def _about(path: Path) -> Iterator[None]:
    """A refused file stops the load, named in the error."""
    try:
        yield
    except (VirtError, ValueError, OSError, binascii.Error) as e:
        raise EtcLoadError(f"{path}: {getattr(e, 'message', e)}") from e


@contextmanager
def _reported(problems: list[str], what: str) -> Iterator[None]:
    """A refused start is reported and the load goes on."""
    try:
        yield
    except VirtError as e:
        problems.append(f"{what}: {e.message}")


def preload_path(hv: Hypervisor, path: str, read_file: Callable[[str], str] = read_node_file) -> list[str]:
    """``preload PATH``: a directory laid out like /etc/libvirt, or a test-driver node file.

    Returns what was not loaded or did not start, one line each; a file libvirt would refuse
    raises ``EtcLoadError`` (directory) or ``VirtError`` (node file).
    """
    if os.path.isdir(path):
        if not is_etc_libvirt(Path(path)):
            raise EtcLoadError(f"{path}: none of {', '.join(d + '/' for d in KINDS)} in this directory")
        return load_etc_libvirt(hv, Path(path))
    return preload(hv.system, parse_node_xml(read_file(path), path, read_file))
