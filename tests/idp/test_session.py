"""End-user sign-ins are per tenant and die with a revocation, even within the same second."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils import timezone

from idp.session import enduser_current, enduser_sign_in, enduser_sign_out
from tests import factories

pytestmark = pytest.mark.django_db


def _request():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def test_sign_in_is_per_tenant(tenant, other_tenant):
    user = factories.end_user(tenant=tenant)
    request = _request()
    enduser_sign_in(request, tenant=tenant, user=user, amr=["hwk"])
    assert enduser_current(request, tenant=tenant).user == user
    assert enduser_current(request, tenant=other_tenant) is None
    enduser_sign_out(request, tenant=tenant)
    assert enduser_current(request, tenant=tenant) is None


def test_user_of_another_tenant_cannot_be_signed_in(tenant, other_tenant):
    with pytest.raises(ValueError):
        enduser_sign_in(
            _request(), tenant=tenant, user=factories.end_user(tenant=other_tenant), amr=[]
        )


def test_revocation_in_the_same_second_ends_the_sign_in(tenant):
    user = factories.end_user(tenant=tenant)
    request = _request()
    enduser_sign_in(request, tenant=tenant, user=user, amr=["hwk"])
    user.sessions_valid_after = timezone.now()
    user.save(update_fields=["sessions_valid_after"])
    assert enduser_current(request, tenant=tenant) is None
    enduser_sign_in(request, tenant=tenant, user=user, amr=["hwk"])
    assert enduser_current(request, tenant=tenant).user == user


def test_sign_in_moves_the_data_to_a_new_key_and_deletes_the_old_row(tenant):
    from django.contrib.sessions.models import Session

    user = factories.end_user(tenant=tenant)
    request = _request()
    request.session["kept"] = "yes"
    request.session.save()
    planted = request.session.session_key
    enduser_sign_in(request, tenant=tenant, user=user, amr=["hwk"])
    assert not Session.objects.filter(session_key=planted).exists()
    request.session.save()  # what the session middleware does with the response
    fresh = request.session.session_key
    assert fresh and fresh != planted
    later = _request()
    later.session = SessionStore(session_key=fresh)
    assert later.session["kept"] == "yes"
    assert enduser_current(later, tenant=tenant).user == user
