"""One loader for libvirt's files: ``preload DIR`` (strict) and ``--state DIR`` (lenient) share it."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakevirt.etclibvirt import EtcLoadError, preload_path
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.statedir import autostart, load_etc_libvirt

DOMAIN = ("<domain type='kvm'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os>"
          "<devices>{nic}</devices></domain>")
UUID = "1d9f4c7e-2f47-4d7e-9a8d-3c1b5e6f7a80"


def etc_tree(etc: Path) -> None:
    (etc / "qemu" / "autostart").mkdir(parents=True)
    (etc / "qemu" / "networks" / "autostart").mkdir(parents=True)
    (etc / "storage").mkdir()
    (etc / "secrets").mkdir()
    (etc / "qemu" / "web.xml").write_text(DOMAIN.format(name="web", nic="<interface type='network'>"
                                                                         "<source network='lan'/></interface>"))
    (etc / "qemu" / "autostart" / "web.xml").symlink_to(etc / "qemu" / "web.xml")
    (etc / "qemu" / "spare.xml").write_text(DOMAIN.format(name="spare", nic=""))
    (etc / "qemu" / "networks" / "lan.xml").write_text(
        "<network><name>lan</name><bridge name='br-lan'/><ip address='10.9.0.1' netmask='255.255.255.0'/></network>")
    (etc / "qemu" / "networks" / "autostart" / "lan.xml").write_text("a copy counts as a link")
    (etc / "storage" / "images.xml").write_text(
        "<pool type='dir'><name>images</name><target><path>/srv/images</path></target></pool>")
    (etc / "secrets" / f"{UUID}.xml").write_text(f"<secret ephemeral='no' private='yes'><uuid>{UUID}</uuid>"
                                                 "<usage type='ceph'><name>client.admin</name></usage></secret>")
    (etc / "secrets" / f"{UUID}.base64").write_text("c2VjcmV0\n")


def test_preload_defines_and_autostarts(tmp_path: Path) -> None:
    etc_tree(tmp_path)
    hv = Hypervisor(seed=1)
    assert preload_path(hv, str(tmp_path)) == []
    web, spare = hv.system.domains.by_name("web"), hv.system.domains.by_name("spare")
    assert (web.active, web.autostart, spare.active, spare.autostart) == (True, True, False, False)
    (lan,) = [n for n in hv.networks if n.name == "lan"]
    assert lan.active and lan.autostart
    assert not hv.storage.by_name("images").active and "/srv/images" in hv.storage.dirs
    (secret,) = hv.secrets.list_all(0)
    assert str(secret.uuid) == UUID and secret.value == b"secret"


def test_strict_load_stops_at_a_refused_file(tmp_path: Path) -> None:
    etc_tree(tmp_path)
    (tmp_path / "qemu" / "bad.xml").write_text("<domain>")
    with pytest.raises(EtcLoadError) as e:
        preload_path(Hypervisor(seed=1), str(tmp_path))
    assert str(e.value).startswith(f"{tmp_path}/qemu/bad.xml: ")


def test_lenient_load_leaves_a_refused_file_out(tmp_path: Path) -> None:
    etc_tree(tmp_path)
    (tmp_path / "qemu" / "bad.xml").write_text("<domain>")
    hv = Hypervisor(seed=1)
    loaded = load_etc_libvirt(hv, tmp_path)
    assert [p.split(":")[0] for p in loaded.problems] == ["domain bad"]
    assert autostart(hv, loaded) == []
    assert sorted(d.name for d in hv.system.domains) == ["spare", "web"]


def test_autostart_starts_only_what_the_load_defined(tmp_path: Path) -> None:
    hv = Hypervisor(seed=1)
    etc_tree(tmp_path)
    (tmp_path / "qemu" / "autostart" / "web.xml").unlink()
    load = load_etc_libvirt(hv, tmp_path)
    autostart(hv, load)
    hv.system.domains.set_autostart(hv.system.domains.by_name("spare"), True)  # defined before the next load
    second = tmp_path / "second"
    (second / "qemu").mkdir(parents=True)
    (second / "qemu" / "other.xml").write_text(DOMAIN.format(name="other", nic=""))
    autostart(hv, load_etc_libvirt(hv, second))
    assert not hv.system.domains.by_name("spare").active
