"""
Bulk writes of many rows in one statement whose rows travel as a single jsonb parameter, which
PostgreSQL unpacks (jsonb_to_recordset). Django's bulk_create and bulk_update compile every
value of every row in Python, and psycopg then quotes each array element with a regular
expression: profiled for B3 of issue 10, that was over half the CPU of applying an outbound
message of 100 notifications, and a third of receiving one. json.dumps is C. Other databases
(SQLite, the embedded mode) use Django's own bulk methods.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Field, Model


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder (decimals, UUIDs...), but times keep their microseconds: it cuts
    them to milliseconds, as JavaScript reads them."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def _columns(fields: Sequence[Field]) -> str:
    """The record type jsonb_to_recordset reads: each column by its database type."""
    return ", ".join(
        f"{connection.ops.quote_name(f.column)} {f.db_type(connection)}" for f in fields
    )


def _document(objs: Sequence[Model], fields: Sequence[Field], *, adding: bool) -> str:
    """The rows as a JSON array of objects keyed by column (datetimes, decimals as text)."""
    rows = [
        {f.column: f.pre_save(obj, adding) if adding else getattr(obj, f.attname) for f in fields}
        for obj in objs
    ]
    return json.dumps(rows, cls=_Encoder)


def bulk_insert(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> list[Model]:
    """
    Insert new rows of one model (bulk_create): defaults and auto_now_add are applied as a save
    would; the objects get their primary keys, unless conflicts are ignored (then, as with
    bulk_create, which rows went in is not known). A unique conflict raises IntegrityError.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs, ignore_conflicts=ignore_conflicts)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key or not f.db_returning]
    for obj in objs:  # what bulk_create does first: related objects saved before are read now
        obj._prepare_related_fields_for_save(operation_name="bulk_insert")
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    pk = connection.ops.quote_name(meta.pk.column)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({names}) "  # noqa: S608
        f"SELECT {names} FROM jsonb_to_recordset(%s::jsonb) AS r({_columns(fields)})"
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else f" RETURNING {pk}")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_document(objs, fields, adding=True)])
        if not ignore_conflicts:
            # Rows go in, and come back, in the document's order (Django's bulk_create relies
            # on the same for its RETURNING).
            for obj, (key,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = key
                obj._state.adding = False
                obj._state.db = connection.alias
    return objs


def bulk_update(objs: Sequence[Model], field_names: Sequence[str]) -> None:
    """These fields of rows that exist, by primary key, in one statement (bulk_update)."""
    objs = list(objs)
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        # (Not an upsert through bulk_create: that writes, and so reads, every field of the
        # rows, and a field the caller deferred costs a query a row.)
        model.objects.bulk_update(objs, field_names)
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in dict.fromkeys(field_names)]
    assignments = ", ".join(
        f"{connection.ops.quote_name(f.column)} = r.{connection.ops.quote_name(f.column)}"
        for f in fields
    )
    pk = connection.ops.quote_name(meta.pk.column)
    sql = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM jsonb_to_recordset(%s::jsonb) AS r({_columns([meta.pk, *fields])}) "
        f"WHERE t.{pk} = r.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_document(objs, [meta.pk, *fields], adding=False)])
