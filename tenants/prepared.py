"""Cursors for hot plain statements that PostgreSQL parses and plans once per connection.

Django's psycopg cursors bind parameters on the client: PostgreSQL parses, analyses and plans
every statement again, and psycopg quotes every parameter into the SQL text. For a statement
run on every request with the same text, a server-side prepared statement is planned once per
connection and its parameters travel apart. Elsewhere (SQLite) this is Django's own cursor.
Behind a pooler in transaction mode, set DATABASE_PREPARED_STATEMENTS=false (settings).
"""

from __future__ import annotations

from django.conf import settings


def _cursor_class():
    from psycopg import Cursor

    class PreparedCursor(Cursor):
        """psycopg's server-side binding cursor, preparing each statement on first use."""

        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=prepare, binary=binary)

    return PreparedCursor


_classes: list = []
NEVER_BY_ITSELF = 2**62


def _timezone(connection, raw) -> None:
    # As Django's create_cursor: the cursor loads timestamps in the connection's time zone.
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.postgres import types
    from psycopg.pq import Format

    loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, raw)


def cursor(connection):
    """A Django cursor (query logging and execute wrappers included) on `connection` whose
    statements are prepared on PostgreSQL; Django's usual cursor elsewhere."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return connection.cursor()
    if not _classes:
        _classes.append(_cursor_class())
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        pg = connection.connection
        if pg.prepare_threshold is None:
            # Django turns psycopg's preparing off (None), which `prepare=True` obeys too. A
            # threshold no statement reaches prepares only what asks for it: Django's own
            # cursors bind on the client and never prepare anyway.
            pg.prepare_threshold = NEVER_BY_ITSELF
        raw = _classes[0](pg)
        _timezone(connection, raw)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)
