"""The domain list of one QEMU driver instance (virdomainobjlist.c): domains by UUID and name.

Also what every domain operation shares: lifecycle events, completing parsed definitions, and the
images a running domain holds open.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..errors import ErrorDomain, VirtError
from ..errors import domain as errors
from .devices import Device
from .domain import Domain, SavedState
from .domain_settings import DomainSettings
from .domaindef import DomainDef, normalize, normalize_device
from .events import DomainEvent, EventID, Lifecycle, LifecycleDetail
from .images.owner import Owner

if TYPE_CHECKING:
    from .hypervisor import QemuDriver


class DomainList(DomainSettings):
    """Every domain of one driver instance, by UUID and by name."""

    def __init__(self, driver: QemuDriver) -> None:
        self.driver = driver
        self._by_uuid: dict[uuid.UUID, Domain] = {}
        self._by_name: dict[str, Domain] = {}
        self._next_id = 1
        self.saved_images: dict[str, SavedState] = {}

    # ---- lookups -----------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Domain]:
        return iter(list(self._by_uuid.values()))

    def __len__(self) -> int:
        return len(self._by_uuid)

    def by_handle(self, dom_uuid: uuid.UUID, name: str) -> Domain:
        """qemuDomainObjFromDomain: handles are resolved by UUID."""
        dom = self._by_uuid.get(dom_uuid)
        if dom is None:
            raise errors.no_domain_uuid(dom_uuid, name)
        return dom

    def by_name(self, name: str) -> Domain:
        dom = self.find_name(name)
        if dom is None:
            raise errors.no_domain_name(name)
        return dom

    def by_uuid(self, dom_uuid: uuid.UUID) -> Domain:
        dom = self._by_uuid.get(dom_uuid)
        if dom is None:
            raise errors.no_domain_uuid(dom_uuid)
        return dom

    def by_id(self, dom_id: int) -> Domain:
        for dom in self._by_uuid.values():
            if dom.id == dom_id and dom_id >= 0:
                return dom
        raise errors.no_domain_id(dom_id)

    def find_name(self, name: str) -> Domain | None:
        return self._by_name.get(name)

    def forget(self, dom: Domain, dom_uuid: uuid.UUID, name: str) -> None:
        self.driver.snapshots.forget_all(dom)
        self._by_uuid.pop(dom_uuid, None)
        if self._by_name.get(name) is dom:
            del self._by_name[name]

    # ---- events ------------------------------------------------------------------------------

    def emit(self, dom: Domain, event: Lifecycle, detail: LifecycleDetail) -> None:
        """Publish a lifecycle event of ``dom``."""
        self.driver.hypervisor.bus.publish(DomainEvent(
            self.driver.uri, EventID.LIFECYCLE, dom.ref(), {"event": int(event), "detail": int(detail)}))

    # ---- what the XML parser returned, completed ---------------------------------------------

    def complete_definition(self, d: DomainDef) -> DomainDef:
        """A parsed <domain> with libvirt's defaults and validation (see ``domaindef.normalize``)."""
        return normalize(d, self.driver.hypervisor.rng, self.driver.host)

    def complete_device(self, dom: Domain, dev: Device) -> Device:
        """A parsed device of attach/detach/update-device, with the defaults it gets in ``dom``."""
        return normalize_device(dev, dom.definition, self.driver.hypervisor.rng)

    def rekey(self, dom: Domain, new_name: str) -> None:
        """The persistent ``dom`` is known by ``new_name`` from now on (the caller checked it is free)."""
        assert dom.config is not None
        del self._by_name[dom.name]
        dom.config.name = new_name
        self._by_name[new_name] = dom

    @property
    def next_id(self) -> int:
        """The ID the next start takes (libvirt never reuses one while the daemon runs)."""
        return self._next_id

    @next_id.setter
    def next_id(self, value: int) -> None:
        self._next_id = value

    def allocate_id(self) -> int:
        """The next domain ID (a revert that restarts QEMU uses one up as well)."""
        new_id = self._next_id
        self._next_id += 1
        return new_id

    # ---- adding ------------------------------------------------------------------------------

    def add(self, d: DomainDef, live: bool) -> tuple[Domain, bool]:
        """virDomainObjListAdd: refuse name/UUID clashes; returns (domain, was it new)."""
        existing = self._by_uuid.get(d.uuid)
        if existing is not None:
            if existing.name != d.name:
                raise errors.uuid_taken(existing.name, d.uuid)
            if live:
                if existing.active:
                    raise errors.invalid(f"domain '{d.name}' is already active", ErrorDomain.DOMAIN)
                if not existing.persistent:
                    raise errors.invalid(f"domain '{d.name}' is already being started", ErrorDomain.DOMAIN)
            return existing, False
        clash = self.find_name(d.name)
        if clash is not None:
            raise errors.name_taken(d.name, clash.uuid)
        dom = Domain(config=None if live else d)
        self._by_uuid[d.uuid] = dom
        self._by_name[d.name] = dom
        return dom, True

    def write_first_file(self, dom: Domain, d: DomainDef, write: Callable[[str], None]) -> None:
        """Writing the new domain's first file failed: the domain goes away again."""
        try:
            write(d.name)
        except VirtError:
            self.forget(dom, d.uuid, d.name)
            raise

    # ---- the images a running domain holds open ------------------------------------------------

    def sync_disk_users(self, dom: Domain) -> None:
        """Make the image store's users match the disks the domain has open right now."""
        images = self.driver.hypervisor.images
        wanted = self._disk_owners(dom) if dom.active else []
        for path, owner in dom.held_disks:
            if (path, owner) not in wanted:
                images.release(path, owner)
        for path, owner in wanted:
            if (path, owner) not in dom.held_disks:
                images.acquire(path, owner)
        dom.held_disks = wanted

    def _disk_owners(self, dom: Domain) -> list[tuple[str, Owner]]:
        """The images a running domain holds open, and the owner tag it holds them with."""
        d = dom.live
        if d is None:
            return []
        return [(path, Owner.disk(str(dom.uuid), disk.target_dev)) for disk in d.disks
                if (path := disk.local_file) is not None]

    def guest_disk(self, dom: Domain, target: str) -> tuple[str, Owner]:
        """(image path, owner) of a running domain's disk, for acting as the guest."""
        self.require_active(dom)
        for path, owner in self._disk_owners(dom):
            if owner.name == target:
                return path, owner
        raise errors.path_not_assigned(target)

    def guest_write(self, dom: Domain, target: str, offset: int, data: bytes) -> None:
        """What the guest writes to its disk ``target`` lands in the top image of the chain."""
        path, owner = self.guest_disk(dom, target)
        old_end = self.driver.blockdev.file_end(path)
        self.driver.backups.before_guest_write(dom, target, offset, len(data))
        # QEMU writes its active layer whatever names it as a backing file (an active commit's old top)
        self.driver.hypervisor.images.write(path, offset, data, owner=owner, force=True)
        self.driver.blockdev.guest_wrote(dom, target, path, offset, len(data), old_end)

    def guest_read(self, dom: Domain, target: str, offset: int, length: int) -> bytes:
        """What the guest reads from its disk ``target``, through the backing chain."""
        path, _ = self.guest_disk(dom, target)
        data = self.driver.hypervisor.images.read(path, offset, length)
        self.driver.blockdev.guest_read(dom, target, length)
        return data
