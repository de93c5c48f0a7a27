"""A real Celery worker process runs a rotation task against Redis and the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from config.celery import app
from tenants.models import SigningKey
from tenants.oidc.keys import signing_key_active
from tenants.oidc.tasks import rotate_tenant_keys
from tests import factories
from tests.support.backends import require_backend
from tests.tenants.keys_jwt import jwks_snapshot, sign_id_token, token_kid, verifies
from tests.tenants.keys_processes import child_env

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

CELERY = Path(settings.BASE_DIR) / ".venv" / "bin" / "celery"
# Tests clear the Django cache, which on Redis is FLUSHDB of REDIS_URL's database; the broker
# for this test lives in another database so a concurrent clear cannot drop its messages.
BROKER_DB = "15"


def _broker_url() -> str:
    parts = urlsplit(settings.REDIS_URL)
    return urlunsplit(parts._replace(path=f"/{BROKER_DB}"))


@pytest.fixture
def worker(tmp_path):
    """A `celery -A config worker` subprocess consuming a queue of its own."""
    require_backend("redis", "the worker's broker")
    require_backend("postgresql", "the worker process must share the test database")
    queue = f"test-keys-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    executable = str(CELERY) if CELERY.exists() else "celery"
    proc = subprocess.Popen(
        [
            executable,
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=child_env(REDIS_URL=_broker_url()),
        cwd=str(settings.BASE_DIR),
        # A file, not a pipe: a full pipe buffer would block the worker.
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield queue, proc, log
    finally:
        # Stop it before pytest-django flushes the database it is connected to.
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        client = redis.Redis.from_url(_broker_url())
        client.delete(*(f"{p}.{queue}" for p in ("_kombu.binding", "_kombu.binding_permanent")))
        client.close()


def test_worker_rotation_changes_jwks_and_new_tokens_use_the_new_kid(worker):
    queue, proc, log = worker
    assert not app.conf.task_always_eager
    tenant = factories.tenant()
    # The keys were made a rotation period ago, so a pass on the real clock rotates now.
    now = timezone.now()
    SigningKey.objects.for_tenant(tenant).filter(state="active").update(
        activated_at=now - timedelta(days=31)
    )
    SigningKey.objects.for_tenant(tenant).update(published_at=now - timedelta(days=31))
    old_active = signing_key_active(tenant=tenant)
    nxt = SigningKey.objects.for_tenant(tenant).get(state="next")
    jwks_before = jwks_snapshot(tenant)

    with app.connection_for_write(_broker_url()) as connection:
        rotate_tenant_keys.apply_async(args=[tenant.pk], queue=queue, connection=connection)

    deadline = time.monotonic() + 90
    while signing_key_active(tenant=tenant).kid == old_active.kid:
        if proc.poll() is not None or time.monotonic() > deadline:
            output = log.read_text()[-4000:]
            pytest.fail(f"worker did not rotate the keys; worker output:\n{output}")
        time.sleep(0.25)

    jwks_after = jwks_snapshot(tenant)
    kids_before = {k["kid"] for k in jwks_before["keys"]}
    kids_after = {k["kid"] for k in jwks_after["keys"]}
    assert kids_after != kids_before
    fresh = SigningKey.objects.for_tenant(tenant).get(state="next")
    assert kids_after == {old_active.kid, nxt.kid, fresh.kid}

    signed_at = timezone.now()
    token = sign_id_token(tenant, signed_at)
    assert token_kid(token) == nxt.kid != old_active.kid
    assert verifies(token, jwks_after, signed_at)
    # Relying parties that cached JWKS before the rotation already hold the new key.
    assert verifies(token, jwks_before, signed_at)
