"""virDomainGetGuestInfo and the guest vCPU APIs: qemu-ga's answers as libvirt's typed parameters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import agent as errors
from ...errors import check_flags
from ...errors import domain as domain_errors
from ..domain import Domain
from ..flags.agent import DomainGuestInfoTypes as T
from ..flags.node import TypedParamType as P
from ..typedparams import Param
from . import bitmap
from .api import agent_interfaces, disk_by_address

if TYPE_CHECKING:
    from ..domaindef import DomainDef
    from .api import GuestAgents

ALL_TYPES = sum(T)
GUEST_VCPU_MAX_ID = 4096  # QEMU_GUEST_VCPU_MAX_ID
OS_KEYS = ("id", "name", "pretty-name", "version", "version-id", "machine", "variant", "variant-id",
           "kernel-release", "kernel-version")


def guest_info(agents: GuestAgents, dom: Domain, types: int, flags: int) -> list[Param]:
    """qemuDomainGetGuestInfo: each requested group qemu-ga knows; a disabled command skips its group."""
    check_flags("qemuDomainGetGuestInfo", flags, 0)
    if types & ~ALL_TYPES:
        raise errors.bad_guest_info_types(types & ~ALL_TYPES)
    wanted = types or ALL_TYPES
    agents.available(dom)
    out: list[Param] = []

    def ask(kind: int, command: str) -> Any:
        return agents.run(dom, command, optional=True) if wanted & kind else None

    users, osinfo, tz = (ask(T.GUEST_INFO_USERS, "guest-get-users"), ask(T.GUEST_INFO_OS, "guest-get-osinfo"),
                         ask(T.GUEST_INFO_TIMEZONE, "guest-get-timezone"))
    host = ask(T.GUEST_INFO_HOSTNAME, "guest-get-host-name")
    fsinfo, disks = ask(T.GUEST_INFO_FILESYSTEM, "guest-get-fsinfo"), ask(T.GUEST_INFO_DISKS, "guest-get-disks")
    nics = ask(T.GUEST_INFO_INTERFACES, "guest-network-get-interfaces")
    if users is not None:
        out.append(("user.count", P.UINT, len(users)))
        for i, u in enumerate(users):
            out.append((f"user.{i}.name", P.STRING, u["user"]))
            if "domain" in u:
                out.append((f"user.{i}.domain", P.STRING, u["domain"]))
            out.append((f"user.{i}.login-time", P.ULLONG, int(u["login-time"] * 1000)))
    if osinfo is not None:
        out += [(f"os.{k}", P.STRING, osinfo[k]) for k in OS_KEYS if k in osinfo]
    if tz is not None:
        if "zone" in tz:
            out.append(("timezone.name", P.STRING, tz["zone"]))
        out.append(("timezone.offset", P.INT, tz["offset"]))
    if host is not None:
        out.append(("hostname", P.STRING, host["host-name"]))
    assert dom.live is not None
    if fsinfo:
        out += _fs_params(dom.live, list(reversed(fsinfo)))
    if disks:
        out += _disk_params(dom.live, disks)
    if nics:
        out += _interface_params(agent_interfaces(nics))
    return out


def _fs_params(live: DomainDef, fsinfo: list[dict[str, Any]]) -> list[Param]:
    out: list[Param] = [("fs.count", P.UINT, len(fsinfo))]
    for i, fs in enumerate(fsinfo):
        out += [(f"fs.{i}.name", P.STRING, fs["name"]), (f"fs.{i}.mountpoint", P.STRING, fs["mountpoint"]),
                (f"fs.{i}.fstype", P.STRING, fs["type"])]
        if "total-bytes" in fs:
            out.append((f"fs.{i}.total-bytes", P.ULLONG, fs["total-bytes"]))
        if "used-bytes" in fs:
            out.append((f"fs.{i}.used-bytes", P.ULLONG, fs["used-bytes"]))
        out.append((f"fs.{i}.disk.count", P.UINT, len(fs["disk"])))
        for j, d in enumerate(fs["disk"]):
            alias = disk_by_address(live, d)
            if alias is not None:
                out.append((f"fs.{i}.disk.{j}.alias", P.STRING, alias))
            if "serial" in d:
                out.append((f"fs.{i}.disk.{j}.serial", P.STRING, d["serial"]))
            if "dev" in d:
                out.append((f"fs.{i}.disk.{j}.device", P.STRING, d["dev"]))
    return out


def _disk_params(live: DomainDef, disks: list[dict[str, Any]]) -> list[Param]:
    out: list[Param] = [("disk.count", P.UINT, len(disks))]
    for i, d in enumerate(disks):
        out += [(f"disk.{i}.name", P.STRING, d["name"]), (f"disk.{i}.partition", P.BOOLEAN, int(d["partition"]))]
        deps = d.get("dependencies", [])
        if deps:
            out.append((f"disk.{i}.dependency.count", P.UINT, len(deps)))
            out += [(f"disk.{i}.dependency.{j}.name", P.STRING, dep) for j, dep in enumerate(deps)]
        address = d.get("address")
        if address is not None:
            if "serial" in address:
                out.append((f"disk.{i}.serial", P.STRING, address["serial"]))
            alias = disk_by_address(live, address)
            if alias is not None:
                out.append((f"disk.{i}.alias", P.STRING, alias))
        if "alias" in d:
            out.append((f"disk.{i}.guest_alias", P.STRING, d["alias"]))
    return out


def _interface_params(nics: list[tuple[str, str | None, list[tuple[int, str, int]]]]) -> list[Param]:
    out: list[Param] = [("if.count", P.UINT, len(nics))]
    for i, (name, hwaddr, addrs) in enumerate(nics):
        out.append((f"if.{i}.name", P.STRING, name))
        if hwaddr is not None:
            out.append((f"if.{i}.hwaddr", P.STRING, hwaddr))
        out.append((f"if.{i}.addr.count", P.UINT, len(addrs)))
        for j, (kind, addr, prefix) in enumerate(addrs):
            out += [(f"if.{i}.addr.{j}.type", P.STRING, "ipv6" if kind else "ipv4"),
                    (f"if.{i}.addr.{j}.addr", P.STRING, addr), (f"if.{i}.addr.{j}.prefix", P.UINT, prefix)]
    return out


# -- guest vCPUs ------------------------------------------------------------------------------------

def _guest_vcpus(agents: GuestAgents, dom: Domain) -> list[dict[str, Any]]:
    return list(agents.run(dom, "guest-get-vcpus"))


def guest_vcpus(agents: GuestAgents, dom: Domain, flags: int) -> list[Param]:
    """virDomainGetGuestVcpus: the vCPU, online and offlinable maps."""
    check_flags("qemuDomainGetGuestVcpus", flags, 0)
    info = _guest_vcpus(agents, dom)
    return [("vcpus", P.STRING, bitmap.format_ids(v["logical-id"] for v in info)),
            ("online", P.STRING, bitmap.format_ids(v["logical-id"] for v in info if v["online"])),
            ("offlinable", P.STRING, bitmap.format_ids(v["logical-id"] for v in info if v["can-offline"]))]


def set_guest_vcpus(agents: GuestAgents, dom: Domain, cpumap: str, state: int, flags: int) -> None:
    """virDomainSetGuestVcpus: every listed vCPU must exist; offlining needs an offlinable one."""
    check_flags("qemuDomainSetGuestVcpus", flags, 0)
    if state not in (0, 1):
        raise errors.unsupported_state()
    wanted = bitmap.parse(cpumap, GUEST_VCPU_MAX_ID)
    info = _guest_vcpus(agents, dom)
    changes = []
    for v in info:
        if v["logical-id"] not in wanted:
            continue
        if not state and not v["can-offline"]:
            raise errors.vcpu_not_offlinable(v["logical-id"])
        changes.append({"logical-id": v["logical-id"], "online": bool(state)})
        wanted.discard(v["logical-id"])
    if wanted:
        raise errors.guest_missing_vcpus(bitmap.format_ids(wanted))
    if changes:
        agents.run(dom, "guest-set-vcpus", {"vcpus": changes})


def online_count(agents: GuestAgents, dom: Domain) -> int:
    """virDomainGetVcpusFlags(VCPU_GUEST)."""
    return sum(1 for v in _guest_vcpus(agents, dom) if v["online"])


def set_online_count(agents: GuestAgents, dom: Domain, count: int) -> None:
    """qemuDomainSetVcpusAgent + qemuAgentUpdateCPUInfo: offline from the last, online from the first."""
    agents.available(dom)
    assert dom.live is not None
    if count > dom.live.current_vcpus:
        raise errors.vcpus_above_enabled(count, dom.live.current_vcpus)
    info = _guest_vcpus(agents, dom)
    if count > len(info):
        raise errors.fewer_guest_cpus()
    online = sum(1 for v in info if v["online"])
    fixed = sum(1 for v in info if v["online"] and not v["can-offline"])
    if count < fixed:
        raise errors.cannot_offline_enough()
    changes = []
    for v in reversed(info) if count < online else info:
        if online == count:
            break
        if count < online and v["online"] and v["can-offline"]:
            changes.append({"logical-id": v["logical-id"], "online": False})
            online -= 1
        elif count > online and not v["online"]:
            changes.append({"logical-id": v["logical-id"], "online": True})
            online += 1
    if changes:
        agents.run(dom, "guest-set-vcpus", {"vcpus": changes})


def require_live(dom: Domain) -> None:
    if not dom.active:
        raise domain_errors.guest_vcpus_inactive()
