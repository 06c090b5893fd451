"""A network's leases keep the set of leased addresses in step (the next free address needs no walk)."""

from __future__ import annotations

import ipaddress

from fakevirt.model.network.ports import Lease, Leases


def addr(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def test_leased_addresses_follow_the_leases() -> None:
    leases = Leases()
    leases["52:54:00:00:00:01"] = Lease.for_mac("52:54:00:00:00:01", "10.0.0.2", 0, None, "a")
    leases["52:54:00:00:00:02"] = Lease.for_mac("52:54:00:00:00:02", "10.0.0.3", 0, None, "b")
    assert leases.addresses == {addr("10.0.0.2"), addr("10.0.0.3")}
    leases["52:54:00:00:00:01"] = Lease.for_mac("52:54:00:00:00:01", "10.0.0.9", 0, None, "a")  # renewed elsewhere
    assert leases.addresses == {addr("10.0.0.9"), addr("10.0.0.3")}
    assert leases.pop("52:54:00:00:00:02") is not None and leases.pop("52:54:00:00:00:02") is None
    assert leases.addresses == {addr("10.0.0.9")} and list(leases) == ["52:54:00:00:00:01"]
