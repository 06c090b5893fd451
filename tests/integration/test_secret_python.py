"""Secrets through libvirt-python: the same scenarios against fakevirt and (``real``) libvirtd 9.0."""

from __future__ import annotations

import base64

import libvirt
import pytest

import fakevirt.handlers.secret  # noqa: F401  registers
from fakevirt.testing.libvirt_events import ensure_event_loop, wait_for
from tests.integration.conftest import error_of

U1 = "5ec0a1e1-0000-4000-8000-000000000001"
U2 = "5ec0a1e1-0000-4000-8000-000000000002"
U3 = "5ec0a1e1-0000-4000-8000-000000000003"
MISSING = "5ec0a1e1-0000-4000-8000-0000000000ff"
CEPH = "<secret ephemeral='no' private='no'><uuid>{u}</uuid><usage type='ceph'><name>{name}</name></usage></secret>"
NO_SECRET, SECRET = libvirt.VIR_ERR_NO_SECRET, libvirt.VIR_FROM_SECRET


@pytest.fixture(params=["fakevirt", pytest.param("real", marks=pytest.mark.real)])
def conn(request: pytest.FixtureRequest):
    """A connection to fakevirt or to the reference; the secrets a test defines there are removed."""
    uri = request.getfixturevalue("fakevirt_uri" if request.param == "fakevirt" else "reference_uri")
    c = libvirt.open(uri)
    yield c
    for u in (U1, U2, U3):
        try:
            c.secretLookupByUUIDString(u).undefine()
        except libvirt.libvirtError:
            pass
    c.close()


def test_nova_ceph_flow(conn) -> None:
    """What Nova does for an rbd volume: define a ceph secret, set its key, find it by usage."""
    s = conn.secretDefineXML(CEPH.format(u=U1, name="client.openstack secret"))
    key = base64.b64decode("QVFEYWZkOWxBQUFBQUJBQTdwZFdDTWZ4Z2JlY2g1R3JFS2RvQ1E9PQ==")
    assert s.setValue(key) == 0
    found = conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "client.openstack secret")
    assert (found.UUIDString(), found.usageType(), found.usageID()) == (U1, 2, "client.openstack secret")
    assert found.value() == key
    assert found.XMLDesc() == (f"<secret ephemeral='no' private='no'>\n  <uuid>{U1}</uuid>\n"
                               "  <usage type='ceph'>\n    <name>client.openstack secret</name>\n  </usage>\n"
                               "</secret>\n")


def test_usage_uniqueness_and_redefinition(conn) -> None:
    conn.secretDefineXML(CEPH.format(u=U1, name="fv-usage"))
    assert error_of(conn.secretDefineXML, CEPH.format(u=U2, name="fv-usage")) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, SECRET, f"internal error: a secret with UUID {U1} already defined for use "
                                                "with fv-usage")
    # the same name under another usage type is another usage
    vol = conn.secretDefineXML(f"<secret><uuid>{U2}</uuid><usage type='iscsi'><target>fv-usage</target></usage>"
                               "</secret>")
    assert vol.usageType() == libvirt.VIR_SECRET_USAGE_TYPE_ISCSI
    assert error_of(conn.secretDefineXML, CEPH.format(u=U1, name="other")) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, SECRET, f"internal error: a secret with UUID {U1} is already defined for use "
                                                "with fv-usage")
    s = conn.secretLookupByUUIDString(U1)
    s.setValue(b"kept")
    again = conn.secretDefineXML(CEPH.format(u=U1, name="fv-usage").replace("private='no'", "private='yes'"))
    assert "private='yes'" in again.XMLDesc()
    assert error_of(again.value) == (libvirt.VIR_ERR_INVALID_SECRET, SECRET, "Invalid secret: secret is private")
    assert error_of(conn.secretDefineXML, CEPH.format(u=U1, name="fv-usage")) == (
        libvirt.VIR_ERR_INTERNAL_ERROR, SECRET, "internal error: cannot change private flag on existing secret")


def test_values_lookups_and_errors(conn) -> None:
    s = conn.secretDefineXML(f"<secret ephemeral='yes'><uuid>{U1}</uuid><description>a &amp; b</description>"
                             "<usage type='volume'><volume>/var/lib/fv.img</volume></usage></secret>")
    assert error_of(s.value) == (NO_SECRET, SECRET, f"Secret not found: secret '{U1}' does not have a value")
    s.setValue(b"\x00bin\xffary")
    assert s.value() == b"\x00bin\xffary"
    assert "<description>a &amp; b</description>" in s.XMLDesc()
    assert error_of(conn.secretLookupByUsage, libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "/var/lib/fv.img") == (
        NO_SECRET, SECRET, "Secret not found: no secret with matching usage '/var/lib/fv.img'")
    assert error_of(conn.secretLookupByUUIDString, MISSING) == (
        NO_SECRET, SECRET, f"Secret not found: no secret with matching uuid '{MISSING}'")
    for call in (lambda: s.value(1), lambda: s.setValue(b"x", 1), lambda: s.XMLDesc(1)):
        code, dom, msg = error_of(call)
        assert (code, dom) == (libvirt.VIR_ERR_INVALID_ARG, SECRET) and msg.startswith("unsupported flags (0x1)")
    assert error_of(conn.secretDefineXML, "<secret/>", 2) == (
        libvirt.VIR_ERR_INVALID_ARG, SECRET, "unsupported flags (0x2) in function secretDefineXML")
    s.undefine()
    assert error_of(s.undefine) == (NO_SECRET, SECRET, f"Secret not found: no secret with matching uuid '{U1}'")


@pytest.mark.parametrize(("xml", "expected"), [
    ("<pool/>", (libvirt.VIR_ERR_XML_ERROR, libvirt.VIR_FROM_XML,
                 "XML error: expecting root element of 'secret', not 'pool'")),
    ("<secret ephemeral='maybe'/>", (libvirt.VIR_ERR_XML_ERROR, SECRET, "XML error: invalid value of 'ephemeral'")),
    ("<secret><usage/></secret>", (libvirt.VIR_ERR_XML_ERROR, SECRET, "XML error: unknown secret usage type")),
    ("<secret><usage type='x'/></secret>", (libvirt.VIR_ERR_CONFIG_UNSUPPORTED, SECRET,
                                            "unsupported configuration: unknown secret usage type x")),
    ("<secret><usage type='ceph'><name></name></usage></secret>", (
        libvirt.VIR_ERR_INTERNAL_ERROR, SECRET, "internal error: Ceph usage specified, but name is missing")),
    ("<secret><usage type='vtpm'/></secret>", (
        libvirt.VIR_ERR_INTERNAL_ERROR, SECRET, "internal error: vTPM usage specified, but name is missing")),
    ("<secret><uuid>xyz</uuid></secret>", (libvirt.VIR_ERR_INTERNAL_ERROR, SECRET,
                                           "internal error: malformed uuid element")),
    ("<secret", (libvirt.VIR_ERR_XML_DETAIL, SECRET, "(definition_of_secret):1: Couldn't find end of Start Tag "
                                                     "secret line 1\n<secret\n-------^")),
])
def test_parse_errors(conn, xml: str, expected: tuple[int, int, str]) -> None:
    assert error_of(conn.secretDefineXML, xml) == expected


def test_parsed_forms(conn) -> None:
    s = conn.secretDefineXML("<secret private='' ephemeral='yes'><uuid> 5ec0a1e1-0000-4000-8000-00000000-0001</uuid>"
                             "<description>a<b>c</b>d</description><usage type='tls'><name> n <x>y</x></name></usage>"
                             "</secret>")
    assert s.XMLDesc() == (f"<secret ephemeral='yes' private='no'>\n  <uuid>{U1}</uuid>\n"
                           "  <description>acd</description>\n  <usage type='tls'>\n    <name> n y</name>\n"
                           "  </usage>\n</secret>\n")
    assert (s.usageType(), s.usageID()) == (libvirt.VIR_SECRET_USAGE_TYPE_TLS, " n y")


def test_lists_and_filters(conn) -> None:
    conn.secretDefineXML(f"<secret ephemeral='yes' private='yes'><uuid>{U1}</uuid></secret>")
    conn.secretDefineXML(f"<secret><uuid>{U2}</uuid><usage type='iscsi'><target>fv-iqn</target></usage></secret>")
    conn.secretDefineXML(f"<secret private='yes'><uuid>{U3}</uuid></secret>")

    def mine(flags: int = 0) -> list[str]:
        return sorted(u for s in conn.listAllSecrets(flags) if (u := s.UUIDString()) in (U1, U2, U3))

    assert mine() == [U1, U2, U3]
    assert mine(libvirt.VIR_CONNECT_LIST_SECRETS_EPHEMERAL) == [U1]
    assert mine(libvirt.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL) == [U2, U3]
    assert mine(libvirt.VIR_CONNECT_LIST_SECRETS_PRIVATE | libvirt.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL) == [U3]
    assert mine(libvirt.VIR_CONNECT_LIST_SECRETS_PRIVATE | libvirt.VIR_CONNECT_LIST_SECRETS_NO_PRIVATE) == [U1, U2, U3]
    assert error_of(conn.listAllSecrets, 16) == (
        libvirt.VIR_ERR_INVALID_ARG, SECRET, "unsupported flags (0x10) in function secretConnectListAllSecrets")
    assert {U1, U2, U3} <= set(conn.listSecrets())
    assert conn.numOfSecrets() == len(conn.listSecrets()) == len(conn.listAllSecrets())


def test_read_only_connection(conn) -> None:
    conn.secretDefineXML(CEPH.format(u=U1, name="fv-ro")).setValue(b"v")
    ro = libvirt.openReadOnly(conn.getURI())
    try:
        s = ro.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "fv-ro")
        assert "<name>fv-ro</name>" in s.XMLDesc()
        assert error_of(s.value) == (libvirt.VIR_ERR_OPERATION_DENIED, SECRET,
                                     "operation forbidden: read only access prevents virSecretGetValue")
        assert error_of(s.undefine) == (libvirt.VIR_ERR_OPERATION_DENIED, SECRET,
                                        "operation forbidden: read only access prevents virSecretUndefine")
    finally:
        ro.close()


def test_events(request: pytest.FixtureRequest, conn) -> None:
    ensure_event_loop()
    c = libvirt.open(conn.getURI())  # opened after the loop: it gets events
    seen: list[tuple[object, ...]] = []
    try:
        life = c.secretEventRegisterAny(None, libvirt.VIR_SECRET_EVENT_ID_LIFECYCLE,
                                        lambda _c, s, ev, det, _o: seen.append(("life", s.UUIDString(), ev, det)), None)
        val = c.secretEventRegisterAny(None, libvirt.VIR_SECRET_EVENT_ID_VALUE_CHANGED,
                                       lambda _c, s, _o: seen.append(("value", s.UUIDString(), s.usageID())), None)
        s = conn.secretDefineXML(CEPH.format(u=U1, name="fv-ev"))
        s.setValue(b"x")
        s.undefine()
        wait_for(lambda: len([e for e in seen if e[1] == U1]) >= 3)
        assert [e for e in seen if e[1] == U1] == [
            ("life", U1, libvirt.VIR_SECRET_EVENT_DEFINED, 0), ("value", U1, "fv-ev"),
            ("life", U1, libvirt.VIR_SECRET_EVENT_UNDEFINED, 0)]
        c.secretEventDeregisterAny(life)
        c.secretEventDeregisterAny(val)
        assert error_of(c.secretEventDeregisterAny, val) == (  # the client's own check
            libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_NONE, f"invalid argument: event callback id {val} not registered")
    finally:
        c.close()


# ---- LUKS volumes in a dir pool -------------------------------------------------------------------

LUKS_VOL = ("<volume><name>{name}</name><capacity unit='M'>16</capacity><target><format type='{fmt}'/>"
            "<encryption format='{enc}'>{secrets}</encryption></target></volume>")


@pytest.fixture
def luks_pool(conn, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("fv-luks")
    path.chmod(0o755)
    p = conn.storagePoolCreateXML(f"<pool type='dir'><name>fv-luks</name><target><path>{path}</path></target>"
                                  "</pool>", libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    yield p, str(path)
    for v in p.listAllVolumes():
        v.delete()
    p.destroy()


def test_luks_volume(conn, luks_pool) -> None:
    pool, path = luks_pool
    secret = f"<secret type='passphrase' uuid='{U1}'/>"
    qcow = LUKS_VOL.format(name="a.qcow2", fmt="qcow2", enc="luks", secrets=secret)
    assert error_of(pool.createXML, qcow) == (NO_SECRET, SECRET, f"Secret not found: no secret with matching uuid '{U1}'")
    conn.secretDefineXML(f"<secret><uuid>{U1}</uuid><usage type='volume'><volume>{path}/a.qcow2</volume></usage>"
                         "</secret>")
    assert error_of(pool.createXML, qcow) == (NO_SECRET, SECRET, f"Secret not found: secret '{U1}' does not have a value")
    conn.secretLookupByUUIDString(U1).setValue(b"passphrase")
    assert error_of(pool.createXML, LUKS_VOL.format(name="b.qcow2", fmt="qcow2", enc="luks", secrets="")) == (
        libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_STORAGE,
        "invalid argument: A single <secret type='passphrase'...> element is expected in encryption description")
    assert error_of(pool.createXML, LUKS_VOL.format(name="b.qcow2", fmt="qcow2", enc="qcow", secrets=secret)) == (
        libvirt.VIR_ERR_CONFIG_UNSUPPORTED, libvirt.VIR_FROM_STORAGE,
        "unsupported configuration: creation of qcow2 encrypted image is not supported")
    conn.secretDefineXML(f"<secret><uuid>{U2}</uuid><usage type='ceph'><name>fv-luks</name></usage></secret>")
    assert error_of(pool.createXML, LUKS_VOL.format(name="b.qcow2", fmt="qcow2", enc="luks",
                                                    secrets=f"<secret type='passphrase' uuid='{U2}'/>")) == (
        libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_NONE,
        f"invalid argument: secret with uuid {U2} is of type 'ceph' not expected 'volume' type")
    vol = pool.createXML(qcow)
    assert vol.XMLDesc().split("</timestamps>\n")[1] == (
        f"    <encryption format='luks'>\n      <secret type='passphrase' uuid='{U1}'/>\n    </encryption>\n"
        "  </target>\n</volume>\n")
    by_usage = pool.createXML(LUKS_VOL.format(name="c.img", fmt="raw", enc="luks",
                                              secrets=f"<secret type='passphrase' usage='{path}/a.qcow2'/>"))
    assert f"<secret type='passphrase' usage='{path}/a.qcow2'/>" in by_usage.XMLDesc()
    assert "<format type='raw'/>" in by_usage.XMLDesc()


# ---- domains whose disks need secrets -------------------------------------------------------------

RBD_DOMAIN = """<domain type='qemu'><name>fv-secret-disk</name><memory unit='MiB'>64</memory>
<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
<disk type='network' device='disk'><driver name='qemu' type='raw'/>{auth}
<source protocol='{protocol}' name='pool/image'><host name='127.0.0.1' port='6789'/></source>
<target dev='vda' bus='virtio'/></disk></devices></domain>"""


@pytest.fixture
def undefine_domain(conn):
    yield
    try:
        conn.lookupByName("fv-secret-disk").undefine()
    except libvirt.libvirtError:
        pass


@pytest.mark.usefixtures("undefine_domain")
def test_disk_auth_needs_its_secret(conn) -> None:
    auth = "<auth username='admin'><secret type='ceph' usage='fv-client.admin'/></auth>"
    dom = conn.defineXML(RBD_DOMAIN.format(auth=auth, protocol="rbd"))
    assert error_of(dom.create) == (NO_SECRET, SECRET, "Secret not found: no secret with matching usage 'fv-client.admin'")
    conn.secretDefineXML(f"<secret><uuid>{U1}</uuid><usage type='iscsi'><target>fv-client.admin</target></usage>"
                         "</secret>")
    assert error_of(dom.create)[2] == "Secret not found: no secret with matching usage 'fv-client.admin'"
    conn.secretDefineXML(CEPH.format(u=U2, name="fv-client.admin"))
    assert error_of(dom.create) == (NO_SECRET, SECRET, f"Secret not found: secret '{U2}' does not have a value")
    assert dom.isActive() == 0


@pytest.mark.usefixtures("undefine_domain")
def test_disk_auth_secret_of_another_type(conn) -> None:
    conn.secretDefineXML(CEPH.format(u=U1, name="fv-iqn"))
    auth = f"<auth username='admin'><secret type='iscsi' uuid='{U1}'/></auth>"
    dom = conn.defineXML(RBD_DOMAIN.format(auth=auth, protocol="iscsi").replace("pool/image", "iqn.2020-01.fv:t/1"))
    assert error_of(dom.create) == (libvirt.VIR_ERR_INVALID_ARG, libvirt.VIR_FROM_NONE,
                                    f"invalid argument: secret with uuid {U1} is of type 'ceph' not expected "
                                    "'iscsi' type")


def test_disk_secrets_satisfied_start(fakevirt_uri: str) -> None:
    """With every secret defined and set (even private ones) the domain starts; fakevirt only (the
    reference would run qemu against an rbd server that does not exist)."""
    conn = libvirt.open(fakevirt_uri)
    conn.secretDefineXML(CEPH.format(u=U1, name="fv-ok").replace("private='no'", "private='yes'")).setValue(b"k")
    auth = "<auth username='admin'><secret type='ceph' usage='fv-ok'/></auth>"
    dom = conn.defineXML(RBD_DOMAIN.format(auth=auth, protocol="rbd"))
    dom.create()
    assert dom.isActive() == 1
    dom.destroy()
    conn.close()


def test_encrypted_disk_needs_its_volume_secret(fakevirt_uri: str) -> None:
    conn = libvirt.open(fakevirt_uri)
    pool = conn.storagePoolCreateXML("<pool type='dir'><name>fv</name><target><path>/tmp/fv-enc</path></target></pool>",
                                     libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    conn.secretDefineXML(f"<secret><uuid>{U1}</uuid><usage type='volume'><volume>/tmp/fv-enc/d.qcow2</volume>"
                         "</usage></secret>").setValue(b"pw")
    secret = f"<secret type='passphrase' uuid='{U1}'/>"
    enc = f"<encryption format='luks'>{secret}</encryption>"
    pool.createXML(LUKS_VOL.format(name="d.qcow2", fmt="qcow2", enc="luks", secrets=secret))
    dom = conn.defineXML(f"""<domain type='qemu'><name>fv-enc</name><memory unit='MiB'>64</memory>
        <os><type arch='x86_64' machine='pc'>hvm</type></os><devices><disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/><source file='/tmp/fv-enc/d.qcow2'>{enc}</source>
        <target dev='vda' bus='virtio'/></disk></devices></domain>""")
    conn.secretLookupByUUIDString(U1).undefine()
    assert error_of(dom.create) == (NO_SECRET, SECRET, f"Secret not found: no secret with matching uuid '{U1}'")
    conn.secretDefineXML(f"<secret><uuid>{U1}</uuid></secret>").setValue(b"pw")  # no usage: accepted
    dom.create()
    assert dom.isActive() == 1
    conn.close()
