"""From shell: `fakevirt ctl` arms faults and plays the guest while virsh drives the server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fakevirt.testing import minimal_domain_xml
from tests.integration.conftest import err, ok
from tests.integration.virsh_events import VirshEvents

SERVE = [sys.executable, "-m", "fakevirt", "serve", "--log-level", "error", "--seed", "5",
         "--listen", "tcp://127.0.0.1:0", "--control", "tcp://127.0.0.1:0"]
ENV = {**os.environ, "LC_ALL": "C", "VIRSH_DEFAULT_CONNECT_URI": ""}


class Host:
    def __init__(self, virsh_bin: str, uri: str, url: str) -> None:
        self.virsh_bin, self.uri, self.url = virsh_bin, uri, url

    def virsh(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.virsh_bin, "-c", self.uri, *args], capture_output=True, text=True, timeout=30,
                              env=ENV)

    def ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fakevirt", "ctl", "--url", self.url, *args],
                              capture_output=True, text=True, timeout=30, env=ENV)

    def define(self, tmp: Path, name: str, xml: str | None = None) -> None:
        path = tmp / f"{name}.xml"
        path.write_text(xml or minimal_domain_xml(name))
        ok(self.virsh("define", str(path)))


@contextmanager
def serving_with_control(virsh_bin: str) -> Iterator[Host]:
    proc = subprocess.Popen(SERVE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        text = proc.stdout.readline() + proc.stdout.readline()
        uri = re.search(r"virsh -c '([^']+)'", text)
        url = re.search(r"ctl --url '([^']+)'", text)
        assert uri is not None and url is not None, text
        yield Host(virsh_bin, uri.group(1), url.group(1))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def _server(virsh_bin: str) -> Iterator[Host]:
    with serving_with_control(virsh_bin) as host:
        yield host


@pytest.fixture
def host(_server: Host) -> Host:
    ok(_server.ctl("reset"))
    return _server


def test_a_fault_on_one_domains_start(host: Host, tmp_path: Path) -> None:
    for name in ("vm1", "vm2"):
        host.define(tmp_path, name)
    assert ok(host.ctl("fault", "add", "DOMAIN_CREATE", "--match", "name=vm1", "--count", "forever",
                       "--error", "VIR_ERR_OPERATION_FAILED:VIR_FROM_QEMU:no host memory left")).strip() == "1"
    ok(host.virsh("start", "vm2"))
    assert err(host.virsh("start", "vm1")) == ("error: Failed to start domain 'vm1'\n"
                                               "error: operation failed: no host memory left")
    assert err(host.virsh("start", "vm1")).endswith("operation failed: no host memory left")  # forever
    [fault] = json.loads(ok(host.ctl("fault", "list")))["faults"]
    assert (fault["procedure"], fault["match"], fault["fired"], fault["count"]) == (
        "DOMAIN_CREATE", {"name": "vm1"}, 2, None)
    calls = json.loads(ok(host.ctl("calls", "--procedure", "domain_create", "--clear")))["calls"]
    assert [(c["object"]["domain"], c["result"] if c["result"] == "ok" else c["result"]["code"])
            for c in calls] == [("vm2", "ok"), ("vm1", 9), ("vm1", 9)]
    assert json.loads(ok(host.ctl("calls")))["calls"] == []  # cleared
    ok(host.ctl("fault", "clear"))
    ok(host.virsh("start", "vm1"))


def test_fault_add_refusals(host: Host) -> None:
    for args, reason in [
        (("NO_SUCH_CALL", "--hang"), "unknown procedure 'NO_SUCH_CALL'"),
        (("DOMAIN_CREATE",), "a fault needs one of 'error', 'delay', 'hang' or 'drop_connection'"),
        (("DOMAIN_CREATE", "--error", "NOT_A_CODE"), "unknown error code 'NOT_A_CODE'"),
        (("DOMAIN_CREATE", "--hang", "--match", "colour=red"), "unknown match key 'colour'"),
    ]:
        r = host.ctl("fault", "add", *args)
        assert r.returncode == 1 and r.stderr.startswith(f"fakevirt ctl: {reason}"), r.stderr


@pytest.mark.parametrize(("on_crash", "events", "state"), [
    ("destroy", ["Crashed Panicked", "Stopped Crashed"], "shut off (crashed)"),
    ("preserve", ["Crashed Panicked"], "crashed (panicked)"),
    ("restart", ["Crashed Panicked", "reboot", "Resumed Unpaused"], "running (crashed)"),
])
def test_guest_crash_events_in_virsh_event(host: Host, tmp_path: Path, on_crash: str, events: list[str],
                                           state: str) -> None:
    xml = minimal_domain_xml("crashy").replace("</domain>", f"<on_crash>{on_crash}</on_crash></domain>")
    host.define(tmp_path, "crashy", xml)
    ok(host.virsh("start", "crashy"))
    watch = VirshEvents(host.virsh_bin, host.uri, host.virsh, "crashy")
    try:
        ok(host.ctl("guest", "crashy", "crash"))
        got = watch.sync()
    finally:
        watch.close()
    assert got == [f"'lifecycle': {e}" if e != "reboot" else "'reboot'" for e in events]
    assert ok(host.virsh("domstate", "crashy", "--reason")).strip() == state


def test_guest_shutdown_reboot_and_disk_data(host: Host, tmp_path: Path) -> None:
    host.define(tmp_path, "g")
    ok(host.virsh("start", "g"))
    watch = VirshEvents(host.virsh_bin, host.uri, host.virsh, "g")
    try:
        ok(host.ctl("guest", "g", "reboot"))
        assert watch.sync() == ["'reboot'"]
        ok(host.ctl("guest", "g", "shutdown"))
        assert watch.sync() == ["'lifecycle': Shutdown Finished after guest request", "'lifecycle': Stopped Shutdown"]
    finally:
        watch.close()
    assert ok(host.virsh("domstate", "g", "--reason")).strip() == "shut off (shutdown)"
    r = host.ctl("guest", "g", "crash")
    assert r.returncode == 1 and r.stderr == "fakevirt ctl: Requested operation is not valid: domain is not running\n"
    r = host.ctl("guest", "nope", "crash")
    assert r.returncode == 1 and r.stderr == "fakevirt ctl: no domain 'nope'\n"


def test_guest_write_and_read_a_file_and_job_refusals(host: Host, tmp_path: Path) -> None:
    ok(host.virsh("pool-create-as", "default", "dir", "--target", "/var/lib/libvirt/images"))
    ok(host.virsh("vol-create-as", "default", "w.qcow2", "16M", "--format", "qcow2"))
    xml = minimal_domain_xml("w").replace("</domain>", "<devices><disk type='file' device='disk'>"
                                          "<driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/w.qcow2'/>"
                                          "<target dev='vda' bus='virtio'/></disk></devices></domain>")
    host.define(tmp_path, "w", xml)
    ok(host.virsh("start", "w"))
    (tmp_path / "data").write_bytes(b"\x00\x01guest bytes\xff")
    ok(host.ctl("guest", "w", "write", "vda", "65536", str(tmp_path / "data")))
    r = subprocess.run([sys.executable, "-m", "fakevirt", "ctl", "--url", host.url, "guest", "w", "read", "vda",
                        "65536", "14"], capture_output=True, timeout=30)
    assert r.returncode == 0 and r.stdout == b"\x00\x01guest bytes\xff"
    r = host.ctl("job", "w", "vda", "hold", "0.5")
    assert (r.returncode, r.stderr) == (1, "fakevirt ctl: invalid argument: disk vda does not have an active block job\n")
    r = host.ctl("job", "w", "step", "0.5")
    assert r.returncode == 1 and r.stderr.startswith("fakevirt ctl: domain w has no held job: arm one with")
