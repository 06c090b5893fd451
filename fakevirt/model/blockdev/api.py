"""virDomainBlockResize, GetBlockInfo, BlockStats(Flags), BlockPeek, Set/GetBlockIoTune,
SetBlockThreshold and GetDiskErrors of the QEMU driver, and what guest I/O does to them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...errors import blockdev as errors
from ...errors import check_flags
from ...errors import domain as domain_errors
from ...errors import storage as storage_errors
from ..devices import Disk
from ..events import DomainEvent, EventID
from ..flags.blockdev import DomainBlockResizeFlags, DomainDiskErrorCode
from ..flags.domain import DomainModificationImpact
from ..flags.node import TypedParameterFlags, TypedParamType
from ..images.image import max_size, round_up
from ..snapshots.align import disk_by_name
from ..typedparams import Param, validate
from . import iotune
from .state import DiskCounters, Threshold, service_ns, state_of

if TYPE_CHECKING:
    from ..domain import Domain
    from ..domaindef import DomainDef
    from ..hypervisor import QemuDriver
    from ..images import ImageStore

AFFECT_LIVE, AFFECT_CONFIG = DomainModificationImpact.AFFECT_LIVE, DomainModificationImpact.AFFECT_CONFIG
STRING_OKAY = TypedParameterFlags.STRING_OKAY
ULLONG_MAX = (1 << 64) - 1
SECTOR = 512
# virDomainBlockStatsFlags' fields in qemuDomainBlockStatsFlags' order, from the counters
STATS_FIELDS = (("wr_bytes", "wr_bytes"), ("wr_operations", "wr_req"), ("rd_bytes", "rd_bytes"),
                ("rd_operations", "rd_req"), ("flush_operations", "fl_req"), ("wr_total_times", "wr_ns"),
                ("rd_total_times", "rd_ns"), ("flush_total_times", "fl_ns"))
_INDEXED = re.compile(r"(.+)\[(\d+)\]")


class BlockDevices:
    """The block-device calls of one driver instance."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver

    @property
    def _images(self) -> ImageStore:
        return self.driver.hypervisor.images

    def _require_active(self, dom: Domain) -> DomainDef:
        self.driver.domains.require_active(dom)
        assert dom.live is not None
        return dom.live

    # ---- sizes -----------------------------------------------------------------------------------

    def resize(self, dom: Domain, disk_name: str, size: int, flags: int) -> None:
        """qemuDomainBlockResize: KiB unless BYTES; qcow2 sizes round up to whole sectors; shrinking is allowed."""
        check_flags("qemuDomainBlockResize", flags, DomainBlockResizeFlags.BLOCK_RESIZE_BYTES)
        if not flags & DomainBlockResizeFlags.BLOCK_RESIZE_BYTES:
            if size > ULLONG_MAX // 1024:
                raise errors.resize_overflow(ULLONG_MAX // 1024)
            size *= 1024
        live = self._require_active(dom)
        disk = disk_by_name(live, disk_name)
        if disk is None:
            raise errors.disk_not_in_config(disk_name)
        if disk.readonly or disk.local_file is None:
            raise errors.resize_empty_or_readonly(disk_name)
        images = self._images
        img = images.open(images.normpath(disk.local_file))
        if img.format == "qcow2":
            size = round_up(size, SECTOR)
        if size > max_size(img.format, img.cluster_size):
            raise errors.resize_too_large()
        old = img.virtual_size
        if size < old:
            img.drop_beyond(size)
            img.virtual_size = size
        elif size > old:
            img.virtual_size = size
            chain = images.chain(img.path)
            if len(chain) > 1 and chain[1].virtual_size > old:  # QEMU hides what the backing file has there
                images.write_zeroes(img.path, old, size - old, force=True)

    def info(self, dom: Domain, path: str, flags: int) -> tuple[int, int, int]:
        """qemuDomainGetBlockInfo: (capacity, allocation, physical) of a disk by target or source."""
        check_flags("qemuDomainGetBlockInfo", flags, 0)
        disk = disk_by_name(dom.definition, path)
        if disk is None:
            raise domain_errors.path_not_assigned(path)
        if not disk.source:
            raise errors.no_source(disk.target_dev)
        images = self._images
        source = images.normpath(self.disk_file(disk))
        if not images.exists(source):
            raise domain_errors.block_file_missing(source)
        img = images.open(source)
        if img.format != "raw":
            return img.virtual_size, img.allocation, img.allocation  # physical: the file's length
        # a running QEMU sees a raw file in whole sectors; the file itself keeps its length
        capacity = round_up(img.virtual_size, SECTOR) if dom.active else img.virtual_size
        return capacity, img.allocation, img.virtual_size

    @staticmethod
    def disk_file(disk: Disk) -> str:
        """virStorageSourceInit's view of a disk with a source: its file (a volume's once running)."""
        if disk.type == "volume" and disk.volume_path is None:
            raise storage_errors.missing_file_backend("volume")
        return disk.local_file or disk.source or ""

    # ---- statistics --------------------------------------------------------------------------------

    def _counters(self, dom: Domain, path: str) -> DiskCounters:
        """qemuDomainBlocksStatsGather: one disk's counters, or the sum over all for ''."""
        live = self._require_active(dom)
        self.driver.stats.accrue(dom)  # the background traffic up to now
        state = state_of(dom)
        if not path:
            total = DiskCounters()
            for each in live.disks:
                total.add(state.disk(each.target_dev))
            return total
        disk = disk_by_name(live, path)
        if disk is None:
            raise errors.invalid_stats_path(path)
        return state.disk(disk.target_dev)

    def stats(self, dom: Domain, path: str) -> tuple[int, int, int, int, int]:
        """virDomainBlockStats: (rd_req, rd_bytes, wr_req, wr_bytes, errs); QEMU counts no errors (-1)."""
        c = self._counters(dom, path)
        return c.rd_req, c.rd_bytes, c.wr_req, c.wr_bytes, -1

    def stats_flags(self, dom: Domain, path: str, nparams: int, flags: int) -> tuple[list[Param], int]:
        """virDomainBlockStatsFlags: nparams 0 asks only for the count."""
        check_flags("qemuDomainBlockStatsFlags", flags, STRING_OKAY)
        c = self._counters(dom, path)
        if nparams == 0:
            return [], len(STATS_FIELDS)
        out: list[Param] = [(name, TypedParamType.LLONG, getattr(c, attr)) for name, attr in STATS_FIELDS[:nparams]]
        return out, len(out)

    # ---- guest I/O -----------------------------------------------------------------------------

    def guest_read(self, dom: Domain, target: str, length: int) -> None:
        """Account one guest read request of ``length`` bytes on disk ``target``."""
        c = state_of(dom).disk(target)
        c.rd_req, c.rd_bytes, c.rd_ns = c.rd_req + 1, c.rd_bytes + length, c.rd_ns + service_ns(length)

    def guest_wrote(self, dom: Domain, target: str, path: str, offset: int, length: int, old_end: int) -> None:
        """Account one guest write, and fire the disk's write threshold when it was crossed.

        ``old_end`` is the file's length before the write: a qcow2 write crosses the threshold
        when it makes the file grow past it, a raw write when it reaches past it.
        """
        state = state_of(dom)
        c = state.disk(target)
        c.wr_req, c.wr_bytes, c.wr_ns = c.wr_req + 1, c.wr_bytes + length, c.wr_ns + service_ns(length)
        th = state.thresholds.get(target)
        if th is None:
            return
        img = self._images.open(path)
        end = offset + length if img.format == "raw" else (img.allocation if img.allocation > old_end else 0)
        if end > th.value:
            del state.thresholds[target]
            self._threshold_event(dom, target, path, th, end - th.value)

    def file_end(self, path: str) -> int:
        img = self._images.open(path)
        return img.virtual_size if img.format == "raw" else img.allocation

    def _threshold_event(self, dom: Domain, target: str, path: str, th: Threshold, excess: int) -> None:
        """qemuProcessHandleBlockThreshold: 'vda' unless it was set as 'vda[N]', and 'vda[N]'."""
        disk = dom.definition.find_disk(target)
        index = disk.source_attrs.get("index") if disk is not None else None
        names = ([] if th.with_index else [target]) + ([f"{target}[{index}]"] if index else [])
        hv = self.driver.hypervisor
        for name in names:
            hv.bus.publish(DomainEvent(self.driver.uri, EventID.BLOCK_THRESHOLD, dom.ref(),
                                       {"dev": name, "path": path, "threshold": th.value, "excess": excess}))

    # ---- peek ------------------------------------------------------------------------------------

    def peek(self, dom: Domain, path: str, offset: int, size: int, flags: int) -> bytes:
        """qemuDomainBlockPeek: the bytes of a raw disk's file (the domain may be inactive)."""
        check_flags("qemuDomainBlockPeek", flags, 0)
        disk = disk_by_name(dom.definition, path)
        if disk is None:
            raise errors.disk_not_found(path)
        fmt = (disk.driver_type or "raw") if disk.source else "none"
        if fmt != "raw":
            raise errors.peek_needs_raw(fmt)
        images = self._images
        source = images.normpath(self.disk_file(disk))
        if not images.exists(source):
            raise domain_errors.block_file_missing(source)
        if size == 0:
            raise errors.peek_empty_read(source)
        img = images.open(source)
        available = max(0, min(size, img.virtual_size - offset))
        if available < size:
            raise errors.peek_past_end(path, offset, available)
        return images.read(source, offset, size)

    # ---- I/O throttling ---------------------------------------------------------------------------

    def set_iotune(self, dom: Domain, disk_name: str, params: list[Param], flags: int) -> None:
        """qemuDomainSetBlockIoTune on the live and/or persistent definition."""
        check_flags("qemuDomainSetBlockIoTune", flags, AFFECT_LIVE | AFFECT_CONFIG)
        allowed = dict.fromkeys(iotune.NUMBERS, TypedParamType.ULLONG) | {"group_name": TypedParamType.STRING}
        validate(params, allowed)
        numbers, group, group_given = iotune.given_values([(name, value) for name, _kind, value in params])
        for d in self.driver.domains.defs_for(dom, flags):
            live = d is dom.live
            disk = disk_by_name(d, disk_name)
            if disk is None:
                raise errors.disk_not_found(disk_name) if live else errors.missing_persistent_disk(disk_name)
            if live and not disk.source:
                raise errors.iotune_empty_drive()
            source = _group_member(d, group, disk) if group_given and group else None
            new = iotune.merged(disk.iotune or iotune.IoTune(), numbers, group, group_given, source)
            if live:
                iotune.check_live(new)
            for member in _group_of(d, disk, new.group_name):
                member.iotune = new.copy() if new.any_limit else None

    def get_iotune(self, dom: Domain, disk_name: str | None, nparams: int, flags: int) -> tuple[list[Param], int]:
        """qemuDomainGetBlockIoTune: nparams 0 asks only for the count."""
        check_flags("qemuDomainGetBlockIoTune", flags, AFFECT_LIVE | AFFECT_CONFIG | STRING_OKAY)
        d = self.driver.domains.config_or_live(dom, flags & (AFFECT_LIVE | AFFECT_CONFIG))
        if nparams == 0:  # asked before any disk is looked at: virsh asks with no disk
            return [], len(iotune.FIELDS)
        name = disk_name or "(null)"
        disk = disk_by_name(d, name)
        live = d is dom.live
        if disk is None:
            raise errors.disk_not_found(name) if live else errors.disk_not_in_config(name)
        if live and not disk.source:
            raise errors.iotune_empty_drive()
        out: list[Param] = [(n, TypedParamType.STRING if isinstance(v, str) else TypedParamType.ULLONG, v)
                            for n, v in iotune.as_params(disk.iotune)[:nparams]]
        return out, len(out)

    # ---- write threshold and I/O errors ------------------------------------------------------------

    def set_threshold(self, dom: Domain, dev: str, threshold: int, flags: int) -> None:
        """qemuDomainSetBlockThreshold: 'vda' or 'vda[N]' for the node index N of its image."""
        check_flags("qemuDomainSetBlockThreshold", flags, 0)
        live = self._require_active(dom)
        target, index = _parse_devstr(dev)
        disk = live.find_disk(target)
        if disk is None:
            raise errors.threshold_no_disk(target)
        key = target  # the top image's; a backing image's is keyed "vda[N]" (domstats --backing shows it)
        if index is not None and str(index) != disk.source_attrs.get("index"):
            if disk.backing is None or not any(node.index == index for node in disk.backing.nodes()):
                raise errors.threshold_no_disk(dev)
            key = f"{target}[{index}]"
        if not disk.source:
            raise errors.threshold_no_node()
        thresholds = state_of(dom).thresholds
        if threshold:
            thresholds[key] = Threshold(threshold, index is not None)
        else:
            thresholds.pop(key, None)

    def threshold_of(self, dom: Domain, target: str) -> int | None:
        th = state_of(dom).thresholds.get(target)
        return th.value if th is not None else None

    def disk_errors(self, dom: Domain, maxerrors: int, flags: int) -> tuple[list[tuple[str, int]], int]:
        """qemuDomainGetDiskErrors: maxerrors 0 asks for the number of disks."""
        check_flags("qemuDomainGetDiskErrors", flags, 0)
        live = self._require_active(dom)
        if maxerrors == 0:
            return [], len(live.disks)
        errs = state_of(dom).errors
        found = [(disk.target_dev, int(errs[disk.target_dev])) for disk in live.disks
                 if errs.get(disk.target_dev, DomainDiskErrorCode.DISK_ERROR_NONE) != DomainDiskErrorCode.DISK_ERROR_NONE]
        return found[:maxerrors], len(found[:maxerrors])


def _group_member(d: DomainDef, group: str, disk: Disk) -> iotune.IoTune | None:
    """The limits of another disk of ``d`` already in throttle group ``group``."""
    return next((k.iotune for k in d.disks if k is not disk and k.iotune is not None and k.iotune.group_name == group), None)


def _parse_devstr(dev: str) -> tuple[str, int | None]:
    """virStorageFileParseBackingStoreStr: "vda" or "vda[N]" (N > 0: a node index)."""
    if "[" not in dev:
        return dev, None
    m = _INDEXED.fullmatch(dev)
    if m is None:
        raise errors.threshold_bad_devstr(dev)
    return m.group(1), int(m.group(2)) or None


def _group_of(d: DomainDef, disk: Disk, group: str | None) -> list[Disk]:
    """The disk and every other disk of ``d`` sharing its throttle group (QEMU applies a group's limits to all)."""
    return [disk] + [k for k in d.disks if group and k is not disk and k.iotune is not None and k.iotune.group_name == group]
