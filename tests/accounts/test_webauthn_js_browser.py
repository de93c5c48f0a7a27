"""static/latchkey/webauthn.js in Chromium: a ceremony round trip and its plain-language errors."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHALLENGE = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"


def _module_page(page, base):
    page.goto(base + reverse("portal:sign-in"))
    page.wait_for_function("() => !!window.LatchkeyWebAuthn")


@pytest.mark.parametrize("native", [True, False], ids=["browser-json", "fallback"])
def test_create_then_get_return_json_the_server_reads(public_live_server, page, native):
    from tests.support.browser import add_virtual_authenticator

    add_virtual_authenticator(page)
    _module_page(page, public_live_server.url)
    if not native:
        # A browser without the JSON helpers: the module's own conversion takes over.
        page.evaluate(
            """() => {
              delete PublicKeyCredential.parseCreationOptionsFromJSON;
              delete PublicKeyCredential.parseRequestOptionsFromJSON;
              delete PublicKeyCredential.prototype.toJSON;
            }"""
        )
        assert page.evaluate("() => typeof PublicKeyCredential.prototype.toJSON") == "undefined"
    result = page.evaluate(
        """async (challenge) => {
          const W = window.LatchkeyWebAuthn;
          const created = await W.create({
            rp: {id: "localhost", name: "Test"},
            user: {id: "dXNlcg", name: "a@example.com", displayName: "A"},
            challenge: challenge, pubKeyCredParams: [{type: "public-key", alg: -7}],
            authenticatorSelection: {residentKey: "preferred", userVerification: "required"},
            timeout: 60000, attestation: "none", excludeCredentials: []
          });
          const asserted = await W.get({
            challenge: challenge, rpId: "localhost", timeout: 60000,
            userVerification: "required", allowCredentials: []
          });
          return {created: created, asserted: asserted};
        }""",
        CHALLENGE,
    )
    created, asserted = result["created"], result["asserted"]
    assert created["type"] == "public-key" and created["rawId"] == created["id"]
    assert isinstance(created["response"]["attestationObject"], str)
    assert asserted["id"] == created["id"]
    assert asserted["response"]["userHandle"] == "dXNlcg"
    assert isinstance(asserted["response"]["signature"], str)


def test_errors_in_plain_language(public_live_server, page):
    from tests.support.browser import add_virtual_authenticator

    add_virtual_authenticator(page)
    _module_page(page, public_live_server.url)
    messages = page.evaluate(
        """async (challenge) => {
          const W = window.LatchkeyWebAuthn;
          let wrongAddress;
          try {
            await W.get({challenge: challenge, rpId: "login.example.com", timeout: 60000});
          } catch (err) { wrongAddress = W.explain(err, "get"); }
          return {
            wrongAddress: wrongAddress,
            cancelled: W.explain({name: "NotAllowedError"}, "get"),
            notCreated: W.explain({name: "NotAllowedError"}, "create"),
            timedOut: W.explain({name: "NotAllowedError", timedOut: true}, "get"),
            unsupported: W.explain({name: "UnsupportedError"}, "get"),
          };
        }""",
        CHALLENGE,
    )
    assert "login.example.com" in messages["wrongAddress"]
    assert "localhost" in messages["wrongAddress"]
    assert "cancelled" in messages["cancelled"] and "no passkey" in messages["cancelled"]
    assert "not created" in messages["notCreated"]
    assert "timed out" in messages["timedOut"]
    assert "cannot use passkeys" in messages["unsupported"]
