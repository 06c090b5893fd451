"""The recorded QEMU-driver snapshot scenarios of a real libvirtd 9.0, replayed against fakevirt.

``data/snapshot_reference.json`` holds what virsh 9.0 printed against a real libvirtd 9.0 (see
``data/snapshot_reference.md``).  The recording is one long session on one daemon: every scenario
starts from the state the earlier ones left.  Each test here takes one scenario: it first brings a
fresh fakevirt to that state by running the earlier records that succeeded on the real daemon (in
one virsh process per stretch, outputs not compared), then replays the scenario's records one by
one and compares rc, stdout and stderr after the recording's normalisation (image directory →
``/IMAGES``, UUIDs → ``<UUID>``, times and epoch names → ``<TIME>``).

What the recording does not show is rebuilt here: the domain XML files (``dom1.xml``,
``dom2.xml``, ``trans.xml``), the snapshot XML files given to ``snapshot-create``, the images
(qcow2, 64 MiB, in fakevirt's image store under ``IMAGES``), an existing ``a.ex1`` overlay, the
recording host's QEMU user in the DAC labels (``+999:+994``), the snapshot metadata the recorder
dropped before the last scenario, and the domain ids the real daemon used up on QEMU processes the
replay does not start (``HOOKS``).  The test driver's scenarios are not replayed here.

Steps are left out of the comparison only through the tables below:

* ``KNOWN_DIFFERENCES``: fakevirt deliberately behaves differently (libvirt ≥ 9.7 rules for
  external snapshots, no ``<cookie>``, …);
* ``BUGS``: fakevirt differs from libvirtd 9.0 and should not (remove the entry once fixed);
* records carrying a ``note`` (an environment failure on the real host).

A listed step whose record failed on the real daemon is not run at all (so fakevirt's state keeps
following the recording); one that succeeded is run, and compared with ``expect(recorded)`` when
the entry has an ``expect``, else not compared.  ``FAKEVIRT_RECORDED_BUGS=1`` compares the
``BUGS`` steps as well, to see which entries can go.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "snapshot_reference.json"
IMAGES = "/var/lib/libvirt/images/fvref"
RECORDS: list[dict] = json.loads(DATA.read_text())
QEMU = [i for i, r in enumerate(RECORDS) if r["driver"] == "qemu"]


def _scenarios() -> list[str]:
    seen: list[str] = []
    for i in QEMU:
        s = RECORDS[i]["scenario"]
        if s != "setup" and s not in seen:
            seen.append(s)
    return seen


SCENARIOS = _scenarios()


# ---- tables ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Diff:
    reason: str
    expect: Callable[[dict], dict] | None = None  # applied to both outputs before they are compared


def _drop_cookie(rec: dict) -> dict:
    return {**rec, "stdout": re.sub(r"  <cookie>\n.*?  </cookie>\n", "", rec["stdout"], flags=re.S)}


REVERT_EXT = "9.0 refuses to revert to an external snapshot; fakevirt reverts like libvirt ≥ 9.7"
DELETE_EXT = "9.0 refuses to delete this external snapshot; fakevirt deletes with libvirt ≥ 9.7 rules"
NO_COOKIE = "the <cookie> holds the host's CPU, and the emulated host is not the recording's (rest compared)"

KNOWN_DIFFERENCES: dict[int, Diff] = {
    58: Diff(REVERT_EXT),  # snapshot-revert fvsnap1 s2
    64: Diff(DELETE_EXT),  # snapshot-delete fvsnap1 s2: "could not find base disk source in disk source chain"
    70: Diff(DELETE_EXT),  # snapshot-delete fvsnap1 s2 (same)
    74: Diff(DELETE_EXT),  # snapshot-delete fvsnap1 s2 (same, s2 current)
    88: Diff(DELETE_EXT),  # snapshot-delete fvsnap2 e1: non-leaf of an inactive domain
    216: Diff(REVERT_EXT),  # snapshot-revert fvsnap2 ext2
    217: Diff(REVERT_EXT),  # snapshot-revert fvsnap2 ext1
    166: Diff(NO_COOKIE, _drop_cookie),  # snapshot-dumpxml fvsnap2 r1
    207: Diff(NO_COOKIE, _drop_cookie),  # snapshot-dumpxml fvsnap2 ext2
}


def _bug(what: str) -> Diff:
    return Diff(f"fakevirt bug, reported: {what}")


# steps fakevirt gets wrong, each with the reason (empty: every reported one is fixed)
BUGS: dict[int, Diff] = {}


# FAKEVIRT_RECORDED_BUGS=1 compares the BUGS steps too (to see which are fixed)
CHECK_BUGS = os.environ.get("FAKEVIRT_RECORDED_BUGS") == "1"


def _skipped(i: int) -> Diff | None:
    if i in BUGS and not CHECK_BUGS:  # a step may be in both tables: the known difference applies once the bug is fixed
        return BUGS[i]
    if i in KNOWN_DIFFERENCES:
        return KNOWN_DIFFERENCES[i]
    if "note" in RECORDS[i]:
        return Diff("recording artefact: " + RECORDS[i]["note"])
    return None


# ---- the files the recording used -----------------------------------------------------------------

_DISK = """    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{images}/{file}'/>
      <target dev='{dev}' bus='virtio'/>
    </disk>
"""


def domain_xml(name: str, disks: list[str], images: str = IMAGES, cdrom: bool = True) -> str:
    devs = "".join(_DISK.format(images=images, file=f, dev=d) for f, d in zip(disks, ("vda", "vdb"), strict=False))
    cd = """    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
""" if cdrom else ""
    return f"""<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
{devs}{cd}    <graphics type='vnc' autoport='yes'/>
  </devices>
</domain>
"""


# a disk without <target> (nor source): the first `create trans.xml` of the recording failed with
# "missing target information for device"; the file was then fixed
TRANS_BROKEN = """<domain type='qemu'>
  <name>fvtrans</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='cdrom'>
      <readonly/>
    </disk>
  </devices>
</domain>
"""

STATIC_FILES = {
    "dom1.xml": domain_xml("fvsnap1", ["vm.qcow2", "vm2.qcow2"]),
    "dom2.xml": domain_xml("fvsnap2", ["a.qcow2", "b.qcow2"]),
    "foo.xml": "<domainsnapshot><name>x</name><foo/></domainsnapshot>\n",
    "bad.xml": "<domainsnapshot><name>x\n",
    "wrongroot.xml": "<snapshot><name>y</name></snapshot>\n",
}
BASE_IMAGES = ("vm.qcow2", "vm2.qcow2", "a.qcow2", "b.qcow2", "t.qcow2")


# ---- running virsh ----------------------------------------------------------------------------------

UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def normalize(text: str) -> str:
    text = text.replace(IMAGES, "/IMAGES")
    text = UUID_RE.sub("<UUID>", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}", "<TIME>", text)
    return re.sub(r"(?<![\d.])1[6-9]\d{8}(?!\d)", "<TIME>", text)


def expand(argv: list[str]) -> list[str]:
    return [a.replace("/IMAGES", IMAGES) for a in argv]


class Replay:
    def __init__(self, virsh_bin: str, uri: str, fakevirt, cwd: Path) -> None:
        self.virsh_bin, self.uri, self.fv, self.cwd = virsh_bin, uri, fakevirt, cwd
        self.hv = fakevirt.hypervisor

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([self.virsh_bin, "-c", self.uri, *args], capture_output=True, text=True,
                              timeout=60, cwd=self.cwd,
                              env={**os.environ, "LC_ALL": "C", "TZ": "UTC", "VIRSH_DEFAULT_CONNECT_URI": ""})

    def batch(self, argvs: list[list[str]]) -> None:
        """Run several commands in one virsh process (``cmd1 ; cmd2``); all must succeed."""
        if not argvs:
            return
        line = " ; ".join(" ".join(shlex.quote(a) for a in expand(argv)) for argv in argvs)
        p = self.run(line)
        assert p.returncode == 0 and "error" not in p.stderr, (argvs, p.stderr)

    def image(self, name: str, backing: str | None = None) -> None:
        def mk() -> None:
            if backing is None:
                self.hv.images.create(f"{IMAGES}/{name}", "qcow2", 64 << 20)
            else:
                self.hv.images.create(f"{IMAGES}/{name}", "qcow2", 64 << 20,
                                      backing=f"{IMAGES}/{backing}", backing_fmt="qcow2")
        self.fv.call(mk)

    def write(self, name: str, text: str) -> None:
        (self.cwd / name).write_text(text)

    def burn_domain_ids(self, n: int) -> None:
        """Domain ids the real daemon gave to QEMU processes the replay does not start."""
        def burn() -> None:
            for _ in range(n):
                self.hv.system.domains.allocate_id()
        self.fv.call(burn)


# ---- hooks: what happened on the real host between records -------------------------------------------

def _snapshot_files(rp: Replay) -> None:
    """The ``snapshot-create --redefine`` inputs, derived from snapshot m4 (as the recorder did)."""
    m4 = rp.run("snapshot-dumpxml", "fvsnap2", "m4").stdout
    epoch = [n for n in rp.run("snapshot-list", "fvsnap2", "--name").stdout.split() if n.isdigit()]
    assert len(epoch) == 1, epoch

    def named(text: str, name: str) -> str:
        return text.replace("<name>m4</name>", f"<name>{name}</name>", 1)

    def with_parent(text: str, parent: str) -> str:
        return text.replace("</state>\n", f"</state>\n  <parent>\n    <name>{parent}</name>\n  </parent>\n", 1)

    uuid = UUID_RE.search(m4).group(0)
    other = "00000000-1111-2222-3333-444444444444"
    files = {
        "m4.xml": m4,
        "m4copy.xml": named(m4, "m4copy"),
        "missingparent.xml": with_parent(named(m4, "child"), "nosuchparent"),
        "changeduuid.xml": named(m4, "m4u").replace(uuid, other),
        "nocreation.xml": re.sub(r"  <creationTime>\d+</creationTime>\n", "", m4),
        "nostate.xml": m4.replace("  <state>shutoff</state>\n", ""),
        "noname.xml": m4.replace("  <name>m4</name>\n", "", 1),
        "bogus.xml": m4.replace("<state>shutoff</state>", "<state>bogus</state>"),
        "m4running.xml": m4.replace("<state>shutoff</state>", "<state>running</state>"),
        "cycle.xml": with_parent(m4, epoch[0]),
        "self.xml": with_parent(m4, "m4"),
    }
    for name, text in files.items():
        rp.write(name, text)


def _fresh_start_of_fvsnap2(rp: Replay) -> None:
    """Before the last scenario the recorder dropped fvsnap2's snapshot metadata (g1 is a root there),
    keeping the disks on a.ext1/b.ext1; one QEMU process not in the recording took an id (fvtrans
    had 14, this start got 16)."""
    roots = rp.run("snapshot-list", "fvsnap2", "--roots", "--name").stdout.split()
    rp.batch([["snapshot-delete", "fvsnap2", r, "--children", "--metadata"] for r in roots])
    rp.burn_domain_ids(1)


HOOKS: dict[int, Callable[[Replay], None]] = {
    89: lambda rp: rp.burn_domain_ids(1),  # the QEMU start that failed (virtlogd down) took id 1
    109: lambda rp: rp.image("a.ex1", backing="a.qcow2"),  # "external snapshot file ... already exists"
    139: _snapshot_files,
    234: lambda rp: rp.write("trans.xml", TRANS_BROKEN),
    238: lambda rp: rp.write("trans.xml", domain_xml("fvtrans", ["t.qcow2"], cdrom=False)),
    336: _fresh_start_of_fvsnap2,
}


def _prepare(rp: Replay) -> None:
    for name, text in STATIC_FILES.items():
        rp.write(name, text)
    for name in BASE_IMAGES:
        rp.image(name)


def _runs(i: int) -> bool:
    """Whether record i is run (in the prelude or the replay)."""
    if "note" in RECORDS[i]:
        return False
    if i in KNOWN_DIFFERENCES or (i in BUGS and not CHECK_BUGS):
        return RECORDS[i]["rc"] == 0
    return True


@pytest.fixture
def replay(virsh_bin: str, fakevirt, fakevirt_uri: str, tmp_path: Path) -> Iterator[Replay]:
    hv = fakevirt.hypervisor
    host = hv.host

    def set_host(h) -> None:
        hv.host = h

    # the recording host's libvirt-qemu user and group (uid 999, gid 994) label the guests
    fakevirt.call(set_host, dataclasses.replace(host, dac_label="+999:+994"))
    try:
        rp = Replay(virsh_bin, fakevirt_uri, fakevirt, tmp_path)
        _prepare(rp)
        yield rp
    finally:
        fakevirt.call(set_host, host)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_recorded_scenario(replay: Replay, scenario: str) -> None:
    mine = [i for i in QEMU if RECORDS[i]["scenario"] == scenario]
    first, last = mine[0], mine[-1]
    pending: list[list[str]] = []
    for i in QEMU:
        if i >= first:
            break
        if i in HOOKS:
            replay.batch(pending)
            pending = []
            HOOKS[i](replay)
        if _runs(i) and RECORDS[i]["rc"] == 0:
            pending.append(RECORDS[i]["argv"])
    replay.batch(pending)

    failures = []
    for i in QEMU:
        if i < first or i > last:
            continue
        rec = RECORDS[i]
        if i in HOOKS:
            HOOKS[i](replay)
        if not _runs(i):
            continue
        p = replay.run(*expand(rec["argv"]))
        diff = _skipped(i)
        if diff is not None and diff.expect is None:
            continue
        want = {"rc": rec["rc"], "stdout": rec["stdout"], "stderr": rec["stderr"]}
        got = {"rc": p.returncode, "stdout": normalize(p.stdout), "stderr": normalize(p.stderr)}
        if diff is not None and diff.expect is not None:
            want, got = diff.expect(want), diff.expect(got)
        if got != want:
            failures.append(_describe(i, want, got))
    assert not failures, "\n\n".join(failures)


def _describe(i: int, want: dict, got: dict) -> str:
    out = [f"record {i} {RECORDS[i]['scenario']}: virsh {' '.join(RECORDS[i]['argv'])}"]
    if want["rc"] != got["rc"]:
        out.append(f"  rc: recorded {want['rc']}, fakevirt {got['rc']}")
    for key in ("stdout", "stderr"):
        w, g = want[key].splitlines(), got[key].splitlines()
        if want[key] == got[key]:
            continue
        n = next((k for k in range(max(len(w), len(g))) if k >= len(w) or k >= len(g) or w[k] != g[k]), 0)
        out.append(f"  {key} line {n + 1}: recorded {w[n] if n < len(w) else '<end>'!r}")
        out.append(f"  {' ' * len(key)}         fakevirt {g[n] if n < len(g) else '<end>'!r}")
        out.extend("    " + line.rstrip("\n") for line in
                   difflib.unified_diff(w, g, "recorded", "fakevirt", n=1, lineterm=""))
    return "\n".join(out)


def test_tables_name_qemu_records() -> None:
    for table in (KNOWN_DIFFERENCES, BUGS, HOOKS):
        for i in table:
            assert RECORDS[i]["driver"] == "qemu", i
