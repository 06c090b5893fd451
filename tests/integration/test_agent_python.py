"""The guest-agent APIs through libvirt-python: answers from the guest model, libvirt's errors, events."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import libvirt
import pytest

from fakevirt.model.agent import GuestUser
from fakevirt.model.domain import Domain
from fakevirt.testing import ThreadedServer
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.conftest import error_of

AGENT_CHANNEL = "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"


def agent_xml(name: str, channel: bool = True, image: str | None = None) -> str:
    disk = (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{image}'/>"
            "<target dev='vda' bus='virtio'/></disk>") if image else ""
    return f"""<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>2</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>{disk}
{AGENT_CHANNEL if channel else ""}</devices></domain>"""


def model_domain(server: ThreadedServer, name: str) -> Domain:
    return server.call(lambda: next(d for d in server.hypervisor.system.domains if d.name == name))


def start_guest(server: ThreadedServer, conn: libvirt.virConnect, name: str, channel: bool = True,
                up: bool = True) -> libvirt.virDomain:
    """Define and start a domain with a 1 GiB disk; with ``up`` its agent is connected."""
    image = f"/var/lib/libvirt/images/{name}.qcow2"
    server.call(server.hypervisor.images.create, image, "qcow2", 1 << 30)
    dom = conn.defineXML(agent_xml(name, channel, image))
    dom.create()
    if up:
        server.call(server.hypervisor.system.agents.agent_up, model_domain(server, name))
    return dom


def agent_calls(dom: libvirt.virDomain) -> list[tuple[str, Callable[[], object]]]:
    """Every agent-backed call of a domain, with its arguments: the same list runs on the reference."""
    return [("fsinfo", dom.fsInfo), ("freeze", dom.fsFreeze), ("thaw", dom.fsThaw),
            ("trim", lambda: dom.fSTrim(None, 0)), ("gettime", dom.getTime),
            ("settime", lambda: dom.setTime({"seconds": 5})), ("settime-sync", lambda: dom.setTime(None, 1)),
            ("password", lambda: dom.setUserPassword("root", "x")), ("guestinfo", dom.guestInfo),
            ("setguestvcpus", lambda: dom.setGuestVcpus("1", 0)),
            ("vcpus-guest", lambda: dom.vcpusFlags(libvirt.VIR_DOMAIN_VCPU_GUEST)),
            ("setvcpus-guest", lambda: dom.setVcpusFlags(1, libvirt.VIR_DOMAIN_VCPU_GUEST)),
            ("sshkeys-get", lambda: dom.authorizedSSHKeysGet("root")),
            ("sshkeys-set", lambda: dom.authorizedSSHKeysSet("root", ["ssh-ed25519 AAAA x"])),
            ("hostname", dom.hostname), ("hostname-agent", lambda: dom.hostname(libvirt.VIR_DOMAIN_GET_HOSTNAME_AGENT)),
            ("ifaddr-agent", lambda: dom.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)),
            ("shutdown-agent", lambda: dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT)),
            ("reboot-agent", lambda: dom.reboot(libvirt.VIR_DOMAIN_REBOOT_GUEST_AGENT))]


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


NOT_CONNECTED = (libvirt.VIR_ERR_AGENT_UNRESPONSIVE, libvirt.VIR_FROM_QEMU,
                 "Guest agent is not responding: QEMU guest agent is not connected")
NOT_CONFIGURED = (libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED, libvirt.VIR_FROM_QEMU,
                  "argument unsupported: QEMU guest agent is not configured")


def test_every_agent_api_without_agent_or_channel(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    waiting = start_guest(fakevirt, conn, "ga-wait", up=False)
    plain = start_guest(fakevirt, conn, "ga-plain", channel=False, up=False)
    for dom, want in ((waiting, NOT_CONNECTED), (plain, NOT_CONFIGURED)):
        for label, call in agent_calls(dom):
            assert (label, error_of(call)) == (label, want)
    assert waiting.agentSetResponseTimeout(10) == 0
    assert plain.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE) == {}


def test_agent_answers_from_the_guest_model(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    dom = start_guest(fakevirt, conn, "ga-py")
    guest = model_domain(fakevirt, "ga-py").guest
    fakevirt.call(lambda: setattr(guest, "users", [GuestUser("alice", 1_700_000_000.25)]))
    assert dom.fsInfo() == [("/", "vda1", "ext4", ["vda"])]
    info = dom.guestInfo()
    assert info["os.pretty-name"] == "Debian GNU/Linux 12 (bookworm)"
    assert info["user.count"] == 1 and info["user.0.name"] == "alice" and info["user.0.login-time"] == 1_700_000_000_250
    assert info["fs.0.total-bytes"] == 1 << 30 and info["fs.0.disk.0.alias"] == "vda"
    assert dom.guestInfo(libvirt.VIR_DOMAIN_GUEST_INFO_HOSTNAME) == {"hostname": "ga-py"}
    assert dom.hostname() == "ga-py"
    assert dom.guestVcpus() == {"vcpus": "0-1", "online": "0-1", "offlinable": "1"}
    assert dom.setGuestVcpus("1", 0) == 0
    assert dom.vcpusFlags(libvirt.VIR_DOMAIN_VCPU_GUEST) == 1
    assert dom.setTime({"seconds": 1_000_000, "nseconds": 7}) == 0
    seconds = dom.getTime()["seconds"]
    assert 1_000_000 <= seconds < 1_000_100
    assert dom.setUserPassword("root", "pw", libvirt.VIR_DOMAIN_PASSWORD_ENCRYPTED) == 0
    assert guest.passwords == {"root": ("pw", True)}
    dom.authorizedSSHKeysSet("root", ["ssh-ed25519 AAAA a@b"], 0)
    dom.authorizedSSHKeysSet("root", ["ssh-rsa BBBB c@d"], libvirt.VIR_DOMAIN_AUTHORIZED_SSH_KEYS_SET_APPEND)
    assert dom.authorizedSSHKeysGet("root") == ["ssh-rsa BBBB c@d", "ssh-ed25519 AAAA a@b"]  # qemu-ga's order
    addrs = dom.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
    assert addrs["lo"]["addrs"][0] == {"type": libvirt.VIR_IP_ADDR_TYPE_IPV4, "addr": "127.0.0.1", "prefix": 8}
    assert dom.fsFreeze() == 1
    assert error_of(dom.getTime)[2] == ("internal error: unable to execute QEMU agent command 'guest-get-time': "
                                        "Command guest-get-time has been disabled: the agent is in frozen state")
    assert dom.fsThaw() == 1
    dom.fSTrim(None, 0)


def test_agent_argument_errors(fakevirt: ThreadedServer, conn: libvirt.virConnect) -> None:
    dom = start_guest(fakevirt, conn, "ga-args")
    assert error_of(dom.guestInfo, 1 << 10) == (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_QEMU,
                                                "invalid argument: unsupported guest information types '0x400'")
    assert error_of(dom.guestInfo, 0, 1) == (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_QEMU,
                                             "unsupported flags (0x1) in function qemuDomainGetGuestInfo")
    assert error_of(dom.fsThaw, ["/"])[2] == "argument unsupported: specifying mountpoints is not supported"
    assert error_of(dom.fSTrim, "/", 0)[2] == "argument unsupported: Specifying mount point is not supported for now"
    assert error_of(dom.setGuestVcpus, "x-y", 0) == (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_NONE,
                                                     "invalid argument: Failed to parse bitmap 'x-y'")
    assert error_of(dom.agentSetResponseTimeout, -3)[2] == (
        "invalid argument: guest agent timeout '-3' is less than the minimum '-2'")
    assert error_of(dom.hostname, 3)[2] == (
        "Flags 'VIR_DOMAIN_GET_HOSTNAME_LEASE' and 'VIR_DOMAIN_GET_HOSTNAME_AGENT' are mutually exclusive")
    assert error_of(dom.interfaceAddresses, 7)[2] == "argument unsupported: Unknown IP address data source 7"
    fakevirt.call(fakevirt.hypervisor.system.agents.agent_hang, model_domain(fakevirt, "ga-args"))
    assert error_of(dom.getTime) == (libvirt.VIR_ERR_AGENT_UNRESPONSIVE, libvirt.VIR_FROM_QEMU,
                                     "Guest agent is not responding: Guest agent not available for now")
    dom.destroy()
    assert error_of(dom.fsInfo) == (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_FROM_DOMAIN,
                                    "Requested operation is not valid: domain is not running")


def test_agent_lifecycle_events(fakevirt: ThreadedServer, fakevirt_uri: str) -> None:
    ensure_event_loop()
    conn = libvirt.open(fakevirt_uri)
    seen: list[tuple[str, int, int]] = []

    def on_agent(c: libvirt.virConnect, d: libvirt.virDomain, state: int, reason: int, opaque: object) -> None:
        seen.append((d.name(), state, reason))

    cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE, on_agent, None)
    try:
        dom = start_guest(fakevirt, conn, "ga-ev", up=False)
        link = model_domain(fakevirt, "ga-ev").guest.link
        fakevirt.call(lambda: setattr(link, "connect_at", 0.0))  # the guest finished booting
        fakevirt.call(fakevirt.hypervisor.system.agents.tick)
        fakevirt.call(fakevirt.hypervisor.system.agents.agent_down, model_domain(fakevirt, "ga-ev"))
        wait_for(lambda: len(seen) == 3)
        assert seen == [("ga-ev", libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
                         libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_DOMAIN_STARTED),
                        ("ga-ev", libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED,
                         libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL),
                        ("ga-ev", libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_DISCONNECTED,
                         libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_REASON_CHANNEL)]
        assert "state='disconnected'" in dom.XMLDesc()
    finally:
        conn.domainEventDeregisterAny(cb)
        conn.close()
