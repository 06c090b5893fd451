"""Storage volumes (virStorageVol*, virStoragePool*Volumes): thin wrappers over model.storage."""

from __future__ import annotations

from protocol import NonnullStorageVol, Proc
from protocol.remote import storage as w
from protocol.remote.limits import STORAGE_VOL_LIST_MAX

from ..errors import storage as err
from ..model.flags.storage import StorageVolDownloadFlags, StorageVolUploadFlags
from ..model.storage import Volume
from ..model.testdriver.storage import TestStorage
from ..xml.storage import format_vol_xml, parse_vol_xml
from ..xml.testdriver import test_vol_xml
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure
from ._streams import DownloadStream, UploadStream
from .outcome import Outcome
from .storage import pools, resolve_pool


def vol_handle(vol: Volume) -> NonnullStorageVol:
    return NonnullStorageVol(pool=vol.pool.name, name=vol.name, key=vol.key)


def resolve_vol(client: Client, h: NonnullStorageVol) -> Volume:
    """virStorageVolDefFromVol: by pool name and volume name."""
    return pools(client).volume(h.pool, h.name)


@procedure(Proc.STORAGE_VOL_LOOKUP_BY_NAME)
def storage_vol_lookup_by_name(client: Client, args: w.StorageVolLookupByNameArgs) -> w.StorageVolLookupByNameRet:
    """virStorageVolLookupByName."""
    vol = pools(client).vol_by_name(resolve_pool(client, args.pool), args.name)
    return w.StorageVolLookupByNameRet(vol=vol_handle(vol))


@procedure(Proc.STORAGE_VOL_LOOKUP_BY_KEY)
def storage_vol_lookup_by_key(client: Client, args: w.StorageVolLookupByKeyArgs) -> w.StorageVolLookupByKeyRet:
    """virStorageVolLookupByKey."""
    return w.StorageVolLookupByKeyRet(vol=vol_handle(pools(client).vol_by_key(args.key)))


@procedure(Proc.STORAGE_VOL_LOOKUP_BY_PATH)
def storage_vol_lookup_by_path(client: Client, args: w.StorageVolLookupByPathArgs) -> w.StorageVolLookupByPathRet:
    """virStorageVolLookupByPath."""
    return w.StorageVolLookupByPathRet(vol=vol_handle(pools(client).vol_by_path(args.path)))


@procedure(Proc.STORAGE_VOL_CREATE_XML)
def storage_vol_create_xml(client: Client, args: w.StorageVolCreateXmlArgs) -> w.StorageVolCreateXmlRet:
    """virStorageVolCreateXML."""
    state, pool = pools(client), resolve_pool(client, args.pool)
    if not pool.active:
        state.vol_list(pool)  # the pool's state is checked before the XML is parsed
    return w.StorageVolCreateXmlRet(vol=vol_handle(state.vol_create(pool, parse_vol_xml(args.xml), args.flags)))


@procedure(Proc.STORAGE_VOL_CREATE_XML_FROM)
def storage_vol_create_xml_from(client: Client, args: w.StorageVolCreateXmlFromArgs) -> w.StorageVolCreateXmlFromRet:
    """virStorageVolCreateXMLFrom (clone)."""
    state, pool = pools(client), resolve_pool(client, args.pool)
    src = args.clonevol
    vol = state.vol_create_from(pool, parse_vol_xml(args.xml, need_capacity=False), src.pool, src.name, args.flags)
    return w.StorageVolCreateXmlFromRet(vol=vol_handle(vol))


@procedure(Proc.STORAGE_VOL_DELETE)
def storage_vol_delete(client: Client, args: w.StorageVolDeleteArgs) -> None:
    """virStorageVolDelete."""
    pools(client).vol_delete(resolve_vol(client, args.vol), args.flags)


@procedure(Proc.STORAGE_VOL_WIPE)
def storage_vol_wipe(client: Client, args: w.StorageVolWipeArgs) -> None:
    """virStorageVolWipe (zeros)."""
    pools(client).vol_wipe(resolve_vol(client, args.vol), 0, args.flags)


@procedure(Proc.STORAGE_VOL_WIPE_PATTERN)
def storage_vol_wipe_pattern(client: Client, args: w.StorageVolWipePatternArgs) -> None:
    """virStorageVolWipePattern."""
    pools(client).vol_wipe(resolve_vol(client, args.vol), args.algorithm, args.flags)


@procedure(Proc.STORAGE_VOL_RESIZE)
def storage_vol_resize(client: Client, args: w.StorageVolResizeArgs) -> None:
    """virStorageVolResize."""
    pools(client).vol_resize(resolve_vol(client, args.vol), args.capacity, args.flags)


@procedure(Proc.STORAGE_VOL_GET_INFO)
def storage_vol_get_info(client: Client, args: w.StorageVolGetInfoArgs) -> w.StorageVolGetInfoRet:
    """virStorageVolGetInfo."""
    vtype, cap, alloc = pools(client).vol_info(resolve_vol(client, args.vol))
    return w.StorageVolGetInfoRet(type=vtype, capacity=cap, allocation=alloc)


@procedure(Proc.STORAGE_VOL_GET_INFO_FLAGS)
def storage_vol_get_info_flags(client: Client, args: w.StorageVolGetInfoFlagsArgs) -> w.StorageVolGetInfoFlagsRet:
    """virStorageVolGetInfoFlags (GET_PHYSICAL: the file size instead of the allocation)."""
    vtype, cap, alloc = pools(client).vol_info(resolve_vol(client, args.vol), args.flags)
    return w.StorageVolGetInfoFlagsRet(type=vtype, capacity=cap, allocation=alloc)


@procedure(Proc.STORAGE_VOL_GET_XML_DESC)
def storage_vol_get_xml_desc(client: Client, args: w.StorageVolGetXmlDescArgs) -> w.StorageVolGetXmlDescRet:
    """virStorageVolGetXMLDesc."""
    err.check_flags("storageVolGetXMLDesc", args.flags, 0)
    vol = resolve_vol(client, args.vol)
    state = pools(client)
    if isinstance(state, TestStorage):
        return w.StorageVolGetXmlDescRet(xml=test_vol_xml(state, vol))
    return w.StorageVolGetXmlDescRet(xml=format_vol_xml(state, vol))


@procedure(Proc.STORAGE_VOL_GET_PATH)
def storage_vol_get_path(client: Client, args: w.StorageVolGetPathArgs) -> w.StorageVolGetPathRet:
    """virStorageVolGetPath."""
    return w.StorageVolGetPathRet(name=resolve_vol(client, args.vol).path)


@procedure(Proc.STORAGE_POOL_NUM_OF_VOLUMES)
def storage_pool_num_of_volumes(client: Client, args: w.StoragePoolNumOfVolumesArgs) -> w.StoragePoolNumOfVolumesRet:
    """virStoragePoolNumOfVolumes."""
    return w.StoragePoolNumOfVolumesRet(num=len(pools(client).vol_list(resolve_pool(client, args.pool))))


@procedure(Proc.STORAGE_POOL_LIST_VOLUMES)
def storage_pool_list_volumes(client: Client, args: w.StoragePoolListVolumesArgs) -> w.StoragePoolListVolumesRet:
    """virStoragePoolListVolumes."""
    names = legacy_list(lambda: [v.name for v in pools(client).vol_list(resolve_pool(client, args.pool))],
                        args.maxnames, STORAGE_VOL_LIST_MAX, "STORAGE_VOL_LIST_MAX")
    return w.StoragePoolListVolumesRet(names=names)


@procedure(Proc.STORAGE_POOL_LIST_ALL_VOLUMES)
def storage_pool_list_all_volumes(client: Client, args: w.StoragePoolListAllVolumesArgs
                                  ) -> w.StoragePoolListAllVolumesRet:
    """virStoragePoolListAllVolumes (no flags are defined)."""
    err.check_flags("storagePoolListAllVolumes", args.flags, 0)
    vols = pools(client).vol_list(resolve_pool(client, args.pool))
    handles = list_all("storage_vol", vols, STORAGE_VOL_LIST_MAX, args.need_results,
                       lambda f: tuple(map(vol_handle, f)))
    return w.StoragePoolListAllVolumesRet(vols=handles, ret=len(vols))


@procedure(Proc.STORAGE_VOL_UPLOAD)
def storage_vol_upload(client: Client, args: w.StorageVolUploadArgs) -> Outcome:
    """virStorageVolUpload: the stream's data lands in the volume from ``offset``."""
    writer = pools(client).upload(resolve_vol(client, args.vol), args.offset, args.length, args.flags)
    return Outcome(stream=UploadStream(write=writer.write, finish=writer.finish, abort=writer.abort,
                                       hole=writer.hole if args.flags & StorageVolUploadFlags.SPARSE_STREAM else None))


@procedure(Proc.STORAGE_VOL_DOWNLOAD)
def storage_vol_download(client: Client, args: w.StorageVolDownloadArgs) -> Outcome:
    """virStorageVolDownload: the volume's bytes (holes as holes on a sparse stream)."""
    chunks = pools(client).download(resolve_vol(client, args.vol), args.offset, args.length, args.flags)
    return Outcome(stream=DownloadStream(chunks=chunks, sparse=bool(args.flags & StorageVolDownloadFlags.SPARSE_STREAM)))
