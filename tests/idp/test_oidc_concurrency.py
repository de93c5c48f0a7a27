"""Concurrent redemptions of one code yield exactly one success (live server, real DB)."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest
import requests

from idp.models import AuthorizationCode
from tests import factories
from tests.idp.oidc_support import (
    make_rp,
    oidc_tenant,
    query_of,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5
RACERS = 4


@pytest.mark.postgresql(reason="the live server shares one SQLite connection")
def test_concurrent_redemptions_of_one_code_yield_exactly_one_success(public_live_server):
    tenant = oidc_tenant()
    user = factories.end_user(tenant=tenant)
    rp = make_rp(tenant)
    server = public_live_server.url
    browser = requests.Session()
    sign_in(browser, tenant, user)
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "response_mode": "query",
        "scope": "openid",
    }
    for _ in range(ROUNDS):
        response = browser.get(
            f"{server}/t/{tenant.slug}/authorize?{urlencode(params)}", allow_redirects=False
        )
        code = query_of(response.headers["Location"])["code"]
        barrier = threading.Barrier(RACERS)
        results: list[int] = []

        def redeem(code=code, barrier=barrier, results=results):
            data = {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": rp.redirect_uri,
                "client_id": rp.client_id,
                "client_secret": rp.secret,
            }
            barrier.wait()
            results.append(requests.post(f"{server}/t/{tenant.slug}/token", data=data).status_code)

        threads = [threading.Thread(target=redeem) for _ in range(RACERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(results) == RACERS
        # Exactly one: a race that nobody wins (all refused) is a failure too.
        assert results.count(200) == 1, results
        assert set(results) <= {200, 400}, results
    # Every code was claimed once; losers of each race flagged it as reused.
    assert AuthorizationCode.objects.filter(redeemed_at__isnull=True).count() == 0
