"""New rows as one plain INSERT, its statement written once per process per model.

Model.save() builds and compiles an INSERT query on every call, which costs more worker CPU
than the database spends on the row; hot writes (audit events, emailed links) use this instead.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, router, transaction
from django.db.models import signals


@cache
def _statement(model, alias: str):
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {qn(meta.pk.column)}"
    return sql, fields, returning


def insert(obj):
    """Save a new instance (auto primary key) as Model.save() would: the same column values
    (defaults, auto_now, JSON adaptation), the same signals, in one statement."""
    model = type(obj)
    meta = model._meta
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, fields, returning = _statement(model, alias)
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(
            sender=model, instance=obj, raw=False, using=alias, update_fields=None
        )
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            pk = cursor.fetchone()[0]
        else:
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    setattr(obj, meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = alias
    if signals.post_save.has_listeners(model):
        signals.post_save.send(
            sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias
        )
    return obj
