"""go-libvirt, a pure-Go client with its own XDR and RPC code, against fakevirt (golibvirt/main.go).

Skipped when ``go`` or go-libvirt's source (Debian's golang-github-digitalocean-go-libvirt-dev,
GOPATH mode) is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import libvirt
import pytest

from fakevirt.testing import ThreadedServer

SOURCE = Path(__file__).parent / "golibvirt"
GOPATH = os.environ.get("GOLIBVIRT_GOPATH", "/usr/share/gocode")


@pytest.fixture(scope="session")
def golibvirt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The program, built once per session."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed (Debian: golang-go)")
    if not (Path(GOPATH) / "src/github.com/digitalocean/go-libvirt").is_dir():
        pytest.skip(f"go-libvirt is not under {GOPATH} (Debian: golang-github-digitalocean-go-libvirt-dev)")
    out = tmp_path_factory.mktemp("golibvirt")
    env = {**os.environ, "GOPATH": GOPATH, "GO111MODULE": "off", "GOFLAGS": "",
           "GOCACHE": os.environ.get("GOCACHE") or str(out / "cache")}
    build = subprocess.run([go, "build", "-o", str(out / "golibvirt"), "."], cwd=SOURCE, env=env,
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    return out / "golibvirt"


def run(binary: Path, address: str, uri: str, *steps: str, env: dict[str, str] | None = None) -> list[str]:
    """The Go program's output lines for ``steps``; ``env``: added to the environment (the control URL)."""
    p = subprocess.run([str(binary), address, uri, *steps], capture_output=True, text=True, timeout=60,
                       env=None if env is None else {**os.environ, **env})
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout.splitlines()


def not_found(what: str, name: str) -> str:
    return f"{what} not found: no {what.lower()} with matching name '{name}'"


QEMU_ONLY = (libvirt.VIR_DOMAIN_EVENT_RESUMED, libvirt.VIR_DOMAIN_EVENT_SHUTDOWN)  # the test driver has neither


def expected_events() -> list[str]:
    return [
        f"event: golibvirt-ev event={event} detail={detail}"
        for event, detail in [
            (libvirt.VIR_DOMAIN_EVENT_DEFINED, libvirt.VIR_DOMAIN_EVENT_DEFINED_ADDED),
            (libvirt.VIR_DOMAIN_EVENT_RESUMED, libvirt.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED),
            (libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED),
            (libvirt.VIR_DOMAIN_EVENT_SHUTDOWN, libvirt.VIR_DOMAIN_EVENT_SHUTDOWN_HOST),
            (libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_DESTROYED),
            (libvirt.VIR_DOMAIN_EVENT_UNDEFINED, libvirt.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED),
        ]
    ]


def test_golibvirt_against_fakevirt(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    """Connect, domains, lifecycle events, a dir pool with stream upload/download, errors."""
    size = (1 << 20) + 12345
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system") == [
        "connected: QEMU",
        "domains: ",
        "defined: golibvirt-dom id=-1 uuid-bytes=16",
        f"started: state={libvirt.VIR_DOMAIN_RUNNING} reason={libvirt.VIR_DOMAIN_RUNNING_BOOTED}",
        "active: golibvirt-dom",
        *expected_events(),
        "volume: data.raw capacity=2097152",
        f"uploaded: {size}",
        f"downloaded: {size} same=true",
        f"error domain: code={libvirt.VIR_ERR_NO_DOMAIN} message={not_found('Domain', 'golibvirt-nosuch')}",
        f"error pool: code={libvirt.VIR_ERR_NO_STORAGE_POOL} "
        f"message={not_found('Storage pool', 'golibvirt-nosuch')}",
        "done",
    ]
    conn = libvirt.open(fakevirt.uri())  # everything the program made, it removed
    try:
        assert conn.listAllDomains() == [] and conn.listAllStoragePools() == []
    finally:
        conn.close()


def test_golibvirt_unknown_uri_is_refused(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    """CONNECT_OPEN's error reaches go-libvirt like any other."""
    p = subprocess.run([str(golibvirt), fakevirt.tcp_address, "bogus:///system"], capture_output=True,
                       text=True, timeout=60)
    assert (p.returncode, p.stdout) == (1, "FAIL connect: no connection driver available for bogus:///system\n")


@pytest.fixture
def reference_address(reference_uri: str) -> str:
    u = urlsplit(reference_uri)
    return f"{u.hostname}:{u.port}"


def _drop_pool(uri: str, name: str) -> None:
    """Remove a pool an interrupted earlier run left on the reference daemon."""
    conn = libvirt.open(uri)
    try:
        pool = conn.storagePoolLookupByName(name)
    except libvirt.libvirtError:
        conn.close()
        return
    try:
        if pool.isActive():
            for vol in pool.listAllVolumes():
                vol.delete()
            pool.destroy()
        pool.undefine()
    finally:
        conn.close()


@pytest.mark.real
def test_golibvirt_storage_and_errors_match_reference(golibvirt: Path, fakevirt: ThreadedServer,
                                                      reference_uri: str, reference_address: str) -> None:
    """Pool, volume, stream upload/download and errors: the reference QEMU driver prints the same."""
    _drop_pool(reference_uri, "golibvirt")
    real = run(golibvirt, reference_address, "qemu:///system", "storage", "errors")
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "storage", "errors") == real


@pytest.mark.real
def test_golibvirt_domains_and_events_like_reference_test_driver(
        golibvirt: Path, fakevirt: ThreadedServer, reference_address: str) -> None:
    """Define, start and lifecycle events as the reference's test driver does them (its own
    domain "test" and host type aside)."""
    def portable(lines: list[str]) -> list[str]:
        qemu_only = tuple(f" event={e} " for e in QEMU_ONLY)
        return [line for line in lines if line.startswith(("defined:", "started:", "event:"))
                and not any(q in line for q in qemu_only)]

    real = run(golibvirt, reference_address, "test:///default", "domains", "events")
    assert len(portable(real)) == 6
    assert portable(run(golibvirt, fakevirt.tcp_address, "qemu:///system", "domains", "events")) == portable(real)


def test_golibvirt_guest_events(golibvirt: Path, fakevirt: ThreadedServer) -> None:
    """golibvirt/guest.go: a start's agent and lifecycle events, a tray opening, NMI and key, a
    refused PM wakeup and a core dump's migration passes, decoded by go-libvirt."""
    fakevirt.call(fakevirt.hypervisor.images.create, "/var/lib/libvirt/images/golibvirt-cd.iso", "raw", 1 << 20)
    assert run(golibvirt, fakevirt.tcp_address, "qemu:///system", "guest") == [
        "connected: QEMU",
        "agent: state=2 reason=1",
        f"lifecycle: event={libvirt.VIR_DOMAIN_EVENT_DEFINED} detail=0",
        f"lifecycle: event={libvirt.VIR_DOMAIN_EVENT_RESUMED} detail={libvirt.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED}",
        f"lifecycle: event={libvirt.VIR_DOMAIN_EVENT_STARTED} detail={libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED}",
        "tray: ide0-1-0 reason=0",
        "nmi and key: sent",
        f"wakeup: code={libvirt.VIR_ERR_INTERNAL_ERROR} message=internal error: unable to execute QEMU command "
        "'system_wakeup': wake-up from suspend is not supported by this guest",  # guest.go's domain has no ACPI
        "dump pass: 1",
        "dump pass: 2",
        "done",
    ]
    assert fakevirt.call(fakevirt.hypervisor.images.exists, "/var/lib/libvirt/images/golibvirt.core")


@pytest.mark.parametrize("server", ["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def test_golibvirt_console_and_qemu_program(golibvirt: Path, server: str, request: pytest.FixtureRequest) -> None:
    """A QMP and an HMP command, monitor event registration, a console error, through go-libvirt:
    the same lines against fakevirt and libvirtd 9.0."""
    if server == "fakevirt":
        address = request.getfixturevalue("fakevirt").tcp_address
    else:
        address = urlsplit(request.getfixturevalue("reference_uri")).netloc
    assert run(golibvirt, address, "qemu:///system", "console") == [
        "connected: QEMU",
        'monitor: {"return":{"name":"golibvirt-con"}',
        'hmp: "VM status: running\\r\\n"',
        f"console: code={libvirt.VIR_ERR_OPERATION_INVALID} message=Requested operation is not valid: domain is not running",
        "monitor events: subscribed and cancelled",
        "done",
    ]
