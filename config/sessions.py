"""Sessions in the database (the source of truth), read from the shared cache first.

Django's cached_db backend with every write one statement and one cache write: a new session
is one INSERT … ON CONFLICT DO NOTHING under a fresh key (32 characters from the CSPRNG, so a
clash is left to the INSERT to detect, and then another key is drawn), a change one UPDATE and
an end one DELETE, none of them wrapped in a transaction of its own. The cached copies go
through tenants.sharedcache (one round trip each, without the Django cache API's per-call work).
The rows and cache keys are the ones Django's own backends read and write.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.db import IntegrityError, connections, router
from django.utils.module_loading import import_string

from tenants.sharedcache import SessionCache

logger = logging.getLogger("django.contrib.sessions")


_KEY_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_session_key() -> str:
    """32 characters of VALID_KEY_CHARS, uniform, as get_random_string(32) draws them but from
    one CSPRNG call instead of one per character."""
    n = secrets.randbelow(36**32)
    digits = []
    for _ in range(32):
        n, digit = divmod(n, 36)
        digits.append(_KEY_DIGITS[digit])
    return "".join(digits)


class SessionStore(CachedDBStore):
    """cached_db, one statement per write (SESSION_ENGINE = "config.sessions")."""

    # Every request builds a store, most never touch it: the serializer is imported once, not
    # by name per request, and cached_db's lookup of a Django cache is skipped (_cache is ours).
    serializer = import_string(settings.SESSION_SERIALIZER)
    _shared_cache = SessionCache()

    def __init__(self, session_key=None):
        self._session_key = session_key
        self.accessed = False
        self.modified = False
        self._cache = self._shared_cache
        self._rotated_from = None

    def rotate_key(self):
        """cycle_key() in one statement: the data moves to a new key when the session is saved,
        by an UPDATE of its row's key (and the cached copy's DEL and SET in one round trip).
        Until then the old key's row keeps only what it held before this request."""
        data = self._session  # loads the old key's data, if there is one
        if self._rotated_from is None:
            self._rotated_from = self.session_key
        self._session_key = None
        self._session_cache = data
        self.modified = True

    def _get_new_session_key(self):
        # No SELECT to see whether the key is taken: the INSERT of create() finds out.
        return new_session_key()

    def _execute(self, sql: str, params) -> int:
        model = self.model
        connection = connections[router.db_for_write(model)]
        quote = connection.ops.quote_name
        sql = sql.format(table=quote(model._meta.db_table))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def save(self, must_create=False):
        """Write the session: INSERT when creating (CreateError if the key is taken), else UPDATE
        (UpdateError if the row is gone); then the cache."""
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        connection = connections[router.db_for_write(self.model)]
        expires = connection.ops.adapt_datetimefield_value(self.get_expiry_date())
        params = [self.encode(data), expires, self.session_key]
        if must_create and self._rotated_from:
            try:
                written = self._execute(
                    "UPDATE {table} SET session_data = %s, expire_date = %s, session_key = %s "
                    "WHERE session_key = %s",
                    [*params, self._rotated_from],
                )
            except IntegrityError as exc:  # the new key is taken
                raise CreateError from exc
            stale = self.cache_key_prefix + self._rotated_from
            self._rotated_from = None
            if written != 1:  # the old row is gone: a plain new session
                self._cache.delete(stale)
                return self.save(must_create=True)
            try:
                self._cache.set(self.cache_key, data, self.get_expiry_age(), replacing=stale)
            except Exception:
                logger.exception("Error saving to cache (%s)", self._cache)
                self._cache.delete(stale)  # the old key's copy must not outlive its row
            return
        if must_create:
            written = self._execute(
                "INSERT INTO {table} (session_data, expire_date, session_key) "
                "VALUES (%s, %s, %s) ON CONFLICT (session_key) DO NOTHING",
                params,
            )
            if written != 1:
                raise CreateError
        else:
            written = self._execute(
                "UPDATE {table} SET session_data = %s, expire_date = %s WHERE session_key = %s",
                params,
            )
            if written != 1:
                raise UpdateError
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)

    def delete(self, session_key=None):
        """End a session (this one by default): its row and its cached copy."""
        if session_key is None:
            if self._rotated_from is not None:  # rotated, not saved yet: the old key ends
                old, self._rotated_from = self._rotated_from, None
                self.delete(old)
            if self.session_key is None:
                return
            session_key = self.session_key
        self._execute("DELETE FROM {table} WHERE session_key = %s", [session_key])
        self._cache.delete(self.cache_key_prefix + session_key)
