"""``bind_system``: libvirtd's socket names and modes, a live owner refused, stale sockets replaced."""

from __future__ import annotations

import grp
import os
import socket
import stat
from pathlib import Path

import pytest

from fakevirt.server.listeners import close_socket
from fakevirt.server.listeners_system import (
    RO_MODE,
    RW_MODE,
    RW_MODE_NO_GROUP,
    SOCKET_GROUP,
    SystemSocketsTaken,
    bind_system,
)

NAMES = ["libvirt-sock", "libvirt-sock-ro", "virtqemud-sock", "virtqemud-sock-ro"]


def _group() -> int | None:
    try:
        return grp.getgrnam(SOCKET_GROUP).gr_gid
    except KeyError:
        return None


def test_every_name_with_libvirtd_modes(tmp_path: Path) -> None:
    run = tmp_path / "run" / "libvirt"  # made when missing, like libvirtd does
    bound = bind_system(str(run))
    try:
        assert sorted(os.listdir(run)) == NAMES
        assert [(os.path.basename(b.address), b.readonly) for b in bound] == [
            (n, n.endswith("-ro")) for n in NAMES]
        gid = _group()
        for b in bound:
            st = os.stat(b.address)
            assert stat.S_ISSOCK(st.st_mode)
            want = RO_MODE if b.readonly else (RW_MODE if gid is not None else RW_MODE_NO_GROUP)
            assert stat.S_IMODE(st.st_mode) == want
            if gid is not None and not b.readonly:
                assert st.st_gid == gid
    finally:
        for b in bound:
            close_socket(b)
    assert os.listdir(run) == []


@pytest.mark.parametrize("taken", NAMES)
def test_a_live_daemon_on_any_name_is_refused_and_nothing_is_left(tmp_path: Path, taken: str) -> None:
    live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    live.bind(str(tmp_path / taken))
    live.listen(4)
    try:
        with pytest.raises(SystemSocketsTaken) as e:
            bind_system(str(tmp_path))
        assert str(e.value) == (
            f"a live libvirt daemon owns {tmp_path / taken}: stop it (systemctl stop libvirtd virtqemud "
            "'libvirtd*.socket' 'virtqemud*.socket') or run fakevirt in a private mount namespace "
            "(unshare -m, then mount a tmpfs on /run/libvirt)")
        assert os.listdir(tmp_path) == [taken]  # ours are gone, the daemon's socket stays
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.connect(str(tmp_path / taken))
    finally:
        live.close()


def test_stale_sockets_of_a_dead_daemon_are_replaced(tmp_path: Path) -> None:
    for name in NAMES:
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(str(tmp_path / name))
        dead.close()
    bound = bind_system(str(tmp_path))
    try:
        for b in bound:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                c.connect(b.address)
    finally:
        for b in bound:
            close_socket(b)
