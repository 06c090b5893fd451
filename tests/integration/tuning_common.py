"""The domain the tuning tests use, on fakevirt and on the reference daemon: 4 vCPUs (2 online),
2 IOThreads, one qcow2 disk, one ethernet NIC; and the reference host's 2 CPUs for fakevirt."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from fakevirt.testing import ThreadedServer

DISK_SIZE = 16 << 20


def domain_xml(name: str, images: str) -> str:
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu current='2'>4</vcpu>
  <iothreads>2</iothreads>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{images}/vm.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='ethernet'><model type='virtio'/></interface>
  </devices>
</domain>
"""


@contextmanager
def reference_host(fakevirt: ThreadedServer) -> Iterator[None]:
    """fakevirt's host shaped like the reference's: one socket of 2 cores, one NUMA node."""
    hv = fakevirt.hypervisor
    saved = hv.host
    fakevirt.call(lambda: setattr(hv, "host", dataclasses.replace(saved, sockets=1, dies=1, cores=2, threads=1,
                                                                   numa_nodes=1)))
    try:
        yield
    finally:
        fakevirt.call(lambda: setattr(hv, "host", saved))


def make_images(fakevirt: ThreadedServer, images: str) -> None:
    store = fakevirt.hypervisor.images
    fakevirt.call(lambda: store.create(f"{images}/vm.qcow2", "qcow2", DISK_SIZE))
