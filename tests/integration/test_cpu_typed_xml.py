"""A guest CPU's vendor and features, and a snapshot's <cookie>, as libvirt keeps them (with the real daemon's twin)."""

from __future__ import annotations

import os
import re

import libvirt
import pytest

NAME = f"arch-cpu-{os.getpid()}"
CPU_IN = ("<cpu mode='custom'><feature name='x2apic'/><model>qemu64</model><vendor>AMD</vendor>"
          "<feature name='lahf_lm' policy='disable'/><vendor>Intel</vendor></cpu>")
CPU_OUT = ("<cpu mode='custom' match='exact' check='none'>\n    <model fallback='allow'>qemu64</model>\n"
           "    <vendor>AMD</vendor>\n    <feature policy='require' name='x2apic'/>\n"
           "    <feature policy='disable' name='lahf_lm'/>\n  </cpu>")
COOKIE_IN = ("<cookie><cpu mode='custom'><vendor>Intel</vendor><model>qemu64</model><feature name='x2apic'/></cpu>"
             "<junk/><slirpHelper/></cookie>")
COOKIE_OUT = ("<cookie>\n    <cpu mode='custom' match='exact'>\n      <model fallback='allow'>qemu64</model>\n"
              "      <vendor>Intel</vendor>\n      <feature policy='require' name='x2apic'/>\n    </cpu>\n"
              "    <slirpHelper/>\n  </cookie>")


def _domain(cpu: str) -> str:
    return (f"<domain type='qemu'><name>{NAME}</name><memory>65536</memory>"
            f"<os><type arch='x86_64'>hvm</type></os>{cpu}</domain>")


def _cpu_and_cookie(uri: str) -> tuple[str, str]:
    conn = libvirt.open(uri)
    dom = conn.defineXML(_domain(CPU_IN))
    try:
        cpu = re.search(r"<cpu.*?</cpu>", dom.XMLDesc(0), re.S)
        snap = (f"<domainsnapshot><name>s1</name><state>running</state><creationTime>1</creationTime>"
                f"<memory snapshot='no'/>{_domain('').replace('<name>', f'<uuid>{dom.UUIDString()}</uuid><name>')}"
                f"{COOKIE_IN}</domainsnapshot>")
        s = dom.snapshotCreateXML(snap, libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE)
        cookie = re.search(r"<cookie>.*?</cookie>", s.getXMLDesc(0), re.S)
        s.delete(libvirt.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)
        return (cpu.group(0) if cpu else "", cookie.group(0) if cookie else "")
    finally:
        dom.undefine()
        conn.close()


def test_cpu_vendor_features_and_cookie(fakevirt_uri: str) -> None:
    assert _cpu_and_cookie(fakevirt_uri) == (CPU_OUT, COOKIE_OUT)


@pytest.mark.real
def test_real_daemon_keeps_the_same(reference_uri: str) -> None:
    assert _cpu_and_cookie(reference_uri) == (CPU_OUT, COOKIE_OUT)
