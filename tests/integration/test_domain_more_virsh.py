"""detach-device-alias and managedsave-define through virsh."""

from __future__ import annotations

from fakevirt.testing import minimal_domain_xml

from .conftest import err, ok

DISK = """<interface type='user'><mac address='52:54:00:aa:00:01'/><model type='virtio'/>
<alias name='ua-extra'/></interface>"""


def test_detach_device_alias(virsh, tmp_path) -> None:
    xml = tmp_path / "d.xml"
    xml.write_text(minimal_domain_xml("alias1").replace("</domain>", f"<devices>{DISK}</devices></domain>"))
    ok(virsh("define", str(xml)))
    ok(virsh("start", "alias1"))
    assert err(virsh("detach-device-alias", "alias1", "ua-nope")) == \
        "error: Failed to detach device with alias ua-nope\nerror: internal error: no device found with alias ua-nope"
    ok(virsh("detach-device-alias", "alias1", "ua-extra", "--config"))
    assert "ua-extra" in ok(virsh("dumpxml", "alias1"))
    assert "52:54:00:aa:00:01" not in ok(virsh("dumpxml", "alias1", "--inactive"))
    ok(virsh("detach-device-alias", "alias1", "ua-extra", "--live"))
    assert "52:54:00:aa:00:01" not in ok(virsh("dumpxml", "alias1"))


def test_managed_save_define(virsh, tmp_path) -> None:
    xml = tmp_path / "d.xml"
    xml.write_text(minimal_domain_xml("msave1"))
    ok(virsh("define", str(xml)))
    ok(virsh("start", "msave1"))
    ok(virsh("managedsave", "msave1"))
    dumped = ok(virsh("managedsave-dumpxml", "msave1", "--security-info"))
    (tmp_path / "new.xml").write_text(dumped.replace("<vcpu placement='static'>1</vcpu>",
                                                     "<vcpu placement='static'>2</vcpu>"))
    ok(virsh("managedsave-define", "msave1", str(tmp_path / "new.xml"), "--paused"))
    assert "<vcpu placement='static'>2</vcpu>" in ok(virsh("managedsave-dumpxml", "msave1"))
    ok(virsh("start", "msave1"))
    assert ok(virsh("domstate", "msave1")).strip() == "paused"
