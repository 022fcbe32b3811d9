"""HTTPS for the emulators: a local CA (trustme) and a server certificate for the loopback names."""

from __future__ import annotations

import ipaddress
import socket
import ssl

import requests

from emulators.base import start_emulator
from emulators.netsuite import NetSuiteEmulator


def test_the_ca_written_to_ca_out_verifies_the_server_for_every_loopback_name(tmp_path):
    ca = tmp_path / "not-yet" / "ca.pem"
    running = start_emulator(NetSuiteEmulator(), ca_out=str(ca))
    try:
        port = running.server.server_port
        answers = [
            requests.get(f"https://{host}:{port}/__emulator__/stats", verify=str(ca), timeout=5)
            for host in ("127.0.0.1", "localhost")
        ]
        context = ssl.create_default_context(cafile=str(ca))
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as sock,
            context.wrap_socket(sock, server_hostname="127.0.0.1") as tls,
        ):
            names = tls.getpeercert()["subjectAltName"]
    finally:
        running.stop()

    assert running.url.startswith("https://")
    assert [answer.status_code for answer in answers] == [200, 200]
    assert ("DNS", "localhost") in names
    addresses = {
        ipaddress.ip_address(value.strip()) for kind, value in names if kind == "IP Address"
    }
    assert addresses == {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}


def test_a_kept_ca_verifies_the_next_runs_server_and_its_key_is_private(tmp_path):
    ca = tmp_path / ".emulators" / "ca.pem"
    first = start_emulator(NetSuiteEmulator(), ca_out=str(ca), keep_ca=True)
    first.stop()
    kept = ca.read_bytes()
    running = start_emulator(NetSuiteEmulator(), ca_out=str(ca), keep_ca=True)
    try:
        answer = requests.get(f"{running.url}/__emulator__/stats", verify=str(ca), timeout=5)
    finally:
        running.stop()

    assert answer.status_code == 200
    assert ca.read_bytes() == kept
    assert (ca.parent / "ca-key.pem").stat().st_mode & 0o777 == 0o600
