"""The Signing keys portal page and API: listing, Rotate now, Revoke key, ES256, no secrets."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tenants.audit import AuditEvent
from tenants.models import SigningKey
from tenants.oidc.keys import signing_key_active
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tenant):
    return factories.membership(tenant=tenant, role="read_write").user


@pytest.fixture
def viewer(tenant):
    return factories.membership(tenant=tenant, role="read_only").user


def _next(tenant, algorithm="RS256"):
    return SigningKey.objects.for_tenant(tenant).get(state="next", algorithm=algorithm)


def _assert_no_private_material(body: str, tenant):
    for key in SigningKey.objects.for_tenant(tenant):
        if key.private_key_encrypted:
            assert key.private_key_encrypted not in body
    assert "PRIVATE KEY" not in body
    assert "private_key" not in body


def test_page_lists_keys_with_states_and_dates(client, tenant, admin):
    client.force_login(admin)
    response = client.get(reverse("portal:tenant-keys", args=[tenant.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    for key in SigningKey.objects.for_tenant(tenant):
        assert f'data-kid="{key.kid}" data-state="{key.state}"' in body
    assert "Rotate now" in body and "Revoke key" in body
    # The next key was just published: rotating now would surprise relying parties.
    assert "less than the JWKS cache lifetime" in body
    _assert_no_private_material(body, tenant)


def test_read_only_member_sees_disabled_buttons_and_cannot_post(client, tenant, viewer):
    client.force_login(viewer)
    body = client.get(reverse("portal:tenant-keys", args=[tenant.slug])).content.decode()
    assert "read-only access" in body
    assert body.count("disabled") >= 3
    before = signing_key_active(tenant=tenant)
    url = reverse("portal:tenant-key-rotate", args=[tenant.slug])
    assert client.post(url, {"algorithm": "RS256"}).status_code == 403
    assert signing_key_active(tenant=tenant) == before


def test_rotate_now_from_the_portal_warns_about_a_young_key(client, tenant, admin):
    client.force_login(admin)
    nxt = _next(tenant)
    response = client.post(
        reverse("portal:tenant-key-rotate", args=[tenant.slug]),
        {"algorithm": "RS256", "expected_next_kid": nxt.kid, "reason": "drill"},
        follow=True,
    )
    assert response.status_code == 200
    assert signing_key_active(tenant=tenant).kid == nxt.kid
    messages = [str(m) for m in response.context["messages"]]
    assert any(nxt.kid in m for m in messages)
    assert any("refetch" in m for m in messages)
    assert AuditEvent.objects.get(action="signing_key.rotated").actor == admin
    # The same form submitted again (double click) does not rotate a second time.
    again = client.post(
        reverse("portal:tenant-key-rotate", args=[tenant.slug]),
        {"algorithm": "RS256", "expected_next_kid": nxt.kid},
    )
    assert again.status_code == 400
    assert "changed since this page was loaded" in again.content.decode()
    assert signing_key_active(tenant=tenant).kid == nxt.kid


def test_revoke_from_the_portal(client, tenant, support_user):
    client.force_login(support_user)
    active = signing_key_active(tenant=tenant)
    nxt = _next(tenant)
    response = client.post(
        reverse("portal:tenant-key-revoke", args=[tenant.slug, active.kid]), {"reason": "leak"}
    )
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.state == "revoked"
    assert signing_key_active(tenant=tenant).kid == nxt.kid
    event = AuditEvent.objects.get(action="signing_key.revoked")
    assert event.actor == support_user and event.details["reason"] == "leak"


def test_revoke_refuses_a_too_long_reason(client, tenant, admin):
    client.force_login(admin)
    active = signing_key_active(tenant=tenant)
    response = client.post(
        reverse("portal:tenant-key-revoke", args=[tenant.slug, active.kid]), {"reason": "x" * 501}
    )
    assert response.status_code == 400
    assert "at most 500 characters" in response.content.decode()
    active.refresh_from_db()
    assert active.state == "active"


def test_add_es256_from_the_portal(client, tenant, admin):
    client.force_login(admin)
    response = client.post(reverse("portal:tenant-key-add-es256", args=[tenant.slug]))
    assert response.status_code == 302
    assert signing_key_active(tenant=tenant, algorithm="ES256") is not None
    body = client.get(reverse("portal:tenant-keys", args=[tenant.slug])).content.decode()
    assert 'id="schedule-ES256"' in body and "Add ES256 keys" not in body


def test_api_lists_public_material_only(client, tenant, admin):
    client.force_login(admin)
    response = client.get(reverse("api:tenant-keys", args=[tenant.slug]))
    assert response.status_code == 200
    data = response.json()
    assert {k["state"] for k in data["keys"]} == {"active", "next"}
    for key in data["keys"]:
        assert set(key) == {
            "kid", "algorithm", "state", "created_at", "published_at", "activated_at",
            "retired_at", "revoked_at", "public_jwk",
        }  # fmt: skip
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key["public_jwk"])
    assert data["schedule"][0]["algorithm"] == "RS256"
    assert data["schedule"][0]["next_is_young"] is True
    _assert_no_private_material(response.content.decode(), tenant)


def test_api_rotate_revoke_and_conflict(client, tenant, admin):
    client.force_login(admin)
    nxt = _next(tenant)
    url = reverse("api:tenant-key-rotate", args=[tenant.slug])
    body = {"expected_next_kid": nxt.kid, "reason": "api"}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["active"]["kid"] == nxt.kid and data["warning"]
    assert data["next"]["state"] == "next"
    _assert_no_private_material(response.content.decode(), tenant)
    conflict = client.post(url, json.dumps(body), content_type="application/json")
    assert conflict.status_code == 409
    bad = client.post(url, json.dumps({"algorithm": "HS256"}), content_type="application/json")
    assert bad.status_code == 400 and "algorithm" in bad.json()
    no_es = client.post(url, json.dumps({"algorithm": "ES256"}), content_type="application/json")
    assert no_es.status_code == 400

    revoke = reverse("api:tenant-key-revoke", args=[tenant.slug, nxt.kid])
    response = client.post(revoke, "{}", content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["revoked"]["kid"] == nxt.kid and data["revoked"]["public_jwk"] is None
    assert data["active"]["kid"] != nxt.kid
    missing = reverse("api:tenant-key-revoke", args=[tenant.slug, "no-such-kid"])
    assert client.post(missing, "{}", content_type="application/json").status_code == 404
