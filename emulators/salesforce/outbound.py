"""
Outbound messages: a create or update starts the package's record-triggered flows on that
sObject; each flow whose entry condition holds for the user making the change (users.py) queues
a notification. Once the save (one API call, one UI save) is done, its notifications go to the
notify URL in order, as SOAP messages of up to 100 notifications each (SOAP API Developer Guide,
"Outbound Messaging": "a single SOAP message can include up to 100 notifications"), each
retried until the receiver answers with an Ack (emulators/notify.py).
"""

from __future__ import annotations

import itertools
import re
from typing import Any
from xml.sax.saxutils import escape

import requests
from django.conf import settings

from .ids import POD, id18, random_id
from .package import RecordFlow
from .schema import soap_datetime
from .users import acting_user

MAX_NOTIFICATIONS = 100  # a SOAP message's notifications
SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "notifications"}
# The ActionId of each sObject's outbound message (04k...): fixed, as an org's would be.
ACTION_SEQUENCES = {"Account": "000000001", "Opportunity": "000000002", "Contact": "000000003"}


class OutboundMixin:
    """Messages queue while a change is made and go to the notifier once it is saved."""

    pending_notifications: list[dict[str, Any]]
    outbound_fields: dict[str, list[str]]  # from the package's workflows: what each message holds
    flows: dict[str, list[RecordFlow]]  # from the package's flows: when a message is sent
    user_permissions: dict[str, frozenset[str]]  # user id -> custom permissions held
    stats: dict[str, Any]
    # Set while a Composite request runs (composite.py): its messages wait for it to finish.
    holding_notifications = False

    def notification_accepted(self, response: requests.Response) -> bool:
        return response.status_code == 200 and bool(
            re.search(rb"<(?:\w+:)?Ack>\s*true\s*</(?:\w+:)?Ack>", response.content)
        )

    def reset_stats(self) -> None:
        super().reset_stats()
        with self.lock:
            self.stats["outbound"] = {"notifications": 0, "messages": 0, "skipped_by_entry": 0}

    def stats_snapshot(self) -> dict[str, Any]:
        snapshot = super().stats_snapshot()
        with self.lock:
            snapshot["outbound"] = dict(self.stats["outbound"])
        return snapshot

    def queue_notification(self, sobject: str, record: dict[str, Any], *, created: bool) -> None:
        """
        Start the sObject's flows for this save: one notification per flow that sends. An
        sObject with no flow in the package sends none, as in the real org.
        """
        if not self.notifier:
            return
        permissions = self.user_permissions.get(acting_user(), frozenset())
        for flow in self.flows.get(sobject, []):
            if not flow.starts_on(created=created):
                continue
            if flow.enters(permissions):
                self.pending_notifications.append({"type": sobject, "record": dict(record)})
            else:
                self.stats["outbound"]["skipped_by_entry"] += 1

    def flush_notifications(self) -> None:
        """
        Hand the queued notifications to the notifier, in order, as messages of at most 100 of
        one sObject each; call with the lock held, after the change.
        """
        if self.holding_notifications:
            return
        pending, self.pending_notifications = self.pending_notifications, []
        for sobject, run in itertools.groupby(pending, key=lambda item: item["type"]):
            records = [item["record"] for item in run]
            for first in range(0, len(records), MAX_NOTIFICATIONS):
                batch = records[first : first + MAX_NOTIFICATIONS]
                self.notify(self.outbound_message(sobject, batch), SOAP_HEADERS)
                self.stats["outbound"]["messages"] += 1
                self.stats["outbound"]["notifications"] += len(batch)

    def outbound_message(self, sobject: str, records: list[dict[str, Any]]) -> bytes:
        """Salesforce SOAP API guide, "Understanding the Outbound Messaging WSDL"."""
        org_id = self.org_id()
        action_id = id18("04k" + POD + ACTION_SEQUENCES.get(sobject, "000000009"))
        api_version = getattr(settings, "SALESFORCE_API_VERSION", "62.0")
        notifications = "".join(
            "<Notification>"
            f"<Id>{random_id('04l')}</Id>"
            f'<sObject xsi:type="sf:{sobject}" '
            'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{self.notification_fields(sobject, record)}"
            "</sObject>"
            "</Notification>"
            for record in records
        )
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
            f"{notifications}"
            "</notifications>"
            "</soapenv:Body>"
            "</soapenv:Envelope>"
        ).encode()

    def notification_fields(self, sobject: str, record: dict[str, Any]) -> str:
        """The record's fields that the package's outbound message selects, in its order."""
        fields = []
        for name in self.outbound_fields[sobject]:
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
        return "".join(fields)
