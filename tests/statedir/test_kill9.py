"""``fakevirt serve --state DIR`` killed with SIGKILL and started again: everything acknowledged is back."""

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

import libvirt
import pytest

REPO = Path(__file__).resolve().parents[2]
DOMAIN = """<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='/var/lib/libvirt/images/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>
<interface type='network'><source network='n1'/></interface><console type='pty'/></devices></domain>"""
NETWORK = ("<network><name>n1</name><bridge name='virbr7'/><forward mode='nat'/>"
           "<ip address='192.168.77.1' netmask='255.255.255.0'/></network>")
SECRET = "<secret ephemeral='no' private='no'><uuid>{uuid}</uuid><usage type='ceph'><name>c</name></usage></secret>"
SECRET_UUID = "6e0c5b36-3f4a-4c55-9a5b-1b6b3c7a9d01"


@contextmanager
def serving(state: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = subprocess.Popen([sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0",
                             "--state", str(state), *extra], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        m = re.search(r"virsh -c '([^']+)'", proc.stdout.readline())
        assert m, proc.stderr.read() if proc.stderr else ""
        yield proc, m.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def kill9(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_kill9_then_restart_brings_the_host_back(tmp_path: Path, virsh_bin: str) -> None:
    state = tmp_path / "state"

    def v(uri: str, *args: str) -> str:
        r = subprocess.run([virsh_bin, "-c", uri, *args], capture_output=True, text=True, timeout=30,
                           env={**os.environ, "LC_ALL": "C"})
        assert r.returncode == 0, (args, r.stderr)
        return r.stdout

    payload = os.urandom(200_000)
    (tmp_path / "up.bin").write_bytes(payload)
    (tmp_path / "n1.xml").write_text(NETWORK)
    (tmp_path / "s.xml").write_text(SECRET.format(uuid=SECRET_UUID))
    with serving(state) as (proc, uri):
        v(uri, "net-define", str(tmp_path / "n1.xml"))
        v(uri, "net-start", "n1")
        v(uri, "net-autostart", "n1")
        v(uri, "pool-define-as", "default", "dir", "--target", "/var/lib/libvirt/images")
        v(uri, "pool-start", "default")
        v(uri, "pool-autostart", "default")
        v(uri, "secret-define", str(tmp_path / "s.xml"))
        v(uri, "secret-set-value", SECRET_UUID, "--base64", "aGVsbG8=")
        v(uri, "vol-create-as", "default", "up.raw", "1M", "--format", "raw", "--allocation", "0")
        v(uri, "vol-upload", "up.raw", str(tmp_path / "up.bin"), "--pool", "default")
        conn = libvirt.open(uri)
        pool = conn.storagePoolLookupByName("default")
        for name in ("vm1", "vm2", "vm3"):
            pool.createXML(f"<volume><name>{name}.qcow2</name><capacity>8388608</capacity>"
                           "<target><format type='qcow2'/></target></volume>", 0)
            conn.defineXML(DOMAIN.format(name=name))
        conn.lookupByName("vm1").create()
        conn.lookupByName("vm1").snapshotCreateXML("<domainsnapshot><name>before</name></domainsnapshot>", 0)
        conn.lookupByName("vm3").create()
        conn.lookupByName("vm2").setAutostart(1)
        v(uri, "snapshot-create-as", "vm3", "disk1", "--disk-only")
        live = conn.lookupByName("vm1").XMLDesc(0)
        before = {d.name(): (d.ID(), d.state()) for d in conn.listAllDomains(0)}
        conn.close()
        kill9(proc)
    with serving(state) as (proc, uri):
        conn = libvirt.open(uri)
        states = {d.name(): (d.ID(), d.state()) for d in conn.listAllDomains(0)}
        assert before == {"vm1": (1, [1, 5]), "vm3": (2, [1, 1]), "vm2": (-1, [5, 0])}  # vm1 paused for its snapshot
        assert states == {**before, "vm2": (3, [1, 1])}  # vm2 autostarts
        assert conn.lookupByName("vm1").XMLDesc(0) == live  # reconnected, not started again
        assert conn.lookupByName("vm1").snapshotListNames(0) == ["before"]
        assert conn.lookupByName("vm3").snapshotCurrent(0).getName() == "disk1"
        assert "/var/lib/libvirt/images/vm3.disk1" in conn.lookupByName("vm3").XMLDesc(0)
        net = conn.networkLookupByName("n1")
        assert net.isActive() and net.autostart()
        assert conn.secretLookupByUUIDString(SECRET_UUID).value(0) == b"hello"
        conn.close()
        v(uri, "vol-download", "up.raw", str(tmp_path / "down.bin"), "--pool", "default")
        assert (tmp_path / "down.bin").read_bytes()[: len(payload)] == payload
        assert "vm3.disk1" in v(uri, "vol-list", "default")
    images = [f for f in (state / "images").rglob("*") if f.is_file() and f.read_bytes()[:4] == b"QFI\xfb"]
    assert len(images) == 4
    for f in images:
        spec = "json:" + json.dumps({"driver": "qcow2", "file": {"driver": "file", "filename": str(f)},
                                     "backing": None})
        r = subprocess.run(["qemu-img", "check", spec], capture_output=True, text=True)
        assert r.returncode == 0, (f, r.stdout, r.stderr)


def test_short_kill_loop_loses_nothing(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "killloop.py"), "--kills", "12", "--json",
                        "--max-delay", "0.3", "--state", str(tmp_path / "state")],
                       capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode in (0, 1), r.stderr
    report = json.loads(r.stdout.strip().splitlines()[-1])
    assert report["lost"] == [] and report["bad_images"] == []
    assert report["acknowledged"] > 12


def test_one_server_per_state_directory(tmp_path: Path) -> None:
    with serving(tmp_path) as (_, uri):
        libvirt.open(uri).close()  # the first one is up and holds the directory
        r = subprocess.run([sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0", "--state",
                            str(tmp_path)], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert r.returncode == 1
    assert f"fakevirt: --state {tmp_path} is in use by another fakevirt" in r.stderr


def test_the_directory_keeps_its_seed(tmp_path: Path) -> None:
    with serving(tmp_path, "--seed", "42") as (proc, uri):
        libvirt.open(uri).close()
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    assert json.loads((tmp_path / "fakevirt.json").read_text())["seed"] == 42
    r = subprocess.run([sys.executable, "-m", "fakevirt", "serve", "--listen", "tcp://127.0.0.1:0", "--state",
                        str(tmp_path), "--seed", "43"], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert r.returncode == 2
    assert f"fakevirt: --state {tmp_path} holds a host of seed 42, not 43" in r.stderr


REF_POOL = ("<pool type='dir'><name>fv-i15p-ref</name><uuid>5b0e8a0e-9d6c-4c43-8d3c-5a1f0e2b7c11</uuid>"
            "<target><path>/tmp/fv-i15p-ref</path></target></pool>")
REF_DOMAIN = ("<domain type='qemu'><name>fv-i15p-ref</name><uuid>5b0e8a0e-9d6c-4c43-8d3c-5a1f0e2b7c12</uuid>"
              "<memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os><devices>"
              "<interface type='user'><mac address='52:54:00:11:22:33'/></interface></devices></domain>")


@pytest.mark.real
def test_config_files_are_the_reference_daemons(reference_uri: str, tmp_path: Path) -> None:
    """The reference libvirtd runs as root on this machine: the files it writes for a define are
    byte for byte the ones --state writes for the same define."""
    from fakevirt.model.hypervisor import Hypervisor
    from fakevirt.statedir.api import LocalApi

    from .helpers import save

    ref = libvirt.open(reference_uri)
    try:
        ref.storagePoolDefineXML(REF_POOL, 0)
        ref.defineXML(REF_DOMAIN)
        expected = {"etc/libvirt/storage/fv-i15p-ref.xml": Path("/etc/libvirt/storage/fv-i15p-ref.xml").read_text(),
                    "etc/libvirt/qemu/fv-i15p-ref.xml": Path("/etc/libvirt/qemu/fv-i15p-ref.xml").read_text()}
    finally:
        for undefine in (lambda: ref.storagePoolLookupByName("fv-i15p-ref").undefine(),
                         lambda: ref.lookupByName("fv-i15p-ref").undefine()):
            try:
                undefine()
            except libvirt.libvirtError:
                pass
        ref.close()
    hv = Hypervisor(seed=1)
    api = LocalApi(hv)
    api("STORAGE_POOL_DEFINE_XML", xml=REF_POOL, flags=0)
    api("DOMAIN_DEFINE_XML_FLAGS", xml=REF_DOMAIN, flags=0)
    save(hv, tmp_path)
    for rel, text in expected.items():
        assert (tmp_path / rel).read_text() == text, rel


def test_control_operations_are_persisted_too(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with serving(state, "--control", "tcp://127.0.0.1:0") as (proc, uri):
        assert proc.stdout is not None
        url = re.search(r"fakevirt ctl --url '([^']+)'", proc.stdout.readline())
        assert url
        conn = libvirt.open(uri)
        conn.defineXML(DOMAIN.format(name="gone").replace("<interface type='network'><source network='n1'/>"
                                                          "</interface>", ""))
        conn.close()
        assert (state / "etc/libvirt/qemu/gone.xml").exists()
        r = subprocess.run([sys.executable, "-m", "fakevirt", "ctl", "--url", url.group(1), "reset"],
                           capture_output=True, text=True, timeout=60, cwd=REPO)
        assert r.returncode == 0, r.stderr
        assert not (state / "etc/libvirt/qemu/gone.xml").exists()  # before ctl got its answer
        kill9(proc)
    with serving(state) as (_, uri):
        conn = libvirt.open(uri)
        assert conn.listAllDomains(0) == []
        conn.close()
