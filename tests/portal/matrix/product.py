"""Permission-matrix cases for the development mailbox and the token viewer."""

from tests.portal.matrix.spec import Case, expect, tenant_slug

WRITE = expect(302, 403, 302, 404, 302)

CASES = [
    # Development only, and open to anyone there: it holds the links people need to sign in.
    Case("portal:dev-mailbox", expect(200, 200, 200, 200, 200)),
    Case(
        "portal:dev-mailbox-message",
        expect(404, 404, 404, 404, 404),
        kwargs=lambda w: {"message_id": "0000000000000000-00000000"},
    ),
    Case("portal:tenant-test-sign-in", expect(302, 403, 200, 404, 200), kwargs=tenant_slug),
    Case("portal:tenant-test-sign-in", WRITE, method="POST", kwargs=tenant_slug, id="start"),
    Case("portal:tenant-test-sign-in-callback", WRITE, method="POST", kwargs=tenant_slug),
]


def _end_user(w):
    from accounts.models import WebAuthnCredential
    from tests import factories

    w.extra["end_user"] = factories.end_user(tenant=w.tenant)
    w.extra["passkey"] = WebAuthnCredential.objects.create(
        user=w.extra["end_user"], credential_id=b"matrix", public_key=b"pk"
    )


def _user_kwargs(w):
    return {"slug": w.tenant.slug, "user_id": w.extra["end_user"].pk}


def _passkey_kwargs(w):
    return {**_user_kwargs(w), "pk": w.extra["passkey"].pk}


VIEW = expect(302, 200, 200, 404, 200)
API_VIEW = expect(401, 200, 200, 404, 200)
API_WRITE = expect(401, 403, 200, 404, 200)

CASES += [
    Case("portal:tenant-users", VIEW, kwargs=tenant_slug),
    Case("portal:tenant-user", VIEW, kwargs=_user_kwargs, setup=_end_user),
    *(
        Case(f"portal:tenant-user-{action}", WRITE, "POST", kwargs=_user_kwargs, setup=_end_user)
        for action in ("disable", "enable", "revoke-sessions", "send-recovery")
    ),
    Case(
        "portal:tenant-user-passkey-remove",
        WRITE,
        "POST",
        kwargs=_passkey_kwargs,
        setup=_end_user,
    ),
    Case("api:user-list", API_VIEW, kwargs=tenant_slug),
    Case("api:user-detail", API_VIEW, kwargs=_user_kwargs, setup=_end_user),
    *(
        Case(
            f"api:user-{action}",
            {**API_WRITE, "read_write": code, "support": code},
            "POST",
            kwargs=_user_kwargs,
            setup=_end_user,
            json=True,
        )
        for action, code in (
            ("disable", 200),
            ("enable", 200),
            ("revoke-sessions", 200),
            ("send-recovery", 202),
        )
    ),
    Case(
        "api:user-passkey-detail",
        {**API_WRITE, "read_write": 204, "support": 204},
        "DELETE",
        kwargs=_passkey_kwargs,
        setup=_end_user,
    ),
]

CASES.append(Case("portal:tenant-home", VIEW, kwargs=tenant_slug))
