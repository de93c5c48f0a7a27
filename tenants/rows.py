"""New rows as one plain INSERT, its statement written once per process per model.

Model.save() builds and compiles an INSERT query on every call, which costs more worker CPU
than the database spends on the row; hot writes (audit events, emailed links) use this instead.
`insert_all` writes several new rows (of any models) in one statement.
"""

from __future__ import annotations

from contextlib import nullcontext
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


def _values(obj, alias: str, fields) -> list:
    model = type(obj)
    connection = connections[alias]
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(
            sender=model, instance=obj, raw=False, using=alias, update_fields=None
        )
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _saved(obj, alias: str, pk) -> None:
    model = type(obj)
    setattr(obj, model._meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = alias
    if signals.post_save.has_listeners(model):
        signals.post_save.send(
            sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias
        )


def insert(obj):
    """Save a new instance (auto primary key) as Model.save() would: the same column values
    (defaults, auto_now, JSON adaptation), the same signals, in one statement."""
    model = type(obj)
    meta = model._meta
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    sql, fields, returning = _statement(model, alias)
    values = _values(obj, alias, fields)
    with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            pk = cursor.fetchone()[0]
        else:
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    _saved(obj, alias, pk)
    return obj


@cache
def _insert_select(model, alias: str, source: str) -> str:
    """INSERT … SELECT of one row's values FROM `source`, each value cast to its column's type
    (a bare literal in a SELECT list would be text)."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    casts = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
    return (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)})"
        f" SELECT {casts} FROM {source} RETURNING {qn(meta.pk.column)}"
    )


def insert_all(*objs, when: tuple[str, list] | None = None, using: str | None = None) -> bool:
    """Save several new instances, of any models, as insert() would each. On PostgreSQL that is
    one statement (one data-modifying CTE per row, all or none applied), so one round trip;
    elsewhere one INSERT per row in one transaction. The rows must not refer to each other.

    `when`: an UPDATE or DELETE (SQL, params) on database `using` run first, in the same
    statement; the rows are written only if it matched a row. Returns whether it did (True
    without `when`)."""
    if not objs and when is None:
        return True
    alias = using or router.db_for_write(type(objs[0]), instance=objs[0])
    connection = connections[alias]
    if (
        (len(objs) == 1 and when is None)
        or (not objs)
        or connection.vendor != "postgresql"
        or any(router.db_for_write(type(obj), instance=obj) != alias for obj in objs)
    ):
        # The same all-or-none as the one statement: one transaction (no savepoint inside
        # one), unless a single statement is all there is.
        several = len(objs) + (when is not None) > 1
        with transaction.atomic(using=alias, savepoint=False) if several else nullcontext():
            if when is not None:
                with connection.cursor() as cursor:
                    cursor.execute(*when)
                    if cursor.rowcount < 1:
                        return False
            for obj in objs:
                insert(obj)
        return True
    parts, params = [], []
    if when is not None:
        parts.append(f"w AS ({when[0]} RETURNING 1)")
        params += when[1]
    for n, obj in enumerate(objs):
        model = type(obj)
        if when is None:
            sql, fields, _returning = _statement(model, alias)
        else:
            sql = _insert_select(model, alias, "(SELECT 1 FROM w LIMIT 1) AS w")
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        parts.append(f"r{n} AS ({sql})")
        params += _values(obj, alias, fields)
    picks = [f"(SELECT * FROM r{n})" for n in range(len(objs))]
    if when is not None:
        picks.insert(0, "(SELECT count(*) FROM w)")
    with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT {', '.join(picks)}", params)
        found = cursor.fetchone()
    if when is not None:
        matched, found = found[0] > 0, found[1:]
        if not matched:
            return False
    for obj, pk in zip(objs, found, strict=True):
        _saved(obj, alias, pk)
    return True
