"""The test driver's storage (testStoragePool*, testStorageVol*): pools need no directory and
report 100 GiB, the volumes' allocations summed; a volume is its definition (capacity, allocation,
format), its path the pool's target and its name, its key that path.  The volume's image is kept
in the node's image store so the other volume calls find it; its bytes mean nothing here.
"""

from __future__ import annotations

import posixpath

from ...errors import check_flags
from ...errors import storage as storage_err
from ...errors import testdriver as err
from ..flags.storage import StorageVolType
from ..images.image import RAW_CHUNK, Image
from ..storage import StorageState
from ..storage_defs import Pool, VolDef, Volume

POOL_CAPACITY = 100 * 1024 ** 3  # defaultPoolCap


class TestStorage(StorageState):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.defs: dict[str, VolDef] = {}  # volume path -> its definition, allocation filled in

    def dir_exists(self, path: str) -> bool:
        return True

    def refresh(self, pool: Pool, flags: int = 0, *, emit: bool = True) -> None:
        """testStoragePoolRefresh: nothing to rescan."""
        check_flags("testStoragePoolRefresh", flags, 0)
        if not pool.active:
            raise storage_err.pool_not_active(pool.name)
        self.update_stats(pool)
        if emit:
            self.emit_refresh(pool)

    def update_stats(self, pool: Pool) -> None:
        used = sum(self.allocation(v) for v in pool.volumes.values())
        pool.stats = (POOL_CAPACITY, used, POOL_CAPACITY - used)

    def allocation(self, vol: Volume) -> int:
        d = self.defs.get(vol.path)
        return (d.allocation or 0) if d is not None else 0

    def capacity(self, vol: Volume) -> int:
        d = self.defs.get(vol.path)
        return (d.capacity or 0) if d is not None else 0

    def format_of(self, vol: Volume) -> str:
        d = self.defs.get(vol.path)
        return (d.format if d is not None else None) or "raw"

    def vol_info(self, vol: Volume, flags: int = 0) -> tuple[int, int, int]:
        return StorageVolType.FILE, self.capacity(vol), self.allocation(vol)

    def vol_create(self, pool: Pool, vd: VolDef, flags: int = 0) -> Volume:
        """testStorageVolCreateXML."""
        check_flags("testStorageVolCreateXML", flags, 0)
        if not pool.active:
            raise storage_err.pool_not_active(pool.name)
        if vd.name in pool.volumes:
            raise err.vol_exists()
        if vd.allocation is None:
            vd.allocation = vd.capacity or 0
        self.update_stats(pool)
        if pool.stats[2] < vd.allocation or pool.stats[2] < (vd.capacity or 0):
            raise err.no_space(vd.name)
        path = posixpath.join(pool.path, vd.name)
        self.images.add(Image(path, vd.format or "raw", vd.capacity or 0, RAW_CHUNK), force=True)
        self.defs[path] = vd
        vol = Volume(vd.name, path, pool)
        pool.volumes = dict(sorted({**pool.volumes, vd.name: vol}.items()))
        self.update_stats(pool)
        return vol

    def vol_create_from(self, pool: Pool, vd: VolDef, src_pool_name: str, src_name: str, flags: int = 0) -> Volume:
        """testStorageVolCreateXMLFrom: the new definition, the source's bytes not copied."""
        check_flags("testStorageVolCreateXMLFrom", flags, 0)
        self.vol_by_name(self.by_name(src_pool_name), src_name)
        return self.vol_create(pool, vd)

    def vol_delete(self, vol: Volume, flags: int = 0) -> None:
        check_flags("testStorageVolDelete", flags, 0)
        self.defs.pop(vol.path, None)
        if self.images.exists(vol.path):
            self.images.delete(vol.path)
        vol.pool.volumes.pop(vol.name, None)
        self.update_stats(vol.pool)

    def vol_by_name(self, pool: Pool, name: str) -> Volume:
        if not pool.active:
            raise storage_err.pool_not_active(pool.name)
        vol = pool.volumes.get(name)
        if vol is None:
            raise err.no_vol("name", name)
        return vol

    def vol_by_key(self, key: str) -> Volume:
        return self._find(lambda v: v.key == key, "key", key)

    def vol_by_path(self, path: str) -> Volume:
        return self._find(lambda v: v.path == path, "path", path)

    def _find(self, match: object, what: str, value: str) -> Volume:
        assert callable(match)
        for pool in self.pools.values():
            if pool.active:
                for vol in pool.volumes.values():
                    if match(vol):
                        return vol
        raise err.no_vol(what, value)
