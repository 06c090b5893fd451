"""The domain lifecycle through real virsh, with the QEMU driver's outputs and error texts."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from fakevirt.testing import minimal_domain_xml
from tests.integration.conftest import err, ok


@pytest.fixture
def xml_file(tmp_path: Path):
    def make(name: str = "vm1", text: str | None = None) -> str:
        p = tmp_path / f"{name}.xml"
        p.write_text(text if text is not None else minimal_domain_xml(name))
        return str(p)
    return make


def test_full_lifecycle(virsh, xml_file) -> None:
    assert "Domain 'vm1' defined from" in ok(virsh("define", xml_file()))
    info = dict(line.split(":", 1) for line in ok(virsh("dominfo", "vm1")).strip().splitlines())
    assert info["State"].strip() == "shut off"
    assert info["Max memory"].strip() == "65536 KiB"
    assert info["Persistent"].strip() == "yes"
    assert info["Security model"].strip() == "none"
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "shut off (unknown)"
    assert ok(virsh("list", "--all")).splitlines()[2].split() == ["-", "vm1", "shut", "off"]

    assert "Domain 'vm1' started" in ok(virsh("start", "vm1"))
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "running (booted)"
    assert ok(virsh("domid", "vm1")).strip() == "1"
    assert err(virsh("start", "vm1")) == "error: Domain is already active"

    ok(virsh("suspend", "vm1"))
    ok(virsh("suspend", "vm1"))  # suspending a paused domain succeeds, as in QEMU
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "paused (user)"
    ok(virsh("resume", "vm1"))
    assert err(virsh("resume", "vm1")).endswith("Requested operation is not valid: domain is already running")
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "running (unpaused)"

    ok(virsh("shutdown", "vm1"))
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "shut off (shutdown)"

    ok(virsh("start", "--paused", "vm1"))
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "paused (user)"
    assert ok(virsh("domid", "vm1")).strip() == "2"
    ok(virsh("destroy", "vm1"))
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "shut off (destroyed)"
    assert err(virsh("destroy", "vm1")) == ("error: Failed to destroy domain 'vm1'\n"
                                            "error: Requested operation is not valid: domain is not running")
    assert "Domain 'vm1' has been undefined" in ok(virsh("undefine", "vm1"))
    assert "vm1" not in ok(virsh("list", "--all"))


def test_errors_of_inactive_domains(virsh, xml_file) -> None:
    ok(virsh("define", xml_file()))
    for cmd, verb in [("suspend", "suspend"), ("resume", "resume"), ("shutdown", "shutdown")]:
        assert err(virsh(cmd, "vm1")) == (f"error: Failed to {verb} domain 'vm1'\n"
                                          "error: Requested operation is not valid: domain is not running")


def test_unknown_names(virsh) -> None:
    assert err(virsh("dominfo", "nosuch")) == "error: failed to get domain 'nosuch'"
    assert err(virsh("undefine", "nosuch")) == "error: failed to get domain 'nosuch'"


def test_define_name_clash_with_other_uuid(virsh, xml_file) -> None:
    ok(virsh("define", xml_file()))
    uuid = ok(virsh("domuuid", "vm1")).strip()
    other = minimal_domain_xml("vm1").replace("<name>", "<uuid>11111111-2222-3333-4444-555555555555</uuid><name>")
    assert err(virsh("define", xml_file("other", other))).endswith(
        f"error: operation failed: domain 'vm1' already exists with uuid {uuid}")


def test_transient_domain_goes_away_when_destroyed(virsh, xml_file) -> None:
    ok(virsh("create", xml_file("tmp")))
    listing = ok(virsh("list", "--transient"))
    assert "tmp" in listing
    assert ok(virsh("dominfo", "tmp")).count("Persistent:     no") == 1
    assert err(virsh("undefine", "tmp")).endswith("Requested operation is not valid: cannot undefine transient domain")
    ok(virsh("destroy", "tmp"))
    assert "tmp" not in ok(virsh("list", "--all"))


def test_readonly_refuses_mutations(virsh, xml_file) -> None:
    ok(virsh("define", xml_file()))
    r = virsh("start", "vm1", readonly=True)
    assert r.returncode == 1
    assert "operation forbidden: read only access prevents virDomainCreate" in r.stderr
    assert ok(virsh("domstate", "vm1", readonly=True)).strip() == "shut off"


def test_dumpxml_round_trip(virsh, xml_file, tmp_path: Path) -> None:
    ok(virsh("define", xml_file()))
    xml = ok(virsh("dumpxml", "vm1"))
    assert "<name>vm1</name>" in xml and "<memory unit='KiB'>65536</memory>" in xml
    assert ok(virsh("dumpxml", "vm1", "--xpath", "/domain/name")).strip() == "<name>vm1</name>"
    (tmp_path / "again.xml").write_text(xml)
    ok(virsh("define", str(tmp_path / "again.xml")))  # redefining the same domain updates it
    assert ok(virsh("dumpxml", "vm1")) == xml


def test_managed_save_and_start_restores(virsh, xml_file) -> None:
    ok(virsh("define", xml_file()))
    ok(virsh("start", "vm1"))
    ok(virsh("managedsave", "vm1"))
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "shut off (saved)"
    assert "Managed save:   yes" in ok(virsh("dominfo", "vm1"))
    ok(virsh("start", "vm1"))
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "running (restored)"


def test_save_and_restore(virsh, xml_file, tmp_path: Path) -> None:
    ok(virsh("define", xml_file()))
    ok(virsh("start", "vm1"))
    image = str(tmp_path / "vm1.save")
    ok(virsh("save", "vm1", image))
    assert ok(virsh("domstate", "vm1")).strip() == "shut off"
    ok(virsh("restore", image))
    assert ok(virsh("domstate", "vm1", "--reason")).strip() == "running (restored)"


def test_memory_and_vcpus(virsh, xml_file) -> None:
    four = minimal_domain_xml("vm1").replace("<vcpu>1</vcpu>", "<vcpu current='2'>4</vcpu>")
    ok(virsh("define", xml_file("vm1", four)))
    assert ok(virsh("vcpucount", "vm1")).split() == ["maximum", "config", "4", "current", "config", "2"]
    ok(virsh("setvcpus", "vm1", "3", "--config"))
    ok(virsh("start", "vm1"))
    ok(virsh("setmem", "vm1", "32M"))
    info = ok(virsh("dominfo", "vm1"))
    assert "Used memory:    32768 KiB" in info and "CPU(s):         3" in info
    assert "greater than max allowable vcpus for the live domain: 5 > 4" in err(virsh("setvcpus", "vm1", "5"))


def test_autostart_and_list_filters(virsh, xml_file) -> None:
    ok(virsh("define", xml_file("a")))
    ok(virsh("define", xml_file("b")))
    ok(virsh("autostart", "a"))
    ok(virsh("start", "b"))
    assert ok(virsh("list", "--all", "--autostart", "--name")).split() == ["a"]
    assert ok(virsh("list", "--name")).split() == ["b"]
    assert ok(virsh("list", "--inactive", "--name")).split() == ["a"]


def test_metadata(virsh, xml_file) -> None:
    ok(virsh("define", xml_file()))
    ok(virsh("desc", "vm1", "--title", "--new-desc", "My VM"))
    assert ok(virsh("desc", "vm1", "--title")).strip() == "My VM"
    ok(virsh("metadata", "vm1", "http://example.org/ns", "--key", "ex", "--set", "<app><v>1</v></app>"))
    assert ok(virsh("metadata", "vm1", "http://example.org/ns")) == "<app>\n  <v>1</v>\n</app>\n\n"
    out = ok(virsh("dumpxml", "vm1"))
    assert '<ex:app xmlns:ex="http://example.org/ns">\n      <ex:v>1</ex:v>\n    </ex:app>' in out


def test_domstats_vcpuinfo_dommemstat(virsh, xml_file) -> None:
    ok(virsh("define", xml_file("a")))
    ok(virsh("define", xml_file("b")))
    ok(virsh("start", "b"))
    out = ok(virsh("domstats", "--state", "--balloon", "--vcpu"))
    assert "Domain: 'a'" in out and "Domain: 'b'" in out
    assert "state.state=1" in out and "state.state=5" in out
    assert "balloon.maximum=65536" in out and "vcpu.0.state=1" in out
    running_only = ok(virsh("domstats", "--state", "--list-running"))
    assert "Domain: 'b'" in running_only and "Domain: 'a'" not in running_only
    info = ok(virsh("vcpuinfo", "b"))
    assert "VCPU:           0" in info and "State:          running" in info
    assert "actual 65536" in ok(virsh("dommemstat", "b"))
    inactive = ok(virsh("vcpuinfo", "a"))  # virsh falls back to the pinning of the config
    assert "VCPU:           0" in inactive and "State:          N/A" in inactive


def test_virsh_event_loop_prints_lifecycle_events(virsh, virsh_bin: str, fakevirt, xml_file) -> None:
    """`virsh event --all --loop` registers every event ID and prints what libvirtd would send."""
    proc = subprocess.Popen([virsh_bin, "-c", fakevirt.uri(), "event", "--all", "--loop", "--timeout", "20"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "LC_ALL": "C"})

    def registered() -> bool:
        return any(len(s.client.event_callbacks) >= 20 for s in fakevirt.server.sessions)

    try:
        deadline = time.monotonic() + 10  # until its registrations are in
        while not fakevirt.call(registered):
            assert time.monotonic() < deadline, "virsh event did not register"
            time.sleep(0.02)
        for command in (["define", xml_file()], ["start", "vm1"], ["suspend", "vm1"], ["resume", "vm1"],
                        ["reboot", "vm1"], ["desc", "vm1", "--title", "--new-desc", "hi"], ["destroy", "vm1"],
                        ["undefine", "vm1"]):
            ok(virsh(*command))
        expected = [
            "event 'lifecycle' for domain 'vm1': Defined Added",
            "event 'lifecycle' for domain 'vm1': Resumed Unpaused",  # QEMU's RESUME comes first
            "event 'lifecycle' for domain 'vm1': Started Booted",
            "event 'lifecycle' for domain 'vm1': Suspended Paused",
            "event 'lifecycle' for domain 'vm1': Resumed Unpaused",
            "event 'reboot' for domain 'vm1'",
            "event 'metadata-change' for domain 'vm1': type title, uri <null>",
            "event 'lifecycle' for domain 'vm1': Shutdown Finished after host request",
            "event 'lifecycle' for domain 'vm1': Stopped Destroyed",
            "event 'lifecycle' for domain 'vm1': Undefined Removed",
        ]
        assert proc.stdout is not None
        assert [proc.stdout.readline().strip() for _ in expected] == expected
    finally:
        proc.kill()
        proc.wait()


def test_attach_detach_disk_and_interface_live_and_config(virsh, xml_file, fakevirt) -> None:
    images = fakevirt.hypervisor.images
    fakevirt.call(images.create, "/var/lib/x.qcow2", "qcow2", 1 << 30)
    fakevirt.call(images.create, "/var/lib/y.img", "raw", 1 << 20)
    ok(virsh("define", xml_file()))
    ok(virsh("attach-disk", "vm1", "/var/lib/x.qcow2", "vdb", "--config", "--subdriver", "qcow2"))
    ok(virsh("attach-interface", "vm1", "network", "default", "--config", "--mac", "52:54:00:aa:bb:cc"))
    assert ok(virsh("domblklist", "vm1")).split()[-2:] == ["vdb", "/var/lib/x.qcow2"]
    assert "52:54:00:aa:bb:cc" in ok(virsh("domiflist", "vm1"))
    fakevirt.call(fakevirt.hypervisor.networks.add_default)  # the interface's network must be running
    ok(virsh("start", "vm1"))
    ok(virsh("attach-disk", "vm1", "/var/lib/y.img", "vdc", "--live"))
    live = ok(virsh("domblklist", "vm1")).split()
    assert "vdb" in live and "vdc" in live
    assert "vdc" not in ok(virsh("domblklist", "vm1", "--inactive")).split()
    ok(virsh("detach-disk", "vm1", "vdb", "--live"))
    assert "vdb" not in ok(virsh("domblklist", "vm1")).split()
    assert "vdb" in ok(virsh("domblklist", "vm1", "--inactive")).split()
    assert err(virsh("attach-disk", "vm1", "/x", "vdc", "--live")).endswith(  # the hotplug wording of libvirtd 9.0
        "XML error: target 'vdc' duplicated for disk sources '/var/lib/y.img' and '/x'")
    ok(virsh("detach-interface", "vm1", "network", "--mac", "52:54:00:aa:bb:cc", "--config"))
    assert "52:54:00:aa:bb:cc" not in ok(virsh("domiflist", "vm1", "--inactive"))


@pytest.mark.real
def test_inactive_domain_behaves_like_the_real_qemu_driver(virsh, reference_uri: str, xml_file) -> None:
    """Define the same domain on both; dominfo, domstate and the refusals must read the same."""
    name = "fv-ref-compare"
    path = xml_file(name)
    try:
        for uri in (None, reference_uri):
            ok(virsh("define", path, uri=uri, timeout=120))

        def normalized(r) -> tuple[int, str, str]:
            out = "\n".join(line for line in r.stdout.splitlines() if not line.startswith("UUID:"))
            return r.returncode, out, r.stderr

        for command in (["dominfo", name], ["domstate", name, "--reason"], ["destroy", name],
                        ["suspend", name], ["resume", name], ["shutdown", name], ["domid", name],
                        ["dominfo", "fv-ref-nosuch"], ["autostart", name], ["dominfo", name]):
            assert normalized(virsh(*command)) == normalized(virsh(*command, uri=reference_uri)), command
    finally:
        virsh("undefine", name, uri=reference_uri)


def test_disks_must_exist_to_start_and_block_info(virsh, xml_file, fakevirt) -> None:
    with_disk = minimal_domain_xml("vm1").replace("</os>", """</os>
  <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
    <source file='/var/lib/libvirt/images/vm1.qcow2'/><target dev='vda' bus='virtio'/></disk></devices>""")
    ok(virsh("define", xml_file("vm1", with_disk)))
    assert err(virsh("start", "vm1")) == (
        "error: Failed to start domain 'vm1'\n"
        "error: Cannot access storage file '/var/lib/libvirt/images/vm1.qcow2' (as uid:64055, gid:64055): "
        "No such file or directory")
    assert err(virsh("domblkinfo", "vm1", "vda")).endswith(
        "error: Failed to open file '/var/lib/libvirt/images/vm1.qcow2': No such file or directory")
    images = fakevirt.hypervisor.images
    fakevirt.call(images.create, "/var/lib/libvirt/images/base.qcow2", "qcow2", 1 << 30)
    fakevirt.call(lambda: images.create("/var/lib/libvirt/images/vm1.qcow2", "qcow2",
                                        backing="/var/lib/libvirt/images/base.qcow2", backing_fmt="qcow2"))
    info = dict(line.split(":", 1) for line in ok(virsh("domblkinfo", "vm1", "vda")).strip().splitlines())
    assert info["Capacity"].strip() == str(1 << 30)
    ok(virsh("start", "vm1"))
    live = ok(virsh("dumpxml", "vm1"))  # the chain the QEMU driver detects at start, as libvirtd 9.0 shows it
    assert """<source file='/var/lib/libvirt/images/vm1.qcow2' index='1'/>
      <backingStore type='file' index='2'>
        <format type='qcow2'/>
        <source file='/var/lib/libvirt/images/base.qcow2'/>
        <backingStore/>
      </backingStore>""" in live
    assert "<backingStore" not in ok(virsh("dumpxml", "vm1", "--inactive"))
    ok(virsh("destroy", "vm1"))
    fakevirt.call(images.delete, "/var/lib/libvirt/images/base.qcow2")  # libvirt lets a backing file go
    assert err(virsh("start", "vm1")).endswith(
        "Cannot access backing file '/var/lib/libvirt/images/base.qcow2' of storage file "
        "'/var/lib/libvirt/images/vm1.qcow2' (as uid:64055, gid:64055): No such file or directory")
    assert err(virsh("domblkinfo", "vm1", "vdz")).endswith("invalid argument: invalid path vdz not assigned to domain")
