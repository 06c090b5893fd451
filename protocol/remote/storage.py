"""Storage pool and volume procedures and pool events (transcribed from remote_protocol.x into our notation)."""

from __future__ import annotations

from typing import Annotated

from .._common import (
    REMOTE_STRING_MAX,
    NonnullStoragePool,
    NonnullStorageVol,
    NonnullString,
    OptStoragePool,
    OptString,
    Uuid,
)
from .._xdr import (
    Array,
    Char,
    Int,
    String,
    UChar,
    UHyper,
    UInt,
    struct,
)
from ._procedures import Proc
from .limits import STORAGE_POOL_LIST_MAX, STORAGE_VOL_LIST_MAX


@struct
class ConnectFindStoragePoolSourcesArgs:
    type: NonnullString
    srcSpec: OptString
    flags: UInt


@struct
class ConnectFindStoragePoolSourcesRet:
    xml: NonnullString


@struct
class ConnectGetStoragePoolCapabilitiesArgs:
    flags: UInt


@struct
class ConnectGetStoragePoolCapabilitiesRet:
    capabilities: NonnullString


@struct
class ConnectListAllStoragePoolsArgs:
    need_results: Int
    flags: UInt


@struct
class ConnectListAllStoragePoolsRet:
    pools: Annotated[tuple[NonnullStoragePool, ...], Array(NonnullStoragePool, STORAGE_POOL_LIST_MAX)]
    ret: UInt


@struct
class ConnectListDefinedStoragePoolsArgs:
    maxnames: Int


@struct
class ConnectListDefinedStoragePoolsRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), STORAGE_POOL_LIST_MAX)]


@struct
class ConnectListStoragePoolsArgs:
    maxnames: Int


@struct
class ConnectListStoragePoolsRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), STORAGE_POOL_LIST_MAX)]


@struct
class ConnectNumOfDefinedStoragePoolsRet:
    num: Int


@struct
class ConnectNumOfStoragePoolsRet:
    num: Int


@struct
class ConnectStoragePoolEventDeregisterAnyArgs:
    callbackID: Int


@struct
class ConnectStoragePoolEventRegisterAnyArgs:
    eventID: Int
    pool: OptStoragePool


@struct
class ConnectStoragePoolEventRegisterAnyRet:
    callbackID: Int


@struct
class StoragePoolBuildArgs:
    pool: NonnullStoragePool
    flags: UInt


@struct
class StoragePoolCreateArgs:
    pool: NonnullStoragePool
    flags: UInt


@struct
class StoragePoolCreateXmlArgs:
    xml: NonnullString
    flags: UInt


@struct
class StoragePoolCreateXmlRet:
    pool: NonnullStoragePool


@struct
class StoragePoolDefineXmlArgs:
    xml: NonnullString
    flags: UInt


@struct
class StoragePoolDefineXmlRet:
    pool: NonnullStoragePool


@struct
class StoragePoolDeleteArgs:
    pool: NonnullStoragePool
    flags: UInt


@struct
class StoragePoolDestroyArgs:
    pool: NonnullStoragePool


@struct
class StoragePoolEventLifecycleMsg:
    callbackID: Int
    pool: NonnullStoragePool
    event: Int
    detail: Int


@struct
class StoragePoolEventRefreshMsg:
    callbackID: Int
    pool: NonnullStoragePool


@struct
class StoragePoolGetAutostartArgs:
    pool: NonnullStoragePool


@struct
class StoragePoolGetAutostartRet:
    autostart: Int


@struct
class StoragePoolGetInfoArgs:
    pool: NonnullStoragePool


@struct
class StoragePoolGetInfoRet:
    state: UChar
    capacity: UHyper
    allocation: UHyper
    available: UHyper


@struct
class StoragePoolGetXmlDescArgs:
    pool: NonnullStoragePool
    flags: UInt


@struct
class StoragePoolGetXmlDescRet:
    xml: NonnullString


@struct
class StoragePoolIsActiveArgs:
    pool: NonnullStoragePool


@struct
class StoragePoolIsActiveRet:
    active: Int


@struct
class StoragePoolIsPersistentArgs:
    pool: NonnullStoragePool


@struct
class StoragePoolIsPersistentRet:
    persistent: Int


@struct
class StoragePoolListAllVolumesArgs:
    pool: NonnullStoragePool
    need_results: Int
    flags: UInt


@struct
class StoragePoolListAllVolumesRet:
    vols: Annotated[tuple[NonnullStorageVol, ...], Array(NonnullStorageVol, STORAGE_VOL_LIST_MAX)]
    ret: UInt


@struct
class StoragePoolListVolumesArgs:
    pool: NonnullStoragePool
    maxnames: Int


@struct
class StoragePoolListVolumesRet:
    names: Annotated[tuple[str, ...], Array(String(REMOTE_STRING_MAX), STORAGE_VOL_LIST_MAX)]


@struct
class StoragePoolLookupByNameArgs:
    name: NonnullString


@struct
class StoragePoolLookupByNameRet:
    pool: NonnullStoragePool


@struct
class StoragePoolLookupByTargetPathArgs:
    path: NonnullString


@struct
class StoragePoolLookupByTargetPathRet:
    pool: NonnullStoragePool


@struct
class StoragePoolLookupByUuidArgs:
    uuid: Uuid


@struct
class StoragePoolLookupByUuidRet:
    pool: NonnullStoragePool


@struct
class StoragePoolLookupByVolumeArgs:
    vol: NonnullStorageVol


@struct
class StoragePoolLookupByVolumeRet:
    pool: NonnullStoragePool


@struct
class StoragePoolNumOfVolumesArgs:
    pool: NonnullStoragePool


@struct
class StoragePoolNumOfVolumesRet:
    num: Int


@struct
class StoragePoolRefreshArgs:
    pool: NonnullStoragePool
    flags: UInt


@struct
class StoragePoolSetAutostartArgs:
    pool: NonnullStoragePool
    autostart: Int


@struct
class StoragePoolUndefineArgs:
    pool: NonnullStoragePool


@struct
class StorageVolCreateXmlArgs:
    pool: NonnullStoragePool
    xml: NonnullString
    flags: UInt


@struct
class StorageVolCreateXmlRet:
    vol: NonnullStorageVol


@struct
class StorageVolCreateXmlFromArgs:
    pool: NonnullStoragePool
    xml: NonnullString
    clonevol: NonnullStorageVol
    flags: UInt


@struct
class StorageVolCreateXmlFromRet:
    vol: NonnullStorageVol


@struct
class StorageVolDeleteArgs:
    vol: NonnullStorageVol
    flags: UInt


@struct
class StorageVolDownloadArgs:
    vol: NonnullStorageVol
    offset: UHyper
    length: UHyper
    flags: UInt


@struct
class StorageVolGetInfoArgs:
    vol: NonnullStorageVol


@struct
class StorageVolGetInfoRet:
    type: Char
    capacity: UHyper
    allocation: UHyper


@struct
class StorageVolGetInfoFlagsArgs:
    vol: NonnullStorageVol
    flags: UInt


@struct
class StorageVolGetInfoFlagsRet:
    type: Char
    capacity: UHyper
    allocation: UHyper


@struct
class StorageVolGetPathArgs:
    vol: NonnullStorageVol


@struct
class StorageVolGetPathRet:
    name: NonnullString


@struct
class StorageVolGetXmlDescArgs:
    vol: NonnullStorageVol
    flags: UInt


@struct
class StorageVolGetXmlDescRet:
    xml: NonnullString


@struct
class StorageVolLookupByKeyArgs:
    key: NonnullString


@struct
class StorageVolLookupByKeyRet:
    vol: NonnullStorageVol


@struct
class StorageVolLookupByNameArgs:
    pool: NonnullStoragePool
    name: NonnullString


@struct
class StorageVolLookupByNameRet:
    vol: NonnullStorageVol


@struct
class StorageVolLookupByPathArgs:
    path: NonnullString


@struct
class StorageVolLookupByPathRet:
    vol: NonnullStorageVol


@struct
class StorageVolResizeArgs:
    vol: NonnullStorageVol
    capacity: UHyper
    flags: UInt


@struct
class StorageVolUploadArgs:
    vol: NonnullStorageVol
    offset: UHyper
    length: UHyper
    flags: UInt


@struct
class StorageVolWipeArgs:
    vol: NonnullStorageVol
    flags: UInt


@struct
class StorageVolWipePatternArgs:
    vol: NonnullStorageVol
    algorithm: UInt
    flags: UInt


DECLARATIONS = [
    (Proc.CONNECT_FIND_STORAGE_POOL_SOURCES, ConnectFindStoragePoolSourcesArgs, ConnectFindStoragePoolSourcesRet),
    (Proc.CONNECT_GET_STORAGE_POOL_CAPABILITIES, ConnectGetStoragePoolCapabilitiesArgs, ConnectGetStoragePoolCapabilitiesRet),
    (Proc.CONNECT_LIST_ALL_STORAGE_POOLS, ConnectListAllStoragePoolsArgs, ConnectListAllStoragePoolsRet),
    (Proc.CONNECT_LIST_DEFINED_STORAGE_POOLS, ConnectListDefinedStoragePoolsArgs, ConnectListDefinedStoragePoolsRet),
    (Proc.CONNECT_LIST_STORAGE_POOLS, ConnectListStoragePoolsArgs, ConnectListStoragePoolsRet),
    (Proc.CONNECT_NUM_OF_DEFINED_STORAGE_POOLS, None, ConnectNumOfDefinedStoragePoolsRet),
    (Proc.CONNECT_NUM_OF_STORAGE_POOLS, None, ConnectNumOfStoragePoolsRet),
    (Proc.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY, ConnectStoragePoolEventDeregisterAnyArgs, None),
    (Proc.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, ConnectStoragePoolEventRegisterAnyArgs, ConnectStoragePoolEventRegisterAnyRet),
    (Proc.STORAGE_POOL_BUILD, StoragePoolBuildArgs, None),
    (Proc.STORAGE_POOL_CREATE, StoragePoolCreateArgs, None),
    (Proc.STORAGE_POOL_CREATE_XML, StoragePoolCreateXmlArgs, StoragePoolCreateXmlRet),
    (Proc.STORAGE_POOL_DEFINE_XML, StoragePoolDefineXmlArgs, StoragePoolDefineXmlRet),
    (Proc.STORAGE_POOL_DELETE, StoragePoolDeleteArgs, None),
    (Proc.STORAGE_POOL_DESTROY, StoragePoolDestroyArgs, None),
    (Proc.STORAGE_POOL_EVENT_LIFECYCLE, StoragePoolEventLifecycleMsg, None),
    (Proc.STORAGE_POOL_EVENT_REFRESH, StoragePoolEventRefreshMsg, None),
    (Proc.STORAGE_POOL_GET_AUTOSTART, StoragePoolGetAutostartArgs, StoragePoolGetAutostartRet),
    (Proc.STORAGE_POOL_GET_INFO, StoragePoolGetInfoArgs, StoragePoolGetInfoRet),
    (Proc.STORAGE_POOL_GET_XML_DESC, StoragePoolGetXmlDescArgs, StoragePoolGetXmlDescRet),
    (Proc.STORAGE_POOL_IS_ACTIVE, StoragePoolIsActiveArgs, StoragePoolIsActiveRet),
    (Proc.STORAGE_POOL_IS_PERSISTENT, StoragePoolIsPersistentArgs, StoragePoolIsPersistentRet),
    (Proc.STORAGE_POOL_LIST_ALL_VOLUMES, StoragePoolListAllVolumesArgs, StoragePoolListAllVolumesRet),
    (Proc.STORAGE_POOL_LIST_VOLUMES, StoragePoolListVolumesArgs, StoragePoolListVolumesRet),
    (Proc.STORAGE_POOL_LOOKUP_BY_NAME, StoragePoolLookupByNameArgs, StoragePoolLookupByNameRet),
    (Proc.STORAGE_POOL_LOOKUP_BY_TARGET_PATH, StoragePoolLookupByTargetPathArgs, StoragePoolLookupByTargetPathRet),
    (Proc.STORAGE_POOL_LOOKUP_BY_UUID, StoragePoolLookupByUuidArgs, StoragePoolLookupByUuidRet),
    (Proc.STORAGE_POOL_LOOKUP_BY_VOLUME, StoragePoolLookupByVolumeArgs, StoragePoolLookupByVolumeRet),
    (Proc.STORAGE_POOL_NUM_OF_VOLUMES, StoragePoolNumOfVolumesArgs, StoragePoolNumOfVolumesRet),
    (Proc.STORAGE_POOL_REFRESH, StoragePoolRefreshArgs, None),
    (Proc.STORAGE_POOL_SET_AUTOSTART, StoragePoolSetAutostartArgs, None),
    (Proc.STORAGE_POOL_UNDEFINE, StoragePoolUndefineArgs, None),
    (Proc.STORAGE_VOL_CREATE_XML, StorageVolCreateXmlArgs, StorageVolCreateXmlRet),
    (Proc.STORAGE_VOL_CREATE_XML_FROM, StorageVolCreateXmlFromArgs, StorageVolCreateXmlFromRet),
    (Proc.STORAGE_VOL_DELETE, StorageVolDeleteArgs, None),
    (Proc.STORAGE_VOL_DOWNLOAD, StorageVolDownloadArgs, None),
    (Proc.STORAGE_VOL_GET_INFO, StorageVolGetInfoArgs, StorageVolGetInfoRet),
    (Proc.STORAGE_VOL_GET_INFO_FLAGS, StorageVolGetInfoFlagsArgs, StorageVolGetInfoFlagsRet),
    (Proc.STORAGE_VOL_GET_PATH, StorageVolGetPathArgs, StorageVolGetPathRet),
    (Proc.STORAGE_VOL_GET_XML_DESC, StorageVolGetXmlDescArgs, StorageVolGetXmlDescRet),
    (Proc.STORAGE_VOL_LOOKUP_BY_KEY, StorageVolLookupByKeyArgs, StorageVolLookupByKeyRet),
    (Proc.STORAGE_VOL_LOOKUP_BY_NAME, StorageVolLookupByNameArgs, StorageVolLookupByNameRet),
    (Proc.STORAGE_VOL_LOOKUP_BY_PATH, StorageVolLookupByPathArgs, StorageVolLookupByPathRet),
    (Proc.STORAGE_VOL_RESIZE, StorageVolResizeArgs, None),
    (Proc.STORAGE_VOL_UPLOAD, StorageVolUploadArgs, None),
    (Proc.STORAGE_VOL_WIPE, StorageVolWipeArgs, None),
    (Proc.STORAGE_VOL_WIPE_PATTERN, StorageVolWipePatternArgs, None),
]
