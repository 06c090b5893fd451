"""The emulated host's directories are Debian's libvirt-daemon-system layout: pools on them start."""

from __future__ import annotations

import re

import pytest

from fakevirt.model.hostpaths import HOST_DIRS

from .conftest import err, ok

QEMU_UID = 64055  # Debian's libvirt-qemu


def _perms(xml: str) -> tuple[str, str, str]:
    m = re.search(r"<permissions>\s*<mode>(\d+)</mode>\s*<owner>(\d+)</owner>\s*<group>(\d+)</group>", xml)
    assert m, xml
    return m.group(1), m.group(2), m.group(3)


@pytest.mark.parametrize("path,perms", [
    ("/var/lib/libvirt/images", ("0711", "0", "0")),
    ("/var/lib/libvirt/boot", ("0711", "0", "0")),  # virt-install --cloud-init's boot-scratch pool
    ("/var/lib/libvirt/qemu", ("0750", str(QEMU_UID), str(QEMU_UID))),
    ("/var/lib/libvirt/qemu/nvram", ("0755", str(QEMU_UID), str(QEMU_UID))),
    ("/var/lib/libvirt/dnsmasq", ("0755", "0", "0")),
    ("/etc/libvirt/qemu", ("0755", "0", "0")),
    ("/etc/libvirt/secrets", ("0700", "0", "0")),
    ("/var/cache/libvirt/qemu", ("0711", "0", "0")),
    ("/run/libvirt", ("0755", "0", "0")),
])
def test_a_pool_on_a_debian_directory_starts(virsh, path: str, perms: tuple[str, str, str]) -> None:
    ok(virsh("pool-define-as", "p", "dir", "--target", path))
    ok(virsh("pool-start", "p"))
    assert _perms(ok(virsh("pool-dumpxml", "p"))) == perms
    ok(virsh("pool-destroy", "p"))
    ok(virsh("pool-undefine", "p"))


def test_other_directories_still_do_not_exist(virsh) -> None:
    ok(virsh("pool-define-as", "p", "dir", "--target", "/var/lib/libvirt/nosuch"))
    assert err(virsh("pool-start", "p")) == (
        "error: Failed to start pool p\n"
        "error: cannot open directory '/var/lib/libvirt/nosuch': No such file or directory")


def test_every_parent_is_there() -> None:
    paths = {d.path for d in HOST_DIRS}
    for p in paths - {"/"}:
        assert (p.rsplit("/", 1)[0] or "/") in paths, p
