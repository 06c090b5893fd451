"""libvirt's test-driver node files: a ``<node>`` document of domains, networks, interfaces,
pools (with volumes), node devices and auth users, read into a ``NodeDefinition``.

Any child may instead name a file (``<domain file='dom.xml'/>``), relative to the node file;
``read`` is how fakevirt's host gives those bytes (injected: this module does no I/O).
The test driver's default node (test:///default) is ``DEFAULT_NODE_XML``.
"""

from __future__ import annotations

import posixpath
import uuid as uuidlib
from collections.abc import Callable

from ..errors import ErrorDomain
from ..errors import testdriver as err
from ..errors import xml as xml_errors
from ..model.devices import RawElement
from ..model.nodedev.caps import ScsiHostCap, SystemCap
from ..model.nodedev.tree import NodeDevice
from ..model.testdriver.node import (
    DOMAIN_STATE_LAST,
    SHUTOFF,
    NodeDefinition,
    NodeDomain,
    NodeInterface,
    NodePool,
    default_cells,
)
from .domain import parse_domain_xml
from .fmt import sax_escape, sax_quoteattr
from .network import parse_network_xml
from .parser import parse_xml
from .storage import parse_pool_xml, parse_vol_xml

Reader = Callable[[str], str]  # absolute path -> document text (raises VirtError when unreadable)

# The test driver's built-in node (testOpenDefault's defaultConnXML), as libvirt 9.0 has it.
DEFAULT_NODE_XML = """<node>
  <domain type='test'>
    <name>test</name>
    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
    <memory>8388608</memory>
    <currentMemory>2097152</currentMemory>
    <vcpu>2</vcpu>
    <os><type>hvm</type></os>
    <devices>
      <disk type='file' device='disk'>
        <source file='/guest/diskimage1'/>
        <target dev='vda' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </disk>
      <interface type='network'>
        <mac address='aa:bb:cc:dd:ee:ff'/>
        <source network='default' bridge='virbr0'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x1' function='0x0'/>
      </interface>
      <memballoon model='virtio'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x2' function='0x0'/>
      </memballoon>
    </devices>
  </domain>
  <network>
    <name>default</name>
    <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
    <bridge name='virbr0'/>
    <forward/>
    <ip address='192.168.122.1' netmask='255.255.255.0'>
      <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
    </ip>
  </network>
  <interface type='ethernet' name='eth1'>
    <start mode='onboot'/>
    <mac address='aa:bb:cc:dd:ee:ff'/>
    <mtu size='1492'/>
    <protocol family='ipv4'>
      <ip address='192.168.0.5' prefix='24'/>
      <route gateway='192.168.0.1'/>
    </protocol>
  </interface>
  <pool type='dir'>
    <name>default-pool</name>
    <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
    <target><path>/default-pool</path></target>
  </pool>
  <device>
    <name>computer</name>
    <capability type='system'>
      <hardware>
        <vendor>Libvirt</vendor>
        <version>Test driver</version>
        <serial>123456</serial>
        <uuid>11111111-2222-3333-4444-555555555555</uuid>
      </hardware>
      <firmware>
        <vendor>Libvirt</vendor>
        <version>Test Driver</version>
        <release_date>01/22/2007</release_date>
      </firmware>
    </capability>
  </device>
  <device>
    <name>scsi_host1</name>
    <parent>computer</parent>
    <capability type='scsi_host'>
      <host>1</host>
      <unique_id>0</unique_id>
      <capability type='fc_host'>
        <wwnn>2000000012341234</wwnn>
        <wwpn>1000000012341234</wwpn>
        <fabric_wwn>2000000043214321</fabric_wwn>
      </capability>
      <capability type='vport_ops'/>
    </capability>
  </device>
  <device>
    <name>scsi_host2</name>
    <parent>computer</parent>
    <capability type='scsi_host'>
      <host>2</host>
      <unique_id>1</unique_id>
      <capability type='fc_host'>
        <wwnn>2000000056785678</wwnn>
        <wwpn>1000000056785678</wwpn>
        <fabric_wwn>2000000087658765</fabric_wwn>
      </capability>
      <capability type='vport_ops'/>
    </capability>
  </device>
  <device>
    <name>scsi_host11</name>
    <parent>scsi_host1</parent>
    <capability type='scsi_host'>
      <host>11</host>
      <unique_id>10</unique_id>
      <capability type='fc_host'>
        <wwnn>2000000034563456</wwnn>
        <wwpn>1000000034563456</wwpn>
        <fabric_wwn>2000000043214321</fabric_wwn>
      </capability>
    </capability>
  </device>
</node>
"""

TEST_NS = "test:"


def serialize(el: RawElement) -> str:
    """A kept element back to text (to hand one child of the node to its own parser)."""
    out: list[str] = []
    todo: list[RawElement | str] = [el]
    while todo:
        item = todo.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        if item.tag == "#text":
            out.append(sax_escape(item.text or ""))
            continue
        attrs = "".join(f" {k}={sax_quoteattr(v)}" for k, v in item.attrs.items())
        out.append(f"<{item.tag}{attrs}>{sax_escape(item.text or '')}")
        todo.append(f"</{item.tag}>")
        todo.extend(reversed(item.children))
    return "".join(out)


def default_node() -> NodeDefinition:
    """test:///default: the built-in node, with its two NUMA cells."""
    node = parse_node_xml(DEFAULT_NODE_XML, None, _no_files)
    node.cells = default_cells()
    return node


def _no_files(path: str) -> str:
    raise err.unreadable_file(path)


def parse_node_xml(text: str, path: str | None, read: Reader,
                   new_uuid: Callable[[], uuidlib.UUID] = uuidlib.uuid4) -> NodeDefinition:
    """testOpenParse: a node file's objects, in the test driver's order and with its errors.

    ``new_uuid``: where a network without one gets its UUID (the server's seeded generator).
    """
    root = parse_xml(text, path or "(test driver)", ErrorDomain.TEST)
    if root.tag != "node":
        raise xml_errors.wrong_root("node", root.tag)
    node = NodeDefinition()
    _node_info(node, root)
    for child in root.children:
        el = _included(child, path, read)
        if child.tag == "domain":
            node.domains.append(_domain(el))
        elif child.tag == "network":
            node.networks.append(parse_network_xml(serialize(el), new_uuid))
        elif child.tag == "interface":
            node.interfaces.append(_interface(el))
        elif child.tag == "pool":
            pool = parse_pool_xml(serialize(el))
            vols = [parse_vol_xml(serialize(_included(v, path, read))) for v in child.findall("volume")]
            node.pools.append(NodePool(pool, vols))
        elif child.tag == "device":
            node.devices.append(_device(el))
    auth = root.find("auth")
    for user in auth.findall("user") if auth is not None else []:
        if not (user.text or "").strip():
            raise err.xml_error("missing username in /node/auth/user field")
        node.users.append(((user.text or "").strip(), user.get("password")))
    return node


def _included(el: RawElement, path: str | None, read: Reader) -> RawElement:
    """testParseXMLDocFromFile: ``file='…'`` names the element's document, relative to the node file."""
    name = el.get("file")
    if name is None or el.tag not in ("domain", "network", "interface", "pool", "device", "volume"):
        return el
    full = name if name.startswith("/") else posixpath.join(posixpath.dirname(path or "/"), name)
    return parse_xml(read(full), full, ErrorDomain.TEST)


def _number(root: RawElement, what: str, *where: str, bits: int = 32) -> int | None:
    """An unsigned number of /node/cpu or /node/memory (virXPathUInt / virXPathULong)."""
    el: RawElement | None = root
    for tag in where:
        el = el.find(tag) if el is not None else None
    if el is None:
        return None
    text = (el.text or "").strip()
    if not text.isdigit() or int(text) >= 1 << bits:
        raise err.bad_node_value(what)
    return int(text)


def _node_info(node: NodeDefinition, root: RawElement) -> None:
    """testParseNodeInfo: what /node/cpu and /node/memory override of the default node info."""
    info = node.info
    for attr, what in (("nodes", "cpu nodes"), ("sockets", "cpu sockets"), ("cores", "cpu cores"),
                       ("threads", "cpu threads")):
        value = _number(root, what, "cpu", attr)
        if value is not None:
            setattr(info, attr, value)
    info.cpus = (info.cores * info.threads * info.sockets * info.nodes) % (1 << 32)  # unsigned int
    active = _number(root, "cpu active", "cpu", "active")
    if active is not None and active < info.cpus:
        info.cpus = active
    mhz = _number(root, "cpu mhz", "cpu", "mhz")
    if mhz is not None:
        info.mhz = mhz
    cpu = root.find("cpu")
    model = cpu.find("model") if cpu is not None else None
    if model is not None and model.text:
        if len(model.text.encode()) > 31:  # virStrcpyStatic into virNodeInfo's char[32]
            raise err.model_too_big(model.text)
        info.model = model.text
    memory = _number(root, "memory", "memory", bits=64)
    if memory is not None:
        info.memory_kib = memory


def _domain(el: RawElement) -> NodeDomain:
    """A <domain> and the test namespace's elements (testDomainDefNamespaceParse)."""
    ours = {c.tag[len(TEST_NS):]: c for c in el.children if c.tag.startswith(TEST_NS)}
    plain = RawElement(el.tag, {k: v for k, v in el.attrs.items() if not k.startswith("xmlns:")}, el.text,
                       [c for c in el.children if not c.tag.startswith(TEST_NS)])
    entry = NodeDomain(parse_domain_xml(serialize(plain)))
    entry.transient = "transient" in ours
    entry.managed_save = "hasmanagedsave" in ours
    if "runstate" in ours:
        text = (ours["runstate"].text or "").strip()
        if not text.isdigit():
            raise err.xml_error("invalid runstate")
        if int(text) >= DOMAIN_STATE_LAST:
            raise err.xml_error(f"runstate '{int(text)}' out of range'")
        entry.runstate = int(text)
    if entry.transient and entry.runstate == SHUTOFF:
        raise err.xml_error("transient domain cannot have runstate 'shutoff'")
    if entry.managed_save and entry.runstate != SHUTOFF:
        raise err.xml_error("domain with managedsave data can only have runstate 'shutoff'")
    return entry


def _text(el: RawElement | None, *where: str) -> str | None:
    for tag in where:
        el = el.find(tag) if el is not None else None
    return el.text.strip() if el is not None and el.text else None


IFACE_TYPES = ("ethernet", "bridge", "bond", "vlan")


def parse_interface_xml(text: str) -> NodeInterface:
    """virInterfaceDefParseString of testInterfaceDefineXML: what a test node keeps of an interface."""
    root = parse_xml(text, "(interface_definition)", ErrorDomain.INTERFACE)
    if root.tag != "interface":
        raise xml_errors.wrong_root("interface", root.tag)
    kind = root.get("type")
    if kind is None:
        raise xml_errors.missing_attribute("type", "interface")
    if kind not in IFACE_TYPES:
        raise xml_errors.invalid_attribute("type", "interface", kind)
    return _interface(root)


def _interface(el: RawElement) -> NodeInterface:
    name = el.get("name")
    if not name:
        raise err.interface_without_name()
    mtu, start, mac = el.find("mtu"), el.find("start"), el.find("mac")
    iface = NodeInterface(name, mac.get("address") if mac is not None else None,
                          int(mtu.get("size") or 0) if mtu is not None else None,
                          start.get("mode") if start is not None else None, type=el.get("type") or "ethernet")
    proto = next((p for p in el.findall("protocol") if p.get("family") == "ipv4"), None)
    if proto is not None:
        ip, route = proto.find("ip"), proto.find("route")
        if ip is not None and ip.get("address"):
            iface.ipv4 = (ip.get("address") or "", int(ip.get("prefix") or 0))
        if route is not None:
            iface.gateway = route.get("gateway")
    return iface


def _device(el: RawElement) -> NodeDevice:
    """virNodeDeviceDefParseNode for the capabilities a test node has: system and scsi_host."""
    name = _text(el, "name")
    if not name:
        raise err.device_without_name()
    caps: list[SystemCap | ScsiHostCap] = []
    for cap in el.findall("capability"):
        if cap.get("type") == "system":
            hw, fw = cap.find("hardware"), cap.find("firmware")
            caps.append(SystemCap(_text(cap, "product"), _text(hw, "vendor"), _text(hw, "version"),
                                  _text(hw, "serial"), _text(hw, "uuid") or "", _text(fw, "vendor"),
                                  _text(fw, "version"), _text(fw, "release_date")))
        elif cap.get("type") == "scsi_host":
            caps.append(_scsi_host(cap))
    return NodeDevice(name, None, _text(el, "parent"), list(caps))


def _scsi_host(cap: RawElement) -> ScsiHostCap:
    fc = next((c for c in cap.findall("capability") if c.get("type") == "fc_host"), None)
    ops = any(c.get("type") == "vport_ops" for c in cap.findall("capability"))
    unique = _text(cap, "unique_id")
    # the parser ignores vport counts: a test node's HBA reports 0 of 0 (no sysfs to read them from)
    return ScsiHostCap(int(_text(cap, "host") or 0), int(unique) if unique is not None else None,
                       _text(fc, "wwnn"), _text(fc, "wwpn"), _text(fc, "fabric_wwn"),
                       0 if ops else None, 0)


def node_loader(read: Reader | None, new_uuid: Callable[[], uuidlib.UUID] = uuidlib.uuid4
                ) -> Callable[[str], NodeDefinition]:
    """What a test:/// URI's path opens: the default node, or the node file read through ``read``."""
    def load(path: str) -> NodeDefinition:
        if path == "/default":
            return default_node()
        if read is None:
            raise err.unreadable_file(path)
        return parse_node_xml(read(path), path, read, new_uuid)
    return load
