"""After the load: invariants in the database, metrics against the load's own counts, and the
logs searched for anything secret."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import psycopg
from prometheus_client.parser import text_string_to_metric_families

AUDIT = "accounts_auditevent"


def _table(cur, *candidates: str) -> str:
    for name in candidates:
        cur.execute("SELECT to_regclass(%s)", [name])
        if cur.fetchone()[0] is not None:
            return name
    raise LookupError(f"none of {candidates} exists")


def database_invariants(dsn: str, record, members, tenants: list[str]) -> tuple[dict, dict, int]:
    """(invariant name → passed, details, data lost) from the load's record and the database."""
    results, details = {}, {}
    lost = 0
    with psycopg.connect(dsn, autocommit=True) as conn, conn.cursor() as cur:
        audit = _table(cur, "tenants_auditevent", AUDIT)
        cur.execute("SELECT id FROM tenants_tenant WHERE slug = ANY(%s)", [tenants])
        tenant_ids = [row[0] for row in cur.fetchall()]

        cur.execute(
            "SELECT tenant_id, lower(email), count(*) FROM accounts_user "
            "WHERE tenant_id = ANY(%s) GROUP BY 1, 2 HAVING count(*) > 1",
            [tenant_ids],
        )
        duplicates = cur.fetchall()
        results["no duplicate users"] = not duplicates
        details["duplicate users"] = len(duplicates)

        cur.execute(
            "SELECT credential_id, count(*) FROM accounts_webauthncredential "
            "GROUP BY 1 HAVING count(*) > 1"
        )
        results["no duplicate credential IDs"] = not cur.fetchall()

        # Every registration the load saw succeed is in the database (else: data lost).
        cur.execute(
            "SELECT lower(u.email), c.credential_id FROM accounts_user u "
            "JOIN accounts_webauthncredential c ON c.user_id = u.id WHERE u.tenant_id = ANY(%s)",
            [tenant_ids],
        )
        stored = {(email, bytes(cid)) for email, cid in cur.fetchall()}
        from tests.support.soft_webauthn import b64url_decode

        missing_users = [
            email
            for _j, _t, email, cid in record.registrations
            if (email.lower(), b64url_decode(cid)) not in stored
        ]
        lost += len(missing_users)
        results["every acknowledged registration stored"] = not missing_users

        # No partial sign-ups: a user in a drill tenant always has a passkey.
        cur.execute(
            "SELECT count(*) FROM accounts_user u WHERE u.tenant_id = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM accounts_webauthncredential c WHERE c.user_id = u.id)",
            [tenant_ids],
        )
        orphans_users = cur.fetchone()[0]

        # Codes: each redeemed at most once; a replay was refused and recorded as reuse.
        codes = {hashlib.sha256(s[3].code.encode()).hexdigest(): s[3] for s in record.signins}
        cur.execute(
            "SELECT code_digest, redeemed_at IS NOT NULL, reused_at IS NOT NULL, "
            "access_token_id FROM idp_authorizationcode WHERE tenant_id = ANY(%s)",
            [tenant_ids],
        )
        rows = {digest: (redeemed, reused, access) for digest, redeemed, reused, access in cur}
        unredeemed = [d for d in codes if d not in rows or not rows[d][0]]
        replays = [d for d, r in codes.items() if r.replay_status is not None]
        replay_unrecorded = [d for d in replays if d in rows and not rows[d][1]]
        double = [
            d for d, r in codes.items() if r.replay_status is not None and r.replay_status != 400
        ]
        results["every code redeemed at most once"] = not double and not replay_unrecorded
        details["codes redeemed"] = len(codes) - len(unredeemed)
        details["code replays refused"] = len(replays) - len(double)
        lost += len(unredeemed)

        # Tokens the relying party received exist (unless revoked by the replay rule).
        access_table = _table(cur, "oauth2_provider_accesstoken")
        cur.execute(f"SELECT token_checksum FROM {access_table}")  # noqa: S608
        checksums = {row[0] for row in cur.fetchall()}
        missing_tokens = [
            r
            for r in codes.values()
            if r.replay_status is None
            and hashlib.sha256(r.tokens["access_token"].encode()).hexdigest() not in checksums
        ]
        lost += len(missing_tokens)
        results["every issued access token stored"] = not missing_tokens

        # Sign counters: the stored counter is the last one a verify accepted (or a later
        # one whose answer was lost), never lower.
        cur.execute(
            "SELECT credential_id, sign_count FROM accounts_webauthncredential c JOIN "
            "accounts_user u ON u.id = c.user_id WHERE u.tenant_id = ANY(%s)",
            [tenant_ids],
        )
        counters = {bytes(cid): count for cid, count in cur.fetchall()}
        regressions = 0
        for member in members:
            stored_count = counters.get(b64url_decode(member.credential_id))
            sent = member.authenticator.credentials[0].sign_count
            if stored_count is None or not (member.acked_count <= stored_count <= sent):
                regressions += 1
        results["sign counters monotonic"] = regressions == 0
        details["counter mismatches"] = regressions

        # One audit event per action: per journey (its user agent), never two.
        cur.execute(
            f"SELECT user_agent, action, count(*) FROM {audit} WHERE tenant_id = ANY(%s) "  # noqa: S608
            "AND action IN ('enduser.signed_in', 'enduser.registered') GROUP BY 1, 2",
            [tenant_ids],
        )
        per_journey = {(ua.rsplit("/", 1)[-1], action): n for ua, action, n in cur.fetchall()}
        twice = [k for k, n in per_journey.items() if n > 1]
        ok_signins = {s[0] for s in record.signins}
        ok_registrations = {r[0] for r in record.registrations}
        unaudited = [j for j in ok_signins if per_journey.get((j, "enduser.signed_in")) != 1]
        # A sign-up also signs the person in: both events, once each.
        unaudited += [
            j for j in ok_registrations if per_journey.get((j, "enduser.registered")) != 1
        ]
        results["one audit event per action"] = not twice and not unaudited
        details["audit events twice"] = len(twice)
        details["acknowledged actions without their audit event"] = len(unaudited)
        lost += len(unaudited)
        details["audited sign-ins"] = sum(
            n for (j, a), n in per_journey.items() if a == "enduser.signed_in" and j.startswith("s")
        )
        details["audited sign-ins (all)"] = sum(
            n for (_j, a), n in per_journey.items() if a == "enduser.signed_in"
        )
        details["audited registrations"] = sum(
            n for (_j, a), n in per_journey.items() if a == "enduser.registered"
        )

        cur.execute(
            "SELECT count(*) FROM idp_authorizationcode a WHERE a.tenant_id = ANY(%s) AND "
            "NOT EXISTS (SELECT 1 FROM accounts_user u WHERE u.id = a.user_id)",
            [tenant_ids],
        )
        orphan_codes = cur.fetchone()[0]
        results["no orphan rows"] = orphans_users == 0 and orphan_codes == 0
        details["users without a passkey"] = orphans_users

        cur.execute(
            "SELECT t.slug FROM tenants_tenant t WHERE NOT EXISTS (SELECT 1 FROM "
            "tenants_signingkey k WHERE k.tenant_id = t.id AND k.state = 'active')"
        )
        results["every tenant has an active key at the end"] = not cur.fetchall()
    return results, details, lost


def tenants_without_active_key(dsn: str) -> list[str]:
    """Tenants that have no active signing key right now (must always be none)."""
    with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT t.slug FROM tenants_tenant t WHERE NOT EXISTS (SELECT 1 FROM "
            "tenants_signingkey k WHERE k.tenant_id = t.id AND k.state = 'active' "
            "AND k.algorithm = 'RS256')"
        )
        return [row[0] for row in cur.fetchall()]


# --- metrics ---------------------------------------------------------------------------------


def parse_counters(texts: list[str]) -> Counter:
    """Sum samples over every scrape: (sample name, sorted labels) → value."""
    totals: Counter = Counter()
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                totals[key] += sample.value
    return totals


def metric_sum(totals: Counter, name: str, **labels) -> float:
    """Sum of the samples of `name` whose labels include `labels`."""
    return sum(
        value
        for (sample, lbls), value in totals.items()
        if sample == name and all(dict(lbls).get(k) == v for k, v in labels.items())
    )


# --- logs ------------------------------------------------------------------------------------

PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\"d\"\s*:\s*\"[A-Za-z0-9_-]{40,}")
CANDIDATE = re.compile(r"[A-Za-z0-9_\-.~]{8,}")


def secrets_in_logs(logs: dict[str, str], secrets: set[str]) -> list[str]:
    """Log lines (name:number) holding a known secret or private-key material."""
    found = []
    secrets = {s for s in secrets if s and len(s) >= 6}
    for name, text in logs.items():
        for number, line in enumerate(text.splitlines(), 1):
            if PRIVATE_KEY.search(line):
                found.append(f"{name}:{number}: private key material")
                continue
            for candidate in CANDIDATE.findall(line):
                if candidate in secrets or any(p in secrets for p in candidate.split(".")):
                    found.append(f"{name}:{number}: a secret value")
                    break
    return found
