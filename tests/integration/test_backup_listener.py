"""A pull backup's NBD listener is bound inside virDomainBackupBegin: a port in use or a bad
socket path fails the call with QEMU's nbd-server-start error, and leaves no job, no scratch
file and no checkpoint behind (as libvirt 9.0 with QEMU does)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.backup_common import domain_xml, running

IMG = "/var/lib/libvirt/images/bkl/vm.qcow2"
PREFIX = "internal error: unable to execute QEMU command 'nbd-server-start': "


@pytest.fixture
def env(fakevirt: ThreadedServer) -> Iterator[tuple[ThreadedServer, libvirt.virDomain]]:
    with running(fakevirt, domain_xml("bkl", IMG), {IMG: 1 << 20}) as (_, dom):
        yield fakevirt, dom


@pytest.fixture
def busy_port() -> Iterator[int]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    yield s.getsockname()[1]
    s.close()


def tcp(port: int, host: str = "127.0.0.1") -> str:
    return f"<domainbackup mode='pull'><server transport='tcp' name='{host}' port='{port}'/></domainbackup>"


def unix(path: str) -> str:
    return f"<domainbackup mode='pull'><server transport='unix' socket='{path}'/></domainbackup>"


def begin_fails(dom: libvirt.virDomain, xml: str) -> str:
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupBegin(xml, "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0)
    assert (e.value.get_error_code(), e.value.get_error_domain()) == (libvirt.VIR_ERR_INTERNAL_ERROR,
                                                                       libvirt.VIR_FROM_QEMU)
    assert dom.jobStats()["type"] == libvirt.VIR_DOMAIN_JOB_NONE
    assert dom.listAllCheckpoints() == []
    return str(e.value)


def test_port_in_use(env, busy_port: int) -> None:
    srv, dom = env
    msg = begin_fails(dom, tcp(busy_port))
    assert msg == PREFIX + "Failed to find an available port: Address already in use"
    assert not srv.call(lambda: srv.hypervisor.images.exists(f"{IMG}.c1"))  # the scratch is gone again


def test_address_not_on_this_host(env) -> None:
    _, dom = env
    assert begin_fails(dom, tcp(10813, "10.9.9.9")) == PREFIX + "Failed to bind socket: Cannot assign requested address"


def test_socket_in_a_missing_directory(env, tmp_path: Path) -> None:
    _, dom = env
    path = f"{tmp_path}/no/such/dir/s.sock"
    assert begin_fails(dom, unix(path)) == PREFIX + f"Failed to bind socket to {path}: No such file or directory"


def test_an_existing_file_is_not_replaced(env, tmp_path: Path) -> None:
    _, dom = env
    keep = tmp_path / "precious"
    keep.write_text("data")
    assert begin_fails(dom, unix(str(keep))) == PREFIX + f"Failed to unlink socket {keep}: Permission denied"
    assert keep.read_text() == "data"


def test_the_next_backup_binds_and_serves(env, busy_port: int, tmp_path: Path) -> None:
    _, dom = env
    begin_fails(dom, tcp(busy_port))
    sock = tmp_path / "s.sock"
    sock_file = socket.socket(socket.AF_UNIX)  # a stale socket file from an earlier server is replaced
    sock_file.bind(str(sock))
    sock_file.close()
    dom.backupBegin(unix(str(sock)), None, 0)
    client = socket.socket(socket.AF_UNIX)
    client.connect(str(sock))  # listening as soon as BackupBegin returned
    assert client.recv(8) == b"NBDMAGIC"
    client.close()
    dom.abortJob()


def test_reuse_external_of_a_missing_store(env) -> None:
    """As the reference: the security manager cannot stat the store."""
    _, dom = env
    with pytest.raises(libvirt.libvirtError) as e:
        dom.backupBegin("<domainbackup><disks><disk name='vda' type='file'><target file='/var/lib/libvirt/images/"
                        "bkl/missing.qcow2'/></disk></disks></domainbackup>", None,
                        libvirt.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL)
    assert (e.value.get_error_code(), e.value.get_error_domain(), str(e.value)) == (
        libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_FROM_SECURITY,
        "unable to stat: /var/lib/libvirt/images/bkl/missing.qcow2: No such file or directory")
    assert dom.jobStats()["type"] == libvirt.VIR_DOMAIN_JOB_NONE
