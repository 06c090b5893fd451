"""test:///PATH.xml node files that libvirt's test driver refuses: the same code, domain and text
(the real twin opens the same files on libvirtd 9.0, which runs on this machine)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import libvirt
import pytest

from fakevirt.testing import ThreadedServer
from tests.integration.conftest import error_of

NS = "xmlns:test='http://libvirt.org/schemas/domain/test/1.0'"
DOM = "<domain type='test'><name>x</name><memory>1024</memory><os><type>hvm</type></os>"
X, T, A = libvirt.VIR_ERR_XML_ERROR, libvirt.VIR_FROM_TEST, libvirt.VIR_FROM_AUTH

BAD = {
    "runstate-bad": (f"<node {NS}>{DOM}<test:runstate>abc</test:runstate></domain></node>",
                     (X, T, "XML error: invalid runstate")),
    "runstate-range": (f"<node {NS}>{DOM}<test:runstate>9</test:runstate></domain></node>",
                       (X, T, "XML error: runstate '9' out of range'")),
    "transient-off": (f"<node {NS}>{DOM}<test:runstate>5</test:runstate><test:transient/></domain></node>",
                      (X, T, "XML error: transient domain cannot have runstate 'shutoff'")),
    "msave-running": (f"<node {NS}>{DOM}<test:hasmanagedsave/></domain></node>",
                      (X, T, "XML error: domain with managedsave data can only have runstate 'shutoff'")),
    "cpu-bad": ("<node><cpu><mhz>fast</mhz></cpu></node>", (X, T, "XML error: invalid node cpu mhz value")),
    "cpu-neg": ("<node><cpu><nodes>-1</nodes></cpu></node>", (X, T, "XML error: invalid node cpu nodes value")),
    "mem-neg": ("<node><memory>-5</memory></node>", (X, T, "XML error: invalid node memory value")),
    "model-long": ("<node><cpu><model>" + "m" * 32 + "</model></cpu></node>",
                   (libvirt.VIR_ERR_INTERNAL_ERROR, T, f"internal error: Model {'m' * 32} too big for destination")),
    "auth-empty": ("<node><auth><user></user></auth></node>",
                   (X, T, "XML error: missing username in /node/auth/user field")),
    "auth": ("<node><auth><user password='pw'>alice</user></auth></node>",
             (libvirt.VIR_ERR_INVALID_ARG, A, "invalid argument: Missing authentication credentials")),
    "dom-notype": ("<node><domain type='test'><name>x</name></domain></node>",
                   (X, libvirt.VIR_FROM_DOMAIN, "XML error: an os <type> must be specified")),
    "net-bad": ("<node><network><name>n</name><ip address='300.1.1.1'/></network></node>",
                (X, libvirt.VIR_FROM_NETWORK, "XML error: Invalid address '300.1.1.1' in network 'n'")),
    "vol-nocap": ("<node><pool type='dir'><name>p</name><target><path>/p</path></target>"
                  "<volume><name>v</name></volume></pool></node>",
                  (X, libvirt.VIR_FROM_STORAGE, "XML error: missing capacity element")),
    "root": ("<domain type='test'/>", (X, libvirt.VIR_FROM_XML, "XML error: expecting root element of 'node', "
                                                                "not 'domain'")),
}


def _files(tmp_path: Path) -> dict[str, Path]:
    tmp_path.chmod(0o755)  # the reference libvirtd reads them too
    out = {}
    for name, (text, _) in BAD.items():
        out[name] = tmp_path / f"{name}.xml"
        out[name].write_text(text)
        out[name].chmod(0o644)
    out["include-missing"] = tmp_path / "include-missing.xml"
    out["include-missing"].write_text("<node><domain file='nothere.xml'/></node>")
    out["include-missing"].chmod(0o644)
    return out


def _errors(base: str, files: dict[str, Path]) -> dict[str, tuple[int, int, str]]:
    return {name: error_of(libvirt.open, base + str(path).lstrip("/")) for name, path in files.items()}


def test_refused_node_files(fakevirt: ThreadedServer, tmp_path: Path) -> None:
    files = _files(tmp_path)
    got = _errors(fakevirt.uri("").replace("qemu+", "test+"), files)
    assert got == {**{name: want for name, (_, want) in BAD.items()},
                   "include-missing": (X, T, f"XML error: failed to parse xml document '{tmp_path}/nothere.xml'")}


@pytest.mark.real
def test_refused_node_files_match_reference(fakevirt: ThreadedServer, reference_uri: str, tmp_path: Path) -> None:
    files = _files(tmp_path)
    u = urlsplit(reference_uri)
    real = _errors(f"test+tcp://{u.hostname}:{u.port}/", files)
    assert _errors(fakevirt.uri("").replace("qemu+", "test+"), files) == real
