"""On the wire: a synchronous pivot's COMPLETED events reach the client before the abort's reply.

libvirtd's order (recorded with virsh's RPC debug log against the reference): the block-job
events of a synchronous virDomainBlockJobAbort, then its reply.  Clients rely on it: virsh
blockcopy --wait --pivot/--finish cleans up right after the reply.
"""

from __future__ import annotations

import trio

from fakevirt.client import AsyncClient
from fakevirt.model.clock import ManualClock
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import serving
from fakevirt.testing.domains import domain_from_xml
from protocol import Proc
from protocol.remote import blockjob as w
from protocol.remote.domain import DomainLookupByNameArgs
from protocol.remote.events import ConnectDomainEventCallbackRegisterAnyArgs

BLOCK_JOB, BLOCK_JOB_2 = 8, 16
DOMAIN = """<domain type='kvm'><name>vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/i/vm.qcow2'/>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""
COPY_XML = "<disk type='file'><source file='/i/copy.qcow2'/></disk>"


async def test_pivot_events_come_before_the_reply() -> None:
    hv = Hypervisor(clock=ManualClock())
    hv.images.create("/i/vm.qcow2", "qcow2", 1 << 20)
    hv.system.domains.start(hv.system.domains.define(domain_from_xml(DOMAIN, hv.rng)))
    with trio.fail_after(10):
        async with serving(hv) as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.open()
            for event_id in (BLOCK_JOB, BLOCK_JOB_2):
                await c.call(Proc.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
                             ConnectDomainEventCallbackRegisterAnyArgs(eventID=event_id, dom=None))
            dom = (await c.call(Proc.DOMAIN_LOOKUP_BY_NAME, DomainLookupByNameArgs(name="vm"))).dom
            await c.call(Proc.DOMAIN_BLOCK_COPY, w.DomainBlockCopyArgs(dom=dom, path="vda", destxml=COPY_XML,
                                                                      params=(), flags=4))
            job = hv.blockjobs.find(hv.system, hv.system.domains.find_name("vm"), "vda")
            assert job is not None
            hv.blockjobs.finish(job)  # READY events, queued for the client
            await c.call(Proc.DOMAIN_BLOCK_JOB_ABORT, w.DomainBlockJobAbortArgs(dom=dom, path="vda", flags=2))
            seen = []
            while True:
                try:
                    seen.append(c.events.receive_nowait())
                except trio.WouldBlock:
                    break
            statuses = [(m.procedure, (m.body.msg if hasattr(m.body, "msg") else m.body).status) for m in seen]
            assert statuses == [
                (Proc.DOMAIN_EVENT_CALLBACK_BLOCK_JOB, 3), (Proc.DOMAIN_EVENT_BLOCK_JOB_2, 3),
                (Proc.DOMAIN_EVENT_CALLBACK_BLOCK_JOB, 0), (Proc.DOMAIN_EVENT_BLOCK_JOB_2, 0)]
