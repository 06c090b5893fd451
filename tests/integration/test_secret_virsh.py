"""Secrets through real virsh: secret-define/-list/-set-value/-get-value/-dumpxml/-undefine/-event."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

import fakevirt.handlers.secret  # noqa: F401  registers
from tests.integration.conftest import err, ok

U1 = "5ec0a1e1-0000-4000-8000-0000000000a1"
U2 = "5ec0a1e1-0000-4000-8000-0000000000a2"


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def run(request: pytest.FixtureRequest, virsh):
    """virsh against fakevirt or the reference; the test's secrets are removed afterwards."""
    uri = None if request.param == "fakevirt" else request.getfixturevalue("reference_uri")

    def call(*args: str):
        return virsh(*args, uri=uri)

    yield call
    for u in (U1, U2):
        call("secret-undefine", u)


def test_secret_commands(run, tmp_path: Path) -> None:
    xml = tmp_path / "s.xml"
    xml.write_text(f"<secret ephemeral='yes'><uuid>{U1}</uuid><usage type='ceph'><name>fv-virsh</name></usage>"
                   "</secret>")
    assert ok(run("secret-define", str(xml))).strip() == f"Secret {U1} created"
    assert err(run("secret-get-value", U1)) == f"error: Secret not found: secret '{U1}' does not have a value"
    value = base64.b64encode(b"sekrit").decode()
    assert ok(run("secret-set-value", U1, value)).strip() == "Secret value set"
    assert ok(run("secret-get-value", U1)).strip() == value
    assert ok(run("secret-get-value", "--plain", U1)) == "sekrit\n"
    rows = [line.split(None, 1) for line in ok(run("secret-list", "--ephemeral")).splitlines()[2:] if line.strip()]
    assert [U1, "ceph fv-virsh"] in rows
    assert U1 not in ok(run("secret-list", "--no-ephemeral"))
    assert ok(run("secret-dumpxml", U1)) == (f"<secret ephemeral='yes' private='no'>\n  <uuid>{U1}</uuid>\n"
                                             "  <usage type='ceph'>\n    <name>fv-virsh</name>\n  </usage>\n"
                                             "</secret>\n\n")
    xml.write_text(f"<secret><uuid>{U2}</uuid><usage type='ceph'><name>fv-virsh</name></usage></secret>")
    assert err(run("secret-define", str(xml))) == (
        f"error: Failed to set attributes from {xml}\n"
        f"error: internal error: a secret with UUID {U1} already defined for use with fv-virsh")
    assert ok(run("secret-undefine", U1)).strip() == f"Secret {U1} deleted"
    assert err(run("secret-dumpxml", U1)) == (
        f"error: failed to get secret '{U1}'\nerror: Secret not found: no secret with matching uuid '{U1}'")
