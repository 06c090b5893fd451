"""Every handler, fed arbitrary well-formed arguments, answers with a reply or a libvirt error.

No handler may fail with an unexpected exception (dispatch would answer "internal error:
unexpected failure in fakevirt"): bad names, handles, flags and sizes all get libvirt's errors.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakevirt.handlers import HANDLERS, Client
from fakevirt.model.clock import ManualClock
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.server.dispatch import dispatch
from fakevirt.testing import minimal_domain_xml
from fakevirt.testing.domains import domain_from_xml
from fakevirt.testing.strategies import strategy_for
from protocol import PROCEDURES, Call, ErrorCode, ErrorDomain, ErrorReply, NonnullDomain, encode

UNEXPECTED = "internal error: unexpected failure in fakevirt"
LIBVIRT_CODES = frozenset(int(c) for c in ErrorCode)
LIBVIRT_DOMAINS = frozenset(int(d) for d in ErrorDomain)


def make_client(readonly: bool) -> Client:
    hv = Hypervisor(clock=ManualClock())
    client = Client(hv, id=1)
    client.driver = hv.system
    client.readonly = readonly
    domains = hv.system.domains
    running = domains.define(domain_from_xml(minimal_domain_xml("running"), hv.rng, hv.host))
    domains.start(running)
    domains.define(domain_from_xml(minimal_domain_xml("off"), hv.rng, hv.host))
    return client


def with_real_handles(client: Client, args: Any, data: st.DataObject) -> Any:
    """Point some generated domain handles at domains that exist, so deeper code runs too."""
    doms = [NonnullDomain(name=d.name, uuid=d.uuid.bytes, id=d.id) for d in client.opened.domains]
    if args is None or not hasattr(args, "__struct_fields__"):
        return args
    values = {}
    for name in args.__struct_fields__:
        value = getattr(args, name)
        if isinstance(value, NonnullDomain) and data.draw(st.booleans(), label=f"real {name}"):
            value = data.draw(st.sampled_from(doms), label=name)
        values[name] = value
    return type(args)(**values)


HANDLED = sorted(HANDLERS, key=lambda k: k[1])


@pytest.mark.parametrize("key", HANDLED, ids=[PROCEDURES[k].name for k in HANDLED])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), readonly=st.booleans())
def test_handler_never_fails_unexpectedly(key: tuple[int, int], data: st.DataObject, readonly: bool) -> None:
    proc = PROCEDURES[key]
    client = make_client(readonly)
    args = data.draw(strategy_for(proc.args), label="args") if proc.args is not None else None
    args = with_real_handles(client, args, data)
    call = Call(program=key[0], version=1, procedure=key[1], serial=7, args=args)
    reply = dispatch(client, call).reply
    assert (reply.program, reply.version, reply.procedure, reply.serial) == (key[0], 1, key[1], 7)
    if isinstance(reply, ErrorReply):
        error = reply.error
        assert error.message != UNEXPECTED, f"{proc.name} raised unexpectedly for {args!r}"
        assert error.message  # always a human text
        assert error.code in LIBVIRT_CODES and error.domain in LIBVIRT_DOMAINS, f"{proc.name}: {error!r}"
    else:
        # what a handler returns must be encodable as the procedure's ret
        encode(proc.ret, reply.ret)


def test_uuid_handles_of_unknown_domains_get_no_domain() -> None:
    client = make_client(False)
    ghost = NonnullDomain(name="ghost", uuid=uuid.UUID(int=42).bytes, id=-1)
    from protocol import Proc
    from protocol.remote.domain import DomainGetInfoArgs
    reply = dispatch(client, Call(program=0x20008086, version=1, procedure=Proc.DOMAIN_GET_INFO, serial=1,
                                  args=DomainGetInfoArgs(dom=ghost))).reply
    assert isinstance(reply, ErrorReply)
    assert reply.error.message == ("Domain not found: no domain with matching uuid "
                                   "'00000000-0000-0000-0000-00000000002a' (ghost)")
