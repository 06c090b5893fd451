"""Storage pools (virStoragePool*, virConnect*StoragePools): thin wrappers over model.storage."""

from __future__ import annotations

import uuid

from protocol import NonnullStoragePool, Proc
from protocol.remote import storage as w
from protocol.remote.limits import STORAGE_POOL_LIST_MAX

from ..errors import storage as err
from ..model.flags.storage import StorageXMLFlags
from ..model.storage import Pool, StorageState, storage_for
from ..model.storage_backends import discovery_backend, find_sources, needs_spec
from ..xml.storage import format_pool_xml, parse_pool_xml
from ..xml.storage_caps import format_pool_capabilities, parse_source_spec
from ._client import Client
from ._lists import legacy_list, list_all
from ._registry import procedure


def pools(client: Client) -> StorageState:
    """The storage driver state behind the client's connection (dispatch checked it is open)."""
    return storage_for(client.hv)


def pool_handle(pool: Pool) -> NonnullStoragePool:
    return NonnullStoragePool(name=pool.name, uuid=pool.uuid.bytes)


def resolve_pool(client: Client, h: NonnullStoragePool) -> Pool:
    """virStoragePoolObjFromStoragePool: by UUID, the name only in the error."""
    return pools(client).by_uuid(uuid.UUID(bytes=h.uuid), h.name)


@procedure(Proc.STORAGE_POOL_LOOKUP_BY_NAME)
def storage_pool_lookup_by_name(client: Client, args: w.StoragePoolLookupByNameArgs) -> w.StoragePoolLookupByNameRet:
    """virStoragePoolLookupByName."""
    return w.StoragePoolLookupByNameRet(pool=pool_handle(pools(client).by_name(args.name)))


@procedure(Proc.STORAGE_POOL_LOOKUP_BY_UUID)
def storage_pool_lookup_by_uuid(client: Client, args: w.StoragePoolLookupByUuidArgs) -> w.StoragePoolLookupByUuidRet:
    """virStoragePoolLookupByUUID."""
    return w.StoragePoolLookupByUuidRet(pool=pool_handle(pools(client).by_uuid(uuid.UUID(bytes=args.uuid))))


@procedure(Proc.STORAGE_POOL_LOOKUP_BY_VOLUME)
def storage_pool_lookup_by_volume(client: Client, args: w.StoragePoolLookupByVolumeArgs
                                  ) -> w.StoragePoolLookupByVolumeRet:
    """virStoragePoolLookupByVolume: the pool named in the volume handle."""
    return w.StoragePoolLookupByVolumeRet(pool=pool_handle(pools(client).by_name(args.vol.pool)))


@procedure(Proc.STORAGE_POOL_LOOKUP_BY_TARGET_PATH)
def storage_pool_lookup_by_target_path(client: Client, args: w.StoragePoolLookupByTargetPathArgs
                                       ) -> w.StoragePoolLookupByTargetPathRet:
    """virStoragePoolLookupByTargetPath."""
    return w.StoragePoolLookupByTargetPathRet(pool=pool_handle(pools(client).by_target_path(args.path)))


@procedure(Proc.STORAGE_POOL_DEFINE_XML)
def storage_pool_define_xml(client: Client, args: w.StoragePoolDefineXmlArgs) -> w.StoragePoolDefineXmlRet:
    """virStoragePoolDefineXML."""
    state = pools(client)
    return w.StoragePoolDefineXmlRet(pool=pool_handle(state.define(parse_pool_xml(args.xml), args.flags)))


@procedure(Proc.STORAGE_POOL_CREATE_XML)
def storage_pool_create_xml(client: Client, args: w.StoragePoolCreateXmlArgs) -> w.StoragePoolCreateXmlRet:
    """virStoragePoolCreateXML: a transient, running pool."""
    state = pools(client)
    return w.StoragePoolCreateXmlRet(pool=pool_handle(state.create_transient(parse_pool_xml(args.xml), args.flags)))


@procedure(Proc.STORAGE_POOL_BUILD)
def storage_pool_build(client: Client, args: w.StoragePoolBuildArgs) -> None:
    """virStoragePoolBuild."""
    pools(client).build(resolve_pool(client, args.pool), args.flags)


@procedure(Proc.STORAGE_POOL_CREATE)
def storage_pool_create(client: Client, args: w.StoragePoolCreateArgs) -> None:
    """virStoragePoolCreate (start)."""
    pools(client).start(resolve_pool(client, args.pool), args.flags)


@procedure(Proc.STORAGE_POOL_DESTROY)
def storage_pool_destroy(client: Client, args: w.StoragePoolDestroyArgs) -> None:
    """virStoragePoolDestroy."""
    pools(client).destroy(resolve_pool(client, args.pool))


@procedure(Proc.STORAGE_POOL_DELETE)
def storage_pool_delete(client: Client, args: w.StoragePoolDeleteArgs) -> None:
    """virStoragePoolDelete."""
    pools(client).delete(resolve_pool(client, args.pool), args.flags)


@procedure(Proc.STORAGE_POOL_UNDEFINE)
def storage_pool_undefine(client: Client, args: w.StoragePoolUndefineArgs) -> None:
    """virStoragePoolUndefine."""
    pools(client).undefine(resolve_pool(client, args.pool))


@procedure(Proc.STORAGE_POOL_REFRESH)
def storage_pool_refresh(client: Client, args: w.StoragePoolRefreshArgs) -> None:
    """virStoragePoolRefresh."""
    pools(client).refresh(resolve_pool(client, args.pool), args.flags)


@procedure(Proc.STORAGE_POOL_GET_AUTOSTART)
def storage_pool_get_autostart(client: Client, args: w.StoragePoolGetAutostartArgs) -> w.StoragePoolGetAutostartRet:
    """virStoragePoolGetAutostart."""
    return w.StoragePoolGetAutostartRet(autostart=int(resolve_pool(client, args.pool).autostart))


@procedure(Proc.STORAGE_POOL_SET_AUTOSTART)
def storage_pool_set_autostart(client: Client, args: w.StoragePoolSetAutostartArgs) -> None:
    """virStoragePoolSetAutostart."""
    pools(client).set_autostart(resolve_pool(client, args.pool), bool(args.autostart))


@procedure(Proc.STORAGE_POOL_GET_INFO)
def storage_pool_get_info(client: Client, args: w.StoragePoolGetInfoArgs) -> w.StoragePoolGetInfoRet:
    """virStoragePoolGetInfo."""
    state, cap, alloc, avail = pools(client).info(resolve_pool(client, args.pool))
    return w.StoragePoolGetInfoRet(state=state, capacity=cap, allocation=alloc, available=avail)


@procedure(Proc.STORAGE_POOL_GET_XML_DESC)
def storage_pool_get_xml_desc(client: Client, args: w.StoragePoolGetXmlDescArgs) -> w.StoragePoolGetXmlDescRet:
    """virStoragePoolGetXMLDesc (INACTIVE: the definition the next start uses)."""
    err.check_flags("storagePoolGetXMLDesc", args.flags, StorageXMLFlags.INACTIVE)
    pool = resolve_pool(client, args.pool)
    inactive = bool(args.flags & StorageXMLFlags.INACTIVE)
    return w.StoragePoolGetXmlDescRet(xml=format_pool_xml(pools(client), pool, inactive))


@procedure(Proc.STORAGE_POOL_IS_ACTIVE)
def storage_pool_is_active(client: Client, args: w.StoragePoolIsActiveArgs) -> w.StoragePoolIsActiveRet:
    """virStoragePoolIsActive."""
    return w.StoragePoolIsActiveRet(active=int(resolve_pool(client, args.pool).active))


@procedure(Proc.STORAGE_POOL_IS_PERSISTENT)
def storage_pool_is_persistent(client: Client, args: w.StoragePoolIsPersistentArgs) -> w.StoragePoolIsPersistentRet:
    """virStoragePoolIsPersistent."""
    return w.StoragePoolIsPersistentRet(persistent=int(resolve_pool(client, args.pool).persistent))


@procedure(Proc.CONNECT_LIST_ALL_STORAGE_POOLS)
def connect_list_all_storage_pools(client: Client, args: w.ConnectListAllStoragePoolsArgs
                                   ) -> w.ConnectListAllStoragePoolsRet:
    """virConnectListAllStoragePools: need_results 0 asks only for the count."""
    found = pools(client).list_all(args.flags)
    handles = list_all("storage_pool", found, STORAGE_POOL_LIST_MAX, args.need_results,
                       lambda f: tuple(map(pool_handle, f)))
    return w.ConnectListAllStoragePoolsRet(pools=handles, ret=len(found))


@procedure(Proc.CONNECT_NUM_OF_STORAGE_POOLS)
def connect_num_of_storage_pools(client: Client, args: None) -> w.ConnectNumOfStoragePoolsRet:
    """virConnectNumOfStoragePools: active pools."""
    return w.ConnectNumOfStoragePoolsRet(num=len(pools(client).names(active=True)))


@procedure(Proc.CONNECT_LIST_STORAGE_POOLS)
def connect_list_storage_pools(client: Client, args: w.ConnectListStoragePoolsArgs) -> w.ConnectListStoragePoolsRet:
    """virConnectListStoragePools: names of active pools."""
    names = legacy_list(lambda: pools(client).names(active=True), args.maxnames,
                        STORAGE_POOL_LIST_MAX, "STORAGE_POOL_LIST_MAX")
    return w.ConnectListStoragePoolsRet(names=names)


@procedure(Proc.CONNECT_NUM_OF_DEFINED_STORAGE_POOLS)
def connect_num_of_defined_storage_pools(client: Client, args: None) -> w.ConnectNumOfDefinedStoragePoolsRet:
    """virConnectNumOfDefinedStoragePools: inactive pools."""
    return w.ConnectNumOfDefinedStoragePoolsRet(num=len(pools(client).names(active=False)))


@procedure(Proc.CONNECT_LIST_DEFINED_STORAGE_POOLS)
def connect_list_defined_storage_pools(client: Client, args: w.ConnectListDefinedStoragePoolsArgs
                                       ) -> w.ConnectListDefinedStoragePoolsRet:
    """virConnectListDefinedStoragePools: names of inactive pools."""
    names = legacy_list(lambda: pools(client).names(active=False), args.maxnames,
                        STORAGE_POOL_LIST_MAX, "STORAGE_POOL_LIST_MAX")
    return w.ConnectListDefinedStoragePoolsRet(names=names)


# The volume and event families register with this module (importing "storage" registers all three).
from . import storage_events, storage_vol  # noqa: E402, F401


@procedure(Proc.CONNECT_FIND_STORAGE_POOL_SOURCES)
def connect_find_storage_pool_sources(client: Client, args: w.ConnectFindStoragePoolSourcesArgs
                                      ) -> w.ConnectFindStoragePoolSourcesRet:
    """virConnectFindStoragePoolSources: the backend checks its flags before it reads the specification."""
    pool_type = discovery_backend(args.type, args.flags)
    spec = parse_source_spec(args.srcSpec) if args.srcSpec is not None and needs_spec(pool_type) else None
    return w.ConnectFindStoragePoolSourcesRet(xml=find_sources(pool_type, spec))


@procedure(Proc.CONNECT_GET_STORAGE_POOL_CAPABILITIES)
def connect_get_storage_pool_capabilities(client: Client, args: w.ConnectGetStoragePoolCapabilitiesArgs
                                          ) -> w.ConnectGetStoragePoolCapabilitiesRet:
    """virConnectGetStoragePoolCapabilities."""
    err.check_flags("storageConnectGetStoragePoolCapabilities", args.flags, 0)
    return w.ConnectGetStoragePoolCapabilitiesRet(capabilities=format_pool_capabilities())
