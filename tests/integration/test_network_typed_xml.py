"""A network's and a portgroup's <bandwidth> as libvirt keeps them (typed, canonical order), with the real daemon's twin."""

from __future__ import annotations

import os
import re

import libvirt
import pytest

NAME = f"arch-net-{os.getpid()}"
CASES = [
    ("<forward mode='nat'/><bridge name='archbr9'/>"
     "<bandwidth><outbound peak='5' average='7'/><inbound burst='3' average='10' floor='0'/></bandwidth>"
     "<portgroup name='pg'><bandwidth><outbound average='1'/></bandwidth></portgroup>"
     "<ip address='10.99.77.1' netmask='255.255.255.0'/>",
     ["<bandwidth>\n    <inbound average='10' burst='3'/>\n    <outbound average='7' peak='5'/>\n  </bandwidth>",
      "<portgroup name='pg'>\n    <bandwidth>\n      <outbound average='1'/>\n    </bandwidth>\n  </portgroup>"]),
    ("<forward mode='bridge'/><bridge name='archovs0'/><virtualport type='openvswitch'/>"
     "<portgroup name='pg'><bandwidth><outbound average='1'/></bandwidth><virtualport type='openvswitch'/>"
     "<vlan><tag id='4'/></vlan></portgroup><bandwidth><inbound average='5'/></bandwidth>",
     ["<bandwidth>\n    <inbound average='5'/>\n  </bandwidth>",
      "<portgroup name='pg'>\n    <vlan>\n      <tag id='4'/>\n    </vlan>\n    <virtualport type='openvswitch'/>\n"
      "    <bandwidth>\n      <outbound average='1'/>\n    </bandwidth>\n  </portgroup>"]),
]


def _kept(uri: str, body: str) -> list[str]:
    conn = libvirt.open(uri)
    net = conn.networkDefineXML(f"<network><name>{NAME}</name>{body}</network>")
    try:
        xml = net.XMLDesc(0)
        return [m.group(0) for m in re.finditer(r"  <bandwidth>.*?\n  </bandwidth>|<portgroup.*?</portgroup>", xml, re.S)]
    finally:
        net.undefine()
        conn.close()


@pytest.mark.parametrize(("body", "kept"), CASES)
def test_bandwidth_is_kept_as_libvirt(fakevirt_uri: str, body: str, kept: list[str]) -> None:
    assert [k.strip() for k in _kept(fakevirt_uri, body)] == kept


@pytest.mark.real
@pytest.mark.parametrize(("body", "kept"), CASES)
def test_real_daemon_keeps_the_same(reference_uri: str, body: str, kept: list[str]) -> None:
    assert [k.strip() for k in _kept(reference_uri, body)] == kept
