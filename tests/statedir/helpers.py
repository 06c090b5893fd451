"""A small host with one of everything --state keeps, built through the API as a client would."""

from __future__ import annotations

from pathlib import Path

from fakevirt.model.hypervisor import Hypervisor
from fakevirt.statedir import StateWriter, apply, autostart, load_state
from fakevirt.statedir.api import LocalApi, domain_handle

POOL = "<pool type='dir'><name>p</name><target><path>/var/lib/libvirt/images</path></target></pool>"
VOL = ("<volume><name>{name}</name><capacity>1048576</capacity><allocation>0</allocation>"
       "<target><format type='{fmt}'/></target></volume>")
DOMAIN = """<domain type='kvm'><name>{name}</name><memory>65536</memory><os><type>hvm</type></os><devices>
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='/var/lib/libvirt/images/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>
<interface type='network'><source network='net1'/></interface>
<graphics type='vnc'/><console type='pty'/></devices></domain>"""
NETWORK = ("<network><name>net1</name><bridge name='virbr9'/><forward mode='nat'/>"
           "<ip address='192.168.99.1' netmask='255.255.255.0'/></network>")
SECRET = "<secret ephemeral='no' private='yes'><usage type='volume'><volume>/x</volume></usage></secret>"
NWFILTER = "<filter name='f1' chain='ipv4'><rule action='accept' direction='out'><ipv4/></rule></filter>"


def build_host(hv: Hypervisor) -> None:
    api = LocalApi(hv)
    net = api("NETWORK_DEFINE_XML", xml=NETWORK).net
    api("NETWORK_CREATE", net=net)
    api("NETWORK_SET_AUTOSTART", net=net, autostart=1)
    pool = api("STORAGE_POOL_DEFINE_XML", xml=POOL, flags=0).pool
    api("STORAGE_POOL_CREATE", pool=pool, flags=0)
    for name in ("vm1", "vm2"):
        xml = VOL.format(name=f"{name}.qcow2", fmt="qcow2").replace("</target>", "<compat>1.1</compat></target>")
        api("STORAGE_VOL_CREATE_XML", pool=pool, xml=xml, flags=0)  # v3: checkpoints can store bitmaps
    api("STORAGE_VOL_CREATE_XML", pool=pool, xml=VOL.format(name="data.raw", fmt="raw"), flags=0)
    hv.images.write("/var/lib/libvirt/images/data.raw", 4096, b"raw data here")
    hv.images.write("/var/lib/libvirt/images/vm1.qcow2", 65536 * 3, b"qcow2 data here")
    sec = api("SECRET_DEFINE_XML", xml=SECRET, flags=0).secret
    api("SECRET_SET_VALUE", secret=sec, value=b"s3cret", flags=0)
    api("NWFILTER_DEFINE_XML", xml=NWFILTER)
    for name in ("vm1", "vm2"):
        dom = api("DOMAIN_DEFINE_XML_FLAGS", xml=DOMAIN.format(name=name), flags=0).dom
        api("DOMAIN_SNAPSHOT_CREATE_XML", dom=dom, xml_desc="<domainsnapshot><name>s1</name></domainsnapshot>",
            flags=0)
        api("DOMAIN_SNAPSHOT_CREATE_XML", dom=dom, xml_desc="<domainsnapshot><name>s2</name></domainsnapshot>",
            flags=0)
    vm1 = hv.system.domains.by_name("vm1")
    api("DOMAIN_SET_AUTOSTART", dom=domain_handle(vm1), autostart=1)
    api("DOMAIN_CREATE", dom=domain_handle(vm1))
    api("STORAGE_POOL_REFRESH", pool=pool, flags=0)  # sizes as a restart's refresh finds them


def save(hv: Hypervisor, root: Path) -> StateWriter:
    writer = StateWriter(hv, root)
    apply(root, writer.collect(full=True))
    return writer


def restore(root: Path, seed: int = 7) -> Hypervisor:
    hv = Hypervisor(seed=seed)
    autostart(hv, load_state(hv, root))
    return hv
