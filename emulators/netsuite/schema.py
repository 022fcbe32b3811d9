"""
The record types the emulator keeps and their standard fields: each field's kind (what values it
takes), its label (the metadata catalog's title) and whether it is read-only. Custom fields come
from the SuiteCloud project (package.py) and take the same shape.
"""

from __future__ import annotations

import re
from typing import Any

TRANSACTION_TYPES = ("estimate", "salesOrder")
# The item record types the emulator keeps, and the type each is in SuiteQL's one item table
# (item.itemtype). Their internal ids are one sequence: an id names one item of one type.
ITEM_TYPES = {
    "inventoryItem": "InvtPart",
    "nonInventorySaleItem": "NonInvtPart",
    "serviceSaleItem": "Service",
}
RECORD_TYPES = ("customer", "contact", *TRANSACTION_TYPES, *ITEM_TYPES)
# What a field takes; the metadata catalog describes each kind (metadata.py).
KINDS = ("boolean", "string", "integer", "number", "date", "datetime", "reference", "sublist")
# The prefix of the custom fields each record type can have (SDF custom object file structure).
CUSTOM_PREFIXES = {
    "customer": "custentity",
    "contact": "custentity",
    "estimate": "custbody",
    "salesOrder": "custbody",
    **dict.fromkeys(ITEM_TYPES, "custitem"),
}
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def field(kind: str, title: str, **extra: Any) -> dict[str, Any]:
    """A field as the emulator keeps it: {"type", "title"} and, when they apply, "readOnly",
    "maxLength", "recordType" (what a reference points at), "custom"."""
    return {"type": kind, "title": title, **extra}


def _read_only(kind: str, title: str) -> dict[str, Any]:
    return field(kind, title, readOnly=True)


SYSTEM_FIELDS = {
    "id": _read_only("string", "Internal ID"),
    "links": _read_only("links", "Links"),
    "dateCreated": _read_only("datetime", "Date Created"),
    "lastModifiedDate": _read_only("datetime", "Last Modified Date"),
}
FINANCIAL_FIELDS = (
    "balance",
    "overdueBalance",
    "creditLimit",
    "daysOverdue",
    "unbilledOrders",
    "depositBalance",
)
CUSTOMER_FIELDS = {
    **SYSTEM_FIELDS,
    "companyName": field("string", "Company Name", maxLength=83),
    "entityId": field("string", "ID"),
    "email": field("string", "Email"),
    "phone": field("string", "Phone"),
    "url": field("string", "Web Address"),
    "externalId": field("string", "External ID"),
    "subsidiary": field("reference", "Primary Subsidiary", recordType="subsidiary"),
    "entityStatus": field("reference", "Status", recordType="customerstatus"),
    "isPerson": field("boolean", "Is Individual"),
    "firstName": field("string", "First Name"),
    "lastName": field("string", "Last Name"),
    "parent": field("reference", "Child Of", recordType="customer"),
    "currency": field("reference", "Currency", recordType="currency"),
    "currencyList": field("sublist", "Currencies"),
    "terms": field("reference", "Terms", recordType="term"),
    "comments": field("string", "Comments"),
    "defaultAddress": field("string", "Default Address"),
    "addressBook": field("sublist", "Address Book"),
    "isInactive": field("boolean", "Inactive"),
    "category": field("reference", "Category", recordType="customercategory"),
    "salesRep": field("reference", "Sales Rep", recordType="employee"),
    # Financials: NetSuite computes them; SFNS reads them.
    "balance": _read_only("number", "Balance"),
    "overdueBalance": _read_only("number", "Overdue Balance"),
    "creditLimit": _read_only("number", "Credit Limit"),
    "daysOverdue": _read_only("integer", "Days Overdue"),
    "unbilledOrders": _read_only("number", "Unbilled Orders"),
    "depositBalance": _read_only("number", "Deposit Balance"),
}
# A contact of a company (its customer): "company" attaches it, and moves it when changed.
CONTACT_FIELDS = {
    **SYSTEM_FIELDS,
    "entityId": field("string", "Contact"),
    "firstName": field("string", "First Name", maxLength=32),
    "lastName": field("string", "Last Name", maxLength=32),
    "email": field("string", "Email"),
    "phone": field("string", "Phone"),
    "title": field("string", "Job Title"),
    "company": field("reference", "Company", recordType="customer"),
    "externalId": field("string", "External ID"),
    "isInactive": field("boolean", "Inactive"),
}
TRANSACTION_FIELDS = {
    **SYSTEM_FIELDS,
    "entity": field("reference", "Customer", recordType="customer"),
    "item": field("sublist", "Items"),
    "memo": field("string", "Memo"),
    "tranDate": field("date", "Date"),
    "externalId": field("string", "External ID"),
    "currency": field("reference", "Currency", recordType="currency"),
    "subsidiary": field("reference", "Subsidiary", recordType="subsidiary"),
    "otherRefNum": field("string", "PO/Check Number"),
    "title": field("string", "Title"),
    "total": _read_only("number", "Total"),
}
# What a line of a transaction's item sublist may hold.
TRANSACTION_LINE_FIELDS = {
    "item": field("reference", "Item", recordType="item"),
    "description": field("string", "Description"),
    "quantity": field("number", "Quantity"),
    "rate": field("number", "Rate"),
    "amount": field("number", "Amount"),
}
ITEM_FIELDS = {
    **SYSTEM_FIELDS,
    "itemId": field("string", "Item Name/Number"),
    "displayName": field("string", "Display Name/Code"),
    "salesDescription": field("string", "Sales Description"),
    "externalId": field("string", "External ID"),
    "isInactive": field("boolean", "Inactive"),
    "basePrice": field("number", "Base Price"),
}
STANDARD_FIELDS = {
    "customer": CUSTOMER_FIELDS,
    "contact": CONTACT_FIELDS,
    "estimate": TRANSACTION_FIELDS,
    "salesOrder": TRANSACTION_FIELDS,
    **dict.fromkeys(ITEM_TYPES, ITEM_FIELDS),
}
REFERENCE_FIELDS = {
    name
    for fields in STANDARD_FIELDS.values()
    for name, spec in fields.items()
    if spec["type"] == "reference"
}
