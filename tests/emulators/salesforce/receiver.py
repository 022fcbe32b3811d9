"""A scripted listener for outbound messages, and how to read what it received."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from defusedxml import ElementTree

ACK = (
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    b"</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


NACK = ACK.replace(b"<Ack>true</Ack>", b"<Ack>false</Ack>")


class Receiver:
    """A listener on 127.0.0.1 that answers from a script of (status, body), then always Acks."""

    def __init__(self, script: list[tuple[int, bytes]]) -> None:
        self.script = list(script)
        self.requests: list[tuple[dict, bytes]] = []
        self.acked = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status, answer = receiver.script.pop(0) if receiver.script else (200, ACK)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                if answer == ACK and status == 200:
                    receiver.acked.set()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/outbound"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


NS = {
    "soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
    "om": "http://soap.sforce.com/2005/09/outbound",
    "sf": "urn:sobject.enterprise.soap.sforce.com",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def sobjects(receiver: Receiver) -> list[tuple[str, str]]:
    """(xsi:type, Id) of each notification received so far, in order."""
    found = []
    for _, body in receiver.requests:
        sobject = ElementTree.fromstring(body).find(".//om:sObject", NS)
        found.append(
            (sobject.get(f"{{{NS['xsi']}}}type"), sobject.findtext("sf:Id", namespaces=NS))
        )
    return found


def messages(receiver: Receiver) -> list[list[tuple[str, str]]]:
    """Each message received so far, in order, as the (xsi:type, Id) of its notifications."""
    found = []
    for _, body in receiver.requests:
        root = ElementTree.fromstring(body)
        found.append(
            [
                (sobject.get(f"{{{NS['xsi']}}}type"), sobject.findtext("sf:Id", namespaces=NS))
                for sobject in root.iterfind(".//om:sObject", NS)
            ]
        )
    return found


def wait_for(receiver: Receiver, count: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.requests) < count and time.monotonic() < deadline:
        time.sleep(0.05)
