"""Fixed-window rate limits kept in the shared cache (Redis when REDIS_URL is set)."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache


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
    if not subject:
        return
    now = time.time()
    key, window_start = _key(limit, subject, now)
    cache.add(key, 0, timeout=limit.window + 1)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=limit.window + 1)
        count = 1
    if count > limit.count:
        raise RateLimited(retry_after=max(1, int(window_start + limit.window - now)))


def check(limits: list[tuple[Limit, str]]) -> None:
    """Apply several limits (e.g. per IP and per email) at once."""
    for limit, subject in limits:
        hit(limit, subject)
