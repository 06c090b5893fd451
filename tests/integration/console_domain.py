"""The domain the console tests run: a pty serial console, an agent and a pty channel, VNC and video."""

from __future__ import annotations

import os

import libvirt

CONSOLE_XML = """<domain type='qemu'>
  <name>{name}</name>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <serial type='pty'/>
    <console type='pty'/>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <channel type='pty'><target type='virtio' name='com.example.ch0'/></channel>
    <channel type='unix'><target type='virtio' name='com.example.unix0'/></channel>
    <graphics type='vnc' port='-1'/>
    <video><model type='cirrus'/></video>
  </devices>
</domain>
"""


def console_domain_name() -> str:
    return f"con-t{os.getpid()}"


def start_console_domain(conn: libvirt.virConnect, name: str, xml: str = CONSOLE_XML) -> libvirt.virDomain:
    """Define and start the test domain (removing a leftover of an earlier run)."""
    remove_domain(conn, name)
    dom = conn.defineXML(xml.format(name=name))
    dom.create()
    return dom


def remove_domain(conn: libvirt.virConnect, name: str) -> None:
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return
    if dom.isActive():
        dom.destroy()
    dom.undefine()
