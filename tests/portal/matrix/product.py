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
