"""The domain API of one QEMU driver instance.

Messages and codes follow libvirt 9.x's QEMU driver (qemu_driver.c) and the domain list
(virdomainobjlist.c); events are those the QEMU driver emits for the same transition. The
operations are layered: the domain list (``domain_list``), settings (``domain_settings``),
starting and stopping (``domain_lifecycle``), saving and restoring (``domain_saves``), and here
defining, undefining and renaming.
"""

from __future__ import annotations

from ..errors import check_flags
from ..errors import domain as errors
from .domain import Domain
from .domaindef import DomainDef
from .events import DefinedDetail, Lifecycle, UndefinedDetail
from .filenames import check_config_file
from .flags.domain import DomainCreateFlags, DomainDefineFlags, DomainUndefineFlagsValues, DomainXMLFlags
from .guest_events.api import DomainGuest

Start = DomainCreateFlags
Undefine = DomainUndefineFlagsValues


class Domains(DomainGuest):
    """Every domain of one driver instance, with the API operations on them."""

    # ---- flag checks that come before anything is parsed (virCheckFlags at the top) -------

    @staticmethod
    def check_no_flags(driver_fn: str, flags: int) -> None:
        check_flags(driver_fn, flags, 0)

    @staticmethod
    def check_define_flags(flags: int) -> None:
        check_flags("qemuDomainDefineXMLFlags", flags, DomainDefineFlags.DEFINE_VALIDATE)

    @staticmethod
    def check_create_xml_flags(flags: int) -> None:
        check_flags("qemuDomainCreateXML", flags, Start.START_PAUSED | Start.START_AUTODESTROY
                    | Start.START_VALIDATE | Start.START_RESET_NVRAM)

    @staticmethod
    def check_xml_flags(flags: int) -> None:
        x = DomainXMLFlags
        check_flags("qemuDomainGetXMLDesc", flags, x.XML_SECURE | x.XML_INACTIVE | x.XML_UPDATE_CPU | x.XML_MIGRATABLE)

    def define(self, d: DomainDef) -> Domain:
        """virDomainDefineXMLFlags (flags checked by ``check_define_flags``): add a persistent domain
        or replace its next-boot config."""
        dom, new = self.add(d, live=False)
        if new:
            self.write_first_file(dom, d, check_config_file)
        else:
            if dom.active:
                dom.config_changed = True
            dom.config = d
        self.emit(dom, Lifecycle.DEFINED, DefinedDetail.ADDED if new else DefinedDetail.UPDATED)
        return dom

    def undefine(self, dom: Domain, flags: int = 0) -> None:
        """virDomainUndefineFlags."""
        u = Undefine
        check_flags("qemuDomainUndefineFlags", flags, u.UNDEFINE_MANAGED_SAVE | u.UNDEFINE_SNAPSHOTS_METADATA
                    | u.UNDEFINE_NVRAM | u.UNDEFINE_KEEP_NVRAM | u.UNDEFINE_CHECKPOINTS_METADATA
                    | u.UNDEFINE_TPM | u.UNDEFINE_KEEP_TPM)
        if flags & u.UNDEFINE_NVRAM and flags & u.UNDEFINE_KEEP_NVRAM:
            raise errors.invalid("cannot both keep and delete nvram")
        if flags & u.UNDEFINE_TPM and flags & u.UNDEFINE_KEEP_TPM:
            raise errors.invalid("cannot both keep and delete TPM")
        if not dom.persistent:
            raise errors.invalid("cannot undefine transient domain")
        if not dom.active and dom.snapshot_count and not flags & u.UNDEFINE_SNAPSHOTS_METADATA:
            raise errors.invalid(f"cannot delete inactive domain with {dom.snapshot_count} snapshots")
        self.driver.checkpoints.check_undefine(dom, flags)
        if dom.managed_save is not None:
            if not flags & u.UNDEFINE_MANAGED_SAVE:
                raise errors.invalid("Refusing to undefine while domain managed save image exists")
            dom.managed_save = None
        if flags & u.UNDEFINE_SNAPSHOTS_METADATA:
            self.driver.snapshots.forget_all(dom)
        self.emit(dom, Lifecycle.UNDEFINED, UndefinedDetail.REMOVED)
        if dom.active:
            dom.config = None  # becomes transient; goes away when it stops
            dom.autostart = False
        else:
            self.forget(dom, dom.uuid, dom.name)

    # ---- configuration -----------------------------------------------------------------------

    def set_autostart(self, dom: Domain, autostart: bool) -> None:
        if not dom.persistent:
            raise errors.invalid("cannot set autostart for transient domain")
        dom.autostart = autostart

    def rename(self, dom: Domain, new_name: str, flags: int = 0) -> None:
        """virDomainRename: inactive persistent domains only (qemuDomainRename)."""
        check_flags("qemuDomainRename", flags, 0)
        if not dom.persistent:
            raise errors.invalid("cannot rename a transient domain")
        if dom.active:
            raise errors.invalid("cannot rename active domain")
        if dom.snapshot_count:
            raise errors.invalid("cannot rename domain with snapshots")
        if new_name == dom.name:
            raise errors.invalid("Can't rename domain to itself")
        clash = self.find_name(new_name)
        if clash is not None:
            raise errors.name_in_use(new_name)
        check_config_file(new_name)
        self.emit(dom, Lifecycle.UNDEFINED, UndefinedDetail.RENAMED)
        self.rekey(dom, new_name)
        self.emit(dom, Lifecycle.DEFINED, DefinedDetail.RENAMED)
