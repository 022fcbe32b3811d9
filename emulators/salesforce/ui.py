"""
The emulated org's pages (emulators.ui): Accounts, Contacts, Opportunities with their products,
and Products at /; each record's page at /<its id>, as Salesforce opens a record, with the
package's buttons, a form and its related records. Saving the form is a person's edit, the same
as POST /__emulator__/edit: the package's flows send the outbound message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from werkzeug.wrappers import Request

from ..ui import LIST_LIMIT, Field, RecordPages, cell, changed_values, esc, link, more, table
from .ids import ID_RE, KEY_PREFIXES, normalise_id
from .package import load_buttons, load_labels
from .schema import CREATE_ONLY_FIELDS, READ_ONLY_FIELDS, SOBJECT_LABELS, WRITABLE_FIELDS

if TYPE_CHECKING:
    from .app import SalesforceEmulator

INPUTS = {
    "boolean": "checkbox",
    "int": "number",
    "double": "number",
    "currency": "number",
    "percent": "number",
    "date": "date",
    "textarea": "textarea",
}
# Not on the forms: the org's users are not emulated beyond who makes a change.
NOT_ON_FORMS = frozenset({"OwnerId"})
MERGE_FIELD = re.compile(r"\{!(\$Label|\w+)\.(\w+)\}")
SOBJECT_OF_PREFIX = {
    prefix: sobject for sobject, prefix in KEY_PREFIXES.items() if sobject in WRITABLE_FIELDS
}
DATES = ("CreatedDate", "LastModifiedDate")
ACCOUNT_COLUMNS = ["Name", "Phone", "Website", "NetSuite Id", "NetSuite Sync", "NetSuite Balance"]
CONTACT_COLUMNS = ["Name", "Account", "Email", "Phone"]
OPPORTUNITY_COLUMNS = ["Name", "Account", "Stage", "Amount", "Close Date", "Products"]
PRODUCT_COLUMNS = ["Name", "Product Code", "Active", "Standard Price"]
Row = Callable[[dict[str, Any]], list[str]]


class SalesforcePages(RecordPages):
    home = "Salesforce (emulator)"

    def __init__(self, app: SalesforceEmulator, package_dir: str | Path | None = None) -> None:
        super().__init__()
        self.app = app
        self.buttons = load_buttons(package_dir)
        self.labels = load_labels(package_dir)

    def target(self, path: str) -> tuple[str, str] | None:
        record_id = path[1:]
        if path.count("/") != 1 or not ID_RE.match(record_id):
            return None
        sobject = SOBJECT_OF_PREFIX.get(record_id[:3])
        return (sobject, normalise_id(record_id)) if sobject else None  # type: ignore[return-value]

    # -- the list --------------------------------------------------------------------------
    def index(self, request: Request) -> str:
        with self.app.lock:
            return (
                '<p class="hint">Open a record to edit it as a person would: saving an '
                "Account, a Contact or an Opportunity sends SFNS the outbound message of the "
                "package's flows.</p>"
                + self.section("Account", ACCOUNT_COLUMNS, self.account_row)
                + self.section("Contact", CONTACT_COLUMNS, self.contact_row)
                + self.section("Opportunity", OPPORTUNITY_COLUMNS, self.opportunity_row)
                + self.section("Product2", PRODUCT_COLUMNS, self.product_row)
            )

    def section(self, sobject: str, headers: list[str], row: Row) -> str:
        records = self.app.state["records"][sobject]
        rows = [row(record) for record in islice(records.values(), LIST_LIMIT)]
        title = SOBJECT_LABELS[sobject][1]
        return f"<h2>{esc(title)}</h2>{table(headers, rows)}{more(len(records), '/<its id>')}"

    def account_row(self, record: dict[str, Any]) -> list[str]:
        fields = ("Phone", "Website", "NetSuite_Id__c", "NetSuite_Sync__c", "NetSuite_Balance__c")
        return [
            link(f"/{record['Id']}", record.get("Name")),
            *(cell(record.get(f)) for f in fields),
        ]

    def contact_row(self, record: dict[str, Any]) -> list[str]:
        name = " ".join(filter(None, (record.get("FirstName"), record.get("LastName"))))
        return [
            link(f"/{record['Id']}", name),
            self.reference("Account", record.get("AccountId")),
            cell(record.get("Email")),
            cell(record.get("Phone")),
        ]

    def opportunity_row(self, record: dict[str, Any]) -> list[str]:
        lines = "<br>".join(self.line_summary(line) for line in self.lines(record["Id"]))
        return [
            link(f"/{record['Id']}", record.get("Name")),
            self.reference("Account", record.get("AccountId")),
            *(cell(record.get(f)) for f in ("StageName", "Amount", "CloseDate")),
            lines,
        ]

    def product_row(self, record: dict[str, Any]) -> list[str]:
        standard = self.app.standard_entry(record["Id"])
        return [
            link(f"/{record['Id']}", record.get("Name")),
            cell(record.get("ProductCode")),
            cell(record.get("IsActive")),
            cell(standard["UnitPrice"] if standard else None),
        ]

    def lines(self, opportunity_id: str) -> list[dict[str, Any]]:
        """An Opportunity's line items in the seller's order (SortOrder, then as added)."""
        lines = self.app.live("OpportunityLineItem", "OpportunityId", opportunity_id)
        return sorted(lines, key=lambda line: (line.get("SortOrder") or 0, line["Id"]))

    def line_summary(self, line: dict[str, Any]) -> str:
        product = self.app.state["records"]["Product2"].get(line.get("Product2Id"), {})
        price = f"{cell(line.get('Quantity'))} at {cell(line.get('UnitPrice'))}"
        return f"{link('/' + line['Id'], product.get('Name'))} &times; {price}"

    def reference(self, sobject: str, record_id: str | None) -> str:
        record = self.app.state["records"][sobject].get(record_id or "")
        return link(f"/{record_id}", record.get("Name")) if record else cell(record_id)

    # -- a record --------------------------------------------------------------------------
    def record_page(self, request: Request, sobject: str, rid: str) -> tuple[str, str] | None:
        with self.app.lock:
            record = self.app.state["records"][sobject].get(rid)
            if record is None:
                return None
            title = f"{SOBJECT_LABELS[sobject][0]}: {record.get('Name') or rid}"
            fixed = [*READ_ONLY_FIELDS.get(sobject, ()), *CREATE_ONLY_FIELDS.get(sobject, ())]
            details = table(
                ["Field", "Value"],
                ([esc(name), cell(record.get(name))] for name in ["Id", *fixed, *DATES]),
            )
            body = (
                self.button_bar(sobject, record)
                + self.form(request, self.fields(sobject, record))
                + f"<h2>Set by Salesforce</h2>{details}"
                + self.related(sobject, record)
            )
        return title, body

    def fields(self, sobject: str, record: dict[str, Any]) -> list[Field]:
        """What a person may change: the writable fields, the package's custom fields."""
        fixed = {*READ_ONLY_FIELDS.get(sobject, ()), *CREATE_ONLY_FIELDS.get(sobject, ())}
        names = [name for name in WRITABLE_FIELDS[sobject] if name not in fixed | NOT_ON_FORMS]
        names += list(self.app.state["custom_fields"][sobject])
        specs = [self.app.field_spec(sobject, name) for name in names]
        return [
            Field(name, spec["label"], INPUTS.get(spec["type"], "text"), record.get(name))
            for name, spec in zip(names, specs, strict=True)
        ]

    def button_bar(self, sobject: str, record: dict[str, Any]) -> str:
        """
        The package's buttons, their merge fields filled in. The org's SFNS_Base_URL label is
        SFNS's address (SFNS_BASE_URL), as `prepare_deploy --base` sets it for a real org.
        """
        labels = {**self.labels, "SFNS_Base_URL": settings.SFNS_BASE_URL}

        def merge(match: re.Match) -> str:
            scope, name = match.groups()
            if scope == "$Label":
                return labels.get(name, "")
            return quote(str(record.get(name) or ""), safe="") if scope == sobject else ""

        buttons = "".join(
            f'<a class="button" href="{esc(MERGE_FIELD.sub(merge, url))}" target="_blank" '
            f'rel="noopener">{esc(label)}</a>'
            for label, url in self.buttons.get(sobject, [])
        )
        return f"<p>{buttons}</p>" if buttons else ""

    def related(self, sobject: str, record: dict[str, Any]) -> str:
        if sobject == "Account":
            contacts = self.app.live("Contact", "AccountId", record["Id"])
            opportunities = self.app.live("Opportunity", "AccountId", record["Id"])
            return (
                f"<h2>Contacts</h2>{table(CONTACT_COLUMNS, map(self.contact_row, contacts))}"
                "<h2>Opportunities</h2>"
                f"{table(OPPORTUNITY_COLUMNS, map(self.opportunity_row, opportunities))}"
            )
        if sobject == "Opportunity":
            rows = (
                [
                    self.line_summary(line),
                    cell(line.get("TotalPrice")),
                    cell(line.get("Description")),
                ]
                for line in self.lines(record["Id"])
            )
            return "<h2>Products</h2>" + table(["Product", "Total Price", "Description"], rows)
        return ""

    # -- saving ----------------------------------------------------------------------------
    def save(self, request: Request, sobject: str, rid: str) -> tuple[str, str]:
        self.app.remember_url(request)
        notifier = self.app.notifier
        with self.app.lock:
            record = self.app.state["records"][sobject].get(rid)
            if record is None:
                return "", f"There is no {sobject} {rid}."
            fields = self.fields(sobject, record)
            changed = changed_values(request.form, fields)
            if not changed:
                return "Nothing changed.", ""
            queued = notifier.queued if notifier else 0
            answer = self.app.person_edit({"type": sobject, "id": rid, "fields": changed})
            sent = (notifier.queued if notifier else 0) - queued
        if answer.status_code != 200:
            errors = json.loads(answer.get_data())
            return "", "Not saved: " + "; ".join(
                f"{e['errorCode']}: {e['message']}" for e in errors
            )
        saved = f"Saved {', '.join(f.label for f in fields if f.name in changed)}."
        if notifier is None:
            return f"{saved} (No notify URL: outbound messages go nowhere.)", ""
        if not sent:
            return f"{saved} No outbound message: no flow of the package sends one for it.", ""
        return f"{saved} Salesforce sent {sent} outbound message(s) to SFNS.", ""
