"""
B3's yardstick: the least a receiver of Salesforce outbound messages must do, as a WSGI app
served by the Procfile's own gunicorn line. It parses the message with defusedxml, as SFNS
does, stores every notification (its id and sObject fields) with one batched INSERT a message
into the same PostgreSQL (DATABASE_URL), committed before it answers the Ack. A redelivered id
is stored once (the primary key), as SFNS's dedupe would.
"""

from __future__ import annotations

import json
import os

import psycopg
from defusedxml.ElementTree import fromstring

OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
TABLE = "bench_bare_notification"
CREATE_TABLE = f"CREATE TABLE IF NOT EXISTS {TABLE} (id text PRIMARY KEY, fields jsonb NOT NULL)"
INSERT = (
    f"INSERT INTO {TABLE} (id, fields) "  # noqa: S608 (a constant)
    "SELECT * FROM unnest(%s::text[], %s::jsonb[]) ON CONFLICT (id) DO NOTHING"
)
ACK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
    b'<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>'
    b"</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)

_connection: psycopg.Connection | None = None


def _db() -> psycopg.Connection:
    """One connection a gunicorn worker, kept open (each statement commits)."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return _connection


def application(environ: dict, start_response) -> list[bytes]:
    if environ["REQUEST_METHOD"] != "POST":  # a readiness probe
        start_response("405 Method Not Allowed", [("Allow", "POST")])
        return [b""]
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    ids, documents = [], []
    for note in fromstring(body).iter(f"{OUTBOUND}Notification"):
        sobject = note.find(f"{OUTBOUND}sObject")
        ids.append(note.findtext(f"{OUTBOUND}Id"))
        documents.append(
            json.dumps({child.tag.rpartition("}")[2]: child.text for child in sobject})
        )
    _db().execute(INSERT, (ids, documents))
    start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8")])
    return [ACK]
