"""Connection and host APIs through libvirt-python (the real libvirt.so remote driver)."""

from __future__ import annotations

import libvirt
import pytest

from fakevirt.testing import ThreadedServer


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


def test_versions_and_host(conn, fakevirt: ThreadedServer) -> None:
    host = fakevirt.hypervisor.host
    assert conn.getType() == "QEMU"
    assert conn.getVersion() == host.qemu_version
    assert conn.getLibVersion() == 9_000_000
    assert conn.getHostname() == host.hostname
    info = conn.getInfo()
    ni = host.node_info()
    assert info == ["x86_64", ni.memory // 1024, ni.cpus, ni.mhz, ni.nodes, ni.sockets, ni.cores, ni.threads]
    assert conn.isAlive() == 1
    assert conn.isSecure() == 0  # the client itself says no over plain TCP
    assert conn.getMaxVcpus(None) == 16
    assert conn.getMaxVcpus("kvm") == host.kvm_max_vcpus
    assert "<capabilities>" in conn.getCapabilities()
    assert "<domainCapabilities>" in conn.getDomainCapabilities()
    assert conn.getFreeMemory() > 0
    assert len(conn.getCellsFreeMemory(0, 8)) >= 1


def test_max_vcpus_unknown_type(conn) -> None:
    with pytest.raises(libvirt.libvirtError) as e:
        conn.getMaxVcpus("xen")
    assert e.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
    assert str(e.value) == "invalid argument: unknown type 'xen'"


def test_unimplemented_call_raises_no_support(conn) -> None:
    dom = conn.defineXML("<domain type='qemu'><name>nc</name><memory>65536</memory>"
                         "<os><type arch='x86_64'>hvm</type></os></domain>")
    with pytest.raises(libvirt.libvirtError) as e:
        dom.migrateSetMaxSpeed(100, 0)  # there is no migration
    assert e.value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT
    assert e.value.get_error_domain() == libvirt.VIR_FROM_DOMAIN
    assert "virDomainMigrateSetMaxSpeed" in str(e.value)


def test_sysinfo_refuses_flags(conn) -> None:
    with pytest.raises(libvirt.libvirtError) as e:
        conn.getSysinfo(1)
    assert e.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
    assert str(e.value) == "unsupported flags (0x1) in function qemuConnectGetSysinfo"


def test_readonly_connection_can_read(fakevirt_uri: str) -> None:
    ro = libvirt.openReadOnly(fakevirt_uri)
    assert ro.getHostname()
    assert ro.listAllDomains() == []
    ro.close()


def test_two_nodes_are_separate(fakevirt: ThreadedServer) -> None:
    system = libvirt.open(fakevirt.uri("system"))
    session = libvirt.open(fakevirt.uri("session"))
    assert system.getURI().endswith("/system") and session.getURI().endswith("/session")
    assert fakevirt.hypervisor.system is not fakevirt.hypervisor.session


def test_close_callback_registration(conn, fakevirt: ThreadedServer) -> None:
    """libvirt.so forwards (un)registration to the server, which records it on the client's session."""
    def registered() -> int:
        return fakevirt.call(lambda: sum(s.client.close_callback for s in fakevirt.server.sessions))

    before = registered()
    conn.registerCloseCallback(lambda *a: None, None)
    assert registered() == before + 1
    conn.unregisterCloseCallback()
    assert registered() == before


def test_node_stats(conn) -> None:
    cpu = conn.getCPUStats(-1)
    assert {"kernel", "user", "idle", "iowait"} <= set(cpu)
    mem = conn.getMemoryStats(-1)
    assert {"total", "free"} <= set(mem)


@pytest.mark.real
def test_error_codes_match_real_libvirtd(fakevirt_uri: str, reference_uri: str) -> None:
    for uri in (fakevirt_uri, reference_uri):
        c = libvirt.open(uri)
        with pytest.raises(libvirt.libvirtError) as e:
            c.getMaxVcpus("xen")
        assert (e.value.get_error_code(), e.value.get_error_domain(), str(e.value)) == (
            libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_QEMU, "invalid argument: unknown type 'xen'")
        with pytest.raises(libvirt.libvirtError) as e:
            c.getSysinfo(1)
        assert e.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
        c.close()
