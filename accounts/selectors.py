"""Reads of the mirrors by Salesforce id, for pages that name many records at once."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model

from .models import Account, Contact, Opportunity

SALESFORCE_MODELS: tuple[type[Model], ...] = (Account, Contact, Opportunity)


def records_by_salesforce_id(ids: Iterable[str]) -> dict[str, Model]:
    """
    The Accounts, Contacts and Opportunities with these ids, by id: one query a model, only
    the columns a link needs.
    """
    wanted = {i for i in ids if i}
    found: dict[str, Model] = {}
    for model in SALESFORCE_MODELS:
        if not wanted:
            break
        for record in model.objects.filter(salesforce_id__in=wanted).only(
            "pk", "salesforce_id", "name"
        ):
            found[record.salesforce_id] = record
        wanted -= found.keys()
    return found
