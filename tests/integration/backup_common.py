"""What the backup tests share: a running domain with qcow2 disks in fakevirt, and guest writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import libvirt

from fakevirt.testing import ThreadedServer


def domain_xml(name: str, *images: str, kind: str = "kvm", extra: str = "") -> str:
    """A domain whose qcow2 ``images`` are its disks vda, vdb, …"""
    disks = "".join(f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='{path}'/>"
                    f"<target dev='vd{chr(ord('a') + i)}' bus='virtio'/></disk>" for i, path in enumerate(images))
    return (f"<domain type='{kind}'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
            f"<os><type arch='x86_64'>hvm</type></os><devices>{disks}{extra}</devices></domain>")


@contextmanager
def running(srv: ThreadedServer, xml: str, sizes: dict[str, int]) -> Iterator[tuple[libvirt.virConnect, libvirt.virDomain]]:
    """Create the images (path -> size), define and start the domain; a connection and the domain."""
    hv = srv.hypervisor

    def create() -> None:
        for path, size in sizes.items():
            hv.images.create(path, "qcow2", size)

    srv.call(create)
    conn = libvirt.open(srv.uri())
    try:
        dom = conn.defineXML(xml)
        dom.create()
        yield conn, dom
    finally:
        conn.close()


def guest_write(srv: ThreadedServer, name: str, offset: int, data: bytes, target: str = "vda") -> None:
    domains = srv.hypervisor.system.domains
    srv.call(lambda: domains.guest_write(domains.by_name(name), target, offset, data))
