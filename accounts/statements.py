"""Hot reads as plain statements, written once per process from the models' tables and columns.

The ORM spent more CPU building and compiling these small queries than the database spent
running them (see idp/token_store.py for the same approach at the token endpoint). Each
statement binds its parameters, keeps the tenant in its WHERE clause, and maps rows back to
model instances with the same from-database converters the ORM applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connections


@dataclass(frozen=True)
class Columns:
    """One model's columns in a statement: the SELECT list, converters and attribute names."""

    model: type
    sql: list[str]
    converters: list
    attnames: list[str]


def columns(model, alias: str, table_alias: str, names=None) -> Columns:
    """The model's concrete columns (or the named fields) under a table alias."""
    connection = connections[alias]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = list(meta.concrete_fields) if names is None else [meta.get_field(n) for n in names]
    converters = []
    for field in fields:
        col = field.get_col(table_alias)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        converters.append((found, col))
    return Columns(
        model=model,
        sql=[f"{table_alias}.{qn(f.column)}" for f in fields],
        converters=converters,
        attnames=[f.attname for f in fields],
    )


def convert(connection, values, cols: Columns) -> list:
    """Python values of one model's slice of a row, as the ORM would give them."""
    out = []
    for value, (found, col) in zip(values, cols.converters, strict=True):
        for converter in found:
            value = converter(value, col, connection)
        out.append(value)
    return out


def instance(alias: str, connection, values, cols: Columns):
    """A model instance from one model's slice of a row (as a queryset would build it)."""
    return cols.model.from_db(alias, cols.attnames, convert(connection, values, cols))


@cache
def select_where(
    model, alias: str, fields: tuple[str, ...], *, order_by: str = ""
) -> tuple[str, Columns]:
    """SELECT every column of the model WHERE each named field = %s, in that order (and, with
    order_by, the first row by that field); written once per process."""
    qn = connections[alias].ops.quote_name
    meta = model._meta
    cols = columns(model, alias, "t")
    where = " AND ".join(f"t.{qn(meta.get_field(name).column)} = %s" for name in fields)
    sql = f"SELECT {', '.join(cols.sql)} FROM {qn(meta.db_table)} t WHERE {where}"
    if order_by:
        sql += f" ORDER BY t.{qn(meta.get_field(order_by).column)} LIMIT 1"
    return sql, cols
