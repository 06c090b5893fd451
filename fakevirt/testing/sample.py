"""A host with some of everything, made through libvirt-python: for state tests and benchmarks."""

from __future__ import annotations

import libvirt

__all__ = ["build_sample_host", "download", "upload"]

POOL = "<pool type='dir'><name>{pool}</name><target><path>/var/lib/libvirt/images/{pool}</path></target></pool>"
VOL = ("<volume><name>{n}.{f}</name><capacity unit='MiB'>{mib}</capacity>"
       "<target><format type='{f}'/></target></volume>")
DOM = """<domain type='kvm'><name>{n}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='/var/lib/libvirt/images/{pool}/{n}.qcow2'/><target dev='vda' bus='virtio'/></disk>
<interface type='network'><source network='default'/><model type='virtio'/></interface></devices></domain>"""


def upload(conn: libvirt.virConnect, vol: libvirt.virStorageVol, data: bytes) -> None:
    st = conn.newStream()
    vol.upload(st, 0, len(data))
    st.send(data)
    st.finish()


def download(conn: libvirt.virConnect, vol: libvirt.virStorageVol, length: int) -> bytes:
    st = conn.newStream()
    vol.download(st, 0, length)
    out = b""
    while chunk := st.recv(length):
        out += chunk
    st.finish()
    return out


def build_sample_host(conn: libvirt.virConnect, domains: int, data: int = 4096, pool: str = "p",
                      capacity_mib: int = 8) -> None:
    """A dir pool ``pool``; per domain ``vmN``: a qcow2 disk volume, a raw volume with ``data`` bytes
    of N + 1 uploaded, the domain (that disk, a NIC on 'default'), snapshot ``s1``; odd ones running.

    The connection's host needs the network 'default' (``Hypervisor(default_network=True)``).
    """
    p = conn.storagePoolDefineXML(POOL.format(pool=pool))
    p.build()
    p.create()
    for i in range(domains):
        name = f"vm{i}"
        p.createXML(VOL.format(n=name, f="qcow2", mib=capacity_mib))
        upload(conn, p.createXML(VOL.format(n=name, f="raw", mib=capacity_mib)), bytes([(i + 1) % 256]) * data)
        dom = conn.defineXML(DOM.format(n=name, pool=pool))
        dom.snapshotCreateXML("<domainsnapshot><name>s1</name></domainsnapshot>")
        if i % 2:
            dom.create()
