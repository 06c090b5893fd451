"""Faults by object, hang and drop-connection through raw clients; the calls log the server keeps."""

from __future__ import annotations

import pytest
import trio

from fakevirt.client import AsyncClient
from fakevirt.model.faults import Fault, error_from_spec
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import minimal_domain_xml, serving
from protocol import ErrorCode, ErrorDomain, LibvirtError, Proc
from protocol.remote.domain import DomainCreateArgs, DomainDefineXmlArgs, DomainLookupByNameArgs


def tcp(bound: list) -> str:
    return "tcp://" + bound[0].address


async def _define(c: AsyncClient, name: str) -> object:
    return (await c.call(Proc.DOMAIN_DEFINE_XML, DomainDefineXmlArgs(xml=minimal_domain_xml(name)))).dom


async def test_a_fault_matched_to_one_domain_fails_only_its_start() -> None:
    hv = Hypervisor()
    hv.faults.add(Fault("DOMAIN_CREATE", error=error_from_spec("OPERATION_FAILED:QEMU:no room", ErrorDomain.QEMU),
                        match={"domain": "vm1"}, count=None))
    with trio.fail_after(10):
        async with serving(hv) as (_, bound), AsyncClient.connect(tcp(bound)) as c:
            await c.open()
            vm1, vm2 = await _define(c, "vm1"), await _define(c, "vm2")
            await c.call(Proc.DOMAIN_CREATE, DomainCreateArgs(dom=vm2))
            with pytest.raises(LibvirtError) as e:
                await c.call(Proc.DOMAIN_CREATE, DomainCreateArgs(dom=vm1))
            assert (e.value.code, e.value.domain, e.value.message) == (
                ErrorCode.OPERATION_FAILED, ErrorDomain.QEMU, "operation failed: no room")
    assert not hv.system.domains.by_name("vm1").active and hv.system.domains.by_name("vm2").active
    creates = [r.to_json() for r in hv.calls.of("DOMAIN_CREATE")]
    assert [(r["object"]["domain"], r["result"]) for r in creates] == [
        ("vm2", "ok"), ("vm1", {"code": 9, "domain": 10, "message": "operation failed: no room"})]
    assert creates[0]["object"]["uuid"] == str(hv.system.domains.by_name("vm2").uuid)


async def test_the_third_call_fails() -> None:
    hv = Hypervisor()
    hv.faults.add(Fault("CONNECT_GET_HOSTNAME", error=error_from_spec("1", ErrorDomain.RPC), after=2))
    async with serving(hv) as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        results = []
        for _ in range(4):
            try:
                results.append((await c.call(Proc.CONNECT_GET_HOSTNAME)).hostname == hv.host.hostname)
            except LibvirtError as e:
                results.append((e.code, e.domain, e.message))
    assert results == [True, True, (ErrorCode.INTERNAL_ERROR, ErrorDomain.RPC, "internal error"), True]


async def test_a_hung_call_never_answers_but_everything_else_is_served() -> None:
    hv = Hypervisor()
    hv.faults.add(Fault("DOMAIN_LOOKUP_BY_NAME", hang=True, match={"name": "stuck"}))
    with trio.fail_after(10):
        async with serving(hv) as (_, bound), AsyncClient.connect(tcp(bound)) as a, \
                AsyncClient.connect(tcp(bound)) as b:
            await a.open()
            await b.open()
            await _define(a, "stuck")
            answered = trio.Event()

            async def hung() -> None:
                await a.call(Proc.DOMAIN_LOOKUP_BY_NAME, DomainLookupByNameArgs(name="stuck"))
                answered.set()

            async with trio.open_nursery() as n:
                n.start_soon(hung)
                await trio.sleep(0.1)
                # the same connection's next calls (pipelined) and another client's are answered
                assert (await a.call(Proc.DOMAIN_LOOKUP_BY_NAME, DomainLookupByNameArgs(name="stuck"))).dom.name == "stuck"
                assert (await b.call(Proc.CONNECT_GET_HOSTNAME)).hostname
                await trio.sleep(0.2)
                assert not answered.is_set()
                n.cancel_scope.cancel()
    results = [r.result for r in hv.calls.of("DOMAIN_LOOKUP_BY_NAME")]
    assert results == ["hang", "ok"]


async def test_drop_connection_closes_only_that_client() -> None:
    hv = Hypervisor()
    hv.faults.add(Fault("CONNECT_GET_HOSTNAME", drop=True))
    with trio.fail_after(10):
        async with serving(hv) as (_, bound), AsyncClient.connect(tcp(bound)) as a, \
                AsyncClient.connect(tcp(bound)) as b:
            await a.open()
            await b.open()
            with pytest.raises(ConnectionError):
                await a.call(Proc.CONNECT_GET_HOSTNAME)
            await a.closed.wait()
            assert (await b.call(Proc.CONNECT_GET_HOSTNAME)).hostname
    assert [r.result for r in hv.calls.of("CONNECT_GET_HOSTNAME")] == ["dropped", "ok"]


async def test_a_delayed_drop_closes_after_the_delay(autojump_clock: object) -> None:
    hv = Hypervisor()
    hv.faults.add(Fault("CONNECT_GET_HOSTNAME", drop=True, delay=5))
    async with serving(hv) as (_, bound), AsyncClient.connect(tcp(bound)) as a:
        await a.open()
        start = trio.current_time()
        with pytest.raises(ConnectionError):
            await a.call(Proc.CONNECT_GET_HOSTNAME)
        assert trio.current_time() - start == pytest.approx(5, abs=0.5)


async def test_calls_log_records_client_serial_and_reply_object() -> None:
    hv = Hypervisor()
    async with serving(hv) as (_, bound), AsyncClient.connect(tcp(bound)) as c:
        await c.open()
        await _define(c, "logged")
    entries = hv.calls.of()
    assert [e.procedure for e in entries] == ["AUTH_LIST", "CONNECT_OPEN", "DOMAIN_DEFINE_XML"]
    define = entries[-1]
    assert define.obj["domain"] == "logged" and define.result == "ok"  # from the reply: the args are XML
    assert [e.serial for e in entries] == [0, 1, 2] and len({e.client for e in entries}) == 1
