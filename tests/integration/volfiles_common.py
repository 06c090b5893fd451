"""Scenarios of the volume-file tests, run the same way on fakevirt and on the real libvirtd.

Each returns plain data with the pool's path replaced by ``POOL``, so the two runs compare equal.
The images are made with QEMU's own tools (qemu-img create, qemu-io write) and xorriso.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import libvirt

FORMATS = ("raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow",
           "qcow2", "qed", "vmdk", "none")
CLONE_TARGETS = ("raw", "iso", "qcow2", "vmdk", "vpc", "bochs", "qed")


def make_base_qcow2(directory: Path) -> Path:
    """A 32 MiB qcow2 with guest data in two places: what a cloud image is to Terraform."""
    base = directory / "base.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "32M"], check=True)
    subprocess.run(["qemu-io", "-c", "write -P 0xab 0 1M", "-c", "write -P 0xcd 10M 64k", str(base)],
                   check=True, capture_output=True)
    return base


def make_iso(directory: Path) -> Path:
    """A cloud-init NoCloud seed ISO (volume label cidata)."""
    seed = directory / "seed"
    seed.mkdir(exist_ok=True)
    (seed / "meta-data").write_text("instance-id: fv-1\nlocal-hostname: fv\n")
    (seed / "user-data").write_text("#cloud-config\npassword: fakevirt\n")
    iso = directory / "cloud-init.iso"
    subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r", "-o", str(iso), str(seed)],
                   check=True, capture_output=True)
    return iso


def have_tools() -> bool:
    return all(shutil.which(t) for t in ("qemu-img", "qemu-io", "xorriso"))


def vol_summary(vol: libvirt.virStorageVol, pool_path: str) -> dict[str, Any]:
    xml = vol.XMLDesc()
    out = {"info": vol.info(), "type": re.search(r"<volume type='(\w+)'", xml)[1],  # type: ignore[index]
           "formats": re.findall(r"<format type='(\w+)'/>", xml),
           "physical": re.findall(r"<physical unit='bytes'>(\d+)", xml),
           "backing": re.findall(r"<backingStore>\s*<path>([^<]*)</path>", xml)}
    return json.loads(json.dumps(out).replace(pool_path, "POOL"))


def error_of(fn: Any, *args: Any) -> tuple[int, int, str] | None:
    try:
        fn(*args)
    except libvirt.libvirtError as e:
        return e.get_error_code(), e.get_error_domain(), e.get_error_message()
    return None


def settle(pool: libvirt.virStoragePool) -> None:
    """libvirtd refreshes the pool in a thread after an upload; a refresh waits for nothing."""
    pool.refresh(0)


def upload(conn: libvirt.virConnect, vol: libvirt.virStorageVol, data: bytes, offset: int = 0,
           length: int = 0) -> None:
    st = conn.newStream(0)
    vol.upload(st, offset, length, 0)
    for i in range(0, len(data), 1 << 18):
        st.send(data[i:i + (1 << 18)])
    st.finish()


def download(conn: libvirt.virConnect, vol: libvirt.virStorageVol, offset: int = 0, length: int = 0,
             sparse: bool = False) -> bytes:
    st = conn.newStream(0)
    vol.download(st, offset, length, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM if sparse else 0)
    out = bytearray()
    if sparse:
        def sink(_st: Any, data: bytes, buf: bytearray) -> int:
            buf += data
            return len(data)

        def hole(_st: Any, length: int, buf: bytearray) -> int:
            buf += bytes(length)
            return 0

        st.sparseRecvAll(sink, hole, out)
    else:
        while chunk := st.recv(1 << 20):
            out += chunk
    st.finish()
    return bytes(out)


def vol_xml(name: str, fmt: str, capacity: int, backing: str | None = None) -> str:
    back = (f"<backingStore><path>{backing}</path><format type='qcow2'/></backingStore>" if backing else "")
    return (f"<volume><name>{name}</name><capacity>{capacity}</capacity>"
            f"<target><format type='{fmt}'/></target>{back}</volume>")


def start_pool(conn: libvirt.virConnect, name: str, path: str) -> libvirt.virStoragePool:
    return conn.storagePoolCreateXML(f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target>"
                                     "</pool>", libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)


def drop_pool(pool: libvirt.virStoragePool) -> None:
    for vol in pool.listAllVolumes():
        vol.delete(0)
    pool.destroy()


def formats_scenario(pool: libvirt.virStoragePool, path: str) -> dict[str, Any]:
    """Every format of a dir pool: created (1,000,000 bytes), then cloned from a 13-byte raw volume."""
    out: dict[str, Any] = {}
    for fmt in FORMATS:
        name = f"v-{fmt}"
        failed = error_of(pool.createXML, vol_xml(name, fmt, 1_000_000), 0)
        out[f"create {fmt}"] = (json.loads(json.dumps(failed).replace(path, "POOL")) if failed
                                else vol_summary(pool.storageVolLookupByName(name), path))
        if not failed:
            vol = pool.storageVolLookupByName(name)
            for step, fn in (("resize", lambda v=vol: v.resize(2_000_000, 0)), ("wipe", lambda v=vol: v.wipe(0))):
                failed_step = error_of(fn)
                out[f"{step} {fmt}"] = (json.loads(json.dumps(failed_step).replace(path, "POOL")) if failed_step
                                        else vol_summary(vol, path))
    src = pool.createXML(vol_xml("src.raw", "raw", 13), 0)
    for fmt in CLONE_TARGETS:
        name = f"c-{fmt}"
        failed = error_of(pool.createXMLFrom, f"<volume><name>{name}</name><target><format type='{fmt}'/>"
                                              "</target></volume>", src, 0)
        summary = None if failed else vol_summary(pool.storageVolLookupByName(name), path)
        if summary is not None and fmt in ("vmdk", "vpc", "qcow2"):  # the data blocks: see the README
            summary["info"], summary["physical"] = summary["info"][:2], []
        out[f"clone {fmt}"] = json.loads(json.dumps(failed).replace(path, "POOL")) if failed else summary
    settle(pool)
    out["after refresh"] = {v.name(): vol_summary(v, path)["formats"] for v in pool.listAllVolumes()}
    return out


def guest_raw(top: Path, base: Path) -> bytes:
    """What a guest sees on overlay ``top`` over ``base`` (qemu-img convert to raw)."""
    spec = "json:" + json.dumps({"driver": "qcow2", "file": {"driver": "file", "filename": str(top)},
                                 "backing": {"driver": "qcow2", "file": {"driver": "file", "filename": str(base)}}})
    raw = top.with_suffix(".guest")
    subprocess.run(["qemu-img", "convert", "-O", "raw", spec, str(raw)], check=True)
    data = raw.read_bytes()
    raw.unlink()
    return data


def guest_bytes(top: Path, base: Path) -> str:
    return hashlib.sha256(guest_raw(top, base)).hexdigest()


def terraform_scenario(conn: libvirt.virConnect, pool: libvirt.virStoragePool, path: str,
                       base: Path, iso: Path, work: Path) -> dict[str, Any]:
    """terraform-provider-libvirt's flow: a volume from a cloud image (source=), an overlay on it,
    a cloud-init ISO, a domain on the overlay; then the files come back out."""
    out: dict[str, Any] = {}
    data = base.read_bytes()
    vol = pool.createXML(vol_xml("base", "qcow2", len(data)), 0)
    upload(conn, vol, data)
    settle(pool)
    out["base"] = vol_summary(vol, path)
    overlay = pool.createXML(vol_xml("overlay", "qcow2", 64 << 20, f"{path}/base"), 0)
    out["overlay"] = vol_summary(overlay, path)
    seed = iso.read_bytes()
    ci = pool.createXML(vol_xml("cloud-init.iso", "iso", len(seed)), 0)
    out["iso before upload"] = vol_summary(ci, path)
    upload(conn, ci, seed)
    settle(pool)
    out["iso"] = vol_summary(ci, path)
    out["iso bytes"] = download(conn, ci) == seed
    got = work / "base.download"
    got.write_bytes(download(conn, vol))
    out["base download is the upload"] = got.read_bytes() == data
    out["qemu-img check"] = subprocess.run(["qemu-img", "check", "-q", str(got)]).returncode
    out["qemu-img compare"] = subprocess.run(["qemu-img", "compare", "-q", str(base), str(got)]).returncode
    top = work / "overlay.download"
    top.write_bytes(download(conn, overlay))
    out["guest bytes"] = guest_bytes(top, got)
    out["sparse download"] = download(conn, vol, sparse=True) == data
    out["partial download"] = download(conn, vol, 65536, 4096) == data[65536:65536 + 4096]
    return out
