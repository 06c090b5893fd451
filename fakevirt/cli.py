"""``fakevirt serve``: run the emulator until SIGINT/SIGTERM.

The listening sockets are bound before trio and the protocol tables are imported, so a client
that connects while fakevirt is still loading is queued by the kernel and served a moment later.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .model.ids import valid_hostname
from .server.listeners import (
    DEFAULT_LISTEN,
    AddressInUse,
    BoundSocket,
    ListenAddress,
    bind,
    close_socket,
    parse_control,
)
from .server.listeners_system import bind_system, is_system_socket
from .server.pki import PkiError, PkiFiles, server_context

if TYPE_CHECKING:
    import ssl

    from .server.core import Server

log = logging.getLogger("fakevirt")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fakevirt", description="An in-memory libvirt/QEMU emulator.")
    parser.add_argument("--version", action="version", version=f"fakevirt {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the libvirt RPC protocol")
    serve.add_argument("--listen", action="append", metavar="URL",
                       help="tcp://HOST:PORT, tls://HOST:PORT or unix:///PATH, repeatable "
                            f"(default {DEFAULT_LISTEN})")
    serve.add_argument("--listen-readonly", action="append", metavar="URL", default=[],
                       help="like --listen, but every client accepted there is read-only "
                            "(libvirtd's libvirt-sock-ro)")
    serve.add_argument("--pki", metavar="DIR",
                       help="cacert.pem, servercert.pem and serverkey.pem of the tls:// listeners (default: "
                            "/etc/pki/CA/cacert.pem, /etc/pki/libvirt/servercert.pem, "
                            "/etc/pki/libvirt/private/serverkey.pem); clients must present a certificate "
                            "signed by that CA")
    # identity and host sockets (issue 14, IDENT)
    serve.add_argument("--seed", type=int, default=None,
                       help="seed of the host's identity (hostname, host UUID, NIC MAC) and of every UUID, MAC "
                            "and id it hands out: the same seed gives the same host (default: a random seed, "
                            "logged at startup)")
    serve.add_argument("--hostname", type=_hostname, metavar="NAME",
                       help="the host's name (virConnectGetHostname; default: kvm-host-XXXXXXXX from the seed)")
    serve.add_argument("--system", action="store_true",
                       help="also listen where libvirt's clients look by default: /run/libvirt/libvirt-sock and "
                            "virtqemud-sock (read-write), libvirt-sock-ro and virtqemud-sock-ro (read-only), so "
                            "qemu:///system, virsh -r and virConnectOpen(NULL) reach fakevirt; refused while a "
                            "live libvirtd owns them")
    serve.add_argument("--default-network", action="store_true",
                       help="start with Debian's 'default' network (virbr0, 192.168.122.0/24, NAT, DHCP)")
    serve.add_argument("--host-files", action="extend", nargs="+", metavar="DIR", default=[],
                       help="show the real files under DIR to the emulated host, read-only: pools on "
                            "those directories list them, domains use them as disks (qcow2 and raw are "
                            "read cluster by cluster on first use; writes stay in memory)")
    # test driver (issue 14): node files in libvirt's test-driver format
    serve.add_argument("--preload", action="append", default=[], metavar="NODE.xml",
                       help="define (and start, unless <test:runstate>5</test:runstate>) the domains, networks "
                            "and pools of a test-driver node file in qemu:///system; repeatable")
    serve.add_argument("--state", metavar="DIR",
                       help="keep the host in DIR, in libvirt's layout (DIR/etc/libvirt, DIR/run/libvirt, "
                            "DIR/var/lib/libvirt, image files under DIR/images at their host paths): every "
                            "acknowledged change is on disk before its reply, and a restart brings the host back "
                            "(running domains running, then autostart); the seed is the one DIR was made with")
    # the control API (issue 15)
    serve.add_argument("--control", action="append", default=[], metavar="URL",
                       help="serve the control API (HTTP + JSON: reset, state, preload, clock, events, ...; "
                            "`fakevirt ctl --url URL`) on tcp://127.0.0.1:PORT (loopback only) or "
                            "unix:///PATH; repeatable")
    serve.add_argument("--keepalive-interval", type=float, default=5.0, metavar="S")
    serve.add_argument("--keepalive-count", type=int, default=5, metavar="N")
    serve.add_argument("--log-level", default="info",
                       choices=["debug", "info", "warning", "error"])
    sub.add_parser("ctl", add_help=False, help="drive a server's control API (fakevirt ctl --help)")
    return parser


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["ctl"]:
        from .ctl import main as ctl

        return ctl(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    listen = args.listen or ([] if args.listen_readonly or args.system else [DEFAULT_LISTEN])
    try:
        addresses = ([ListenAddress.parse(u) for u in listen]
                     + [ListenAddress.parse(u, readonly=True) for u in args.listen_readonly])
        control_addresses = [parse_control(u) for u in args.control]
    except ValueError as e:
        print(f"fakevirt: {e}", file=sys.stderr)
        return 2
    missing = [d for d in args.host_files if not os.path.isdir(d)]
    if missing:
        print(f"fakevirt: --host-files {missing[0]}: not a directory", file=sys.stderr)
        return 2
    tls = None
    sockets: list[BoundSocket] = []
    try:
        if any(a.kind == "tls" for a in addresses):
            tls = server_context(PkiFiles.in_dir(args.pki) if args.pki else PkiFiles.system())
        if args.system:
            sockets += bind_system()
        sockets += bind(addresses)
        control = bind(control_addresses)
    except (PkiError, OSError) as e:
        for b in sockets:
            close_socket(b)
        known = isinstance(e, (PkiError, AddressInUse))
        print(f"fakevirt: {e}" if known else f"fakevirt: cannot listen: {e}", file=sys.stderr)
        return 1
    for b in sockets:
        print(_listening(b, args.pki), flush=True)
    for b in control:
        print(f"fakevirt control on {b.address}: fakevirt ctl --url '{_control_url(b)}'", flush=True)
    log.debug("listening after %.0f ms", (time.perf_counter() - started) * 1000)

    gc.disable()  # start-up builds objects that stay: no collection walks them until it is done
    try:
        server = _start(args, tls)
    finally:
        gc.enable()
    if isinstance(server, int):
        return server
    import trio

    trio.run(_serve, server, sockets, control, started)
    return 0


def _start(args: argparse.Namespace, tls: ssl.SSLContext | None) -> Server | int:
    """The heavy imports (after the sockets accept connections), the host and its --state and
    --preload: the server to run, or the exit status."""
    from .hostfiles import HostFiles
    from .model.clock import OffsetClock
    from .model.hypervisor import Hypervisor
    from .server.core import Server, ServerConfig
    from .statedir import StateWriter, apply, autostart, load_state, read_host_state

    stored = read_host_state(args.state) if args.state else None
    if stored is not None and args.seed is not None and args.seed != stored["seed"]:
        print(f"fakevirt: --state {args.state} holds a host of seed {stored['seed']}, not {args.seed}",
              file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else (
        stored["seed"] if stored is not None else random.SystemRandom().randrange(1 << 63))
    log.info("seed %d (--seed %d makes the same host again)", seed, seed)
    config = ServerConfig(keepalive_interval=args.keepalive_interval, keepalive_count=args.keepalive_count)
    hv = Hypervisor(seed=seed, clock=OffsetClock(), default_network=args.default_network,
                    hostname=args.hostname, host_files=HostFiles(args.host_files) if args.host_files else None)
    writer = None
    if args.state:
        if not _lock_state_dir(args.state):
            return 1
        loading = time.perf_counter()
        loaded = load_state(hv, args.state)
        writer = StateWriter(hv, Path(args.state), loaded)
        autostart(hv, loaded)
        log.info("--state %s: loaded in %.0f ms%s", args.state, (time.perf_counter() - loading) * 1000,
                 f" ({len(loaded.problems)} objects left out)" if loaded.problems else "")
    if not _preload(hv, args.preload):
        return 1
    if writer is not None:
        apply(writer.root, writer.collect())  # what autostart and --preload changed
    # The modules and the host start-up built stay (for the most part) as long as the process: the
    # collector skips them from now on, instead of walking them all in its first collections
    # (a tenth of a 1,000-domain restart). What of them forms cycles is never freed: the
    # loaded host's, once, after a reset.
    gc.freeze()
    return Server(hv, config, tls=tls, state=writer)


_locks: list[int] = []  # the state directory's lock, held until the process ends


def _lock_state_dir(directory: str) -> bool:
    """One server per state directory: a second one would overwrite the first one's files."""
    import fcntl

    os.makedirs(directory, exist_ok=True)
    fd = os.open(os.path.join(directory, "fakevirt.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        print(f"fakevirt: --state {directory} is in use by another fakevirt", file=sys.stderr)
        return False
    _locks.append(fd)
    return True


def _hostname(text: str) -> str:
    if not valid_hostname(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a host name (RFC 1123: letters, digits, '-', '.')")
    return text


def _preload(hv: object, paths: list[str]) -> bool:
    """--preload: each node file or /etc/libvirt-like directory; False (after saying why) when one fails."""
    from .errors import VirtError
    from .etclibvirt import EtcLoadError, preload_path
    from .model.hypervisor import Hypervisor

    assert isinstance(hv, Hypervisor)
    for path in paths:
        try:
            for line in preload_path(hv, path):
                log.warning("--preload %s: %s (not loaded)", path, line)
        except (VirtError, EtcLoadError) as e:
            print(f"fakevirt: --preload {path}: {getattr(e, 'message', e)}", file=sys.stderr)
            return False
    return True


def _listening(b: BoundSocket, pki: str | None) -> str:
    """One line per listener, with the URI to give virsh."""
    uri = "qemu:///system" if is_system_socket(b) else b.uri()
    if b.kind == "tls" and pki is not None:
        uri += f"?pkipath={os.path.abspath(pki)}"  # scripts/make_pki.sh puts the client's files there too
    mode = " (read-only)" if b.readonly else ""
    ro = "-r " if b.readonly and is_system_socket(b) else ""  # the -ro name is what virsh -r looks for
    return f"fakevirt listening on {b.address}{mode}: virsh {ro}-c '{uri}'"


def _control_url(b: BoundSocket) -> str:
    if b.kind == "unix":
        return f"unix://{b.address}"
    host, _, port = b.address.rpartition(":")
    return f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}"


async def _serve(server: object, sockets: list[BoundSocket], control: list[BoundSocket], started: float) -> None:
    import trio

    from .server.core import Server

    assert isinstance(server, Server)
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            await nursery.start(server.serve, sockets)
            control_server = None
            if control:  # the control server (and h11) only when asked for
                from .server.control import ControlServer

                control_server = ControlServer(server.hv, persist=server.persist)
                await nursery.start(control_server.serve, control)
            log.info("ready in %.0f ms", (time.perf_counter() - started) * 1000)
            async for signum in signals:
                log.info("%s: shutting down", signal.Signals(signum).name)
                server.shutdown()
                if control_server is not None:
                    control_server.shutdown()
                nursery.cancel_scope.deadline = trio.current_time() + server.config.shutdown_grace + 1
                break
