"""
The emulated account's pages (emulators.ui): customers with their lock box and financials,
contacts, estimates, sales orders and items at /; each record's page at /records/<type>/<id>.
Saving a record's form is a user's edit in the NetSuite UI, the same as POST /__emulator__/edit:
for a customer, the script posts the change to SFNS. A customer's financials have a form of
their own: what invoices and payments do to them, which saves no customer and runs no script.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import islice
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from ..ui import LIST_LIMIT, Field, RecordPages, cell, changed_values, esc, link, more, table
from .items import find_item
from .schema import FINANCIAL_FIELDS, ITEM_TYPES, RECORD_TYPES, SYSTEM_FIELDS, TRANSACTION_TYPES
from .webhook import FIELD_PARAMETERS

if TYPE_CHECKING:
    from .app import NetSuiteEmulator

PREFIX = "/records/"
INPUTS = {"boolean": "checkbox", "integer": "number", "number": "number", "date": "date"}
TITLES = {
    "customer": "Customers",
    "contact": "Contacts",
    "estimate": "Estimates",
    "salesOrder": "Sales Orders",
}
RECORD_NAMES = {
    "customer": "Customer",
    "contact": "Contact",
    "estimate": "Estimate",
    "salesOrder": "Sales Order",
    "inventoryItem": "Inventory Item",
    "nonInventorySaleItem": "Non-inventory Item",
    "serviceSaleItem": "Service Item",
}
TRANSACTION_COLUMNS = ["ID", "Title", "Customer", "Total", "Lines"]
Row = Callable[[str, dict[str, Any]], list[str]]


def typed(spec: dict[str, Any], value: Any) -> Any:
    """A form value as the record holds it; ValueError names the field when it cannot be."""
    kind = spec["type"]
    if kind == "boolean" or value == "":
        return bool(value) if kind == "boolean" else None
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            return float(value)
    except ValueError:
        raise ValueError(f"{spec['title']}: {value!r} is not a number.") from None
    return {"id": value} if kind == "reference" else value


class NetSuitePages(RecordPages):
    home = "NetSuite (emulator)"

    def __init__(self, app: NetSuiteEmulator) -> None:
        super().__init__()
        self.app = app

    def target(self, path: str) -> tuple[str, str] | None:
        rtype, _, rid = path.removeprefix(PREFIX).partition("/")
        if not path.startswith(PREFIX) or rtype not in RECORD_TYPES or not rid or "/" in rid:
            return None
        return rtype, rid

    def records(self, rtype: str) -> dict[str, dict]:
        return self.app.state["records"][rtype]

    def script_field(self, parameter: str) -> str:
        """A field the script reads (the lock box, the Salesforce id), as its deployment says."""
        params = self.app.state["script_parameters"]
        return params.get(parameter) or FIELD_PARAMETERS[parameter]

    # -- the list --------------------------------------------------------------------------
    def index(self, request: Request) -> str:
        with self.app.lock:
            customers = ["ID", "Company Name", "Phone", "Email", "Salesforce ID", "Locked"]
            customers += ["Balance", "Overdue", "Credit Limit"]
            contacts = ["ID", "Name", "Company", "Email", "Phone"]
            items = ["ID", "Type", "Item Name/Number", "Display Name", "Base Price", "Inactive"]
            return (
                '<p class="hint">Open a record to edit it as a NetSuite user would: a customer '
                "saved runs SFNS's script, which posts the change to SFNS.</p>"
                + self.section("customer", customers, self.customer_row)
                + self.section("contact", contacts, self.contact_row)
                + "".join(
                    self.section(rtype, TRANSACTION_COLUMNS, self.transaction_row_of(rtype))
                    for rtype in TRANSACTION_TYPES
                )
                + "<h2>Items</h2>"
                + table(items, islice(self.item_rows(), LIST_LIMIT))
            )

    def section(self, rtype: str, headers: list[str], row: Row) -> str:
        records = self.records(rtype)
        rows = [row(rid, record) for rid, record in islice(records.items(), LIST_LIMIT)]
        hint = f"{PREFIX}{rtype}/<internal id>"
        return f"<h2>{esc(TITLES[rtype])}</h2>{table(headers, rows)}{more(len(records), hint)}"

    def customer_row(self, rid: str, record: dict[str, Any]) -> list[str]:
        lock = self.script_field("custscript_sfns_lock_field")
        salesforce_id = self.script_field("custscript_sfns_sfid_field")
        return [
            link(f"{PREFIX}customer/{rid}", rid),
            cell(record.get("companyName")),
            cell(record.get("phone")),
            cell(record.get("email")),
            cell(record.get(salesforce_id)),
            cell(bool(record.get(lock))),
            *(cell(record.get(f)) for f in ("balance", "overdueBalance", "creditLimit")),
        ]

    def contact_row(self, rid: str, record: dict[str, Any]) -> list[str]:
        return [
            link(f"{PREFIX}contact/{rid}", rid),
            cell(record.get("entityId")),
            self.customer_link(record.get("company")),
            cell(record.get("email")),
            cell(record.get("phone")),
        ]

    def transaction_row_of(self, rtype: str) -> Row:
        return lambda rid, record: self.transaction_row(rtype, rid, record)

    def transaction_row(self, rtype: str, rid: str, record: dict[str, Any]) -> list[str]:
        lines = "<br>".join(self.line_summary(line) for line in self.lines(record))
        return [
            link(f"{PREFIX}{rtype}/{rid}", rid),
            cell(record.get("title")),
            self.customer_link(record.get("entity")),
            cell(record.get("total")),
            lines,
        ]

    def item_rows(self) -> Any:
        for rtype in ITEM_TYPES:
            for rid, item in self.records(rtype).items():
                yield [
                    link(f"{PREFIX}{rtype}/{rid}", rid),
                    esc(rtype),
                    *(cell(item.get(f)) for f in ("itemId", "displayName", "basePrice")),
                    cell(bool(item.get("isInactive"))),
                ]

    def customer_link(self, reference: Any) -> str:
        rid = str(reference.get("id", "")) if isinstance(reference, dict) else ""
        customer = self.records("customer").get(rid)
        return link(f"{PREFIX}customer/{rid}", customer.get("companyName")) if customer else ""

    def lines(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        lines = (record.get("item") or {}).get("items") or []
        return [line for line in lines if isinstance(line, dict)]

    def item_name(self, line: dict[str, Any]) -> str:
        ref = line.get("item") if isinstance(line.get("item"), dict) else {}
        item = find_item(self.app.state["records"], ref.get("id")) or {}
        return esc(item.get("itemId") or ref.get("id"))

    def line_summary(self, line: dict[str, Any]) -> str:
        quantity, rate = cell(line.get("quantity", 1)), cell(line.get("rate"))
        return f"{self.item_name(line)} &times; {quantity} at {rate}"

    # -- a record --------------------------------------------------------------------------
    def record_page(self, request: Request, rtype: str, rid: str) -> tuple[str, str] | None:
        with self.app.lock:
            record = self.records(rtype).get(rid)
            if record is None:
                return None
            name = record.get("companyName") or record.get("entityId") or record.get("itemId")
            title = f"{RECORD_NAMES[rtype]} {rid}" + (f": {name}" if name else "")
            body = self.form(request, self.fields(rtype, record))
            if rtype == "customer":
                body += self.financials(request, record) + self.related(rid)
            if rtype in TRANSACTION_TYPES:
                body += self.lines_table(record)
            shown = [k for k in ("dateCreated", "lastModifiedDate", "total") if k in record]
            body += "<h2>Set by NetSuite</h2>" + table(
                ["Field", "Value"], ([esc(k), cell(record[k])] for k in shown)
            )
        return title, body

    def fields(self, rtype: str, record: dict[str, Any]) -> list[Field]:
        """What a user may change on the form: the writable fields that are not sublists."""
        return [
            Field(name, spec["title"], INPUTS.get(spec["type"], "text"), record.get(name))
            for name, spec in self.app.record_fields(rtype).items()
            if name not in SYSTEM_FIELDS and not spec.get("readOnly") and spec["type"] != "sublist"
        ]

    def financial_fields(self, record: dict[str, Any]) -> list[Field]:
        specs = self.app.record_fields("customer")
        return [Field(f, specs[f]["title"], "number", record.get(f)) for f in FINANCIAL_FIELDS]

    def financials(self, request: Request, record: dict[str, Any]) -> str:
        return (
            '<h2>Financials</h2><p class="hint">NetSuite changes these as invoices, payments '
            "and orders are posted: no customer is saved, so the script posts nothing. SFNS "
            "reads them on <em>Update from NetSuite</em>.</p>"
            + self.form(request, self.financial_fields(record), change="transaction")
        )

    def related(self, rid: str) -> str:
        contacts = [
            (cid, contact)
            for cid, contact in self.records("contact").items()
            if str((contact.get("company") or {}).get("id")) == rid
        ]
        body = "<h2>Contacts</h2>" + table(
            ["ID", "Name", "Company", "Email", "Phone"], (self.contact_row(*c) for c in contacts)
        )
        for rtype in TRANSACTION_TYPES:
            mine = [
                (tid, record)
                for tid, record in self.records(rtype).items()
                if str((record.get("entity") or {}).get("id")) == rid
            ]
            rows = (self.transaction_row(rtype, *t) for t in mine)
            body += f"<h2>{esc(TITLES[rtype])}</h2>{table(TRANSACTION_COLUMNS, rows)}"
        return body

    def lines_table(self, record: dict[str, Any]) -> str:
        fields = ("description", "quantity", "rate", "amount")
        rows = [
            [self.item_name(line), *(cell(line.get(f)) for f in fields)]
            for line in self.lines(record)
        ]
        return "<h2>Items</h2>" + table(["Item", "Description", "Quantity", "Rate", "Amount"], rows)

    # -- saving ----------------------------------------------------------------------------
    def save(self, request: Request, rtype: str, rid: str) -> tuple[str, str]:
        transaction = rtype == "customer" and request.form.get("change") == "transaction"
        notifier = self.app.notifier
        with self.app.lock:
            record = self.records(rtype).get(rid)
            if record is None:
                return "", f"There is no {rtype} {rid}."
            fields = self.financial_fields(record) if transaction else self.fields(rtype, record)
            changed = changed_values(request.form, fields)
            specs = self.app.record_fields(rtype)
            try:
                values = {name: typed(specs[name], value) for name, value in changed.items()}
            except ValueError as exc:
                return "", f"Not saved: {exc}"
            if not values:
                return "Nothing changed.", ""
            body = {"type": rtype, "id": rid, "fields": values}
            queued = notifier.queued if notifier else 0
            answer = self.app.edit({**body, "source": "transaction"} if transaction else body)
            sent = (notifier.queued if notifier else 0) - queued
        if answer.status_code != 200:
            details = json.loads(answer.get_data()).get("o:errorDetails") or [{}]
            return "", f"Not saved: {details[0].get('detail', answer.status)}"
        saved = f"Saved {', '.join(f.label for f in fields if f.name in values)}."
        if transaction:
            return f"{saved} As posted transactions do: no customer saved, nothing posted.", ""
        if rtype != "customer":
            return f"{saved} The script runs on customer saves only: it posted nothing.", ""
        if notifier is None:
            return f"{saved} (No notify URL: the script's posts go nowhere.)", ""
        posted = (
            "posted the change to SFNS" if sent else "posted nothing (no watched field changed)"
        )
        return f"{saved} The script {posted}.", ""
