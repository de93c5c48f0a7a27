"""The hot keys of the shared cache (rate-limit windows, challenges, version counters), each
request's worth in one round trip.

With Redis (REDIS_URL) they go through one long-lived redis-py client, skipping the Django
cache API's per-call work (a new client object, key validation); the keys and values are the
ones Django's cache would use, so `cache.get()` still reads them. Any other backend (tests'
local memory, development's file cache) goes through Django's cache API with the same meaning.
"""

from __future__ import annotations

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


def _backend():
    """(the default cache, its redis-py client or None when the cache is not Redis)."""
    backend = caches["default"]
    if not isinstance(backend, DjangoRedisCache):
        return backend, None
    client = backend.__dict__.get("_latchkey_client")
    if client is None:
        client = backend._cache.get_client(write=True)
        backend._latchkey_client = client
    return backend, client


def get_ints(names: list[str]) -> list[int | None]:
    """The integer values of these keys (None where missing), in one MGET."""
    backend, client = _backend()
    if client is None:
        found = backend.get_many(names)
        return [found.get(name) for name in names]
    raw = client.mget([backend.make_key(name) for name in names])
    return [None if value is None else int(value) for value in raw]


def incr_windows(windows: list[tuple[str, int]]) -> list[int]:
    """Add one to each (name, expires_at) counter and return the new counts, in one pipeline.

    A counter that does not exist starts at 1; every counter expires at its Unix time
    `expires_at` (the same value on every hit, so a counter never outlives its window).
    """
    backend, client = _backend()
    if client is None:
        import time

        counts = []
        for name, expires_at in windows:
            timeout = max(1, int(expires_at - time.time()))
            backend.add(name, 0, timeout=timeout)
            try:
                counts.append(backend.incr(name))
            except ValueError:
                backend.set(name, 1, timeout=timeout)
                counts.append(1)
        return counts
    pipe = client.pipeline(transaction=False)
    for name, expires_at in windows:
        key = backend.make_key(name)
        pipe.incr(key)
        pipe.expireat(key, expires_at)
    return pipe.execute()[::2]


def decr(names: list[str]) -> None:
    """Take one back from each of these counters (that exist), in one pipeline."""
    backend, client = _backend()
    if client is None:
        for name in names:
            try:
                backend.decr(name)
            except ValueError:
                pass
        return
    pipe = client.pipeline(transaction=False)
    for name in names:
        # DECR of an expired counter would leave a -1 without expiry: only where it exists.
        key = backend.make_key(name)
        pipe.eval(_DECR_IF_EXISTS, 1, key)
    pipe.execute()


_DECR_IF_EXISTS = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end"
)


def put(name: str, value, timeout: int) -> None:
    """Store a value (pickled as Django's cache does) for `timeout` seconds."""
    backend, client = _backend()
    if client is None:
        backend.set(name, value, timeout=timeout)
        return
    client.set(backend.make_key(name), backend._cache._serializer.dumps(value), ex=timeout)


def take(name: str):
    """Read and delete a key atomically: of concurrent callers only one gets the value."""
    backend, client = _backend()
    if client is None:
        value = backend.get(name)
        # The delete decides: a caller that did not remove the key gets nothing.
        if value is None or not backend.delete(name):
            return None
        return value
    raw = client.getdel(backend.make_key(name))
    return None if raw is None else backend._cache._serializer.loads(raw)
