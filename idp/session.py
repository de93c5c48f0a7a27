"""End-user sign-in state per tenant, kept apart from the portal's Django login."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from accounts.models import User

SESSION_KEY = "idp_signins"


@dataclass(frozen=True)
class EndUserSignIn:
    """Who is signed in at one tenant, when, and how."""

    user: User
    auth_time: int
    amr: list[str]
    passkey_id: int | None = None


def _rotate_session_key(session) -> None:
    """SessionBase.cycle_key without its early write: the old key dies now, and the session
    middleware writes the data once, under a new key, when the response goes out."""
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


def enduser_sign_in(
    request, *, tenant, user: User, amr: list[str], passkey_id: int | None = None
) -> EndUserSignIn:
    """Record a completed sign-in at this tenant; rotates the session key (no fixation)."""
    if user.tenant_id != tenant.pk:
        raise ValueError("user belongs to another tenant")
    _rotate_session_key(request.session)
    signins = dict(request.session.get(SESSION_KEY, {}))
    now = time.time()
    auth_time = int(now)
    # signed_in_at keeps sub-second precision so a revocation in the same second still wins.
    signins[str(tenant.pk)] = {
        "user_id": user.pk,
        "auth_time": auth_time,
        "signed_in_at": now,
        "amr": list(amr),
        "passkey_id": passkey_id,
    }
    request.session[SESSION_KEY] = signins
    return EndUserSignIn(user=user, auth_time=auth_time, amr=list(amr), passkey_id=passkey_id)


def enduser_current(request, *, tenant) -> EndUserSignIn | None:
    """The end user signed in at this tenant, if the sign-in is still valid."""
    record = request.session.get(SESSION_KEY, {}).get(str(tenant.pk))
    if not record:
        return None
    user = User.objects.for_tenant(tenant).filter(pk=record["user_id"], is_active=True).first()
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
    )


def enduser_sign_out(request, *, tenant) -> None:
    """Forget the sign-in at this tenant only."""
    signins = dict(request.session.get(SESSION_KEY, {}))
    if signins.pop(str(tenant.pk), None) is not None:
        request.session[SESSION_KEY] = signins
