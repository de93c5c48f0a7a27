"""`make run`'s demo data: OIDC on, the token viewer registered, links printed last."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import EmailLink, User
from portal.demo import ADMIN_EMAIL, SUPPORT_EMAIL, demo_data_load
from portal.token_viewer import viewer_redirect_url
from tenants.models import RedirectURL, Tenant

pytestmark = pytest.mark.django_db


def test_demo_data_turns_on_oidc_and_registers_the_viewer_once():
    call_command("demo_data", stdout=StringIO())
    call_command("demo_data", stdout=StringIO())
    tenant = Tenant.objects.get(slug="demo")
    assert tenant.oidc_enabled
    urls = list(RedirectURL.objects.for_tenant(tenant).values_list("url", flat=True))
    assert urls == [viewer_redirect_url(tenant)]
    assert tenant.clients.get().response_type == "code"
    assert User.objects.portal().by_email(SUPPORT_EMAIL).get().is_support_staff
    admin = User.objects.portal().by_email(ADMIN_EMAIL).get()
    assert admin.memberships.get(tenant=tenant).can_write


def test_demo_links_prints_fresh_links_lifetime_and_how_to_get_more(settings):
    settings.PUBLIC_URL = "http://localhost:8000"
    demo_data_load()
    out = StringIO()
    call_command("demo_links", stdout=out)
    text = out.getvalue()
    assert text.count("http://localhost:8000/portal/link/") == 2
    assert "each works once, for 15 minutes" in text
    assert "manage.py demo_links" in text
    assert "http://localhost:8000/portal/tenants/demo/test-sign-in/" in text
    assert EmailLink.objects.filter(purpose="sign_in").count() == 2


def test_procfile_binds_localhost_and_prints_links_last():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    assert "runserver localhost:8000" in procfile
    assert "demo_links --wait" in procfile
