"""Size limits of domains (memory, vCPUs, names) on the XML and the API paths, as libvirtd 9.0's
QEMU driver enforces them; each answer was taken from the reference daemon."""

from __future__ import annotations

import os
from collections.abc import Callable

import libvirt
import pytest
import trio

from fakevirt.client import AsyncClient
from fakevirt.testing import serving
from protocol import LibvirtError, Proc
from protocol.remote import domain as w
from tests.integration.conftest import error_of

OVERFLOW, XML_ERROR, INVALID_ARG = libvirt.VIR_ERR_OVERFLOW, libvirt.VIR_ERR_XML_ERROR, libvirt.VIR_ERR_INVALID_ARG
CONFIG_UNSUPPORTED, SYSTEM_ERROR = libvirt.VIR_ERR_CONFIG_UNSUPPORTED, libvirt.VIR_ERR_SYSTEM_ERROR
FROM_NONE, FROM_XML, FROM_DOMAIN, FROM_QEMU = (libvirt.VIR_FROM_NONE, libvirt.VIR_FROM_XML, libvirt.VIR_FROM_DOMAIN,
                                               libvirt.VIR_FROM_QEMU)
NUMA = "<cpu><numa><cell id='0' cpus='0' memory='65536'/></numa></cpu>"


@pytest.fixture
def conn(fakevirt_uri: str):
    c = libvirt.open(fakevirt_uri)
    yield c
    c.close()


def domain_xml(name: str = "lim", body: str = "<memory>65536</memory>", vcpus: int = 1) -> str:
    return (f"<domain type='qemu'><name>{name}</name>{body}<vcpu>{vcpus}</vcpu>"
            "<os><type arch='x86_64'>hvm</type></os></domain>")


MEMORY_CASES = [
    ("<memory unit='KiB'>18446744073709551615</memory>",
     (OVERFLOW, FROM_NONE, "numerical overflow: value too large: 18446744073709551615KiB")),
    ("<memory>18446744073709551615</memory>",
     (OVERFLOW, FROM_NONE, "numerical overflow: value too large: 18446744073709551615")),
    ("<memory unit='k'>0009007199254740992</memory>",
     (OVERFLOW, FROM_NONE, "numerical overflow: value too large: 9007199254740992k")),
    ("<memory unit='EiB'>8</memory>", (OVERFLOW, FROM_NONE, "numerical overflow: value too large: 8EiB")),
    ("<memory unit='b'>9223372036854775807</memory>", (OVERFLOW, FROM_DOMAIN, "numerical overflow: size value too large")),
    ("<memory unit='KiB'>18446744073709551616</memory>",
     (XML_ERROR, FROM_XML, "XML error: Invalid value '18446744073709551616' for element or attribute './memory[1]'")),
    ("<memory unit='KiB'>65536 </memory>",
     (XML_ERROR, FROM_XML, "XML error: Invalid value '65536 ' for element or attribute './memory[1]'")),
    ("<memory unit='KiB'></memory>",
     (XML_ERROR, FROM_DOMAIN, "XML error: Memory size must be specified via <memory> or in the <numa> configuration")),
    ("<memory>65536</memory><currentMemory>18446744073709551615</currentMemory>",
     (OVERFLOW, FROM_NONE, "numerical overflow: value too large: 18446744073709551615")),
    ("<maxMemory slots='16' unit='b'>9223372036854775807</maxMemory><memory>65536</memory>",
     (OVERFLOW, FROM_DOMAIN, "numerical overflow: size value too large")),
    ("<maxMemory slots='x'>1000000</maxMemory><memory>65536</memory>",
     (XML_ERROR, FROM_DOMAIN, "XML error: Failed to parse memory slot count")),
    ("<maxMemory>1000000</maxMemory><memory>65536</memory>",
     (XML_ERROR, FROM_DOMAIN, "XML error: both maximum memory size and memory slot count must be specified")),
    (f"<maxMemory slots='16'>1000</maxMemory><memory>65536</memory>{NUMA}",
     (XML_ERROR, FROM_DOMAIN, "XML error: maximum memory size must be equal or greater than the actual memory size")),
    ("<maxMemory slots='16'>1000000</maxMemory><memory>65536</memory>",
     (CONFIG_UNSUPPORTED, FROM_QEMU,
      "unsupported configuration: At least one numa node has to be configured when enabling memory hotplug")),
]


@pytest.mark.parametrize("body, expected", MEMORY_CASES)
def test_memory_sizes_libvirt_cannot_hold_are_refused(conn, body: str, expected: tuple[int, int, str]) -> None:
    assert error_of(lambda: conn.defineXML(domain_xml(body=body))) == expected
    assert conn.listAllDomains() == []


@pytest.mark.parametrize("body, kib", [
    ("<memory unit='KiB'>9007199254740991</memory>", 9007199254740991),
    ("<memory unit='EiB'>7</memory>", 7 << 50),
    ("<memory unit='KiB'> +0100000</memory>", 100000),
    (f"<maxMemory slots='16' unit='KiB'>9007199254740991</maxMemory><memory>65536</memory>{NUMA}", 65536),
])
def test_memory_sizes_at_the_limit_are_accepted(conn, body: str, kib: int) -> None:
    assert conn.defineXML(domain_xml(body=body)).maxMemory() == kib


async def _raw_errors(calls: list[tuple[int, Callable[[w.NonnullDomain], object]]]) -> list[tuple[int, int, str]]:
    """Calls libvirt's client library would refuse itself: only a raw client shows the server's answer."""
    out = []
    with trio.fail_after(10):
        async with serving() as (_, bound), AsyncClient.connect("tcp://" + bound[0].address) as c:
            await c.open()
            dom = (await c.call(Proc.DOMAIN_DEFINE_XML, w.DomainDefineXmlArgs(xml=domain_xml()))).dom
            for proc, args in calls:
                with pytest.raises(LibvirtError) as e:
                    await c.call(proc, args(dom))
                out.append((int(e.value.code), int(e.value.domain), e.value.message))
            assert (await c.call(Proc.DOMAIN_GET_MAX_MEMORY, w.DomainGetMaxMemoryArgs(dom=dom))).memory == 65536
    return out


async def test_api_memory_sizes_are_bounded_by_the_server() -> None:
    huge, limit = 2**64 - 1, 9007199254740991
    assert await _raw_errors([
        (Proc.DOMAIN_SET_MEMORY_FLAGS, lambda d: w.DomainSetMemoryFlagsArgs(dom=d, memory=huge, flags=1 << 20)),
        (Proc.DOMAIN_SET_MAX_MEMORY, lambda d: w.DomainSetMaxMemoryArgs(dom=d, memory=limit)),
        (Proc.DOMAIN_SET_MEMORY, lambda d: w.DomainSetMemoryArgs(dom=d, memory=huge)),
        (Proc.DOMAIN_SET_MEMORY_FLAGS, lambda d: w.DomainSetMemoryFlagsArgs(dom=d, memory=0, flags=2)),
        (Proc.DOMAIN_SET_VCPUS_FLAGS, lambda d: w.DomainSetVcpusFlagsArgs(dom=d, nvcpus=0, flags=1 << 20)),
    ]) == [
        (OVERFLOW, FROM_DOMAIN, f"numerical overflow: input too large: {huge}"),
        (OVERFLOW, FROM_DOMAIN, f"numerical overflow: input too large: {limit}"),
        (OVERFLOW, FROM_DOMAIN, f"numerical overflow: input too large: {huge}"),
        (INVALID_ARG, FROM_DOMAIN, "memory in virDomainSetMemoryFlags must not be zero"),
        (INVALID_ARG, FROM_DOMAIN, "nvcpus in virDomainSetVcpusFlags must not be zero"),
    ]


def test_config_memory_above_the_maximum_and_numa_maximum(conn) -> None:
    config, maximum = libvirt.VIR_DOMAIN_AFFECT_CONFIG, libvirt.VIR_DOMAIN_MEM_MAXIMUM
    dom = conn.defineXML(domain_xml())
    assert error_of(lambda: dom.setMemoryFlags(131072, config)) == (
        INVALID_ARG, FROM_QEMU, "invalid argument: cannot set memory higher than max memory")
    dom.setMemoryFlags(9007199254740990, config | maximum)
    assert dom.maxMemory() == 9007199254740990
    numa = conn.defineXML(domain_xml("numa", f"<memory>65536</memory>{NUMA}"))
    assert error_of(lambda: numa.setMemoryFlags(100000, config | maximum)) == (
        libvirt.VIR_ERR_OPERATION_INVALID, FROM_QEMU, "Requested operation is not valid: "
        "initial memory size of a domain with NUMA nodes cannot be modified with this API")


def test_a_vcpu_maximum_beyond_the_machine_is_kept_but_cannot_start(conn, fakevirt_uri: str) -> None:
    """libvirt 9.0 takes any config maximum; the next start validates it against the machine type."""
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG | libvirt.VIR_DOMAIN_VCPU_MAXIMUM
    dom = conn.defineXML(domain_xml())
    dom.setVcpusFlags(100000, flags)
    assert dom.vcpusFlags(flags) == 100000
    limit = (CONFIG_UNSUPPORTED, FROM_QEMU,
             "unsupported configuration: Maximum CPUs greater than specified machine type limit 255")
    assert error_of(dom.create) == limit
    assert dom.isActive() == 0
    assert error_of(lambda: conn.defineXML(dom.XMLDesc(0))) == limit
    stats = conn.domainListGetStats([dom], libvirt.VIR_DOMAIN_STATS_VCPU)
    assert stats[0][1] == {"vcpu.current": 1, "vcpu.maximum": 100000}


def _name(n: int) -> str:
    return "n" * n


def test_name_length_is_bounded_by_the_config_file_name(conn) -> None:
    assert len(conn.defineXML(domain_xml(_name(247))).name()) == 247
    for n in (248, 5000):
        assert error_of(lambda n=n: conn.defineXML(domain_xml(_name(n)))) == (
            SYSTEM_ERROR, FROM_NONE, f"Failed to create file '/etc/libvirt/qemu/{_name(n)}.xml.new': File name too long")
    # bytes count, not characters: 124 two-byte characters make 248 bytes
    assert error_of(lambda: conn.defineXML(domain_xml("é" * 124)))[2].endswith("File name too long")
    dom = conn.defineXML(domain_xml("short"))
    assert error_of(lambda: dom.rename(_name(256), 0)) == (
        SYSTEM_ERROR, FROM_NONE, f"Failed to create file '/etc/libvirt/qemu/{_name(256)}.xml.new': File name too long")
    assert sorted(len(d.name()) for d in conn.listAllDomains()) == [5, 247]


def test_transient_name_length_is_bounded_by_the_state_files(conn) -> None:
    assert len(conn.createXML(domain_xml(_name(247)), 0).name()) == 247
    assert error_of(lambda: conn.createXML(domain_xml(_name(251)), 0)) == (
        SYSTEM_ERROR, FROM_NONE, f"Failed to create file '/run/libvirt/qemu/{_name(251)}.xml.new': File name too long")
    assert error_of(lambda: conn.createXML(domain_xml(_name(252)), 0)) == (
        SYSTEM_ERROR, FROM_QEMU, f"Cannot remove stale PID file /run/libvirt/qemu/{_name(252)}.pid: File name too long")
    assert len(conn.listAllDomains()) == 1


def test_snapshot_name_length_is_bounded_by_its_metadata_file(conn) -> None:
    dom = conn.defineXML(domain_xml())

    def redefine(name: str):  # type: ignore[no-untyped-def]
        return dom.snapshotCreateXML(f"<domainsnapshot><name>{name}</name><state>shutoff</state><creationTime>1"
                                     f"</creationTime>{dom.XMLDesc(0)}</domainsnapshot>",
                                     libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)

    assert len(redefine(_name(247)).getName()) == 247
    assert error_of(lambda: redefine(_name(248))) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, FROM_QEMU, f"internal error: unable to save metadata for snapshot {_name(248)}")
    assert dom.snapshotNum() == 1


def _answers(uri: str) -> list[object]:
    name = f"fv-ref-lim-{os.getpid()}"  # concurrent runs against one daemon must not share it
    c = libvirt.open(uri)
    out: list[object] = []
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG | libvirt.VIR_DOMAIN_VCPU_MAXIMUM
    try:
        for body, _ in MEMORY_CASES:
            out.append(error_of(lambda body=body: c.defineXML(domain_xml(name, body))))
        for n in (247, 248, 252):
            try:
                dom = c.createXML(domain_xml("fv-ref-" + _name(n - 7)), 0)
                out.append(len(dom.name()))
                dom.destroy()
            except libvirt.libvirtError as e:
                out.append(str(e).replace(_name(n - 7), "N"))
        dom = c.defineXML(domain_xml(name))
        try:
            dom.setVcpusFlags(256, flags)
            out += [dom.vcpusFlags(flags), error_of(dom.create), error_of(lambda: dom.rename(_name(248), 0))]
        finally:
            dom.undefine()
    finally:
        c.close()
    return out


@pytest.mark.real
def test_limits_match_the_real_qemu_driver(fakevirt_uri: str, reference_uri: str) -> None:
    assert _answers(fakevirt_uri) == _answers(reference_uri)
