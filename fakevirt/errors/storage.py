"""The storage driver's errors (storage_driver.c, virstorageobj.c, storage_conf.c, the dir backend).

Each function returns the ``VirtError`` libvirtd 9.0 reports, with its code, domain and text.
"""

from __future__ import annotations

import uuid

from . import ErrorCode, ErrorDomain, VirtError
from . import check_flags as check_any_flags

STORAGE = ErrorDomain.STORAGE
STREAMS = ErrorDomain.STREAMS
QEMU_IMG = "/usr/bin/qemu-img"


def _storage(code: int, message: str) -> VirtError:
    return VirtError.report(code, STORAGE, message)


BUILD_FN = "virStorageBackendFileSystemBuild"  # the dir backend's build, which checks its own flags

def check_flags(driver_fn: str, flags: int, allowed: int) -> None:
    """virCheckFlags in the storage driver function ``driver_fn``."""
    check_any_flags(driver_fn, flags, allowed, STORAGE)


# -- lookups -------------------------------------------------------------------------------

def no_pool_name(name: str) -> VirtError:
    return _storage(ErrorCode.NO_STORAGE_POOL, f"no storage pool with matching name '{name}'")


def no_pool_uuid(pool_uuid: uuid.UUID, name: str | None = None) -> VirtError:
    """storagePoolObjFindByUUID: a handle's name only decorates the message."""
    suffix = f" ({name})" if name is not None else ""
    return _storage(ErrorCode.NO_STORAGE_POOL, f"no storage pool with matching uuid '{pool_uuid}'{suffix}")


def no_pool_target_path(path: str, clean: str) -> VirtError:
    extra = "" if clean == path else f" ({clean})"
    return _storage(ErrorCode.NO_STORAGE_POOL, f"no storage pool with matching target path '{path}'{extra}")


def no_vol_name(name: str) -> VirtError:
    return _storage(ErrorCode.NO_STORAGE_VOL, f"no storage vol with matching name '{name}'")


def pool_of_disk_inactive(pool: str, vol: str) -> VirtError:
    """virDomainDiskTranslateSourcePool (domain_conf.c): a type='volume' disk's pool is not running."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.DOMAIN,
                            f"storage pool '{pool}' containing volume '{vol}' is not active")


def missing_file_backend(storage_type: str) -> VirtError:
    """virStorageFileBackendForType: no file backend for this kind of source (an untranslated volume)."""
    return _storage(ErrorCode.INTERNAL_ERROR, f"missing storage backend for '{storage_type}' storage")


def no_vol_key(key: str) -> VirtError:
    return _storage(ErrorCode.NO_STORAGE_VOL, f"no storage vol with matching key {key}")


def no_vol_path(path: str, clean: str) -> VirtError:
    extra = "" if clean == path else f" ({clean})"
    return _storage(ErrorCode.NO_STORAGE_VOL, f"no storage vol with matching path '{path}'{extra}")


# -- pool state ------------------------------------------------------------------------------

def pool_not_active(name: str) -> VirtError:
    return VirtError.operation_invalid(f"storage pool '{name}' is not active", STORAGE)


def pool_still_active(name: str) -> VirtError:
    return VirtError.operation_invalid(f"storage pool '{name}' is still active", STORAGE)


def pool_already_active(name: str) -> VirtError:
    return VirtError.operation_invalid(f"storage pool '{name}' is already active", STORAGE)


def pool_active_as(name: str) -> VirtError:
    """virStoragePoolObjIsDuplicate: the UUID is taken by a running pool (create)."""
    return VirtError.operation_invalid(f"pool is already active as '{name}'", STORAGE)


def pool_uuid_taken(name: str, pool_uuid: uuid.UUID) -> VirtError:
    return _storage(ErrorCode.OPERATION_FAILED, f"pool '{name}' is already defined with uuid {pool_uuid}")


def pool_name_taken(name: str, pool_uuid: uuid.UUID) -> VirtError:
    return _storage(ErrorCode.OPERATION_FAILED, f"pool '{name}' already exists with uuid {pool_uuid}")


def source_conflict(name: str) -> VirtError:
    return _storage(ErrorCode.OPERATION_FAILED, f"Storage source conflict with pool: '{name}'")


def no_config_file() -> VirtError:
    return _storage(ErrorCode.OPERATION_INVALID, "pool has no config file")


def transient_autostart() -> VirtError:
    return _storage(ErrorCode.INVALID_ARG, "cannot set autostart for transient pool")


def only_dir_pools(pool_type: str) -> VirtError:
    """fakevirt's own refusal: the other backends are not emulated."""
    return _storage(ErrorCode.NO_SUPPORT, f"fakevirt emulates only 'dir' storage pools, not '{pool_type}'")


def build_overwrite_exclusive() -> VirtError:
    """virStorageBackendFileSystemBuild: VIR_EXCLUSIVE_FLAGS_RET(OVERWRITE, NO_OVERWRITE)."""
    return VirtError.exclusive_flags("VIR_STORAGE_POOL_BUILD_OVERWRITE", "VIR_STORAGE_POOL_BUILD_NO_OVERWRITE",
                                     BUILD_FN, STORAGE)


def no_source_device(name: str) -> VirtError:
    """virStorageBackendMakeFileSystem: (NO_)OVERWRITE formats the pool's source, which a dir pool lacks."""
    return _storage(ErrorCode.OPERATION_INVALID, f"No source device specified when formatting pool '{name}'")


def no_directory(path: str) -> VirtError:
    return _storage(ErrorCode.SYSTEM_ERROR, f"cannot open directory '{path}': No such file or directory")


def rmdir_failed(path: str, reason: str) -> VirtError:
    """virStorageBackendVolDeleteLocal: rmdir of a 'dir' volume failed with ``reason`` (strerror)."""
    return _storage(ErrorCode.SYSTEM_ERROR, f"cannot remove directory '{path}': {reason}")


def remove_failed(path: str, reason: str) -> VirtError:
    """virStoragePoolDelete's rmdir failed with ``reason`` (strerror)."""
    return _storage(ErrorCode.SYSTEM_ERROR, f"failed to remove pool '{path}': {reason}")


# -- volumes ---------------------------------------------------------------------------------

def vol_exists(name: str) -> VirtError:
    return _storage(ErrorCode.STORAGE_VOL_EXIST, f"'{name}'")


def vol_name_invalid(name: str) -> VirtError:
    return VirtError.operation_invalid(f"volume name '{name}' cannot contain '/'", STORAGE)


def vol_file_exists(path: str) -> VirtError:
    return _storage(ErrorCode.SYSTEM_ERROR, f"cannot create volume '{path}': File exists")


def raw_backing_unsupported() -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, "backing storage not supported for raw volumes")


def backing_inaccessible(path: str) -> VirtError:
    return _storage(ErrorCode.SYSTEM_ERROR, f"inaccessible backing store volume {path}: No such file or directory")


def file_name_too_long(path: str) -> VirtError:
    return _storage(ErrorCode.SYSTEM_ERROR, f"Failed to create file '{path}': File name too long")


def cannot_extend(path: str) -> VirtError:
    return _storage(ErrorCode.SYSTEM_ERROR, f"cannot extend file '{path}': File too large")


def cannot_allocate(nbytes: int, path: str) -> VirtError:
    return _storage(ErrorCode.SYSTEM_ERROR, f"cannot allocate {nbytes} bytes in file '{path}': "
                    "No space left on device")


def truncate_too_large(path: str) -> VirtError:
    """virFileTruncate's report (it names no driver)."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                            f"Failed to truncate file '{path}': File too large")


def qemu_img_failed(args: str, qemu_message: str) -> VirtError:
    """virCommandRun's report of a qemu-img that failed: its command line and stderr."""
    return child_failed(f"{QEMU_IMG} {args}", 1, f"qemu-img: {qemu_message}\n")


def wipe_algorithm_unsupported(algorithm: int) -> VirtError:
    return _storage(ErrorCode.INVALID_ARG, f"wiping algorithm {algorithm} not supported")


def scrub_missing() -> VirtError:
    """Wipe patterns are written by scrub(1), which the emulated host lacks."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                            "Cannot find 'scrub' in path: No such file or directory")


def shrink_below_allocation() -> VirtError:
    return _storage(ErrorCode.INVALID_ARG, "can't shrink capacity below existing allocation")


def shrink_without_flag() -> VirtError:
    return _storage(ErrorCode.INVALID_ARG, "Can't shrink capacity below current capacity unless shrink flag "
                    "explicitly specified")


def pool_full() -> VirtError:
    return _storage(ErrorCode.OPERATION_FAILED, "Not enough space left in storage pool")


# -- upload and download streams -------------------------------------------------------------

def _stream(message: str) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, STREAMS, message)


def seek_failed(path: str, offset: int) -> VirtError:
    return _stream(f"Unable to seek {path} to {offset}: Invalid argument")


def stream_open_dir(path: str) -> VirtError:
    """virFDStreamOpenFile on a directory volume."""
    return _stream(f"Unable to open stream for '{path}': Is a directory")


def wipe_open_dir(path: str) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, STORAGE, f"Failed to open storage volume with path '{path}': "
                            "Is a directory")


def hole_seek_failed(path: str) -> VirtError:
    return _stream(f"unable to seek in {path}: Invalid argument")


def write_too_large(path: str) -> VirtError:
    return _stream(f"Unable to write {path}: File too large")


def stream_full() -> VirtError:
    """Data past the length the upload asked for."""
    return _stream("cannot write to stream: No space left on device")


def volume_full() -> VirtError:
    """Data past the end of a volume that does not grow (qcow2)."""
    return _storage(ErrorCode.SYSTEM_ERROR, "Unable to write stream data: No space left on device")


# -- XML (storage_conf.c) -----------------------------------------------------------------------

def xml_error(message: str) -> VirtError:
    return _storage(ErrorCode.XML_ERROR, message)


def unknown_vol_type(vol_type: str) -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, f"unknown volume type '{vol_type}'")


def unknown_vol_format(fmt: str) -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, f"unknown volume format type {fmt}")


def ploop_missing() -> VirtError:
    """storageBackendCreatePloop: the host has no ploop tools (Debian ships none)."""
    return _storage(ErrorCode.INTERNAL_ERROR, "unable to find ploop, please install ploop tools")


def qemu_img_cannot_create(args: str, where: str, fmt: str, known: bool) -> VirtError:
    """qemu-img create/convert refusing a format it reads only (bochs, cloop, dmg) or does not know."""
    why = f"Format driver '{fmt}' does not support image creation" if known else f"Unknown file format '{fmt}'"
    return qemu_img_failed(args, f"{where}{why}")


# -- encrypted volumes (storage_util.c) ----------------------------------------------------------

def single_secret_expected() -> VirtError:
    return _storage(ErrorCode.INVALID_ARG,
                    "A single <secret type='passphrase'...> element is expected in encryption description")


def qcow_encryption_unsupported() -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, "creation of qcow2 encrypted image is not supported")


def raw_needs_luks() -> VirtError:
    return _storage(ErrorCode.INTERNAL_ERROR, "Only luks encryption is supported for raw files")


def encryption_format_unsupported(number: int) -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, f"unsupported volume encryption format {number}")


def unknown_encryption_format(fmt: str) -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, f"unknown volume encryption format type {fmt}")


def unknown_encryption_secret_type(stype: str) -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, f"unknown volume encryption secret type {stype}")


def secret_lookup_xml(message: str) -> VirtError:
    """virSecretLookupParseSecret (util/, from no particular error domain)."""
    return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.NONE, message)



# -- source discovery (virConnectFindStoragePoolSources) ------------------------------------------

def unknown_pool_type(pool_type: str) -> VirtError:
    return VirtError.internal(f"unknown storage pool type {pool_type}", STORAGE)


def missing_pool_backend(number: int, pool_type: str) -> VirtError:
    """virStorageBackendForType: a pool type Debian's build leaves out."""
    return VirtError.internal(f"missing backend for pool type {number} ({pool_type})", STORAGE)


def no_source_discovery(pool_type: str) -> VirtError:
    return _storage(ErrorCode.NO_SUPPORT, f"pool type '{pool_type}' does not support source discovery")


def discovery_needs_host(pool_type: str) -> VirtError:
    return VirtError.invalid_arg(f"hostname must be specified for {pool_type} sources", STORAGE)


def discovery_one_host() -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, "Expected exactly 1 host for the storage pool")


def unknown_pool_format(fmt: str) -> VirtError:
    return _storage(ErrorCode.CONFIG_UNSUPPORTED, f"unknown pool format type {fmt}")


def missing_host_name() -> VirtError:
    return xml_error("missing storage pool host name")


def no_nfs_exports(host: str) -> VirtError:
    """showmount finds no export on the host."""
    return _storage(ErrorCode.OPERATION_FAILED, f"no storage pools were found on host '{host}'")


def child_failed(cmdline: str, status: int, stderr: str) -> VirtError:
    """virCommandRun's report of a helper program that failed (it names no driver)."""
    return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
                            f"Child process ({cmdline}) unexpected exit status {status}: {stderr}")
