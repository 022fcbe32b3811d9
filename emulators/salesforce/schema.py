"""
The emulated org's objects: which fields Account, Opportunity and Organization have, of what
kind, which are required, and how REST and SOAP write dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def rest_datetime(moment: dt.datetime) -> str:
    """REST JSON form: 2026-09-01T10:00:00.000+0000."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def soap_datetime(value: str) -> str:
    """SOAP (outbound message) form: 2026-09-01T10:00:00.000Z."""
    moment = parse_datetime(value).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_datetime(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


SYSTEM_FIELDS = {
    "Id": ("id", None),
    "CreatedDate": ("datetime", None),
    "LastModifiedDate": ("datetime", None),
    "SystemModstamp": ("datetime", None),
}
_ADDRESS = {
    f"{kind}{part}": ("string", length)
    for kind in ("Billing", "Shipping")
    for part, length in (
        ("Street", 255),
        ("City", 40),
        ("State", 80),
        ("PostalCode", 20),
        ("Country", 80),
    )
}
# field -> (kind, max length for strings / target sObject for references)
WRITABLE_FIELDS: dict[str, dict[str, tuple[str, Any]]] = {
    "Account": {
        "Name": ("string", 255),
        "Phone": ("string", 40),
        "Website": ("string", 255),
        "Industry": ("string", 255),
        "Type": ("string", 255),
        "Description": ("string", 32000),
        "AccountNumber": ("string", 40),
        "ParentId": ("reference", "Account"),
        "OwnerId": ("reference", "User"),
        "NumberOfEmployees": ("int", None),
        "AnnualRevenue": ("double", None),
        **_ADDRESS,
    },
    "Opportunity": {
        "Name": ("string", 120),
        "AccountId": ("reference", "Account"),
        "StageName": ("string", 255),
        "Amount": ("double", None),
        "CloseDate": ("date", None),
        "Probability": ("double", None),
        "Description": ("string", 32000),
    },
}
REQUIRED_FIELDS = {"Account": ["Name"], "Opportunity": ["Name", "StageName", "CloseDate"]}
ORGANIZATION_FIELDS = {
    "Id": ("id", None),
    "Name": ("string", 80),
    "OrganizationType": ("string", 40),
    "IsSandbox": ("boolean", None),
}
ORGANIZATION_NAME = "SFNS Emulator Org"
QUERYABLE = ("Account", "Opportunity", "Organization")


def field_kind(sobject: str, name: str) -> tuple[str, Any]:
    if sobject == "Organization":
        return ORGANIZATION_FIELDS[name]
    if name in SYSTEM_FIELDS:
        return SYSTEM_FIELDS[name]
    if name.endswith("__c"):
        return ("any", None)
    return WRITABLE_FIELDS[sobject][name]
