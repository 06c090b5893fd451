"""ListAll* and stats replies past the protocol's limits: libvirtd's dispatcher errors, not a disconnect."""

from __future__ import annotations

import re

import pytest

from fakevirt.handlers import Client, connect, domain_stats, storage
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.server.dispatch import dispatch
from fakevirt.testing import minimal_domain_xml
from protocol import Call, ErrorCode, ErrorDomain, ErrorReply, Proc, Program, Reply
from protocol.remote import connect as wc
from protocol.remote import domain as wd
from protocol.remote import domain_stats as ws
from protocol.remote import storage as wst


def call(client: Client, proc: int, args: object) -> Reply | ErrorReply:
    return dispatch(client, Call(program=Program.REMOTE, version=1, procedure=proc, serial=1, args=args)).reply


@pytest.fixture
def client() -> Client:
    c = Client(Hypervisor(), id=1)
    assert isinstance(call(c, Proc.CONNECT_OPEN, wc.ConnectOpenArgs(name="qemu:///system", flags=0)), Reply)
    for name in ("a", "b", "c"):
        assert isinstance(call(c, Proc.DOMAIN_DEFINE_XML, wd.DomainDefineXmlArgs(xml=minimal_domain_xml(name))), Reply)
    return c


def error(reply: Reply | ErrorReply) -> tuple[int, int, str | None]:
    assert isinstance(reply, ErrorReply)
    return reply.error.code, reply.error.domain, reply.error.message


@pytest.mark.parametrize("need_results", [0, 1])
def test_list_all_domains_past_the_limit(client: Client, monkeypatch: pytest.MonkeyPatch, need_results: int) -> None:
    args = wc.ConnectListAllDomainsArgs(need_results=need_results, flags=0)
    assert isinstance(call(client, Proc.CONNECT_LIST_ALL_DOMAINS, args), Reply)
    monkeypatch.setattr(connect, "DOMAIN_LIST_MAX", 2)
    assert error(call(client, Proc.CONNECT_LIST_ALL_DOMAINS, args)) == (
        ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "internal error: Too many domains '3' for limit '2'")


def test_list_all_pools_past_the_limit(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("p", "q"):
        xml = f"<pool type='dir'><name>{name}</name><target><path>/srv/{name}</path></target></pool>"
        assert isinstance(call(client, Proc.STORAGE_POOL_DEFINE_XML, wst.StoragePoolDefineXmlArgs(xml=xml, flags=0)),
                          Reply)
    monkeypatch.setattr(storage, "STORAGE_POOL_LIST_MAX", 1)
    assert error(call(client, Proc.CONNECT_LIST_ALL_STORAGE_POOLS,
                      wst.ConnectListAllStoragePoolsArgs(need_results=1, flags=0))) == (
        ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "internal error: Too many storage_pools '2' for limit '1'")


def test_domain_stats_past_the_record_limit(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ws.ConnectGetAllDomainStatsArgs(doms=(), stats=0, flags=0)
    assert isinstance(call(client, Proc.CONNECT_GET_ALL_DOMAIN_STATS, args), Reply)
    monkeypatch.setattr(domain_stats, "DOMAIN_LIST_MAX", 2)
    assert error(call(client, Proc.CONNECT_GET_ALL_DOMAIN_STATS, args)) == (
        ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC,
        "internal error: Number of domain stats records is 3, which exceeds max limit: 2")
    monkeypatch.setattr(domain_stats, "DOMAIN_LIST_MAX", 16384)
    monkeypatch.setattr(domain_stats, "CONNECT_GET_ALL_DOMAIN_STATS_MAX", 1)
    assert error(call(client, Proc.CONNECT_GET_ALL_DOMAIN_STATS, args))[:2] == (ErrorCode.RPC, ErrorDomain.RPC)


def test_list_all_node_devices_past_the_limit(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """gendispatch.pl names the handle type as remote_protocol.x does: node_device."""
    from fakevirt.handlers import nodedev
    from protocol.remote import nodedev as wn

    monkeypatch.setattr(nodedev, "NODE_DEVICE_LIST_MAX", 1)
    code, domain, message = error(call(client, Proc.CONNECT_LIST_ALL_NODE_DEVICES,
                                       wn.ConnectListAllNodeDevicesArgs(need_results=1, flags=0)))
    assert (code, domain) == (ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC)
    assert message is not None and re.fullmatch(r"internal error: Too many node_devices '\d+' for limit '1'", message)
