"""Fixed-window rate limits kept in the shared cache (Redis when REDIS_URL is set)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from tenants import sharedcache


class RateLimited(Exception):
    """A limit was hit; retry_after is in seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window` seconds for one bucket."""

    scope: str
    count: int
    window: int


def _key(limit: Limit, subject: str, now: float) -> tuple[str, int]:
    window_start = int(now // limit.window) * limit.window
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"rl:{limit.scope}:{digest}:{window_start}", window_start


def hit(limit: Limit, subject: str) -> None:
    """Count one attempt for `subject`; raise RateLimited when over the limit."""
    check([(limit, subject)])


def check(limits: list[tuple[Limit, str]], *, also: tuple | None = None):
    """Apply several limits (e.g. per IP and per email) at once: one round trip to the cache.

    As if applied one after the other: the first limit exceeded raises, and the limits after
    it do not count this attempt. `also`: a cache operation sent in the same round trip, done
    whether or not a limit is exceeded (see sharedcache.incr_windows); its result is returned.
    """
    now = time.time()
    windows = []  # (limit, cache key, window start)
    for limit, subject in limits:
        if subject:
            key, window_start = _key(limit, subject, now)
            windows.append((limit, key, window_start))
    if not windows and also is None:
        return None
    # A counter lives one second past its window, like the cache timeout it replaces.
    counts = sharedcache.incr_windows(
        [(key, start + limit.window + 1) for limit, key, start in windows], also=also
    )
    result = counts.pop() if also is not None else None
    for index, ((limit, _name, start), count) in enumerate(zip(windows, counts, strict=True)):
        if count > limit.count:
            later = [key for _limit, key, _start in windows[index + 1 :]]
            if later:
                sharedcache.decr(later)
            raise RateLimited(retry_after=max(1, int(start + limit.window - now)))
    return result
