"""`fakevirt serve` identity: every instance its own host and streams, unless --seed; --hostname."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

SERVE = [sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0"]
DOMAIN = ("<domain type='kvm'><name>d1</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type>"
          "</os><devices><interface type='user'/></devices></domain>")


@contextmanager
def serving(*args: str) -> Iterator[tuple[str, str]]:
    """``fakevirt serve ARGS`` on a free port; yields its URI and the seed it logged."""
    proc = subprocess.Popen([*SERVE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        uri = re.search(r"virsh -c '([^']+)'", proc.stdout.readline())
        seed = re.search(r"seed (-?\d+) \(--seed \1 makes the same host again\)", proc.stderr.readline())
        assert uri and seed
        yield uri.group(1), seed.group(1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _virsh(virsh_bin: str, uri: str, *args: str, stdin: str | None = None) -> str:
    r = subprocess.run([virsh_bin, "-c", uri, *args], capture_output=True, text=True, timeout=30, input=stdin,
                       env={**os.environ, "LC_ALL": "C"})
    assert r.returncode == 0, r.stderr
    return r.stdout


def identity(virsh_bin: str, uri: str, tmp: Path) -> dict[str, str]:
    """What tells two hosts apart, and the first UUID and MAC each hands out."""
    def v(*args: str) -> str:
        return _virsh(virsh_bin, uri, *args)

    xml = tmp / "d1.xml"
    xml.write_text(DOMAIN)
    v("define", str(xml))
    dom = v("dumpxml", "d1")
    v("pool-define-as", "p1", "dir", "--target", "/var/lib/libvirt/images")

    def grab(pattern: str, text: str) -> str:
        m = re.search(pattern, text)
        assert m, (pattern, text)
        return m.group(1)

    return {
        "hostname": v("hostname").strip(),
        "host uuid": grab(r"<host>\s*<uuid>([^<]+)</uuid>", v("capabilities")),
        "smbios uuid": grab(r"<entry name='uuid'>([^<]+)</entry>", v("sysinfo")),
        "eth0 mac": grab(r"eth0\s+active\s+(\S+)", v("iface-list")),
        "domain uuid": grab(r"<uuid>([^<]+)</uuid>", dom),
        "domain mac": grab(r"<mac address='([^']+)'/>", dom),
        "pool uuid": v("pool-uuid", "p1").strip(),
    }


def test_two_instances_without_seed_share_nothing(virsh_bin: str, tmp_path: Path) -> None:
    with ExitStack() as stack:
        (a, seed_a), (b, seed_b) = (stack.enter_context(serving()) for _ in range(2))
        ia, ib = identity(virsh_bin, a, tmp_path), identity(virsh_bin, b, tmp_path)
    assert seed_a != seed_b
    assert ia["host uuid"] == ia["smbios uuid"]
    for key in ia:
        assert ia[key] != ib[key], key
    assert not set(ia.values()) & set(ib.values())


def test_same_seed_same_host_and_the_logged_seed_reproduces_it(virsh_bin: str, tmp_path: Path) -> None:
    with serving() as (uri, seed):
        first = identity(virsh_bin, uri, tmp_path)
    with ExitStack() as stack:
        again = [identity(virsh_bin, stack.enter_context(serving("--seed", seed))[0], tmp_path) for _ in range(2)]
    assert again == [first, first]
    with serving("--seed", str(int(seed) + 1)) as (uri, _):
        other = identity(virsh_bin, uri, tmp_path)
    assert not set(other.values()) & set(first.values())


def test_hostname_option(virsh_bin: str, tmp_path: Path) -> None:
    with serving("--seed", "5", "--hostname", "node-7.lab.example") as (uri, seed):
        named = identity(virsh_bin, uri, tmp_path)
    with serving("--seed", "5") as (uri, _):
        plain = identity(virsh_bin, uri, tmp_path)
    assert seed == "5"
    assert named["hostname"] == "node-7.lab.example" and plain["hostname"].startswith("kvm-host-")
    assert {**named, "hostname": plain["hostname"]} == plain  # only the name changes


def test_invalid_hostname_is_refused() -> None:
    r = subprocess.run([*SERVE, "--hostname", "no_underscores"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.endswith("fakevirt serve: error: argument --hostname: 'no_underscores' is not a host name "
                             "(RFC 1123: letters, digits, '-', '.')\n")
