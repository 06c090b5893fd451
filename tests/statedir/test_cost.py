"""What keeps a mutation cheap with ``--state``: the counters overwritten in place, a state change
that leaves the config file alone, and a directory that still matches a full render afterwards."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import libvirt

from fakevirt.model.hypervisor import Hypervisor
from fakevirt.statedir import apply, read_host_state
from fakevirt.statedir.api import LocalApi, domain_handle
from fakevirt.statedir.counters import COUNTERS_FILE, SLOT, encode_slot, read_counters, whole_file
from fakevirt.statedir.files import Counters, Plan
from fakevirt.statedir.images import read_image
from protocol import PROCEDURES, Proc, Program

from .helpers import DOMAIN, VOL, build_host, restore, save
from .test_kill9 import serving

PLAIN = "<domain type='kvm'><name>{name}</name><memory>65536</memory><os><type>hvm</type></os></domain>"


class Calls:
    """Calls made as a client's are: the handler, then the writer's plan, applied."""

    def __init__(self, hv: Hypervisor, root: Path) -> None:
        root.mkdir(exist_ok=True)
        self.api, self.root = LocalApi(hv), root
        self.writer = save(hv, root)
        self.plans: list[list[str]] = []

    def __call__(self, name: str, **args: Any) -> Any:
        proc = PROCEDURES[(Program.REMOTE, Proc[name])]
        ret = self.api(name, **args)
        plan = self.writer.after_call(self.api.client, proc, proc.args(**args) if proc.args else None,
                                      ret if proc.ret is not None else None)
        self.plans.append([op.path for op in plan])
        apply(self.root, plan)
        return ret


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): os.readlink(p).encode() if p.is_symlink() else p.read_bytes()
            for p in root.rglob("*") if (p.is_file() or p.is_symlink()) and not p.name.startswith("fakevirt.")}


def test_a_torn_slot_leaves_the_other(tmp_path: Path) -> None:
    (tmp_path / COUNTERS_FILE).write_bytes(whole_file(1, encode_slot(1, {"n": 1})))
    file = tmp_path / COUNTERS_FILE
    with file.open("r+b") as f:  # sequence 2 goes to slot 0, 1 stays in slot 1
        f.write(encode_slot(2, {"n": 2}))
    assert read_counters(tmp_path) == (2, {"n": 2})
    with file.open("r+b") as f:  # the write of slot 2 cut short
        f.seek(26)
        f.write(b"\0" * 4)
    assert read_counters(tmp_path) == (1, {"n": 1})


def test_counters_are_overwritten_in_place(tmp_path: Path) -> None:
    hv = Hypervisor(seed=3)
    calls = Calls(hv, tmp_path)
    inode = (tmp_path / COUNTERS_FILE).stat().st_ino
    for i in range(3):
        dom = calls("DOMAIN_DEFINE_XML_FLAGS", xml=PLAIN.format(name=f"d{i}"), flags=0).dom
        assert calls.plans[-1] == [COUNTERS_FILE, f"etc/libvirt/qemu/d{i}.xml"]  # a new UUID moved the generator
        calls("DOMAIN_CREATE", dom=dom)
    st = (tmp_path / COUNTERS_FILE).stat()
    assert (st.st_ino, st.st_size) == (inode, 2 * SLOT)
    host = read_host_state(tmp_path)
    assert host is not None and host["next_id"] == {"/system": 4, "/session": 1}
    back = restore(tmp_path, seed=3)
    assert back.rng.uuid() == hv.rng.uuid() and back.system.domains.next_id == 4


def test_a_counters_op_creates_a_missing_file(tmp_path: Path) -> None:
    apply(tmp_path, Plan([Counters(COUNTERS_FILE, 7, encode_slot(7, {"a": 1}))]))
    assert read_counters(tmp_path) == (7, {"a": 1}) and (tmp_path / COUNTERS_FILE).stat().st_size == 2 * SLOT


def test_a_state_change_leaves_the_config_alone(tmp_path: Path) -> None:
    hv = Hypervisor(seed=7)
    build_host(hv)
    calls = Calls(hv, tmp_path)
    vm2 = domain_handle(hv.system.domains.by_name("vm2"))
    config = "etc/libvirt/qemu/vm2.xml"
    calls("DOMAIN_CREATE", dom=vm2)
    calls("DOMAIN_SUSPEND", dom=vm2)
    calls("DOMAIN_RESUME", dom=vm2)
    calls("DOMAIN_SNAPSHOT_CREATE_XML", dom=vm2, xml_desc="<domainsnapshot><name>s3</name></domainsnapshot>", flags=0)
    assert "run/libvirt/qemu/vm2.xml" in calls.plans[0] and "var/lib/libvirt/qemu/snapshot/vm2/s3.xml" in calls.plans[-1]
    calls("DOMAIN_SET_MEMORY_FLAGS", dom=vm2, memory=32768, flags=2)  # --config: the next boot's definition
    assert config in calls.plans[-1] and "<currentMemory unit='KiB'>32768</currentMemory>" in (tmp_path / config).read_text()
    calls("DOMAIN_DESTROY", dom=vm2)
    assert all(config not in plan for plan in calls.plans[:4] + calls.plans[5:])


def test_the_directory_matches_a_full_render_after_a_workload(tmp_path: Path) -> None:
    hv = Hypervisor(seed=7)
    build_host(hv)
    calls = Calls(hv, tmp_path / "a")
    pool = next(iter(hv.storage))
    pool = type(calls.api("STORAGE_POOL_LOOKUP_BY_UUID", uuid=pool.uuid.bytes).pool)(name="p", uuid=pool.uuid.bytes)
    for i in range(3):
        calls("STORAGE_VOL_CREATE_XML", pool=pool, xml=VOL.format(name=f"w{i}.qcow2", fmt="qcow2"), flags=0)
        dom = calls("DOMAIN_DEFINE_XML_FLAGS", xml=DOMAIN.format(name=f"w{i}"), flags=0).dom
        calls("DOMAIN_CREATE", dom=dom)
        calls("DOMAIN_SNAPSHOT_CREATE_XML", dom=dom, xml_desc=f"<domainsnapshot><name>x{i}</name></domainsnapshot>",
              flags=0)
        calls("DOMAIN_SET_AUTOSTART", dom=dom, autostart=1)
        calls("DOMAIN_SUSPEND", dom=dom)
        if i == 1:
            calls("DOMAIN_DESTROY", dom=dom)
            calls("DOMAIN_UNDEFINE_FLAGS", dom=dom, flags=2)  # and its snapshots' metadata
    (tmp_path / "b").mkdir()
    save(hv, tmp_path / "b")
    a, b = files(tmp_path / "a"), files(tmp_path / "b")
    assert sorted(a) == sorted(b)
    assert [p for p in a if a[p] != b[p] and not p.startswith("images/")] == []
    for p in (p for p in a if p.startswith("images/")):  # updated in place: the same image, laid out otherwise
        assert image(tmp_path / "a" / p) == image(tmp_path / "b" / p), p
        check(tmp_path / "a" / p)


def image(file: Path) -> tuple[object, ...]:
    img = read_image(file, "/x")
    return (img.format, img.virtual_size, img.backing, list(img.clusters.items()),
            [(s.name, s.virtual_size, list(s.clusters.items())) for s in img.snapshots])


def check(file: Path) -> None:
    if file.read_bytes()[:4] == b"QFI\xfb":
        r = subprocess.run(["qemu-img", "check", "-f", "qcow2", str(file)], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


def test_through_a_client_start_then_config_change(tmp_path: Path) -> None:
    with serving(tmp_path) as (_, uri):
        conn = libvirt.open(uri)
        dom = conn.defineXML(PLAIN.format(name="c1"))
        config = tmp_path / "etc/libvirt/qemu/c1.xml"
        before = config.stat().st_ino
        dom.create()
        assert config.stat().st_ino == before and (tmp_path / "run/libvirt/qemu/c1.xml").exists()
        dom.setMemoryFlags(32768, libvirt.VIR_DOMAIN_AFFECT_CONFIG)
        assert "<currentMemory unit='KiB'>32768</currentMemory>" in config.read_text()
        conn.close()
