"""The snapshot API of one QEMU driver instance: what virDomainSnapshot* calls do to the model.

Rules, order of checks, codes and messages follow libvirt's qemu_snapshot.c (create and the
metadata calls as in 9.x; revert of external snapshots as in 9.7+, delete as in 9.0+), with
fakevirt's branching extension on top (see create_branch).  The tree itself is ``SnapshotTree``;
disk data lives in the hypervisor's ``ImageStore``; memory state is a ``SavedState``, kept on the
snapshot (internal) or as a save image file (external, like ``virsh save``).
"""

from __future__ import annotations

import posixpath
import uuid
from typing import TYPE_CHECKING

from ...errors import VirtError
from ...errors import snapshot as err
from ..blockjobs.events import emit_block_job
from ..devices import Disk
from ..domain import Domain, Paused, Running, SavedState, Shutoff, State
from ..domaindef import DomainDef
from ..events import DomainEvent, EventID, Lifecycle, LifecycleDetail
from ..flags.snapshot import CREATE_ALL, FILTERS_ALL
from ..flags.snapshot import DomainSnapshotCreateFlags as Create
from ..flags.snapshot import DomainSnapshotDeleteFlags as Delete
from ..flags.snapshot import DomainSnapshotListFlags as List
from ..flags.snapshot import DomainSnapshotRevertFlags as Revert
from ..images.owner import Owner
from . import branch, create, delete, redefine, revert
from .align import align_disks
from .common import (
    RESUMED_FROM_SNAPSHOT,
    RESUMED_UNPAUSED,
    STARTED_FROM_SNAPSHOT,
    STATE_NAMES,
    STOPPED_FROM_SNAPSHOT,
    SUSPENDED_FROM_SNAPSHOT,
    exclusive,
    required,
)
from .snapshotdef import SnapshotDef, complete_embedded_domains
from .tree import Snapshot, SnapshotTree

if TYPE_CHECKING:
    from ..hypervisor import QemuDriver
    from ..images import ImageStore



class DomainSnapshots:
    """virDomainSnapshot* for the domains of one driver instance."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver
        self.last_revert_stamp: dict[uuid.UUID, int] = {}  # per domain: the name of its last revert overlays

    @property
    def images(self) -> ImageStore:
        return self.driver.hypervisor.images

    def now(self) -> int:
        """The driver's clock in whole seconds (snapshot names, creation times, overlay names)."""
        return int(self.driver.hypervisor.clock.now())

    @staticmethod
    def owner(dom: Domain, snap_name: str) -> Owner:
        """The image-store user tag of a snapshot (it holds the images its point in time is in)."""
        return Owner.snapshot(str(dom.uuid), snap_name)

    # ---- listing and lookups (the tree does the work) ------------------------------------

    @staticmethod
    def check_list_flags(driver_fn: str, flags: int) -> None:
        err.check_flags(driver_fn, flags, List.ROOTS | List.TOPOLOGICAL | FILTERS_ALL)

    @staticmethod
    def parent(snap: Snapshot) -> Snapshot:
        if snap.parent is None:
            raise err.no_parent(snap.name)
        return snap.parent

    @staticmethod
    def current(dom: Domain) -> Snapshot:
        if dom.snapshots.current is None:
            raise err.no_current()
        return dom.snapshots.current

    # ---- create: checks before the XML is parsed ---------------------------------------------

    @staticmethod
    def check_create_flags(dom: Domain, flags: int) -> None:
        """What the client library and qemuSnapshotCreateXML check before parsing the XML."""
        fn = "virDomainSnapshotCreateXML"
        if not flags & Create.BRANCH:  # CURRENT is allowed with BRANCH as well
            required(flags, Create.REDEFINE, Create.CURRENT, fn, err.SNAP)
        exclusive(flags, Create.REDEFINE, Create.NO_METADATA, fn, err.SNAP)
        exclusive(flags, Create.REDEFINE, Create.HALT, fn, err.SNAP)
        err.check_flags("qemuSnapshotCreateXML", flags, CREATE_ALL)
        required(flags, Create.DISK_ONLY, Create.QUIESCE, "qemuSnapshotCreateXML")
        exclusive(flags, Create.LIVE, Create.REDEFINE, "qemuSnapshotCreateXML")
        for other in (Create.REDEFINE, Create.LIVE, Create.HALT, Create.QUIESCE):
            exclusive(flags, Create.BRANCH, other, "qemuSnapshotCreateXML")
        if not dom.persistent and flags & Create.HALT:
            raise err.halt_transient()

    @staticmethod
    def parse_offline(dom: Domain, flags: int) -> bool:
        """VIR_DOMAIN_SNAPSHOT_PARSE_OFFLINE: a disk-only snapshot or an inactive domain."""
        return bool(flags & Create.DISK_ONLY) or not dom.active

    def create(self, dom: Domain, sd: SnapshotDef, flags: int) -> str:
        """virDomainSnapshotCreateXML after parsing; returns the snapshot's name."""
        complete_embedded_domains(sd, self.driver.hypervisor.rng, self.driver.host)
        if flags & Create.BRANCH and sd.branch is None:
            raise err.branch_needs_element()
        if sd.branch is not None and not flags & Create.REDEFINE:
            return branch.create_branch(self, dom, sd, flags)
        if sd.name is None:
            sd.name = str(self.now())
        self.validate_def(dom, sd, flags)
        if flags & Create.REDEFINE:
            return redefine.redefine(self, dom, sd, flags)
        return create.create(self, dom, sd, flags)

    @staticmethod
    def validate_def(dom: Domain, sd: SnapshotDef, flags: int) -> None:
        """qemuSnapshotCreateXMLValidateDef."""
        name = sd.name
        assert name is not None
        if not flags & Create.NO_METADATA:
            if "/" in name:
                raise err.invalid_name(name, "name can't contain '/'")
            if name.startswith("."):
                raise err.invalid_name(name, "name can't start with '.'")
        if flags & Create.LIVE and (not dom.active or sd.memory != "external"):
            raise err.operation_unsupported("live snapshot creation is supported only during full system snapshots")
        redefine = bool(flags & Create.REDEFINE)
        state = sd.state if redefine else STATE_NAMES[dom.state]
        if state == "pmsuspended":
            raise err.operation_unsupported("qemu doesn't support taking snapshots of PMSUSPENDED guests")
        if state in ("nostate", "blocked", None) or (state == "disk-snapshot" and not redefine):
            raise err.invalid_domain_state(state)

    def check_name_free(self, dom: Domain, name: str) -> None:
        """virDomainMomentAssignDef's duplicate check."""
        if name in dom.snapshots:
            raise err.moment_exists(name)

    # ---- shared pieces of create, revert, branch and delete ----------------------------------

    def top_image(self, disk: Disk) -> str | None:
        """The disk's top image for qemu-img or savevm: its file, or an untranslated volume's (inactive domain)."""
        pool, vol = disk.source_pool, disk.source_volume
        if disk.image_path is None and pool is not None and vol is not None:
            return self.driver.hypervisor.storage.disk_volume(pool, vol).path
        return disk.image_path

    def image_format(self, path: str) -> str:
        return self.images.open(path).format if self.images.exists(path) else "raw"

    def check_new_file(self, disk_name: str, path: str, reuse: bool) -> None:
        """qemuSnapshotPrepareDiskExternal's checks of the overlay file."""
        exists = self.images.exists(path)
        if not exists and reuse:
            raise err.reuse_file_missing(disk_name, path)
        if exists and not reuse:
            raise err.overlay_exists(disk_name, path)

    def new_overlay(self, path: str, fmt: str, backing: str, reuse: bool) -> None:
        """qemu-img create -f FMT -o backing_fmt=…,backing_file=BACKING PATH (unless reused)."""
        if reuse:
            return
        self.images.create(path, fmt, backing=backing, backing_fmt=self.image_format(backing))

    def hold_state_images(self, dom: Domain, snap_name: str, sd: SnapshotDef) -> None:
        """A snapshot uses the images its external disks' point in time is in."""
        for path in self.state_images(sd):
            self.images.acquire(path, self.owner(dom, snap_name))

    def release_state_images(self, dom: Domain, snap_name: str, sd: SnapshotDef) -> None:
        for path in self.state_images(sd):
            self.images.release(path, self.owner(dom, snap_name))

    @staticmethod
    def state_images(sd: SnapshotDef) -> list[str]:
        """Sources in the snapshot's <domain> of the disks it took externally."""
        if sd.domain is None:
            return []
        out = []
        for sdisk in sd.disks:
            if sdisk.snapshot != "external":
                continue
            disk = sd.domain.find_disk(sdisk.name)
            if disk is not None and disk.image_path and disk.type in ("file", "block"):
                out.append(disk.image_path)
        return out

    def unused_by_others(self, path: str, owner: Owner | None = None, *,
                         exempt: Domain | None = None) -> bool:
        """Nothing but ``owner`` (and the domain ``exempt``, when given) needs the image at ``path``:
        no overlay, snapshot, running disk or domain definition."""
        if not self.images.exists(path):
            return False
        for user in self.images.users(path):
            if user != owner and not (exempt is not None and user.is_disk_of(str(exempt.uuid))):
                return False
        return not any(path in self.domain_sources(other) for other in self.driver.domains if other is not exempt)

    def domain_sources(self, dom: Domain) -> set[str]:
        out: set[str] = set()
        for d in (dom.config, dom.live):
            if d is not None:
                out.update(path for k in d.disks if k.type in ("file", "block") and (path := k.image_path))
        return out

    def unlink_if_unused(self, path: str | None, owner: Owner | None = None, *,
                         exempt: Domain | None = None) -> None:
        if path and self.unused_by_others(posixpath.normpath(path), owner, exempt=exempt):
            self.images.delete(path)

    def memory_users(self, path: str) -> int:
        """How many snapshots (of any domain of this driver) keep their memory state in ``path``."""
        return sum(1 for d in self.driver.domains for s in d.snapshots
                   if s.definition.memory == "external" and s.definition.memory_file == path)

    def save_memory(self, dom: Domain, path: str, running: bool) -> None:
        """Write the guest's state to ``path`` in save-image form (it can be ``virsh restore``d)."""
        assert dom.live is not None
        self.driver.domains.saved_images[path] = SavedState(dom.live.copy(), running,
                                                            self.driver.domains.cpu_time(dom))

    def memory_state(self, snap: Snapshot) -> SavedState | None:
        sd = snap.definition
        if sd.memory == "external" and sd.memory_file:
            return self.driver.domains.saved_images.get(sd.memory_file)
        return snap.memory

    def emit(self, dom: Domain, event: Lifecycle, detail: LifecycleDetail) -> None:
        self.driver.domains.emit(dom, event, detail)

    def stop_for_snapshot(self, dom: Domain) -> None:
        """qemuProcessStop(FROM_SNAPSHOT) + STOPPED/FROM_SNAPSHOT; the domain object stays."""
        if not dom.active:
            return
        persistent = dom.persistent
        if not persistent:  # a transient domain is kept while it is reverted
            dom.config = dom.live.copy() if dom.live is not None else None
        self.driver.domains.stop(dom, Shutoff.FROM_SNAPSHOT, STOPPED_FROM_SNAPSHOT)
        if not persistent:
            dom.config = None

    def boot_from_snapshot(self, dom: Domain, live: DomainDef, paused: bool, memory: SavedState | None,
                           fresh: bool = False) -> None:
        """qemuProcessStart for a revert, with the events and reasons libvirtd 9.0 shows.

        With the snapshot's memory QEMU starts paused and is resumed: STARTED then RESUMED or
        SUSPENDED, all FROM_SNAPSHOT.  A ``fresh`` boot (an inactive snapshot with RUNNING or
        PAUSED) is an ordinary start: QEMU's RESUMED (unpaused) even precedes STARTED, and the
        reasons are "booted" / "user".
        """
        domains = self.driver.domains
        try:
            self.driver.check_disks(live)
            dom.live = live
            if fresh and not paused:
                domains.boot(dom, paused=False, reason=Running.BOOTED, detail=STARTED_FROM_SNAPSHOT,
                             before_started=lambda: self.emit(dom, Lifecycle.RESUMED, RESUMED_UNPAUSED))
                return
            domains.boot(dom, paused=False, reason=Running.FROM_SNAPSHOT, detail=STARTED_FROM_SNAPSHOT)
        except VirtError:
            if dom.config is None and not dom.active:  # a transient domain that cannot start again is gone
                dom.live = live
                domains.forget(dom, live.uuid, live.name)
                dom.live = None
            raise
        if memory is not None:
            dom.cpu_time_ns = memory.cpu_time_ns
            dom.channel_event_pending = True  # the loaded state's agent channel reports once running
        if paused:
            dom.cpu_time_ns = domains.cpu_time(dom)
            dom.set_state(State.PAUSED, Paused.USER if fresh else Paused.FROM_SNAPSHOT)
            self.emit(dom, Lifecycle.SUSPENDED, SUSPENDED_FROM_SNAPSHOT)
        else:
            self.emit(dom, Lifecycle.RESUMED, RESUMED_FROM_SNAPSHOT)

    def emit_save_progress(self, dom: Domain, iterations: tuple[int, ...] = (1, 2)) -> None:
        """What saving the guest's RAM shows: QEMU's two migration iterations (a held job: the
        first when it starts, the second when it finishes)."""
        for iteration in iterations:
            self.driver.hypervisor.bus.publish(DomainEvent(self.driver.uri, EventID.MIGRATION_ITERATION,
                                                           dom.ref(), {"iteration": iteration}))

    def emit_block_job(self, dom: Domain, path: str, dst: str, job: int, status: int) -> None:
        """A block job event in both forms: BLOCK_JOB names the image, BLOCK_JOB_2 the target."""
        emit_block_job(self.driver.hypervisor.bus, self.driver.uri, dom, path, dst, job, status)

    def make_current(self, dom: Domain, snap: Snapshot | None) -> None:
        """qemuSnapshotSetCurrent: the old current forgets the overlays a revert gave it."""
        old = dom.snapshots.current
        if old is not None and old is not snap:
            old.definition.revert_disks = []
        dom.snapshots.current = snap

    def align(self, sd: SnapshotDef, d: DomainDef, location: str, force: bool = False,
              redefine: bool = False) -> None:
        """virDomainSnapshotAlignDisks; default overlay names need the disk's file to exist."""
        images = self.images
        align_disks(sd, d, location, uniform_internal=True, force_default=force,
                    default_driver=None if redefine else "qcow2",
                    is_regular_file=lambda path: posixpath.isabs(path) and images.exists(path))

    # ---- revert and delete -----------------------------------------------------------------

    @staticmethod
    def check_revert_client_flags(flags: int) -> None:
        """virDomainRevertToSnapshot's own check, made in the client library before any RPC."""
        exclusive(flags, Revert.RUNNING, Revert.PAUSED, "virDomainRevertToSnapshot", err.SNAP)

    @staticmethod
    def check_delete_client_flags(flags: int) -> None:
        """virDomainSnapshotDelete's own check, made in the client library before any RPC."""
        exclusive(flags, Delete.CHILDREN, Delete.CHILDREN_ONLY, "virDomainSnapshotDelete", err.SNAP)

    def revert(self, dom: Domain, snap: Snapshot, flags: int) -> None:
        revert.revert(self, dom, snap, flags)

    def delete(self, dom: Domain, snap: Snapshot, flags: int) -> None:
        delete.delete(self, dom, snap, flags)

    def forget_all(self, dom: Domain) -> None:
        """Drop every snapshot's metadata (undefine --snapshots-metadata); no file is touched."""
        tree: SnapshotTree = dom.snapshots
        for snap in tree:
            self.release_state_images(dom, snap.name, snap.definition)
        tree.clear()
