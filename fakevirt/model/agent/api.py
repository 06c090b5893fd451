"""The guest-agent APIs of the QEMU driver (qemu_driver.c + qemu_agent.c) over the guest model.

Each API checks what libvirt checks, in libvirt's order, then talks to the guest's qemu-ga
(``qga.execute``) and turns its answer into the API's result, as qemu_agent.c does.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from ...errors import agent as errors
from ...errors import check_flags
from ...errors import domain as domain_errors
from ...errors.guest import no_guest_device
from ..domain import Domain, State
from ..events import DomainEvent, EventID
from ..flags.agent import (
    AgentLifecycleReason,
    AgentLifecycleState,
    DomainAgentResponseTimeoutValues,
    DomainAuthorizedSSHKeysSetFlags,
    DomainSetUserPasswordFlags,
    DomainTimeFlags,
)
from ..flags.network import DomainInterfaceAddressesSource as Source
from . import facts, qga
from .command import agent_command
from .guest import GuestNIC
from .link import AgentLink, agent_channel

if TYPE_CHECKING:
    from ..domaindef import DomainDef
    from ..hypervisor import QemuDriver

LLONG_MAX = 2**63 - 1
SSH = DomainAuthorizedSSHKeysSetFlags
Interfaces = list[tuple[str, str | None, list[tuple[int, str, int]]]]


class GuestAgents:
    """The agents of one driver's domains: lifecycle, test controls and the APIs."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver

    # -- the channel's lifecycle -------------------------------------------------------------------

    def domain_started(self, dom: Domain) -> None:
        """qemuProcessLaunch: the channel starts disconnected; the guest's qemu-ga connects later."""
        dom.guest.link = AgentLink(timeout=dom.guest.link.timeout)
        if agent_channel(dom.live) is None:
            return
        self._publish(dom, AgentLifecycleState.DISCONNECTED, AgentLifecycleReason.DOMAIN_STARTED)
        if dom.guest.runs_agent:
            dom.guest.link.connect_at = self.driver.hypervisor.clock.now() + dom.guest.boot_seconds

    def domain_stopped(self, dom: Domain) -> None:
        """qemuProcessStop closes the agent without an event."""
        dom.guest.link = AgentLink(timeout=dom.guest.link.timeout)

    def tick(self) -> None:
        """Connect every agent whose guest finished booting (time moves only in hv.clock)."""
        for dom in self.driver.domains:
            self.poll(dom)

    def poll(self, dom: Domain) -> None:
        link = dom.guest.link
        if (link.connect_at is not None and not link.connected and dom.state == State.RUNNING
                and self.driver.hypervisor.clock.now() >= link.connect_at):
            self._connect(dom)

    # -- test controls ----------------------------------------------------------------------------

    def agent_up(self, dom: Domain) -> None:
        """The guest's qemu-ga (re)starts and answers."""
        self._require_channel(dom)
        dom.guest.link.hung = False
        if not dom.guest.link.connected:
            self._connect(dom)

    def agent_down(self, dom: Domain) -> None:
        """The guest's qemu-ga stops: the channel is closed (VSERPORT_CHANGE, closed)."""
        self._require_channel(dom)
        link = dom.guest.link
        link.connect_at = None
        if link.connected:
            link.connected, link.hung, link.frozen = False, False, False
            self._set_channel_state(dom, "disconnected")
            self._publish(dom, AgentLifecycleState.DISCONNECTED, AgentLifecycleReason.CHANNEL)

    def agent_hang(self, dom: Domain, hung: bool = True) -> None:
        """qemu-ga stays connected but stops answering: calls time out as libvirt's do."""
        self._require_channel(dom)
        dom.guest.link.hung = hung

    def set_addresses(self, dom: Domain, nic: str, addresses: list[tuple[str, str, int]]) -> None:
        """The guest configures its NIC ``nic`` (a guest name like eth0, or its MAC) with exactly
        these (type, address, prefix) addresses, as qemu-ga reports them from now on."""
        self._require_active(dom)
        assert dom.live is not None
        nics = dom.guest.interfaces = list(facts.interfaces(dom.guest, dom.live, self._leases(dom.live)))
        for i, found in enumerate(nics):
            if nic in (found.name, found.hwaddr):
                nics[i] = GuestNIC(found.name, found.hwaddr, list(addresses))
                return
        raise no_guest_device(f"interface '{nic}'")

    # -- the agent itself -------------------------------------------------------------------------

    def available(self, dom: Domain) -> AgentLink:
        """qemuDomainAgentAvailable."""
        self.poll(dom)
        if dom.state != State.RUNNING:
            raise domain_errors.not_running()
        if not dom.guest.link.connected:
            raise errors.not_connected() if agent_channel(dom.live) is not None else errors.not_configured()
        return dom.guest.link

    def run(self, dom: Domain, name: str, args: dict[str, Any] | None = None, optional: bool = False) -> Any:
        """qemuAgentCommandFull: guest-sync, then the command; None when ``optional`` and unknown."""
        link = self.available(dom)
        if link.hung:
            raise errors.timed_out()
        assert dom.live is not None
        ctx = qga.Context(dom.guest, link, dom.live, int(self.driver.hypervisor.clock.now() * 1e9),
                          self._leases(dom.live), self._filesystems)
        try:
            return qga.execute(ctx, name, args or {})
        except qga.QgaError as e:
            if optional and e.klass == "CommandNotFound":
                return None
            raise errors.command_failed(name, e.desc) from None

    def agent_command(self, dom: Domain, json_text: str, timeout: int = -1, flags: int = 0) -> str:
        """virDomainQemuAgentCommand: the reply of one raw qemu-ga command, as JSON text."""
        return agent_command(self, dom, json_text, timeout, flags)

    def guest_power(self, dom: Domain, mode: str) -> None:
        """qemuAgentShutdown: guest-shutdown (powerdown or reboot), which qemu-ga obeys without answering."""
        try:
            self.run(dom, "guest-shutdown", {"mode": mode})
        except qga.NoResponse:
            pass

    # -- filesystems ------------------------------------------------------------------------------

    def fs_info(self, dom: Domain, flags: int) -> list[tuple[str, str, str, list[str]]]:
        """virDomainGetFSInfo: mount order; a disk qemu-ga names is reported by its target."""
        check_flags("qemuDomainGetFSInfo", flags, 0)
        self._require_active(dom)
        reply = self.run(dom, "guest-get-fsinfo")
        assert dom.live is not None
        return [(fs["mountpoint"], fs["name"], fs["type"], self._aliases(dom.live, fs["disk"]))
                for fs in reversed(reply)]

    def fs_freeze(self, dom: Domain, mountpoints: list[str], flags: int) -> int:
        check_flags("qemuDomainFSFreeze", flags, 0)
        self._require_active(dom)
        if mountpoints:
            return int(self.run(dom, "guest-fsfreeze-freeze-list", {"mountpoints": list(mountpoints)}))
        return int(self.run(dom, "guest-fsfreeze-freeze"))

    def fs_thaw(self, dom: Domain, mountpoints: list[str], flags: int) -> int:
        check_flags("qemuDomainFSThaw", flags, 0)
        if mountpoints:
            raise errors.thaw_mountpoints()
        self._require_active(dom)
        return int(self.run(dom, "guest-fsfreeze-thaw"))

    def fs_trim(self, dom: Domain, mountpoint: str | None, minimum: int, flags: int) -> None:
        check_flags("qemuDomainFSTrim", flags, 0)
        if mountpoint is not None:
            raise errors.trim_mountpoint()
        self.run(dom, "guest-fstrim", {"minimum": minimum})

    def quiesce(self, dom: Domain) -> None:
        """qemuSnapshotFSFreeze + thaw around a QUIESCE snapshot (atomic here)."""
        self.run(dom, "guest-fsfreeze-freeze")
        self.run(dom, "guest-fsfreeze-thaw")

    # -- time, users, keys ------------------------------------------------------------------------

    def get_time(self, dom: Domain, flags: int) -> tuple[int, int]:
        check_flags("qemuDomainGetTime", flags, 0)
        self._require_active(dom)
        ns = int(self.run(dom, "guest-get-time"))
        return ns // 1_000_000_000, ns % 1_000_000_000

    def set_time(self, dom: Domain, seconds: int, nseconds: int, flags: int) -> None:
        check_flags("qemuDomainSetTime", flags, DomainTimeFlags.TIME_SYNC)
        if not dom.active and _is_x86(dom.definition):
            raise errors.no_rtc_reset()  # an inactive domain has no QEMU capabilities
        self._require_active(dom)
        self.available(dom)
        if flags & DomainTimeFlags.TIME_SYNC:
            self.run(dom, "guest-set-time")
            return
        if seconds > LLONG_MAX // 1_000_000_000:
            raise errors.time_too_big(seconds)
        self.run(dom, "guest-set-time", {"time": seconds * 1_000_000_000 + nseconds})

    def set_user_password(self, dom: Domain, user: str | None, password: str | None, flags: int) -> None:
        check_flags("qemuDomainSetUserPassword", flags, DomainSetUserPasswordFlags.PASSWORD_ENCRYPTED)
        for name, value in (("user", user), ("password", password)):
            if value is None:
                raise errors.null_arg(name, "virDomainSetUserPassword")
        assert user is not None and password is not None
        self._require_active(dom)
        self.run(dom, "guest-set-user-password", {
            "crypted": bool(flags & DomainSetUserPasswordFlags.PASSWORD_ENCRYPTED), "username": user,
            "password": base64.b64encode(password.encode()).decode()})

    def ssh_keys_get(self, dom: Domain, user: str, flags: int) -> list[str]:
        check_flags("qemuDomainAuthorizedSSHKeysGet", flags, 0)
        return [str(k) for k in self.run(dom, "guest-ssh-get-authorized-keys", {"username": user})["keys"]]

    def ssh_keys_set(self, dom: Domain, user: str, keys: list[str], flags: int) -> None:
        check_flags("qemuDomainAuthorizedSSHKeysSet", flags,
                    SSH.AUTHORIZED_SSH_KEYS_SET_APPEND | SSH.AUTHORIZED_SSH_KEYS_SET_REMOVE)
        if flags & SSH.AUTHORIZED_SSH_KEYS_SET_REMOVE:
            self.run(dom, "guest-ssh-remove-authorized-keys", {"username": user, "keys": list(keys)})
        else:
            self.run(dom, "guest-ssh-add-authorized-keys", {
                "username": user, "keys": list(keys), "reset": not flags & SSH.AUTHORIZED_SSH_KEYS_SET_APPEND})

    def set_response_timeout(self, dom: Domain, timeout: int, flags: int) -> None:
        """virDomainAgentSetResponseTimeout: kept for the domain's agent, now and after restarts."""
        check_flags("qemuDomainAgentSetResponseTimeout", flags, 0)
        if timeout < DomainAgentResponseTimeoutValues.AGENT_RESPONSE_TIMEOUT_BLOCK:
            raise errors.timeout_below_minimum(timeout)
        dom.guest.link.timeout = timeout

    # -- names and addresses ----------------------------------------------------------------------

    def hostname(self, dom: Domain, lease: bool) -> str:
        """virDomainGetHostname of an active domain: from qemu-ga, or from a NIC's DHCP lease."""
        self._require_active(dom)
        if not lease:
            return str(self.run(dom, "guest-get-host-name")["host-name"])
        assert dom.live is not None
        networks = self.driver.hypervisor.networks
        for iface in dom.live.interfaces:
            if iface.type == "network" and iface.mac and iface.source in networks.networks:
                for x in networks.leases(networks.networks[iface.source], iface.mac):
                    if x["hostname"]:
                        return str(x["hostname"])
        raise domain_errors.no_hostname(dom.name)

    def interface_addresses(self, dom: Domain, source: int, flags: int) -> Interfaces:
        """qemuDomainInterfaceAddresses."""
        check_flags("qemuDomainInterfaceAddresses", flags, 0)
        self._require_active(dom)
        assert dom.live is not None
        networks = self.driver.hypervisor.networks
        if source == Source.LEASE:
            return list(networks.interface_leases(dom.live))
        if source == Source.AGENT:
            return agent_interfaces(self.run(dom, "guest-network-get-interfaces"))
        if source == Source.ARP:
            return list(networks.interface_arp(dom.live))
        raise domain_errors.unknown_address_source(source)

    # -- helpers ----------------------------------------------------------------------------------

    def _connect(self, dom: Domain) -> None:
        link = dom.guest.link
        link.connected, link.connect_at = True, None
        self._set_channel_state(dom, "connected")
        self._publish(dom, AgentLifecycleState.CONNECTED, AgentLifecycleReason.CHANNEL)

    def _publish(self, dom: Domain, state: AgentLifecycleState, reason: AgentLifecycleReason) -> None:
        self.driver.hypervisor.bus.publish(DomainEvent(self.driver.uri, EventID.AGENT_LIFECYCLE, dom.ref(),
                                                       {"state": int(state), "reason": int(reason)}))

    @staticmethod
    def _set_channel_state(dom: Domain, state: str) -> None:
        channel = agent_channel(dom.live)
        if channel is not None:
            channel.target_attrs["state"] = state

    @staticmethod
    def _require_active(dom: Domain) -> None:
        if not dom.active:
            raise domain_errors.not_active()

    def _require_channel(self, dom: Domain) -> None:
        self._require_active(dom)
        if agent_channel(dom.live) is None:
            raise errors.not_configured()

    def _leases(self, live: DomainDef) -> dict[str, tuple[str, int]]:
        return {mac: (addrs[0][1], addrs[0][2]) for _, mac, addrs in
                self.driver.hypervisor.networks.interface_leases(live) if addrs}

    def _filesystems(self, guest: Any, live: DomainDef) -> list[Any]:
        return facts.filesystems(guest, live, self.driver.hypervisor)

    @staticmethod
    def _aliases(live: DomainDef, disks: list[dict[str, Any]]) -> list[str]:
        return [a for d in disks if (a := disk_by_address(live, d)) is not None]


def disk_by_address(live: DomainDef, address: dict[str, Any]) -> str | None:
    """virDomainDiskByAddress: the target of the domain's disk at the address qemu-ga reports."""
    for disk in live.disks:
        if qga.disk_address(disk) == {k: address.get(k) for k in ("pci-controller", "bus-type", "bus", "target",
                                                                   "unit")}:
            return disk.target_dev
    return None


def agent_interfaces(reply: list[dict[str, Any]]) -> Interfaces:
    """qemuAgentGetInterfaces: (name, MAC, [(VIR_IP_ADDR_TYPE_*, address, prefix)]); the addresses of
    an alias ("eth0:1") join its interface."""
    kinds = {"ipv4": 0, "ipv6": 1}
    merged: dict[str, tuple[str, str | None, list[tuple[int, str, int]]]] = {}
    for nic in reply:
        name = nic["name"].split(":", 1)[0]
        entry = merged.setdefault(name, (name, nic.get("hardware-address"), []))
        entry[2].extend((kinds[a["ip-address-type"]], a["ip-address"], a["prefix"])
                        for a in nic.get("ip-addresses", []))
    return list(merged.values())


def _is_x86(d: DomainDef) -> bool:
    return d.arch in ("i686", "x86_64")
