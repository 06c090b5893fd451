"""`fakevirt serve --preload NODE.xml`: a test-driver node file's objects in qemu:///system."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.test_cli_listeners import SERVE, serving, uri_of, virsh

NODE = """<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <domain file='web.xml'/>
  <domain type='kvm'>
    <name>spare</name>
    <memory unit='MiB'>64</memory>
    <os><type arch='x86_64'>hvm</type></os>
    <test:runstate>5</test:runstate>
  </domain>
  <network>
    <name>lan</name>
    <bridge name='br-lan'/>
    <forward mode='nat'/>
    <ip address='10.20.0.1' netmask='255.255.255.0'/>
  </network>
  <pool type='dir'>
    <name>images</name>
    <target><path>/srv/images</path></target>
    <volume><name>web.qcow2</name><capacity unit='MiB'>16</capacity><target><format type='qcow2'/></target></volume>
  </pool>
  <interface type='ethernet' name='eth9'><mac address='52:54:00:00:00:09'/></interface>
</node>
"""

WEB = """<domain type='kvm'>
  <name>web</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/srv/images/web.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><source network='lan'/><model type='virtio'/></interface>
  </devices>
</domain>
"""


def test_preload(tmp_path: Path, virsh_bin: str) -> None:
    (tmp_path / "node.xml").write_text(NODE)
    (tmp_path / "web.xml").write_text(WEB)
    with serving("--listen", "tcp://127.0.0.1:0", "--preload", str(tmp_path / "node.xml")) as [line]:
        uri = uri_of(line)
        r = virsh(virsh_bin, uri, "list", "--all")
        assert r.returncode == 0, r.stderr
        assert r.stdout.split()[4:] == ["1", "web", "running", "-", "spare", "shut", "off"]
        assert "<source network='lan' portid=" in virsh(virsh_bin, uri, "dumpxml", "web").stdout
        assert virsh(virsh_bin, uri, "net-list", "--name").stdout.split() == ["lan"]
        assert virsh(virsh_bin, uri, "vol-list", "images").stdout.split()[-2:] == ["web.qcow2",
                                                                                   "/srv/images/web.qcow2"]
        assert "Running hypervisor: QEMU" in virsh(virsh_bin, uri, "version").stdout


def test_preload_refuses_what_the_qemu_driver_refuses(tmp_path: Path) -> None:
    """A domain whose disk image the host does not have cannot start: fakevirt does not start."""
    (tmp_path / "node.xml").write_text(f"<node>{WEB.replace('/srv/images/web.qcow2', '/nowhere/x.qcow2')}</node>")
    r = subprocess.run([*SERVE, "--listen", "tcp://127.0.0.1:0", "--preload", str(tmp_path / "node.xml")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert r.stderr.endswith(f"fakevirt: --preload {tmp_path / 'node.xml'}: Cannot access storage file "
                             "'/nowhere/x.qcow2' (as uid:64055, gid:64055): No such file or directory\n")


def test_preload_of_a_missing_file(tmp_path: Path) -> None:
    r = subprocess.run([*SERVE, "--listen", "tcp://127.0.0.1:0", "--preload", str(tmp_path / "none.xml")],
                       capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stderr) == (1, f"fakevirt: --preload {tmp_path / 'none.xml'}: XML error: failed to parse "
                                           f"xml document '{tmp_path / 'none.xml'}'\n")
