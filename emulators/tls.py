"""A local CA (trustme) and a server certificate it signs: HTTPS for the emulators."""

from __future__ import annotations

from pathlib import Path

import trustme
from cheroot.ssl.builtin import BuiltinSSLAdapter


def make_ssl_adapter(ca_out: str | Path, *, keep: bool = False) -> BuiltinSSLAdapter:
    """
    Sign a leaf for localhost/127.0.0.1/::1 with a CA whose certificate is written to ca_out
    and return the server's TLS adapter (cheroot's, over the standard ssl module). The CA is a
    new one, unless keep: then the one kept next to ca_out (its key in <name>-key.pem, readable
    by its owner only) from an earlier run, so a CA someone chose to trust stays trusted.
    """
    ca_path = Path(ca_out)
    key_path = ca_path.with_name(f"{ca_path.stem}-key.pem")
    if keep and ca_path.exists() and key_path.exists():
        ca = trustme.CA.from_pem(ca_path.read_bytes(), key_path.read_bytes())
    else:
        ca = trustme.CA(organization_name="SFNS emulator local CA")
        ca_path.parent.mkdir(parents=True, exist_ok=True)
        ca.cert_pem.write_to_path(str(ca_path))
        if keep:
            key_path.unlink(missing_ok=True)
            key_path.touch(mode=0o600)
            ca.private_key_pem.write_to_path(str(key_path))
    server_cert = ca.issue_cert("localhost", "127.0.0.1", "::1")
    # The adapter loads the key and chain from a file; this one is gone once they are loaded.
    with server_cert.private_key_and_cert_chain_pem.tempfile() as pem:
        return BuiltinSSLAdapter(pem, pem)
