"""``fakevirt serve --system``: libvirtd's own UNIX sockets, where libvirt's client looks by default.

libvirt 9.0's remote driver (src/remote/remote_sockets.c) turns a local URI into a socket path
under /var/run/libvirt (= /run/libvirt): ``qemu:///system`` prefers the modular daemon's
``virtqemud-sock`` and falls back to the monolithic ``libvirt-sock``; a NULL URI
(``virConnectOpen(NULL)``, ``virsh`` without ``-c``) and ``virtproxyd`` use ``libvirt-sock``;
read-only connections add ``-ro``.  fakevirt answers on both names, so either mode finds it.
"""

from __future__ import annotations

import grp
import os

from .listeners import AddressInUse, BoundSocket, ListenAddress, bind

RUN_DIR = "/run/libvirt"
# (socket name, read-only): the legacy daemon's and the QEMU driver's modular daemon's
SOCKETS = (("libvirt-sock", False), ("libvirt-sock-ro", True),
           ("virtqemud-sock", False), ("virtqemud-sock-ro", True))
# Debian's libvirtd.conf: unix_sock_group "libvirt", rw 0770, ro 0777 (libvirtd's own default rw: 0700)
SOCKET_GROUP = "libvirt"
RW_MODE, RW_MODE_NO_GROUP, RO_MODE = 0o770, 0o700, 0o777


class SystemSocketsTaken(AddressInUse):
    """A live libvirtd (or virtqemud, or its systemd socket unit) answers on one of the paths."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.args = (f"a live libvirt daemon owns {path}: stop it (systemctl stop libvirtd virtqemud "
                     "'libvirtd*.socket' 'virtqemud*.socket') or run fakevirt in a private mount namespace "
                     "(unshare -m, then mount a tmpfs on /run/libvirt)",)

    def __str__(self) -> str:
        return str(self.args[0])


def system_addresses(run_dir: str = RUN_DIR) -> list[ListenAddress]:
    return [ListenAddress.parse(f"unix://{run_dir}/{name}", readonly=ro) for name, ro in SOCKETS]


def bind_system(run_dir: str = RUN_DIR) -> list[BoundSocket]:
    """Create the run directory if needed, bind every socket with libvirtd's modes, or bind none."""
    os.makedirs(run_dir, mode=0o755, exist_ok=True)
    try:
        bound = bind(system_addresses(run_dir))
    except AddressInUse as e:
        raise SystemSocketsTaken(e.path) from None
    try:
        gid = grp.getgrnam(SOCKET_GROUP).gr_gid
    except KeyError:
        gid = -1
    for b in bound:
        if b.readonly:
            os.chmod(b.address, RO_MODE)
        elif gid >= 0:
            os.chown(b.address, -1, gid)
            os.chmod(b.address, RW_MODE)
        else:
            os.chmod(b.address, RW_MODE_NO_GROUP)
    return bound


def is_system_socket(b: BoundSocket) -> bool:
    """Whether a listener is one libvirt's client finds without a ``?socket=`` (its client URI is plain)."""
    return b.kind == "unix" and os.path.dirname(b.address) == RUN_DIR and \
        os.path.basename(b.address) in dict(SOCKETS)
