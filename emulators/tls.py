"""A throwaway local CA (trustme) and a server certificate it signs: HTTPS for the emulators."""

from __future__ import annotations

from pathlib import Path

import trustme
from cheroot.ssl.builtin import BuiltinSSLAdapter


def make_ssl_adapter(ca_out: str | Path) -> BuiltinSSLAdapter:
    """
    Create a CA and a leaf for localhost/127.0.0.1/::1; write the CA certificate to ca_out and
    return the server's TLS adapter (cheroot's, over the standard ssl module).
    """
    ca = trustme.CA(organization_name="SFNS emulator local CA")
    server_cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    ca_path = Path(ca_out)
    ca_path.parent.mkdir(parents=True, exist_ok=True)
    ca.cert_pem.write_to_path(str(ca_path))
    # The adapter loads the key and chain from a file; this one is gone once they are loaded.
    with server_cert.private_key_and_cert_chain_pem.tempfile() as pem:
        return BuiltinSSLAdapter(pem, pem)
