"""Real files in and out: the one module of the image model that touches the host.

``export_chain`` writes an emulated image and its backing chain as real qcow2/raw files laid out
cluster for cluster as the emulator holds them (so ``qemu-img map`` agrees with
``ImageStore.map``); ``import_file``/``import_chain`` read real images through ``qemu-img``
(info, map, convert, snapshot) and keep them sparse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ...errors import images as err
from . import qcow2
from .clusters import ClusterMap
from .image import FORMATS, RAW_CHUNK, Image, InternalSnapshot
from .store import ImageStore


def qemu_img_path() -> str | None:
    """The qemu-img binary, or None when qemu-utils is not installed."""
    return shutil.which("qemu-img")


def run_qemu_img(*args: str) -> str:
    """Run qemu-img; a failure becomes an ImageError carrying its stderr."""
    exe = qemu_img_path()
    if exe is None:
        raise err.qemu_img_missing()
    proc = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise err.qemu_img_failed(proc.stderr)
    return proc.stdout


def _unique_names(images: list[Image]) -> list[str]:
    names: list[str] = []
    for i, img in enumerate(images):
        name = Path(img.path).name
        names.append(name if name not in names else f"{i}-{name}")
    return names


def write_image(img: Image, target: Path, backing: tuple[str, str] | None = None) -> Path:
    """Write one image as a real (sparse) file; ``backing`` = (name, format) for qcow2."""
    with open(target, "wb") as f:
        if img.format == "raw":
            for idx in sorted(img.clusters.data):
                f.seek(idx * img.cluster_size)
                f.write(img.clusters.data[idx])
            f.truncate(img.virtual_size)
        else:
            lay = qcow2.layout(img, backing)
            for off, data in sorted(lay.writes):
                f.seek(off)
                f.write(data)
            f.truncate(lay.size)
    return target


def export_chain(store: ImageStore, path: str, directory: str | os.PathLike[str]) -> list[Path]:
    """Write ``path`` and every image below it into ``directory``; returns the files, top first.

    Each qcow2 file records its backing by the exported file's name (so the copy is
    self-contained) and the backing format the emulated image recorded.
    """
    images = store.opened_chain(path)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    names = _unique_names(images)
    for i, img in enumerate(images):
        backing = None
        if i + 1 < len(images):
            backing = (names[i + 1], img.backing_format or images[i + 1].format)
        write_image(img, out / names[i], backing)
    return [out / n for n in names]


def _layer_spec(host: str) -> str:
    """A qcow2 file opened on its own: unallocated clusters read as zeros, not from the backing."""
    return "json:" + json.dumps({"driver": "qcow2", "file": {"driver": "file", "filename": host},
                                 "backing": None})


def read_ranges(raw_file: str, ranges: list[tuple[int, int]], cs: int) -> dict[int, bytes]:
    clusters: dict[int, bytes] = {}
    with open(raw_file, "rb") as f:
        for start, stop in ranges:
            for idx in range(start // cs, -(-stop // cs)):
                if idx not in clusters:
                    f.seek(idx * cs)
                    data = f.read(cs)
                    if data.strip(b"\0"):
                        clusters[idx] = data.rstrip(b"\0")
    return clusters


def data_ranges(path: str) -> list[tuple[int, int]]:
    """The data (non-hole) ranges of a sparse file, via SEEK_DATA/SEEK_HOLE."""
    size = os.path.getsize(path)
    fd = os.open(path, os.O_RDONLY)
    ranges: list[tuple[int, int]] = []
    try:
        pos = 0
        while pos < size:
            try:
                start = os.lseek(fd, pos, os.SEEK_DATA)
            except OSError:  # ENXIO: no data after pos
                break
            stop = os.lseek(fd, start, os.SEEK_HOLE)
            ranges.append((start, stop))
            pos = stop
    finally:
        os.close(fd)
    return ranges


def _read_qcow2_layer(spec: str, cs: int, work: Path) -> ClusterMap:
    """The clusters one qcow2 file itself allocates (data, and zero clusters as ``b""``)."""
    extents = json.loads(run_qemu_img("map", "--output=json", spec))
    raw = work / "layer.raw"
    run_qemu_img("convert", "-O", "raw", spec, str(raw))
    data = [(e["start"], e["start"] + e["length"]) for e in extents
            if e["depth"] == 0 and e["present"] and e["data"]]
    clusters = ClusterMap()
    for e in extents:
        if e["depth"] == 0 and e["present"] and not e["data"]:
            clusters.zero(e["start"] // cs, -(-(e["start"] + e["length"]) // cs))
    for idx, buf in sorted(read_ranges(str(raw), data, cs).items()):
        clusters.set(idx, buf)
    raw.unlink()
    return clusters


def _share(clusters: ClusterMap, like: ClusterMap) -> ClusterMap:
    """Reuse ``like``'s buffer wherever the content is equal (qcow2 shared these clusters)."""
    for i, b in clusters.data.items():
        if like.data.get(i) == b:
            clusters.data[i] = like.data[i]
    return clusters


def _read_snapshots(host: str, info: dict[str, Any], current: ClusterMap,
                    work: Path) -> list[InternalSnapshot]:
    copy = work / "snapshots.qcow2"
    shutil.copyfile(host, copy)
    spec = _layer_spec(str(copy))
    out: list[InternalSnapshot] = []
    for s in info.get("snapshots", []):
        run_qemu_img("snapshot", "-a", s["id"], spec)
        size = json.loads(run_qemu_img("info", "--output=json", spec))["virtual-size"]
        data = _share(_read_qcow2_layer(spec, info["cluster-size"], work), current)
        out.append(InternalSnapshot(id=s["id"], name=s["name"], date_sec=s["date-sec"],
                                    date_nsec=s["date-nsec"], vm_state_size=s["vm-state-size"],
                                    vm_clock_ns=s["vm-clock-sec"] * 1_000_000_000 + s["vm-clock-nsec"],
                                    virtual_size=size, clusters=data, icount=s.get("icount")))
    return out


def import_file(store: ImageStore, host_path: str | os.PathLike[str], path: str, *,
                fmt: str | None = None, force: bool = False) -> Image:
    """Copy one real image (not its backing files) into the store at ``path``.

    The backing name and format are kept as recorded, so a relative name resolves next to
    ``path``.  Internal snapshots come along.
    """
    host = str(Path(host_path).resolve())
    info = json.loads(run_qemu_img("info", "--output=json", *(["-f", fmt] if fmt else []), host))
    fmt = info["format"]
    if fmt not in FORMATS:
        raise err.unknown_format(path, fmt)
    specific = info.get("format-specific", {}).get("data", {})
    if info.get("encrypted") or specific.get("extended-l2") or specific.get("data-file"):
        raise err.import_unsupported(host)
    size = info["virtual-size"]
    with tempfile.TemporaryDirectory(prefix="fakevirt-import-") as tmp:
        img: Image
        if fmt == "raw":
            img = Image(path, "raw", size, RAW_CHUNK,
                        clusters=ClusterMap.of(read_ranges(host, data_ranges(host), RAW_CHUNK)))
        else:
            cs = info["cluster-size"]
            clusters = _read_qcow2_layer(_layer_spec(host), cs, Path(tmp))
            snaps = _read_snapshots(host, info, clusters, Path(tmp)) if info.get("snapshots") else []
            img = Image(path, "qcow2", size, cs, info.get("backing-filename"),
                        info.get("backing-filename-format"), clusters, snaps,
                        compat_v2=specific.get("compat") == "0.10")
    return store.add(img, force=force)


def import_chain(store: ImageStore, host_path: str | os.PathLike[str], directory: str, *,
                 force: bool = False) -> list[str]:
    """Import a real image and its whole backing chain into ``directory``; top first.

    Each imported image records the emulated path of the next one as its backing file.
    """
    host = str(Path(host_path).resolve())
    infos = json.loads(run_qemu_img("info", "--backing-chain", "--output=json", host))
    files = [host] + [i["full-backing-filename"] for i in infos[:-1]]
    prefix = store.normpath(directory).rstrip("/")
    names: list[str] = []
    for i, f in enumerate(files):
        name = Path(f).name
        names.append(f"{prefix}/{name if f'{prefix}/{name}' not in names else f'{i}-{name}'}")
    for i, (f, info) in enumerate(zip(files, infos, strict=True)):
        img = import_file(store, f, names[i], fmt=info["format"], force=force)
        if i + 1 < len(files):
            store.set_backing(img, names[i + 1], infos[i + 1]["format"])
    return names
