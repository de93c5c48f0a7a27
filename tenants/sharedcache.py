"""The hot keys of the shared cache (rate-limit windows, challenges, version counters,
sessions), each request's worth in one round trip.

With Redis (REDIS_URL) they go over one connection per process (and thread) of our own, in
redis-py's wire format but without its per-command work (pool checkout, a poll() of the socket,
retry wrappers, metrics hooks), which cost more CPU than the round trip itself. The keys and
values are the ones Django's cache uses, so `cache.get()` reads them too. Any other backend
(tests' local memory, development's file cache) goes through Django's cache API with the same
meaning.
"""

from __future__ import annotations

import os
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    """Django's Redis client, keeping one redis.Redis per pool instead of one per call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache backend whose calls reuse their redis-py client."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient


class _Link(threading.local):
    """This thread's own connection, to the cache backend it was opened for."""

    connection = None
    backend = None
    pid = 0


_link = _Link()


def _connection(backend):
    link = _link
    if link.connection is None or link.backend is not backend or link.pid != os.getpid():
        # Never a connection inherited over fork() or left from another configuration.
        pool = backend._cache._get_connection_pool(write=True)
        link.connection = pool.connection_class(**pool.connection_kwargs)
        link.backend, link.pid = backend, os.getpid()
    return link.connection


def _run(backend, commands: list[tuple]) -> list:
    """Send the commands in one write and read every reply; Redis errors raise after all replies
    are read. A connection found broken (e.g. closed by the server while idle) is reopened once;
    a timeout is not retried (the outage handler answers 503)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import ResponseError

    for attempt in (1, 2):
        connection = _connection(backend)
        try:
            if len(commands) == 1:
                connection.send_command(*commands[0])
            else:
                connection.send_packed_command(connection.pack_commands(commands))
            replies, error = [], None
            for _command in commands:
                try:
                    replies.append(connection.read_response())
                except ResponseError as exc:
                    error = error or exc
                    replies.append(None)
        except RedisConnectionError:
            connection.disconnect()
            if attempt == 2:
                raise
            continue
        except BaseException:
            connection.disconnect()  # a half-read reply must not reach the next caller
            raise
        if error is not None:
            raise error
        return replies
    raise AssertionError("unreachable")


def _backend():
    """(the default cache, True when it is Redis)."""
    backend = caches["default"]
    return backend, isinstance(backend, DjangoRedisCache)


def get_ints(names: list[str]) -> list[int | None]:
    """The integer values of these keys (None where missing), in one MGET."""
    backend, fast = _backend()
    if not fast:
        found = backend.get_many(names)
        return [found.get(name) for name in names]
    (raw,) = _run(backend, [("MGET", *[backend.make_key(name) for name in names])])
    return [None if value is None else int(value) for value in raw]


def incr_windows(windows: list[tuple[str, int]], *, also: tuple | None = None) -> list:
    """Add one to each (name, expires_at) counter and return the new counts, in one pipeline.

    A counter that does not exist starts at 1; every counter expires at its Unix time
    `expires_at` (the same value on every hit, so a counter never outlives its window).
    `also`: ("put", name, value, timeout), ("take", name) or ("claim", name, timeout), sent in
    the same pipeline after the counters; its result (None, the value taken, or whether the
    claim was the first) follows the counts.
    """
    backend, fast = _backend()
    if not fast:
        counts = []
        for name, expires_at in windows:
            timeout = max(1, int(expires_at - time.time()))
            backend.add(name, 0, timeout=timeout)
            try:
                counts.append(backend.incr(name))
            except ValueError:
                backend.set(name, 1, timeout=timeout)
                counts.append(1)
        if also is not None:
            counts.append(_also_slow(also))
        return counts
    commands = []
    for name, expires_at in windows:
        key = backend.make_key(name)
        commands += [("INCR", key), ("EXPIREAT", key, expires_at)]
    if also is None:
        return _run(backend, commands)[::2]
    replies = _run(backend, [*commands, _command(backend, also)])
    return [*replies[:-1:2], _reply(backend, also[0], replies[-1])]


def _command(backend, operation: tuple) -> tuple:
    """The Redis command of ("put", name, value, timeout), ("take", name) or ("claim", name,
    timeout)."""
    kind, key = operation[0], backend.make_key(operation[1])
    if kind == "put":
        command = ("SET", key, backend._cache._serializer.dumps(operation[2]))
        return command if operation[3] is None else (*command, "EX", int(operation[3]))
    if kind == "claim":
        return ("SET", key, b"1", "NX", "EX", int(operation[2]))
    return ("GETDEL", key)


def _reply(backend, kind: str, raw):
    """What _command's operation returns: None (put), whether it was first (claim), the value
    (take)."""
    if kind == "put":
        return None
    if kind == "claim":
        return raw is not None
    return None if raw is None else backend._cache._serializer.loads(raw)


def _also_slow(also: tuple):
    """incr_windows' `also` on a cache other than Redis."""
    if also[0] == "put":
        return put(*also[1:])
    if also[0] == "claim":
        return claim(also[1], also[2])
    return take(also[1])


def claim(name: str, timeout: int) -> bool:
    """Create a key that does not exist yet, for `timeout` seconds: of concurrent callers only
    one gets True."""
    backend, fast = _backend()
    if not fast:
        return bool(backend.add(name, 1, timeout=timeout))
    (reply,) = _run(backend, [_command(backend, ("claim", name, timeout))])
    return _reply(backend, "claim", reply)


_DECR_IF_EXISTS = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end"
)


def decr(names: list[str]) -> None:
    """Take one back from each of these counters (that exist), in one pipeline."""
    backend, fast = _backend()
    if not fast:
        for name in names:
            try:
                backend.decr(name)
            except ValueError:
                pass
        return
    # DECR of an expired counter would leave a -1 without expiry: only where it exists.
    _run(backend, [("EVAL", _DECR_IF_EXISTS, 1, backend.make_key(name)) for name in names])


def get(name: str, default=None):
    """A value as Django's cache.get() returns it."""
    backend, fast = _backend()
    if not fast:
        return backend.get(name, default)
    (raw,) = _run(backend, [("GET", backend.make_key(name))])
    return default if raw is None else backend._cache._serializer.loads(raw)


def put(name: str, value, timeout: int | None, *, replacing: str | None = None) -> None:
    """Store a value (pickled as Django's cache does) for `timeout` seconds (None: for good);
    `replacing`: a key removed in the same round trip."""
    backend, fast = _backend()
    if not fast:
        if replacing is not None:
            backend.delete(replacing)
        backend.set(name, value, timeout=timeout)
        return
    if timeout is not None and timeout <= 0:
        delete(name)
        if replacing is not None:
            delete(replacing)
        return
    commands = [] if replacing is None else [("DEL", backend.make_key(replacing))]
    _run(backend, [*commands, _command(backend, ("put", name, value, timeout))])


def delete(name: str) -> bool:
    """Remove a key; whether it was there."""
    backend, fast = _backend()
    if not fast:
        return backend.delete(name)
    (removed,) = _run(backend, [("DEL", backend.make_key(name))])
    return bool(removed)


def has(name: str) -> bool:
    """Whether the key exists."""
    backend, fast = _backend()
    if not fast:
        return backend.has_key(name)
    (found,) = _run(backend, [("EXISTS", backend.make_key(name))])
    return bool(found)


def take(name: str):
    """Read and delete a key atomically: of concurrent callers only one gets the value."""
    backend, fast = _backend()
    if not fast:
        value = backend.get(name)
        # The delete decides: a caller that did not remove the key gets nothing.
        if value is None or not backend.delete(name):
            return None
        return value
    (raw,) = _run(backend, [_command(backend, ("take", name))])
    return _reply(backend, "take", raw)


class SessionCache:
    """The cache as config.sessions uses it (get, set, delete, `in`), through the functions
    above."""

    def get(self, key, default=None):
        return get(key, default)

    def set(self, key, value, timeout=None, replacing=None):
        put(key, value, timeout, replacing=replacing)

    def delete(self, key):
        return delete(key)

    def __contains__(self, key):
        return has(key)

    def __repr__(self):
        return f"<shared cache: {caches['default']!r}>"
