"""virDomainBlockCopy and virDomainBlockRebase(COPY): a mirror job that ends in a pivot or a finish.

The job copies the disk (its whole chain, or with SHALLOW its top layer over the same backing)
into a destination the job creates (or, with REUSE_EXT, one that exists).  While it runs the live
XML shows a <mirror job='copy'>; once everything is copied the job is ready and waits: an abort
with PIVOT switches the disk to the copy (live and persistent definitions), one without leaves
the copy behind as a standalone image (virsh blockcopy --finish), or a partial one before ready.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import blockcopy as err
from ...errors import check_flags
from ..device_parts import BackingStore, Mirror, chain_of
from ..devices import Disk
from ..flags.blockjob import BlockJobType
from ..flags.blockjob import DomainBlockCopyFlags as Copy
from ..flags.blockjob import DomainBlockRebaseFlags as Rebase
from ..flags.node import TypedParamType
from ..images.bitmaps import collapse_into
from ..images.image import Image
from ..typedparams import Param, validate
from .copy_data import fill, work_ranges
from .copy_nodes import next_index, node_of
from .job import BlockJob
from .mirror import clear, mark_ready
from .registry import BlockJobs, bandwidth_bytes

if TYPE_CHECKING:
    from ..domain import Domain
    from ..hypervisor import QemuDriver

COPY_FLAGS = Copy.SHALLOW | Copy.REUSE_EXT | Copy.TRANSIENT_JOB | Copy.SYNCHRONOUS_WRITES
REBASE_FLAGS = (Rebase.SHALLOW | Rebase.REUSE_EXT | Rebase.COPY | Rebase.COPY_RAW | Rebase.RELATIVE
                | Rebase.COPY_DEV | Rebase.BANDWIDTH_BYTES)
COPY_PARAMS = {"bandwidth": TypedParamType.ULLONG, "granularity": TypedParamType.UINT,
               "buf-size": TypedParamType.ULLONG}
MIN_GRANULARITY, MAX_GRANULARITY = 512, 64 << 20  # QEMU's blockdev-mirror bounds


@dataclass(frozen=True)
class CopyRequest:
    """One copy as the API asked for it: the destination <disk>, flags, and the typed parameters."""

    path: str
    format: str | None = None
    type: str = "file"
    flags: Copy = Copy(0)
    bandwidth: int = 0  # bytes per second, 0: unlimited
    granularity: int = 0
    buf_size: int = 0


def check_copy_call(flags: int, params: list[Param]) -> None:
    """qemuDomainBlockCopy's checks before it looks the domain up: the flags, the parameters' names and types."""
    check_flags("qemuDomainBlockCopy", flags, COPY_FLAGS)
    validate(params, COPY_PARAMS)


def copy_params(params: list[Param]) -> tuple[int, int, int]:
    """qemuDomainBlockCopy's checks of the parameters' values, once the domain is found:
    (bandwidth, granularity, buf_size)."""
    values = {name: int(value) for name, _kind, value in params}  # type: ignore[call-overload]
    bandwidth, granularity = values.get("bandwidth", 0), values.get("granularity", 0)
    if bandwidth > err.LLONG_MAX:
        raise err.bandwidth_bytes_too_large()
    if granularity & (granularity - 1):
        raise err.granularity_not_power_of_two()
    return bandwidth, granularity, values.get("buf-size", 0)


def rebase_request(path: str | None, bandwidth: int, flags: int) -> CopyRequest:
    """qemuDomainBlockRebase with COPY: ``base`` names the destination file (or block device)."""
    check_flags("qemuDomainBlockRebase", flags, REBASE_FLAGS)
    if flags & Rebase.RELATIVE:
        raise err.relative_backing_unsupported()
    speed = bandwidth_bytes(bandwidth, bool(flags & Rebase.BANDWIDTH_BYTES))
    return CopyRequest(path=path or "", format="raw" if flags & Rebase.COPY_RAW else None,
                       type="block" if flags & Rebase.COPY_DEV else "file",
                       flags=Copy(flags & (Rebase.SHALLOW | Rebase.REUSE_EXT)), bandwidth=speed)


def start_copy(jobs: BlockJobs, driver: QemuDriver, dom: Domain, name: str, req: CopyRequest) -> BlockJob:
    """qemuDomainBlockCopyCommon: the checks in libvirt's order, the destination, the job."""
    if not posixpath.isabs(req.path):
        raise err.relative_target()
    if req.bandwidth > err.LLONG_MAX:
        raise err.bandwidth_bytes_too_large()
    disk = jobs.disk(dom, name)
    jobs.check_free(driver, dom, disk.target_dev)
    if not req.flags & Copy.TRANSIENT_JOB and dom.config is not None:
        raise err.not_transient()
    store = driver.hypervisor.images
    assert disk.image_path is not None and dom.live is not None
    chain = store.chain(disk.image_path)
    shallow = bool(req.flags & Copy.SHALLOW) and len(chain) > 1
    reuse = bool(req.flags & Copy.REUSE_EXT)
    if shallow and not reuse and req.format == "raw":
        raise err.shallow_into_raw(disk.target_dev)
    path = store.normpath(req.path)
    exists = store.exists(path)
    if exists and not reuse and _file_size(store.open(path)):
        raise err.destination_exists(disk.target_dev, req.path)
    if not exists and reuse:
        raise err.destination_missing(disk.target_dev, req.path)
    fmt = req.format or (store.open(path).format if reuse else disk.driver_type or chain[0].format)
    index = next_index(dom.live)  # QEMU is asked from here on: a refusal still used the node name
    if req.granularity and not MIN_GRANULARITY <= req.granularity <= MAX_GRANULARITY:
        raise err.granularity_out_of_range()
    if not reuse:
        backing = chain[1] if shallow else None
        dst = store.create(path, fmt, chain[0].virtual_size, backing.path if backing else None,
                           backing.format if backing else None, force=True)
    else:
        dst = store.open(path)
    if reuse:  # libvirt detects the chain of a file it did not make (new nodes for its backing)
        below: list[tuple[str, str, int | None]] = [(i.path, i.format, next_index(dom.live))
                                                    for i in store.chain(path)[1:]]
        mirror_chain: BackingStore | None = chain_of(below)
    else:
        mirror_chain = None if shallow else BackingStore()
    disk.mirror = Mirror("copy", path, fmt, index, type=req.type, backing=mirror_chain)
    actions = CopyActions(driver, dom, disk, dst, shallow=shallow, fresh=not reuse)
    job = BlockJob(driver.uri, dom, dom.live, disk.target_dev, BlockJobType.COPY, node_of(disk),
                   chain[0].virtual_size, work_ranges(chain, shallow), actions, bandwidth=req.bandwidth,
                   mirror=True)
    return jobs.start(job)


class CopyActions:
    """The JobActions of a block copy: ready, pivot, finish/abort."""

    def __init__(self, driver: QemuDriver, dom: Domain, disk: Disk, dst: Image, *, shallow: bool,
                 fresh: bool) -> None:
        self.driver, self.dom, self.disk, self.dst = driver, dom, disk, dst
        self.shallow, self.fresh = shallow, fresh

    @property
    def mirror(self) -> Mirror:
        assert self.disk.mirror is not None
        return self.disk.mirror

    def _write_copy(self, limit: int, *, pivot: bool) -> None:
        """QEMU holds the destination open: one deleted or replaced under the job is still what it
        writes, and what a pivot opens (it comes back at its path); an abort then leaves it gone."""
        store = self.driver.hypervisor.images
        assert self.disk.image_path is not None
        if not store.exists(self.dst.path) or store.open(self.dst.path) is not self.dst:
            if not pivot:
                return
            store.add(self.dst, force=True)
        fill(store, store.chain(self.disk.image_path), self.dst, limit, shallow=self.shallow, fresh=self.fresh)

    def reached_end(self, job: BlockJob) -> None:
        mark_ready(self.disk)

    def pivot(self, job: BlockJob) -> None:
        """The disk's new chain: the copy on top (its node index), the old backing under a shallow copy.

        The copy gets the dirty bitmaps as qemuBlockBitmapsHandleBlockcopy makes them: the top's
        (shallow) or each name merged down the whole chain (full); a finish leaves it none."""
        self._write_copy(job.end, pivot=True)
        store = self.driver.hypervisor.images
        assert self.disk.image_path is not None
        chain = store.chain(self.disk.image_path)
        collapse_into(chain[:1] if self.shallow else chain, self.dst)
        m, disk = self.mirror, self.disk
        clear(disk)
        _switch_source(disk, m, live=True)
        persistent = self.dom.config.find_disk(disk.target_dev) if self.dom.config else None
        if persistent is not None:
            _switch_source(persistent, m, live=False)
        self.driver.domains.sync_disk_users(self.dom)

    def cancel(self, job: BlockJob) -> None:
        """An abort: the copy keeps what was copied (all of it once ready: virsh's --finish)."""
        self._write_copy(job.end if job.ready else job.cur, pivot=False)
        clear(self.disk)

    def event_path(self, job: BlockJob, completed: bool) -> str:
        return self.disk.path or ""


def _switch_source(disk: Disk, m: Mirror, *, live: bool) -> None:
    """The disk on the copy: live, with the mirror's chain (a new shallow copy keeps the old backing);
    persistent, with the end marker when that chain has no backing image, else none."""
    disk.type, disk.source, disk.driver_type, disk.volume_path = m.type, m.path, m.format, None
    disk.source_attrs = {k: v for k, v in disk.source_attrs.items() if k != "index"}
    if live:
        disk.source_attrs["index"] = str(m.index)
        if m.backing is not None:
            disk.backing = m.backing
    else:
        disk.backing = BackingStore() if m.backing is not None and m.backing.is_end else None


def _file_size(img: Image) -> int:
    """stat(2)'s size: a qcow2 file always has its header; a raw file is its virtual size."""
    return img.virtual_size if img.format == "raw" else 1
