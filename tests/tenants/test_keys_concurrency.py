"""Several OS processes run rotation passes at once: exactly one active key per tenant and alg."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tenants.audit import AuditEvent
from tenants.models import SigningKey
from tenants.oidc.keys import key_algorithm_add
from tests import factories
from tests.tenants.keys_processes import child_env

PROCESSES = 5

# Each child reports ready, waits for "go" on stdin, then runs passes over every tenant.
SCRIPT = """
import sys, random
import django
django.setup()
from datetime import datetime
from tenants.oidc.keys import key_rotation_pass
from tenants.models import Tenant
now = datetime.fromisoformat(sys.argv[1])
tenants = list(Tenant.objects.all())
print("ready", flush=True)
sys.stdin.readline()
for _ in range(3):
    random.shuffle(tenants)
    for tenant in tenants:
        key_rotation_pass(tenant=tenant, now=now)
"""


def _run_round(now):
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, now.isoformat()],
            env=child_env(),
            cwd=str(settings.BASE_DIR),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    # Release them together once every one has Django loaded, to maximise the overlap.
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()[-3000:]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-3000:]


def _assert_one_active_one_next(tenants):
    for tenant in tenants:
        for algorithm in {k.algorithm for k in SigningKey.objects.for_tenant(tenant)}:
            states = list(
                SigningKey.objects.for_tenant(tenant)
                .filter(algorithm=algorithm)
                .values_list("state", flat=True)
            )
            assert states.count("active") == 1, (tenant.slug, algorithm, states)
            assert states.count("next") == 1, (tenant.slug, algorithm, states)


@pytest.mark.postgresql(reason="row locks across processes")
@pytest.mark.django_db(transaction=True)
def test_concurrent_rotation_passes_rotate_each_tenant_exactly_once():
    tenants = [factories.tenant() for _ in range(3)]
    key_algorithm_add(tenant=tenants[0], algorithm="ES256", actor=None)
    start = timezone.now()
    for day in (31, 62):
        now = start + timedelta(days=day)
        seen = AuditEvent.objects.filter(action="signing_key.rotation_pass").count()
        _run_round(now)
        _assert_one_active_one_next(tenants)
        events = AuditEvent.objects.filter(action="signing_key.rotation_pass")
        promoted = [kid for e in events[: events.count() - seen] for kid in e.details["promoted"]]
        # One promotion per tenant and algorithm however many passes raced for it.
        assert len(promoted) == len(tenants) + 1, (day, promoted)
        assert len(set(promoted)) == len(promoted)
        for tenant in tenants:
            retired = SigningKey.objects.for_tenant(tenant).filter(state="retired", retired_at=now)
            assert retired.count() == (2 if tenant == tenants[0] else 1)
