"""The guest agent in the model: channel lifecycle on hv.clock, test controls, qemu-ga answers, errors."""

from __future__ import annotations

import json

import pytest

from fakevirt.errors import ErrorCode, ErrorDomain, VirtError
from fakevirt.model.agent import GuestFS, GuestFSDisk, GuestNIC, GuestUser, GuestVcpu
from fakevirt.model.agent.info import guest_info, guest_vcpus, set_guest_vcpus
from fakevirt.model.clock import ManualClock
from fakevirt.model.domain import Domain
from fakevirt.model.events import DomainEvent
from fakevirt.model.flags.snapshot import DomainSnapshotCreateFlags as Create
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing.domains import domain_from_xml
from fakevirt.xml.snapshot import parse_snapshot_xml

CHANNEL = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
XML = """<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>4</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<disk type='file' device='disk'><source file='/var/lib/libvirt/images/{name}.qcow2'/>
<target dev='vda' bus='virtio'/></disk>
<interface type='network'><source network='default'/><mac address='52:54:00:11:22:33'/></interface>
{channel}</devices></domain>"""


@pytest.fixture
def hv() -> Hypervisor:
    return Hypervisor(clock=ManualClock(), default_network=True)


@pytest.fixture
def events(hv: Hypervisor) -> list[tuple[str, dict]]:
    seen: list[tuple[str, dict]] = []
    hv.bus.subscribe(DomainEvent, lambda e: seen.append((e.event_id.name, dict(e.data))))
    return seen


def define(hv: Hypervisor, name: str = "g1", channel: bool = True) -> Domain:
    hv.images.create(f"/var/lib/libvirt/images/{name}.qcow2", "qcow2", 1 << 30)
    return hv.system.domains.define(domain_from_xml(XML.format(name=name, channel=CHANNEL if channel else ""), hv.rng))


def running(hv: Hypervisor, channel: bool = True) -> Domain:
    dom = define(hv, channel=channel)
    hv.system.domains.start(dom)
    if channel:
        hv.system.agents.agent_up(dom)
    return dom


def error(fn, *args) -> tuple[int, int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(VirtError) as e:
        fn(*args)
    return e.value.code, e.value.domain, str(e.value)


NOT_CONNECTED = (ErrorCode.AGENT_UNRESPONSIVE, ErrorDomain.QEMU,
                 "Guest agent is not responding: QEMU guest agent is not connected")
NOT_CONFIGURED = (ErrorCode.ARGUMENT_UNSUPPORTED, ErrorDomain.QEMU,
                  "argument unsupported: QEMU guest agent is not configured")
TIMED_OUT = (ErrorCode.AGENT_UNRESPONSIVE, ErrorDomain.QEMU, "Guest agent is not responding: Guest agent not available for now")


def test_channel_starts_disconnected_then_connects_after_boot(hv: Hypervisor, events: list) -> None:
    dom = define(hv)
    events.clear()
    hv.system.domains.start(dom)
    agent = [e for e in events if e[0] == "AGENT_LIFECYCLE"]
    assert agent == [("AGENT_LIFECYCLE", {"state": 2, "reason": 1})]  # disconnected, domain started
    assert events.index(agent[0]) < events.index(("LIFECYCLE", {"event": 2, "detail": 0}))
    assert error(hv.system.agents.fs_info, dom, 0) == NOT_CONNECTED
    hv.clock.advance(dom.guest.boot_seconds - 0.5)
    hv.system.agents.tick()
    assert len([e for e in events if e[0] == "AGENT_LIFECYCLE"]) == 1
    hv.clock.advance(1)
    hv.system.agents.tick()
    assert events[-1] == ("AGENT_LIFECYCLE", {"state": 1, "reason": 2})  # connected, channel event
    assert dom.live is not None and dom.live.channels[0].target_attrs["state"] == "connected"
    events.clear()
    hv.system.domains.destroy(dom)
    assert not [e for e in events if e[0] == "AGENT_LIFECYCLE"]  # libvirtd sends none at stop
    assert not dom.guest.link.connected


def test_an_agent_call_catches_up_with_the_clock(hv: Hypervisor) -> None:
    dom = define(hv)
    hv.system.domains.start(dom)
    hv.clock.advance(10)
    assert hv.system.agents.get_time(dom, 0) == (int(hv.clock.now()), 0)


def test_guest_without_qemu_ga_never_connects(hv: Hypervisor) -> None:
    dom = define(hv)
    dom.guest.runs_agent = False
    hv.system.domains.start(dom)
    hv.clock.advance(60)
    assert error(hv.system.agents.get_time, dom, 0) == NOT_CONNECTED


def test_errors_follow_the_definition_and_state(hv: Hypervisor) -> None:
    plain = running(hv, channel=False)
    agents = hv.system.agents
    assert error(agents.fs_info, plain, 0) == NOT_CONFIGURED
    assert error(agents.agent_up, plain) == NOT_CONFIGURED
    dom = define(hv, "g2")
    assert error(agents.fs_info, dom, 0) == (ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN,
                                             "Requested operation is not valid: domain is not running")
    assert error(agents.fs_trim, dom, None, 0, 0)[:2] == (ErrorCode.OPERATION_INVALID, ErrorDomain.QEMU)
    assert error(agents.set_time, dom, 1, 0, 0) == (
        ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.QEMU,
        "Operation not supported: cannot set time: qemu doesn't support rtc-reset-reinjection command")
    hv.system.domains.start(dom)
    agents.agent_up(dom)
    hv.system.domains.suspend(dom)
    assert error(agents.get_time, dom, 0) == (ErrorCode.OPERATION_INVALID, ErrorDomain.QEMU,
                                              "Requested operation is not valid: domain is not running")


def test_down_hang_and_up_controls(hv: Hypervisor, events: list) -> None:
    dom = running(hv)
    agents = hv.system.agents
    agents.agent_hang(dom)
    assert error(agents.get_time, dom, 0) == TIMED_OUT
    assert error(agents.agent_command, dom, '{"execute":"guest-ping"}') == TIMED_OUT
    agents.agent_down(dom)
    assert events[-1] == ("AGENT_LIFECYCLE", {"state": 2, "reason": 2})
    assert error(agents.get_time, dom, 0) == NOT_CONNECTED
    agents.agent_up(dom)
    assert events[-1] == ("AGENT_LIFECYCLE", {"state": 1, "reason": 2})
    assert agents.agent_command(dom, '{"execute":"guest-ping"}') == '{"return":{}}'


def test_filesystems_freeze_thaw_and_frozen_commands(hv: Hypervisor) -> None:
    dom = running(hv)
    agents = hv.system.agents
    dom.guest.filesystems = [GuestFS("/", "vda1", "ext4", 100, 40, [GuestFSDisk("vda", "/dev/vda1", "S1")]),
                             GuestFS("/boot", "vda2", "vfat", 10, 1, [GuestFSDisk("vda", "/dev/vda2")])]
    assert agents.fs_info(dom, 0) == [("/", "vda1", "ext4", ["vda"]), ("/boot", "vda2", "vfat", ["vda"])]
    assert agents.fs_freeze(dom, ["/boot", "/nowhere"], 0) == 1
    assert error(agents.fs_freeze, dom, [], 0) == (
        ErrorCode.INTERNAL_ERROR, ErrorDomain.QEMU,
        "internal error: unable to execute QEMU agent command 'guest-fsfreeze-freeze': "
        "Command guest-fsfreeze-freeze has been disabled: the agent is in frozen state")
    assert guest_info(agents, dom, 0, 0) == []  # every group's command is disabled while frozen
    assert json.loads(agents.agent_command(dom, '{"execute":"guest-fsfreeze-status"}')) == {"return": "frozen"}
    assert agents.fs_thaw(dom, [], 0) == 2
    assert agents.fs_thaw(dom, [], 0) == 0
    assert error(agents.fs_thaw, dom, ["/"], 0)[2] == "argument unsupported: specifying mountpoints is not supported"


def test_guest_info_parameters(hv: Hypervisor) -> None:
    dom = running(hv)
    dom.guest.users = [GuestUser("alice", 1_700_000_000.5)]
    dom.guest.hostname = "web1"
    dom.guest.timezone = ("CET", 3600)
    params = {k: v for k, _, v in guest_info(hv.system.agents, dom, 0, 0)}
    assert params["user.count"] == 1 and params["user.0.login-time"] == 1_700_000_000_500
    assert params["hostname"] == "web1" and params["timezone.name"] == "CET" and params["timezone.offset"] == 3600
    assert params["os.id"] == "debian" and params["fs.0.mountpoint"] == "/" and params["fs.0.disk.0.alias"] == "vda"
    assert params["disk.1.dependency.0.name"] == "/dev/vda"
    assert params["if.1.name"] == "eth0" and params["if.1.hwaddr"] == "52:54:00:11:22:33"
    assert params["if.1.addr.0.addr"] == hv.system.agents.interface_addresses(dom, 0, 0)[0][2][0][1]
    only = [k for k, _, _ in guest_info(hv.system.agents, dom, 8, 0)]
    assert only == ["hostname"]
    assert error(guest_info, hv.system.agents, dom, 1 << 9, 0)[2] == (
        "invalid argument: unsupported guest information types '0x200'")


def test_guest_vcpus(hv: Hypervisor) -> None:
    dom = running(hv)
    agents = hv.system.agents
    assert dict((k, v) for k, _, v in guest_vcpus(agents, dom, 0)) == {"vcpus": "0-3", "online": "0-3",
                                                                       "offlinable": "1-3"}
    set_guest_vcpus(agents, dom, "2-3", 0, 0)
    assert hv.system.domains.get_vcpus(dom, 8) == 2
    assert error(set_guest_vcpus, agents, dom, "0", 0, 0)[2] == "Operation not supported: vCPU '0' is not offlinable"
    assert error(set_guest_vcpus, agents, dom, "1,7", 1, 0)[2] == "invalid argument: guest is missing vCPUs '7'"
    assert error(set_guest_vcpus, agents, dom, "x-y", 1, 0) == (ErrorCode.INVALID_ARG, ErrorDomain.NONE,
                                                                "invalid argument: Failed to parse bitmap 'x-y'")
    hv.system.domains.set_vcpus(dom, 4, 8)
    assert [v.online for v in dom.guest.vcpus or []] == [True] * 4
    hv.system.domains.set_vcpus(dom, 1, 8)
    assert dom.guest.vcpus == [GuestVcpu(0, True, False), GuestVcpu(1, False), GuestVcpu(2, False), GuestVcpu(3, False)]
    assert error(hv.system.domains.set_vcpus, dom, 5, 8)[2] == (
        "invalid argument: requested vcpu count is greater than the count of enabled vcpus in the domain: 5 > 4")


def test_time_password_and_keys(hv: Hypervisor) -> None:
    dom = running(hv)
    agents = hv.system.agents
    agents.set_time(dom, 1_000_000, 5, 0)
    hv.clock.advance(10)
    assert agents.get_time(dom, 0) == (1_000_010, 5)
    agents.set_time(dom, 0, 0, 1)  # sync from the RTC
    assert agents.get_time(dom, 0) == (int(hv.clock.now()), 0)
    assert error(agents.set_time, dom, 2**62, 0, 0)[2] == "invalid argument: Time '4611686018427387904' is too big for guest agent"
    agents.set_user_password(dom, "root", "s3cret", 0)
    assert dom.guest.passwords == {"root": ("s3cret", False)}
    assert error(agents.set_user_password, dom, "bob", "x", 0)[2] == (
        "internal error: unable to execute QEMU agent command 'guest-set-user-password': "
        "child process has failed to set user password")
    assert error(agents.ssh_keys_get, dom, "root", 0)[2] == (
        "internal error: unable to execute QEMU agent command 'guest-ssh-get-authorized-keys': failed to read "
        "'/root/.ssh/authorized_keys': Failed to open file \u201c/root/.ssh/authorized_keys\u201d: No such file or directory")
    agents.ssh_keys_set(dom, "root", ["ssh-ed25519 A a", "ssh-rsa B b"], 0)
    agents.ssh_keys_set(dom, "root", ["ssh-rsa B b", "ssh-ed25519 C c"], 1)
    agents.ssh_keys_set(dom, "root", ["ssh-ed25519 A a"], 2)
    assert agents.ssh_keys_get(dom, "root", 0) == ["ssh-ed25519 C c", "ssh-rsa B b"]  # last line first
    assert error(agents.set_response_timeout, dom, -3, 0)[2] == (
        "invalid argument: guest agent timeout '-3' is less than the minimum '-2'")


def test_agent_command_answers_and_errors(hv: Hypervisor) -> None:
    dom = running(hv)
    agents = hv.system.agents
    info = json.loads(agents.agent_command(dom, '{"execute":"guest-info"}'))["return"]
    assert info["version"] == "7.2.0"
    assert {"name": "guest-exec", "enabled": False, "success-response": True} in info["supported_commands"]
    assert json.loads(agents.agent_command(dom, '{"execute":"guest-sync","arguments":{"id":42}}')) == {"return": 42}
    host = json.loads(agents.agent_command(dom, '{"execute":"guest-get-host-name"}'))
    assert host == {"return": {"host-name": "g1"}}
    prefix = "internal error: unable to execute QEMU agent command "
    assert error(agents.agent_command, dom, '{"execute":"guest-nope"}')[2] == (
        prefix + "'guest-nope': The command guest-nope has not been found")
    assert error(agents.agent_command, dom, '{"arguments":{}}')[2] == prefix + "'<unknown>': QMP input lacks member 'execute'"
    assert error(agents.agent_command, dom, '{"execute":"guest-ping","arguments":{"x":1}}')[2] == (
        prefix + "'guest-ping': Parameter 'x' is unexpected")
    # libvirt 9.0 reads the text with yajl, as the monitor path does, and sends it back through yajl_gen
    assert error(agents.agent_command, dom, "{")[2] == (
        "internal error: cannot parse json {: parse error: premature EOF\n" + " " * 39 + "{\n"
        + " " * 21 + "(right here) ------^\n")
    assert error(agents.agent_command, dom, '{"a":1,"a":2}')[2].startswith(
        'internal error: cannot parse json {"a":1,"a":2}: parse error: client cancelled parse via callback return value')
    deep = "[" * 128 + "]" * 128
    assert error(agents.agent_command, dom, deep)[2] == "internal error: failed to convert virJSONValue to yajl data"
    assert error(agents.agent_command, dom, '{"execute":"guest-ping"}', -3)[2] == (
        "invalid argument: guest agent timeout '-3' is less than the minimum '-2'")


def test_quiesced_snapshot_needs_the_agent(hv: Hypervisor) -> None:
    dom = running(hv)
    sd = parse_snapshot_xml("<domainsnapshot><name>q1</name></domainsnapshot>")
    hv.system.snapshots.create(dom, sd, Create.DISK_ONLY | Create.QUIESCE | Create.ATOMIC)
    assert not dom.guest.link.frozen
    hv.system.agents.agent_down(dom)
    sd2 = parse_snapshot_xml("<domainsnapshot><name>q2</name></domainsnapshot>")
    assert error(hv.system.snapshots.create, dom, sd2, Create.DISK_ONLY | Create.QUIESCE) == NOT_CONNECTED


def test_interface_aliases_join_their_interface(hv: Hypervisor) -> None:
    dom = running(hv)
    dom.guest.interfaces = [GuestNIC("eth0", "52:54:00:11:22:33", [("ipv4", "10.0.0.5", 24)]),
                            GuestNIC("eth0:1", None, [("ipv4", "10.0.0.6", 24)]), GuestNIC("eth1", None)]
    assert hv.system.agents.interface_addresses(dom, 1, 0) == [
        ("eth0", "52:54:00:11:22:33", [(0, "10.0.0.5", 24), (0, "10.0.0.6", 24)]), ("eth1", None, [])]
