"""Probes: cheap, unauthenticated, revealing nothing, and 503 when a dependency is down."""

from __future__ import annotations

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.reliability.servers import private_redis, web_node

CLOSED_PORT = "redis://127.0.0.1:17999/0"


@pytest.mark.django_db
def test_live_and_ready_answer_without_session_or_cookies(client):
    live = client.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "live"}
    with CaptureQueriesContext(connection) as queries:
        ready = client.get("/health/ready", HTTP_HOST="anything.invalid")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}
    # One SELECT 1, and no session, CSRF or host handling on the way.
    assert [q["sql"] for q in queries] == ["SELECT 1"]
    assert not ready.cookies
    assert ready["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_probes_take_no_other_methods(client):
    assert client.post("/health/ready").status_code != 200


@pytest.mark.django_db(transaction=True)
def test_ready_is_503_while_redis_is_down_and_recovers_without_restart():
    with private_redis() as redis_server, web_node(REDIS_URL=redis_server.url) as base:
        assert requests.get(f"{base}/health/ready", timeout=10).status_code == 200
        redis_server.stop()
        down = requests.get(f"{base}/health/ready", timeout=10)
        assert down.status_code == 503
        # Reveals nothing: no host, port, version or error text.
        assert down.json() == {"status": "unavailable"}
        assert requests.get(f"{base}/health/live", timeout=10).status_code == 200
        redis_server.start()
        assert requests.get(f"{base}/health/ready", timeout=10).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_ready_is_503_when_the_database_does_not_answer():
    with web_node(DATABASE_URL="postgres://postgres@127.0.0.1:17998/none") as base:
        assert requests.get(f"{base}/health/live", timeout=10).status_code == 200
        down = requests.get(f"{base}/health/ready", timeout=10)
        assert down.status_code == 503
        assert down.json() == {"status": "unavailable"}
