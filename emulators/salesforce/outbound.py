"""
Outbound messages: every create and update through the API or the UI is sent, as SOAP, to the
notify URL, and retried until the receiver answers with an Ack.
"""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

import requests
from django.conf import settings

from .ids import POD, id18, random_id
from .schema import soap_datetime


class OutboundMixin:
    """Messages queue while a change is made and go to the notifier once it is saved."""

    pending_notifications: list[dict[str, Any]]
    outbound_fields: dict[str, list[str]]  # from the package's workflows: what each message holds
    # Set while an allOrNone Composite request runs (composite.py): its messages wait for it.
    holding_notifications = False

    def notification_accepted(self, response: requests.Response) -> bool:
        return response.status_code == 200 and bool(
            re.search(rb"<(?:\w+:)?Ack>\s*true\s*</(?:\w+:)?Ack>", response.content)
        )

    def queue_notification(self, sobject: str, record: dict[str, Any]) -> None:
        # An sObject with no outbound message in the package sends none, as in the real org.
        if self.notifier and sobject in self.outbound_fields:
            self.pending_notifications.append({"type": sobject, "record": dict(record)})

    def flush_notifications(self) -> None:
        """Hand queued messages to the notifier; call with the lock held, after the change."""
        if self.holding_notifications:
            return
        pending, self.pending_notifications = self.pending_notifications, []
        for item in pending:
            self.notify(
                self.outbound_message(item["type"], item["record"]),
                {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "notifications"},
            )

    def outbound_message(self, sobject: str, record: dict[str, Any]) -> bytes:
        """Salesforce SOAP API guide, "Understanding the Outbound Messaging WSDL"."""
        org_id = self.org_id()
        action_id = id18("04k" + POD + ("000000001" if sobject == "Account" else "000000002"))
        api_version = getattr(settings, "SALESFORCE_API_VERSION", "62.0")
        fields = []
        for name in self.outbound_fields[sobject]:  # the message's fields, in its order
            value = record.get(name)
            if value is None:
                continue
            try:
                kind = self.field_kind(sobject, name)
            except KeyError:  # a value from a state file, of a field the org no longer has
                continue
            if kind == "datetime":
                text = soap_datetime(value)
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = str(value)
            fields.append(f"<sf:{name}>{escape(text)}</sf:{name}>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body>"
            '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
            f"<OrganizationId>{org_id}</OrganizationId>"
            f"<ActionId>{action_id}</ActionId>"
            '<SessionId xsi:nil="true"/>'
            f"<EnterpriseUrl>{escape(self.public_url)}/services/Soap/c/{api_version}/"
            f"{org_id[:15]}</EnterpriseUrl>"
            f"<PartnerUrl>{escape(self.public_url)}/services/Soap/u/{api_version}/"
            f"{org_id[:15]}</PartnerUrl>"
            "<Notification>"
            f"<Id>{random_id('04l')}</Id>"
            f'<sObject xsi:type="sf:{sobject}" '
            'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{''.join(fields)}"
            "</sObject>"
            "</Notification>"
            "</notifications>"
            "</soapenv:Body>"
            "</soapenv:Envelope>"
        ).encode()
