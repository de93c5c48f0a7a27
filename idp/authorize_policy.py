"""prompt, max_age, id_token_hint and login_hint: may an authorization request use the current
sign-in?

A request that needs a new sign-in never ends the current one (any site can link to
`authorize?prompt=login`): the sign-in page is shown, and the request it resumes carries
REAUTH_PARAM, the moment of the sign-in to be replaced, so only a newer sign-in lets it through.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

# Our own parameter on the resumed request: signed_in_at of the sign-in it must not use.
REAUTH_PARAM = "latchkey_reauth"
# Dropped from the request the sign-in page resumes: REAUTH_PARAM stands in for them.
NOT_RESUMED = ("max_age", REAUTH_PARAM)


@dataclass(frozen=True)
class Decision:
    """What the authorize endpoint does next; at most one flag is set, none means proceed."""

    invalid: str = ""  # an invalid_request description
    login_required: bool = False  # prompt=none and no usable sign-in
    sign_in: bool = False  # send the person to the sign-in page
    replaces: float | None = None  # signed_in_at of the sign-in a new one must replace

    @property
    def proceed(self) -> bool:
        return not (self.invalid or self.login_required or self.sign_in)


def parse_max_age(value) -> int | None:
    """max_age as seconds; None when absent; ValueError when not a whole number >= 0."""
    if value is None:
        return None
    seconds = int(value)
    if seconds < 0:
        raise ValueError("max_age is negative")
    return seconds


def parse_reauth(value) -> float | None:
    """REAUTH_PARAM as a timestamp; None when absent; ValueError when not a finite number."""
    if value is None:
        return None
    moment = float(value)
    if not math.isfinite(moment):
        raise ValueError("not a finite number")
    return moment


def decide(*, params, signin, hint_subject: str | None = None, now: float | None = None):
    """Apply prompt, max_age and the id_token_hint's subject to the current sign-in."""
    try:
        max_age = parse_max_age(params.get("max_age"))
    except ValueError:
        return Decision(invalid="max_age must be a whole number of seconds.")
    try:
        reauth = parse_reauth(params.get(REAUTH_PARAM))
    except ValueError:
        return Decision(invalid=f"{REAUTH_PARAM} is not valid.")
    prompt = set(params.get("prompt", "").split())
    now = time.time() if now is None else now
    usable = signin is not None
    if usable and max_age is not None and now - signin.auth_time > max_age:
        usable = False
    if usable and reauth is not None and signin.signed_in_at <= reauth:
        usable = False  # the sign-in this resumed request asked to replace
    if usable and hint_subject is not None and reauth is None:
        # OIDC Core §3.1.2.1: the hint names another user. After a new sign-in (reauth set)
        # the person's own choice of account stands.
        usable = signin.user.subject == hint_subject
    if "none" in prompt:
        return Decision() if usable else Decision(login_required=True)
    if not usable or "login" in prompt:
        return Decision(sign_in=True, replaces=signin.signed_in_at if signin else None)
    return Decision()


def resume(
    *, path: str, params, replaces: float | None = None, login_hint: str = ""
) -> tuple[str, str]:
    """(next, login_hint) for the sign-in page: this request without max_age or prompt=login,
    (and, when a current sign-in is to be replaced, with REAUTH_PARAM), and the hint."""
    cleaned = []
    for key, values in params.lists():
        if key in NOT_RESUMED:
            continue
        for value in values[-1:]:
            if key == "prompt":
                value = " ".join(p for p in value.split() if p != "login")
                if not value:
                    continue
            cleaned.append((key, value))
    if replaces is not None:
        cleaned.append((REAUTH_PARAM, repr(float(replaces))))  # repr: exact round trip
    return path + "?" + urlencode(cleaned), params.get("login_hint") or login_hint


def sign_in_url(
    *, tenant, path: str, params, replaces: float | None = None, login_hint: str = ""
) -> str:
    """The sign-in page's URL resuming this request (see resume())."""
    next_url, login_hint = resume(
        path=path, params=params, replaces=replaces, login_hint=login_hint
    )
    query = [("next", next_url)]
    if login_hint:
        query.append(("login_hint", login_hint))
    return reverse("idp:sign-in", kwargs={"tenant_slug": tenant.slug}) + "?" + urlencode(query)
