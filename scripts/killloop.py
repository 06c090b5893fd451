"""kill -9 ``fakevirt serve --state DIR`` at random moments of a workload; nothing acknowledged may be lost.

A libvirt-python client runs a random workload (define, start, destroy, snapshot, volume create and
upload, volume delete, undefine) and records every mutation the server acknowledged. A timer kills
the server with SIGKILL at a random moment; the call in flight then is uncertain (either outcome is
fine). After each restart the client checks that every acknowledged fact holds: the domains, their
state, their snapshots, the volumes and the bytes uploaded into them. At the end (and every 10
kills) ``qemu-img check`` must pass on every qcow2 file under DIR/images.

    python scripts/killloop.py --kills 300          # prints a summary; exit status 1 on a loss
    python scripts/killloop.py --kills 20 --json     # one JSON line (what the test reads)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import libvirt

REPO = Path(__file__).resolve().parents[1]
POOL = "/var/lib/libvirt/images"
DOMAIN = """<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='{pool}/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk></devices></domain>"""
VOLUME = "<volume><name>{name}</name><capacity>{size}</capacity><target><format type='{fmt}'/></target></volume>"


class Killed(Exception):
    """The server went away during a call."""


@dataclass
class Expected:
    """What the server acknowledged: domains (running?, snapshots) and volumes (sha256 of uploads)."""

    domains: dict[str, tuple[bool, set[str]]] = field(default_factory=dict)
    volumes: dict[str, str | None] = field(default_factory=dict)  # name -> sha256 of its data, None: unknown


@dataclass
class Server:
    state: Path
    proc: subprocess.Popen[str] | None = None
    uri: str = ""
    killed: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> float:
        began = time.perf_counter()
        self.killed.clear()
        self.proc = subprocess.Popen([sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0",
                                      "--state", str(self.state), "--log-level", "warning"],
                                     cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        m = re.search(r"virsh -c '([^']+)'", self.proc.stdout.readline())
        if m is None:
            raise SystemExit("fakevirt did not start")
        self.uri = m.group(1)
        conn = libvirt.open(self.uri)  # answered once the state is loaded
        conn.close()
        return time.perf_counter() - began

    def kill(self) -> None:
        with self.lock:
            self.killed.set()
            if self.proc is not None and self.proc.returncode is None:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Workload:
    def __init__(self, conn: libvirt.virConnect, expected: Expected, rng: random.Random) -> None:
        self.conn = conn
        self.exp = expected
        self.rng = rng
        self.pool = conn.storagePoolLookupByName("default")
        self.uncertain: tuple[str, str] | None = None  # (kind, name) of the call the kill interrupted

    def step(self, n: int) -> None:
        ops = [self.define, self.define, self.upload, self.upload]
        if self.exp.domains:
            ops += [self.start, self.start, self.destroy, self.snapshot, self.snapshot, self.undefine]
        if [v for v in self.exp.volumes if v.startswith("up")]:
            ops.append(self.delete_volume)
        self.rng.choice(ops)(n)

    def _call(self, kind: str, name: str, fn: object, *args: object) -> object:
        self.uncertain = (kind, name)
        try:
            result = fn(*args)  # type: ignore[operator]
        except libvirt.libvirtError as e:
            if e.get_error_code() in (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_RPC,
                                      libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_NO_CONNECT):
                raise Killed() from e
            raise
        self.uncertain = None
        return result

    def define(self, n: int) -> None:
        name = f"d{n}"
        xml = VOLUME.format(name=f"{name}.qcow2", size=4 << 20, fmt="qcow2")
        self._call("volume", f"{name}.qcow2", self.pool.createXML, xml, 0)
        self.exp.volumes[f"{name}.qcow2"] = None
        self._call("domain", name, self.conn.defineXML, DOMAIN.format(name=name, pool=POOL))
        self.exp.domains[name] = (False, set())

    def _some_domain(self, running: bool | None = None) -> str | None:
        names = [d for d, (r, _) in self.exp.domains.items() if running is None or r == running]
        return self.rng.choice(sorted(names)) if names else None

    def start(self, n: int) -> None:
        name = self._some_domain(running=False)
        if name is not None:
            self._call("domain", name, self.conn.lookupByName(name).create)
            self.exp.domains[name] = (True, self.exp.domains[name][1])

    def destroy(self, n: int) -> None:
        name = self._some_domain(running=True)
        if name is not None:
            self._call("domain", name, self.conn.lookupByName(name).destroy)
            self.exp.domains[name] = (False, self.exp.domains[name][1])

    def snapshot(self, n: int) -> None:
        name = self._some_domain()
        if name is not None:
            dom = self.conn.lookupByName(name)
            self._call("domain", name, dom.snapshotCreateXML, f"<domainsnapshot><name>s{n}</name></domainsnapshot>", 0)
            self.exp.domains[name][1].add(f"s{n}")

    def undefine(self, n: int) -> None:
        name = self._some_domain(running=False)
        if name is not None:
            dom = self.conn.lookupByName(name)
            self._call("domain", name, dom.undefineFlags, libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
            del self.exp.domains[name]

    def upload(self, n: int) -> None:
        name = f"up{n}.raw"
        size = self.rng.choice([4096, 65536, 300_000])
        data = self.rng.randbytes(size)
        self._call("volume", name, self.pool.createXML, VOLUME.format(name=name, size=1 << 20, fmt="raw"), 0)
        self.exp.volumes[name] = _sha(bytes(1 << 20))
        vol = self.pool.storageVolLookupByName(name)
        stream = self.conn.newStream(0)
        self.uncertain = ("volume", name)
        try:
            vol.upload(stream, 0, size, 0)
            stream.send(data)
            stream.finish()
        except libvirt.libvirtError as e:
            raise Killed() from e
        self.uncertain = None
        self.exp.volumes[name] = _sha(data + bytes((1 << 20) - size))

    def delete_volume(self, n: int) -> None:
        name = self.rng.choice(sorted(v for v in self.exp.volumes if v.startswith("up")))
        self._call("volume", name, self.pool.storageVolLookupByName(name).delete, 0)
        del self.exp.volumes[name]


def _download(conn: libvirt.virConnect, vol: libvirt.virStorageVol) -> bytes:
    stream = conn.newStream(0)
    vol.download(stream, 0, 0, 0)
    chunks: list[bytes] = []
    stream.recvAll(lambda _s, data, _o: chunks.append(data), None)
    stream.finish()
    return b"".join(chunks)


def check(conn: libvirt.virConnect, exp: Expected, uncertain: tuple[str, str] | None) -> list[str]:
    """What the server lost; the uncertain object is taken as the server has it."""
    lost: list[str] = []
    actual = {d.name(): d for d in conn.listAllDomains(0)}
    if uncertain is not None and uncertain[0] == "domain":
        name = uncertain[1]
        if name in actual:
            dom = actual[name]
            exp.domains[name] = (dom.isActive() == 1, set(dom.snapshotListNames(0)))
        else:
            exp.domains.pop(name, None)
    for name, (running, snaps) in exp.domains.items():
        dom = actual.get(name)
        if dom is None:
            lost.append(f"domain {name} is gone")
            continue
        if (dom.isActive() == 1) != running:
            lost.append(f"domain {name}: running={not running}, acknowledged {running}")
        missing = snaps - set(dom.snapshotListNames(0))
        if missing:
            lost.append(f"domain {name}: snapshots {sorted(missing)} gone")
    extra = set(actual) - set(exp.domains)
    if extra:
        lost.append(f"undefined domains are back: {sorted(extra)}")
    pool = conn.storagePoolLookupByName("default")
    vols = {v.name(): v for v in pool.listAllVolumes(0)}
    if uncertain is not None and uncertain[0] == "volume":
        name = uncertain[1]
        if name in vols:
            exp.volumes[name] = None  # created, perhaps without its data: either is allowed
        else:
            exp.volumes.pop(name, None)
    for name, sha in exp.volumes.items():
        vol = vols.get(name)
        if vol is None:
            lost.append(f"volume {name} is gone")
        elif sha is not None and _sha(_download(conn, vol)) != sha:
            lost.append(f"volume {name}: data differs")
    return lost


def qemu_img_check(state: Path) -> list[str]:
    bad = []
    for f in sorted((state / "images").rglob("*")):
        if f.is_file() and f.read_bytes()[:4] == b"QFI\xfb":
            spec = "json:" + json.dumps({"driver": "qcow2", "file": {"driver": "file", "filename": str(f)},
                                         "backing": None})
            r = subprocess.run(["qemu-img", "check", "-U", spec], capture_output=True, text=True)
            if r.returncode != 0:
                bad.append(f"{f}: {r.stdout.strip()} {r.stderr.strip()}")
    return bad


def run(kills: int, seed: int, state: Path, max_delay: float) -> dict[str, object]:
    rng = random.Random(seed)
    server = Server(state)
    server.start()
    conn = libvirt.open(server.uri)
    conn.storagePoolDefineXML(f"<pool type='dir'><name>default</name><target><path>{POOL}</path></target></pool>",
                              0).create(0)
    conn.storagePoolLookupByName("default").setAutostart(1)
    conn.close()
    exp = Expected()
    n = 0
    lost: list[str] = []
    restarts: list[float] = []
    acked = 0
    bad_images: list[str] = []
    for k in range(kills):
        conn = libvirt.open(server.uri)
        work = Workload(conn, exp, rng)
        timer = threading.Timer(rng.uniform(0.0, max_delay), server.kill)
        timer.start()
        try:
            while True:
                n += 1
                work.step(n)
                acked += 1
        except Killed as e:
            if not server.killed.is_set():
                timer.cancel()
                server.kill()
                raise SystemExit(f"workload error with the server up: {e.__cause__}") from e
        except libvirt.libvirtError as e:  # the kill came between two calls of one step
            if not server.killed.is_set():
                timer.cancel()
                server.kill()
                raise SystemExit(f"workload error with the server up: {e}") from e
        timer.join()
        uncertain = work.uncertain
        try:
            conn.close()
        except libvirt.libvirtError:
            pass
        restarts.append(server.start())
        conn = libvirt.open(server.uri)
        found = check(conn, exp, uncertain)
        conn.close()
        lost += [f"kill {k + 1}: {line}" for line in found]
        if (k + 1) % 10 == 0 or k + 1 == kills:
            bad_images += qemu_img_check(state)
            print(f"{k + 1} kills, {acked} acknowledged, {len(lost)} lost", file=sys.stderr, flush=True)
    server.kill()
    restarts.sort()
    return {"kills": kills, "acknowledged": acked, "lost": lost, "bad_images": bad_images,
            "domains": len(exp.domains), "volumes": len(exp.volumes),
            "restart_median_s": round(restarts[len(restarts) // 2], 3), "restart_max_s": round(restarts[-1], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=0.4, help="seconds between a restart and its kill")
    parser.add_argument("--state", help="the state directory (default: a new temporary one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    with tempfile.TemporaryDirectory(prefix="fakevirt-killloop-") as tmp:
        report = run(args.kills, args.seed, Path(args.state or tmp), args.max_delay)
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 1 if report["lost"] or report["bad_images"] else 0


if __name__ == "__main__":
    sys.exit(main())
