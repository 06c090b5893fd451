"""The domain family's errors: libvirt 9.0's codes, error domains and texts, one constructor each.

Where a message comes from matters for its error domain: checks in src/conf/ (virDomainObjCheckActive,
the domain list) report VIR_FROM_DOMAIN, checks in src/qemu/ report VIR_FROM_QEMU.

Texts used once are passed to the constructor of their code and origin (``config_unsupported(...)``
for src/qemu/, ``conf_unsupported(...)`` for src/conf/); texts with a meaning of their own, or built
in more than one place, have a constructor named after it.
"""

from __future__ import annotations

import uuid

from . import ErrorCode, ErrorDomain, VirtError

_DOMAIN, _QEMU = ErrorDomain.DOMAIN, ErrorDomain.QEMU


def not_active() -> VirtError:
    """virDomainObjCheckActive: the domain is not running (VIR_FROM_DOMAIN)."""
    return VirtError.operation_invalid("domain is not running", _DOMAIN)


def not_running() -> VirtError:
    """The QEMU driver's own state check: the domain is active but not running, or inactive (VIR_FROM_QEMU)."""
    return VirtError.operation_invalid("domain is not running", _QEMU)


def already_running() -> VirtError:
    return VirtError.operation_invalid("domain is already running")


def pmsuspended() -> VirtError:
    return VirtError.operation_invalid("domain is pmsuspended")


def invalid(message: str, domain: int = _QEMU) -> VirtError:
    """OPERATION_INVALID with a message of the QEMU driver (or of ``domain``)."""
    return VirtError.operation_invalid(message, domain)


def no_persistent_config() -> VirtError:
    return VirtError.operation_invalid("transient domains do not have any persistent config", _DOMAIN)


def live_and_config_exclusive() -> VirtError:
    """virDomainObjGetOneDefState."""
    return VirtError.invalid_arg_raw("flags", "virDomainObjGetOneDefState", "Flags 'VIR_DOMAIN_AFFECT_LIVE' and "
                                     "'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive", _DOMAIN)


def unknown_interface(device: str) -> VirtError:
    """virDomainNetFind: neither a MAC address nor the name of an interface of the definition."""
    return VirtError.report(ErrorCode.INVALID_ARG, _DOMAIN, f"'{device}' is not a known interface")


def bandwidth_unsupported(net_type: str) -> VirtError:
    return config_unsupported(f"setting bandwidth on interfaces of type '{net_type}' is not implemented yet")


def no_domain_uuid(dom_uuid: uuid.UUID, name: str | None = None) -> VirtError:
    """qemuDomainObjFromDomain (with the handle's name) or a lookup by UUID (without)."""
    suffix = f" ({name})" if name is not None else ""
    return VirtError.report(ErrorCode.NO_DOMAIN, _QEMU, f"no domain with matching uuid '{dom_uuid}'{suffix}")


def no_domain_name(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN, _QEMU, f"no domain with matching name '{name}'")


def no_domain_id(dom_id: int) -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN, _QEMU, f"no domain with matching id {dom_id}")


def uuid_taken(name: str, dom_uuid: uuid.UUID) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, _DOMAIN,
                            f"domain '{name}' is already defined with uuid {dom_uuid}")


def name_taken(name: str, dom_uuid: uuid.UUID) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_FAILED, _DOMAIN, f"domain '{name}' already exists with uuid {dom_uuid}")


def no_saved_image(path: str) -> VirtError:
    return VirtError.report(ErrorCode.SYSTEM_ERROR, _QEMU,
                            f"Failed to open domain image file '{path}': No such file or directory")


def path_not_assigned(path: str) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _QEMU, f"invalid path {path} not assigned to domain")


def block_file_missing(path: str) -> VirtError:
    """qemuDomainGetBlockInfo: the disk's source file is gone."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, _QEMU,
                            f"Failed to open file '{path}': No such file or directory")


def broken_chain(path: str, top: str, uid: int, gid: int) -> VirtError:
    """virStorageSourceReportBrokenChain (storage_source.c, VIR_FROM_STORAGE): a disk's file or one of
    its backing files is missing when the QEMU driver determines the chain."""
    what = f"storage file '{path}'" if path == top else f"backing file '{path}' of storage file '{top}'"
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.STORAGE,
                            f"Cannot access {what} (as uid:{uid}, gid:{gid}): No such file or directory")


# -- the files libvirtd writes per domain, named after it (NAME_MAX) ---------------------------

def cannot_create_file(path: str) -> VirtError:
    """virFileRewrite's error for the temporary file it writes first (it reports from no domain)."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
                            f"Failed to create file '{path}': File name too long")


def stale_pid_file(path: str) -> VirtError:
    """qemuProcessStart removing the stale PID file of a name too long for one."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, _QEMU,
                            f"Cannot remove stale PID file {path}: File name too long")


def unknown_metadata_type(kind: int) -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _DOMAIN, f"unknown metadata type '{kind}'")


def vcpu_info_inactive() -> VirtError:
    return VirtError.operation_invalid("cannot retrieve vcpu information for inactive domain")


# -- by code and origin (one-off texts) ------------------------------------------------------

def xml_error(message: str, domain: int = _DOMAIN) -> VirtError:
    """VIR_ERR_XML_ERROR of domain_conf.c (or of ``domain``)."""
    return VirtError.report(ErrorCode.XML_ERROR, domain, message)


def conf_unsupported(message: str) -> VirtError:
    """domain_conf.c's VIR_ERR_CONFIG_UNSUPPORTED."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _DOMAIN, message)


def config_unsupported(message: str) -> VirtError:
    """The QEMU driver's VIR_ERR_CONFIG_UNSUPPORTED."""
    return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, _QEMU, message)


def conf_internal(message: str) -> VirtError:
    """domain_conf.c / domain_addr.c's VIR_ERR_INTERNAL_ERROR."""
    return VirtError.internal(message, _DOMAIN)


def qemu_internal(message: str) -> VirtError:
    return VirtError.internal(message, _QEMU)


def operation_unsupported(message: str) -> VirtError:
    return VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, _QEMU, message)


def device_missing(message: str) -> VirtError:
    return VirtError.report(ErrorCode.DEVICE_MISSING, _QEMU, message)


def invalid_arg(message: str) -> VirtError:
    """The QEMU driver's VIR_ERR_INVALID_ARG ("invalid argument: …")."""
    return VirtError.invalid_arg(message, _QEMU)


# -- the definition (parse, post-parse, validation, addresses) --------------------------------

def no_name() -> VirtError:
    return VirtError.report(ErrorCode.NO_NAME, _DOMAIN, None)


def no_target(source: str | None) -> VirtError:
    """A <disk> without <target dev=…>: libvirt names the source."""
    return VirtError.report(ErrorCode.NO_TARGET, _DOMAIN, source)


def size_too_large() -> VirtError:
    return VirtError.report(ErrorCode.OVERFLOW, _DOMAIN, "size value too large")


def missing_attribute(name: str, element: str) -> VirtError:
    return xml_error(f"Missing required attribute '{name}' in element '{element}'", ErrorDomain.XML)


def duplicate_disk_target(target: str | None, old_source: str | None, new_source: str | None) -> VirtError:
    return xml_error(f"target '{target}' duplicated for disk sources "
                     f"'{old_source or '<null>'}' and '{new_source or '<null>'}'")


def boot_order_mixed() -> VirtError:
    return conf_unsupported("per-device boot elements cannot be used together with os/boot elements")


def pci_address(message: str, from_config: bool) -> VirtError:
    """domain_addr.c: an address the user wrote is an XML error, one the code chose an internal one."""
    return VirtError.report(ErrorCode.XML_ERROR if from_config else ErrorCode.INTERNAL_ERROR, _DOMAIN, message)


def no_pci_slots() -> VirtError:
    return conf_internal("No more available PCI slots")


# -- devices (attach, detach, update) ---------------------------------------------------------

def device_already_configured() -> VirtError:
    return invalid("device is already in the domain configuration")


def multiple_devices(mac: str | None) -> VirtError:
    """virDomainNetFindIdx: more than one <interface> matches."""
    msg = f"multiple devices matching MAC address {mac} found" if mac else "multiple matching devices found"
    return VirtError.report(ErrorCode.OPERATION_FAILED, _DOMAIN, msg)


def no_matching_interface(addr: str, mac: str | None, alias: str | None) -> VirtError:
    return VirtError.report(ErrorCode.DEVICE_MISSING, _DOMAIN,
                            f"no device found at address '{addr}' matching MAC address '{mac or '(<null>)'}' "
                            f"and alias '{alias or '(<null>)'}'")


# -- settings and stats -----------------------------------------------------------------------

def memory_too_large(kib: int) -> VirtError:
    """virDomainSetMemoryFlags: above virMemoryMaxValue (the public API, VIR_FROM_DOMAIN)."""
    return VirtError.report(ErrorCode.OVERFLOW, _DOMAIN, f"input too large: {kib}")


def memory_above_max() -> VirtError:
    return invalid_arg("cannot set memory higher than max memory")


def guest_vcpus_inactive() -> VirtError:
    return invalid_arg("vCPU count provided by the guest agent can only be requested for live domains")


def max_vcpus_via_agent() -> VirtError:
    return invalid_arg("changing of maximum vCPU count isn't supported via guest agent")


def vcpus_above_max(which: str, count: int, maximum: int) -> VirtError:
    return invalid_arg(f"requested vcpus is greater than max allowable vcpus for the {which} domain: "
                       f"{count} > {maximum}")


def no_metadata() -> VirtError:
    return VirtError.report(ErrorCode.NO_DOMAIN_METADATA, _DOMAIN, "Requested metadata element is not present")


def no_hostname(name: str) -> VirtError:
    return VirtError.report(ErrorCode.NO_HOSTNAME, _QEMU, f"no hostname found for domain {name}")


def stats_unsupported(bits: int) -> VirtError:
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, _QEMU,
                            f"Stats types bits 0x{bits:x} are not supported by this daemon or QEMU")


def too_many_stats_records(count: int, limit: int) -> VirtError:
    """remote_daemon_dispatch.c: the reply would pass the RPC's list limit."""
    return VirtError.daemon(f"Number of domain stats records is {count}, which exceeds max limit: {limit}")


# -- lifecycle -------------------------------------------------------------------------------

def save_running_paused_exclusive() -> VirtError:
    return VirtError.report(ErrorCode.INVALID_ARG, _DOMAIN,
                            "flags 'running' and 'paused' in virDomainManagedSave are mutually exclusive")


def name_in_use(name: str) -> VirtError:
    """virDomainObjListRename: the new name is taken."""
    return VirtError.report(ErrorCode.OPERATION_FAILED, _DOMAIN, f"domain with name '{name}' already exists")


def unknown_address_source(source: int, domain: int = ErrorDomain.QEMU) -> VirtError:
    """virDomainInterfaceAddresses in a driver (QEMU's or the test one): a source that is neither
    LEASE, AGENT nor ARP."""
    return VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, domain, f"Unknown IP address data source {source}")


# -- save images, memory peek, identity (domain_more) ------------------------------------------

def abi_mismatch(what: str, target: str, source: str) -> VirtError:
    """virDomainDefCheckABIStability: the new definition of a saved domain differs in what must not."""
    return conf_unsupported(f"Target domain {what} {target} does not match source {source}")


def cannot_open_file(path: str) -> VirtError:
    """virFileOpenAs on a file that is not there (errno ENOENT)."""
    return VirtError.report(ErrorCode.SYSTEM_ERROR, _QEMU, f"Failed to open file '{path}': No such file or directory")


def missing_restore_path() -> VirtError:
    return invalid_arg("missing path to restore from")


def peek_flags() -> VirtError:
    return invalid_arg("flags parameter must be VIR_MEMORY_VIRTUAL or VIR_MEMORY_PHYSICAL")


def peek_too_large() -> VirtError:
    """remoteDispatchDomainMemoryPeek: more than REMOTE_DOMAIN_MEMORY_PEEK_BUFFER_MAX bytes."""
    return VirtError.report(ErrorCode.RPC, ErrorDomain.RPC, "size > maximum buffer size")


def memsave_invalid(offset: int, size: int) -> VirtError:
    """QEMU's memsave on a virtual address the guest does not map."""
    return qemu_internal(f"unable to execute QEMU command 'memsave': Invalid addr 0x{offset:016x}/size {size} specified")


def no_alias(alias: str) -> VirtError:
    return conf_internal(f"no device found with alias {alias}")


def memory_node_missing(node: int, nodes: int) -> VirtError:
    """virDomainMemoryDefValidate: a memory device for a NUMA node the guest does not have."""
    return VirtError.report(ErrorCode.XML_DETAIL, _DOMAIN, f"can't add memory backend for guest node '{node}' as the "
                            f"guest has only '{nodes}' NUMA nodes configured")


def unsupported_native_format(fmt: str) -> VirtError:
    """virConnectDomainXMLToNative: the QEMU driver knows one format, qemu-argv."""
    return invalid_arg(f"unsupported config type {fmt}")
