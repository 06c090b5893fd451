"""Writer and loader round trips: a host written to a state directory and loaded into a new one."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakevirt.model.domain import Running, State
from fakevirt.model.hypervisor import Hypervisor
from fakevirt.statedir import StateWriter, apply, load_state
from fakevirt.statedir.api import LocalApi, domain_handle
from fakevirt.statedir.files import Remove, Write, WriteImage

from .helpers import build_host, restore, save

IMAGES = "/var/lib/libvirt/images"


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Hypervisor, Path]:
    hv = Hypervisor(seed=7)
    build_host(hv)
    save(hv, tmp_path)
    return hv, tmp_path


def xml(hv: Hypervisor, name: str, flags: int) -> str:
    dom = hv.system.domains.by_name(name)
    return str(LocalApi(hv)("DOMAIN_GET_XML_DESC", dom=domain_handle(dom), flags=flags).xml)


def test_domains_come_back_with_state_ids_and_live_xml(saved: tuple[Hypervisor, Path]) -> None:
    hv, root = saved
    back = restore(root)
    for name in ("vm1", "vm2"):
        a, b = hv.system.domains.by_name(name), back.system.domains.by_name(name)
        assert (b.id, b.state, b.reason, b.autostart) == (a.id, a.state, a.reason, a.autostart)
        assert xml(back, name, 0) == xml(hv, name, 0)  # the live XML of a running one: aliases, ptys, ports
        assert xml(back, name, 2) == xml(hv, name, 2)
    vm1 = back.system.domains.by_name("vm1")
    assert (vm1.id, vm1.state, vm1.reason) == (1, State.RUNNING, Running.BOOTED)
    assert back.system.domains.next_id == hv.system.domains.next_id == 2


def test_snapshots_keep_their_tree_and_current(saved: tuple[Hypervisor, Path]) -> None:
    hv, root = saved
    back = restore(root)
    for name in ("vm1", "vm2"):
        a, b = hv.system.domains.by_name(name).snapshots, back.system.domains.by_name(name).snapshots
        assert [(s.name, s.parent and s.parent.name) for s in b] == [(s.name, s.parent and s.parent.name) for s in a]
        assert b.current is not None and a.current is not None and b.current.name == a.current.name == "s2"


def test_images_pools_networks_secrets_filters_come_back(saved: tuple[Hypervisor, Path]) -> None:
    hv, root = saved
    back = restore(root)
    assert back.images.read(f"{IMAGES}/data.raw", 4096, 13) == b"raw data here"
    assert back.images.read(f"{IMAGES}/vm1.qcow2", 3 * 65536, 15) == b"qcow2 data here"
    assert [s.name for s in back.images.open(f"{IMAGES}/vm1.qcow2").snapshots] == ["s1", "s2"]
    pool = back.storage.by_name("p")
    assert pool.active and sorted(pool.volumes) == ["data.raw", "vm1.qcow2", "vm2.qcow2"]
    net = next(n for n in back.networks if n.name == "net1")
    assert net.active and net.autostart
    (secret,) = back.secrets.list_all(0)
    assert secret.value == b"s3cret" and secret.config.private
    assert [f.name for f in back.nwfilters.list_all(0)] == ["f1"]


def test_the_id_generator_continues_where_it_was(saved: tuple[Hypervisor, Path]) -> None:
    hv, root = saved
    back = restore(root, seed=7)
    assert [back.rng.uuid() for _ in range(3)] == [hv.rng.uuid() for _ in range(3)]


def test_a_loaded_directory_needs_no_rewrite(saved: tuple[Hypervisor, Path]) -> None:
    _, root = saved
    back = Hypervisor(seed=7)
    loaded = load_state(back, root)
    assert loaded.problems == []
    plan = StateWriter(back, root, loaded).collect()
    assert [op.path for op in plan if not (isinstance(op, Write) and op.path == "fakevirt.json")] == []


def test_files_are_where_libvirt_keeps_them(saved: tuple[Hypervisor, Path]) -> None:
    _, root = saved
    assert (root / "etc/libvirt/qemu/vm1.xml").read_text().startswith(
        "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n")
    assert "  virsh edit vm1\n" in (root / "etc/libvirt/qemu/vm1.xml").read_text()
    assert (root / "etc/libvirt/qemu/autostart/vm1.xml").resolve() == (root / "etc/libvirt/qemu/vm1.xml")
    assert not (root / "etc/libvirt/qemu/autostart/vm2.xml").exists()
    status = (root / "run/libvirt/qemu/vm1.xml").read_text()
    assert "<domstatus state='running' reason='booted' pid='1001'>\n  <domain type='kvm' id='1'>" in status
    assert not (root / "run/libvirt/qemu/vm2.xml").exists()
    snap = (root / "var/lib/libvirt/qemu/snapshot/vm1/s2.xml").read_text()
    assert "  virsh snapshot-edit\n" in snap and "<domainsnapshot>" in snap and "  <active>1</active>\n" in snap
    assert "<active>" not in (root / "var/lib/libvirt/qemu/snapshot/vm1/s1.xml").read_text()
    assert (root / "etc/libvirt/storage/p.xml").exists() and (root / "run/libvirt/storage/p.xml").exists()
    assert "<poolstate>" in (root / "run/libvirt/storage/p.xml").read_text()
    assert (root / "etc/libvirt/qemu/networks/autostart/net1.xml").exists()
    assert "<networkstatus>" in (root / "run/libvirt/network/net1.xml").read_text()
    (secret,) = (root / "etc/libvirt/secrets").glob("*.xml")
    assert secret.read_text().startswith("<secret ephemeral='no' private='yes'>")  # no header, as libvirt
    assert secret.with_suffix(".base64").read_text() == "czNjcmV0"
    assert (root / "images/var/lib/libvirt/images/vm1.qcow2").read_bytes()[:4] == b"QFI\xfb"
    raw = root / "images/var/lib/libvirt/images/data.raw"
    assert raw.stat().st_size == 1048576 and raw.stat().st_blocks * 512 < 65536  # sparse


def test_only_what_a_call_changed_is_written(saved: tuple[Hypervisor, Path]) -> None:
    hv, root = saved
    writer = save(hv, root)
    api = LocalApi(hv)
    vm2 = hv.system.domains.by_name("vm2")
    api("DOMAIN_SET_AUTOSTART", dom=domain_handle(vm2), autostart=1)
    plan = writer.after_call(api.client, _proc("DOMAIN_SET_AUTOSTART"))
    assert [op.path for op in plan] == []  # the args were not passed: nothing was named
    plan = writer.after_call(api.client, _proc("DOMAIN_SET_AUTOSTART"), _args(vm2))
    assert [op.path for op in plan] == ["etc/libvirt/qemu/autostart/vm2.xml"]
    apply(root, plan)
    assert (root / "etc/libvirt/qemu/autostart/vm2.xml").is_symlink()


def test_read_only_calls_write_nothing(saved: tuple[Hypervisor, Path]) -> None:
    hv, root = saved
    writer = save(hv, root)
    hv.images.write(f"{IMAGES}/data.raw", 0, b"x")  # a change the next mutating call will carry
    client = LocalApi(hv).client
    assert not writer.after_call(client, _proc("DOMAIN_GET_XML_DESC"), _args(hv.system.domains.by_name("vm1")))
    plan = writer.after_call(client, _proc("DOMAIN_SUSPEND"), _args(hv.system.domains.by_name("vm1")))
    assert [op.path for op in plan if isinstance(op, WriteImage)] == ["images/var/lib/libvirt/images/data.raw"]


def test_an_undefined_domain_loses_its_files(saved: tuple[Hypervisor, Path]) -> None:
    hv, root = saved
    writer = save(hv, root)
    api = LocalApi(hv)
    vm2 = hv.system.domains.by_name("vm2")
    args = _args(vm2)
    api("DOMAIN_UNDEFINE_FLAGS", dom=domain_handle(vm2), flags=2)  # and its snapshots' metadata
    plan = writer.after_call(api.client, _proc("DOMAIN_UNDEFINE_FLAGS"), args)
    assert sorted(op.path for op in plan if isinstance(op, Remove)) == [
        "etc/libvirt/qemu/vm2.xml", "var/lib/libvirt/qemu/snapshot/vm2/s1.xml",
        "var/lib/libvirt/qemu/snapshot/vm2/s2.xml"]
    apply(root, plan)
    back = restore(root)
    assert [d.name for d in back.system.domains] == ["vm1"]


def _proc(name: str) -> object:
    from protocol import PROCEDURES, Proc, Program

    return PROCEDURES[(Program.REMOTE, Proc[name])]


def _args(dom: object) -> object:
    from protocol.remote.domain import DomainSuspendArgs

    return DomainSuspendArgs(dom=domain_handle(dom))  # type: ignore[arg-type]


def test_a_managed_save_survives(tmp_path: Path) -> None:
    hv = Hypervisor(seed=7)
    build_host(hv)
    api = LocalApi(hv)
    vm2 = domain_handle(hv.system.domains.by_name("vm2"))
    api("DOMAIN_CREATE", dom=vm2)
    api("DOMAIN_MANAGED_SAVE", dom=vm2, flags=0)
    save(hv, tmp_path)
    assert (tmp_path / "var/lib/libvirt/qemu/save/vm2.save").exists()
    back = restore(tmp_path)
    dom = back.system.domains.by_name("vm2")
    assert dom.managed_save is not None and dom.managed_save.running and not dom.active
    LocalApi(back)("DOMAIN_CREATE", dom=domain_handle(dom))
    assert (dom.state, dom.reason) == (State.RUNNING, Running.RESTORED)


def test_a_reset_host_empties_the_directory(saved: tuple[Hypervisor, Path]) -> None:
    hv, root = saved
    writer = save(hv, root)
    hv.reset()
    apply(root, writer.collect())
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*.xml")) == []
    assert not (root / "images/var/lib/libvirt/images/vm1.qcow2").exists()
    assert [d.name for d in restore(root).system.domains] == []


def test_checkpoints_and_their_bitmaps_survive(tmp_path: Path) -> None:
    hv = Hypervisor(seed=7)
    build_host(hv)
    api = LocalApi(hv)
    vm1 = domain_handle(hv.system.domains.by_name("vm1"))
    for name in ("c1", "c2"):
        api("DOMAIN_CHECKPOINT_CREATE_XML", dom=vm1, xml_desc=f"<domaincheckpoint><name>{name}</name>"
            "</domaincheckpoint>", flags=0)
        hv.system.domains.guest_write(hv.system.domains.by_name("vm1"), "vda", 0, b"guest")
    save(hv, tmp_path)
    assert "  virsh checkpoint-edit\n" in (tmp_path / "var/lib/libvirt/qemu/checkpoint/vm1/c2.xml").read_text()
    back = restore(tmp_path)
    a, b = hv.system.domains.by_name("vm1").checkpoints, back.system.domains.by_name("vm1").checkpoints
    assert [(c.name, c.parent and c.parent.name) for c in b] == [(c.name, c.parent and c.parent.name) for c in a]
    bitmaps = back.images.bitmaps(f"{IMAGES}/vm1.qcow2")
    assert [(m.name, m.enabled, m.runs) for m in bitmaps] == [
        (m.name, m.enabled, m.runs) for m in hv.images.bitmaps(f"{IMAGES}/vm1.qcow2")]
    assert [m.name for m in bitmaps] == ["c1", "c2"] and bitmaps[1].runs == [(0, 65536)]


def test_qemu_session_has_its_own_tree(tmp_path: Path) -> None:
    hv = Hypervisor(seed=7)
    LocalApi(hv, hv.session)("DOMAIN_DEFINE_XML_FLAGS", xml="<domain type='kvm'><name>mine</name>"
                             "<memory>65536</memory><os><type>hvm</type></os></domain>", flags=0)
    save(hv, tmp_path)
    assert (tmp_path / "session/etc/libvirt/qemu/mine.xml").exists()
    assert not (tmp_path / "etc/libvirt/qemu/mine.xml").exists()
    back = restore(tmp_path)
    assert [d.name for d in back.session.domains] == ["mine"] and len(back.system.domains) == 0


def test_a_snapshot_whose_parent_is_gone_loads_as_a_root(saved: tuple[Hypervisor, Path]) -> None:
    """A kill amid an undefine can leave some of a domain's snapshot files: libvirt loads an
    orphan as a root (virDomainMomentObjListUpdateRelations), so does the loader."""
    _, root = saved
    (root / "var/lib/libvirt/qemu/snapshot/vm2/s1.xml").unlink()
    back = Hypervisor(seed=7)
    loaded = load_state(back, root)
    assert loaded.problems == ["snapshot vm2/s2: its parent s1 is missing; loaded as a root"]
    snaps = back.system.domains.by_name("vm2").snapshots
    assert [(s.name, s.parent) for s in snaps] == [("s2", None)] and snaps.current is not None


@pytest.mark.parametrize("enabled", [True, False])
def test_a_load_runs_no_collection_and_keeps_the_collector_setting(
        saved: tuple[Hypervisor, Path], enabled: bool) -> None:
    """load_state builds objects that all stay: no cyclic collection walks them meanwhile (a sixth of
    a 1,000-domain restart), and the collector is as the caller had it afterwards."""
    import gc

    _, root = saved
    collections: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    hv = Hypervisor(seed=7)
    was, threshold = gc.isenabled(), gc.get_threshold()
    (gc.enable if enabled else gc.disable)()
    gc.set_threshold(1)  # a collection at every allocation, were the collector on
    gc.callbacks.append(count)
    try:
        back = load_state(hv, root)
        on_after = gc.isenabled()
    finally:
        gc.callbacks.remove(count)
        gc.set_threshold(*threshold)
        (gc.enable if was else gc.disable)()
    assert on_after is enabled
    assert len(collections) < 10  # entering and leaving the load; during it, one per allocation
    assert back.problems == []
