"""The record types the emulator keeps and their fields: writable, read-only and references."""

from __future__ import annotations

import re

RECORD_TYPES = ("customer", "estimate", "salesOrder")
CUSTOMER_FIELDS = {
    "companyName",
    "entityId",
    "email",
    "phone",
    "url",
    "externalId",
    "subsidiary",
    "entityStatus",
    "isPerson",
    "firstName",
    "lastName",
    "parent",
    "currency",
    "terms",
    "comments",
    "defaultAddress",
    "addressBook",
    "isInactive",
    "category",
    "salesRep",
}
FINANCIAL_FIELDS = (
    "balance",
    "overdueBalance",
    "creditLimit",
    "daysOverdue",
    "unbilledOrders",
    "depositBalance",
)
READ_ONLY_FIELDS = {"id", "dateCreated", "lastModifiedDate", "links", *FINANCIAL_FIELDS}
TRANSACTION_FIELDS = {
    "entity",
    "item",
    "memo",
    "tranDate",
    "externalId",
    "currency",
    "subsidiary",
    "otherRefNum",
    "title",
}
REFERENCE_FIELDS = {
    "subsidiary",
    "entityStatus",
    "parent",
    "currency",
    "terms",
    "entity",
    "category",
    "salesRep",
}
EXTERNAL_ID = re.compile(r"^[A-Za-z0-9_-]+$")
