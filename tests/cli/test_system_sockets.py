"""`fakevirt serve --system`: the default URIs of unmodified clients reach fakevirt.

Each server runs in a private mount namespace with a tmpfs on /run/libvirt (``unshare -m``), and
every client is started inside that namespace (``nsenter -m``): the machine's own /run/libvirt, and
any libvirtd owning it, are never touched.  Needs root (CI runs as root); skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = "/run/libvirt"
SOCKETS = ["libvirt-sock", "libvirt-sock-ro", "virtqemud-sock", "virtqemud-sock-ro"]
REFERENCE_RUN_DIR = "/tmp/reference-libvirtd/run"  # unix_sock_dir of ../shared/reference-libvirtd.sh
DENIED = "error: operation forbidden: read only access prevents "
DOMAIN = ("<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory>"
          "<os><type arch='x86_64'>hvm</type></os></domain>")


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "a private mount namespace with a tmpfs on /run/libvirt needs root"
    if not (shutil.which("unshare") and shutil.which("nsenter")):
        return "unshare/nsenter (util-linux) missing"
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True, timeout=10)
    if r.returncode != 0:
        return f"cannot make a mount namespace here: {r.stderr.decode().strip()}"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))


def _client_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LIBVIRT_DEFAULT_URI", "VIRSH_DEFAULT_CONNECT_URI")}
    return {**env, "LC_ALL": "C"}


@dataclass
class Namespace:
    """A process living in its own mount namespace; ``run`` starts commands beside it."""

    proc: subprocess.Popen[str]
    lines: list[str]  # what it printed first

    def run(self, *cmd: str, timeout: float = 60, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["nsenter", "-t", str(self.proc.pid), "-m", f"--wd={ROOT}", "--", *cmd], capture_output=True,
                              text=True, timeout=timeout, input=stdin, env=_client_env(), cwd=ROOT)

    def virsh(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("virsh", *args)

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        return self.run(sys.executable, "-c", code)


@contextmanager
def namespace(setup: str, *argv: str, ready_lines: int) -> Iterator[Namespace]:
    """``unshare -m`` + SETUP (shell), then exec ARGV; waits for READY_LINES lines on its stdout."""
    script = f"{setup} && exec \"$@\""
    proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", *argv],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        lines = [proc.stdout.readline() for _ in range(ready_lines)]
        if not all(lines):
            proc.wait(timeout=10)
            pytest.fail(f"{argv} did not start: {proc.stderr.read()}")
        yield Namespace(proc, [line.rstrip("\n") for line in lines])
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


TMPFS = f"mount -t tmpfs -o mode=0755 fakevirt-run {RUN}" if os.path.isdir(RUN) else \
    "mount -t tmpfs -o mode=0755 fakevirt-run /run"  # no /run/libvirt on this machine: a private /run


def system_fakevirt(*args: str) -> Iterator[Namespace]:
    """``fakevirt serve --system ARGS`` in a namespace of its own; ready once every listener is printed."""
    return namespace(TMPFS, sys.executable, "-m", "fakevirt", "serve", "--system", "--log-level", "warning",
                     *args, ready_lines=len(SOCKETS) + args.count("--listen"))


@pytest.fixture(scope="module")
def host() -> Iterator[Namespace]:
    with system_fakevirt("--hostname", "system-host") as ns:
        yield ns


def ok(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 0, (r.args, r.stdout, r.stderr)
    return r.stdout


def define(ns: Namespace, name: str) -> None:
    ok(ns.run("virsh", "-c", "qemu:///system", "define", "/dev/stdin", stdin=DOMAIN.format(name=name)))


# --- the sockets themselves ---------------------------------------------------------------------

def test_the_listening_lines_and_sockets(host: Namespace) -> None:
    listing = ok(host.run("ls", "-l", RUN))
    for name in SOCKETS:
        mode = "srwxrwxrwx" if name.endswith("-ro") else "srwx"
        assert any(line.startswith(mode) and line.endswith(" " + name) for line in listing.splitlines()), listing


def test_listening_lines_name_the_plain_uris(host: Namespace) -> None:
    assert host.lines == [
        f"fakevirt listening on {RUN}/libvirt-sock: virsh -c 'qemu:///system'",
        f"fakevirt listening on {RUN}/libvirt-sock-ro (read-only): virsh -r -c 'qemu:///system'",
        f"fakevirt listening on {RUN}/virtqemud-sock: virsh -c 'qemu:///system'",
        f"fakevirt listening on {RUN}/virtqemud-sock-ro (read-only): virsh -r -c 'qemu:///system'",
    ]


def test_listen_adds_to_system() -> None:
    with system_fakevirt("--listen", "tcp://127.0.0.1:0") as ns:
        assert ns.lines[-1].startswith("fakevirt listening on 127.0.0.1:")
        uri = ns.lines[-1].split("virsh -c '")[1].rstrip("'")
        assert ok(ns.virsh("-c", uri, "uri")) == uri + "\n\n"
        assert ok(ns.virsh("-c", "qemu:///system", "uri")) == "qemu:///system\n\n"


# --- unmodified clients --------------------------------------------------------------------------

def test_virsh_qemu_system_and_the_null_uri(host: Namespace) -> None:
    define(host, "sys1")
    assert ok(host.virsh("-c", "qemu:///system", "list", "--all", "--name")).split() == ["sys1"]
    assert ok(host.virsh("-c", "qemu:///system", "hostname")) == "system-host\n\n"
    assert ok(host.virsh("uri")) == "qemu:///system\n\n"  # root, no -c: virConnectOpen(NULL)
    assert "sys1" in ok(host.virsh("list", "--all"))


def test_virsh_readonly(host: Namespace) -> None:
    define(host, "sys2")
    listing = ok(host.virsh("-r", "-c", "qemu:///system", "list", "--all"))
    assert " sys2 " in listing and "shut off" in listing
    r = host.virsh("-r", "-c", "qemu:///system", "start", "sys2")
    assert r.returncode == 1
    assert r.stderr == f"error: Failed to start domain 'sys2'\n{DENIED}virDomainCreate\n"


def test_libvirt_python_open_none(host: Namespace) -> None:
    define(host, "sys3")
    r = ok(host.python(
        "import libvirt\n"
        "c = libvirt.open(None)\n"
        "print(c.getURI(), c.getHostname(), sorted(d.name() for d in c.listAllDomains()))\n"
        "ro = libvirt.openReadOnly(None)\n"
        "try:\n"
        "    ro.lookupByName('sys3').create()\n"
        "except libvirt.libvirtError as e:\n"
        "    print(e.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED, e.get_error_message())\n"))
    uri, hostname, *rest = r.splitlines()[0].split(" ", 2)
    assert (uri, hostname) == ("qemu:///system", "system-host") and "'sys3'" in rest[0]
    assert r.splitlines()[1] == "True operation forbidden: read only access prevents virDomainCreate"


@pytest.mark.parametrize("mode,keep", [("legacy libvirtd", ("libvirt-sock", "libvirt-sock-ro")),
                                       ("modular virtqemud", ("virtqemud-sock", "virtqemud-sock-ro"))])
def test_each_daemon_mode_alone(mode: str, keep: tuple[str, ...]) -> None:
    """libvirt's client picks virtqemud-sock when it exists, else libvirt-sock: each answers by itself."""
    with system_fakevirt() as ns:
        for name in SOCKETS:
            if name not in keep:
                ok(ns.run("rm", f"{RUN}/{name}"))
        define(ns, "alone")
        assert ok(ns.virsh("-c", "qemu:///system", "list", "--all", "--name")).split() == ["alone"], mode
        assert ok(ns.virsh("-r", "-c", "qemu:///system", "list", "--all", "--name")).split() == ["alone"]
        assert ns.virsh("-r", "-c", "qemu:///system", "start", "alone").stderr.endswith(
            f"{DENIED}virDomainCreate\n")


@pytest.mark.skipif(shutil.which("virt-install") is None, reason="virt-install (apt virtinst) is not installed")
def test_virt_install_import(host: Namespace) -> None:
    virsh = ("virsh", "-c", "qemu:///system")
    if "images" not in ok(host.run(*virsh, "pool-list", "--all", "--name")).split():
        ok(host.run(*virsh, "pool-define-as", "images", "dir", "--target", "/var/lib/libvirt/images"))
        ok(host.run(*virsh, "pool-start", "images"))
    ok(host.run(*virsh, "vol-create-as", "images", "vi1.qcow2", "1G", "--format", "qcow2"))
    r = ok(host.run("virt-install", "--connect", "qemu:///system", "--import", "--name", "vi1", "--memory", "512",
                    "--vcpus", "1", "--disk", "/var/lib/libvirt/images/vi1.qcow2", "--osinfo",
                    "detect=on,require=off", "--network", "none", "--graphics", "none", "--noautoconsole",
                    timeout=120))
    assert "Domain creation completed." in r
    assert ok(host.run(*virsh, "domstate", "vi1")) == "running\n\n"
    assert "<source file='/var/lib/libvirt/images/vi1.qcow2'" in ok(host.run(*virsh, "dumpxml", "vi1"))


@pytest.mark.skipif(shutil.which("virt-install") is None, reason="virt-install (apt virtinst) is not installed")
def test_virt_install_cloud_init_uses_the_boot_directory(host: Namespace, tmp_path: Path) -> None:
    user_data = tmp_path / "user-data"
    user_data.write_text("#cloud-config\nssh_authorized_keys: []\n")
    r = ok(host.run("virt-install", "--connect", "qemu:///system", "--import", "--name", "vi2", "--memory", "512",
                    "--disk", "size=1", "--cloud-init", f"user-data={user_data}", "--osinfo",
                    "detect=on,require=off", "--network", "none", "--graphics", "none", "--noautoconsole",
                    timeout=120))
    assert "Domain creation completed." in r
    virsh = ("virsh", "-c", "qemu:///system")
    pool = ok(host.run(*virsh, "pool-dumpxml", "boot-scratch"))
    assert "<path>/var/lib/libvirt/boot</path>" in pool
    assert "<mode>0711</mode>" in pool and "<owner>0</owner>" in pool  # Debian's postinst
    assert ok(host.run(*virsh, "domstate", "vi2")) == "running\n\n"


# --- refusing a live daemon ---------------------------------------------------------------------

def test_second_server_refused_while_the_first_serves(host: Namespace) -> None:
    r = host.run(sys.executable, "-m", "fakevirt", "serve", "--system", timeout=30)
    assert r.returncode == 1
    assert r.stderr == (f"fakevirt: a live libvirt daemon owns {RUN}/libvirt-sock: stop it (systemctl stop "
                        "libvirtd virtqemud 'libvirtd*.socket' 'virtqemud*.socket') or run fakevirt in a private "
                        "mount namespace (unshare -m, then mount a tmpfs on /run/libvirt)\n")
    assert sorted(ok(host.run("ls", RUN)).split()) == SOCKETS  # the first one's sockets are untouched
    assert ok(host.virsh("-c", "qemu:///system", "hostname")) == "system-host\n\n"


@pytest.mark.real
def test_refused_on_a_real_libvirtd(reference_uri: str) -> None:
    """The reference libvirtd's socket directory mounted on /run/libvirt: its libvirt-sock answers."""
    if not os.path.exists(f"{REFERENCE_RUN_DIR}/libvirt-sock"):
        pytest.skip(f"the reference libvirtd has no socket in {REFERENCE_RUN_DIR}")
    bind = f"mount --bind {REFERENCE_RUN_DIR} {RUN}" if os.path.isdir(RUN) else "false"
    with namespace(bind + " && echo ready", "sleep", "300", ready_lines=0) as ns:
        assert ok(ns.virsh("-c", "qemu:///system", "uri")) == "qemu:///system\n\n"  # the real one answers
        assert ok(ns.virsh("-c", "qemu:///system", "version")).startswith("Compiled against library: libvirt 9.0.0")
        r = ns.run(sys.executable, "-m", "fakevirt", "serve", "--system", timeout=30)
        assert r.returncode == 1
        assert r.stderr.startswith(f"fakevirt: a live libvirt daemon owns {RUN}/libvirt-sock: stop it")
        assert sorted(os.listdir(REFERENCE_RUN_DIR)) == ["libvirt-admin-sock", "libvirt-sock", "libvirt-sock-ro"]


# --- the secondary drivers' URIs ----------------------------------------------------------------

def test_secondary_driver_uris_reach_fakevirt_through_libvirt_sock(host: Namespace) -> None:
    """libvirt 9.0's client takes virtnetworkd-sock (etc.) only when it exists, else libvirt-sock."""
    assert "Name   State   Autostart   Persistent" in ok(host.virsh("-c", "network:///system", "net-list", "--all"))
    assert ok(host.virsh("-c", "storage:///system", "uri")).strip() == "storage:///system"
    assert ok(host.virsh("-r", "-c", "secret:///system", "secret-list")).startswith(" UUID")
    r = host.virsh("-c", "nodedev:///system", "list")
    assert r.returncode == 1 and "virConnectNumOfDomains" in r.stderr
    r = host.virsh("-c", "interface:///session", "iface-list")
    assert "unexpected interface URI path '/session', try interface:///system" in r.stderr
