"""Domain checkpoints through virsh, and the same scenarios against the reference libvirtd 9.0
(a TCG domain with two qcow2 disks; its guest writes go through HMP ``qemu-io``).

Each scenario returns a transcript of virsh's output (creation times and the domain name
normalised); the fakevirt test and its ``real`` twin compare it with one expected text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import VirshResult

IMAGES_ROOT = "/var/lib/libvirt/images"
MiB = 1 << 20


def domain_xml(name: str, images: str) -> str:
    disks = "".join(f"""
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{images}/{f}.qcow2'/>
      <target dev='{dev}' bus='virtio'/>
    </disk>""" for f, dev in (("vm", "vda"), ("vm2", "vdb")))
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>{disks}
    <graphics type='vnc' autoport='yes'/>
  </devices>
</domain>
"""


@dataclass
class Env:
    run: Callable[..., VirshResult]
    name: str
    images: str
    write: Callable[[str, int, int], None]  # guest write of N bytes at offset to a disk target

    def transcript(self, *commands: list[str]) -> str:
        out: list[str] = []
        for argv in commands:
            r = self.run(*[a.replace("DOM", self.name) for a in argv])
            out.append(f"$ {' '.join(argv)}\nrc={r.returncode}\n{r.stdout}{r.stderr}")
        text = "\n".join(out).replace(self.name, "DOM").replace(self.images, "/IMAGES")
        text = re.sub(r"<creationTime>\d+</creationTime>", "<creationTime>T</creationTime>", text)
        text = re.sub(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<UUID>", text)
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}", "<TIME>", text)


# ---- the scenarios ------------------------------------------------------------------------------

TREE_AND_ERRORS = [
    ["checkpoint-create-as", "DOM", "c1"],
    ["checkpoint-create-as", "DOM", "c2", "--description", "second"],
    ["checkpoint-create-as", "DOM", "c3", "--diskspec", "vda,checkpoint=no"],
    ["checkpoint-create-as", "DOM", "c4", "--diskspec", "vda,bitmap=other"],
    ["checkpoint-create-as", "DOM", "c5", "--quiesce"],
    ["checkpoint-create-as", "DOM", "c1"],
    ["checkpoint-list", "DOM", "--parent"],
    ["checkpoint-list", "DOM", "--tree"],
    ["checkpoint-list", "DOM", "--roots", "--name"],
    ["checkpoint-list", "DOM", "--leaves", "--name"],
    ["checkpoint-list", "DOM", "--from", "c1", "--descendants", "--name"],
    ["checkpoint-list", "DOM", "--topological", "--name"],
    ["checkpoint-info", "DOM", "c2"],
    ["checkpoint-parent", "DOM", "c2"],
    ["checkpoint-parent", "DOM", "c1"],
    ["checkpoint-dumpxml", "DOM", "c2", "--no-domain"],
    ["checkpoint-dumpxml", "DOM", "c3", "--no-domain", "--size"],
    ["checkpoint-dumpxml", "DOM", "nope"],
    ["checkpoint-delete", "DOM", "c2"],
    ["checkpoint-list", "DOM", "--parent"],
    ["checkpoint-delete", "DOM", "c1", "--children-only"],
    ["checkpoint-list", "DOM", "--name"],
    ["checkpoint-create-as", "DOM", "c6"],
    ["checkpoint-parent", "DOM", "c6"],
]

EXPECTED_TREE = """\
$ checkpoint-create-as DOM c1
rc=0
Domain checkpoint c1 created

$ checkpoint-create-as DOM c2 --description second
rc=0
Domain checkpoint c2 created

$ checkpoint-create-as DOM c3 --diskspec vda,checkpoint=no
rc=0
Domain checkpoint c3 created

$ checkpoint-create-as DOM c4 --diskspec vda,bitmap=other
rc=1

error: unsupported configuration: bitmap for disk 'vda' must match checkpoint name 'c4'

$ checkpoint-create-as DOM c5 --quiesce
rc=1

error: unsupported flags (0x2) in function qemuCheckpointCreateXML

$ checkpoint-create-as DOM c1
rc=1

error: operation failed: domain moment c1 already exists

$ checkpoint-list DOM --parent
rc=0
 Name   Creation Time               Parent
--------------------------------------------
 c1     <TIME>  \x20
 c2     <TIME>   c1
 c3     <TIME>   c2


$ checkpoint-list DOM --tree
rc=0
c1
  |
  +- c2
      |
      +- c3
       \x20


$ checkpoint-list DOM --roots --name
rc=0
c1


$ checkpoint-list DOM --leaves --name
rc=0
c3


$ checkpoint-list DOM --from c1 --descendants --name
rc=0
c2
c3


$ checkpoint-list DOM --topological --name
rc=0
c1
c2
c3


$ checkpoint-info DOM c2
rc=0
Name:           c2
Domain:         DOM
Parent:         c1
Children:       1
Descendants:    1


$ checkpoint-parent DOM c2
rc=0
c1

$ checkpoint-parent DOM c1
rc=1

error: checkpoint 'c1' has no parent

$ checkpoint-dumpxml DOM c2 --no-domain
rc=0
<domaincheckpoint>
  <name>c2</name>
  <description>second</description>
  <parent>
    <name>c1</name>
  </parent>
  <creationTime>T</creationTime>
  <disks>
    <disk name='vda' checkpoint='bitmap' bitmap='c2'/>
    <disk name='vdb' checkpoint='bitmap' bitmap='c2'/>
  </disks>
</domaincheckpoint>


$ checkpoint-dumpxml DOM c3 --no-domain --size
rc=0
<domaincheckpoint>
  <name>c3</name>
  <parent>
    <name>c2</name>
  </parent>
  <creationTime>T</creationTime>
  <disks>
    <disk name='vda' checkpoint='no'/>
    <disk name='vdb' checkpoint='no'/>
  </disks>
</domaincheckpoint>


$ checkpoint-dumpxml DOM nope
rc=1

error: Domain checkpoint not found: no domain checkpoint with matching name 'nope'

$ checkpoint-delete DOM c2
rc=0
Domain checkpoint c2 deleted


$ checkpoint-list DOM --parent
rc=0
 Name   Creation Time               Parent
--------------------------------------------
 c1     <TIME>  \x20
 c3     <TIME>   c1


$ checkpoint-delete DOM c1 --children-only
rc=0
Domain checkpoint c1 children deleted


$ checkpoint-list DOM --name
rc=0
c1


$ checkpoint-create-as DOM c6
rc=0
Domain checkpoint c6 created

$ checkpoint-parent DOM c6
rc=0
c1
"""

SIZES = [
    ["checkpoint-create-as", "DOM", "c1"],
    ["write", "vda", "70000", "100"],
    ["checkpoint-create-as", "DOM", "c2"],
    ["write", "vda", str(MiB), str(200 * 1024)],
    ["write", "vdb", "0", "512"],
    ["checkpoint-dumpxml", "DOM", "c1", "--no-domain", "--size"],
    ["checkpoint-dumpxml", "DOM", "c2", "--no-domain", "--size"],
    ["checkpoint-delete", "DOM", "c1"],
    ["checkpoint-dumpxml", "DOM", "c2", "--no-domain", "--size"],
]

EXPECTED_SIZES = """\
$ checkpoint-create-as DOM c1
rc=0
Domain checkpoint c1 created

$ checkpoint-create-as DOM c2
rc=0
Domain checkpoint c2 created

$ checkpoint-dumpxml DOM c1 --no-domain --size
rc=0
<domaincheckpoint>
  <name>c1</name>
  <creationTime>T</creationTime>
  <disks>
    <disk name='vda' checkpoint='bitmap' bitmap='c1' size='327680'/>
    <disk name='vdb' checkpoint='bitmap' bitmap='c1' size='65536'/>
  </disks>
</domaincheckpoint>


$ checkpoint-dumpxml DOM c2 --no-domain --size
rc=0
<domaincheckpoint>
  <name>c2</name>
  <parent>
    <name>c1</name>
  </parent>
  <creationTime>T</creationTime>
  <disks>
    <disk name='vda' checkpoint='bitmap' bitmap='c2' size='262144'/>
    <disk name='vdb' checkpoint='bitmap' bitmap='c2' size='65536'/>
  </disks>
</domaincheckpoint>


$ checkpoint-delete DOM c1
rc=0
Domain checkpoint c1 deleted


$ checkpoint-dumpxml DOM c2 --no-domain --size
rc=0
<domaincheckpoint>
  <name>c2</name>
  <creationTime>T</creationTime>
  <disks>
    <disk name='vda' checkpoint='bitmap' bitmap='c2' size='262144'/>
    <disk name='vdb' checkpoint='bitmap' bitmap='c2' size='65536'/>
  </disks>
</domaincheckpoint>

"""

INACTIVE = [
    ["checkpoint-create-as", "DOM", "c1"],
    ["destroy", "DOM"],
    ["checkpoint-create-as", "DOM", "c2"],
    ["checkpoint-delete", "DOM", "c1"],
    ["checkpoint-dumpxml", "DOM", "c1", "--size"],
    ["undefine", "DOM"],
    ["undefine", "DOM", "--snapshots-metadata"],
    ["snapshot-create-as", "DOM", "s1"],
    ["snapshot-create-as", "DOM", "s2", "--disk-only"],
    ["checkpoint-delete", "DOM", "c1", "--metadata"],
    ["checkpoint-list", "DOM", "--name"],
]

EXPECTED_INACTIVE = """\
$ checkpoint-create-as DOM c1
rc=0
Domain checkpoint c1 created

$ destroy DOM
rc=0
Domain 'DOM' destroyed


$ checkpoint-create-as DOM c2
rc=1

error: Operation not supported: cannot create checkpoint for inactive domain

$ checkpoint-delete DOM c1
rc=1

error: Failed to delete checkpoint c1
error: Operation not supported: cannot delete checkpoint for inactive domain

$ checkpoint-dumpxml DOM c1 --size
rc=1

error: Requested operation is not valid: domain is not running

$ undefine DOM
rc=1

error: Failed to undefine domain 'DOM'
error: Requested operation is not valid: cannot delete inactive domain with 1 checkpoints

$ undefine DOM --snapshots-metadata
rc=1

error: Failed to undefine domain 'DOM'
error: Requested operation is not valid: cannot delete inactive domain with 1 checkpoints

$ snapshot-create-as DOM s1
rc=1

error: Operation not supported: cannot perform block operations while checkpoint exists

$ snapshot-create-as DOM s2 --disk-only
rc=1

error: Operation not supported: cannot perform block operations while checkpoint exists

$ checkpoint-delete DOM c1 --metadata
rc=0
Domain checkpoint c1 deleted


$ checkpoint-list DOM --name
rc=0

"""

WITH_DOMAIN = [
    ["checkpoint-create-as", "DOM", "c1", "--diskspec", "vdb"],
    ["checkpoint-dumpxml", "DOM", "c1"],
]

EXPECTED_WITH_DOMAIN = """\
$ checkpoint-create-as DOM c1 --diskspec vdb
rc=0
Domain checkpoint c1 created

$ checkpoint-dumpxml DOM c1
rc=0
<domaincheckpoint>
  <name>c1</name>
  <creationTime>T</creationTime>
  <disks>
    <disk name='vda' checkpoint='no'/>
    <disk name='vdb' checkpoint='bitmap' bitmap='c1'/>
  </disks>
  <domain type='qemu'>
    <name>DOM</name>
    <uuid><UUID></uuid>
    <memory unit='KiB'>65536</memory>
    <currentMemory unit='KiB'>65536</currentMemory>
    <vcpu placement='static'>1</vcpu>
    <resource>
      <partition>/machine</partition>
    </resource>
    <os>
      <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
      <boot dev='hd'/>
    </os>
    <cpu mode='custom' match='exact' check='none'>
      <model fallback='forbid'>qemu64</model>
    </cpu>
    <clock offset='utc'/>
    <on_poweroff>destroy</on_poweroff>
    <on_reboot>restart</on_reboot>
    <on_crash>destroy</on_crash>
    <devices>
      <emulator>/usr/bin/qemu-system-x86_64</emulator>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='/IMAGES/vm.qcow2'/>
        <backingStore/>
        <target dev='vda' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
      </disk>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='/IMAGES/vm2.qcow2'/>
        <backingStore/>
        <target dev='vdb' bus='virtio'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
      </disk>
      <controller type='usb' index='0' model='piix3-uhci'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>
      </controller>
      <controller type='pci' index='0' model='pci-root'/>
      <input type='mouse' bus='ps2'/>
      <input type='keyboard' bus='ps2'/>
      <graphics type='vnc' port='-1' autoport='yes'>
        <listen type='address'/>
      </graphics>
      <audio id='1' type='none'/>
      <video>
        <model type='cirrus' vram='16384' heads='1' primary='yes'/>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
      </video>
      <memballoon model='virtio'>
        <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
      </memballoon>
    </devices>
  </domain>
</domaincheckpoint>

"""

SCENARIOS = {"domain": (WITH_DOMAIN, EXPECTED_WITH_DOMAIN), "tree": (TREE_AND_ERRORS, EXPECTED_TREE), "sizes": (SIZES, EXPECTED_SIZES),
             "inactive": (INACTIVE, EXPECTED_INACTIVE)}


def play(env: Env, scenario: str) -> str:
    commands, _ = SCENARIOS[scenario]
    pieces: list[str] = []
    for argv in commands:
        if argv[0] == "write":
            env.write(argv[1], int(argv[2]), int(argv[3]))
        else:
            pieces.append(env.transcript(argv))
    return "\n".join(pieces)


# ---- fakevirt ------------------------------------------------------------------------------------

@pytest.fixture
def fake_env(fakevirt, virsh) -> Env:
    hv = fakevirt.hypervisor
    images = f"{IMAGES_ROOT}/ckpt-test"
    for f in ("vm", "vm2"):
        fakevirt.call(hv.images.create, f"{images}/{f}.qcow2", "qcow2", 64 * MiB)
    xml = domain_xml("ckvm", images)

    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
        f.write(xml)
    try:
        assert virsh("define", f.name).returncode == 0
    finally:
        os.unlink(f.name)
    assert virsh("start", "ckvm").returncode == 0

    def write(target: str, off: int, n: int) -> None:
        dom = fakevirt.call(hv.system.domains.by_name, "ckvm")
        fakevirt.call(hv.system.domains.guest_write, dom, target, off, b"\x01" * n)

    return Env(virsh, "ckvm", images, write)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_checkpoints_through_virsh(fake_env: Env, scenario: str) -> None:
    assert play(fake_env, scenario) == SCENARIOS[scenario][1]


def test_undefine_with_checkpoints_metadata(fake_env: Env) -> None:
    fake_env.run("checkpoint-create-as", "ckvm", "c1")
    fake_env.run("destroy", "ckvm")
    r = fake_env.run("undefine", "ckvm", "--checkpoints-metadata")
    assert (r.returncode, r.stdout) == (0, "Domain 'ckvm' has been undefined\n\n")


# ---- the reference ---------------------------------------------------------------------------

@pytest.fixture
def ref_env(reference_uri: str, virsh) -> Iterator[Env]:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    name = f"fvref-ckpt-{os.getpid()}"
    Path(IMAGES_ROOT).mkdir(parents=True, exist_ok=True)
    images = tempfile.mkdtemp(prefix="fvref-ckpt-", dir=IMAGES_ROOT)
    os.chmod(images, 0o755)
    for f in ("vm", "vm2"):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{images}/{f}.qcow2", "64M"], check=True)
    (Path(images) / "dom.xml").write_text(domain_xml(name, images))

    def run(*args: str) -> VirshResult:
        return virsh(*args, uri=reference_uri, timeout=180)

    assert run("define", f"{images}/dom.xml").returncode == 0
    assert run("start", name).returncode == 0
    devices = {"vda": "virtio-disk0", "vdb": "virtio-disk1"}

    def write(target: str, off: int, n: int) -> None:
        cmd = f'qemu-io -d /machine/peripheral/{devices[target]}/virtio-backend "write {off} {n}"'
        assert run("qemu-monitor-command", name, "--hmp", cmd).returncode == 0

    try:
        yield Env(run, name, images, write)
    finally:
        run("destroy", name)
        run("undefine", name, "--checkpoints-metadata", "--snapshots-metadata")
        shutil.rmtree(images, ignore_errors=True)


@pytest.mark.real
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_checkpoints_on_the_reference(ref_env: Env, scenario: str) -> None:
    assert play(ref_env, scenario) == SCENARIOS[scenario][1]
