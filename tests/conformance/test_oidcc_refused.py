"""Plan variants the product deliberately does not serve, and the documented refusal.

Latchkey issues tokens by the code flow or, for legacy relying parties, a bare ID token. The
Implicit plan's `id_token token` variant and the Hybrid / Form Post hybrid plans ask for
response types that would put an access token or a code next to an ID token in the front
channel; they are answered with `unsupported_response_type` (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

import pytest

from tests.conformance.rp import PLANS

pytestmark = pytest.mark.django_db

REFUSED = {
    "oidcc_implicit_id_token_token_variant": "id_token token",
    "oidcc_hybrid_code_id_token": "code id_token",
    "oidcc_hybrid_code_token": "code token",
    "oidcc_hybrid_code_id_token_token": "code id_token token",
    "oauth_implicit_token": "token",
}


@pytest.mark.parametrize(
    "plan", [PLANS["implicit"], PLANS["formpost-implicit"]], ids=["implicit", "formpost"]
)
@pytest.mark.parametrize("response_type", REFUSED.values(), ids=REFUSED.keys())
def test_oidcc_unsupported_response_type_refused(op, response_type):
    assert response_type not in op.rp.config["response_types_supported"]
    browser = op.browser()
    op.login(browser)  # signed in: only the response type can stop it
    request, arrival = op.authorize(
        browser, omit=("response_type",), extra={"response_type": response_type}
    )
    assert arrival.kind in ("redirect", "form_post"), arrival.url
    if arrival.kind == "form_post":
        params = arrival.fields
    else:
        params = {**arrival.query, **arrival.fragment}
    assert params.get("error") == "unsupported_response_type", params
    assert params.get("state") == request.state
    assert not {"code", "id_token", "access_token"} & set(params), params
