"""The running load: threads of people signing up, signing in and exchanging codes, bounded in
count and time, recording every answer for the report and every success for the checks."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from reliability.journeys import Member, Person, StepFailed, register, sign_in


@dataclass
class Record:
    """Everything the load saw, shared by its threads under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    successes: int = 0  # HTTP answers that were the expected one
    errors: Counter = field(default_factory=Counter)
    fivexx: list = field(default_factory=list)  # (monotonic t, status, step, journey)
    registrations: list = field(default_factory=list)  # (journey, tenant, email, credential id)
    registration_attempts: dict = field(default_factory=dict)  # journey -> ok
    signins: list = field(default_factory=list)  # (journey, tenant, email, result, t)
    signin_attempts: dict = field(default_factory=dict)  # journey -> "ok" | last step reached
    verify_acked: dict = field(default_factory=dict)  # journey -> verify answered 200
    journeys: Counter = field(default_factory=Counter)
    nodes_per_signin: list = field(default_factory=list)
    signin_seconds: list = field(default_factory=list)

    def absorb(self, person: Person) -> None:
        with self.lock:
            for t, step, status, _node, ok in person.trace.steps:
                self.requests += 1
                self.successes += ok
                if isinstance(status, int) and status >= 500:
                    self.fivexx.append((t, status, step, person.journey))


class Load:
    """`threads` people at a time until `max_journeys` or `max_seconds`, whichever first."""

    def __init__(
        self,
        *,
        bases,
        tenants,
        threads=32,
        max_journeys=2000,
        max_seconds=300,
        replay_share=0.1,
        seed=7,
    ):
        self.bases = bases
        self.tenants = tenants  # seed rows: slug, client_id, client_secret, redirect_uri
        self.threads = threads
        self.max_journeys = max_journeys
        self.max_seconds = max_seconds
        self.replay_share = replay_share
        self.record = Record()
        self.pool: dict[str, deque] = {t["slug"]: deque() for t in tenants}
        self.members: list[Member] = []
        self._stop = threading.Event()
        self._counter = itertools.count(1)
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self.started_at = 0.0

    # --- control -------------------------------------------------------------------------

    def start(self) -> None:
        self.started_at = time.monotonic()
        for n in range(self.threads):
            worker = threading.Thread(target=self._run, name=f"load-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(60)

    def running(self) -> bool:
        return any(w.is_alive() for w in self._workers)

    # --- the people ----------------------------------------------------------------------

    def _journey_id(self) -> int | None:
        with self._rng_lock:
            n = next(self._counter)
        return n if n <= self.max_journeys else None

    def _run(self) -> None:
        while not self._stop.is_set() and time.monotonic() - self.started_at < self.max_seconds:
            n = self._journey_id()
            if n is None:
                return
            tenant = self.tenants[n % len(self.tenants)]
            with self._rng_lock:
                roll = self._rng.random()
                replay = self._rng.random() < self.replay_share
            pool = self.pool[tenant["slug"]]
            member = None
            if len(pool) >= 8 and roll < 0.7:
                try:
                    member = pool.popleft()
                except IndexError:
                    member = None
            ok = self.one(n, tenant, member, replay)
            if not ok:
                time.sleep(1.0)  # a person whose attempt failed waits a moment before trying again

    def one(self, n: int, tenant: dict, member: Member | None, replay: bool, bases=None) -> bool:
        """One journey: a sign-in if `member` is given, else a sign-up. True if it completed."""
        bases = bases or self.bases
        record = self.record
        if member is None:
            journey = f"r{n}"
            person = Person(journey)
            email = f"p{n}-{tenant['slug']}@drill.example.com"
            try:
                created = register(person, bases, tenant["slug"], email)
                ok = True
            except StepFailed as exc:
                created, ok = None, False
                failure = exc
            finally:
                person.close()
            record.absorb(person)
            with record.lock:
                record.journeys["registration"] += 1
                record.registration_attempts[journey] = ok
                if ok:
                    record.registrations.append(
                        (journey, tenant["slug"], email, created.credential_id)
                    )
                    self.members.append(created)
                else:
                    record.errors[f"registration {failure.step}: {failure.kind}"] += 1
            if ok:
                self.pool[tenant["slug"]].append(created)
            return ok
        journey = f"s{n}"
        person = Person(journey)
        began = time.monotonic()
        try:
            result = sign_in(person, bases, tenant, member, replay=replay)
            ok = True
        except StepFailed as exc:
            result, ok = None, False
            failure = exc
        except (KeyError, ValueError) as exc:  # an answer without the expected shape
            result, ok = None, False
            failure = StepFailed("shape", None, type(exc).__name__)
        finally:
            person.close()
            self.pool[tenant["slug"]].append(member)
        record.absorb(person)
        with record.lock:
            record.journeys["signin"] += 1
            verify = [s for s in person.trace.steps if s[1] == "signin-verify"]
            record.verify_acked[journey] = bool(verify) and verify[-1][2] == 200
            record.signin_attempts[journey] = "ok" if ok else failure.step
            if ok:
                record.signins.append((journey, tenant["slug"], member.email, result, time.time()))
                record.nodes_per_signin.append(len(person.trace.nodes()))
                record.signin_seconds.append(time.monotonic() - began)
            else:
                record.errors[f"sign-in {failure.step}: {failure.kind}"] += 1
        return ok

    def completed(self) -> int:
        with self.record.lock:
            return len(self.record.signins)
