"""Cursors for hot plain statements that PostgreSQL parses and plans once per connection.

Django's psycopg cursors bind parameters on the client: PostgreSQL parses, analyses and plans
every statement again, and psycopg quotes every parameter into the SQL text. For a statement
run on every request with the same text, a server-side prepared statement is planned once per
connection and its parameters travel apart. Elsewhere (SQLite) this is Django's own cursor.
Such a statement must pick its rows by a unique key, so that the generic plan PostgreSQL
switches to after five executions cannot choose a worse index.
Behind a pooler in transaction mode, set DATABASE_PREPARED_STATEMENTS=false (settings).
"""

from __future__ import annotations

import weakref

from django.conf import settings

# Django turns psycopg's preparing off (None), which `prepare=True` obeys too. A threshold no
# statement reaches prepares only what asks for it: Django's own cursors bind on the client.
NEVER_BY_ITSELF = 2**62

_cursor_classes: list = []
# psycopg connection -> whether its cursors need the time zone loader (Django's create_cursor).
_set_up: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _cursor_class():
    if not _cursor_classes:
        from psycopg import Cursor

        class PreparedCursor(Cursor):
            """psycopg's server-side binding cursor, preparing each statement on first use."""

            def execute(self, query, params=None, *, prepare=True, binary=None):
                return super().execute(query, params, prepare=prepare, binary=binary)

        _cursor_classes.append(PreparedCursor)
    return _cursor_classes[0]


def _set_up_connection(connection, pg) -> bool:
    from psycopg.postgres import types
    from psycopg.pq import Format

    if pg.prepare_threshold is None:
        pg.prepare_threshold = NEVER_BY_ITSELF
    loader = pg.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    needs_tz = connection.timezone != loader.timezone
    _set_up[pg] = needs_tz
    return needs_tz


def cursor(connection):
    """A Django cursor (query logging and execute wrappers included) on `connection` whose
    statements are prepared on PostgreSQL; Django's usual cursor elsewhere."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        pg = connection.connection
        needs_tz = _set_up.get(pg)
        if needs_tz is None:
            needs_tz = _set_up_connection(connection, pg)
        raw = _cursor_class()(pg)
        if needs_tz:
            from django.db.backends.postgresql.psycopg_any import register_tzloader

            register_tzloader(connection.timezone, raw)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)
