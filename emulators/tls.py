"""A throwaway local CA (trustme) and a server certificate it signs: HTTPS for the emulators."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme


def make_server_context(ca_out: str | Path) -> ssl.SSLContext:
    """Create a CA and a leaf for localhost/127.0.0.1/::1; write the CA certificate to ca_out."""
    ca = trustme.CA(organization_name="SFNS emulator local CA")
    server_cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    ca_path = Path(ca_out)
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(ca_path))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(context)
    return context
