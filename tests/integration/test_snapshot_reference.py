"""Snapshot behaviour of a real libvirtd 9.0, checked against the recorded reference.

``data/snapshot_reference.json`` holds what Debian's virsh 9.0 printed against a real libvirtd 9.0
(QEMU driver with TCG and real qcow2 files, and the test driver); ``data/snapshot_reference.md``
explains it.  These tests replay the key scenarios against the reference daemon
(``../shared/reference-libvirtd.sh``) and compare with the recorded texts, so the recording stays
true.  They are skipped when no reference daemon is reachable.

A ``define`` on the reference QEMU driver can take about a minute, so one domain is defined per
module and the scenarios run on it in order; everything is removed at the end.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.domblk_common import qemu_domain_xml

DATA = Path(__file__).parent / "data" / "snapshot_reference.json"
IMAGES_ROOT = Path("/var/lib/libvirt/images")
RECORDED_DOMAIN = "fvsnap1"
DOMAIN = f"fvref-pytest-snap-{os.getpid()}"  # concurrent runs against one daemon must not share it

pytestmark = pytest.mark.real


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str


def _records() -> list[dict]:
    return json.loads(DATA.read_text())


def recorded(scenario: str, argv: list[str], nth: int = 0) -> dict:
    """The nth record of ``scenario`` whose argv equals ``argv``."""
    hits = [r for r in _records() if r["scenario"] == scenario and r["argv"] == argv]
    assert len(hits) > nth, (scenario, argv)
    return hits[nth]


def normalize(text: str, images: str, domain: str = DOMAIN, recorded_domain: str = RECORDED_DOMAIN) -> str:
    text = text.replace(images, "/IMAGES").replace(domain, recorded_domain)
    text = re.sub(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<UUID>", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}", "<TIME>", text)
    return re.sub(r"(?<![\d.])1[6-9]\d{8}(?!\d)", "<TIME>", text)


@pytest.fixture(scope="module")
def ref(reference_uri: str) -> Callable[..., Run]:
    virsh = shutil.which("virsh")
    if virsh is None:
        pytest.skip("virsh is not installed")

    def run(*args: str, uri: str = reference_uri, timeout: float = 180) -> Run:
        p = subprocess.run([virsh, "-c", uri, *args], capture_output=True, text=True, timeout=timeout,
                           env={**os.environ, "LC_ALL": "C", "TZ": "UTC", "VIRSH_DEFAULT_CONNECT_URI": ""})
        return Run(p.returncode, p.stdout, p.stderr)

    return run


def domain_xml(name: str, images: str) -> str:
    return qemu_domain_xml(name, [("vda", "qcow2", f"{images}/vm.qcow2"), ("vdb", "qcow2", f"{images}/vm2.qcow2")],
                           cdrom=True, vnc=True)


@dataclass
class Env:
    run: Callable[..., Run]
    images: str

    def check(self, scenario: str, recorded_argv: list[str], *args: str, nth: int = 0) -> Run:
        """Run ``args`` on the test domain and compare with the recorded ``recorded_argv``."""
        r = self.run(*args)
        want = recorded(scenario, recorded_argv, nth)
        got = {"rc": r.rc, "stdout": normalize(r.stdout, self.images), "stderr": normalize(r.stderr, self.images)}
        assert got == {"rc": want["rc"], "stdout": want["stdout"], "stderr": want["stderr"]}, args
        return r

    def qemu_img(self, *args: str) -> str:
        return subprocess.run(["qemu-img", *args], capture_output=True, text=True, check=True).stdout

    def files(self) -> list[str]:
        return sorted(os.listdir(self.images))


@pytest.fixture(scope="module")
def env(ref: Callable[..., Run]) -> Iterator[Env]:
    if shutil.which("qemu-img") is None:
        pytest.skip("qemu-img is not installed")
    IMAGES_ROOT.mkdir(parents=True, exist_ok=True)
    images = tempfile.mkdtemp(prefix="fvref-pytest-", dir=IMAGES_ROOT)
    os.chmod(images, 0o755)
    for f in ("vm.qcow2", "vm2.qcow2"):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", f"{images}/{f}", "64M"], check=True)
    xml = Path(images) / "domain.xml"
    xml.write_text(domain_xml(DOMAIN, images))
    ref("destroy", DOMAIN)
    ref("undefine", DOMAIN, "--snapshots-metadata")
    r = ref("define", str(xml), timeout=300)
    assert r.rc == 0, r.stderr
    try:
        yield Env(ref, images)
    finally:
        ref("destroy", DOMAIN)
        ref("undefine", DOMAIN, "--snapshots-metadata")
        shutil.rmtree(images, ignore_errors=True)


def test_internal_then_external_snapshot_of_an_inactive_domain(env: Env) -> None:
    d, R = DOMAIN, RECORDED_DOMAIN
    env.check("inactive-internal", ["snapshot-list", R], "snapshot-list", d)
    env.check("inactive-internal", ["snapshot-current", R], "snapshot-current", d)
    env.check("inactive-internal", ["snapshot-create-as", R, "s1"], "snapshot-create-as", d, "s1")
    env.check("inactive-internal", ["snapshot-dumpxml", R, "s1"], "snapshot-dumpxml", d, "s1")
    env.check("inactive-internal", ["snapshot-list", R], "snapshot-list", d, nth=1)
    env.check("inactive-internal", ["snapshot-info", R, "s1"], "snapshot-info", d, "s1")
    env.check("inactive-internal", ["snapshot-current", R, "--name"], "snapshot-current", d, "--name")
    env.check("inactive-internal", ["snapshot-parent", R, "s1"], "snapshot-parent", d, "s1")
    # an offline internal snapshot is a qcow2 internal snapshot in every disk
    for f in ("vm.qcow2", "vm2.qcow2"):
        assert " s1 " in env.qemu_img("snapshot", "-l", f"{env.images}/{f}")

    env.check("inactive-external", ["snapshot-create-as", R, "s2", "--disk-only"],
              "snapshot-create-as", d, "s2", "--disk-only")
    assert env.files() == ["domain.xml", "vm.qcow2", "vm.s2", "vm2.qcow2", "vm2.s2"]
    env.check("inactive-external", ["snapshot-dumpxml", R, "s2"], "snapshot-dumpxml", d, "s2")
    env.check("inactive-external", ["dumpxml", "--inactive", R], "dumpxml", "--inactive", d)
    info = json.loads(env.qemu_img("info", "--output=json", f"{env.images}/vm.s2"))
    assert (info["backing-filename"], info["backing-filename-format"]) == (f"{env.images}/vm.qcow2", "qcow2")

    for opts in (["--tree"], ["--parent"], ["--roots"], ["--leaves"], ["--internal"], ["--external"],
                 ["--inactive"], ["--active"], ["--disk-only"], ["--topological"], ["--name"],
                 ["--from", "s1", "--descendants"], ["--current"], ["--tree", "--name"], ["--tree", "--leaves"]):
        env.check("list-options", ["snapshot-list", R, *opts], "snapshot-list", d, *opts)
    env.check("list-options", ["snapshot-info", R, "s2"], "snapshot-info", d, "s2")
    env.check("list-options", ["snapshot-current", R, "s1"], "snapshot-current", d, "s1")
    env.check("list-options", ["snapshot-current", R, "s2"], "snapshot-current", d, "s2")
    env.check("list-options", ["snapshot-info", R, "nosuch"], "snapshot-info", d, "nosuch")


def test_creation_errors(env: Env) -> None:
    d, R = DOMAIN, RECORDED_DOMAIN
    for name in ("s1", "a/b", ".hidden"):
        env.check("create-errors", ["snapshot-create-as", R, name], "snapshot-create-as", d, name)
    files = {"foo.xml": "<domainsnapshot><name>x</name><foo/></domainsnapshot>\n",
             "bad.xml": "<domainsnapshot><name>x\n",
             "wrongroot.xml": "<snapshot><name>y</name></snapshot>\n"}
    for fname, text in files.items():
        (Path(env.images) / fname).write_text(text)
    cwd = os.getcwd()
    os.chdir(env.images)  # virsh echoes the file name as given
    try:
        for args in (["foo.xml", "--validate"], ["bad.xml"], ["wrongroot.xml"], ["wrongroot.xml", "--validate"]):
            env.check("create-errors", ["snapshot-create", R, *args], "snapshot-create", d, *args)
    finally:
        os.chdir(cwd)

    # flag and disk-selection errors (recorded on a second domain with the same disks)
    R2 = "fvsnap2"

    def check2(args: list[str]) -> None:
        r = env.run("snapshot-create-as", d, *args)
        want = recorded("create-flag-errors", ["snapshot-create-as", R2, *args])
        got = (r.rc, normalize(r.stderr, env.images, d, R2).replace("/vm.", "/a.").replace("/vm2.", "/b."))
        assert got == (want["rc"], want["stderr"]), args

    for args in (["q1", "--quiesce"], ["l1", "--live"], ["r1", "--disk-only", "--reuse-external"],
                 ["n1", "--disk-only", "--diskspec", "vda,snapshot=no", "--diskspec", "vdb,snapshot=no"],
                 ["m1", "--diskspec", "vda,snapshot=internal", "--diskspec", "vdb,snapshot=external"],
                 ["m3", "--disk-only", "--diskspec", "vda,snapshot=internal"],
                 ["d1", "--diskspec", "vdx"], ["d2", "--diskspec", "vda", "--diskspec", "vda"]):
        check2(args)
    r = env.run("snapshot-create-as", d, "mem1", "--memspec", f"file={env.images}/mem1")
    assert (r.rc, r.stderr) == (1, "error: XML error: memory state cannot be saved with offline or disk-only snapshot\n")
    # without --disk-only an inactive domain refuses external disks
    r = env.run("snapshot-create-as", d, "x3", "--diskspec", "vda,snapshot=external", "--diskspec", "vdb,snapshot=external")
    assert r.stderr == "error: unsupported configuration: disk 'vda' must use snapshot mode 'internal'\n"
    # an existing overlay file is not reused without --reuse-external
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", f"{env.images}/vm.s2", "-F", "qcow2",
                    f"{env.images}/vm.ex1"], check=True)
    r = env.run("snapshot-create-as", d, "ex1", "--disk-only")
    assert r.stderr == ("error: unsupported configuration: external snapshot file for disk vda already exists "
                        f"and is not a block device: {env.images}/vm.ex1\n")
    os.unlink(f"{env.images}/vm.ex1")
    assert env.run("snapshot-list", d, "--name").stdout == "s1\ns2\n\n"


def test_revert_and_delete_rules_for_external_snapshots(env: Env) -> None:
    d, R = DOMAIN, RECORDED_DOMAIN
    S = "revert-delete-external-inactive"
    env.check(S, ["snapshot-revert", R, "s2"], "snapshot-revert", d, "s2")
    env.check(S, ["snapshot-revert", R, "s1"], "snapshot-revert", d, "s1")
    # the domain is back on the original images, the overlays stay
    assert "vm.s2" not in env.run("dumpxml", "--inactive", d).stdout
    assert env.files() == ["bad.xml", "domain.xml", "foo.xml", "vm.qcow2", "vm.s2", "vm2.qcow2", "vm2.s2",
                           "wrongroot.xml"]
    # 9.0 cannot delete an external snapshot that is not in the domain's current chain
    env.check(S, ["snapshot-delete", R, "s2"], "snapshot-delete", d, "s2")
    env.check(S, ["snapshot-delete", R, "s2", "--children"], "snapshot-delete", d, "s2", "--children")
    env.check(S, ["snapshot-delete", R, "s1", "--children", "--children-only"],
              "snapshot-delete", d, "s1", "--children", "--children-only")
    env.check(S, ["snapshot-current", R, "s2"], "snapshot-current", d, "s2")
    env.check(S, ["snapshot-delete", R, "s2", "--metadata"], "snapshot-delete", d, "s2", "--metadata")
    assert "vm.s2" in env.files()  # --metadata never touches files
    env.check(S, ["snapshot-current", R, "--name"], "snapshot-current", d, "--name")
    for f in ("vm.s2", "vm2.s2"):
        os.unlink(f"{env.images}/{f}")

    # an external snapshot whose parent is internal cannot be deleted
    S = "delete-external-inactive-active-chain"
    env.check(S, ["snapshot-create-as", R, "e1", "--disk-only"], "snapshot-create-as", d, "e1", "--disk-only")
    env.check(S, ["snapshot-delete", R, "e1"], "snapshot-delete", d, "e1")


def test_deleting_the_current_external_snapshot_of_an_inactive_domain_commits_it(env: Env) -> None:
    """9.0 starts QEMU paused, active-commits the overlay into its backing file and unlinks it."""
    d = DOMAIN
    ok = env.run("snapshot-delete", d, "--metadata", "e1")
    assert ok.rc == 0, ok.stderr
    ok = env.run("snapshot-delete", d, "--metadata", "s1")
    assert ok.rc == 0, ok.stderr
    # the domain runs on vm.e1 / vm2.e1 now, with no snapshot metadata
    assert env.run("snapshot-create-as", d, "f1", "--disk-only").rc == 0
    assert env.run("snapshot-create-as", d, "f2", "--disk-only").rc == 0
    assert {"vm.f1", "vm.f2", "vm2.f1", "vm2.f2"} <= set(env.files())
    r = env.run("snapshot-delete", d, "f1")
    assert (r.rc, r.stderr) == (1, "error: Failed to delete snapshot f1\n"
                                   "error: invalid argument: could not find base disk source in disk source chain\n")
    r = env.run("snapshot-delete", d, "f2", timeout=300)
    assert (r.rc, r.stdout) == (0, "Domain snapshot f2 deleted\n\n"), r.stderr
    assert "vm.f2" not in env.files() and "vm2.f2" not in env.files()
    sources = [line.split()[1] for line in env.run("domblklist", d).stdout.splitlines()[2:] if line.strip()]
    assert sources == [f"{env.images}/vm.f1", f"{env.images}/vm2.f1", "-"]
    assert env.run("snapshot-current", d, "--name").stdout == "f1\n"
    assert env.run("domstate", d, "--reason").stdout == "shut off (shutdown)\n\n"
    assert env.run("snapshot-list", d, "--name").stdout == "f1\n\n"


def test_test_driver_tree_order(ref: Callable[..., Run], reference_uri: str) -> None:
    """The test driver's state lives only while a connection is open: keep one open during the run."""
    uri = reference_uri.replace("qemu+tcp://", "test+tcp://").replace("/system", "/default")
    keeper = subprocess.Popen(["virsh", "-c", uri, "event", "--all", "--loop"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "LC_ALL": "C"})
    try:
        time.sleep(1)
        S = "test-driver-VT"
        steps = [["snapshot-create-as", "test", "s1"], ["snapshot-create-as", "test", "s3"],
                 ["snapshot-create-as", "test", "s2"], ["snapshot-revert", "test", "s3"],
                 ["snapshot-create-as", "test", "s6"], ["snapshot-create-as", "test", "s5"],
                 ["snapshot-revert", "test", "s6"], ["snapshot-create-as", "test", "s4"],
                 ["snapshot-revert", "test", "s1"], ["snapshot-create-as", "test", "s7"],
                 ["snapshot-create-as", "test", "s8"]]
        if ref("snapshot-list", "test", "--name", uri=uri).stdout.strip():
            pytest.skip("the test driver's domain 'test' already has snapshots (someone else is using it)")
        for argv in steps:
            r = ref(*argv, uri=uri)
            assert r.rc == 0, (argv, r.stderr)
        for argv in (["snapshot-list", "test", "--tree"], ["snapshot-list", "test", "--topological", "--name"],
                     ["snapshot-list", "test", "--from", "s1", "--descendants", "--topological", "--name"],
                     ["snapshot-current", "test", "--name"]):
            want = recorded(S, argv)
            r = ref(*argv, uri=uri)
            assert (r.rc, r.stdout, r.stderr) == (want["rc"], want["stdout"], want["stderr"]), argv
    finally:
        for root in ref("snapshot-list", "test", "--roots", "--name", uri=uri).stdout.split():
            ref("snapshot-delete", "test", root, "--children", uri=uri)
        if "shut off" in ref("domstate", "test", uri=uri).stdout:
            ref("start", "test", uri=uri)
        keeper.terminate()
        keeper.wait(10)
