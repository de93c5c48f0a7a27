"""The Django admin is for support staff only, with a read-only audit trail."""

import pytest

from tenants.audit import audit_log
from tests import factories

pytestmark = pytest.mark.django_db


def test_anonymous_admin_goes_to_passwordless_portal_sign_in(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/sign-in/"


def test_tenant_admin_is_not_let_in(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_write").user
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/tenants/tenant/",
        "/admin/accounts/user/",
        "/admin/accounts/membership/",
        "/admin/tenants/auditevent/",
    ],
)
def test_support_staff_use_the_admin(client, support_user, tenant, path):
    client.force_login(support_user)
    assert client.get(path).status_code == 200


def test_audit_events_are_read_only_in_the_admin(client, support_user, tenant):
    event = audit_log(action="tenant.created", tenant=tenant, target=tenant)
    client.force_login(support_user)
    page = client.get(f"/admin/tenants/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(f"/admin/tenants/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/tenants/auditevent/add/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/admin/oauth2_provider/accesstoken/",
        "/admin/oauth2_provider/refreshtoken/",
        "/admin/oauth2_provider/grant/",
        "/admin/oauth2_provider/idtoken/",
        "/admin/auth/group/",
    ],
)
def test_token_rows_and_groups_are_not_in_the_admin(client, support_user, path):
    client.force_login(support_user)
    assert client.get(path).status_code == 404
    index = client.get("/admin/").content.decode()
    assert path not in index


def test_only_tenants_and_users_are_editable_in_the_admin(rf, support_user):
    """Everything else a support person can open in /admin/ is read-only."""
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = support_user
    editable = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_change_permission(request)
        or model_admin.has_add_permission(request)
        or model_admin.has_delete_permission(request)
    }
    assert editable == {"tenants.Tenant", "accounts.User"}
