"""Build Salesforce outbound messages as Salesforce sends them (docs/wire.md), for tests."""

from __future__ import annotations

import itertools
from xml.sax.saxutils import escape

_ids = itertools.count(1)


def notification_id() -> str:
    return f"04l{next(_ids):012d}AAA"


def outbound_message(
    org_id: str, records: list[dict], *, sobject: str = "Account", ids: list[str] | None = None
) -> bytes:
    notes = []
    for i, fields in enumerate(records):
        note_id = ids[i] if ids else notification_id()
        body = "".join(
            f'<sf:{k} xsi:nil="true"/>' if v is None else f"<sf:{k}>{escape(str(v))}</sf:{k}>"
            for k, v in fields.items()
        )
        notes.append(
            f"<Notification><Id>{note_id}</Id>"
            f'<sObject xsi:type="sf:{sobject}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{body}</sObject></Notification>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{org_id}</OrganizationId><ActionId>04k000000000001AAA</ActionId>"
        '<SessionId xsi:nil="true"/>'
        "<EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/00D</EnterpriseUrl>"
        "<PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/00D</PartnerUrl>"
        + "".join(notes)
        + "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()
