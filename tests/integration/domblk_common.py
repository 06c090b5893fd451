"""The domain the block-device tests use, on fakevirt and on the reference daemon: a qcow2 disk, a raw disk, an empty cdrom."""

from __future__ import annotations

from fakevirt.testing import ThreadedServer

QCOW2_SIZE, RAW_SIZE = 64 << 20, 32 << 20


def qemu_domain_xml(name: str, disks: list[tuple[str, str, str]], *, cdrom: bool = False, vnc: bool = False) -> str:
    """A 64 MiB QEMU guest (real QEMU on the reference daemon) with file disks (target, format, path)."""
    devices = [f"""    <disk type='file' device='disk'>
      <driver name='qemu' type='{fmt}'/>
      <source file='{path}'/>
      <target dev='{target}' bus='virtio'/>
    </disk>""" for target, fmt, path in disks]
    if cdrom:
        devices.append("""    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>""")
    if vnc:
        devices.append("    <graphics type='vnc' autoport='yes'/>")
    body = "\n".join(devices)
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
{body}
  </devices>
</domain>
"""


def domain_xml(name: str, images: str) -> str:
    return qemu_domain_xml(name, [("vda", "qcow2", f"{images}/vm.qcow2"), ("vdb", "raw", f"{images}/vm2.raw")],
                           cdrom=True)


def make_images(fakevirt: ThreadedServer, images: str) -> None:
    store = fakevirt.hypervisor.images
    fakevirt.call(lambda: store.create(f"{images}/vm.qcow2", "qcow2", QCOW2_SIZE))
    fakevirt.call(lambda: store.create(f"{images}/vm2.raw", "raw", RAW_SIZE))


def guest_write(fakevirt: ThreadedServer, name: str, target: str, offset: int, data: bytes) -> None:
    domains = fakevirt.hypervisor.system.domains
    fakevirt.call(lambda: domains.guest_write(domains.by_name(name), target, offset, data))


def guest_read(fakevirt: ThreadedServer, name: str, target: str, offset: int, length: int) -> bytes:
    domains = fakevirt.hypervisor.system.domains
    return fakevirt.call(lambda: domains.guest_read(domains.by_name(name), target, offset, length))
