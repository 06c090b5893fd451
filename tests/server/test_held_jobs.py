"""A call whose save/dump job a test holds waits in its session without stalling anyone: the same
connection's other calls, other clients, a client that leaves, and a reset."""

from __future__ import annotations

import trio
import trio.testing

from fakevirt.client import AsyncClient
from fakevirt.model.domain import Shutoff, State
from fakevirt.model.domain_jobs import Phase
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import minimal_domain_xml, serving
from protocol import ErrorCode, LibvirtError, NonnullDomain, Proc
from protocol.remote.domain import (
    DomainCreateArgs,
    DomainDefineXmlArgs,
    DomainGetJobStatsArgs,
    DomainSaveFlagsArgs,
)

UNBOUNDED = 2


async def started(c: AsyncClient, name: str) -> NonnullDomain:
    dom = (await c.call(Proc.DOMAIN_DEFINE_XML, DomainDefineXmlArgs(xml=minimal_domain_xml(name)))).dom
    await c.call(Proc.DOMAIN_CREATE, DomainCreateArgs(dom=dom))
    return dom


async def save(c: AsyncClient, dom: NonnullDomain, done: list[object]) -> None:
    try:
        done.append(await c.call(Proc.DOMAIN_SAVE_FLAGS, DomainSaveFlagsArgs(dom=dom, to=f"/s/{dom.name}",
                                                                            dxml=None, flags=0)))
    except LibvirtError as e:
        done.append(e)


async def wait_held(hv: Hypervisor) -> None:
    await trio.testing.wait_all_tasks_blocked()  # the call arrived and waits (server and client in this run)
    assert len(hv.domjobs.running) == 1


async def test_same_connection_and_others_are_served_while_a_save_waits() -> None:
    hv = Hypervisor()
    with trio.fail_after(10):
        async with serving(hv) as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.open()
            dom = await started(c, "vm")
            other = await started(c, "other")
            hv.domjobs.arm(hv.system.domains.find_name("vm"), 0.5)
            done: list[object] = []
            async with trio.open_nursery() as nursery:
                nursery.start_soon(save, c, dom, done)
                await wait_held(hv)
                stats = await c.call(Proc.DOMAIN_GET_JOB_STATS, DomainGetJobStatsArgs(dom=dom, flags=0))
                assert stats.type == UNBOUNDED
                async with AsyncClient.connect("tcp://" + bound[0].address) as c2:
                    await c2.open()
                    await save(c2, other, done)  # another domain's save is not held: it runs
                assert done == [None] and hv.system.domains.find_name("other").reason == Shutoff.SAVED
                hv.domjobs.finish(hv.domjobs.running[str(hv.system.domains.find_name("vm").uuid)])
            assert done == [None, None]
            vm = hv.system.domains.find_name("vm")
            assert (vm.state, vm.reason) == (State.SHUTOFF, Shutoff.SAVED)


async def test_a_client_that_leaves_leaves_the_job_running_and_a_reset_ends_it() -> None:
    hv = Hypervisor()
    with trio.fail_after(10):
        async with serving(hv) as (server, bound):
            async with AsyncClient.connect("tcp://" + bound[0].address) as c:
                await c.open()
                dom = await started(c, "vm")
                hv.domjobs.arm(hv.system.domains.find_name("vm"))
                left: list[object] = []
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(save, c, dom, left)
                    await wait_held(hv)
                    nursery.cancel_scope.cancel()  # the client goes away while its call waits
            await trio.testing.wait_all_tasks_blocked()
            assert not server.sessions
            job = next(iter(hv.domjobs.running.values()))
            assert job.phase is Phase.RUNNING  # as libvirtd's API thread, the job goes on
            hv.domjobs.finish(job)  # no one to answer; the save happens
            vm = hv.system.domains.find_name("vm")
            assert (vm.state, vm.reason) == (State.SHUTOFF, Shutoff.SAVED)

            async with AsyncClient.connect("tcp://" + bound[0].address) as c:
                await c.open()
                dom = await started(c, "vm2")
                hv.domjobs.arm(hv.system.domains.find_name("vm2"))
                done: list[object] = []
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(save, c, dom, done)
                    await wait_held(hv)
                    hv.reset()
                [error] = done
                assert isinstance(error, LibvirtError) and error.code == ErrorCode.OPERATION_FAILED
                assert error.message == "operation failed: domain is not running"
                assert hv.domjobs.running == {} and hv.domjobs.armed == {}
