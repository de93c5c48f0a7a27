"""The drill: start the stack, prove scale-out, run the load through four faults, fuzz, check."""

from __future__ import annotations

import threading
import time

import psycopg
import requests

from bench.stack import Stack
from reliability import checks, fuzz
from reliability.cluster import Cluster, wait_for
from reliability.journeys import jwt_header
from reliability.load import Load

REDIS_OUTAGE_SECONDS = 20
RECOVERY_LIMIT_SECONDS = 90
# After a fault is over, the proxy needs `rise 2` health checks (1 s apart) per node, and
# requests already queued finish: 502/503/504 this long after recovery are still the fault's.
GRACE_SECONDS = 10
MIN_SIGNINS = 300
WEEK_SQL = """
UPDATE tenants_signingkey SET
  created_at = created_at - interval '7 days',
  published_at = published_at - interval '7 days',
  activated_at = activated_at - interval '7 days',
  retired_at = retired_at - interval '7 days',
  revoked_at = revoked_at - interval '7 days'
"""


class Drill:
    """One run; `summary` is what report.write() stores."""

    def __init__(self, *, threads: int, max_journeys: int, max_seconds: float, quick: bool):
        self.threads = threads
        self.max_journeys = max_journeys
        self.max_seconds = max_seconds
        self.quick = quick
        self.faults: list[dict] = []
        self.windows: list[tuple[float, float]] = []  # when a 502/503/504 is expected
        self.invariants: dict[str, bool] = {}
        self.figures: dict[str, object] = {}
        self.no_active_key: set[str] = set()
        self._monitor_stop = threading.Event()

    # --- helpers -------------------------------------------------------------------------

    def log(self, message: str) -> None:
        print(f"[{time.monotonic() - self.began:7.1f}s] {message}", flush=True)

    def dsn(self) -> str:
        return self.cluster.pg.url

    def _signins_after(self, moment: float) -> bool:
        with self.load.record.lock:
            return any(s[4] >= moment for s in self.load.record.signins)

    def _recovered_after(self, wall: float) -> float | None:
        return wait_for(lambda: self._signins_after(wall), RECOVERY_LIMIT_SECONDS, 0.2)

    def _fault(self, name: str, injected: float, recovered: float | None, **extra) -> None:
        entry = {
            "name": name,
            "injected_at": round(injected - self.load.started_at, 1),
            "recovered": recovered is not None,
            "seconds_to_recover": round(recovered, 1) if recovered is not None else None,
            **extra,
        }
        self.faults.append(entry)
        self.log(f"fault {name}: {entry}")

    def _monitor(self) -> None:
        drill = [t["slug"] for t in self.cluster.seed["tenants"]]
        while not self._monitor_stop.wait(1.0):
            try:
                missing = checks.tenants_without_active_key(self.dsn())
            except psycopg.Error:
                continue  # PostgreSQL is being restarted
            self.no_active_key.update(t for t in missing if t in drill)

    # --- phases --------------------------------------------------------------------------

    def run(self) -> dict:
        self.began = time.monotonic()
        with Stack() as stack:
            self.cluster = Cluster(stack)
            self.log(f"starting the stack in {stack.dir}")
            self.cluster.start()
            self.log("stack up: PostgreSQL, Redis, 2 nodes x 2 workers, HAProxy, worker, beat")
            tenants = self.cluster.seed["tenants"]
            self.load = Load(
                bases=[self.cluster.proxy_url],
                tenants=tenants,
                threads=self.threads,
                max_journeys=self.max_journeys,
                max_seconds=self.max_seconds,
            )
            self.scale_out()
            monitor = threading.Thread(target=self._monitor, daemon=True)
            monitor.start()
            self.log(f"load: {self.threads} people at a time through the proxy")
            self.load.start()
            try:
                self.faults_under_load()
            finally:
                self.load.stop()
                self._monitor_stop.set()
                monitor.join(5)
            self.log(f"load stopped: {dict(self.load.record.journeys)}")
            self.metrics()
            fuzzed = self.hostile_input()
            return self.summarise(fuzzed)

    def scale_out(self) -> None:
        """Each step of a sign-in on another node (node ports directly), then via the proxy."""
        n1, n2 = self.cluster.node_url(0), self.cluster.node_url(1)
        tenants = self.cluster.seed["tenants"]
        ok = True
        for i, tenant in enumerate(tenants):
            ok &= self.load.one(90000 + i, tenant, None, False, bases=[n1, n2])
        members = list(self.load.members)
        # authorize n1, page n2, options n2, verify n1, authorize (code) n2, token n1.
        pattern = [n1, n2, n2, n1, n2, n1, n2]
        for i, member in enumerate(members):
            tenant = next(t for t in tenants if t["slug"] == member.tenant)
            self.load.pool[member.tenant].remove(member)
            ok &= self.load.one(90100 + i, tenant, member, True, bases=pattern)
            self.load.pool[member.tenant].append(member)
        self.invariants["scale-out: every step on another node, sign-in completes"] = ok

        # Rotate now through node 1; node 2's next token is signed with the new key.
        tenant = tenants[0]
        api = f"{n1}/api/v1/tenants/{tenant['slug']}/keys/rotate/"
        answer = requests.post(
            api,
            json={"reason": "reliability drill"},
            headers={"Authorization": f"Bearer {self.cluster.seed['api_token']}"},
            timeout=20,
        )
        rotated_kid = answer.json()["active"]["kid"] if answer.status_code == 200 else None
        member = next(m for m in self.load.members if m.tenant == tenant["slug"])
        self.load.pool[member.tenant].remove(member)
        before = len(self.load.record.signins)
        self.load.one(90200, tenant, member, False, bases=[n2])
        self.load.pool[member.tenant].append(member)
        signed = self.load.record.signins[before:]
        kid = jwt_header(signed[-1][3].tokens["id_token"])["kid"] if signed else None
        self.invariants["key rotated through node 1 signs at once on node 2"] = (
            rotated_kid is not None and kid == rotated_kid
        )
        self.figures["key propagation between nodes"] = "next token (kid read per request)"
        self.log(f"scale-out proven: {ok}; rotated kid used by node 2: {kid == rotated_kid}")

    def faults_under_load(self) -> None:
        cluster = self.cluster
        wait_for(lambda: self.load.completed() >= 30, 60)
        self.log(f"warm: {self.load.completed()} sign-ins")

        # 1. Redis stopped for 20 s.
        injected = time.monotonic()
        cluster.stop_redis()
        self.log("redis stopped")
        time.sleep(REDIS_OUTAGE_SECONDS)
        cluster.start_redis()
        back = time.time()
        recovered = self._recovered_after(back)
        self.windows.append((injected, time.monotonic() + GRACE_SECONDS))
        self._fault(
            "redis stopped 20 s",
            injected,
            None if recovered is None else recovered,
            outage_seconds=REDIS_OUTAGE_SECONDS,
        )
        time.sleep(3)

        # 2. PostgreSQL restarted.
        injected = time.monotonic()
        cluster.restart_postgres()
        back = time.time()
        restart_took = time.monotonic() - injected
        recovered = self._recovered_after(back)
        self.windows.append((injected, time.monotonic() + GRACE_SECONDS))
        self._fault(
            "postgresql restarted",
            injected,
            None if recovered is None else recovered + restart_took,
            restart_seconds=round(restart_took, 1),
        )
        time.sleep(3)

        # 3. A web node SIGKILLed mid-request; the proxy carries on with the other.
        injected = time.monotonic()
        cluster.kill_node(1)
        killed = time.time()
        recovered = self._recovered_after(killed)
        node_back = None
        cluster.start_node(1)
        node_back = wait_for(lambda: cluster.ready(cluster.node_url(1)), 60)
        self.windows.append((injected, time.monotonic() + GRACE_SECONDS))
        self._fault(
            "web node SIGKILLed mid-request",
            injected,
            recovered,
            node_restarted_ready_after=round(time.monotonic() - injected, 1)
            if node_back is not None
            else None,
        )
        time.sleep(3)

        # 4. Celery worker and beat stopped for a simulated week.
        self.celery_week()

        # Several hundred complete sign-ins (authorize to token) in all, faults or not.
        wait_for(lambda: self.load.completed() >= MIN_SIGNINS, 150, 1.0)
        self.log(f"sign-ins completed: {self.load.completed()}")

    def _keys(self) -> dict[str, dict[str, tuple]]:
        with psycopg.connect(self.dsn(), autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT t.slug, k.state, k.kid, k.published_at, k.activated_at FROM "
                "tenants_signingkey k JOIN tenants_tenant t ON t.id = k.tenant_id "
                "WHERE k.algorithm = 'RS256' AND k.state IN ('active', 'next')"
            )
            keys: dict[str, dict[str, tuple]] = {}
            for slug, state, kid, published, activated in cur.fetchall():
                keys.setdefault(slug, {})[state] = (kid, published, activated)
        return keys

    def celery_week(self) -> None:
        cluster = self.cluster
        drill = [t["slug"] for t in cluster.seed["tenants"]]
        injected = time.monotonic()
        cluster.stop_celery()
        # The controllable clock: to the rotation pass, a week without Celery looks exactly
        # like every key timestamp being a week older (KEY_ROTATION_DAYS=3 makes one due).
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(WEEK_SQL)
        before = self._keys()
        signed_before = len(self.load.record.signins)
        time.sleep(8)  # signing goes on during the "week"
        during = self.load.record.signins[signed_before:]
        active_kids = {slug: before[slug]["active"][0] for slug in drill}
        wrong = [
            s for s in during if jwt_header(s[3].tokens["id_token"])["kid"] != active_kids[s[1]]
        ]
        self.invariants["signing goes on with the active key while Celery is away"] = (
            bool(during) and not wrong
        )
        self.figures["sign-ins during the Celery week"] = len(during)
        cluster.start_celery()

        def rotated() -> bool:
            now = self._keys()
            return all(now[s]["active"][0] == before[s]["next"][0] for s in drill)

        caught_up = wait_for(rotated, RECOVERY_LIMIT_SECONDS, 1.0)
        time.sleep(6)  # one more beat period: a second pass must not rotate again
        after = self._keys()
        lead_kept = all(
            after[s]["active"][0] == before[s]["next"][0]  # the published next key, not a new one
            and after[s]["active"][2] - before[s]["next"][1] >= _lead()
            and after[s]["next"][0] not in (before[s]["next"][0], before[s]["active"][0])
            for s in drill
        )
        self.invariants["rotation catches up once, keeping the publish lead time"] = (
            caught_up is not None and lead_kept
        )
        self._fault(
            "celery worker+beat stopped for a simulated week",
            injected,
            caught_up,
            rotation_caught_up_after_restart=None if caught_up is None else round(caught_up, 1),
        )
        # Tokens after the catch-up are signed with the newly active key.
        mark = time.time() + 2
        wait_for(lambda: self._signins_after(mark), 30)
        fresh = [s for s in self.load.record.signins if s[4] >= mark]
        self.invariants["tokens after the catch-up use the new key"] = bool(fresh) and all(
            jwt_header(s[3].tokens["id_token"])["kid"] == after[s[1]]["active"][0] for s in fresh
        )

    def metrics(self) -> None:
        """Scrape both nodes and the worker's files; compare with the load's own counts."""
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        texts = [self.cluster.scrape(self.cluster.node_url(i)) for i in range(2)]
        worker = CollectorRegistry()
        MultiProcessCollector(worker, path=str(self.cluster.metrics_dir("celery")))
        celery = checks.parse_counters([generate_latest(worker).decode()])
        totals = checks.parse_counters(texts)
        record = self.load.record
        results, details, _lost = checks.database_invariants(
            self.dsn(),
            record,
            list(self.load.members),
            [t["slug"] for t in self.cluster.seed["tenants"]],
        )
        self.db_results, self.db_details, self.lost = results, details, _lost
        signins_metric = checks.metric_sum(totals, "latchkey_signins_total")
        regs_metric = checks.metric_sum(totals, "latchkey_registrations_total")
        token_ok = checks.metric_sum(
            totals, "latchkey_token_requests_total", grant_type="authorization_code", status="200"
        )
        client_signins = len(record.signins)
        client_regs = len(record.registrations)
        audited_regs = details["audited registrations"]
        attempted_tokens = sum(1 for s in record.signin_attempts.values() if s in ("ok", "token"))
        self.figures.update(
            {
                "sign-ins incl. after sign-up: load / metrics / audit": (
                    f"{client_signins + client_regs} / {signins_metric:.0f} / "
                    f"{details['audited sign-ins (all)']}"
                ),
                "registrations: load / metrics / audit": (
                    f"{client_regs} / {regs_metric:.0f} / {audited_regs}"
                ),
                "token exchanges: load ok / metrics 200": f"{client_signins} / {token_ok:.0f}",
            }
        )
        # A sign-up also signs the person in, so the metric counts both kinds of journey.
        self.invariants["metrics agree with the load (sign-ins)"] = (
            client_signins + client_regs <= signins_metric <= details["audited sign-ins (all)"]
        )
        self.invariants["metrics agree with the load (registrations)"] = (
            client_regs <= regs_metric <= audited_regs
        )
        self.invariants["metrics agree with the load (token requests)"] = (
            client_signins <= token_ok <= attempted_tokens
        )
        rotations = checks.metric_sum(celery, "latchkey_key_rotations_total", trigger="scheduled")
        manual = checks.metric_sum(totals, "latchkey_key_rotations_total", trigger="manual")
        tasks_ok = checks.metric_sum(
            celery,
            "latchkey_celery_tasks_total",
            task="tenants.rotate_tenant_keys",
            outcome="succeeded",
        )
        self.figures["key rotations in metrics: scheduled / manual"] = (
            f"{rotations:.0f} / {manual:.0f}"
        )
        self.figures["celery rotate_tenant_keys succeeded (metrics)"] = int(tasks_ok)
        self.invariants["metrics agree with the load (key rotations, celery)"] = (
            rotations >= len(self.cluster.seed["tenants"]) and manual == 1 and tasks_ok >= 1
        )

    def hostile_input(self) -> list[fuzz.FuzzResult]:
        base = self.cluster.proxy_url
        fuzz_tenant = self.cluster.seed["tenants"][-1]
        iterations = 20 if self.quick else 60
        self.log("hostile input through the proxy")
        results = [
            fuzz.webauthn_and_json(base, fuzz_tenant, iterations=iterations),
            fuzz.oauth_garbage(base, fuzz_tenant, iterations=iterations),
        ]
        try:
            results.append(
                fuzz.api_schema(
                    base,
                    self.cluster.seed["fuzz_api_token"],
                    examples=3 if self.quick else 6,
                    seconds=60 if self.quick else 120,
                )
            )
        except Exception as exc:  # the schema fuzzer is extra; its failure is reported
            self.log(f"api schema fuzz did not run: {exc}")
            self.figures["api schema fuzz"] = f"did not run: {type(exc).__name__}"
        self.log(f"hostile requests: {sum(r.requests for r in results)}")
        return results

    def summarise(self, fuzzed: list[fuzz.FuzzResult]) -> dict:
        record = self.load.record
        unexplained = []
        explained = 0
        for t, status, step, journey in record.fivexx:
            in_window = any(start <= t <= end for start, end in self.windows)
            if status in (502, 503, 504) and in_window:
                explained += 1
            else:
                unexplained.append(
                    {
                        "status": status,
                        "step": step,
                        "journey": journey,
                        "at": round(t - self.load.started_at, 1),
                    }
                )
        for result in fuzzed:
            unexplained += [{"status": s, "step": f"fuzz {label}"} for label, s in result.fivexx]
        self.invariants.update(self.db_results)
        self.invariants["no tenant ever without an active key"] = not self.no_active_key
        unsigned = [s for s in self.load.record.signins if not s[3].signature_ok]
        self.invariants[
            "every ID token's signature verifies against the JWKS served over HTTP (by kid)"
        ] = bool(self.load.record.signins) and not unsigned
        self.figures["ID tokens whose signature failed"] = len(unsigned)
        leaks = checks.secrets_in_logs(self.cluster.logs(), self._secrets())
        self.invariants["no secret, token, code or private key in any log"] = not leaks
        self.invariants["no 5xx from hostile input"] = not any(r.fivexx for r in fuzzed)
        fuzz_requests = sum(r.requests for r in fuzzed)
        self.figures.update(self.db_details)
        self.figures["hostile requests"] = fuzz_requests
        self.figures["sign-ins whose steps used both nodes (via proxy)"] = sum(
            1 for n in record.nodes_per_signin if n >= 2
        )
        self.figures["journeys"] = dict(record.journeys)
        durations = sorted(record.signin_seconds)
        if durations:
            p50, p95 = durations[len(durations) // 2], durations[int(len(durations) * 0.95)]
            self.figures["sign-in journey (6 requests) p50 / p95 seconds"] = (
                f"{p50:.2f} / {p95:.2f}"
            )
        self.figures["concurrent people"] = self.threads
        summary = {
            "requests": record.requests + fuzz_requests,
            "successes": record.successes + sum(r.requests - len(r.fivexx) for r in fuzzed),
            "errors_by_kind": dict(record.errors),
            "unexplained_5xx": len(unexplained),
            "explained_5xx": explained,
            "data_lost": self.lost,
            "invariants": self.invariants,
            "faults": self.faults,
            "figures": self.figures,
            "unexplained_5xx_detail": unexplained[:20],
            "log_leaks": leaks[:20],
            "duration_seconds": round(time.monotonic() - self.began, 1),
        }
        summary["passed"] = (
            summary["unexplained_5xx"] == 0
            and summary["data_lost"] == 0
            and all(self.invariants.values())
            and all(f["recovered"] for f in self.faults)
        )
        return summary

    def _secrets(self) -> set[str]:
        seed = self.cluster.seed
        found = {seed["api_token"], seed["fuzz_api_token"], self.cluster.metrics_token}
        found |= {t["client_secret"] for t in seed["tenants"]}
        found |= {self.cluster.env["SECRET_KEY"], self.cluster.env["KEY_ENCRYPTION_KEY"]}
        for *_x, result, _t in self.load.record.signins:
            found.add(result.code)
            for name in ("access_token", "refresh_token", "id_token"):
                value = result.tokens.get(name)
                if value:
                    found.add(value)
                    found.add(value.split(".")[-1])
        return found


def _lead():
    from datetime import timedelta

    return timedelta(hours=24)
