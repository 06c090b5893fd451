"""network:///system, storage:///system, nodedev:///system, secret:///system, nwfilter:///system and
interface:///system on a monolithic libvirtd: each opens a connection bound to one secondary driver,
that serves its own family of calls only.  Same matrix on fakevirt and (`real`) on libvirtd 9.0."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import err, ok

SCHEMES = ("network", "storage", "nodedev", "secret", "nwfilter", "interface")
# (family, API name in the error, error domain, call)
PROBES: list[tuple[str, str, int, Callable[[libvirt.virConnect], Any]]] = [
    ("network", "virConnectListAllNetworks", 19, lambda c: c.listAllNetworks()),
    ("storage", "virConnectListAllStoragePools", 18, lambda c: c.listAllStoragePools()),
    ("nodedev", "virConnectListAllNodeDevices", 22, lambda c: c.listAllDevices()),
    ("nodedev", "virNodeNumOfDevices", 22, lambda c: c.numOfDevices(None)),
    ("secret", "virConnectListAllSecrets", 30, lambda c: c.listAllSecrets()),
    ("nwfilter", "virConnectListAllNWFilters", 33, lambda c: c.listAllNWFilters()),
    ("nwfilter", "virConnectListAllNWFilterBindings", 33, lambda c: c.listAllNWFilterBindings()),
    ("interface", "virConnectListAllInterfaces", 26, lambda c: c.listAllInterfaces()),
    ("storage", "virConnectGetCapabilities", 20, lambda c: "<pool>" in c.getCapabilities()),
    ("none", "virConnectListAllDomains", 20, lambda c: c.listAllDomains()),
    ("none", "virDomainLookupByName", 20, lambda c: c.lookupByName("x")),
    ("none", "virConnectGetVersion", 20, lambda c: c.getVersion()),
    ("none", "virConnectGetHostname", 20, lambda c: c.getHostname()),
    ("none", "virConnectGetMaxVcpus", 20, lambda c: c.getMaxVcpus(None)),
    ("none", "virInterfaceDefineXML", 26, lambda c: c.interfaceDefineXML("<interface/>")),  # udev backend
]


def _matrix(host: str) -> list[Any]:
    out: list[Any] = []
    for scheme in SCHEMES:
        c = libvirt.open(f"{scheme}+tcp://{host}/system")
        try:
            out.append((scheme, c.getType(), c.getLibVersion(), c.isAlive(), c.isSecure(), c.isEncrypted()))
            for _family, _api, _dom, call in PROBES:
                try:
                    call(c)
                    out.append("served")
                except libvirt.libvirtError as e:
                    out.append((e.get_error_code(), e.get_error_domain(), e.get_error_message()))
        finally:
            c.close()
        for path in ("/session", "/"):
            with pytest.raises(libvirt.libvirtError) as e:
                libvirt.open(f"{scheme}+tcp://{host}{path}")
            out.append((e.value.get_error_code(), e.value.get_error_domain(), e.value.get_error_message()))
    return out


def _expected() -> list[Any]:
    out: list[Any] = []
    for scheme in SCHEMES:
        out.append((scheme, scheme, 9000000, 1, 0, 0))
        for family, api, domain, _call in PROBES:
            out.append("served" if family == scheme else
                       (3, domain, f"this function is not supported by the connection driver: {api}"))
        domain = 33 if scheme == "nwfilter" else 0
        out += [(1, domain, f"internal error: unexpected {scheme} URI path '{path}', try {scheme}:///system")
                for path in ("/session", "/")]
    return out


def test_secondary_uris_on_fakevirt(fakevirt: ThreadedServer) -> None:
    assert _matrix(fakevirt.tcp_address) == _expected()


def test_secondary_uris_see_the_system_objects(fakevirt: ThreadedServer, virsh) -> None:  # type: ignore[no-untyped-def]
    host = fakevirt.tcp_address
    ok(virsh("pool-define-as", "p2", "dir", "--target", "/var/lib/libvirt/images"))
    assert " p2     inactive   no" in ok(virsh("pool-list", "--all", uri=f"storage+tcp://{host}/system"))
    assert err(virsh("list", uri=f"network+tcp://{host}/system")) == (
        "error: Failed to list active domains\n"
        "error: this function is not supported by the connection driver: virConnectNumOfDomains")
    r = virsh("version", uri=f"network+tcp://{host}/system")  # as on libvirtd: no hypervisor version
    assert "Using API: network 9.0.0" in r.stdout
    assert err(r) == ("error: failed to get the hypervisor version\n"
                      "error: this function is not supported by the connection driver: virConnectGetVersion")


@pytest.mark.real
def test_secondary_uris_on_libvirtd(reference_uri: str) -> None:
    assert _matrix(reference_uri.split("://", 1)[1].split("/", 1)[0]) == _expected()
