"""The periodic purge of authorization-code records."""

from datetime import timedelta

import pytest
from django.utils import timezone

from idp.models import AuthorizationCode
from idp.tasks import purge_authorization_codes
from tests import factories

pytestmark = pytest.mark.django_db


def _code(tenant, client, user, *, expired_ago: timedelta, digest: str):
    return AuthorizationCode.objects.create(
        tenant=tenant,
        client=client,
        user=user,
        code_digest=digest,
        auth_time=0,
        expires_at=timezone.now() - expired_ago,
    )


def test_purge_deletes_only_long_expired_code_records(tenant, other_tenant):
    client = factories.client(tenant=tenant)
    other_client = factories.client(tenant=other_tenant)
    user = factories.end_user(tenant=tenant)
    other_user = factories.end_user(tenant=other_tenant)
    _code(tenant, client, user, expired_ago=timedelta(days=2), digest="a" * 64)
    _code(other_tenant, other_client, other_user, expired_ago=timedelta(days=3), digest="b" * 64)
    recent = _code(tenant, client, user, expired_ago=timedelta(minutes=5), digest="c" * 64)

    assert purge_authorization_codes.apply().get() == 2
    assert list(AuthorizationCode.objects.all()) == [recent]
