"""virDomainBlockCommit: merge the images from ``top`` down to just above ``base`` into ``base``.

A commit below the active layer is a plain job: at its end base holds the data, the image above
top backs onto base, and the committed images leave the chain.  An active commit (top is the
disk's source) is a mirror job: when everything is copied it is READY and waits, QEMU mirroring
every guest write into base; a pivot makes base the disk's source, an abort leaves the chain as it
was with base equal to what the top showed at the abort.  fakevirt merges once, at the pivot or
the abort of a ready job: base then holds what QEMU's mirror would have put there.

Dirty bitmaps follow the data as libvirt 9.0 makes them (qemuBlockBitmapsHandleCommitFinish): the
commit's writes land in base's recording bitmaps, then each bitmap of the committed layers is
merged into base's bitmap of that name (made when missing) when the job completes or pivots.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ...errors import blockjob as err
from ...errors import check_flags
from ..disk_source import take_node
from ..flags.blockjob import BlockJobType
from ..flags.blockjob import DomainBlockCommitFlags as Commit
from ..images.bitmaps import collapse_into
from ..images.chain import data_ranges
from .chainview import Layer, find_base, find_top, layers, link, link_config
from .copy_nodes import next_index
from .job import BlockJob
from .mirror import clear, mark_ready, show_active_commit
from .registry import BlockJobs, bandwidth_bytes

if TYPE_CHECKING:
    from ..devices import Disk
    from ..domain import Domain
    from ..hypervisor import QemuDriver

COMMIT_FLAGS = Commit.SHALLOW | Commit.DELETE | Commit.ACTIVE | Commit.RELATIVE | Commit.BANDWIDTH_BYTES


def start_commit(jobs: BlockJobs, driver: QemuDriver, dom: Domain, name: str, base: str | None, top: str | None,
                 bandwidth: int, flags: int) -> BlockJob:
    """qemuDomainBlockCommit: its checks in libvirt's order, then the job."""
    check_flags("qemuDomainBlockCommit", flags, COMMIT_FLAGS)
    speed = bandwidth_bytes(bandwidth, bool(flags & Commit.BANDWIDTH_BYTES))
    disk = jobs.disk(dom, name)
    dst = disk.target_dev
    if not disk.source:
        raise err.invalid(f"disk {dst} has no source file to be committed")
    jobs.check_free(driver, dom, dst)
    chain = layers(disk)
    t = find_top(chain, top, dst)
    if not base and flags & Commit.SHALLOW:
        if len(chain) <= t + 1:
            raise err.invalid(f"top '{chain[t].path}' in chain for '{chain[0].path}' has no backing file")
        b = t + 1
    else:
        b = find_base(chain, base, t, dst)
    if flags & Commit.SHALLOW and b != t + 1:
        raise err.invalid(f"base '{chain[b].path}' is not immediately below '{chain[t].path}' in chain for '{dst}'")
    active = t == 0
    if active and not flags & Commit.ACTIVE:
        raise err.active_needs_flag(dst)
    if not active and flags & Commit.ACTIVE:
        raise err.active_flag_not_active(chain[t].path)
    store = driver.hypervisor.images
    if not store.exists(chain[b].path):  # qemuDomainStorageSourceAccessAllow relabels base read-write
        raise err.cannot_label(chain[b].path)
    images = store.chain(chain[0].path)[:b]
    size = images[0].virtual_size
    assert dom.live is not None
    actions = CommitActions(driver, dom, disk, chain, t, b, flags)
    data = data_ranges(images[t:], size)
    if active:
        copied = sum(stop - start for start, stop in data_ranges(images, size))
        show_active_commit(disk, chain[b].path, chain[b].format, chain[b].index or next_index(dom.live))
        job = BlockJob(driver.uri, dom, dom.live, dst, BlockJobType.ACTIVE_COMMIT, chain[0].node_name, copied,
                       [(0, copied)], actions, bandwidth=speed, mirror=True)
    else:
        job = BlockJob(driver.uri, dom, dom.live, dst, BlockJobType.COMMIT, chain[t].node_name, size, data,
                       actions, bandwidth=speed)
    return jobs.start(job)


class CommitActions:
    """The JobActions of a commit: what its end, pivot and abort do to the images and the chain."""

    def __init__(self, driver: QemuDriver, dom: Domain, disk: Disk, chain: list[Layer], top: int, base: int,
                 flags: int) -> None:
        self.driver, self.dom, self.disk = driver, dom, disk
        self.chain, self.top, self.base, self.flags = chain, top, base, flags

    @property
    def base_layer(self) -> Layer:
        return self.chain[self.base]

    def _merge(self, *, bitmaps: bool) -> None:
        """QEMU's commit: base gets what the images from top down show (they stay as they are);
        with ``bitmaps``, libvirt's merge of the committed layers' bitmaps into base's."""
        store = self.driver.hypervisor.images
        base = store.commit(self.chain[self.top].path, self.base_layer.path, keep_top=True, force=True)
        if bitmaps:
            collapse_into([store.open(layer.path) for layer in self.chain[self.top:self.base]
                           if store.exists(layer.path)], base)

    def _removed(self) -> list[str]:
        return [layer.path for layer in self.chain[self.top:self.base]]

    def _delete_removed(self) -> None:
        if self.flags & Commit.DELETE:
            store = self.driver.hypervisor.images
            for path in self._removed():
                if store.exists(path) and not store.children(path):
                    store.delete(path)

    def reached_end(self, job: BlockJob) -> None:
        if job.mirror:
            mark_ready(self.disk)
            return
        self._merge(bitmaps=True)
        store = self.driver.hypervisor.images
        base = self.base_layer
        above = self.chain[self.top - 1].path
        backing = base.path
        if self.flags & Commit.RELATIVE:
            backing = posixpath.relpath(base.path, posixpath.dirname(above))
        store.rebase(above, backing, base.format, safe=False, force=True)
        removed = self._removed()
        link(self.disk, self.chain, self.top - 1, self.base)
        config = self.dom.config.find_disk(self.disk.target_dev) if self.dom.config is not None else None
        link_config(config, removed, base.path)
        self.driver.domains.sync_disk_users(self.dom)
        self._delete_removed()

    def pivot(self, job: BlockJob) -> None:
        """The disk's source becomes base, with base's node index and its chain below."""
        self._merge(bitmaps=True)
        base, disk = self.base_layer, self.disk
        disk.mirror = None
        top = self.chain[0].path
        assert base.node is not None  # base is below the top
        take_node(disk, base.node, live=True)
        if base.index is not None:
            disk.source_attrs["index"] = str(base.index)
        below = base.node.backing
        disk.backing = below
        config = self.dom.config.find_disk(disk.target_dev) if self.dom.config is not None else None
        if config is not None and config.image_path == top:
            take_node(config, base.node, live=False)
            # a base without backing leaves no <backingStore/> in the persistent definition (libvirtd 9.0)
            keep = below is not None and not below.is_end and config.backing is not None
            config.backing = below.copy(index=False) if keep and below is not None else None
        self.driver.domains.sync_disk_users(self.dom)
        self._delete_removed()

    def cancel(self, job: BlockJob) -> None:
        """An abort; a ready active commit leaves base equal to the top's content (the mirror's writes)."""
        if job.ready:
            self._merge(bitmaps=False)
        clear(self.disk)

    def event_path(self, job: BlockJob, completed: bool) -> str:
        return self.disk.path or ""
