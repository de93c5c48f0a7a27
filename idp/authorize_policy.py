"""prompt, max_age and login_hint: may an authorization request use the current sign-in?"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

# Dropped from the request the sign-in page resumes: the sign-in it makes is fresh anyway.
NOT_RESUMED = ("max_age",)


@dataclass(frozen=True)
class Decision:
    """What the authorize endpoint does next; at most one flag is set, none means proceed."""

    invalid: str = ""  # an invalid_request description
    login_required: bool = False  # prompt=none and no usable sign-in
    sign_in: bool = False  # send the person to the sign-in page
    sign_out_first: bool = False  # forget the current sign-in before that

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


def decide(*, params, signin, now: float | None = None) -> Decision:
    """Apply prompt and max_age to the current sign-in (an EndUserSignIn or None)."""
    try:
        max_age = parse_max_age(params.get("max_age"))
    except ValueError:
        return Decision(invalid="max_age must be a whole number of seconds.")
    prompt = set(params.get("prompt", "").split())
    now = time.time() if now is None else now
    too_old = signin is not None and max_age is not None and now - signin.auth_time > max_age
    if "none" in prompt:
        if signin is None or too_old:
            return Decision(login_required=True)
        return Decision()
    if signin is None or too_old or "login" in prompt:
        # What comes back from the sign-in page is then a fresh sign-in by construction.
        return Decision(sign_in=True, sign_out_first=signin is not None)
    return Decision()


def sign_in_url(*, tenant, path: str, params) -> str:
    """The sign-in page, resuming this request without max_age or prompt=login, with the hint."""
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
    query = [("next", path + "?" + urlencode(cleaned))]
    if params.get("login_hint"):
        query.append(("login_hint", params["login_hint"]))
    return reverse("idp:sign-in", kwargs={"tenant_slug": tenant.slug}) + "?" + urlencode(query)
