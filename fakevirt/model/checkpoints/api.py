"""The checkpoint API of one QEMU driver instance: what virDomainCheckpoint* calls do to the model.

Rules, order of checks, codes and texts follow libvirt 9.0's qemu_checkpoint.c and
checkpoint_conf.c (checked against a real libvirtd).  A checkpoint is metadata in the domain's
``CheckpointTree`` plus, for each disk with checkpoint='bitmap', a persistent dirty bitmap of the
same name in the disk's top qcow2 image; every checkpoint's bitmap keeps recording, so "what
changed since checkpoint X" is bitmap X (merged down the backing chain), and deleting a checkpoint
just removes its bitmaps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ...errors import VirtError, check_flags
from ...errors import checkpoint as err
from ...errors.snapshot import moment_exists, own_parent, parent_cycle, parent_not_found
from ..domain import Domain
from ..domaindef import normalize
from ..flags.checkpoint import CREATE_ACCEPTED, DELETE_ALL, LIST_ALL, XML_ALL
from ..flags.checkpoint import DomainCheckpointCreateFlags as Create
from ..flags.checkpoint import DomainCheckpointDeleteFlags as Delete
from ..flags.checkpoint import DomainCheckpointXMLFlags as XMLFlags
from ..images import bitmaps
from ..images.image import Image
from ..snapshots.create import stored_copy
from .checkpointdef import CheckpointDef, align_disks, assign_bitmap_names
from .tree import Checkpoint

if TYPE_CHECKING:
    from ..hypervisor import QemuDriver
    from ..images import ImageStore

_API = "virDomainCheckpoint"


def _flag_name(flag: Create | Delete) -> str:
    kind = "CREATE" if isinstance(flag, Create) else "DELETE"
    return f"VIR_DOMAIN_CHECKPOINT_{kind}_{flag.name}"


class DomainCheckpoints:
    """virDomainCheckpoint* for the domains of one driver instance."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver

    @property
    def images(self) -> ImageStore:
        return self.driver.hypervisor.images

    def now(self) -> int:
        return int(self.driver.hypervisor.clock.now())

    # ---- create ------------------------------------------------------------------------------

    @staticmethod
    def check_create(dom: Domain, flags: int) -> bool:
        """The client library's and qemuCheckpointCreateXML's checks before the XML is parsed;
        returns whether this is a redefinition."""
        if flags & Create.REDEFINE_VALIDATE and not flags & Create.REDEFINE:
            raise VirtError.required_flag(_flag_name(Create.REDEFINE), _flag_name(Create.REDEFINE_VALIDATE),
                                          f"{_API}CreateXML", err.CHECKPOINT)
        check_flags("qemuCheckpointCreateXML", flags, CREATE_ACCEPTED)
        redefine = bool(flags & Create.REDEFINE)
        if not redefine and not dom.active:
            raise err.inactive_create()
        return redefine

    def create(self, dom: Domain, cd: CheckpointDef, flags: int) -> Checkpoint:
        """virDomainCheckpointCreateXML once the XML is parsed."""
        if flags & Create.REDEFINE:
            return self._redefine(dom, cd, bool(flags & Create.REDEFINE_VALIDATE))
        live = dom.live
        assert live is not None
        now = self.now()
        cd.name = cd.name if cd.name is not None else str(now)
        cd.creation_time = now
        cd.domain = stored_copy(live)
        align_disks(cd)
        for cdisk, disk in zip(cd.disks, live.disks, strict=True):
            if cdisk.type != "bitmap":
                continue
            if cdisk.bitmap != cd.name:
                raise err.bitmap_name_mismatch(cdisk.name, cd.name)
            if disk.driver_type != "qcow2":
                raise err.disk_format_unsupported(cdisk.name, disk.driver_type or "none")
        tree = dom.checkpoints
        if tree.current is not None:
            cd.parent = tree.current.name
        if cd.name in tree:
            raise moment_exists(cd.name)
        self._add_bitmaps(dom, cd)
        chk = tree.add(cd)
        tree.current = chk
        return chk

    def _top_image(self, dom: Domain, target: str) -> tuple[Image, str] | None:
        """The disk's top image and its format node's name."""
        live = dom.live
        disk = live.find_disk(target) if live is not None else None
        if disk is None or disk.local_file is None:
            return None
        return self.images.open(disk.local_file), f"libvirt-{disk.source_attrs.get('index', '1')}-format"

    def _add_bitmaps(self, dom: Domain, cd: CheckpointDef) -> None:
        """The QMP transaction of block-dirty-bitmap-add (persistent): all bitmaps or none."""
        tops = [(*top, d.bitmap) for d in cd.bitmap_disks()
                if (top := self._top_image(dom, d.name)) is not None and d.bitmap is not None]
        for img, node, name in tops:
            if name in img.bitmaps:
                raise err.qemu_command_failed("transaction", f"Bitmap already exists: {name}")
            if img.compat_v2:
                raise err.qemu_command_failed("transaction", f"Can't make bitmap '{name}' persistent in '{node}': "
                                              "Cannot store dirty bitmaps in qcow2 v2 files")
        for img, _node, name in tops:
            self.images.bitmap_add(img.path, name)

    def _redefine(self, dom: Domain, cd: CheckpointDef, validate: bool) -> Checkpoint:
        """qemuCheckpointRedefine: virDomainCheckpointRedefinePrep, then Commit."""
        tree = dom.checkpoints
        assert cd.name is not None
        self._check_cycles(dom, cd)
        if cd.domain is not None:
            hv = self.driver.hypervisor
            cd.domain = normalize(cd.domain, hv.rng, self.driver.host, validate=False)
            if cd.domain.uuid != dom.uuid:
                raise err.redefine_wrong_uuid(cd.name, str(dom.uuid))
            align_disks(cd)
        else:
            assign_bitmap_names(cd)
        parent = tree.find(cd.parent)
        update_current = (parent is not None and parent is tree.current) or tree.current is None
        if validate:
            self._validate_bitmaps(dom, cd)
        chk = tree.find(cd.name)
        if chk is not None:
            tree.unlink(chk)
            chk.definition = cd
            tree.link(chk)
        else:
            chk = tree.add(cd)
        if update_current:
            tree.current = chk
        return chk

    @staticmethod
    def _check_cycles(dom: Domain, cd: CheckpointDef) -> None:
        """virDomainMomentCheckCycles."""
        assert cd.name is not None
        if cd.parent is None:
            return
        if cd.parent == cd.name:
            raise own_parent(cd.name)
        node = dom.checkpoints.find(cd.parent)
        if node is None:
            raise parent_not_found(cd.parent, cd.name)
        while node is not None:
            if node.name == cd.name:
                raise parent_cycle(cd.parent, cd.name)
            node = node.parent

    def _chain(self, dom: Domain, target: str) -> list[Image] | None:
        live = dom.live
        disk = live.find_disk(target) if live is not None else None
        if disk is None or disk.local_file is None:
            return None
        return self.images.chain(disk.local_file)

    def _validate_bitmaps(self, dom: Domain, cd: CheckpointDef) -> None:
        """qemuCheckpointRedefineValidateBitmaps."""
        self.driver.domains.require_active(dom)
        for cdisk in cd.bitmap_disks():
            chain = self._chain(dom, cdisk.name)
            if chain is None:
                continue  # a disk detached since is tolerated
            if not bitmaps.chain_is_valid(chain, cd.name or ""):
                raise err.bitmap_inconsistent(cd.name or "", cdisk.name)

    # ---- XML, lookups, lists -------------------------------------------------------------------

    def xml_definition(self, dom: Domain, name: str, flags: int) -> CheckpointDef:
        """What virDomainCheckpointGetXMLDesc formats: with SIZE, each bitmap's dirty bytes now."""
        check_flags("qemuCheckpointGetXMLDesc", flags, XML_ALL)
        cd = dom.checkpoints.get(name).definition
        if not flags & XMLFlags.SIZE:
            return cd
        self.driver.domains.require_active(dom)
        out = replace(cd, disks=[replace(d, size=None) for d in cd.disks])
        for cdisk in out.bitmap_disks():
            chain = self._chain(dom, cdisk.name)
            if chain is not None and bitmaps.chain_is_valid(chain, cd.name or ""):
                cdisk.size = bitmaps.merged_dirty_bytes(chain, cd.name or "")
        return out

    @staticmethod
    def parent(chk: Checkpoint) -> Checkpoint:
        if chk.parent is None:
            raise err.no_parent(chk.name)
        return chk.parent

    @staticmethod
    def list(dom: Domain, start: str | None, flags: int, driver_fn: str) -> list[Checkpoint]:
        """ListAll (``start`` None) or ListAllChildren of checkpoint ``start``."""
        check_flags(driver_fn, flags, LIST_ALL)
        tree = dom.checkpoints
        return tree.select(None if start is None else tree.get(start), flags)

    # ---- delete --------------------------------------------------------------------------------

    def delete(self, dom: Domain, name: str, flags: int) -> None:
        """virDomainCheckpointDelete."""
        self.check_delete(dom, flags)
        self.delete_checkpoint(dom, dom.checkpoints.get(name), flags)

    @staticmethod
    def check_delete(dom: Domain, flags: int) -> bool:
        """The client library's and qemuCheckpointDelete's checks before the lookup; returns
        whether only metadata goes."""
        if flags & Delete.CHILDREN and flags & Delete.CHILDREN_ONLY:
            raise VirtError.exclusive_flags(_flag_name(Delete.CHILDREN), _flag_name(Delete.CHILDREN_ONLY),
                                            f"{_API}Delete", err.CHECKPOINT)
        check_flags("qemuCheckpointDelete", flags, DELETE_ALL)
        metadata_only = bool(flags & Delete.METADATA_ONLY)
        if not metadata_only and not dom.active:
            raise err.inactive_delete()
        return metadata_only

    def delete_checkpoint(self, dom: Domain, chk: Checkpoint, flags: int) -> None:
        """qemuCheckpointDelete after the lookup."""
        metadata_only = bool(flags & Delete.METADATA_ONLY)
        tree = dom.checkpoints
        if flags & (Delete.CHILDREN | Delete.CHILDREN_ONLY):
            below = list(tree.descendants(chk))
            was_current = tree.current in below
            for node in reversed(below):  # leaves first: nothing is reparented
                self._discard(dom, node, update_parent=False, metadata_only=metadata_only)
            if was_current:
                tree.current = chk
        if not flags & Delete.CHILDREN_ONLY:
            self._discard(dom, chk, update_parent=True, metadata_only=metadata_only)

    def _discard(self, dom: Domain, chk: Checkpoint, *, update_parent: bool, metadata_only: bool) -> None:
        """qemuCheckpointDiscard: remove the bitmaps (unless metadata only), then the metadata."""
        if not metadata_only:
            self._discard_bitmaps(dom, chk.definition)
        tree = dom.checkpoints
        was_current = tree.current is chk
        parent = chk.parent
        tree.remove(chk)
        if was_current and update_parent and parent is not None:
            tree.current = parent

    def _discard_bitmaps(self, dom: Domain, cd: CheckpointDef) -> None:
        found: list[tuple[Image, str]] = []
        for cdisk in cd.bitmap_disks():
            chain = self._chain(dom, cdisk.name)
            if chain is None or cdisk.bitmap is None:
                continue
            layers = [img for img in chain if cdisk.bitmap in img.bitmaps]
            if not layers:
                raise err.bitmap_not_in_chain(cdisk.bitmap, cdisk.name)
            found += [(img, cdisk.bitmap) for img in layers]
        for img, name in found:
            self.images.bitmap_remove(img.path, name)

    # ---- the domain's lifecycle ----------------------------------------------------------------

    @staticmethod
    def count_for_undefine(dom: Domain, undefine_flags: int) -> int:
        """virDomainListCheckpoints(…, flags) as qemuDomainUndefineFlags calls it: with the
        undefine flags as list flags, so unknown bits make it fail (-1) and count nothing."""
        if undefine_flags & ~int(LIST_ALL):
            return -1
        return len(dom.checkpoints.select(None, undefine_flags))

    def check_undefine(self, dom: Domain, flags: int) -> None:
        """qemuDomainUndefineFlags' checkpoint rule.  With UNDEFINE_CHECKPOINTS_METADATA (an
        unknown list bit) the count fails, so nothing is refused; the metadata goes with the domain."""
        if not dom.active and self.count_for_undefine(dom, flags) > 0:
            raise err.undefine_with_checkpoints(self.count_for_undefine(dom, flags))
