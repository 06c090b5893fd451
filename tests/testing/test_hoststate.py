"""hv.reset(seed) and hv.states (save/load/export/import/dump) through libvirt-python."""

from __future__ import annotations

import gc
import json
import pickle
import threading
import time
import weakref
from collections.abc import Iterator

import libvirt
import pytest

from fakevirt.control.registry import ControlError
from fakevirt.model.hoststate import MAGIC
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.testing import ThreadedServer
from fakevirt.testing.sample import build_sample_host, download, upload

DOM = """<domain type='kvm'><name>{n}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64'>hvm</type></os><devices>
<interface type='network'><source network='default'/></interface></devices></domain>"""
NET = ("<network><name>n{i}</name><bridge name='virbr{i}'/>"
       "<ip address='192.168.{i}.1' netmask='255.255.255.0'/></network>")
SECRET = "<secret ephemeral='no' private='no'><usage type='ceph'><name>{n}</name></usage></secret>"


def build(conn: libvirt.virConnect, n: int) -> None:
    """n domains with a qcow2 disk and a snapshot, odd ones running, raw volumes with data; a network, a secret."""
    build_sample_host(conn, n)
    conn.networkDefineXML(NET.format(i=60)).create()
    conn.secretDefineXML(SECRET.format(n="x")).setValue(b"v")


def observe(conn: libvirt.virConnect) -> dict[str, object]:
    """What a client sees of the host."""
    pool = conn.storagePoolLookupByName("p")
    return {
        "domains": sorted((d.name(), d.UUIDString(), d.ID(), d.state(), d.snapshotListNames(), d.XMLDesc())
                          for d in conn.listAllDomains()),
        "volumes": sorted((v.name(), v.info(), download(conn, v, 4096) if v.name().endswith(".raw") else b"")
                          for v in pool.listAllVolumes()),
        "networks": sorted((n.name(), n.isActive(), n.XMLDesc()) for n in conn.listAllNetworks()),
        "secrets": sorted((s.UUIDString(), s.value()) for s in conn.listAllSecrets()),
    }


def new_ids(conn: libvirt.virConnect, n: int = 3) -> list[object]:
    out: list[object] = []
    for i in range(n):
        d = conn.defineXML(DOM.format(n=f"probe{i}"))
        out.append((d.UUIDString(), d.XMLDesc().split("mac address='")[1][:17]))
    out.append(conn.networkDefineXML(NET.format(i=50)).UUIDString())
    out.append(conn.secretDefineXML(SECRET.format(n="probe")).UUIDString())
    return out


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    with ThreadedServer(Hypervisor(seed=7, default_network=True), unix=False) as s:
        yield s


@pytest.fixture
def conn(server: ThreadedServer) -> Iterator[libvirt.virConnect]:
    c = libvirt.open(server.uri())
    yield c
    c.close()


def fresh_ids(seed: int) -> list[object]:
    with ThreadedServer(Hypervisor(seed=seed, default_network=True), unix=False) as s:
        c = libvirt.open(s.uri())
        try:
            return new_ids(c)
        finally:
            c.close()


def test_reset_gives_a_fresh_servers_ids(server: ThreadedServer, conn: libvirt.virConnect) -> None:
    build(conn, 2)
    server.reset()
    assert new_ids(conn) == fresh_ids(7)


def test_reset_with_a_seed_is_a_fresh_server_of_that_seed(server: ThreadedServer, conn: libvirt.virConnect) -> None:
    build(conn, 1)
    server.reset(11)
    assert conn.getHostname() == Hypervisor(seed=11).host.hostname  # type: ignore[union-attr]
    assert new_ids(conn) == fresh_ids(11)
    assert fresh_ids(11) != fresh_ids(7)


def test_save_load_round_trips_the_host(server: ThreadedServer, conn: libvirt.virConnect) -> None:
    build(conn, 4)
    before = observe(conn)
    server.save_state("prepared")
    conn.lookupByName("vm1").destroy()
    conn.lookupByName("vm2").undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)
    upload(conn, conn.storageVolLookupByPath("/var/lib/libvirt/images/p/vm0.raw"), b"\xff" * 4096)
    conn.networkLookupByName("n60").destroy()
    server.load_state("prepared")
    assert observe(conn) == before  # the same connection, still open
    conn.lookupByName("vm3").destroy()  # changes after a load do not reach the saved state
    upload(conn, conn.storageVolLookupByPath("/var/lib/libvirt/images/p/vm1.raw"), b"\xee" * 4096)
    conn.storageVolLookupByPath("/var/lib/libvirt/images/p/vm0.qcow2").wipe()
    server.load_state("prepared")
    assert observe(conn) == before
    assert conn.lookupByName("vm3").isActive()  # the same connection keeps working


def test_ids_continue_from_the_saved_position(server: ThreadedServer, conn: libvirt.virConnect) -> None:
    build(conn, 1)
    server.save_state("s")
    first = new_ids(conn)
    server.load_state("s")
    assert new_ids(conn) == first


def test_states_survive_reset_and_are_named(server: ThreadedServer, conn: libvirt.virConnect) -> None:
    build(conn, 1)
    states = server.hypervisor.states
    server.save_state("b")
    server.save_state("a")
    server.reset()
    assert conn.listAllDomains() == []
    assert states.names() == ["a", "b"]
    server.load_state("a")
    assert [d.name() for d in conn.listAllDomains()] == ["vm0"]
    server.call(states.delete, "a")
    assert states.names() == ["b"]


def test_unknown_state_is_a_404(server: ThreadedServer) -> None:
    for op in (server.hypervisor.states.load, server.hypervisor.states.export, server.hypervisor.states.delete):
        with pytest.raises(ControlError) as e:
            server.call(op, "nope")
        assert (e.value.status, e.value.message) == (404, "no saved state 'nope'")


def test_export_import_into_another_server(server: ThreadedServer, conn: libvirt.virConnect) -> None:
    build(conn, 2)
    before = observe(conn)
    server.save_state("x")
    data = server.call(server.hypervisor.states.export, "x")
    with ThreadedServer(Hypervisor(seed=7, default_network=True), unix=False) as other:
        other.call(other.hypervisor.states.import_, "y", data)
        other.load_state("y")
        c = libvirt.open(other.uri())
        assert observe(c) == before
        c.close()


class Evil:
    def __reduce__(self) -> tuple[object, ...]:
        return (print, ("pwned",))


@pytest.mark.parametrize("data, message", [
    (b"garbage", "not a fakevirt state file (or one of another version)"),
    (b"fakevirt-state 1\n" + pickle.dumps((b"", [])),
     "a state file of format 1: this fakevirt reads format 2 (export the state again)"),
    (MAGIC + b"\x80\x05garbage", None),
    (MAGIC + pickle.dumps(Evil()), "bad state file: global builtins.print is not part of a host state"),
    (MAGIC + pickle.dumps({"hv": {}}), "bad state file: not a host state"),
    (MAGIC + pickle.dumps((pickle.dumps({"hv": {}}), [], [])), "bad state file: not a host state"),
    (MAGIC + pickle.dumps((pickle.dumps(Evil()), [], [])),
     "bad state file: global builtins.print is not part of a host state"),
])
def test_import_refuses_bad_data(server: ThreadedServer, data: bytes, message: str | None) -> None:
    with pytest.raises(ControlError) as e:
        server.call(server.hypervisor.states.import_, "bad", data)
    assert e.value.status == 400
    assert e.value.message.startswith("bad state file: ") if message is None else e.value.message == message
    assert server.hypervisor.states.names() == []


def test_prepare_in_another_thread_then_load(server: ThreadedServer, conn: libvirt.virConnect) -> None:
    build(conn, 2)
    before = observe(conn)
    server.call(server.hypervisor.states.save, "s")
    for _ in range(3):
        worker = threading.Thread(target=server.hypervisor.states.prepare, args=("s",))
        worker.start()
        conn.lookupByName("vm0").create()  # the server keeps serving meanwhile
        worker.join()
        server.call(server.hypervisor.states.load, "s")
        assert observe(conn) == before


def test_dump_is_the_host_as_json(server: ThreadedServer, conn: libvirt.virConnect) -> None:
    build(conn, 2)
    conn.lookupByName("vm1").snapshotCreateXML("<domainsnapshot><name>s2</name></domainsnapshot>")
    dump = json.loads(json.dumps(server.call(server.hypervisor.states.dump)))
    doms = {d["name"]: d for d in dump["drivers"]["/system"]["domains"]}
    vm1 = conn.lookupByName("vm1")
    assert {k: doms["vm1"][k] for k in ("uuid", "id", "state", "reason", "persistent", "autostart")} == {
        "uuid": vm1.UUIDString(), "id": vm1.ID(), "state": vm1.state()[0], "reason": vm1.state()[1],
        "persistent": True, "autostart": False}
    assert doms["vm1"]["xml"] == vm1.XMLDesc()
    assert doms["vm1"]["snapshots"] == [{"name": "s1", "parent": None, "current": False},
                                        {"name": "s2", "parent": "s1", "current": True}]
    assert dump["drivers"]["/session"]["domains"] == []
    vols = {v["name"]: v for v in dump["pools"][0]["volumes"]}
    assert vols["vm0.raw"] == {"name": "vm0.raw", "path": "/var/lib/libvirt/images/p/vm0.raw", "format": "raw",
                               "capacity": 8 << 20,
                               "allocation": conn.storageVolLookupByPath("/var/lib/libvirt/images/p/vm0.raw").info()[2]}
    assert vols["vm0.qcow2"]["format"] == "qcow2"
    assert {n["name"] for n in dump["networks"]} == {"default", "n60"}
    assert len(dump["secrets"]) == 1 and dump["secrets"][0]["has_value"] and "value" not in dump["secrets"][0]


def test_a_connection_dying_in_a_cycle_cannot_hang_the_server(server: ThreadedServer) -> None:
    """The collector never runs in the server's thread: a cyclic virConnect is closed by collect()."""
    assert not gc.isenabled()
    holder: dict[str, object] = {}
    c = libvirt.open(server.uri())
    dead = weakref.ref(c)
    holder["self"], holder["conn"] = holder, c  # a cycle through the connection
    del c, holder
    conn = libvirt.open(server.uri())
    build(conn, 2)  # the server allocates plenty: it would have collected if it could
    assert dead() is not None and len(server.server.sessions) == 2
    server.collect(full=True)  # here, in the client's thread: its CONNECT_CLOSE is served
    assert dead() is None
    deadline = time.monotonic() + 10
    while len(server.server.sessions) != 1:  # the server drops the session after its reply
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert conn.getHostname()
    conn.close()


def test_node_file_network_uuids_are_seeded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    node = tmp_path / "node.xml"
    node.write_text("<node><network><name>n</name><bridge name='virbr9'/></network></node>")

    def network_uuid(seed: int) -> str:
        with ThreadedServer(Hypervisor(seed=seed), unix=False) as s:
            port = s.tcp_address.rsplit(":", 1)[1]
            c = libvirt.open(f"test+tcp://127.0.0.1:{port}{node}")
            try:
                return c.networkLookupByName("n").UUIDString()
            finally:
                c.close()

    assert network_uuid(3) == network_uuid(3) != network_uuid(4)


def test_save_refuses_what_is_not_state(server: ThreadedServer) -> None:
    def plant() -> None:
        server.hypervisor.node.live_handle = threading.Lock()  # type: ignore[attr-defined]

    server.call(plant)
    with pytest.raises(ControlError) as e:
        server.call(server.hypervisor.states.save, "x")
    assert (e.value.status, e.value.message) == (409, "cannot save the host now: cannot pickle '_thread.lock' object")
    assert server.hypervisor.states.names() == []
    server.reset()
    server.save_state("x")  # the server still serves, and saves once the host is plain state again
