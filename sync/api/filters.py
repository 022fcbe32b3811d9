"""
The lists' filters (django-filter). A value a filter cannot take answers 400 with
{"<parameter>": ["what is wrong"]}, never an empty list: a typo is not "nothing matched".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField

from accounts.ids import InvalidSalesforceId, salesforce_id_canonical
from accounts.models import Account, Customer, Opportunity
from integration_log.models import Direction, LogEntry, Operation, Outcome

from ..models import FieldMapping, JobKind, JobStatus, MappingDirection, SyncJob, Transform

# The largest value a BigAutoField holds: a larger id would fail the query, not match nothing.
MAX_ID = 2**63 - 1


class SalesforceIdField(forms.CharField):
    """A Salesforce id in either form, cleaned to the 18 characters the mirrors store."""

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return salesforce_id_canonical(value)
        except InvalidSalesforceId as exc:
            # As a parameter: the message quotes the value, which may hold a "%".
            raise forms.ValidationError("%(error)s", params={"error": str(exc)}) from None


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment the database can compare: in UTC, within the years 1900-9998 (a
    year-1 moment at +23:00 overflows before it reaches SQLite)."""

    def to_python(self, value: Any) -> Any:
        moment = super().to_python(value)
        if moment is not None:
            try:
                in_utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment
            except OverflowError:
                in_utc = None
            if in_utc is None or not 1900 <= in_utc.year <= 9998:
                raise forms.ValidationError("must be a moment between the years 1900 and 9998")
        return moment


class MomentFilter(filters.IsoDateTimeFilter):
    field_class = MomentField


class SalesforceIdFilter(filters.CharFilter):
    """Records of this Salesforce id, given in 15 or 18 characters (any case for 18)."""

    field_class = SalesforceIdField


class StrictBooleanField(forms.Field):
    """true or false (1 or 0), in any case; anything else is an error, not "no filter"."""

    def to_python(self, value: Any) -> bool | None:
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(
            "%(value)s is not true or false", params={"value": repr(str(value)[:40])}
        )


class BooleanFilter(filters.BooleanFilter):
    """django-filter's reads any word it does not know as "no filter": this one refuses it."""

    field_class = StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, widget=forms.TextInput, **kwargs)


class ChoiceFilter(filters.ChoiceFilter):
    """One of the choices; a refusal lists them (Django's own message does not)."""

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        listed = ", ".join(value for value, _ in choices)
        super().__init__(
            *args,
            choices=choices,
            error_messages={"invalid_choice": f"must be one of {listed}, not %(value)s"},
            **kwargs,
        )


class IdFilter(filters.NumberFilter):
    """A whole number within the ids' range."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, min_value=0, max_value=MAX_ID, **kwargs)


def _amount(field: str, lookup: str, help_text: str) -> filters.NumberFilter:
    # max_digits: "1e400" is refused with a message rather than failing the query.
    return filters.NumberFilter(
        field_name=field, lookup_expr=lookup, max_digits=18, decimal_places=2, help_text=help_text
    )


def _not_blank(field: str):
    """A BooleanFilter's method: true, the field is filled in; false, it is blank."""

    def method(queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.exclude(**{field: ""}) if value else queryset.filter(**{field: ""})

    return method


class AccountFilter(filters.FilterSet):
    linked = BooleanFilter(
        method=_not_blank("netsuite_id"),
        help_text="true: linked to a NetSuite customer; false: not yet.",
    )
    netsuite_id = filters.CharFilter(help_text="The linked customer's NetSuite internal id.")
    sync_error = BooleanFilter(
        method=_not_blank("last_sync_error"),
        help_text="true: the last sync failed (last_sync_error).",
    )
    deleted = BooleanFilter(
        field_name="deleted_at",
        lookup_expr="isnull",
        exclude=True,
        help_text="true: deleted (or merged away) in Salesforce.",
    )
    modified_after = MomentFilter(
        field_name="last_modified",
        lookup_expr="gte",
        help_text="Last changed in Salesforce at or after (ISO 8601).",
    )
    synced_before = MomentFilter(
        field_name="last_synced_at",
        lookup_expr="lt",
        help_text="Last synced successfully before (ISO 8601); never-synced Accounts are left out.",
    )

    class Meta:
        model = Account
        fields: list[str] = []


class OpportunityFilter(filters.FilterSet):
    account = SalesforceIdFilter(
        field_name="account__salesforce_id", help_text="The Account's Salesforce id (15 or 18)."
    )
    stage = filters.CharFilter(help_text="The stage, exactly (e.g. Closed Won).")
    amount_min = _amount("amount", "gte", "Amount at least.")
    amount_max = _amount("amount", "lte", "Amount at most.")
    has_estimate = BooleanFilter(
        method=_not_blank("netsuite_estimate_id"),
        help_text="true: a NetSuite estimate (quote) was made.",
    )
    has_sales_order = BooleanFilter(
        method=_not_blank("netsuite_sales_order_id"),
        help_text="true: a NetSuite sales order was made.",
    )

    class Meta:
        model = Opportunity
        fields: list[str] = []


class CustomerFilter(filters.FilterSet):
    salesforce_id = SalesforceIdFilter(
        help_text="The Salesforce id the customer carries (15 or 18 characters)."
    )
    locked = BooleanFilter(help_text="NetSuite's Salesforce Lock Record checkbox.")
    balance_min = _amount("balance", "gte", "Balance at least.")
    overdue_balance_min = _amount("overdue_balance", "gte", "Overdue balance at least.")

    class Meta:
        model = Customer
        fields: list[str] = []


class SyncJobFilter(filters.FilterSet):
    status = ChoiceFilter(choices=JobStatus.choices)
    kind = ChoiceFilter(choices=JobKind.choices)
    record_id = SalesforceIdFilter(help_text="The record's Salesforce id (15 or 18 characters).")
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte")
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = SyncJob
        fields: list[str] = []


class LogEntryFilter(filters.FilterSet):
    outcome = ChoiceFilter(choices=Outcome.choices)
    operation = ChoiceFilter(choices=Operation.choices)
    direction = ChoiceFilter(choices=Direction.choices)
    salesforce_id = SalesforceIdFilter(
        help_text="The record's Salesforce id (15 or 18 characters)."
    )
    netsuite_id = filters.CharFilter(help_text="The NetSuite internal id.")
    job_id = IdFilter(help_text="The job whose attempt this was.")
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte")
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = LogEntry
        fields: list[str] = []


class MappingFilter(filters.FilterSet):
    direction = ChoiceFilter(choices=MappingDirection.choices)
    transform = ChoiceFilter(choices=Transform.choices)
    enabled = BooleanFilter(help_text="false: the rules switched off.")

    class Meta:
        model = FieldMapping
        fields: list[str] = []
