"""PostgreSQL plans a repeated statement once per connection (config/env.py)."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from tenants.models import Tenant

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements"),
]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_repeated_query_is_prepared_with_its_parameters_apart():
    slug = "no-such-tenant"
    for _ in range(6):
        assert not Tenant.objects.filter(slug=slug).exists()
    statements = [s for s in _prepared() if '"tenants_tenant"."slug" = $' in s]
    assert len(statements) == 1, _prepared()
    assert slug not in statements[0]


def test_bulk_writes_stay_under_the_parameter_limit():
    """70,000 one-column rows: one INSERT or DELETE would need more than 65,535 parameters."""
    Group.objects.bulk_create(Group(name=f"g{n}") for n in range(70_000))
    assert Group.objects.count() == 70_000
    Group.objects.all().delete()
    assert not Group.objects.exists()
