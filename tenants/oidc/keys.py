"""Signing keys per tenant: creation, the next/active/retired lifecycle, rotation and revocation.

Every write takes the tenant row with `select_for_update` as the per-tenant lock, so rotation
passes from several workers (or two beats) and manual actions serialise; the partial unique
constraints (one active and one next key per tenant and algorithm) back that up in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from tenants.access import require_access
from tenants.audit import audit_log
from tenants.models import SigningKey, Tenant
from tenants.oidc.crypto import encrypt_private_key, generate_private_key_pem, public_jwk_for

DEFAULT_ALGORITHM = SigningKey.Algorithm.RS256


class KeyStateChanged(Exception):
    """The keys changed since the caller looked (e.g. a second click on "Rotate now")."""


class KeyAlgorithmUnsupported(Exception):
    """The requested signing algorithm is not one Latchkey can sign with."""


@dataclass(frozen=True)
class KeyTimings:
    """The lifecycle durations, read from settings when needed (so tests can change them)."""

    rotation: timedelta
    lead: timedelta
    retention: timedelta
    jwks_cache: timedelta

    @classmethod
    def current(cls) -> KeyTimings:
        """Timings from settings: lead is at least the advertised JWKS cache lifetime."""
        jwks_cache = timedelta(seconds=settings.JWKS_CACHE_SECONDS)
        longest_token = max(settings.ID_TOKEN_LIFETIME, settings.ACCESS_TOKEN_LIFETIME)
        return cls(
            rotation=timedelta(days=settings.KEY_ROTATION_DAYS),
            lead=max(timedelta(hours=settings.KEY_PUBLISH_AHEAD_HOURS), jwks_cache),
            retention=timedelta(hours=settings.KEY_RETIRE_GRACE_HOURS, seconds=longest_token),
            jwks_cache=jwks_cache,
        )


@dataclass
class PassResult:
    """What one rotation pass changed for a tenant (empty lists: nothing to do)."""

    created: list[str] = field(default_factory=list)
    promoted: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.promoted or self.retired or self.deleted)


# --- creation --------------------------------------------------------------------------------


def signing_key_create(
    *, tenant: Tenant, state: str, algorithm: str = "RS256", now: datetime | None = None
) -> SigningKey:
    """Generate a key pair, seal the private half, and store it in the given state."""
    if algorithm not in SigningKey.Algorithm.values:
        raise KeyAlgorithmUnsupported(f"unsupported signing algorithm {algorithm!r}")
    pem = generate_private_key_pem(algorithm)
    kid, public = public_jwk_for(pem, algorithm)
    now = now or timezone.now()
    return SigningKey.objects.create(
        tenant=tenant,
        kid=kid,
        algorithm=algorithm,
        state=state,
        private_key_encrypted=encrypt_private_key(pem),
        public_jwk=public,
        published_at=now,
        activated_at=now if state == SigningKey.State.ACTIVE else None,
    )


# --- selectors -------------------------------------------------------------------------------


def signing_key_active(*, tenant, algorithm: str = "RS256") -> SigningKey | None:
    """The key that signs new tokens for this tenant."""
    return (
        SigningKey.objects.for_tenant(tenant)
        .filter(state=SigningKey.State.ACTIVE, algorithm=algorithm)
        .first()
    )


def signing_keys_published(*, tenant, now: datetime | None = None) -> list[SigningKey]:
    """Keys relying parties should trust: next, active and retired ones still in their grace."""
    now = now or timezone.now()
    cutoff = now - KeyTimings.current().retention
    return list(
        SigningKey.objects.for_tenant(tenant)
        .filter(
            Q(state__in=[SigningKey.State.NEXT, SigningKey.State.ACTIVE])
            | Q(state=SigningKey.State.RETIRED, retired_at__gt=cutoff)
        )
        .order_by("created_at", "id")
    )


def signing_keys_list(*, tenant) -> list[SigningKey]:
    """Every key row of a tenant for the portal and API list (revoked ones included)."""
    order = {"active": 0, "next": 1, "retired": 2, "revoked": 3}
    keys = list(SigningKey.objects.for_tenant(tenant).order_by("-created_at", "-id"))
    return sorted(keys, key=lambda k: (k.algorithm, order.get(k.state, 9)))


def access_signing_key(*, tenant, actor, kid: str) -> SigningKey:
    """A key of this tenant by kid; 404 if it belongs elsewhere or does not exist."""
    require_access(actor=actor, tenant=tenant)
    key = SigningKey.objects.for_tenant(tenant).filter(kid=kid).first()
    if key is None:
        raise Http404("No such signing key.")
    return key


def signing_key_algorithms(*, tenant) -> list[str]:
    """Algorithms this tenant signs with: RS256 always, plus any added (e.g. ES256)."""
    used = set(
        SigningKey.objects.for_tenant(tenant)
        .exclude(state=SigningKey.State.REVOKED)
        .values_list("algorithm", flat=True)
    )
    return sorted(used | {DEFAULT_ALGORITHM}, key=lambda a: (a != DEFAULT_ALGORITHM, a))


@dataclass(frozen=True)
class KeySchedule:
    """Where one algorithm of a tenant stands: its keys and when the next rotation happens."""

    algorithm: str
    active: SigningKey | None
    next: SigningKey | None
    rotates_at: datetime | None
    next_published_for: timedelta | None
    next_is_young: bool


def signing_key_schedule(*, tenant, now: datetime | None = None) -> list[KeySchedule]:
    """Per algorithm: active and next key, the scheduled rotation, and the young-next warning."""
    now = now or timezone.now()
    timings = KeyTimings.current()
    keys = list(
        SigningKey.objects.for_tenant(tenant).filter(
            state__in=[SigningKey.State.ACTIVE, SigningKey.State.NEXT]
        )
    )
    result = []
    for algorithm in signing_key_algorithms(tenant=tenant):
        active = next((k for k in keys if k.algorithm == algorithm and k.state == "active"), None)
        nxt = next((k for k in keys if k.algorithm == algorithm and k.state == "next"), None)
        rotates_at = None
        if active is not None and nxt is not None:
            rotates_at = max(
                active.activated_at + timings.rotation, nxt.published_at + timings.lead
            )
        published_for = (now - nxt.published_at) if nxt is not None else None
        result.append(
            KeySchedule(
                algorithm=algorithm,
                active=active,
                next=nxt,
                rotates_at=rotates_at,
                next_published_for=published_for,
                next_is_young=published_for is None or published_for < timings.jwks_cache,
            )
        )
    return result


# --- lifecycle services ----------------------------------------------------------------------


def _lock_tenant(tenant) -> Tenant:
    # The tenant row is the per-tenant lock for every key change.
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


def _current(tenant, algorithm: str) -> tuple[SigningKey | None, SigningKey | None]:
    keys = list(
        SigningKey.objects.for_tenant(tenant)
        .select_for_update()
        .filter(algorithm=algorithm, state__in=[SigningKey.State.ACTIVE, SigningKey.State.NEXT])
    )
    active = next((k for k in keys if k.state == SigningKey.State.ACTIVE), None)
    nxt = next((k for k in keys if k.state == SigningKey.State.NEXT), None)
    return active, nxt


def _promote(*, active: SigningKey | None, nxt: SigningKey, now: datetime) -> None:
    # Retire first: the partial unique index allows only one active key per tenant and alg.
    if active is not None:
        active.state = SigningKey.State.RETIRED
        active.retired_at = now
        active.save(update_fields=["state", "retired_at"])
    nxt.state = SigningKey.State.ACTIVE
    nxt.activated_at = now
    nxt.save(update_fields=["state", "activated_at"])


def _ensure_keys(tenant, algorithm: str, now: datetime, result: PassResult):
    """Make sure this algorithm has exactly one active and one next key; return both."""
    active, nxt = _current(tenant, algorithm)
    if active is None:
        # A tenant must always be able to sign: promote whatever is published, however young.
        if nxt is not None:
            _promote(active=None, nxt=nxt, now=now)
            result.promoted.append(nxt.kid)
            active, nxt = nxt, None
        else:
            active = signing_key_create(
                tenant=tenant, state=SigningKey.State.ACTIVE, algorithm=algorithm, now=now
            )
            result.created.append(active.kid)
    if nxt is None:
        nxt = signing_key_create(
            tenant=tenant, state=SigningKey.State.NEXT, algorithm=algorithm, now=now
        )
        result.created.append(nxt.kid)
    return active, nxt


def _rotate(tenant, active, nxt, now: datetime, result: PassResult) -> SigningKey:
    _promote(active=active, nxt=nxt, now=now)
    result.promoted.append(nxt.kid)
    if active is not None:
        result.retired.append(active.kid)
    fresh = signing_key_create(
        tenant=tenant, state=SigningKey.State.NEXT, algorithm=nxt.algorithm, now=now
    )
    result.created.append(fresh.kid)
    return fresh


@transaction.atomic
def key_rotation_pass(*, tenant, now: datetime | None = None) -> PassResult:
    """One idempotent scheduled step: ensure keys, rotate when due and ready, delete expired."""
    now = now or timezone.now()
    timings = KeyTimings.current()
    locked = _lock_tenant(tenant)
    result = PassResult()
    for algorithm in signing_key_algorithms(tenant=locked):
        active, nxt = _ensure_keys(locked, algorithm, now, result)
        due = active.activated_at + timings.rotation <= now
        ready = nxt.published_at + timings.lead <= now
        if due and ready:
            _rotate(locked, active, nxt, now, result)
    expired = SigningKey.objects.for_tenant(locked).filter(
        Q(state=SigningKey.State.RETIRED, retired_at__lte=now - timings.retention)
        | Q(state=SigningKey.State.REVOKED, revoked_at__lte=now - timings.retention)
    )
    result.deleted = list(expired.values_list("kid", flat=True))
    if result.deleted:
        expired.delete()
    if result.changed:
        audit_log(
            action="signing_key.rotation_pass",
            tenant=locked,
            target=locked,
            details={
                "created": result.created,
                "promoted": result.promoted,
                "retired": result.retired,
                "deleted": result.deleted,
                "at": now.isoformat(),
            },
        )
    return result


@dataclass(frozen=True)
class RotateOutcome:
    """Result of "Rotate now": the new active key, the fresh next key, and the retired one."""

    active: SigningKey
    next: SigningKey
    retired: SigningKey | None
    was_young: bool


@transaction.atomic
def key_rotate_now(
    *,
    tenant,
    actor,
    reason: str = "",
    request=None,
    algorithm: str = "RS256",
    expected_next_kid: str | None = None,
    now: datetime | None = None,
) -> RotateOutcome:
    """Manual rotation: promote the published next key now, however young, and publish a new one."""
    now = now or timezone.now()
    timings = KeyTimings.current()
    locked = _lock_tenant(tenant)
    if algorithm not in signing_key_algorithms(tenant=locked):
        raise KeyAlgorithmUnsupported(f"this tenant has no {algorithm} keys")
    result = PassResult()
    active, nxt = _ensure_keys(locked, algorithm, now, result)
    if expected_next_kid and nxt.kid != expected_next_kid:
        raise KeyStateChanged("The keys changed since this page was loaded; nothing was rotated.")
    was_young = now - nxt.published_at < timings.jwks_cache
    fresh = _rotate(locked, active, nxt, now, result)
    audit_log(
        action="signing_key.rotated",
        actor=actor,
        tenant=locked,
        target=nxt,
        details={
            "algorithm": algorithm,
            "activated": nxt.kid,
            "retired": active.kid,
            "next": fresh.kid,
            "next_was_published_seconds": int((now - nxt.published_at).total_seconds()),
            "reason": reason,
        },
        request=request,
    )
    return RotateOutcome(active=nxt, next=fresh, retired=active, was_young=was_young)


@transaction.atomic
def key_revoke(
    *, key: SigningKey, actor, reason: str = "", request=None, now: datetime | None = None
) -> SigningKey:
    """Withdraw a key from JWKS at once and wipe its private half; return the active key after."""
    now = now or timezone.now()
    locked_tenant = _lock_tenant(key.tenant)
    key = SigningKey.objects.for_tenant(locked_tenant).select_for_update().get(pk=key.pk)
    algorithm = key.algorithm
    if key.state == SigningKey.State.REVOKED:
        return signing_key_active(tenant=locked_tenant, algorithm=algorithm)
    before = key.state
    key.state = SigningKey.State.REVOKED
    key.revoked_at = now
    key.private_key_encrypted = ""
    key.save(update_fields=["state", "revoked_at", "private_key_encrypted"])
    # The published next key takes over (relying parties probably hold it already); a fresh
    # next key replaces whichever of the two went.
    result = PassResult()
    active, nxt = _ensure_keys(locked_tenant, algorithm, now, result)
    audit_log(
        action="signing_key.revoked",
        actor=actor,
        tenant=locked_tenant,
        target=key,
        details={
            "kid": key.kid,
            "algorithm": algorithm,
            "state_before": before,
            "active": active.kid,
            "next": nxt.kid,
            "reason": reason,
        },
        request=request,
    )
    return active


@transaction.atomic
def key_algorithm_add(
    *, tenant, algorithm: str, actor, reason: str = "", request=None, now: datetime | None = None
) -> SigningKey:
    """Let a tenant sign with another algorithm (ES256): an active and a next key; idempotent."""
    if algorithm not in SigningKey.Algorithm.values:
        raise KeyAlgorithmUnsupported(f"unsupported signing algorithm {algorithm!r}")
    now = now or timezone.now()
    locked = _lock_tenant(tenant)
    existing = signing_key_active(tenant=locked, algorithm=algorithm)
    if existing is not None:
        return existing
    result = PassResult()
    active, nxt = _ensure_keys(locked, algorithm, now, result)
    audit_log(
        action="signing_key.algorithm_added",
        actor=actor,
        tenant=locked,
        target=active,
        details={"algorithm": algorithm, "active": active.kid, "next": nxt.kid, "reason": reason},
        request=request,
    )
    return active
