"""Guest-agent procedures: filesystems, time, users, keys, vCPUs, guest info, addresses."""

from __future__ import annotations

from protocol import Proc, TypedParam
from protocol.remote import agent as a
from protocol.remote import domain_stats as w
from protocol.remote import network as net
from protocol.remote.limits import (
    DOMAIN_FSINFO_DISKS_MAX,
    DOMAIN_FSINFO_MAX,
    DOMAIN_GUEST_INFO_PARAMS_MAX,
    DOMAIN_INTERFACE_MAX,
)

from ..errors import VirtError
from ..errors import connect as connect_err
from ..model.agent import info
from ..model.typedparams import Param
from ._client import Client
from ._registry import procedure
from .domain import resolve


def _params(found: list[Param], limit: int) -> tuple[TypedParam, ...]:
    if len(found) > limit:
        raise VirtError.rpc(f"too many parameters '{len(found)}' for limit '{limit}'")
    return tuple(TypedParam(field=f, value=(kind, value)) for f, kind, value in found)


@procedure(Proc.DOMAIN_GET_FSINFO)
def domain_get_fsinfo(client: Client, args: w.DomainGetFsinfoArgs) -> w.DomainGetFsinfoRet:
    found = client.opened.agents.fs_info(resolve(client, args.dom), args.flags)
    if len(found) > DOMAIN_FSINFO_MAX:
        raise VirtError.rpc(f"Too many mountpoints in fsinfo: {len(found)} for limit {DOMAIN_FSINFO_MAX}")
    for _, _, _, aliases in found:
        if len(aliases) > DOMAIN_FSINFO_DISKS_MAX:
            raise VirtError.rpc(f"Too many disks in fsinfo: {len(aliases)} for limit {DOMAIN_FSINFO_DISKS_MAX}")
    return w.DomainGetFsinfoRet(info=tuple(w.DomainFsinfo(mountpoint=m, name=n, fstype=t, dev_aliases=tuple(d))
                                           for m, n, t, d in found), ret=len(found))


@procedure(Proc.DOMAIN_FSFREEZE)
def domain_fsfreeze(client: Client, args: w.DomainFsfreezeArgs) -> w.DomainFsfreezeRet:
    count = client.opened.agents.fs_freeze(resolve(client, args.dom), list(args.mountpoints), args.flags)
    return w.DomainFsfreezeRet(filesystems=count)


@procedure(Proc.DOMAIN_FSTHAW)
def domain_fsthaw(client: Client, args: w.DomainFsthawArgs) -> w.DomainFsthawRet:
    count = client.opened.agents.fs_thaw(resolve(client, args.dom), list(args.mountpoints), args.flags)
    return w.DomainFsthawRet(filesystems=count)


@procedure(Proc.DOMAIN_FSTRIM)
def domain_fstrim(client: Client, args: w.DomainFstrimArgs) -> None:
    client.opened.agents.fs_trim(resolve(client, args.dom), args.mountPoint, args.minimum, args.flags)


@procedure(Proc.DOMAIN_GET_TIME)
def domain_get_time(client: Client, args: w.DomainGetTimeArgs) -> w.DomainGetTimeRet:
    seconds, nseconds = client.opened.agents.get_time(resolve(client, args.dom), args.flags)
    return w.DomainGetTimeRet(seconds=seconds, nseconds=nseconds)


@procedure(Proc.DOMAIN_SET_TIME)
def domain_set_time(client: Client, args: w.DomainSetTimeArgs) -> None:
    client.opened.agents.set_time(resolve(client, args.dom), args.seconds, args.nseconds, args.flags)


@procedure(Proc.DOMAIN_SET_USER_PASSWORD)
def domain_set_user_password(client: Client, args: w.DomainSetUserPasswordArgs) -> None:
    client.opened.agents.set_user_password(resolve(client, args.dom), args.user, args.password, args.flags)


@procedure(Proc.DOMAIN_GET_GUEST_INFO)
def domain_get_guest_info(client: Client, args: w.DomainGetGuestInfoArgs) -> w.DomainGetGuestInfoRet:
    found = info.guest_info(client.opened.agents, resolve(client, args.dom), args.types, args.flags)
    return w.DomainGetGuestInfoRet(params=_params(found, DOMAIN_GUEST_INFO_PARAMS_MAX))


@procedure(Proc.DOMAIN_GET_GUEST_VCPUS)
def domain_get_guest_vcpus(client: Client, args: w.DomainGetGuestVcpusArgs) -> w.DomainGetGuestVcpusRet:
    found = info.guest_vcpus(client.opened.agents, resolve(client, args.dom), args.flags)
    return w.DomainGetGuestVcpusRet(params=_params(found, len(found)))


@procedure(Proc.DOMAIN_SET_GUEST_VCPUS)
def domain_set_guest_vcpus(client: Client, args: a.DomainSetGuestVcpusArgs) -> None:
    info.set_guest_vcpus(client.opened.agents, resolve(client, args.dom), args.cpumap, args.state, args.flags)


@procedure(Proc.DOMAIN_AUTHORIZED_SSH_KEYS_GET)
def domain_authorized_ssh_keys_get(client: Client, args: a.DomainAuthorizedSshKeysGetArgs
                                   ) -> a.DomainAuthorizedSshKeysGetRet:
    keys = client.opened.agents.ssh_keys_get(resolve(client, args.dom), args.user, args.flags)
    return a.DomainAuthorizedSshKeysGetRet(keys=tuple(keys))


@procedure(Proc.DOMAIN_AUTHORIZED_SSH_KEYS_SET)
def domain_authorized_ssh_keys_set(client: Client, args: a.DomainAuthorizedSshKeysSetArgs) -> None:
    client.opened.agents.ssh_keys_set(resolve(client, args.dom), args.user, list(args.keys), args.flags)


@procedure(Proc.DOMAIN_AGENT_SET_RESPONSE_TIMEOUT)
def domain_agent_set_response_timeout(client: Client, args: a.DomainAgentSetResponseTimeoutArgs
                                      ) -> a.DomainAgentSetResponseTimeoutRet:
    client.opened.agents.set_response_timeout(resolve(client, args.dom), args.timeout, args.flags)
    return a.DomainAgentSetResponseTimeoutRet(result=0)


@procedure(Proc.DOMAIN_INTERFACE_ADDRESSES)
def domain_interface_addresses(client: Client, args: net.DomainInterfaceAddressesArgs
                               ) -> net.DomainInterfaceAddressesRet:
    found = client.opened.agents.interface_addresses(resolve(client, args.dom), args.source, args.flags)
    if len(found) > DOMAIN_INTERFACE_MAX:
        raise connect_err.too_many_interfaces(len(found), DOMAIN_INTERFACE_MAX)
    ifaces = tuple(net.DomainInterface(name=name, hwaddr=mac,
                                     addrs=tuple(net.DomainIpAddr(type=t, addr=x, prefix=p) for t, x, p in addrs))
                   for name, mac, addrs in found)
    return net.DomainInterfaceAddressesRet(ifaces=ifaces)
