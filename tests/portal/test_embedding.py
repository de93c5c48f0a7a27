"""The sites allowed to embed the sign-in page: Settings page and REST API, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenants.audit import AuditEvent
from tests.portal.test_api import Api, _token

pytestmark = pytest.mark.django_db

LABEL = "Sites allowed to embed the sign-in page"


def _page(tenant):
    return reverse("portal:tenant-settings", kwargs={"slug": tenant.slug})


def _post(client, tenant, value):
    path = reverse("portal:tenant-settings-embedding", kwargs={"slug": tenant.slug})
    return client.post(path, {"iframe_origins": value})


def test_an_admin_sets_the_sites_on_the_settings_page(client, tenant, admin):
    client.force_login(admin)
    page = client.get(_page(tenant)).content.decode()
    assert LABEL in page and 'id="embedding"' in page
    done = _post(
        client, tenant, "https://Shop.Example/\n\nhttp://localhost:8001\nhttps://shop.example"
    )
    assert done.status_code == 302
    tenant.refresh_from_db()
    assert tenant.iframe_origins == ["https://shop.example", "http://localhost:8001"]
    event = AuditEvent.objects.get(action="tenant.iframe_origins_changed")
    assert event.actor == admin and event.tenant_id == tenant.pk
    assert event.details == {"before": [], "after": tenant.iframe_origins}
    shown = client.get(_page(tenant)).content.decode()
    assert "https://shop.example\nhttp://localhost:8001" in shown
    # Saving the same list again changes and audits nothing; an empty one turns framing off.
    assert _post(client, tenant, "https://shop.example\nhttp://localhost:8001").status_code == 302
    assert AuditEvent.objects.filter(action="tenant.iframe_origins_changed").count() == 1
    assert _post(client, tenant, "").status_code == 302
    tenant.refresh_from_db()
    assert tenant.iframe_origins == []


@pytest.mark.parametrize(
    "value, problem",
    [
        ("http://shop.example", "must use https"),
        ("https://shop.example/sign-in", "without a path"),
        ("shop.example", "is not an origin"),
        ("https://127.0.0.1", "IP address"),
        ("https://shop.example:99999", "invalid port"),
        ("\n".join(f"https://s{i}.example" for i in range(21)), "at most 20"),
    ],
)
def test_a_bad_site_is_a_field_error_and_nothing_changes(client, tenant, admin, value, problem):
    client.force_login(admin)
    refused = _post(client, tenant, value)
    assert refused.status_code == 400
    assert problem in refused.content.decode()
    assert 'id="id_iframe_origins-error"' in refused.content.decode()
    tenant.refresh_from_db()
    assert tenant.iframe_origins == []
    assert not AuditEvent.objects.filter(action="tenant.iframe_origins_changed").exists()


def test_a_read_only_admin_sees_the_sites_but_cannot_change_them(client, tenant, admin, reader):
    client.force_login(admin)
    _post(client, tenant, "https://shop.example")
    client.force_login(reader)
    page = client.get(_page(tenant)).content.decode()
    assert "https://shop.example" in page and "save-embedding" not in page
    assert _post(client, tenant, "https://evil.example").status_code == 403
    tenant.refresh_from_db()
    assert tenant.iframe_origins == ["https://shop.example"]
    assert AuditEvent.objects.filter(action="tenant.iframe_origins_changed").count() == 1


def test_the_api_reads_and_sets_the_sites(client, tenant, admin):
    api = Api(client, _token(admin))
    assert api.get("embedding", slug=tenant.slug).json() == {"iframe_origins": []}
    done = api._call(
        "put", "embedding", data={"iframe_origins": ["https://shop.example/"]}, slug=tenant.slug
    )
    assert done.status_code == 200, done.content
    assert done.json() == {"iframe_origins": ["https://shop.example"]}
    tenant.refresh_from_db()
    assert tenant.iframe_origins == ["https://shop.example"]
    event = AuditEvent.objects.get(action="tenant.iframe_origins_changed")
    assert event.actor == admin


@pytest.mark.parametrize(
    "body",
    [
        {"iframe_origins": ["http://shop.example"]},
        {"iframe_origins": ["https://shop.example/path"]},
        {"iframe_origins": [42]},
        {"iframe_origins": "https://shop.example"},
        {"iframe_origins": None},
        {"iframe_origins": ["https://x.example/" + "a" * 400]},
        {"iframe_origins": [f"https://s{i}.example" for i in range(21)]},
        {"iframe_origins": [f"https://s{i}.example" for i in range(100)]},
        {},
    ],
)
def test_bad_api_input_is_400_with_the_field_error(client, tenant, admin, body):
    api = Api(client, _token(admin))
    refused = api._call("put", "embedding", data=body, slug=tenant.slug)
    assert refused.status_code == 400, refused.content
    assert "iframe_origins" in refused.json()
    tenant.refresh_from_db()
    assert tenant.iframe_origins == []


def test_unknown_fields_are_refused(client, tenant, admin):
    api = Api(client, _token(admin))
    body = {"iframe_origins": [], "frame_ancestors": ["*"]}
    refused = api._call("put", "embedding", data=body, slug=tenant.slug)
    assert refused.status_code == 400
    assert "frame_ancestors" in refused.json()


def test_a_read_only_admin_cannot_set_them_over_the_api(client, tenant, reader):
    api = Api(client, _token(reader))
    assert api.get("embedding", slug=tenant.slug).status_code == 200
    body = {"iframe_origins": ["https://shop.example"]}
    assert api._call("put", "embedding", data=body, slug=tenant.slug).status_code == 403
    tenant.refresh_from_db()
    assert tenant.iframe_origins == []
    assert not AuditEvent.objects.filter(action="tenant.iframe_origins_changed").exists()
