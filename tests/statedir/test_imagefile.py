"""Image files updated in place: only what changed is written, the file always reads back as the
image last written (or the one before, when the update was cut short) and passes ``qemu-img check``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from fakevirt.model.images.clusters import ClusterMap
from fakevirt.model.images.image import Image, InternalSnapshot
from fakevirt.statedir import apply
from fakevirt.statedir import imagefile as imf
from fakevirt.statedir.files import Plan, WriteImage
from fakevirt.statedir.images import read_image
from fakevirt.statedir.writer import frozen_copy

CS = 65536
PATH = "images/x.img"


def model(img: Image) -> tuple[object, ...]:
    return (img.format, img.virtual_size, [(i, bytes(b).rstrip(b"\0")) for i, b in img.clusters.items() if b],
            [(s.name, [(i, bytes(b).rstrip(b"\0")) for i, b in s.clusters.items() if b]) for s in img.snapshots])


def write(root: Path, img: Image, state: imf.ImageFile) -> Image:
    copy = frozen_copy(img)
    apply(root, Plan([WriteImage(PATH, copy, state)]))
    return copy


def qemu_img_check(file: Path) -> None:
    r = subprocess.run(["qemu-img", "check", "-f", "qcow2", str(file)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def snapshot(img: Image, n: int) -> None:
    img.snapshots.append(InternalSnapshot(str(n), f"s{n}", 0, 0, 0, 0, img.virtual_size, img.clusters.copy()))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "images").mkdir()
    return tmp_path


def test_qcow2_changes_are_written_in_place(root: Path) -> None:
    img = Image("/x.img", "qcow2", 64 * CS, clusters=ClusterMap.of({0: b"boot", 5: b"five"}))
    state = imf.ImageFile()
    file = root / PATH
    write(root, img, state)
    inode = file.stat().st_ino
    steps = [lambda: snapshot(img, 1), lambda: img.clusters.set(5, b"changed"), lambda: img.clusters.set(40, b"new"),
             lambda: snapshot(img, 2), lambda: img.snapshots.pop(0), lambda: setattr(img, "virtual_size", 128 * CS),
             lambda: img.clusters.set(100, b"far")]
    in_place = 0
    for change in steps:
        change()
        before = file.stat().st_size
        write(root, img, state)
        if file.stat().st_ino == inode:  # not rewritten through a rename: new tables and changed clusters only
            in_place += 1
            assert file.stat().st_size - before <= 12 * CS
        else:  # compacted: the tables left behind outgrew what is in use
            inode = file.stat().st_ino
            assert before > 2 * file.stat().st_size
        assert model(read_image(file, "/x.img")) == model(img)
        qemu_img_check(file)
    assert in_place >= len(steps) - 2


def test_a_qcow2_update_cut_short_leaves_the_image_before_it(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    img = Image("/x.img", "qcow2", 64 * CS, clusters=ClusterMap.of({0: b"boot"}))
    state = imf.ImageFile()
    file = root / PATH
    before = write(root, img, state)
    snapshot(img, 1)
    img.clusters.set(3, b"after the snapshot")
    real = os.pwrite

    def no_header(fd: int, data: bytes, offset: int) -> int:
        if offset == 0:
            raise OSError("killed before the header")
        return real(fd, data, offset)

    monkeypatch.setattr(imf.os, "pwrite", no_header)
    with pytest.raises(OSError):
        write(root, img, state)
    assert model(read_image(file, "/x.img")) == model(before)
    qemu_img_check(file)
    monkeypatch.setattr(imf.os, "pwrite", real)
    state.forget()  # as StateWriter.write_failed does: the next write is whole
    write(root, img, state)
    assert model(read_image(file, "/x.img")) == model(img)
    qemu_img_check(file)


def test_a_qcow2_file_mostly_free_is_compacted(root: Path) -> None:
    img = Image("/x.img", "qcow2", 64 * CS, clusters=ClusterMap.of({0: b"boot"}))
    state = imf.ImageFile()
    file = root / PATH
    write(root, img, state)
    sizes = []
    for n in range(40):
        img.clusters.set(1, f"write {n}".encode())
        write(root, img, state)
        sizes.append(file.stat().st_size)
    assert max(sizes) <= 2 * 8 * CS + 16 * CS + 8 * CS  # bounded by what is in use, not by the writes
    assert model(read_image(file, "/x.img")) == model(img)
    qemu_img_check(file)


def test_raw_changes_are_written_where_they_are(root: Path) -> None:
    img = Image("/x.img", "raw", 16 * CS, cluster_size=CS, clusters=ClusterMap.of({0: b"a" * CS, 3: b"three"}))
    state = imf.ImageFile()
    file = root / PATH
    write(root, img, state)
    inode = file.stat().st_ino
    img.clusters.set(3, b"3")  # shorter: the rest of the chunk reads as zeros again
    img.clusters.set(7, b"seven")
    img.clusters.data = {i: b for i, b in img.clusters.data.items() if i != 0}  # dropped: a hole again
    write(root, img, state)
    data = file.read_bytes()
    assert file.stat().st_ino == inode and len(data) == 16 * CS
    assert data[:CS] == bytes(CS) and data[3 * CS:4 * CS] == b"3".ljust(CS, b"\0")
    assert data[7 * CS:7 * CS + 5] == b"seven"
    img.virtual_size = 8 * CS
    write(root, img, state)
    assert file.stat().st_size == 8 * CS and model(read_image(file, "/x.img")) == model(img)
