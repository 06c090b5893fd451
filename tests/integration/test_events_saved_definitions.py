"""The definitions a save image, a managed save and a snapshot keep, as libvirtd 9.0 shows them:
written in migratable form and read back (no runtime state, implicit USB and PCI root controllers
last, a CD-ROM's probed raw format kept); the ``real`` twin compares with the reference."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from .conftest import ok
from .virsh_events import scenario_dir

NAME = "evt-saved"
DIR = "/tmp/evt-saved"
XML = f"""<domain type='qemu'>
  <name>{NAME}</name>
  <memory unit='KiB'>65536</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{DIR}/vm.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='{DIR}/cd.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <controller type='scsi' model='virtio-scsi'/>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <serial type='pty'/>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' autoport='yes'/>
  </devices>
</domain>
"""


def scenario(virsh: Callable[..., object]) -> dict[str, str]:
    """Every stored definition the scenario shows, without the domain's UUID and times."""
    def show(*args: str) -> str:
        text = ok(virsh(*args))
        text = re.sub(r"<uuid>[0-9a-f-]+</uuid>", "<uuid/>", text)
        return re.sub(r"<creationTime>\d+</creationTime>", "<creationTime/>", text)

    out = {}
    ok(virsh("define", f"{DIR}/dom.xml"))
    out["inactive"] = show("dumpxml", "--inactive", NAME)
    ok(virsh("start", NAME))
    ok(virsh("snapshot-create-as", NAME, "s1"))
    out["snapshot"] = show("snapshot-dumpxml", NAME, "s1")
    ok(virsh("managedsave", NAME))
    out["managedsave"] = show("managedsave-dumpxml", NAME)
    out["managedsave-secure"] = show("managedsave-dumpxml", NAME, "--security-info")
    ok(virsh("start", NAME))
    ok(virsh("save", NAME, f"{DIR}/s.sav"))
    out["save-image"] = show("save-image-dumpxml", f"{DIR}/s.sav")
    return out


IMAGES = {"vm.qcow2": ("qcow2", 16 << 20), "cd.iso": ("raw", 1 << 20)}


def test_stored_definitions(fakevirt, virsh) -> None:
    scenario_dir(DIR, XML, IMAGES, fakevirt)
    shown = scenario(virsh)
    stored = shown["save-image"]
    assert shown["managedsave"] == shown["managedsave-secure"] == stored
    assert stored.replace("<backingStore/>\n", "").replace("      <backingStore/>", "") != shown["inactive"]
    controllers = re.findall(r"<controller type='([\w-]+)'", stored)
    assert controllers == ["scsi", "ide", "virtio-serial", "usb", "pci"]
    assert "<driver name='qemu' type='raw'/>" in stored  # the CD-ROM's format
    for runtime in ("<seclabel", "<alias", "channel/target", "state='disconnected'"):
        assert runtime not in stored, runtime
    assert not re.search(r"<source [^>]*index=", stored)  # node indexes are runtime state
    snapshot_domain = re.search(r"(?s)\n  <domain .*?\n  </domain>\n", shown["snapshot"])
    assert snapshot_domain is not None
    assert re.sub(r"(?m)^  ", "", snapshot_domain.group(0).strip("\n")) == stored.strip("\n")


@pytest.mark.real
def test_stored_definitions_real(fakevirt, virsh, reference_uri) -> None:
    """The same scenario on the reference: every shown definition is identical."""
    scenario_dir(DIR, XML, IMAGES)

    def real(*args: str) -> object:
        return virsh(*args, uri=reference_uri)

    def cleanup() -> None:
        for args in (("destroy", NAME), ("managedsave-remove", NAME),
                     ("undefine", NAME, "--snapshots-metadata")):
            real(*args)
    cleanup()
    try:
        want = scenario(real)
    finally:
        cleanup()
    scenario_dir(DIR, XML, IMAGES, fakevirt)
    assert scenario(virsh) == want
