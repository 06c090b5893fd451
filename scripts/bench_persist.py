"""What ``--state DIR`` costs: per mutation (with 1,000 domains defined), and a restart of 1,000 domains.

    python scripts/bench_persist.py [--domains 1000] [--reps 50] [--no-reference] [--restart-only]

1. Per mutation, through libvirt-python, with and without --state: define, start, snapshot-create
   (internal, of a domain with a qcow2 disk), vol-upload of 4 KiB; median and p95 in ms. The same
   calls in-process show the persistence step alone (``StateWriter.after_call`` + ``apply``). Then
   internal snapshots of a qcow2 disk holding 32 MiB: with --state, only new tables are written.
2. The reference libvirtd (127.0.0.1:16519, QEMU driver) persists its configs too: its define.
3. Restart: ``load_state`` of a directory with 1,000 domains in-process, and a whole
   ``fakevirt serve --state`` process until ``listAllDomains`` answers, against one without --state
   (the process start alone), each with the project's .pyc files and without them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import libvirt
from benchlib import REPO, reachable, start_fakevirt

sys.path.insert(0, str(REPO))
from fakevirt.testing.sample import upload  # noqa: E402

DOMAIN = ("<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>"
          "<devices>{disk}</devices></domain>")
DISK = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='/var/lib/libvirt/images/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>")
POOL = "<pool type='dir'><name>default</name><target><path>/var/lib/libvirt/images</path></target></pool>"
VOL = "<volume><name>{name}</name><capacity>{size}</capacity><target><format type='{fmt}'/></target></volume>"


def ms(samples: list[float]) -> str:
    s = sorted(samples)
    return f"median {statistics.median(s) * 1000:6.2f} ms  p95 {s[int(len(s) * 0.95) - 1] * 1000:6.2f} ms"


def timed(fn: Callable[..., object], *args: object) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def populate(conn: libvirt.virConnect, n: int) -> None:
    conn.storagePoolDefineXML(POOL, 0).create(0)
    for i in range(n):
        conn.defineXML(DOMAIN.format(name=f"bulk{i}", disk=""))


def mutations(conn: libvirt.virConnect, reps: int) -> dict[str, list[float]]:
    pool = conn.storagePoolLookupByName("default")
    out: dict[str, list[float]] = {"define": [], "start": [], "snapshot": [], "vol-upload 4 KiB": []}
    data = bytes(range(256)) * 16
    for i in range(reps):
        pool.createXML(VOL.format(name=f"m{i}.qcow2", size=16 << 20, fmt="qcow2"), 0)
        xml = DOMAIN.format(name=f"m{i}", disk=DISK.format(name=f"m{i}"))
        out["define"].append(timed(conn.defineXML, xml))
        dom = conn.lookupByName(f"m{i}")
        out["start"].append(timed(dom.create))
        out["snapshot"].append(timed(dom.snapshotCreateXML, f"<domainsnapshot><name>s{i}</name></domainsnapshot>", 0))
        vol = pool.createXML(VOL.format(name=f"u{i}.raw", size=1 << 20, fmt="raw"), 0)
        out["vol-upload 4 KiB"].append(timed(upload, conn, vol, data))
    return out


def bench_mutations(domains: int, reps: int) -> None:
    print(f"== per mutation, {domains} domains defined, {reps} reps (libvirt-python over TCP)")
    results = {}
    for label, extra in (("without --state", []), ("with --state", ["--state"])):
        with tempfile.TemporaryDirectory(prefix="fakevirt-bench-", dir="/var/tmp") as tmp:
            proc, uri = start_fakevirt(*(extra + [tmp] if extra else []))
            try:
                conn = libvirt.open(uri)
                populate(conn, domains)
                results[label] = mutations(conn, reps)
                conn.close()
            finally:
                proc.kill()
                proc.wait()
    for op in results["with --state"]:
        print(f"  {op:18} without: {ms(results['without --state'][op])}   with: {ms(results['with --state'][op])}")


def written_qcow2(mib: int) -> bytes:
    """A qcow2 file of 4 * ``mib`` MiB with its first ``mib`` MiB written (qemu-img, qemu-io)."""
    with tempfile.TemporaryDirectory() as tmp:
        f = f"{tmp}/w.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f, f"{4 * mib}M"], check=True)
        subprocess.run(["qemu-io", "-f", "qcow2", "-c", f"write -P 0x5a 0 {mib}M", f], check=True,
                       capture_output=True)
        return Path(f).read_bytes()


def bench_written_snapshot(reps: int, mib: int = 32) -> None:
    """Internal snapshots of a qcow2 disk holding data: what each costs must not follow the data."""
    print(f"== internal snapshot of a qcow2 disk with {mib} MiB written, {reps} reps")
    image = written_qcow2(mib)
    for label, extra in (("without --state", []), ("with --state", ["--state"])):
        with tempfile.TemporaryDirectory(prefix="fakevirt-bench-", dir="/var/tmp") as tmp:
            proc, uri = start_fakevirt(*(extra + [tmp] if extra else []))
            try:
                conn = libvirt.open(uri)
                conn.storagePoolDefineXML(POOL, 0).create(0)
                vol = conn.storagePoolLookupByName("default").createXML(
                    VOL.format(name="w.qcow2", size=4 * mib << 20, fmt="qcow2"), 0)
                st = conn.newStream()
                vol.upload(st, 0, len(image))
                for at in range(0, len(image), 1 << 20):
                    st.send(image[at:at + (1 << 20)])
                st.finish()
                dom = conn.defineXML(DOMAIN.format(name="w", disk=DISK.format(name="w")))
                samples = [timed(dom.snapshotCreateXML, f"<domainsnapshot><name>s{i}</name></domainsnapshot>", 0)
                           for i in range(reps)]
                print(f"  {label:16} {ms(samples)}")
                conn.close()
            finally:
                proc.kill()
                proc.wait()


def bench_in_process(domains: int, reps: int) -> None:
    """The persistence step alone: after_call (what changed) + apply (temp file, fsync, rename)."""
    from fakevirt.model.hypervisor import Hypervisor
    from fakevirt.statedir import StateWriter, apply
    from fakevirt.statedir.api import LocalApi
    from protocol import PROCEDURES, Proc, Program

    print(f"== the persistence step alone (in-process, {domains} domains defined)")
    hv = Hypervisor(seed=1)
    api = LocalApi(hv)
    for i in range(domains):
        api("DOMAIN_DEFINE_XML_FLAGS", xml=DOMAIN.format(name=f"bulk{i}", disk=""), flags=0)
    with tempfile.TemporaryDirectory(prefix="fakevirt-bench-", dir="/var/tmp") as tmp:
        root = Path(tmp)
        writer = StateWriter(hv, root)
        apply(root, writer.collect(full=True))
        define = PROCEDURES[(Program.REMOTE, Proc.DOMAIN_DEFINE_XML_FLAGS)]
        args_type = define.args
        find, write, noop = [], [], []
        for i in range(reps):
            args = args_type(xml=DOMAIN.format(name=f"x{i}", disk=""), flags=0)
            ret = define.ret(dom=api("DOMAIN_DEFINE_XML_FLAGS", xml=args.xml, flags=0).dom)
            t = time.perf_counter()
            plan = writer.after_call(api.client, define, args, ret)
            t1 = time.perf_counter()
            apply(root, plan)
            t2 = time.perf_counter()
            find.append(t1 - t)
            write.append(t2 - t1)
            noop.append(timed(writer.after_call, api.client, define, args, ret))
        print(f"  define: what changed {ms(find)}; writing it {ms(write)}; a call that changed nothing {ms(noop)}")


def bench_reference(reps: int) -> None:
    if not reachable("127.0.0.1", 16519):
        print("== reference libvirtd: not reachable, skipped")
        return
    print(f"== reference libvirtd 9.0 (QEMU driver, persists /etc/libvirt/qemu/NAME.xml), {reps} defines")
    conn = libvirt.open("qemu+tcp://127.0.0.1:16519/system")
    samples = []
    try:
        for i in range(reps):
            xml = DOMAIN.format(name=f"fv-bench-persist-{i}", disk="").replace("type='kvm'", "type='qemu'")
            samples.append(timed(conn.defineXML, xml))
    finally:
        for i in range(reps):
            try:
                conn.lookupByName(f"fv-bench-persist-{i}").undefine()
            except libvirt.libvirtError:
                pass
        conn.close()
    print(f"  define: {ms(samples)}")


def bench_restart(domains: int) -> None:
    from fakevirt.model.hypervisor import Hypervisor
    from fakevirt.statedir import StateWriter, apply, load_state
    from fakevirt.statedir.api import LocalApi

    print(f"== restart with {domains} domains defined (10 running)")
    hv = Hypervisor(seed=1)
    api = LocalApi(hv)
    for i in range(domains):
        dom = api("DOMAIN_DEFINE_XML_FLAGS", xml=DOMAIN.format(name=f"bulk{i}", disk=""), flags=0).dom
        if i < 10:
            api("DOMAIN_CREATE", dom=dom)
    with tempfile.TemporaryDirectory(prefix="fakevirt-bench-", dir="/var/tmp") as tmp:
        root = Path(tmp)
        apply(root, StateWriter(hv, root).collect(full=True))
        loads, cpus, primes = [], [], []
        for _ in range(5):
            back = Hypervisor(seed=1)
            t, c = time.perf_counter(), time.process_time()
            loaded = load_state(back, root)
            t1 = time.perf_counter()
            cpus.append(time.process_time() - c)
            apply(root, StateWriter(back, root, loaded).collect())
            primes.append(time.perf_counter() - t1)
            loads.append(t1 - t)
            assert len(back.system.domains) == domains
        print(f"  in-process: load_state {ms(loads)} (CPU median {statistics.median(cpus) * 1000:.0f} ms); "
              f"first full check of DIR {ms(primes)}")
        restart_processes(domains, tmp)


def process_cpu(pid: int) -> float:
    """CPU seconds the process has used (user + system): what the machine's other load barely changes."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_answers(reps: int, extra: list[str], cwd: Path, env: dict[str, str]) -> tuple[list[float], list[float], int]:
    """Start ``fakevirt serve EXTRA`` reps times; the time until listAllDomains answers (wall, and
    the server's CPU time by then), and how many domains it listed."""
    walls, cpus, n = [], [], 0
    for _ in range(reps):
        t = time.perf_counter()
        proc, uri = start_fakevirt(*extra, cwd=cwd, env=env)
        try:
            conn = libvirt.open(uri)
            n = len(conn.listAllDomains(0))
            walls.append(time.perf_counter() - t)
            cpus.append(process_cpu(proc.pid))
            conn.close()
        finally:
            proc.kill()
            proc.wait()
    return walls, cpus, n


def restart_processes(domains: int, state: str) -> None:
    """Whole processes, with the project's .pyc files (as an installed fakevirt has them; one
    warm-up run writes them) and without (a checkout run with PYTHONDONTWRITEBYTECODE=1: every
    project module compiled at each start; the installed packages keep theirs)."""
    with_pyc = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    first_answers(1, [], REPO, with_pyc)
    with tempfile.TemporaryDirectory(prefix="fakevirt-src-") as src:
        for package in ("fakevirt", "protocol"):
            shutil.copytree(REPO / package, Path(src) / package, ignore=shutil.ignore_patterns("__pycache__"))
        no_pyc = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        for pyc, cwd, env in (("with .pyc", REPO, with_pyc), ("without .pyc", Path(src), no_pyc)):
            for label, extra in (("without --state", []), (f"--state ({domains} domains)", ["--state", state])):
                walls, cpus, n = first_answers(5, extra, cwd, env)
                assert n == (domains if extra else 0)
                print(f"  process {pyc:12} {label:22} until listAllDomains answers: {ms(walls)}; "
                      f"server CPU median {statistics.median(cpus) * 1000:4.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--restart-only", action="store_true", help="only the restart measurements (3.)")
    args = parser.parse_args()
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    if args.restart_only:
        bench_restart(args.domains)
        return 0
    bench_in_process(args.domains, args.reps)
    bench_mutations(args.domains, args.reps)
    bench_written_snapshot(min(args.reps, 20))
    if not args.no_reference:
        bench_reference(min(args.reps, 20))
    bench_restart(args.domains)
    return 0


if __name__ == "__main__":
    sys.exit(main())
