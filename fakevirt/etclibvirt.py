"""A host's configuration laid out like ``/etc/libvirt``, loaded into a Hypervisor.

``DIR/secrets/UUID.xml`` (value in ``UUID.base64``), ``DIR/storage/NAME.xml``,
``DIR/qemu/networks/NAME.xml`` and ``DIR/qemu/NAME.xml``, each kind with an ``autostart/``
directory of links (or copies) naming what starts with the host. They are defined in libvirtd's
start-up order through the API calls a client's define goes through (``statedir``'s loader, the
one ``--state DIR`` uses), then the autostart objects start as libvirtd starts them; a start that
fails is reported and the rest continues, as libvirtd logs it and carries on. Used by the control
API's ``preload``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from . import statedir
from .model.hypervisor import Hypervisor
from .model.storage_defs import Perms
from .model.testdriver.preload import preload
from .nodefiles import read_node_file
from .xml.testnode import parse_node_xml

KINDS = ("secrets", "storage", "qemu/networks", "qemu")


class EtcLoadError(Exception):
    """A file of the layout that libvirt would not accept: ``path: reason``."""


def is_etc_libvirt(root: Path) -> bool:
    """Whether ``root`` is a directory with at least one of the layout's subdirectories."""
    return root.is_dir() and any((root / kind).is_dir() for kind in KINDS)


def load_etc_libvirt(hv: Hypervisor, root: Path) -> list[str]:
    """Define (and autostart) everything under ``root`` in qemu:///system; returns the failed starts.

    The loader of ``--state DIR`` (``statedir.load_etc_libvirt``), strict: a file libvirt would
    refuse stops the load. A pool's directory is taken to exist on this host.
    """
    try:
        loaded = statedir.load_etc_libvirt(hv, root, strict=True)
    except statedir.LoadError as e:
        raise EtcLoadError(str(e)) from e
    for pool in hv.storage:
        if ("pool", pool.name) in loaded.defined:
            hv.storage.dirs.setdefault(pool.path, Perms(0o755))
    return statedir.autostart(hv, loaded)


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
