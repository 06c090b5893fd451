"""``hv.states.dump()``: the whole host as JSON-able data, with each object's XML as libvirt formats it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..model.domain import Domain
from ..xml.checkpoint import format_checkpoint_xml
from ..xml.domain import format_domain_xml
from ..xml.network_format import format_network_xml
from ..xml.nwfilter import format_nwfilter_xml
from ..xml.secret import format_secret_xml
from ..xml.storage import format_pool_xml

if TYPE_CHECKING:
    from ..model.hypervisor import Hypervisor, QemuDriver


def dump_host(hv: Hypervisor) -> dict[str, Any]:
    """Domains per driver, pools with volumes, networks, secrets (no values), nwfilters, block jobs."""
    storage = hv.storage
    return {
        "seed": hv.seed,
        "drivers": {path: _driver(driver) for path, driver in hv.drivers.items()},
        "pools": [{"name": p.name, "uuid": str(p.config.uuid), "active": p.active, "persistent": p.persistent,
                   "autostart": p.autostart, "xml": format_pool_xml(storage, p),
                   "volumes": [_volume(hv, v) for v in p.volumes.values()]}
                  for p in storage.pools.values()],
        "networks": [{"name": n.current.name, "uuid": str(n.current.uuid), "active": n.live is not None,
                      "persistent": n.config is not None, "autostart": n.autostart,
                      "xml": format_network_xml(n.current, len(n.ports) if n.live is not None else 0)}
                     for n in hv.networks.networks.values()],
        "secrets": [{"uuid": str(s.uuid), "has_value": s.value is not None, "xml": format_secret_xml(s.config)}
                    for s in hv.secrets.secrets.values()],
        "nwfilters": [{"name": f.name, "uuid": str(f.uuid), "xml": format_nwfilter_xml(f.config)}
                      for f in hv.nwfilters.filters.values()],
        "block_jobs": [{"driver": job.driver_uri, "domain": job.dom.name, "disk": job.dst,
                        "type": int(job.type), "cur": job.cur, "end": job.end, "phase": str(job.phase.name)}
                       for job in hv.blockjobs],
    }


def _driver(driver: QemuDriver) -> dict[str, Any]:
    return {"domains": [_domain(dom) for dom in sorted(driver.domains, key=lambda d: d.name)]}


def _domain(dom: Domain) -> dict[str, Any]:
    current_snap = dom.snapshots.current
    current_chk = dom.checkpoints.current
    return {
        "name": dom.name, "uuid": str(dom.uuid), "id": dom.id if dom.active else -1,
        "state": int(dom.state), "reason": int(dom.reason), "persistent": dom.persistent,
        "autostart": dom.autostart,
        "xml": format_domain_xml(dom.definition, domain_id=dom.id if dom.active else None),
        "snapshots": [{"name": s.name, "parent": s.parent.name if s.parent else None,
                       "current": s is current_snap} for s in dom.snapshots],
        "checkpoints": [{"name": c.name, "parent": c.parent.name if c.parent else None,
                         "current": c is current_chk,
                         "xml": format_checkpoint_xml(c.definition, no_domain=True)} for c in dom.checkpoints],
    }


def _volume(hv: Hypervisor, vol: Any) -> dict[str, Any]:
    _, capacity, allocation = hv.storage.vol_info(vol)
    image = hv.storage.image(vol)
    return {"name": vol.name, "path": vol.path, "format": vol.declared_format or image.format,
            "capacity": capacity, "allocation": allocation}
