"""virDomainBlockPull and virDomainBlockRebase without COPY: copy the backing data into the disk's top.

At the end the top image holds what the layers down to ``base`` (excluded) showed, backs onto
base (or nothing), and those layers leave the chain.  What the guest wrote to the top meanwhile
stays: QEMU's stream job copies only what the top does not have.  The copied data does not show
in the top's dirty bitmaps (QEMU's copy-on-read writes leave them alone); libvirt merges the
bitmaps of the layers that leave into the top's of the same name.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ...errors import blockjob as err
from ...errors import check_flags
from ..flags.blockjob import BlockJobType
from ..flags.blockjob import DomainBlockPullFlags as Pull
from ..flags.blockjob import DomainBlockRebaseFlags as Rebase
from ..images.bitmaps import collapse_into
from ..images.chain import data_ranges
from .chainview import Layer, find_base, layers, link, link_config
from .job import BlockJob
from .registry import BlockJobs, bandwidth_bytes

if TYPE_CHECKING:
    from ..devices import Disk
    from ..domain import Domain
    from ..hypervisor import QemuDriver

REBASE_FLAGS = (Rebase.SHALLOW | Rebase.REUSE_EXT | Rebase.COPY | Rebase.COPY_RAW | Rebase.RELATIVE
                | Rebase.COPY_DEV | Rebase.BANDWIDTH_BYTES)
COPY_ONLY = Rebase.SHALLOW | Rebase.REUSE_EXT | Rebase.COPY_RAW | Rebase.COPY_DEV


def start_pull(jobs: BlockJobs, driver: QemuDriver, dom: Domain, name: str, bandwidth: int, flags: int) -> BlockJob:
    """qemuDomainBlockPull."""
    check_flags("qemuDomainBlockPull", flags, Pull.BANDWIDTH_BYTES)
    speed = bandwidth_bytes(bandwidth, bool(flags & Pull.BANDWIDTH_BYTES))
    return _pull(jobs, driver, dom, name, None, speed, relative=False)


def start_rebase(jobs: BlockJobs, driver: QemuDriver, dom: Domain, name: str, base: str | None, bandwidth: int,
                 flags: int) -> BlockJob:
    """virDomainBlockRebase's own check, then qemuDomainBlockRebase's for a rebase that is a pull."""
    if flags & COPY_ONLY:
        raise err.flags_need_copy()
    check_flags("qemuDomainBlockRebase", flags, REBASE_FLAGS)
    speed = bandwidth_bytes(bandwidth, bool(flags & Rebase.BANDWIDTH_BYTES))
    return _pull(jobs, driver, dom, name, base, speed, relative=bool(flags & Rebase.RELATIVE))


def _pull(jobs: BlockJobs, driver: QemuDriver, dom: Domain, name: str, base: str | None, speed: int, *,
          relative: bool) -> BlockJob:
    """qemuDomainBlockPullCommon."""
    disk = jobs.disk(dom, name)
    dst = disk.target_dev
    jobs.check_free(driver, dom, dst)
    chain = layers(disk)
    b = find_base(chain, base, 0, dst) if base else None
    if relative and b is None:
        raise err.invalid("flag VIR_DOMAIN_BLOCK_REBASE_RELATIVE is valid only with non-null base")
    store = driver.hypervisor.images
    images = store.chain(chain[0].path) if disk.source and store.exists(chain[0].path) else []
    below = images[1:b] if b is not None else images[1:]
    size = images[0].virtual_size if images else 0
    assert dom.live is not None
    actions = PullActions(driver, dom, disk, chain, b, relative)
    job = BlockJob(driver.uri, dom, dom.live, dst, BlockJobType.PULL, chain[0].node_name, size,
                   data_ranges(below, size), actions, bandwidth=speed)
    return jobs.start(job)


class PullActions:
    """The JobActions of a pull: at its end the top owns the data and backs onto base."""

    def __init__(self, driver: QemuDriver, dom: Domain, disk: Disk, chain: list[Layer], base: int | None,
                 relative: bool) -> None:
        self.driver, self.dom, self.disk = driver, dom, disk
        self.chain, self.base, self.relative = chain, base, relative

    def reached_end(self, job: BlockJob) -> None:
        store = self.driver.hypervisor.images
        top = self.chain[0].path
        if len(self.chain) > 1 and store.exists(top):
            base = self.chain[self.base] if self.base is not None else None
            backing = base.path if base is not None else None
            if base is not None and self.relative:
                backing = posixpath.relpath(base.path, posixpath.dirname(top))
            img = store.open(top)
            runs = {name: list(bm.runs) for name, bm in img.bitmaps.items()}
            store.rebase(top, backing, base.format if base is not None else None, safe=True, force=True)
            for name, bm in img.bitmaps.items():
                bm.runs = runs.get(name, bm.runs)
        removed = [layer.path for layer in self.chain[1:self.base]]
        if store.exists(top):
            collapse_into([store.open(p) for p in removed if store.exists(p)], store.open(top))
        link(self.disk, self.chain, 0, self.base)
        config = self.dom.config.find_disk(self.disk.target_dev) if self.dom.config is not None else None
        link_config(config, removed, self.chain[self.base].path if self.base is not None else None)
        self.driver.domains.sync_disk_users(self.dom)

    def pivot(self, job: BlockJob) -> None:
        raise AssertionError("a pull has no mirror to pivot to")

    def cancel(self, job: BlockJob) -> None:
        """QEMU keeps what it copied; the guest sees the same data either way."""

    def event_path(self, job: BlockJob, completed: bool) -> str:
        return self.disk.path or ""
