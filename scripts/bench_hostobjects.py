#!/usr/bin/env python3
"""Benchmark networks, secrets and domains on a network: fakevirt vs libvirtd's test driver, one run.

    python scripts/bench_hostobjects.py                  # 1,000 networks, 10,000 secrets, 1,000 domains
    python scripts/bench_hostobjects.py --quick          # 10x smaller
    python scripts/bench_hostobjects.py --no-reference   # fakevirt only

Through libvirt-python, on a fresh ``fakevirt serve`` started here and on the reference daemon's
test driver (test+tcp://127.0.0.1:16519/default):

- networks: define, start (each its own bridge and 10.x.y.0/24), one listAllNetworks over all of
  them, destroy + undefine;
- secrets (ceph usage, one name each): define, setValue, one listAllSecrets, secretLookupByUsage,
  undefine;
- domains with 2 interfaces each on one network whose DHCP range is a /16: define, start, one
  listAllDomains, interfaceAddresses(LEASE) per domain, one DHCPLeases() of that network.

Rates are calls/s; list times are the median of 5 calls. A call a server answers with
VIR_ERR_NO_SUPPORT prints "n/a" (the test driver has no secret driver and no DHCPLeases; its
interfaceAddresses answers fixed addresses). The ratio is fakevirt's speed over the reference's
(above 1: fakevirt is faster). Everything created on the reference is removed again; the test
driver also forgets it when the connection closes. Loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import libvirt
from benchlib import reachable, start_fakevirt  # noqa: E402  (scripts/ is on sys.path)

T = TypeVar("T")
R = TypeVar("R")
REFERENCE_URI = "test+tcp://127.0.0.1:16519/default"
LIST_REPEAT = 5
PREFIX = "fv-bench"
DHCP_NET = f"{PREFIX}-dhcp"

NETWORK_XML = """<network>
  <name>{name}</name>
  <bridge name='{bridge}'/>
  <forward mode='nat'/>
  <ip address='{subnet}.1' netmask='255.255.255.0'>
    <dhcp><range start='{subnet}.2' end='{subnet}.254'/></dhcp>
  </ip>
</network>"""
DHCP_NETWORK_XML = f"""<network>
  <name>{DHCP_NET}</name>
  <bridge name='fvbdhcp'/>
  <forward mode='nat'/>
  <ip address='10.200.0.1' netmask='255.255.0.0'>
    <dhcp><range start='10.200.0.2' end='10.200.255.254'/></dhcp>
  </ip>
</network>"""
SECRET_XML = ("<secret ephemeral='no' private='no'><description>{name}</description>"
              "<usage type='ceph'><name>{name}</name></usage></secret>")
DOMAIN_XML = f"""<domain type='kvm'>
  <name>{{name}}</name>
  <memory unit='MiB'>16</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='network'><mac address='{{mac}}:00'/><source network='{DHCP_NET}'/><model type='virtio'/></interface>
    <interface type='network'><mac address='{{mac}}:01'/><source network='{DHCP_NET}'/><model type='virtio'/></interface>
  </devices>
</domain>"""

# Rows of the table: (key, label, kind) where kind is "rate" (calls/s) or "time" (seconds).
ROWS = [
    ("net_define", "network define", "rate"),
    ("net_start", "network start", "rate"),
    ("net_list", "listAllNetworks ({networks})", "time"),
    ("net_undefine", "network destroy + undefine", "rate"),
    ("sec_define", "secret define", "rate"),
    ("sec_set", "secret setValue", "rate"),
    ("sec_list", "listAllSecrets ({secrets})", "time"),
    ("sec_lookup", "secretLookupByUsage", "rate"),
    ("sec_undefine", "secret undefine", "rate"),
    ("dom_define", "domain define (2 interfaces)", "rate"),
    ("dom_start", "domain start", "rate"),
    ("dom_list", "listAllDomains ({domains})", "time"),
    ("dom_lease", "interfaceAddresses(LEASE)", "rate"),
    ("dom_leases", "DHCPLeases ({leases} leases)", "time"),
]


@dataclass
class Counts:
    networks: int
    secrets: int
    domains: int


def timed(call: Callable[[T], R], items: Iterable[T]) -> tuple[list[R], float]:
    """``call`` on each item in turn; the answers and the seconds they took."""
    t0 = time.perf_counter()
    out = [call(item) for item in items]
    return out, time.perf_counter() - t0


@dataclass
class Run:
    conn: libvirt.virConnect
    results: dict[str, float | None] = field(default_factory=dict)

    def rate(self, key: str, call: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """The row is calls per second."""
        out, seconds = timed(call, items)
        self.results[key] = len(out) / seconds if seconds else float("inf")
        return out

    def median_time(self, key: str, call: Callable[[], R]) -> R:
        """The row is the median time of LIST_REPEAT calls; returns the last call's answer."""
        runs = [timed(lambda _: call(), [None]) for _ in range(LIST_REPEAT)]
        self.results[key] = statistics.median(seconds for _, seconds in runs)
        return runs[-1][0][0]


def subnet(n: int) -> str:
    # 10.100.0.0/24 upwards: clear of the host's 10.0.2.0/24 and of the domains' 10.200.0.0/16.
    return f"10.{100 + n // 256}.{n % 256}"


def domain_mac(n: int) -> str:
    # Given, not generated: 2,000 random MACs share one now and then, and a shared MAC is one lease.
    return f"52:54:00:{n // 256:02x}:{n % 256:02x}"


def bench_networks(run: Run, count: int) -> None:
    conn = run.conn

    def define(n: int) -> libvirt.virNetwork:
        return conn.networkDefineXML(NETWORK_XML.format(name=f"{PREFIX}-net-{n}", bridge=f"fvb{n}",
                                                        subnet=subnet(n)))

    def drop(net: libvirt.virNetwork) -> None:
        net.destroy()
        net.undefine()
    try:
        nets = run.rate("net_define", define, range(count))
        run.rate("net_start", libvirt.virNetwork.create, nets)
        listed = run.median_time("net_list", lambda: conn.listAllNetworks(0))
        assert len(listed) >= count, len(listed)
        run.rate("net_undefine", drop, nets)
    finally:
        cleanup_networks(conn)


def bench_secrets(run: Run, count: int) -> None:
    conn = run.conn
    names = [f"{PREFIX}-secret-{n}" for n in range(count)]
    try:
        secrets = run.rate("sec_define", lambda name: conn.secretDefineXML(SECRET_XML.format(name=name)), names)
        values = [(secret, f"value {n}".encode()) for n, secret in enumerate(secrets)]
        run.rate("sec_set", lambda pair: pair[0].setValue(pair[1]), values)
        listed = run.median_time("sec_list", lambda: conn.listAllSecrets(0))
        assert len(listed) >= count, len(listed)
        run.rate("sec_lookup", lambda name: conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, name),
                 names)
        run.rate("sec_undefine", libvirt.virSecret.undefine, secrets)
    finally:
        cleanup_secrets(conn)


def bench_domains(run: Run, count: int) -> None:
    conn = run.conn

    def define(n: int) -> libvirt.virDomain:
        return conn.defineXML(DOMAIN_XML.format(name=f"{PREFIX}-dom-{n}", mac=domain_mac(n)))
    try:
        net = conn.networkDefineXML(DHCP_NETWORK_XML)
        net.create()
        doms = run.rate("dom_define", define, range(count))
        run.rate("dom_start", libvirt.virDomain.create, doms)
        listed = run.median_time("dom_list", lambda: conn.listAllDomains(0))
        assert len(listed) >= count, len(listed)
        with if_supported():
            run.rate("dom_lease", lambda dom: dom.interfaceAddresses(
                libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE), doms)
        leases = run.median_time("dom_leases", net.DHCPLeases)
        assert len(leases) >= 2 * count, len(leases)
    finally:
        cleanup_domains(conn)
        cleanup_networks(conn)


@contextlib.contextmanager
def if_supported() -> Iterator[None]:
    """Ends the block quietly where the server answers VIR_ERR_NO_SUPPORT."""
    try:
        yield
    except libvirt.libvirtError as err:
        if err.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
            raise


def ours(name: str) -> bool:
    return name.startswith(PREFIX)


def cleanup_networks(conn: libvirt.virConnect) -> None:
    with if_supported():
        for net in conn.listAllNetworks(0):
            if ours(net.name()):
                if net.isActive():
                    net.destroy()
                if net.isPersistent():
                    net.undefine()


def cleanup_domains(conn: libvirt.virConnect) -> None:
    for dom in conn.listAllDomains(0):
        if ours(dom.name()):
            if dom.isActive():
                dom.destroy()
            if dom.isPersistent():
                dom.undefine()


def cleanup_secrets(conn: libvirt.virConnect) -> None:
    with if_supported():
        for secret in conn.listAllSecrets(0):
            if secret.usageType() == libvirt.VIR_SECRET_USAGE_TYPE_CEPH and ours(secret.usageID()):
                secret.undefine()


def bench(uri: str, counts: Counts) -> dict[str, float | None]:
    run = Run(libvirt.open(uri))
    try:
        for family, count in ((bench_networks, counts.networks), (bench_secrets, counts.secrets),
                              (bench_domains, counts.domains)):
            with if_supported():
                family(run, count)  # a row a family did not reach prints n/a
    finally:
        run.conn.close()
    return run.results


def cell(value: float | None, kind: str) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}/s" if kind == "rate" else f"{value * 1000:,.1f} ms"


def ratio(ours_: float | None, ref: float | None, kind: str) -> str:
    if ours_ is None or ref is None or not ours_ or not ref:
        return "n/a"
    return f"{ours_ / ref if kind == 'rate' else ref / ours_:.2g}x"


def print_table(counts: Counts, fake: dict[str, float | None], ref: dict[str, float | None] | None) -> None:
    names = {"networks": counts.networks, "secrets": counts.secrets, "domains": counts.domains,
             "leases": 2 * counts.domains}
    print("| operation | fakevirt | libvirtd test driver | ratio |")
    print("|---|---:|---:|---:|")
    for key, label, kind in ROWS:
        ref_cell, ratio_cell = "-", "-"
        if ref is not None:
            ref_cell, ratio_cell = cell(ref.get(key), kind), ratio(fake.get(key), ref.get(key), kind)
        print(f"| {label.format(**names)} | {cell(fake.get(key), kind)} | {ref_cell} | {ratio_cell} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10x smaller counts")
    parser.add_argument("--no-reference", action="store_true", help="fakevirt only")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    counts = Counts(networks=1000 // scale, secrets=10_000 // scale, domains=1000 // scale)
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors are handled, not printed
    load_before = os.getloadavg()
    proc, uri = start_fakevirt()
    try:
        fake = bench(uri, counts)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    ref = None
    if not args.no_reference:
        if reachable("127.0.0.1", 16519):
            ref = bench(REFERENCE_URI, counts)
        else:
            print("reference daemon unreachable at 127.0.0.1:16519: fakevirt only")
    load_after = os.getloadavg()
    print(f"{counts.networks} networks, {counts.secrets} secrets, {counts.domains} domains x 2 interfaces; "
          f"{os.cpu_count()} cores, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print()
    print_table(counts, fake, ref)


if __name__ == "__main__":
    main()
