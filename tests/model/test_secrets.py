"""The secret driver's model: usage index, redefinition, values, events, registrations, reset."""

from __future__ import annotations

import uuid

import pytest

from fakevirt.errors import ErrorCode, VirtError
from fakevirt.handlers import Client
from fakevirt.handlers.secret_events import secret_event_messages
from fakevirt.model.flags.secret import SecretUsageType
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.secrets import SecretDef, SecretEvent
from fakevirt.server.dispatch import dispatch
from protocol import Call, ErrorReply, Proc, Reply
from protocol.remote import secret as w

CEPH = SecretUsageType.CEPH


def ceph(name: str, u: int | None = None, private: bool = False) -> SecretDef:
    return SecretDef(uuid.UUID(int=u) if u is not None else None, CEPH, name, private=private)


def test_usage_index_follows_redefinition_and_undefine() -> None:
    hv = Hypervisor()
    s = hv.secrets.define(ceph("a", 1))
    assert hv.secrets.by_usage(CEPH, "a") is s
    hv.secrets.define(SecretDef(uuid.UUID(int=1), SecretUsageType.ISCSI, "a"))  # same usage ID, other type
    with pytest.raises(VirtError) as e:
        hv.secrets.by_usage(CEPH, "a")
    assert e.value.code == ErrorCode.NO_SECRET
    assert hv.secrets.by_usage(SecretUsageType.ISCSI, "a") is s
    hv.secrets.undefine(s)
    assert len(hv.secrets) == 0 and hv.secrets.usages == {}
    hv.secrets.define(ceph("a"))  # the usage is free again
    with pytest.raises(VirtError):  # a secret without usage is never found by usage
        hv.secrets.by_usage(SecretUsageType.NONE, "")


def test_values_for_drivers_ignore_private_but_check_type() -> None:
    hv = Hypervisor()
    s = hv.secrets.define(ceph("a", 1, private=True))
    hv.secrets.set_value(s, b"k", 0)
    assert hv.secrets.value_for("a", CEPH) == b"k"
    assert hv.secrets.value_for(uuid.UUID(int=1), CEPH) == b"k"
    with pytest.raises(VirtError) as e:
        hv.secrets.value_for(uuid.UUID(int=1), SecretUsageType.VOLUME)
    assert e.value.message == (f"invalid argument: secret with uuid {uuid.UUID(int=1)} is of type 'ceph' not "
                               "expected 'volume' type")
    with pytest.raises(VirtError) as e:
        hv.secrets.get_value(s, 0)
    assert e.value.code == ErrorCode.INVALID_SECRET


def test_reset_forgets_secrets_and_replays_uuids() -> None:
    hv = Hypervisor(seed=3)
    first = hv.secrets.define(ceph("a")).uuid
    hv.reset()
    assert len(hv.secrets) == 0
    assert hv.secrets.define(ceph("a")).uuid == first


def test_event_registration_and_messages() -> None:
    hv = Hypervisor()
    client = Client(hv, id=1)
    client.driver = hv.system

    def call(proc: int, args: object) -> object:
        return dispatch(client, Call(program=0x20008086, version=1, procedure=proc, serial=1, args=args)).reply

    only = w.NonnullSecret(uuid=uuid.UUID(int=2).bytes, usageType=0, usageID="")
    r = call(Proc.CONNECT_SECRET_EVENT_REGISTER_ANY, w.ConnectSecretEventRegisterAnyArgs(eventID=0, secret=None))
    assert isinstance(r, Reply) and r.ret.callbackID == 1
    r = call(Proc.CONNECT_SECRET_EVENT_REGISTER_ANY, w.ConnectSecretEventRegisterAnyArgs(eventID=1, secret=only))
    assert isinstance(r, Reply) and r.ret.callbackID == 2
    bad = call(Proc.CONNECT_SECRET_EVENT_REGISTER_ANY, w.ConnectSecretEventRegisterAnyArgs(eventID=2, secret=None))
    assert isinstance(bad, ErrorReply) and bad.error.message == "internal error: unsupported secret event ID 2"
    got: list = []
    hv.bus.subscribe(SecretEvent, lambda ev: got.extend(secret_event_messages(client, ev)))
    one = hv.secrets.define(ceph("one", 1))
    two = hv.secrets.define(ceph("two", 2))
    hv.secrets.set_value(one, b"x", 0)
    hv.secrets.set_value(two, b"y", 0)
    assert [(m.procedure, m.body.callbackID, m.body.secret.usageID) for m in got] == [
        (Proc.SECRET_EVENT_LIFECYCLE, 1, "one"), (Proc.SECRET_EVENT_LIFECYCLE, 1, "two"),
        (Proc.SECRET_EVENT_VALUE_CHANGED, 2, "two")]
    assert isinstance(call(Proc.CONNECT_SECRET_EVENT_DEREGISTER_ANY,
                           w.ConnectSecretEventDeregisterAnyArgs(callbackID=1)), Reply)
    again = call(Proc.CONNECT_SECRET_EVENT_DEREGISTER_ANY, w.ConnectSecretEventDeregisterAnyArgs(callbackID=1))
    # libvirtd 9.0's dispatcher names the wrong family here
    assert isinstance(again, ErrorReply) and again.error.message == \
        "internal error: node device event callback 1 not registered"
