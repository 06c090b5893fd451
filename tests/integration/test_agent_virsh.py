"""The guest-agent commands of virsh against fakevirt: output shapes and libvirt's error texts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.conftest import VirshResult
from tests.integration.conftest import err, ok
from tests.integration.test_agent_python import model_domain, start_guest

NET = """<network><name>ga-net</name><bridge name='virbr9'/>
<ip address='10.30.0.1' prefix='24'><dhcp><range start='10.30.0.100' end='10.30.0.200'/></dhcp></ip></network>"""
Virsh = Callable[..., VirshResult]


@pytest.fixture
def conn(fakevirt_uri: str) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


def test_filesystems(fakevirt: ThreadedServer, conn: libvirt.virConnect, virsh: Virsh) -> None:
    start_guest(fakevirt, conn, "ga-fs")
    assert ok(virsh("domfsinfo", "ga-fs")).splitlines()[2].split() == ["/", "vda1", "ext4", "vda"]
    assert ok(virsh("domfsfreeze", "ga-fs")).strip() == "Froze 1 filesystem(s)"
    assert err(virsh("domfsfreeze", "ga-fs")) == (
        "error: Unable to freeze filesystems\nerror: internal error: unable to execute QEMU agent command "
        "'guest-fsfreeze-freeze': Command guest-fsfreeze-freeze has been disabled: the agent is in frozen state")
    assert ok(virsh("domfsthaw", "ga-fs")).strip() == "Thawed 1 filesystem(s)"
    ok(virsh("domfstrim", "ga-fs", "--minimum", "4096"))
    assert err(virsh("domfstrim", "ga-fs", "--mountpoint", "/")) == (
        "error: Unable to invoke fstrim\nerror: argument unsupported: Specifying mount point is not supported for now")


def test_time_users_and_keys(fakevirt: ThreadedServer, conn: libvirt.virConnect, virsh: Virsh,
                             tmp_path: Path) -> None:
    start_guest(fakevirt, conn, "ga-time")
    ok(virsh("domtime", "ga-time", "--time", "1000000"))
    assert ok(virsh("domtime", "ga-time")).startswith("Time: 1000")
    ok(virsh("domtime", "ga-time", "--sync"))
    assert abs(int(ok(virsh("domtime", "ga-time")).split()[1]) - int(fakevirt.hypervisor.clock.now())) < 60
    assert ok(virsh("set-user-password", "ga-time", "root", "pw")).strip() == "Password set successfully for root in ga-time"
    assert err(virsh("set-user-password", "ga-time", "nobody", "pw")) == (
        "error: internal error: unable to execute QEMU agent command 'guest-set-user-password': "
        "child process has failed to set user password")
    keys = tmp_path / "keys"
    keys.write_text("ssh-ed25519 AAAA one@host\nssh-rsa BBBB two@host\n")
    ok(virsh("set-user-sshkeys", "ga-time", "root", "--file", str(keys)))
    # qemu-ga lists the last line first; virsh 9.0 prints the keys without a newline between them
    assert ok(virsh("get-user-sshkeys", "ga-time", "root")).strip() == "ssh-rsa BBBB two@hostssh-ed25519 AAAA one@host"
    keys.write_text("ssh-rsa BBBB two@host\n")
    ok(virsh("set-user-sshkeys", "ga-time", "root", "--remove", "--file", str(keys)))
    assert ok(virsh("get-user-sshkeys", "ga-time", "root")).strip() == "ssh-ed25519 AAAA one@host"
    ok(virsh("guest-agent-timeout", "ga-time", "--timeout", "3"))


def test_guest_info_vcpus_and_names(fakevirt: ThreadedServer, conn: libvirt.virConnect, virsh: Virsh) -> None:
    net = conn.networkCreateXML(NET)
    dom = start_guest(fakevirt, conn, "ga-info", up=False)
    guest = model_domain(fakevirt, "ga-info").guest
    fakevirt.call(lambda: setattr(guest, "hostname", "web7"))
    dom.attachDevice("<interface type='network'><source network='ga-net'/><mac address='52:54:00:0a:0b:0c'/>"
                     "</interface>")
    fakevirt.call(fakevirt.hypervisor.system.agents.agent_up, model_domain(fakevirt, "ga-info"))
    assert ok(virsh("guestinfo", "ga-info", "--hostname", "--timezone")) == (
        "timezone.name       : UTC\ntimezone.offset     : 0\nhostname            : web7\n\n")
    assert "os.pretty-name      : Debian GNU/Linux 12 (bookworm)" in ok(virsh("guestinfo", "ga-info", "--os"))
    assert ok(virsh("domhostname", "ga-info")).strip() == "web7"
    assert ok(virsh("domhostname", "ga-info", "--source", "lease")).strip() == "web7"
    lease_ip = ok(virsh("domifaddr", "ga-info", "--source", "lease")).split()[-1]
    agent_rows = ok(virsh("domifaddr", "ga-info", "--source", "agent", "--full")).splitlines()[2:]
    assert ["eth0", "52:54:00:0a:0b:0c", "ipv4", lease_ip] in [r.split() for r in agent_rows]
    assert ok(virsh("guestvcpus", "ga-info")).splitlines() == [
        "vcpus          : 0-1", "online         : 0-1", "offlinable     : 1", ""]
    ok(virsh("guestvcpus", "ga-info", "--cpulist", "1", "--disable"))
    assert ok(virsh("vcpucount", "ga-info", "--guest")).strip() == "1"
    assert err(virsh("guestvcpus", "ga-info", "--cpulist", "0", "--disable")) == (
        "error: Operation not supported: vCPU '0' is not offlinable")
    ok(virsh("setvcpus", "ga-info", "2", "--guest"))
    assert ok(virsh("vcpucount", "ga-info", "--guest")).strip() == "2"
    net.destroy()


def test_errors_without_agent_follow_the_definition(fakevirt: ThreadedServer, conn: libvirt.virConnect,
                                                    virsh: Virsh) -> None:
    start_guest(fakevirt, conn, "ga-wait", up=False)
    fakevirt.call(fakevirt.hypervisor.system.agents.agent_down, model_domain(fakevirt, "ga-wait"))
    start_guest(fakevirt, conn, "ga-none", channel=False, up=False)
    assert err(virsh("domfsinfo", "ga-wait")) == (
        "error: Unable to get filesystem information\n"
        "error: Guest agent is not responding: QEMU guest agent is not connected")
    assert err(virsh("domtime", "ga-none")) == "error: argument unsupported: QEMU guest agent is not configured"
    assert err(virsh("domifaddr", "ga-none", "--source", "agent")) == (
        "error: Failed to query for interfaces addresses\n"
        "error: argument unsupported: QEMU guest agent is not configured")
    assert err(virsh("domhostname", "ga-wait", "--source", "agent")) == (
        "error: failed to get hostname\nerror: Guest agent is not responding: QEMU guest agent is not connected")
    assert err(virsh("snapshot-create-as", "ga-wait", "s1", "--disk-only", "--quiesce", "--no-metadata")) == (
        "error: Guest agent is not responding: QEMU guest agent is not connected")
    assert err(virsh("guestinfo", "ga-none")) == "error: argument unsupported: QEMU guest agent is not configured"


def test_quiesced_snapshot_with_agent(fakevirt: ThreadedServer, conn: libvirt.virConnect, virsh: Virsh) -> None:
    start_guest(fakevirt, conn, "ga-snap")
    out = ok(virsh("snapshot-create-as", "ga-snap", "s1", "--disk-only", "--quiesce", "--atomic"))
    assert out.strip() == "Domain snapshot s1 created"
    assert ok(virsh("domfsfreeze", "ga-snap")).strip() == "Froze 1 filesystem(s)"  # thawed after the snapshot


def test_shutdown_and_reboot_by_agent(fakevirt: ThreadedServer, conn: libvirt.virConnect, virsh: Virsh) -> None:
    start_guest(fakevirt, conn, "ga-none", channel=False, up=False)
    assert err(virsh("shutdown", "ga-none", "--mode", "agent")) == (
        "error: Failed to shutdown domain 'ga-none'\nerror: argument unsupported: QEMU guest agent is not configured")
    assert err(virsh("reboot", "ga-none", "--mode", "agent")) == (
        "error: Failed to reboot domain 'ga-none'\nerror: argument unsupported: QEMU guest agent is not configured")
    ok(virsh("shutdown", "ga-none", "--mode", "agent,acpi"))  # falls back to the power button
    dom = start_guest(fakevirt, conn, "ga-off")
    assert ok(virsh("reboot", "ga-off", "--mode", "agent")).strip() == "Domain 'ga-off' is being rebooted"
    assert ok(virsh("shutdown", "ga-off", "--mode", "agent")).strip() == "Domain 'ga-off' is being shutdown"
    assert not dom.isActive()
