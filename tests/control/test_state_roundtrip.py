"""`fakevirt ctl state save`/`state load`: a host of 100 domains with snapshots and volume data comes
back exactly, seen through libvirt-python and virsh (volume data byte for byte)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import libvirt

from tests.control.conftest import Served

DISK_DOMAIN = """<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='/var/lib/libvirt/images/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>
<interface type='user'><model type='virtio'/></interface></devices></domain>"""
NO_DISK = """<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices><interface type='user'/></devices></domain>"""


def host_view(conn: libvirt.virConnect, s: Served, tmp_path: Path) -> dict[str, Any]:
    """Everything a client sees of the host: domains, their state, XML and snapshots, volumes' bytes."""
    view: dict[str, Any] = {}
    for dom in sorted(conn.listAllDomains(), key=lambda d: d.name()):
        view[dom.name()] = (dom.UUIDString(), dom.state(), dom.XMLDesc(),
                            sorted((snap.getName(), snap.getXMLDesc()) for snap in dom.listAllSnapshots()))
    pool = conn.storagePoolLookupByName("default")
    for name in sorted(pool.listVolumes()):
        out = tmp_path / f"download-{name}"
        s.ok("vol-download", "--pool", "default", name, str(out))
        view[f"vol:{name}"] = (pool.storageVolLookupByName(name).info(), out.read_bytes())
    return view


def test_state_round_trip_of_100_domains_snapshots_and_volume_data(served: Served, tmp_path: Path) -> None:
    conn = libvirt.open(served.uri)
    try:
        s = served
        s.ok("pool-create-as", "default", "dir", "--target", "/var/lib/libvirt/images")
        data = tmp_path / "data.bin"
        data.write_bytes(os.urandom(1 << 20) + bytes(1 << 20) + b"tail" * 1000)
        s.ok("vol-create-as", "default", "data.raw", str(3 << 20), "--format", "raw")
        s.ok("vol-upload", "--pool", "default", "data.raw", str(data))
        for n in range(100):  # the first 10 run, with a disk and a snapshot; the others are defined only
            name = f"vm{n:03d}"
            if n >= 10:
                conn.defineXML(NO_DISK.format(name=name))
                continue
            s.ok("vol-create-as", "default", f"{name}.qcow2", "16M", "--format", "qcow2")
            dom = conn.defineXML(DISK_DOMAIN.format(name=name))
            dom.create()
            dom.snapshotCreateXML(f"<domainsnapshot><name>{name}-s1</name></domainsnapshot>")
        pool = conn.storagePoolLookupByName("default")
        pool.refresh()
        before = host_view(conn, s, tmp_path)
        assert len([k for k in before if not k.startswith("vol:")]) == 100
        assert before["vol:data.raw"][1] == data.read_bytes() + bytes((3 << 20) - data.stat().st_size)
        dump_before = json.loads(s.ctl("dump").stdout)

        r = s.ctl("state", "save", "base")
        assert (r.returncode, r.stderr) == (0, "")
        for dom in conn.listAllDomains()[:50]:  # now change a lot
            for snap in dom.listAllSnapshots():
                snap.delete()
            if dom.isActive():
                dom.destroy()
            dom.undefine()
        conn.defineXML(NO_DISK.format(name="intruder"))
        (tmp_path / "other.bin").write_bytes(b"x" * 4096)
        s.ok("vol-upload", "--pool", "default", "data.raw", str(tmp_path / "other.bin"))
        s.ok("vol-delete", "--pool", "default", "vm009.qcow2")

        started = time.perf_counter()
        r = s.ctl("state", "load", "base")
        elapsed = time.perf_counter() - started
        assert (r.returncode, r.stderr) == (0, "")
        pool.refresh()
        assert host_view(conn, s, tmp_path) == before
        assert json.loads(s.ctl("dump").stdout) == dump_before
        print(f"state load of 100 domains through ctl: {elapsed * 1000:.0f} ms")
    finally:
        conn.close()
