"""The server's TLS credentials in libvirt's x509 layout, loaded with the standard library only.

Like libvirtd (tls_no_verify_certificate = 0), every client must present a certificate signed
by the CA; the check is made during the handshake. Standard library only: the CLI loads the
credentials before it imports trio, so a missing file is reported before anything listens.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass

SYSTEM_CACERT = "/etc/pki/CA/cacert.pem"
SYSTEM_CACRL = "/etc/pki/CA/cacrl.pem"
SYSTEM_SERVERCERT = "/etc/pki/libvirt/servercert.pem"
SYSTEM_SERVERKEY = "/etc/pki/libvirt/private/serverkey.pem"


class PkiError(Exception):
    """Credentials that cannot be used; the text is libvirt's."""


@dataclass(frozen=True)
class PkiFiles:
    cacert: str
    servercert: str
    serverkey: str
    cacrl: str  # optional: used when the file exists

    @classmethod
    def system(cls) -> PkiFiles:
        """libvirtd's defaults when it runs as root."""
        return cls(SYSTEM_CACERT, SYSTEM_SERVERCERT, SYSTEM_SERVERKEY, SYSTEM_CACRL)

    @classmethod
    def in_dir(cls, path: str) -> PkiFiles:
        """One directory, as a client's ``?pkipath=DIR``: cacert.pem, servercert.pem, serverkey.pem."""
        return cls(*(os.path.join(path, name)
                     for name in ("cacert.pem", "servercert.pem", "serverkey.pem", "cacrl.pem")))


def _check_readable(kind: str, path: str) -> None:
    try:
        with open(path, "rb"):
            pass
    except OSError as e:
        raise PkiError(f"Cannot read {kind} '{path}': {e.strerror}") from e


def server_context(files: PkiFiles) -> ssl.SSLContext:
    """A server-side context that requires a client certificate signed by the CA."""
    _check_readable("CA certificate", files.cacert)
    _check_readable("certificate", files.servercert)
    _check_readable("private key", files.serverkey)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.verify_mode = ssl.CERT_REQUIRED
    # No TLS 1.3 session tickets: a libvirt client reads one record after the handshake and
    # fails ("Resource temporarily unavailable") when a ticket comes before the confirmation byte.
    ctx.num_tickets = 0
    try:
        ctx.load_verify_locations(cafile=files.cacert)
    except ssl.SSLError as e:
        raise PkiError(f"Unable to set x509 CA certificate: {files.cacert}: {e.reason or e}") from e
    if os.path.exists(files.cacrl):
        try:
            ctx.load_verify_locations(cafile=files.cacrl)
        except ssl.SSLError as e:
            raise PkiError(f"Unable to set x509 certificate revocation list: {files.cacrl}: "
                           f"{e.reason or e}") from e
        ctx.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    try:
        ctx.load_cert_chain(files.servercert, files.serverkey)
    except ssl.SSLError as e:
        raise PkiError(f"Unable to set x509 key and certificate: {files.serverkey}, {files.servercert}: "
                       f"{e.reason or e}") from e
    return ctx
