"""Matrix cases: sign-up, sign-in, links, profile, docs and passkeys."""

from accounts.email_links import email_link_issue
from accounts.models import EmailLink, WebAuthnCredential
from tests.portal.matrix.spec import ROLES, Case, expect

ALL_200 = dict.fromkeys(ROLES, 200)
ALL_302 = dict.fromkeys(ALL_200, 302)
ALL_400 = dict.fromkeys(ALL_200, 400)
SIGNED_IN_200 = {**ALL_200, "anonymous": 302}


def _signed_in(status: int, anonymous: int = 302) -> dict:
    return {**dict.fromkeys(ALL_200, status), "anonymous": anonymous}


def _sign_in_link(world):
    user = world.users["read_only"]
    world.extra["token"] = email_link_issue(
        purpose=EmailLink.Purpose.SIGN_IN, email=user.email, user=user
    )


def _passkey(world):
    world.extra["credential"] = WebAuthnCredential.objects.create(
        user=world.users["read_write"], credential_id=b"matrix-cred", public_key=b"k", name="Key"
    )


def _own_passkey(status_owner: int) -> dict:
    return expect(302, 404, status_owner, 404, 404)


def _credential_pk(world):
    return {"pk": world.extra["credential"].pk}


def _link_token(world):
    return {"token": world.extra["token"]}


CASES = [
    Case("portal:home", ALL_200),
    Case(
        "portal:home",
        {**ALL_302, "anonymous": 200},
        method="POST",
        data=lambda w: {"email": "new@example.com", "given_name": "N"},
        id="signup",
    ),
    Case("portal:sign-in", {**ALL_302, "anonymous": 200}),
    Case("portal:sign-in-link", ALL_200, method="POST", data=lambda w: {"email": "x@example.com"}),
    Case("portal:sign-out", ALL_302, method="POST"),
    Case("portal:email-link", ALL_400, kwargs=lambda w: {"token": "not-a-real-token"}),
    Case(
        "portal:email-link",
        ALL_200,
        setup=_sign_in_link,
        kwargs=_link_token,
        id="valid",
    ),
    Case(
        "portal:email-link",
        ALL_302,
        method="POST",
        setup=_sign_in_link,
        kwargs=_link_token,
        id="use",
    ),
    Case("portal:profile", SIGNED_IN_200),
    Case(
        "portal:profile",
        ALL_302,
        method="POST",
        data=lambda w: {"given_name": "G", "family_name": "F"},
    ),
    Case("portal:docs", ALL_200),
    Case("portal:passkeys", SIGNED_IN_200),
    Case(
        "portal:passkey-rename",
        _own_passkey(302),
        method="POST",
        setup=_passkey,
        kwargs=_credential_pk,
        data=lambda w: {"name": "Renamed"},
    ),
    # force_login is no fresh passkey check, so removal is refused even for the owner.
    Case(
        "portal:passkey-remove",
        _own_passkey(403),
        method="POST",
        setup=_passkey,
        kwargs=_credential_pk,
    ),
    Case("portal:passkey-auth-options", ALL_200, method="POST", json=True),
    Case("portal:passkey-auth-verify", ALL_400, method="POST", json=True, data=lambda w: {}),
    Case("portal:passkey-reauth-options", _signed_in(400, 401), method="POST", json=True),
    Case(
        "portal:passkey-reauth-options",
        {**_signed_in(400, 401), "read_write": 200},
        method="POST",
        json=True,
        setup=_passkey,
        id="with-passkey",
    ),
    Case("portal:passkey-reauth-verify", _signed_in(400, 401), method="POST", json=True),
    Case("portal:passkey-register-options", _signed_in(403, 401), method="POST", json=True),
    Case("portal:passkey-register-verify", _signed_in(403, 401), method="POST", json=True),
]
