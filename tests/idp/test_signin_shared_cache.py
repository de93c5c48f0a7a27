"""One whole ceremony through the configured shared cache (Redis when REDIS_URL is set)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.idp.signin_support import post_json, register, sign_in, url

pytestmark = pytest.mark.django_db


def test_challenges_live_in_the_shared_cache(tenant, settings):
    authenticator, done = register(Client(), tenant, "shared@example.com")
    assert done.status_code == 200, done.content
    options = post_json(Client(), url("signin-options", tenant)).json()
    # The challenge is stored server-side under its handle, in the configured cache.
    assert cache.get(f"wac:{options['handle']}") is not None
    response = sign_in(Client(), tenant, authenticator, email="shared@example.com")
    assert response.status_code == 200, response.content
