"""
The emulated org's objects: which fields Account, Contact, Opportunity and Organization have, of
what kind, which are required, and how REST and SOAP write dates.
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
}
REQUIRED_FIELDS = {
    "Account": ["Name"],
    "Contact": ["LastName"],
    "Opportunity": ["Name", "StageName", "CloseDate"],
}
ORGANIZATION_FIELDS = {
    "Id": _field("id"),
    "Name": _field("string", 80),
    "OrganizationType": _field("picklist", 40),
    "IsSandbox": _field("boolean"),
}
ORGANIZATION_NAME = "SFNS Emulator Org"
# Labels that are not the API name split into words.
LABELS = {"Id": "Record ID", "IsDeleted": "Deleted"}
QUERYABLE = ("Account", "Contact", "Opportunity", "Organization")
SOBJECT_LABELS = {
    "Account": ("Account", "Accounts"),
    "Contact": ("Contact", "Contacts"),
    "Opportunity": ("Opportunity", "Opportunities"),
    "Organization": ("Organization", "Organizations"),
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
        "unique": False,
        "caseSensitive": False,
        "picklistValues": [],
        "restrictedPicklist": False,
        "inlineHelpText": None,
    }
