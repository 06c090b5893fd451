"""Held domain jobs from the shell: `fakevirt ctl job vm hold`, then `virsh save` waits while
`virsh domjobinfo` shows it and `virsh domjobabort` cancels it — twinned with libvirtd, whose save
of an idle 16 GiB guest is slow enough to watch and abort the same way."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.control.conftest import ENV, Served

XML = """<domain type='qemu'><name>{name}</name><memory unit='GiB'>{gib}</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices></devices></domain>"""
TWIN = "fakevirt-i15jobs-twin"


def labels(domjobinfo: str) -> list[str]:
    return [line.split(":", 1)[0] for line in domjobinfo.splitlines() if ":" in line]


class Shell:
    """virsh against one URI, and the background save this test watches."""

    def __init__(self, virsh_bin: str, uri: str) -> None:
        self.virsh_bin, self.uri = virsh_bin, uri

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.virsh_bin, "-c", self.uri, *args], capture_output=True, text=True,
                              timeout=60, env=ENV)

    def save(self, name: str, path: str) -> subprocess.Popen[str]:
        return subprocess.Popen([self.virsh_bin, "-c", self.uri, "save", name, path], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=ENV)

    def running_job(self, name: str) -> str:
        """domjobinfo once the save's job migrates (libvirtd's first milliseconds show no statistics;
        each try a round trip; bounded)."""
        for _ in range(100):
            out = self.run("domjobinfo", name).stdout
            if "Unbounded" in out and "Data total" in out:
                return out
        raise AssertionError(f"no running job on {name}")

    def save_and_abort(self, name: str, path: str) -> tuple[str, subprocess.CompletedProcess[str], str, str]:
        """(domjobinfo while it runs, the save's exit, domjobabort's output, domstate --reason after)."""
        saving = self.save(name, path)
        try:
            info = self.running_job(name)
            aborted = self.run("domjobabort", name)
            out, err = saving.communicate(timeout=60)
        finally:
            if saving.poll() is None:
                saving.kill()
                saving.wait()
        done = subprocess.CompletedProcess(saving.args, saving.returncode, out, err)
        return info, done, aborted.stdout + aborted.stderr, self.run("domstate", "--reason", name).stdout


@pytest.fixture
def twin(virsh_bin: str, reference_uri: str, tmp_path: Path) -> Iterator[Callable[[], Shell]]:
    shell = Shell(virsh_bin, reference_uri)

    def clean() -> None:
        shell.run("destroy", TWIN)
        shell.run("undefine", TWIN, "--managed-save")
        Path(f"/tmp/{TWIN}.save").unlink(missing_ok=True)
    clean()
    yield lambda: shell
    clean()


def start(shell: Shell, name: str, gib: int, tmp_path: Path) -> None:
    xml = tmp_path / f"{name}.xml"
    xml.write_text(XML.format(name=name, gib=gib))
    for args in (("define", str(xml)), ("start", name)):
        r = shell.run(*args)
        assert r.returncode == 0, r.stderr


def test_virsh_save_waits_shows_in_domjobinfo_and_is_aborted(served: Served, tmp_path: Path) -> None:
    shell = Shell(served.virsh_bin, served.uri)
    start(shell, "vm", 1, tmp_path)
    r = served.ctl("job", "vm", "hold", "0.25")
    assert r.returncode == 0, r.stderr
    info, saved, aborted, state = shell.save_and_abort("vm", "/var/lib/libvirt/images/vm.save")
    assert "Operation:        Save" in info and "Iteration:        1" in info
    assert (saved.returncode, saved.stderr) == (1, "error: Failed to save domain 'vm' to /var/lib/libvirt/images/"
                                                   "vm.save\nerror: operation aborted: job 'domain save' canceled "
                                                   "by client\n")
    assert aborted.strip() == "" and state.strip() == "running (save canceled)"
    assert shell.run("domjobinfo", "--completed", "vm").stdout.split() == ["Job", "type:", "None"]

    assert served.ctl("job", "vm", "hold").returncode == 0
    saving = shell.save("vm", "/var/lib/libvirt/images/vm.save")
    shell.running_job("vm")
    r = served.ctl("job", "vm", "finish")
    assert r.returncode == 0, r.stderr
    out, err = saving.communicate(timeout=30)
    assert (saving.returncode, out.strip(), err) == (0, "Domain 'vm' saved to /var/lib/libvirt/images/vm.save", "")
    assert shell.run("domstate", "--reason", "vm").stdout.strip() == "shut off (saved)"
    assert "Operation:        Save" in shell.run("domjobinfo", "--completed", "vm").stdout


@pytest.mark.real
def test_twin_save_abort_against_libvirtd(served: Served, twin: Callable[[], Shell], tmp_path: Path) -> None:
    """The same abort of a running save on both: libvirtd's is an idle 16 GiB guest (about 2 s)."""
    real = twin()
    start(real, TWIN, 16, tmp_path)
    fake = Shell(served.virsh_bin, served.uri)
    start(fake, TWIN, 16, tmp_path)
    assert served.ctl("job", TWIN, "hold", "0.1").returncode == 0
    path = f"/tmp/{TWIN}.save"
    theirs, ours = real.save_and_abort(TWIN, path), fake.save_and_abort(TWIN, path)
    # the running job's fields, in virsh's order; QEMU reports no bandwidth in its first milliseconds
    assert [x for x in labels(ours[0]) if x != "Memory bandwidth"] == \
        [x for x in labels(theirs[0]) if x != "Memory bandwidth"], (ours[0], theirs[0])
    assert (ours[1].returncode, ours[1].stderr) == (theirs[1].returncode, theirs[1].stderr)
    assert ours[2:] == theirs[2:]
