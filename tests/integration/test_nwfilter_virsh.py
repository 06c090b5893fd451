"""Network filters and bindings through real virsh (nwfilter-*, nwfilter-binding-*), with a real twin."""

from __future__ import annotations

from pathlib import Path

import pytest

import fakevirt.handlers.nwfilter  # noqa: F401  registers
from tests.integration.conftest import err, ok

FILTER = ("<filter name='fv-virsh' chain='ipv4'><uuid>5ec0a1e1-0000-4000-8000-0000000000c1</uuid>"
          "<rule action='accept' direction='out'><tcp dstportstart='0x16' state='new'/></rule></filter>")
BINDING = ("<filterbinding><owner><name>fv</name><uuid>5ec0a1e1-0000-4000-8000-0000000000c2</uuid></owner>"
           "<portdev name='fvb-virsh'/><mac address='52:54:00:00:00:01'/><filterref filter='fv-virsh'/>"
           "</filterbinding>")


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def run(request: pytest.FixtureRequest, virsh):
    uri = None if request.param == "fakevirt" else request.getfixturevalue("reference_uri")

    def call(*args: str):
        return virsh(*args, uri=uri)

    yield call
    call("nwfilter-binding-delete", "fvb-virsh")
    call("nwfilter-undefine", "fv-virsh")


def test_nwfilter_commands(run, tmp_path: Path) -> None:
    xml, binding = tmp_path / "f.xml", tmp_path / "b.xml"
    xml.write_text(FILTER)
    binding.write_text(BINDING)
    assert ok(run("nwfilter-define", str(xml))).strip() == f"Network filter fv-virsh defined from {xml}"
    assert ok(run("nwfilter-dumpxml", "fv-virsh")) == (
        "<filter name='fv-virsh' chain='ipv4' priority='-700'>\n  <uuid>5ec0a1e1-0000-4000-8000-0000000000c1</uuid>\n"
        "  <rule action='accept' direction='out' priority='500'>\n"
        "    <tcp state='NEW' dstportstart='0x16'/>\n  </rule>\n</filter>\n\n")
    rows = [line.split() for line in ok(run("nwfilter-list")).splitlines()[2:] if line.strip()]
    assert ["5ec0a1e1-0000-4000-8000-0000000000c1", "fv-virsh"] in rows
    assert ok(run("nwfilter-binding-create", str(binding))).strip() == \
        f"Network filter binding on fvb-virsh created from {binding}"
    assert ["fvb-virsh", "fv-virsh"] in [line.split() for line in ok(run("nwfilter-binding-list")).splitlines()]
    assert "<portdev name='fvb-virsh'/>" in ok(run("nwfilter-binding-dumpxml", "fvb-virsh"))
    assert ok(run("nwfilter-binding-delete", "fvb-virsh")).strip() == "Network filter binding on fvb-virsh deleted"
    assert err(run("nwfilter-binding-dumpxml", "fvb-virsh")) == (
        "error: failed to get nwfilter binding 'fvb-virsh'\n"
        "error: Network filter binding not found: no nwfilter binding for port dev 'fvb-virsh'")
    assert ok(run("nwfilter-undefine", "fv-virsh")).strip() == "Network filter fv-virsh undefined"
    assert err(run("nwfilter-dumpxml", "fv-virsh")) == (
        "error: failed to get nwfilter 'fv-virsh'\n"
        "error: Network filter not found: no nwfilter with matching name 'fv-virsh'")
