"""
Salesforce Outbound Messaging, SOAP 1.1 (Salesforce SOAP API guide, "Understanding the
Outbound Messaging WSDL"): parse a notifications message, render the Ack and faults.
Parsing uses defusedxml: the body comes from the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from accounts.ids import InvalidSalesforceId, salesforce_id_canonical

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOBJECT = "urn:sobject.enterprise.soap.sforce.com"
MAX_NOTIFICATIONS = 100
ID_FIELDS = ("Id", "AccountId", "ParentId")

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
    f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack>'
    "</notificationsResponse></soapenv:Body></soapenv:Envelope>"
)


def fault(code: str, message: str) -> str:
    """A SOAP 1.1 fault; code is "Client" (bad message) or "Server" (try again)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>soapenv:{code}</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )


class BadMessage(ValueError):
    """The body is not a well-formed outbound message; the text says what is wrong."""


@dataclass
class OutboundMessage:
    organization_id: str
    action_id: str
    notifications: list[dict[str, Any]] = field(default_factory=list)


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


_NOTIFICATION = _q(OUTBOUND, "Notification")
_SOBJECT = _q(OUTBOUND, "sObject")
_NIL = _q(XSI, "nil")
_XSI_TYPE = _q(XSI, "type")
_FIELD_PREFIX = f"{{{SOBJECT}}}"
_FIELD_NAME_AT = len(_FIELD_PREFIX)


def _text(parent: Element, tag: str, *, required: bool = True) -> str:
    node = parent.find(_q(OUTBOUND, tag))
    if node is None or node.get(_NIL) == "true" or not (node.text or "").strip():
        if required:
            raise BadMessage(f"missing <{tag}>")
        return ""
    return node.text.strip()


def parse_outbound_message(body: bytes) -> OutboundMessage:
    if not body:
        raise BadMessage("empty body: expected a SOAP envelope")
    try:
        root = fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise BadMessage(f"not well-formed XML ({exc})") from exc
    except (LookupError, ValueError) as exc:  # <?xml encoding="..."?> that expat cannot read
        raise BadMessage(f"unreadable XML ({exc})") from exc
    if root.tag != _q(SOAP_ENV, "Envelope"):
        raise BadMessage("expected a SOAP 1.1 Envelope")
    notifications = root.find(f"{_q(SOAP_ENV, 'Body')}/{_q(OUTBOUND, 'notifications')}")
    if notifications is None:
        raise BadMessage("expected <notifications> in the SOAP Body")
    message = OutboundMessage(
        organization_id=_text(notifications, "OrganizationId"),
        action_id=_text(notifications, "ActionId", required=False),
    )
    items = notifications.findall(_NOTIFICATION)
    if not 1 <= len(items) <= MAX_NOTIFICATIONS:
        raise BadMessage(f"expected 1 to {MAX_NOTIFICATIONS} <Notification>, got {len(items)}")
    for item in items:
        note_id = _text(item, "Id")
        sobject = item.find(_SOBJECT)
        if sobject is None:
            raise BadMessage(f"notification {note_id}: missing <sObject>")
        sobject_type = sobject.get(_XSI_TYPE, "").rpartition(":")[2]
        if not sobject_type:
            raise BadMessage(f"notification {note_id}: <sObject> has no xsi:type")
        fields: dict[str, Any] = {}
        for child in sobject:  # the hot loop of a 100-notification message: kept lean
            tag = child.tag
            if not tag.startswith(_FIELD_PREFIX):
                raise BadMessage(f"notification {note_id}: unexpected element {tag}")
            fields[tag[_FIELD_NAME_AT:]] = None if child.get(_NIL) == "true" else (child.text or "")
        if not fields.get("Id"):
            raise BadMessage(f"notification {note_id}: the sObject has no sf:Id")
        for name in ID_FIELDS:  # as the mirrors hold them: 18 characters, Salesforce's case
            if fields.get(name) is not None:
                try:
                    fields[name] = salesforce_id_canonical(fields[name])
                except InvalidSalesforceId as exc:
                    raise BadMessage(f"notification {note_id}: sf:{name} {exc}") from None
        message.notifications.append({"id": note_id, "type": sobject_type, "fields": fields})
    return message
