"""The rest of the QEMU driver's domain calls: save/restore by typed parameters, replacing the definition
kept in a save image, guest memory peeks, the security label list, a forwarded identity, FD association."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from ..errors import VirtError, check_flags
from ..errors import domain as errors
from .domain import Domain, SavedState
from .domain_driver import Domains
from .domaindef import DomainDef
from .domaindef.live import assign_aliases
from .flags.domain import DomainModificationImpact as Impact
from .flags.domain import DomainSaveRestoreFlags as Save
from .flags.node import TypedParamType as T
from .qemu_argv import qemu_argv
from .typedparams import Param, validate

SAVE_PARAM_FILE, SAVE_PARAM_DXML = "file", "dxml"
_SAVE_PARAMS = {SAVE_PARAM_FILE: T.STRING, SAVE_PARAM_DXML: T.STRING}
_SAVE_FLAGS = Save.SAVE_BYPASS_CACHE | Save.SAVE_RUNNING | Save.SAVE_PAUSED
_RESTORE_FLAGS = _SAVE_FLAGS | Save.SAVE_RESET_NVRAM
_AFFECT = Impact.AFFECT_LIVE | Impact.AFFECT_CONFIG
_DEFINE_FLAGS = Save.SAVE_RUNNING | Save.SAVE_PAUSED
# virIdentitySetParameters: what a forwarding daemon may say about its client
_IDENTITY = {"user-name": T.STRING, "user-id": T.ULLONG, "group-name": T.STRING, "group-id": T.ULLONG,
             "process-id": T.LLONG, "process-time": T.ULLONG, "sasl-user-name": T.STRING,
             "x509-distinguished-name": T.STRING, "selinux-context": T.STRING}
MEMORY_VIRTUAL, MEMORY_PHYSICAL = 1, 2
PEEK_BUFFER_MAX = 4194304  # REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX


def save_params(params: Iterable[Param], flags: int, restore: bool) -> tuple[str | None, str | None]:
    """qemuDomainSaveParams / qemuDomainRestoreParams: the flags, then the parameters; (file, dxml)."""
    check_flags("qemuDomainRestoreParams" if restore else "qemuDomainSaveParams", flags,
                _RESTORE_FLAGS if restore else _SAVE_FLAGS)
    found = list(params)
    validate(found, _SAVE_PARAMS)
    values = {name: str(value) for name, _kind, value in found}
    path = values.get(SAVE_PARAM_FILE)
    if restore and path is None:
        raise errors.missing_restore_path()
    return path, values.get(SAVE_PARAM_DXML)


def save_to(domains: Domains, dom: Domain, path: str | None, dxml: DomainDef | None, flags: int) -> None:
    """virDomainSaveParams: without a file it is a managed save (keeping dxml as the image's definition)."""
    if path is not None:
        domains.save(dom, path, dxml, flags)
        return
    domains.managed_save(dom, flags)
    if dxml is not None and dom.managed_save is not None:
        dom.managed_save.definition = dxml


def _check_abi(source: DomainDef, target: DomainDef) -> None:
    """The part of virDomainDefCheckABIStability the emulator keeps apart: the guest's type and identity."""
    if source.virt_type != target.virt_type:
        raise errors.abi_mismatch("virt type", target.virt_type, source.virt_type)
    if source.uuid != target.uuid:
        raise errors.abi_mismatch("uuid", str(target.uuid), str(source.uuid))


def _redefine(saved: SavedState, d: DomainDef, flags: int) -> None:
    _check_abi(saved.definition, d)
    saved.definition = d
    if flags & Save.SAVE_RUNNING:
        saved.running = True
    elif flags & Save.SAVE_PAUSED:
        saved.running = False


def save_image_define(domains: Domains, path: str, d: DomainDef, flags: int) -> None:
    """virDomainSaveImageDefineXML."""
    check_flags("qemuDomainSaveImageDefineXML", flags, _DEFINE_FLAGS)
    if flags & Save.SAVE_RUNNING and flags & Save.SAVE_PAUSED:
        raise errors.save_running_paused_exclusive()
    saved = domains.saved_images.get(path)
    if saved is None:
        raise errors.cannot_open_file(path)
    _redefine(saved, d, flags)


def managed_save_define(domains: Domains, dom: Domain, d: DomainDef, flags: int) -> None:
    """virDomainManagedSaveDefineXML."""
    check_flags("qemuDomainManagedSaveDefineXML", flags, _DEFINE_FLAGS)
    if dom.managed_save is None:
        raise errors.invalid("domain does not have managed save image")
    _redefine(dom.managed_save, d, flags)


def memory_peek(domains: Domains, dom: Domain, offset: int, size: int, flags: int) -> bytes:
    """virDomainMemoryPeek: the guest's RAM reads as zeros; a virtual address (the guest's identity map)
    must lie in RAM, a physical one past RAM reads zeros as QEMU's pmemsave gives."""
    if flags & MEMORY_VIRTUAL and flags & MEMORY_PHYSICAL:
        raise VirtError.exclusive_flags("VIR_MEMORY_VIRTUAL", "VIR_MEMORY_PHYSICAL", "virDomainMemoryPeek")
    check_flags("qemuDomainMemoryPeek", flags, MEMORY_VIRTUAL | MEMORY_PHYSICAL)
    if flags not in (MEMORY_VIRTUAL, MEMORY_PHYSICAL):
        raise errors.peek_flags()
    if size > PEEK_BUFFER_MAX:
        raise errors.peek_too_large()
    domains.require_active(dom)
    assert dom.live is not None
    if flags == MEMORY_VIRTUAL and size and offset + size > dom.live.memory_kib * 1024:
        raise errors.memsave_invalid(offset, size)
    return bytes(size)


def set_identity(params: Iterable[Param]) -> None:
    """virConnectSetIdentity as libvirtd takes it: only the parameters are checked (flags are not)."""
    validate(params, _IDENTITY)


def fd_associate(nfds: int) -> None:
    """virDomainFDAssociate: over TCP no descriptor can come with the call."""
    if nfds == 0:
        raise VirtError.bad_arg("nfds", "virDomainFDAssociate", "nonzero")


def detach_alias(domains: Domains, dom: Domain, alias: str, flags: int) -> None:
    """virDomainDetachDeviceAlias: the device each selected definition knows by that alias, detached as
    virDomainDetachDeviceFlags detaches it (with its device-removed event when live)."""
    check_flags("qemuDomainDetachDeviceAliasLiveAndConfig", flags, _AFFECT)
    for d in domains.defs_for(dom, flags):
        found = next((dev for dev in d.all_devices() if dev.alias == alias), None)
        if found is None:
            raise errors.no_alias(alias)
    device = next(dev for dev in domains.defs_for(dom, flags)[0].all_devices() if dev.alias == alias)
    domains.detach_device(dom, copy.deepcopy(device), flags)


NATIVE_ARGV = "qemu-argv"


def check_native_format(fmt: str, flags: int) -> None:
    """qemuConnectDomainXMLToNative before it reads the document."""
    check_flags("qemuConnectDomainXMLToNative", flags, 0)
    if fmt != NATIVE_ARGV:
        raise errors.unsupported_native_format(fmt)


def native_config(d: DomainDef) -> str:
    """The command line a start of the completed definition ``d`` would run (no domain ID yet)."""
    live = d.copy()
    assign_aliases(live)
    return qemu_argv(live)
