"""The host's identity: drawn from the seed (name, UUID, NIC MAC), reproducible, distinct per seed."""

from __future__ import annotations

import ipaddress
import uuid

import pytest

from fakevirt.model.host import link_local
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.model.ids import HostIdentity, valid_hostname


def _facts(hv: Hypervisor) -> tuple[str, ...]:
    host = hv.host
    assert host is not None
    return (host.hostname, host.uuid, host.nic_mac, host.nic_ipv6[0], str(hv.rng.uuid()), hv.rng.mac())


def test_same_seed_same_host_and_streams() -> None:
    assert _facts(Hypervisor(seed=1234)) == _facts(Hypervisor(seed=1234))


@pytest.mark.parametrize("a,b", [(0, 1), (1, 2), (7, -7), (2**62, 2**62 + 1)])
def test_different_seeds_share_nothing(a: int, b: int) -> None:
    fa, fb = _facts(Hypervisor(seed=a)), _facts(Hypervisor(seed=b))
    assert not set(fa) & set(fb), (fa, fb)


def test_no_seed_draws_a_new_host_each_time() -> None:
    ids = [HostIdentity.of_seed(None) for _ in range(20)]
    for field in ("hostname", "uuid", "nic_mac"):
        assert len({getattr(i, field) for i in ids}) == 20


def test_identity_is_well_formed() -> None:
    for seed in range(50):
        ident = HostIdentity.of_seed(seed)
        assert valid_hostname(ident.hostname) and ident.hostname.startswith("kvm-host-")
        assert uuid.UUID(ident.uuid).version == 4
        assert ident.nic_mac.startswith("52:54:00:")


def test_the_host_documents_follow_the_identity() -> None:
    hv = Hypervisor(seed=99, hostname="node-7.lab.example")
    host = hv.host
    assert host is not None
    assert host.hostname == "node-7.lab.example"
    assert host.uuid == HostIdentity.of_seed(99).uuid  # --hostname changes only the name
    sysinfo = host.sysinfo()
    assert sysinfo is not None and sysinfo.system is not None and sysinfo.system.uuid == host.uuid
    assert hv.interfaces.by_mac(host.nic_mac).name == host.nic_name
    assert ipaddress.IPv6Address(host.nic_ipv6[0]) in ipaddress.IPv6Network("fe80::/64")


def test_link_local_is_the_modified_eui64_of_the_mac() -> None:
    assert link_local("52:54:00:8a:3c:01") == "fe80::5054:ff:fe8a:3c01"
    assert link_local("00:00:00:00:00:00") == "fe80::200:ff:fe00:0"


@pytest.mark.parametrize("name,ok", [
    ("kvm-host-01", True), ("a", True), ("node-7.lab.example", True), ("x" * 63, True),
    ("x" * 64, False), ("-lead", False), ("trail-", False), ("under_score", False), ("", False),
    ("a..b", False), (".".join(["a" * 63] * 4), False), ("dot.", False),
])
def test_hostname_rules(name: str, ok: bool) -> None:
    assert valid_hostname(name) is ok
    if not ok:
        with pytest.raises(ValueError, match="is not a valid host name"):
            HostIdentity.of_seed(1, name)
