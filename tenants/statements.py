"""Single-row writes as plain statements: what Model.save() sends, without the ORM's per-call
query building (each costs more CPU than the database spends on the row)."""

from __future__ import annotations

from django.db import connections
from django.db.models.signals import post_save


def insert_parts(obj, connection) -> tuple[str, list]:
    """INSERT … VALUES of one unsaved row (its auto primary key left to the database)."""
    meta = obj._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values


def insert_row(obj, *, using: str) -> None:
    """Insert one new row as obj.save(force_insert=True) would, post_save signal included."""
    connection = connections[using]
    if not connection.features.can_return_columns_from_insert:
        obj.save(force_insert=True, using=using)
        return
    sql, params = insert_parts(obj, connection)
    pk = connection.ops.quote_name(obj._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {pk}", params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = using
    post_save.send(
        sender=type(obj), instance=obj, created=True, update_fields=None, raw=False, using=using
    )
