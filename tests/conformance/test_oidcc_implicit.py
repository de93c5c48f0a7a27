"""OIDF Implicit and Form Post implicit OP plans: the modules of the implicit flow only."""

from __future__ import annotations

import pytest

from tests.conformance.conftest import plans

pytestmark = pytest.mark.django_db


@plans("implicit")
def test_oidcc_ensure_request_without_nonce_fails(op):
    request, arrival = op.authorize(op.browser(), nonce=None)
    if arrival.kind == "page":
        assert arrival.response.status_code == 400
        assert "nonce" in arrival.text
    else:
        assert op.rp.error(arrival, request)["error"] == "invalid_request"
