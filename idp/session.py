"""End-user sign-in state per tenant, kept in the session apart from the portal's Django login.

`SignInState` owns every key the IdP keeps there and its time limit: the sign-in itself, a
passkey sign-in waiting for the email to be proven, the emailed link being waited on, a proven
email address, and an unproven sign-up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router

from accounts.models import User
from accounts.statements import instance, select_where
from tenants.audit import audit_event, audit_log

SESSION_KEY = "idp_signins"
SESSION_PENDING_LINK = "idp_pending_link"
SESSION_PROOF = "idp_proof"
SESSION_SIGNUP = "idp_signup"
SESSION_PENDING_SIGNIN = "idp_pending_signin"
# Each step in progress lives this long (seconds) after it was recorded.
PENDING_SIGNIN_TTL = 900
PROOF_TTL = 900
SIGNUP_TTL = 900
# Adding or removing a passkey needs a sign-in this recent (a stolen old session cannot).
REAUTH_SECONDS = 300


@dataclass(frozen=True)
class EndUserSignIn:
    """Who is signed in at one tenant, when, and how."""

    user: User
    auth_time: int
    amr: list[str]
    passkey_id: int | None = None
    # When this sign-in was recorded, to the microsecond: tells two sign-ins apart.
    signed_in_at: float = 0.0

    def is_recent(self) -> bool:
        """Recent enough to add or remove passkeys (REAUTH_SECONDS)."""
        return time.time() - self.auth_time <= REAUTH_SECONDS


def _rotate_session_key(session) -> None:
    """SessionBase.cycle_key without its early write: the session middleware writes the data
    once, under a new key, when the response goes out. With config.sessions the old key ends in
    that same statement (its row's key is changed); with another store it ends now."""
    if hasattr(session, "rotate_key"):  # config.sessions: the old key ends in the same write
        session.rotate_key()
        return
    data = session._session  # loads the row of the old key, if there is one
    old_key = session.session_key
    # With no key, save() creates a fresh one (cycle_key would INSERT now, then UPDATE).
    session._session_key = None
    session._session_cache = data
    session.modified = True
    if old_key:
        if type(session) is DatabaseSessionStore:
            # SessionStore.delete reads the row before deleting it: one DELETE does the same.
            session.get_model_class().objects.filter(session_key=old_key).delete()
        else:
            session.delete(old_key)


def _active_user(tenant, user_id) -> User | None:
    """The tenant's active user with this id (one statement, no ORM query building)."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, cols = select_where(User, alias, ("id", "tenant", "is_active"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [int(user_id), tenant.pk, True])
        row = cursor.fetchone()
    return None if row is None else instance(alias, connection, row, cols)


def _young(record, ttl: int) -> dict | None:
    if not isinstance(record, dict) or time.time() - record.get("at", 0) > ttl:
        return None
    return record


class SignInState:
    """One tenant's sign-in state in one browser session."""

    def __init__(self, request, tenant):
        self.request = request
        self.tenant = tenant
        self._key = str(tenant.pk)

    def _get(self, key: str):
        return self.request.session.get(key, {}).get(self._key)

    def _put(self, key: str, value) -> None:
        """Set (or with None, drop) this tenant's entry of a per-tenant session dict."""
        entries = dict(self.request.session.get(key, {}))
        if value is None:
            if entries.pop(self._key, None) is None:
                return
        else:
            entries[self._key] = value
        self.request.session[key] = entries

    # --- the sign-in -------------------------------------------------------------------------

    def current(self) -> EndUserSignIn | None:
        """The end user signed in at this tenant, if the sign-in is still valid."""
        record = self._get(SESSION_KEY)
        if not record:
            return None
        user = _active_user(self.tenant, record["user_id"])
        if user is None:
            return None
        revoked = user.sessions_valid_after
        signed_in_at = record.get("signed_in_at", record["auth_time"])
        if revoked is not None and signed_in_at <= revoked.timestamp():
            return None
        return EndUserSignIn(
            user=user,
            auth_time=record["auth_time"],
            amr=record["amr"],
            passkey_id=record.get("passkey_id"),
            signed_in_at=signed_in_at,
        )

    def sign_in(self, *, user: User, amr: list[str], passkey_id: int | None = None):
        """Record a completed sign-in at this tenant; rotates the session key (no fixation)."""
        if user.tenant_id != self.tenant.pk:
            raise ValueError("user belongs to another tenant")
        _rotate_session_key(self.request.session)
        now = time.time()
        auth_time = int(now)
        # signed_in_at keeps sub-second precision so a revocation in the same second still wins.
        self._put(
            SESSION_KEY,
            {
                "user_id": user.pk,
                "auth_time": auth_time,
                "signed_in_at": now,
                "amr": list(amr),
                "passkey_id": passkey_id,
            },
        )
        return EndUserSignIn(
            user=user, auth_time=auth_time, amr=list(amr), passkey_id=passkey_id, signed_in_at=now
        )

    def complete(
        self, *, user: User, amr: list[str], method: str, passkey_id=None, audited=False
    ) -> EndUserSignIn:
        """Finish a sign-in: drop the steps that led here, sign in, and audit it (unless
        `audited`: its signed_in_event() was already written)."""
        self.set_pending_signin(None)
        self.set_pending_link(None)
        signed_in = self.sign_in(user=user, amr=amr, passkey_id=passkey_id)
        if not audited:
            audit_log(**self._signed_in_audit(user, amr, method, passkey_id))
        return signed_in

    def signed_in_event(self, *, user: User, amr: list[str], method: str, passkey_id=None):
        """The audit event complete() writes, not saved yet: for a caller that writes it in a
        statement of its own (then complete(audited=True))."""
        return audit_event(**self._signed_in_audit(user, amr, method, passkey_id))

    def _signed_in_audit(self, user, amr, method, passkey_id) -> dict:
        return {
            "action": "enduser.signed_in",
            "tenant": self.tenant,
            "target": user,
            "details": {"user": user.subject, "passkey": passkey_id, "method": method, "amr": amr},
            "request": self.request,
        }

    def sign_out(self) -> None:
        """Forget the sign-in at this tenant only."""
        self._put(SESSION_KEY, None)

    # --- steps in progress -------------------------------------------------------------------

    def pending_link(self):
        """The id of the emailed link whose code this browser may type."""
        return self._get(SESSION_PENDING_LINK)

    def set_pending_link(self, link_id) -> None:
        self._put(SESSION_PENDING_LINK, link_id)

    def pending_signin(self) -> dict | None:
        """A passkey sign-in waiting for the email to be proven, if still fresh."""
        return _young(self._get(SESSION_PENDING_SIGNIN), PENDING_SIGNIN_TTL)

    def set_pending_signin(self, record: dict | None) -> None:
        self._put(SESSION_PENDING_SIGNIN, _stamped(record))

    def proof(self) -> dict | None:
        """A proven email address (session form of idp.email_proof.Proof), if still fresh."""
        return _young(self._get(SESSION_PROOF), PROOF_TTL)

    def set_proof(self, record: dict | None) -> None:
        self._put(SESSION_PROOF, _stamped(record))

    def signup(self) -> dict | None:
        """An unproven sign-up (email and names) waiting for its passkey, if still fresh."""
        return _young(self._get(SESSION_SIGNUP), SIGNUP_TTL)

    def set_signup(self, record: dict | None) -> None:
        self._put(SESSION_SIGNUP, _stamped(record))


def _stamped(record: dict | None) -> dict | None:
    return None if record is None else {**record, "at": int(time.time())}


def enduser_sign_in(
    request, *, tenant, user: User, amr: list[str], passkey_id: int | None = None
) -> EndUserSignIn:
    """Record a completed sign-in at this tenant (see SignInState.sign_in)."""
    return SignInState(request, tenant).sign_in(user=user, amr=amr, passkey_id=passkey_id)


def enduser_current(request, *, tenant) -> EndUserSignIn | None:
    """The end user signed in at this tenant (see SignInState.current)."""
    return SignInState(request, tenant).current()


def enduser_sign_out(request, *, tenant) -> None:
    """Forget the sign-in at this tenant only."""
    SignInState(request, tenant).sign_out()
