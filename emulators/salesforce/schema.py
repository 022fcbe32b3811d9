"""
The emulated org's objects: which fields Account, Contact, Opportunity, Organization and the
product objects (Product2, Pricebook2, PricebookEntry, OpportunityLineItem) have, of what kind,
which are required, read-only or fixed at create, and how REST and SOAP write dates.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any


def rest_datetime(moment: dt.datetime) -> str:
    """REST JSON form: 2026-09-01T10:00:00.000+0000."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def soap_datetime(value: str) -> str:
    """SOAP (outbound message) and Bulk CSV form: 2026-09-01T10:00:00.000Z."""
    if len(value) == 28 and value.endswith("+0000") and value[19] == ".":
        return value[:23] + "Z"  # the stored REST form: no need to parse
    moment = parse_datetime(value).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_datetime(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def moment_key(value: str | dt.datetime) -> str:
    """
    A string that compares and sorts like the moment (UTC, microseconds). Stored dates are in
    the REST form, so most keys are a slice rather than a parse: SOQL over 100,000 rows.
    """
    if isinstance(value, str):
        if len(value) == 28 and value.endswith("+0000") and value[19] == ".":
            return value[:23] + "000"
        value = parse_datetime(value)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _field(
    kind: str, length: int = 0, *, to: str = "", precision: int = 0, scale: int = 0, digits: int = 0
) -> dict[str, Any]:
    """A standard field's describe facts (type names as describe gives them)."""
    return {
        "type": kind,
        "length": length or (18 if kind in ("id", "reference") else 0),
        "precision": precision,
        "scale": scale,
        "digits": digits,
        "referenceTo": [to] if to else [],
    }


# Set by Salesforce, never by a create or update. IsDeleted is true in the recycle bin (queryAll);
# MasterRecordId names the winner on the loser of a merge, and only mergeable sObjects (Account,
# Contact) have it; it references the sObject's own type (see standard_field).
SYSTEM_FIELDS = {
    "Id": _field("id"),
    "IsDeleted": _field("boolean"),
    "MasterRecordId": _field("reference", to="Account"),
    "CreatedDate": _field("datetime"),
    "LastModifiedDate": _field("datetime"),
    "SystemModstamp": _field("datetime"),
}
# Which system fields each sObject has, in describe's order: these first, then its own fields,
# then the dates (as in a real org's describe).
LEADING_SYSTEM_FIELDS = {
    "Account": ("Id", "IsDeleted", "MasterRecordId"),
    "Contact": ("Id", "IsDeleted", "MasterRecordId"),
    "Opportunity": ("Id", "IsDeleted"),
    "Product2": ("Id", "IsDeleted"),
    "Pricebook2": ("Id", "IsDeleted"),
    "PricebookEntry": ("Id", "IsDeleted"),
    "OpportunityLineItem": ("Id", "IsDeleted"),
}
TRAILING_SYSTEM_FIELDS = ("CreatedDate", "LastModifiedDate", "SystemModstamp")
# System fields that are null on most records (the others always have a value).
NULLABLE_SYSTEM_FIELDS = frozenset({"MasterRecordId"})
_ADDRESS = {
    f"{kind}{part}": _field(part_type, length)
    for kind in ("Billing", "Shipping", "Mailing")
    for part, part_type, length in (
        ("Street", "textarea", 255),
        ("City", "string", 40),
        ("State", "string", 80),
        ("PostalCode", "string", 20),
        ("Country", "string", 80),
    )
}
# Each sObject's own standard fields, in describe's order: writable, except those READ_ONLY_FIELDS
# names (the org sets them) and, after the create, CREATE_ONLY_FIELDS.
WRITABLE_FIELDS: dict[str, dict[str, dict[str, Any]]] = {
    "Account": {
        "Name": _field("string", 255),
        "Phone": _field("phone", 40),
        "Website": _field("url", 255),
        "Industry": _field("picklist", 255),
        "Type": _field("picklist", 255),
        "Description": _field("textarea", 32000),
        "AccountNumber": _field("string", 40),
        "ParentId": _field("reference", to="Account"),
        "OwnerId": _field("reference", to="User"),
        "NumberOfEmployees": _field("int", digits=8),
        "AnnualRevenue": _field("currency", precision=18),
        **{name: facts for name, facts in _ADDRESS.items() if not name.startswith("Mailing")},
    },
    "Contact": {
        "AccountId": _field("reference", to="Account"),
        "FirstName": _field("string", 40),
        "LastName": _field("string", 80),
        "Email": _field("email", 80),
        "Phone": _field("phone", 40),
        "Title": _field("string", 128),
        **{name: facts for name, facts in _ADDRESS.items() if name.startswith("Mailing")},
        "Description": _field("textarea", 32000),
    },
    "Opportunity": {
        "Name": _field("string", 120),
        "AccountId": _field("reference", to="Account"),
        "StageName": _field("picklist", 255),
        "Amount": _field("currency", precision=18, scale=2),
        "CloseDate": _field("date"),
        "Probability": _field("percent", precision=3),
        "Description": _field("textarea", 32000),
    },
    # Object Reference (Product2, Pricebook2, PricebookEntry, OpportunityLineItem) and the Field
    # Reference's types and lengths. Multicurrency (CurrencyIsoCode), schedules, Discount and
    # archiving are not emulated.
    "Product2": {
        "Name": _field("string", 255),
        "ProductCode": _field("string", 255),
        "Description": _field("textarea", 4000),
        "IsActive": _field("boolean"),
        "Family": _field("picklist", 40),
        "ExternalId": _field("string", 255),
        "QuantityUnitOfMeasure": _field("picklist", 255),
    },
    "Pricebook2": {
        "Name": _field("string", 255),
        "IsActive": _field("boolean"),
        "IsStandard": _field("boolean"),
        "Description": _field("string", 255),
    },
    "PricebookEntry": {
        "Name": _field("string", 255),
        "Pricebook2Id": _field("reference", to="Pricebook2"),
        "Product2Id": _field("reference", to="Product2"),
        "UnitPrice": _field("currency", precision=18, scale=2),
        "IsActive": _field("boolean"),
        "UseStandardPrice": _field("boolean"),
        "ProductCode": _field("string", 255),
    },
    "OpportunityLineItem": {
        "OpportunityId": _field("reference", to="Opportunity"),
        "SortOrder": _field("int", digits=9),
        "PricebookEntryId": _field("reference", to="PricebookEntry"),
        "Product2Id": _field("reference", to="Product2"),
        "ProductCode": _field("string", 255),
        "Name": _field("string", 376),
        "Quantity": _field("double", precision=12, scale=2),
        "TotalPrice": _field("currency", precision=18, scale=2),
        "UnitPrice": _field("currency", precision=18, scale=2),
        "ListPrice": _field("currency", precision=18, scale=2),
        "Subtotal": _field("currency", precision=18, scale=2),
        "ServiceDate": _field("date"),
        "Description": _field("string", 255),
    },
}
# Checked on every create and update (REQUIRED_FIELD_MISSING). A line item's PricebookEntryId
# (or a Product2Id in its stead) and a price book entry's UnitPrice (unless it uses the standard
# price) are checked by products.py, with Salesforce's own errors.
REQUIRED_FIELDS = {
    "Account": ["Name"],
    "Contact": ["LastName"],
    "Opportunity": ["Name", "StageName", "CloseDate"],
    "Product2": ["Name"],
    "Pricebook2": ["Name"],
    "PricebookEntry": ["Pricebook2Id", "Product2Id"],
    "OpportunityLineItem": ["OpportunityId", "Quantity"],
}
# Required in describe (nillable false) though products.py, not REQUIRED_FIELDS, checks them.
NOT_NILLABLE_FIELDS = {
    "PricebookEntry": ("UnitPrice",),
    "OpportunityLineItem": ("PricebookEntryId",),
}
# Set by the org (copied or computed by products.py): a create or update that names one is
# INVALID_FIELD_FOR_INSERT_UPDATE, as for the system fields; only a seed may give them.
# OpportunityLineItem.SortOrder is set by a person's "Sort" in the UI, never through the API.
READ_ONLY_FIELDS = {
    "Pricebook2": ("IsStandard",),
    "PricebookEntry": ("Name", "ProductCode"),
    "OpportunityLineItem": ("Name", "ProductCode", "ListPrice", "Subtotal", "SortOrder"),
}
# Given on create and never changed ("It can't be changed in an update").
CREATE_ONLY_FIELDS = {
    "PricebookEntry": ("Pricebook2Id", "Product2Id"),
    "OpportunityLineItem": ("OpportunityId", "PricebookEntryId", "Product2Id"),
}
# Standard fields with the idLookup property: upsert finds records by them, as by an external id.
ID_LOOKUP_FIELDS = {"Product2": ("ExternalId",)}
ORGANIZATION_FIELDS = {
    "Id": _field("id"),
    "Name": _field("string", 80),
    "OrganizationType": _field("picklist", 40),
    "IsSandbox": _field("boolean"),
}
ORGANIZATION_NAME = "SFNS Emulator Org"
# Labels that are not the API name split into words.
LABELS = {
    "Id": "Record ID",
    "IsDeleted": "Deleted",
    "IsActive": "Active",
    "Family": "Product Family",
    "Pricebook2Id": "Price Book ID",
    "Product2Id": "Product ID",
    "PricebookEntryId": "Price Book Entry ID",
}
QUERYABLE = (
    "Account",
    "Contact",
    "Opportunity",
    "Organization",
    "Product2",
    "Pricebook2",
    "PricebookEntry",
    "OpportunityLineItem",
)
SOBJECT_LABELS = {
    "Account": ("Account", "Accounts"),
    "Contact": ("Contact", "Contacts"),
    "Opportunity": ("Opportunity", "Opportunities"),
    "Organization": ("Organization", "Organizations"),
    "Product2": ("Product", "Products"),
    "Pricebook2": ("Price Book", "Price Books"),
    "PricebookEntry": ("Price Book Entry", "Price Book Entries"),
    "OpportunityLineItem": ("Opportunity Product", "Opportunity Products"),
}


@functools.cache
def standard_field(sobject: str, name: str) -> dict[str, Any]:
    """
    A standard field's spec, shaped like a custom field's; KeyError when there is none. Cached
    (it is read for every value written): the caller must not change the dict.
    """
    if sobject == "Organization":
        facts = ORGANIZATION_FIELDS[name]
    else:
        facts = SYSTEM_FIELDS.get(name) or WRITABLE_FIELDS[sobject][name]
    if name == "MasterRecordId":  # the winner of a merge is of the loser's own type
        facts = {**facts, "referenceTo": [sobject]}
    label = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)
    label = LABELS.get(name) or re.sub(r" Id$", " ID", label)
    return {
        "name": name,
        "label": label,
        **facts,
        "externalId": False,
        "idLookup": name == "Id" or name in ID_LOOKUP_FIELDS.get(sobject, ()),
        "unique": False,
        "caseSensitive": False,
        "picklistValues": [],
        "restrictedPicklist": False,
        "inlineHelpText": None,
    }
