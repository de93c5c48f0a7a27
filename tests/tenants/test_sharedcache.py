"""The shared cache's hot keys: rate-limit windows, single-use challenges, version counters,
through Redis (one round trip each) and through any other Django cache alike."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from accounts.passkeys.challenges import (
    ChallengeMissing,
    challenge_issue,
    challenge_seal,
    challenge_take,
)
from accounts.ratelimit import Limit, RateLimited, check
from tenants import sharedcache


@pytest.fixture(params=["redis", "locmem"])
def backend(request, settings):
    if request.param == "redis":
        if not settings.REDIS_URL:
            from tests.support.backends import require_backend

            require_backend("redis", "the redis-py path")
        assert sharedcache._backend()[1]
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"sharedcache-{id(request)}",
            }
        }
        assert not sharedcache._backend()[1]
    return request.param


def test_windows_count_and_expire_with_their_window(backend):
    expires = int(time.time()) + 30
    assert sharedcache.incr_windows([("w:a", expires), ("w:b", expires)]) == [1, 1]
    assert sharedcache.incr_windows([("w:a", expires), ("w:b", expires)]) == [2, 2]
    # Django's cache reads what the fast path wrote (and the other way round).
    assert cache.get("w:a") == 2
    if backend == "redis":
        ttl = cache._cache.get_client().ttl(cache.make_key("w:a"))
        assert 28 <= ttl <= 30


def test_the_first_limit_exceeded_stops_the_count(backend):
    short, long = Limit("t-short", 2, 60), Limit("t-long", 100, 3600)
    check([(short, "1.2.3.4"), (long, "1.2.3.4")])
    check([(short, "1.2.3.4"), (long, "1.2.3.4")])
    for _ in range(3):
        with pytest.raises(RateLimited) as caught:
            check([(short, "1.2.3.4"), (long, "1.2.3.4")])
        assert 1 <= caught.value.retry_after <= 60
    # Refused attempts did not use up the longer window (as if checked one after the other).
    now = time.time()
    window = int(now // 3600) * 3600
    import hashlib

    digest = hashlib.sha256(b"1.2.3.4").hexdigest()[:32]
    assert cache.get(f"rl:t-long:{digest}:{window}") == 2
    check([(short, "5.6.7.8")])  # another subject has its own count


def test_empty_subjects_are_not_counted(backend):
    check([(Limit("t-empty", 1, 60), "")] * 3)


def test_a_challenge_is_taken_once(backend):
    handle, challenge = challenge_issue(ceremony="authentication", realm="r1")
    assert cache.get(f"wac:{handle}")["challenge"] == challenge
    assert challenge_take(handle=handle, ceremony="authentication", realm="r1")["challenge"] == (
        challenge
    )
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="authentication", realm="r1")


def test_a_mismatched_take_still_uses_the_challenge_up(backend):
    handle, _challenge = challenge_issue(ceremony="authentication", realm="r1")
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="registration", realm="r1")
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="authentication", realm="r1")


def test_a_sealed_challenge_is_stored_nowhere_and_taken_once(backend):
    handle, challenge = challenge_seal(ceremony="authentication", realm="r1", data={"m": 1})
    assert not any(cache.has_key(name) for name in (f"wac:{handle}", handle))
    record = challenge_take(handle=handle, ceremony="authentication", realm="r1")
    assert record == {
        "challenge": challenge,
        "ceremony": "authentication",
        "realm": "r1",
        "user_id": None,
        "data": {"m": 1},
    }
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="authentication", realm="r1")


def test_a_sealed_challenge_is_bound_to_its_realm_and_ceremony_and_used_up(backend):
    for ceremony, realm in (("registration", "r1"), ("authentication", "r2")):
        handle, _challenge = challenge_seal(ceremony="authentication", realm="r1")
        with pytest.raises(ChallengeMissing):
            challenge_take(handle=handle, ceremony=ceremony, realm=realm)
        with pytest.raises(ChallengeMissing):  # the mismatched take used it up
            challenge_take(handle=handle, ceremony="authentication", realm="r1")


def test_an_altered_or_expired_sealed_challenge_is_refused(backend, settings, monkeypatch):
    handle, _challenge = challenge_seal(ceremony="authentication", realm="r1")
    payload, stamp, signature = handle.split(":")
    other, _ = challenge_seal(ceremony="authentication", realm="r2")
    forged = [
        f"{other.split(':')[0]}:{stamp}:{signature}",  # another payload, this signature
        f"{payload}:{stamp}:{signature[:-2]}AA",
        f"{payload}:{stamp}:",
        handle + ":x",
    ]
    for bad in forged:
        with pytest.raises(ChallengeMissing):
            challenge_take(handle=bad, ceremony="authentication", realm="r1")
    later = time.time() + settings.WEBAUTHN_CHALLENGE_TTL_SECONDS + 2
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="authentication", realm="r1")


def test_a_sealed_challenge_counts_its_limits_in_its_claim_s_round_trip(backend, monkeypatch):
    limit = Limit("t-sealed", 1, 60)
    calls = []
    real = sharedcache.incr_windows
    monkeypatch.setattr(
        sharedcache, "incr_windows", lambda *a, **k: calls.append(k.get("also")) or real(*a, **k)
    )
    handle, _challenge = challenge_seal(ceremony="authentication", realm="r1")
    challenge_take(handle=handle, ceremony="authentication", realm="r1", limits=[(limit, "ip")])
    assert calls[0][0] == "claim"
    again, _challenge = challenge_seal(ceremony="authentication", realm="r1")
    with pytest.raises(RateLimited):
        challenge_take(handle=again, ceremony="authentication", realm="r1", limits=[(limit, "ip")])
    with pytest.raises(ChallengeMissing):  # refused for the limit, used up all the same
        challenge_take(handle=again, ceremony="authentication", realm="r1")


@pytest.mark.redis
@pytest.mark.parametrize("begin", [challenge_issue, challenge_seal], ids=["stored", "sealed"])
def test_concurrent_takes_get_one_winner(settings, begin):
    handle, _challenge = begin(ceremony="authentication", realm="r1")
    winners, barrier = [], threading.Barrier(8)

    def take():
        barrier.wait()
        try:
            winners.append(challenge_take(handle=handle, ceremony="authentication", realm="r1"))
        except ChallengeMissing:
            pass

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_version_counters_read_together(backend):
    assert sharedcache.get_ints(["v:a", "v:b"]) == [None, None]
    cache.set("v:a", 3)
    cache.set("v:b", 5)
    assert sharedcache.get_ints(["v:a", "v:b"]) == [3, 5]


@pytest.mark.redis
def test_a_broken_connection_is_reopened_and_errors_keep_replies_in_step():
    from redis.exceptions import ResponseError

    cache.set("s:text", "x")
    assert sharedcache.incr_windows([("s:n", int(time.time()) + 30)]) == [1]
    sharedcache._link.connection._sock.close()  # e.g. closed by the server while idle
    assert sharedcache.get_ints(["s:n"]) == [1]
    backend = sharedcache._backend()[0]
    with pytest.raises(ResponseError):
        sharedcache._run(
            backend, [("INCR", backend.make_key("s:n")), ("HGET", backend.make_key("s:text"), "f")]
        )
    assert sharedcache.get_ints(["s:n"]) == [2]  # the next reply is the next command's


def test_session_cache_reads_what_django_wrote(backend):
    session_cache = sharedcache.SessionCache()
    cache.set("sess:a", {"k": 1}, 30)
    assert session_cache.get("sess:a") == {"k": 1} and "sess:a" in session_cache
    session_cache.set("sess:b", {"k": 2}, 30)
    assert cache.get("sess:b") == {"k": 2}
    assert session_cache.delete("sess:b") and "sess:b" not in session_cache


def test_a_challenge_and_its_rate_limits_share_one_round_trip(backend, monkeypatch):
    limit = Limit("t-challenge", 2, 60)
    issued = [
        challenge_issue(ceremony="register", realm="r1", limits=[(limit, "ip")])
        for _ in range(2)
    ]
    dropped = []
    delete = sharedcache.delete
    monkeypatch.setattr(sharedcache, "delete", lambda name: dropped.append(name) or delete(name))
    with pytest.raises(RateLimited):  # the third: refused, and its challenge not kept
        challenge_issue(ceremony="register", realm="r1", limits=[(limit, "ip")])
    assert len(dropped) == 1 and dropped[0].startswith("wac:")
    assert not sharedcache.has(dropped[0])
    take_limit = Limit("t-take", 1, 60)
    first, second = (handle for handle, _challenge in issued)
    record = challenge_take(
        handle=first, ceremony="register", realm="r1", limits=[(take_limit, "ip")]
    )
    assert record["realm"] == "r1"
    with pytest.raises(RateLimited):
        challenge_take(handle=second, ceremony="register", realm="r1", limits=[(take_limit, "ip")])
    with pytest.raises(ChallengeMissing):  # a refused take uses the challenge up all the same
        challenge_take(handle=second, ceremony="register", realm="r1")
