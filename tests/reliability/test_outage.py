"""A database or Redis outage answers a clean 503 (page or JSON), never a traceback."""

from __future__ import annotations

import pytest
import requests

from tests import factories
from tests.reliability.servers import private_redis, web_node

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_DATABASE = "postgres://postgres@127.0.0.1:17998/none"
HTML = {"Accept": "text/html,application/xhtml+xml"}


def _no_traceback(response):
    text = response.text
    assert "Traceback" not in text and "OperationalError" not in text
    assert "ConnectionError" not in text and "17998" not in text


def test_database_down_gives_a_page_to_browsers_and_json_to_programs():
    with web_node(DATABASE_URL=DEAD_DATABASE) as base:
        page = requests.get(f"{base}/t/acme/sign-in/", headers=HTML, timeout=10)
        assert page.status_code == 503
        assert page.headers["Content-Type"].startswith("text/html")
        assert "Temporarily unavailable" in page.text
        assert page.headers["Retry-After"]
        _no_traceback(page)

        token = requests.post(
            f"{base}/t/acme/token", data={"grant_type": "authorization_code"}, timeout=10
        )
        assert token.status_code == 503
        assert token.json()["error"] == "temporarily_unavailable"
        _no_traceback(token)

        bearer = {"Authorization": "Bearer lk_" + "x" * 40}
        api = requests.get(f"{base}/api/v1/tenants/", headers=bearer, timeout=10)
        assert api.status_code == 503
        assert "detail" in api.json()
        _no_traceback(api)

        # A page that needs no database (no session cookie yet) still renders.
        portal = requests.get(f"{base}/portal/", headers=HTML, timeout=10)
        assert portal.status_code in (200, 503)
        _no_traceback(portal)


def test_redis_down_gives_json_to_the_sign_in_page_and_recovers_without_restart():
    tenant = factories.tenant()
    with private_redis() as redis_server, web_node(REDIS_URL=redis_server.url) as base:
        browser = requests.Session()
        browser.get(f"{base}/t/{tenant.slug}/sign-in/", headers=HTML, timeout=10)
        options = f"{base}/t/{tenant.slug}/sign-in/passkey/options/"
        headers = {"Content-Type": "application/json", "X-CSRFToken": browser.cookies["csrftoken"]}
        assert browser.post(options, data="{}", headers=headers, timeout=10).status_code == 200
        redis_server.stop()
        down = browser.post(options, data="{}", headers=headers, timeout=10)
        assert down.status_code == 503
        assert down.json()["code"] == "temporarily_unavailable"
        _no_traceback(down)
        # Pages that need no cache still work (sessions live in PostgreSQL).
        page = browser.get(f"{base}/t/{tenant.slug}/sign-in/", headers=HTML, timeout=10)
        assert page.status_code in (200, 503)
        _no_traceback(page)
        redis_server.start()
        assert browser.post(options, data="{}", headers=headers, timeout=10).status_code == 200
