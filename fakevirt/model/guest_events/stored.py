"""The order of a definition libvirt wrote in migratable form and read back (save images,
snapshots): the migratable format leaves out the implicit USB controller and PCI root, and the
parser's post-parse adds them back after every other controller."""

from __future__ import annotations

from ..domaindef import DomainDef
from ..domaindef.pciflags import is_i440fx


def implicit_controllers_last(d: DomainDef) -> None:
    """Move the implicit USB controller and PCI root of ``d`` to the end of its controllers, as
    qemuDomainDefFormatBufInternal(MIGRATABLE) plus a re-parse does (see xml's migratable_copy)."""
    usbs = [c for c in d.controllers if c.type == "usb"]
    pcis = [c for c in d.controllers if c.type == "pci"]
    moved = []
    if is_i440fx(d.machine) and len(usbs) == 1 and usbs[0].index == 0 and usbs[0].model in (None, "piix3-uhci") \
            and not (usbs[0].alias or "").startswith("ua-"):
        moved.append(usbs[0])
    if len(pcis) == 1 and pcis[0].index == 0 and pcis[0].model == "pci-root" and not pcis[0].target_attrs \
            and not pcis[0].extra:
        moved.append(pcis[0])
    d.controllers = [c for c in d.controllers if not any(c is m for m in moved)] + moved
