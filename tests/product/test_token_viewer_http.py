"""The token viewer end to end over HTTP (no browser): code flow and implicit id_token mode."""

from __future__ import annotations

import re

import pytest
import requests
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from accounts.models import User
from idp.session import enduser_sign_in
from portal.demo import ADMIN_EMAIL, demo_data_load
from tenants.models import ClientSecret
from tenants.oidc.services import oidc_settings_update
from tests import factories
from tests.idp.oidc_support import form_post_fields

pytestmark = pytest.mark.django_db(transaction=True)


def _browser(tenant, admin, end_user) -> requests.Session:
    """One browser session: the demo admin in the portal, the end user signed in at the IdP."""
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    enduser_sign_in(request, tenant=tenant, user=end_user, amr=["hwk", "user"])
    login(request, admin, backend="accounts.backends.PortalUserBackend")
    request.session.save()
    browser = requests.Session()
    browser.cookies.set("sessionid", request.session.session_key)
    return browser


def _test_sign_in(browser, base, tenant) -> str:
    viewer = f"{base}/portal/tenants/{tenant.slug}/test-sign-in/"
    browser.get(viewer)
    started = browser.post(
        viewer, headers={"X-CSRFToken": browser.cookies["csrftoken"]}, allow_redirects=False
    )
    assert started.status_code == 302, started.text[:500]
    authorize = browser.get(started.headers["Location"], allow_redirects=False)
    assert authorize.status_code == 200, authorize.text[:500]
    action, fields = form_post_fields(authorize.text)
    assert action == f"{viewer}callback/"
    answered = browser.post(action, data=fields, allow_redirects=False)
    assert answered.status_code == 302 and answered.headers["Location"].endswith("/test-sign-in/")
    return browser.get(viewer).text


@pytest.fixture
def demo(public_live_server):
    tenant = demo_data_load()
    admin = User.objects.portal().by_email(ADMIN_EMAIL).get()
    end_user = factories.end_user(tenant=tenant, email="ada@example.com", given_name="Ada")
    return public_live_server.url, tenant, admin, end_user


def test_code_flow_with_the_viewers_own_secret(demo):
    base, tenant, admin, end_user = demo
    page = _test_sign_in(_browser(tenant, admin, end_user), base, tenant)
    assert "✔ signature verified" in page
    assert "Code flow with form_post and the client secret" in page
    assert end_user.subject in page and 'id="userinfo"' in page
    assert re.search(r"<code>given_name</code></td><td><code>Ada</code></td><td>givenName", page)
    secret = ClientSecret.objects.get(tenant=tenant)
    assert secret.name == "Token viewer (Test sign-in)" and secret.last_used_at is not None


def test_implicit_id_token_mode(demo):
    base, tenant, admin, end_user = demo
    oidc_settings_update(tenant=tenant, actor=admin, response_type="id_token")
    page = _test_sign_in(_browser(tenant, admin, end_user), base, tenant)
    assert "✔ signature verified" in page
    assert "Implicit id_token flow with form_post" in page
    assert "userinfo cannot be called" in page
    assert not ClientSecret.objects.filter(tenant=tenant).exists()
