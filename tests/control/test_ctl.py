"""`fakevirt ctl` from a shell, with virsh on the same server."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fakevirt.control.client import ControlClient
from tests.control.conftest import ENV, FAKEVIRT, Served

DOMAIN = """<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os>
<devices><interface type='user'><model type='virtio'/></interface></devices></domain>"""


def define(s: Served, tmp_path: Path, *names: str) -> None:
    for name in names:
        (tmp_path / f"{name}.xml").write_text(DOMAIN.format(name=name))
        s.ok("define", str(tmp_path / f"{name}.xml"))


def ids(s: Served, *names: str) -> dict[str, object]:
    """What a seed decides: the host's identity, each domain's UUID and MAC."""
    host_uuid = re.search(r"<host>\s*<uuid>([^<]+)</uuid>", s.ok("capabilities"))
    assert host_uuid is not None
    return {"host": (s.ok("hostname").strip(), host_uuid.group(1)),
            **{name: (s.ok("domuuid", name).strip(), s.ok("domiflist", name).split()[-1]) for name in names}}


def test_reset_then_ids_equal_a_fresh_servers(served: Served, start_served: Callable[..., Served],
                                              tmp_path: Path) -> None:
    define(served, tmp_path, "a", "b")
    first = ids(served, "a", "b")
    assert served.ctl("reset").returncode == 0
    assert served.ok("list", "--all", "--name").split() == []
    define(served, tmp_path, "a", "b")
    assert ids(served, "a", "b") == first  # the same seed again, whatever ran before

    r = served.ctl("reset", "--seed", "42")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    define(served, tmp_path, "b", "a")
    fresh = start_served("--seed", "42")
    define(fresh, tmp_path, "b", "a")
    assert ids(served, "a", "b") == ids(fresh, "a", "b") != first


def test_state_save_load_list_delete_export_import(served: Served, start_served: Callable[..., Served],
                                                    tmp_path: Path) -> None:
    define(served, tmp_path, "web")
    assert served.ctl("state", "save", "one").returncode == 0
    served.ok("undefine", "web")
    define(served, tmp_path, "db")
    assert served.ctl("state", "list").stdout == "one\n"
    assert served.ctl("state", "load", "one").returncode == 0
    assert served.ok("list", "--all", "--name").split() == ["web"]

    file = tmp_path / "one.state"
    r = served.ctl("state", "export", "one", str(file))
    assert (r.returncode, r.stdout) == (0, f"{file}: state one\n")
    other = start_served("--seed", "3")
    assert other.ctl("state", "import", "shared", str(file)).returncode == 0
    assert other.ctl("state", "load", "shared").returncode == 0
    assert other.ok("domuuid", "web") == served.ok("domuuid", "web")

    assert served.ctl("state", "delete", "one").returncode == 0
    assert served.ctl("state", "list").stdout == ""
    r = served.ctl("state", "load", "one")
    assert (r.returncode, r.stdout, r.stderr) == (1, "", "fakevirt ctl: no saved state 'one'\n")
    (tmp_path / "junk").write_bytes(b"junk")
    r = served.ctl("state", "import", "x", str(tmp_path / "junk"))
    assert (r.returncode, r.stderr) == (1, "fakevirt ctl: not a fakevirt state file (or one of another version)\n")


def test_clock_moves_what_the_host_derives_from_it(served: Served, tmp_path: Path) -> None:
    define(served, tmp_path, "vm")
    served.ok("start", "vm")

    def cpu_ns() -> int:
        m = re.search(r"cpu\.time=(\d+)", served.ok("domstats", "--cpu-total", "vm"))
        assert m is not None
        return int(m.group(1))

    before = cpu_ns()
    r = served.ctl("clock", "advance", "3600")
    assert r.returncode == 0 and re.fullmatch(r"\d+\.\d+ \S+\n", r.stdout), r
    assert cpu_ns() - before >= 3600 * 10**9 * 0.01  # an hour later, at least 1% of a vCPU's hour busy
    r = served.ctl("clock", "set", "2031-05-01T12:00:00+00:00")
    when = datetime(2031, 5, 1, 12, tzinfo=UTC).timestamp()
    assert r.returncode == 0 and when <= float(r.stdout.split()[0]) < when + 60, r.stdout
    got = float(served.ctl("clock", "get").stdout.split()[0])
    assert when <= got < when + 60
    r = served.ctl("clock", "advance", "-5")
    assert (r.returncode, r.stderr) == (1, "fakevirt ctl: field 'seconds' must be a finite number >= 0\n")


def ctl_events(s: Served, *args: str) -> subprocess.Popen[str]:
    """`fakevirt ctl events ARGS`, returned once it is subscribed."""
    events = subprocess.Popen([*FAKEVIRT, "ctl", "--url", s.control[1], "events", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    assert events.stderr is not None
    assert events.stderr.readline() == "fakevirt ctl: subscribed to events\n"
    return events


def test_events_print_json_lines(served: Served, tmp_path: Path) -> None:
    define(served, tmp_path, "vm")
    events = ctl_events(served)
    try:
        served.ok("start", "vm")
        served.ok("destroy", "vm")
        lifecycle = []
        assert events.stdout is not None
        while ("STOPPED", "DESTROYED") not in lifecycle:
            line = json.loads(events.stdout.readline())
            assert line["kind"] in ("domain", "qemu_monitor") and line["domain"]["name"] == "vm", line
            if line["kind"] == "domain":
                assert (line["uri"], line["event_id"]) == ("qemu:///system", "LIFECYCLE")
                lifecycle.append((line["data"]["event"], line["data"]["detail"]))
    finally:
        events.kill()
        events.wait()
    assert ("STARTED", "BOOTED") in lifecycle and lifecycle[-1] == ("STOPPED", "DESTROYED")

    events = ctl_events(served, "--count", "1")
    served.ok("undefine", "vm")
    out, err = events.communicate(timeout=30)
    assert events.returncode == 0, err
    [line] = out.splitlines()
    assert json.loads(line)["data"] == {"event": "UNDEFINED", "detail": "REMOVED"}


def test_preload_an_etc_libvirt_directory(served: Served, tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    (etc / "qemu" / "autostart").mkdir(parents=True)
    (etc / "qemu" / "networks" / "autostart").mkdir(parents=True)
    (etc / "storage").mkdir()
    (etc / "secrets").mkdir()
    (etc / "qemu" / "web.xml").write_text(DOMAIN.format(name="web").replace(
        "<interface type='user'>", "<interface type='network'><source network='lan'/>"))
    (etc / "qemu" / "autostart" / "web.xml").symlink_to(etc / "qemu" / "web.xml")
    (etc / "qemu" / "spare.xml").write_text(DOMAIN.format(name="spare"))
    (etc / "qemu" / "networks" / "lan.xml").write_text(
        "<network><name>lan</name><bridge name='br-lan'/><ip address='10.9.0.1' netmask='255.255.255.0'/></network>")
    (etc / "qemu" / "networks" / "autostart" / "lan.xml").symlink_to(etc / "qemu" / "networks" / "lan.xml")
    (etc / "storage" / "images.xml").write_text(
        "<pool type='dir'><name>images</name><target><path>/srv/images</path></target></pool>")
    uuid = "1d9f4c7e-2f47-4d7e-9a8d-3c1b5e6f7a80"
    (etc / "secrets" / f"{uuid}.xml").write_text(f"<secret ephemeral='no' private='yes'><uuid>{uuid}</uuid>"
                                                 "<usage type='ceph'><name>client.admin</name></usage></secret>")
    (etc / "secrets" / f"{uuid}.base64").write_text("c2VjcmV0\n")
    r = served.ctl("preload", str(etc))
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert served.ok("list", "--all").split()[4:] == ["1", "web", "running", "-", "spare", "shut", "off"]
    assert served.ok("dominfo", "web").count("Autostart:      enable") == 1
    assert served.ok("net-list", "--autostart", "--name").split() == ["lan"]
    assert served.ok("pool-list", "--all", "--name").split() == ["images"]
    assert served.ok("secret-list").split()[-3:] == [uuid, "ceph", "client.admin"]

    (etc / "qemu" / "bad.xml").write_text("<domain>")
    assert served.ctl("reset").returncode == 0
    r = served.ctl("preload", str(etc))
    assert r.returncode == 1 and r.stderr.startswith(f"fakevirt ctl: {etc}/qemu/bad.xml: "), r.stderr
    # all or nothing: the secrets, pools and networks loaded before the bad domain file are gone again
    assert (served.ok("list", "--all", "--name"), served.ok("pool-list", "--all", "--name"),
            served.ok("net-list", "--all", "--name"), served.ok("secret-list").split()[4:]) == ("\n", "\n", "\n", [])
    r = served.ctl("preload", str(tmp_path))
    assert (r.returncode, r.stderr) == (1, f"fakevirt ctl: {tmp_path}: none of secrets/, storage/, "
                                           "qemu/networks/, qemu/ in this directory\n")


def test_dump_version_and_operations(served: Served, tmp_path: Path) -> None:
    define(served, tmp_path, "vm")
    dump = json.loads(served.ctl("dump").stdout)
    assert [d["name"] for d in dump["drivers"]["/system"]["domains"]] == ["vm"]
    assert json.loads(served.ctl("version", url=served.control[1]).stdout)["api"] == 1
    names = [op["name"] for op in json.loads(served.ctl("operations").stdout)]
    assert {"reset", "state.load", "clock.set", "preload"} <= set(names)


@pytest.mark.parametrize(("url", "error"), [
    ("tcp://0.0.0.0:0", "the control API has no authentication, so it listens on the loopback only "
                        "(127.0.0.1, ::1 or localhost) or on a unix socket"),
    ("tcp://10.1.2.3:1", "the control API has no authentication, so it listens on the loopback only "
                         "(127.0.0.1, ::1 or localhost) or on a unix socket"),
    ("tls://127.0.0.1:1", "control addresses are tcp://127.0.0.1:PORT or unix:///PATH"),
    ("tcp://127.0.0.1", "a tcp control address needs a port, e.g. tcp://127.0.0.1:16600"),
])
def test_control_listens_on_the_loopback_only(url: str, error: str) -> None:
    r = subprocess.run([*FAKEVIRT, "serve", "--listen", "tcp://127.0.0.1:0", "--control", url],
                       capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"fakevirt: --control {url}: {error}\n")


def test_ctl_errors_exit_non_zero_with_the_reason(tmp_path: Path) -> None:
    env = {k: v for k, v in ENV.items() if k != "FAKEVIRT_CONTROL"}
    r = subprocess.run([*FAKEVIRT, "ctl", "version"], capture_output=True, text=True, timeout=30, env=env)
    assert (r.returncode, r.stderr) == (1, "fakevirt ctl: no control URL: give --url or set $FAKEVIRT_CONTROL\n")
    r = subprocess.run([*FAKEVIRT, "ctl", "version"], capture_output=True, text=True, timeout=30,
                       env={**env, "FAKEVIRT_CONTROL": f"unix://{tmp_path}/none.sock"})
    assert (r.returncode, r.stderr) == (1, "fakevirt ctl: [Errno 2] No such file or directory\n")
    r = subprocess.run([*FAKEVIRT, "ctl", "state"], capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 2 and "the following arguments are required: COMMAND" in r.stderr


def test_control_requests_between_virsh_calls(served: Served, tmp_path: Path) -> None:
    """Control requests run between procedure calls: a client defining and undefining in a loop
    never sees an error, and every dump shows a whole host (the domain defined or not, nothing between)."""
    script = tmp_path / "loop.sh"
    (tmp_path / "vm.xml").write_text(DOMAIN.format(name="vm"))
    script.write_text(f"for i in $(seq 20); do echo 'define {tmp_path}/vm.xml'; echo 'undefine vm'; done\n")
    loop = subprocess.Popen(f"bash {script} | {served.virsh_bin} -c '{served.uri}'", shell=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    client = ControlClient(served.control[1])
    seen = set()
    while loop.poll() is None:
        dump = client.call("dump")
        seen.add(tuple(d["name"] for d in dump["drivers"]["/system"]["domains"]))
        client.call("state.save", name="during")
    out, err = loop.communicate(timeout=60)
    assert (loop.returncode, err) == (0, "")
    assert out.count("defined from") == 20 and out.count("undefined") == 20
    assert seen <= {(), ("vm",)}
